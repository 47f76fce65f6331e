//! Version bookkeeping shared by the batch, dataset and eval stores: which
//! version is active, when each was activated, and the aliases. The records themselves
//! stay in each store; [`History`] is the view the version routes need.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::util::{iso, monotonic_ms};

/// Which version of one resource is active, activation times and aliases.
#[derive(Default)]
pub(crate) struct VersionMarks {
    /// The index of the active version (oldest first).
    pub active: usize,
    /// version → when it was last activated.
    pub activated: HashMap<String, String>,
    /// alias → version.
    pub aliases: HashMap<String, String>,
}

impl VersionMarks {
    /// Records version `version`, at `index`, as published: publishing
    /// activates it.
    pub(crate) fn published(&mut self, index: usize, version: &str) {
        self.active = index;
        self.activated
            .insert(version.to_string(), version.to_string());
    }
}

/// The [`History::marks`] and [`History::marks_mut`] of a store that
/// keeps its marks in a `marks` field.
macro_rules! marks_in_field {
    () => {
        fn marks(&self) -> &$crate::versions::VersionMarks {
            &self.marks
        }

        fn marks_mut(&mut self) -> &mut $crate::versions::VersionMarks {
            &mut self.marks
        }
    };
}
pub(crate) use marks_in_field;

/// A versioned record as the version routes see it.
pub(crate) trait History {
    /// The version ids, oldest first.
    fn version_ids(&self) -> Vec<&str>;
    /// The activation times and aliases.
    fn marks(&self) -> &VersionMarks;
    /// [`History::marks`], writable.
    fn marks_mut(&mut self) -> &mut VersionMarks;
    /// The record at `index` (of [`History::version_ids`]), as a version
    /// lookup answers.
    fn record(&self, index: usize) -> Value;

    /// The index of a version given as an exact timestamp, `latest` (the
    /// newest, even when an alias is called `latest`) or an alias.
    fn resolve(&self, version: &str) -> Option<usize> {
        let ids = self.version_ids();
        if version == "latest" {
            return ids
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.cmp(b.1))
                .map(|(i, _)| i);
        }
        let target = self
            .marks()
            .aliases
            .get(version)
            .map_or(version, String::as_str);
        ids.iter().position(|v| *v == target)
    }

    /// `[{createdAt, activatedAt?, aliases[]}]`, newest first.
    fn summaries(&self) -> Vec<Value> {
        let marks = self.marks();
        let mut rows: Vec<Value> = self
            .version_ids()
            .into_iter()
            .map(|v| {
                let mut aliases: Vec<&String> = marks
                    .aliases
                    .iter()
                    .filter(|(_, target)| *target == v)
                    .map(|(a, _)| a)
                    .collect();
                aliases.sort();
                let mut row = json!({"createdAt": v, "aliases": aliases});
                if let Some(at) = marks.activated.get(v) {
                    row["activatedAt"] = json!(at);
                }
                row
            })
            .collect();
        rows.reverse();
        rows
    }

    /// Activates `version` and returns the new head, or `None` when the
    /// version is unknown.
    fn activate(&mut self, version: &str) -> Option<Value> {
        let index = self.resolve(version)?;
        let id = self.version_ids()[index].to_string();
        self.marks_mut().activated.insert(id, iso(monotonic_ms()));
        self.marks_mut().active = index;
        Some(self.record(index))
    }

    /// Points `alias` at `version`; the exact timestamp, or `None` when
    /// the version is unknown.
    fn set_alias(&mut self, alias: &str, version: &str) -> Option<String> {
        let index = self.resolve(version)?;
        let id = self.version_ids()[index].to_string();
        self.marks_mut()
            .aliases
            .insert(alias.to_string(), id.clone());
        Some(id)
    }
}
