//! The settings every transport builder keeps.

use std::fmt;
use std::time::Duration;

use agntz_proto::{Error, Timeouts};

/// The timeouts and extra root certificates of a transport builder; `C` is
/// the HTTP library's certificate type.
///
/// The defaults are those of [`Timeouts::default`], with no extra roots.
#[derive(Clone)]
pub struct BuilderSettings<C> {
    /// Timeout for establishing a connection, TCP and TLS.
    pub connect_timeout: Duration,
    /// Idle-read timeout for requests that carry no [`Timeouts`] extension.
    pub idle_timeout: Duration,
    /// Root certificates trusted in addition to the transport's own.
    pub roots: Vec<C>,
}

impl<C> Default for BuilderSettings<C> {
    fn default() -> Self {
        let defaults = Timeouts::default();
        BuilderSettings {
            connect_timeout: defaults.connect,
            idle_timeout: defaults.idle,
            roots: Vec::new(),
        }
    }
}

impl<C> BuilderSettings<C> {
    /// Adds the certificates parsed from PEM data to [`roots`](Self::roots).
    ///
    /// Fails with [`Error::InvalidRequest`] (and adds nothing) when parsing
    /// failed or found no certificate.
    pub fn add_pem_roots<E: fmt::Display>(
        &mut self,
        parsed: Result<Vec<C>, E>,
    ) -> Result<(), Error> {
        let certs = parsed
            .map_err(|e| Error::InvalidRequest(format!("invalid PEM root certificate: {e}")))?;
        if certs.is_empty() {
            return Err(Error::InvalidRequest(
                "no certificate found in the PEM data".to_owned(),
            ));
        }
        self.roots.extend(certs);
        Ok(())
    }

    /// Formats the settings as the `Debug` output of the builder `name`
    /// (the number of extra roots, not the certificates).
    pub fn debug_as(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("connect_timeout", &self.connect_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("extra_roots", &self.roots.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_roots_must_parse_and_not_be_empty() {
        let mut settings = BuilderSettings::<u8>::default();
        assert!(settings.add_pem_roots(Err::<Vec<u8>, _>("bad")).is_err());
        assert!(settings.add_pem_roots(Ok::<_, &str>(Vec::new())).is_err());
        settings.add_pem_roots(Ok::<_, &str>(vec![1, 2])).unwrap();
        assert_eq!(settings.roots, [1, 2]);
    }
}
