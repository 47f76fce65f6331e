use std::time::Duration;

use agntz_proto::config::{Config, ConfigBuilder};
use agntz_proto::error::Error;
use agntz_proto::retry::RetryPolicy;
use agntz_reqwest::ReqwestTransport;

use agntz_proto::transport::Transport;

use crate::{AgntzClient, ENV_API_KEY, ENV_API_URL, ENV_BASE_URL};

/// Builds an [`AgntzClient`] over reqwest ([`build`](Self::build)), hyper
/// ([`build_hyper`](Self::build_hyper), feature `hyper`) or a transport of
/// your own ([`build_with`](Self::build_with)).
#[derive(Debug, Default)]
pub struct AgntzClientBuilder {
    config: ConfigBuilder,
    root_certificates: Vec<Vec<u8>>,
    reqwest_client: Option<agntz_reqwest::reqwest::Client>,
}

impl AgntzClientBuilder {
    /// A builder with defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The API key (`ar_live_...`), sent as `Authorization: Bearer <key>`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.config = self.config.api_key(key);
        self
    }

    /// The worker's base URL (default `https://api.agntz.co`). A path prefix
    /// is kept; trailing slashes are stripped.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.config = self.config.base_url(url);
        self
    }

    /// Reads `AGNTZ_API_KEY` (required) and the base URL from
    /// `AGNTZ_BASE_URL`, else `AGNTZ_API_URL` (the official CLI's name);
    /// both optional.
    pub fn from_env(mut self) -> Result<Self, Error> {
        let key = std::env::var(ENV_API_KEY)
            .ok()
            .filter(|key| !key.trim().is_empty())
            .ok_or_else(|| Error::InvalidRequest(format!("{ENV_API_KEY} is not set")))?;
        self = self.api_key(key);
        let url = [ENV_BASE_URL, ENV_API_URL]
            .into_iter()
            .filter_map(|name| std::env::var(name).ok())
            .find(|url| !url.trim().is_empty());
        if let Some(url) = url {
            self = self.base_url(url);
        }
        Ok(self)
    }

    /// An extra header sent on every request.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.config = self.config.header(name, value);
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config = self.config.connect_timeout(timeout);
        self
    }

    /// Longest silence while waiting for a response or between stream
    /// chunks (default 5 minutes; the worker sends no heartbeats).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.config = self.config.idle_timeout(timeout);
        self
    }

    /// Overall deadline of each non-streaming call, retries included.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.config = self.config.deadline(deadline);
        self
    }

    /// Retry policy (default: 2 retries where safe; `RetryPolicy::none()`
    /// turns retries off).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.config = self.config.retry_policy(policy);
        self
    }

    /// Largest JSON response read into memory (default 64 MiB).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.config = self.config.max_response_bytes(bytes);
        self
    }

    /// Largest single SSE event (default 16 MiB).
    pub fn max_event_bytes(mut self, bytes: usize) -> Self {
        self.config = self.config.max_event_bytes(bytes);
        self
    }

    /// Allow sending the key over plain `http://` to a non-loopback host.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.config = self.config.allow_insecure_http(allow);
        self
    }

    /// Trusts an extra root certificate (PEM), e.g. for a self-hosted worker
    /// behind a private CA.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Uses a pre-built reqwest client (shared pool, proxies). Its own TLS,
    /// redirect and timeout settings apply; the idle timeout still does.
    pub fn reqwest_client(mut self, client: agntz_reqwest::reqwest::Client) -> Self {
        self.reqwest_client = Some(client);
        self
    }

    fn build_config(self) -> Result<(Config, Transports), Error> {
        let config = self.config.build()?;
        let rest = Transports {
            root_certificates: self.root_certificates,
            reqwest_client: self.reqwest_client,
        };
        Ok((config, rest))
    }

    /// Builds the reqwest-backed client.
    pub fn build(self) -> Result<AgntzClient, Error> {
        let (config, rest) = self.build_config()?;
        let transport = match rest.reqwest_client {
            Some(client) => ReqwestTransport::from_client(client),
            None => {
                let timeouts = config.timeouts();
                let mut builder = ReqwestTransport::builder()
                    .connect_timeout(timeouts.connect)
                    .idle_timeout(timeouts.idle);
                for pem in &rest.root_certificates {
                    builder = builder.add_root_certificate_pem(pem)?;
                }
                builder.build()?
            }
        };
        Ok(AgntzClient::from_client(agntz_proto::Client::new(
            config, transport,
        )))
    }

    /// Builds a client over a transport of your own (or a pre-built
    /// [`ReqwestTransport`] / `HyperTransport`). The builder's TLS settings
    /// (`add_root_certificate_pem`, `reqwest_client`) do not apply: the
    /// transport owns its connections; timeouts, retries and limits do.
    pub fn build_with<T: Transport>(self, transport: T) -> Result<AgntzClient<T>, Error> {
        let (config, _) = self.build_config()?;
        Ok(AgntzClient::from_client(agntz_proto::Client::new(
            config, transport,
        )))
    }

    /// Builds a client over the raw hyper 1.x transport (feature `hyper`).
    #[cfg(feature = "hyper")]
    #[cfg_attr(docsrs, doc(cfg(feature = "hyper")))]
    pub fn build_hyper(self) -> Result<AgntzClient<agntz_hyper::HyperTransport>, Error> {
        let (config, rest) = self.build_config()?;
        let timeouts = config.timeouts();
        let mut builder = agntz_hyper::HyperTransport::builder()
            .connect_timeout(timeouts.connect)
            .idle_timeout(timeouts.idle);
        for pem in &rest.root_certificates {
            builder = builder.add_root_certificate_pem(pem)?;
        }
        Ok(AgntzClient::from_client(agntz_proto::Client::new(
            config,
            builder.build()?,
        )))
    }
}

/// The transport settings that are not part of the core's [`Config`].
struct Transports {
    root_certificates: Vec<Vec<u8>>,
    reqwest_client: Option<agntz_reqwest::reqwest::Client>,
}
