//! Errors as the CLI reports them: one line on stderr with a hint, and a
//! documented exit code.

use std::process::ExitCode;

use agntz_client::Error;

use crate::output::{self, Styles, RED, YELLOW};

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success.
    Ok = 0,
    /// The run (or eval run) failed or was cancelled, or the worker refused
    /// the request for another reason.
    Failed = 1,
    /// Bad usage: unknown flags, missing arguments, invalid input.
    Usage = 2,
    /// Not logged in, or the worker rejected the API key (401).
    Auth = 3,
    /// The agent, run, trace or eval does not exist (404).
    NotFound = 4,
    /// The worker could not be reached, or did not answer in time.
    Network = 5,
    /// Interrupted with Ctrl-C (a `run` is cancelled on the worker).
    Interrupted = 130,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// A failure: what went wrong, what to do about it, and the exit code.
#[derive(Debug)]
pub struct CliError {
    /// The exit code.
    pub exit: Exit,
    message: String,
    hint: Option<String>,
}

/// The hint for a missing or rejected API key.
pub const LOGIN_HINT: &str = "run `agntz login --key <key>` or set AGNTZ_API_KEY";

impl CliError {
    /// An error with `exit` and `message`.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        CliError {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    /// A usage error (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::new(Exit::Usage, message)
    }

    /// Any other failure (exit code 1).
    pub fn failed(message: impl Into<String>) -> Self {
        CliError::new(Exit::Failed, message)
    }

    /// Adds (or replaces) the hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Puts `context: ` before the message (e.g. the file it is about).
    pub fn prefix(mut self, context: &str) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }

    /// For a 404: names what was not found and how to find valid ids.
    pub fn missing(mut self, what: &str, id: &str, hint: &str) -> Self {
        if self.exit == Exit::NotFound {
            self.message = format!("{what} {id:?} not found ({})", self.message);
            self.hint = Some(hint.to_owned());
        }
        self
    }

    /// For network failures: names the URL that could not be reached.
    pub fn at_url(mut self, url: &str) -> Self {
        if self.exit == Exit::Network && self.hint.is_none() {
            self.hint = Some(format!(
                "check that the worker at {url} is reachable (`agntz whoami` shows where the URL comes from)"
            ));
        }
        self
    }

    /// Writes `error: <message>; hint: <hint>` on stderr.
    pub fn report(&self, styles: &Styles) {
        let mut line = format!("{} {}", styles.err(RED, "error:"), self.message);
        if let Some(hint) = &self.hint {
            line.push_str(&format!("; {} {hint}", styles.err(YELLOW, "hint:")));
        }
        output::note(&line);
    }
}

impl From<Error> for CliError {
    fn from(error: Error) -> Self {
        match &error {
            Error::Authentication(api) => CliError::new(
                Exit::Auth,
                format!("the worker rejected the API key ({api})"),
            )
            .hint(LOGIN_HINT),
            Error::NotFound(api) => CliError::new(Exit::NotFound, api.message.clone()).hint(
                "check the id (list what exists with `agntz runs list`, `agntz traces list`)",
            ),
            Error::RateLimited(api) => {
                let error = CliError::failed(format!("rate limited ({api})"));
                match api.retry_after {
                    Some(wait) => error.hint(format!("retry in {} s", wait.as_secs().max(1))),
                    None => error.hint("wait a moment and retry"),
                }
            }
            Error::Transport(_) | Error::Timeout(_) => {
                CliError::new(Exit::Network, error.to_string())
            }
            Error::InvalidRequest(message) => CliError::usage(message.clone()),
            // A file content block the SDK refused before sending (missing
            // file, unknown or wrong media type, too large).
            Error::Content(_) => CliError::usage(error.to_string()),
            _ => CliError::failed(error.to_string()),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        CliError::failed(error.to_string())
    }
}
