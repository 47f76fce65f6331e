//! Versions and aliases, shared by the versioned resources (batches,
//! datasets and evals answer these routes with the same shapes).

use serde::Deserialize;

use super::serde_util::null_as_default;

/// One version of a versioned resource (`GET /{resource}/{id}/versions`,
/// newest first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VersionSummary {
    /// The version id (ISO timestamp of its creation).
    #[serde(default, deserialize_with = "null_as_default")]
    pub created_at: String,
    /// When it was last activated (moves when an older version is
    /// activated again).
    #[serde(default)]
    pub activated_at: Option<String>,
    /// Aliases pointing at it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub aliases: Vec<String>,
}

/// The answer of `PUT /{resource}/{id}/aliases/{alias}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct VersionAlias {
    /// The alias.
    #[serde(default, deserialize_with = "null_as_default")]
    pub alias: String,
    /// The version it points at (resolved to an exact timestamp).
    #[serde(default, deserialize_with = "null_as_default")]
    pub version: String,
}

/// The answer of `DELETE /{resource}/{id}/aliases/{alias}` (`deleted` is
/// `true` even when the alias did not exist).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AliasRemoved {
    /// The alias.
    #[serde(default, deserialize_with = "null_as_default")]
    pub alias: String,
    /// Always `true` on success.
    #[serde(default)]
    pub deleted: bool,
}
