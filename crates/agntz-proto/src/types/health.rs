//! `GET /health` (wire §3).

use serde::Deserialize;

/// The worker's health answer, e.g. `{"status":"ok","service":"agntz-worker"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Health {
    /// `ok` when healthy.
    #[serde(default)]
    pub status: String,
    /// Service name.
    #[serde(default)]
    pub service: String,
}

impl Health {
    /// Whether `status` is `ok`.
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }
}
