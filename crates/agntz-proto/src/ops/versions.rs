//! The version and alias calls every versioned resource (batches, datasets,
//! evals) serves under `/{resource}/{id}/versions…` and
//! `/{resource}/{id}/aliases/{alias}`. Written once, generic over the
//! resource; use the per-resource names (`ListDatasetVersions`, …).

use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use http::{Method, Request, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{get_with_query, require_id, Operation};
use crate::body::WholeBody;
use crate::config::Config;
use crate::encode::Segment;
use crate::error::Error;
use crate::request::{self, JSON};
use crate::response::parse_json;
use crate::retry::CallKind;
use crate::types::{
    AliasRemoved, BatchDefinition, Dataset, EvalDefinition, VersionAlias, VersionSummary,
};

mod sealed {
    pub trait Sealed {}
}

/// A resource with versions and aliases. Sealed: implemented by
/// [`BatchResource`], [`DatasetResource`] and [`EvalResource`].
pub trait Versioned: sealed::Sealed {
    /// The collection path segment (`datasets`).
    const COLLECTION: &'static str;
    /// The noun used in error messages (`dataset`).
    const NOUN: &'static str;
    /// The record a version lookup or an activation answers with.
    type Record: DeserializeOwned;
}

macro_rules! resource {
    ($(#[$m:meta])* $name:ident, $collection:literal, $noun:literal, $record:ty) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy)]
        pub enum $name {}

        impl sealed::Sealed for $name {}

        impl Versioned for $name {
            const COLLECTION: &'static str = $collection;
            const NOUN: &'static str = $noun;
            type Record = $record;
        }
    };
}

resource!(
    /// Batch definitions (`/batches/{id}/…`).
    BatchResource, "batches", "batch", BatchDefinition
);
resource!(
    /// Datasets (`/datasets/{id}/…`).
    DatasetResource, "datasets", "dataset", Dataset
);
resource!(
    /// Eval definitions (`/evals/{id}/…`).
    EvalResource, "evals", "eval", EvalDefinition
);

/// `/{resource}/{id}{suffix}`, with `id` checked and percent-encoded.
fn resource_path<K: Versioned>(id: &str, suffix: &str) -> Result<String, Error> {
    let id = require_id(&format!("{} id", K::NOUN), id)?;
    Ok(format!("/{}/{}{suffix}", K::COLLECTION, Segment(id)))
}

fn version_path<K: Versioned>(id: &str, version: &str, suffix: &str) -> Result<String, Error> {
    let version = require_id(&format!("{} version", K::NOUN), version)?;
    resource_path::<K>(id, &format!("/versions/{}{suffix}", Segment(version)))
}

fn alias_path<K: Versioned>(id: &str, alias: &str) -> Result<String, Error> {
    let alias = require_id("alias", alias)?;
    resource_path::<K>(id, &format!("/aliases/{}", Segment(alias)))
}

/// Declares a generic operation holding a few string fields. (`K` only
/// picks the path and the output type, so the derives must not bound it.)
macro_rules! version_op {
    ($(#[$m:meta])* $name:ident { $($field:ident),* }) => {
        $(#[$m])*
        pub struct $name<K> {
            $($field: String,)*
            resource: PhantomData<fn() -> K>,
        }

        impl<K> $name<K> {
            /// The operation for these path parts.
            pub fn new($($field: impl Into<String>),*) -> Self {
                $name { $($field: $field.into(),)* resource: PhantomData }
            }
        }

        impl<K> Clone for $name<K> {
            fn clone(&self) -> Self {
                $name { $($field: self.$field.clone(),)* resource: PhantomData }
            }
        }

        impl<K> fmt::Debug for $name<K> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    $(.field(stringify!($field), &self.$field))*
                    .finish()
            }
        }
    };
}

version_op!(
    /// `GET /{resource}/{id}/versions`: every version, newest first.
    ListVersions { id }
);

impl<K: Versioned> Operation for ListVersions<K> {
    type Output = Vec<VersionSummary>;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        get_with_query(config, &resource_path::<K>(&self.id, "/versions")?, &[])
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Vec<VersionSummary>, Error> {
        parse_json(&response)
    }
}

version_op!(
    /// `GET /{resource}/{id}/versions/{version}`: one version's record, by
    /// exact timestamp, `latest` (the newest version) or alias. An unknown
    /// version is [`Error::NotFound`].
    GetVersion { id, version }
);

impl<K: Versioned> Operation for GetVersion<K> {
    type Output = K::Record;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = version_path::<K>(&self.id, &self.version, "")?;
        get_with_query(config, &path, &[])
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<K::Record, Error> {
        parse_json(&response)
    }
}

version_op!(
    /// `POST /{resource}/{id}/versions/{version}/activate` (no body): makes
    /// a version the active one and answers with the new head record.
    ActivateVersion { id, version }
);

impl<K: Versioned> Operation for ActivateVersion<K> {
    type Output = K::Record;
    // Activating the same version twice leaves the same head.
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = version_path::<K>(&self.id, &self.version, "/activate")?;
        request::build(config, Method::POST, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<K::Record, Error> {
        parse_json(&response)
    }
}

version_op!(
    /// `PUT /{resource}/{id}/aliases/{alias}` with `{"version"}`: points an
    /// alias at a version (a timestamp, `latest` or another alias; the
    /// answer carries the exact timestamp).
    SetAlias { id, alias, version }
);

impl<K: Versioned> Operation for SetAlias<K> {
    type Output = VersionAlias;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            version: &'a str,
        }
        let path = alias_path::<K>(&self.id, &self.alias)?;
        if self.version.is_empty() {
            return Err(Error::invalid("an alias needs a version"));
        }
        let body = crate::types::json_body(&Body {
            version: &self.version,
        })?;
        request::build(config, Method::PUT, &path, Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<VersionAlias, Error> {
        parse_json(&response)
    }
}

version_op!(
    /// `DELETE /{resource}/{id}/aliases/{alias}`: `200 {alias, deleted:
    /// true}`, also when the alias did not exist.
    RemoveAlias { id, alias }
);

impl<K: Versioned> Operation for RemoveAlias<K> {
    type Output = AliasRemoved;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = alias_path::<K>(&self.id, &self.alias)?;
        request::build(config, Method::DELETE, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<AliasRemoved, Error> {
        parse_json(&response)
    }
}

/// `GET /batches/{id}/versions` (`[]` for an unknown batch).
pub type ListBatchVersions = ListVersions<BatchResource>;
/// `GET /batches/{id}/versions/{version}` (`404 Batch version not found`).
pub type GetBatchVersion = GetVersion<BatchResource>;
/// `POST /batches/{id}/versions/{version}/activate`.
pub type ActivateBatchVersion = ActivateVersion<BatchResource>;
/// `PUT /batches/{id}/aliases/{alias}`.
pub type SetBatchAlias = SetAlias<BatchResource>;
/// `DELETE /batches/{id}/aliases/{alias}`.
pub type RemoveBatchAlias = RemoveAlias<BatchResource>;

/// `GET /datasets/{id}/versions`: newest first.
pub type ListDatasetVersions = ListVersions<DatasetResource>;
/// `GET /datasets/{id}/versions/{version}` (`404 Dataset version not
/// found`).
pub type GetDatasetVersion = GetVersion<DatasetResource>;
/// `POST /datasets/{id}/versions/{version}/activate`: the head [`Dataset`].
pub type ActivateDatasetVersion = ActivateVersion<DatasetResource>;
/// `PUT /datasets/{id}/aliases/{alias}`.
pub type SetDatasetAlias = SetAlias<DatasetResource>;
/// `DELETE /datasets/{id}/aliases/{alias}`.
pub type RemoveDatasetAlias = RemoveAlias<DatasetResource>;

/// `GET /evals/{id}/versions`: newest first.
pub type ListEvalVersions = ListVersions<EvalResource>;
/// `GET /evals/{id}/versions/{version}` (`404` for an unknown version).
pub type GetEvalVersion = GetVersion<EvalResource>;
/// `POST /evals/{id}/versions/{version}/activate`: the head
/// [`EvalDefinition`].
pub type ActivateEvalVersion = ActivateVersion<EvalResource>;
/// `PUT /evals/{id}/aliases/{alias}`.
pub type SetEvalAlias = SetAlias<EvalResource>;
/// `DELETE /evals/{id}/aliases/{alias}`.
pub type RemoveEvalAlias = RemoveAlias<EvalResource>;

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ops::test_config as config;

    #[test]
    fn paths_are_encoded_per_segment() {
        let c = config();
        let r = GetDatasetVersion::new("ds/1", "2026-01-01T00:00:00.000Z")
            .build(&c)
            .unwrap();
        assert_eq!(
            r.uri(),
            "https://api.agntz.co/datasets/ds%2F1/versions/2026-01-01T00%3A00%3A00.000Z"
        );
        let r = ActivateEvalVersion::new("e", "prod").build(&c).unwrap();
        assert_eq!(r.method(), Method::POST);
        assert_eq!(
            r.uri(),
            "https://api.agntz.co/evals/e/versions/prod/activate"
        );
        assert!(r.body().is_empty());
        let r = SetEvalAlias::new("e", "a b", "latest").build(&c).unwrap();
        assert_eq!(r.method(), Method::PUT);
        assert_eq!(r.uri(), "https://api.agntz.co/evals/e/aliases/a%20b");
        assert_eq!(&r.body()[..], br#"{"version":"latest"}"#);
        let r = RemoveDatasetAlias::new("d", "prod").build(&c).unwrap();
        assert_eq!(r.method(), Method::DELETE);
        let r = ListDatasetVersions::new("d").build(&c).unwrap();
        assert_eq!(r.uri(), "https://api.agntz.co/datasets/d/versions");
    }

    #[test]
    fn dot_segments_and_empty_parts_are_refused() {
        let c = config();
        assert!(ListDatasetVersions::new("..").build(&c).is_err());
        assert!(GetEvalVersion::new("e", ".").build(&c).is_err());
        assert!(SetDatasetAlias::new("d", "..", "v").build(&c).is_err());
        assert!(SetDatasetAlias::new("d", "prod", "").build(&c).is_err());
        assert!(RemoveEvalAlias::new("", "prod").build(&c).is_err());
    }
}
