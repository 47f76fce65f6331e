//! Polling a resource until it is finished, within a bound.

use std::future::Future;
use std::time::Duration;

use super::{deadline, Client};
use crate::error::{Error, TimeoutError, TimeoutKind};
use crate::transport::Transport;

/// How long and how often to poll a run until it finishes
/// ([`Evals::wait_for_run`](super::Evals::wait_for_run),
/// [`Batches::wait_for_run`](super::Batches::wait_for_run)).
///
/// The bound covers the whole wait, requests included: it is raced against
/// one [`Transport::sleep`] of that length (the core reads no clock), so the
/// wait fails with [`Error::Timeout`] of kind [`TimeoutKind::Wait`] at most
/// `timeout` after it began, dropping a poll in flight. Each poll is also a
/// call of its own, with the client's retry policy and deadline.
///
/// ```
/// use std::time::Duration;
/// use agntz_proto::client::Wait;
///
/// let wait = Wait::up_to(Duration::from_secs(600)).every(Duration::from_secs(5));
/// assert_eq!(wait.timeout(), Duration::from_secs(600));
/// assert_eq!(wait.interval(), Duration::from_secs(5));
/// assert_eq!(Wait::up_to(Duration::from_secs(60)).interval(), Wait::DEFAULT_INTERVAL);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    timeout: Duration,
    interval: Duration,
}

impl Wait {
    /// The pause between polls unless [`every`](Self::every) sets another.
    pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(2);

    /// Waits at most `timeout` in all, polling every
    /// [`DEFAULT_INTERVAL`](Self::DEFAULT_INTERVAL).
    pub const fn up_to(timeout: Duration) -> Self {
        Wait {
            timeout,
            interval: Self::DEFAULT_INTERVAL,
        }
    }

    /// Pauses `interval` between one poll's answer and the next poll.
    pub const fn every(self, interval: Duration) -> Self {
        Wait { interval, ..self }
    }

    /// The bound of the whole wait.
    pub const fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The pause between polls.
    pub const fn interval(&self) -> Duration {
        self.interval
    }
}

/// Calls `poll` until `done` holds for its answer, pausing between polls,
/// within `wait`'s bound.
pub(super) async fn poll_until<T, R, F>(
    client: &Client<T>,
    wait: Wait,
    mut poll: impl FnMut() -> F,
    done: impl Fn(&R) -> bool,
) -> Result<R, Error>
where
    T: Transport,
    F: Future<Output = Result<R, Error>>,
{
    let polling = async {
        loop {
            let answer = poll().await?;
            if done(&answer) {
                return Ok(answer);
            }
            client.transport().sleep(wait.interval).await;
        }
    };
    deadline::race(polling, client.transport().sleep(wait.timeout))
        .await
        .unwrap_or_else(|| Err(TimeoutError::new(TimeoutKind::Wait, wait.timeout).into()))
}
