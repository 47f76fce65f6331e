//! What the list endpoints share: lenient `limit` parsing, opaque base64url
//! cursors, exact-match query filters, and the newest-first page of eval and
//! batch runs.

use std::borrow::Borrow;

use serde::{de::DeserializeOwned, Serialize};
use serde_json::{json, Value};

use super::Ctx;
use crate::util::{b64url_decode, b64url_encode, iso, parse_iso};

/// `limit` of the endpoints that ignore a bad value: `default` unless it is
/// a finite number, else floored and clamped to `1..=max`.
pub(crate) fn lenient_limit(ctx: &Ctx<'_>, default: usize, max: usize) -> usize {
    ctx.number_param("limit")
        .map_or(default, |n| n.floor().clamp(1.0, max as f64) as usize)
}

/// The `cursor` query param: base64url JSON of `T`; `None` when absent or
/// malformed (the worker then starts from the first row).
pub(crate) fn decode_cursor<T: DeserializeOwned>(ctx: &Ctx<'_>) -> Option<T> {
    let bytes = b64url_decode(&ctx.query_param("cursor")?)?;
    serde_json::from_slice(&bytes).ok()
}

/// A cursor as the worker hands it out: base64url of the compact JSON.
pub(crate) fn encode_cursor<T: Serialize + ?Sized>(cursor: &T) -> String {
    b64url_encode(serde_json::to_string(cursor).unwrap_or_default().as_bytes())
}

/// Cuts sorted, cursor-filtered `rows` to `limit`; the next cursor (made
/// from the last row kept) only when rows were left over.
pub(crate) fn cut_page<T>(
    rows: &mut Vec<T>,
    limit: usize,
    cursor_of: impl FnOnce(&T) -> String,
) -> Option<String> {
    let more = rows.len() > limit;
    rows.truncate(limit);
    if more {
        rows.last().map(cursor_of)
    } else {
        None
    }
}

/// Sorts definitions by `updatedAt`, newest first (stable for ties).
pub(crate) fn sort_newest_update_first<T: Borrow<Value>>(rows: &mut [T]) {
    let updated = |d: &T| {
        d.borrow()
            .get("updatedAt")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    rows.sort_by_key(|d| std::cmp::Reverse(updated(d)));
}

/// The `startedAfter`/`startedBefore` bounds in epoch ms; a bound that is not
/// a timestamp matches no row.
pub(crate) fn started_window(ctx: &Ctx<'_>) -> (Option<u64>, Option<u64>) {
    let after = ctx
        .non_empty_param("startedAfter")
        .map(|s| parse_iso(&s).unwrap_or(u64::MAX));
    let before = ctx
        .non_empty_param("startedBefore")
        .map(|s| parse_iso(&s).unwrap_or(0));
    (after, before)
}

/// Exact matches on string fields, one per non-empty query param named.
pub(crate) struct FieldFilters(Vec<(&'static str, String)>);

impl FieldFilters {
    pub(crate) fn from_query(ctx: &Ctx<'_>, keys: &[&'static str]) -> Self {
        FieldFilters(
            keys.iter()
                .filter_map(|k| ctx.non_empty_param(k).map(|v| (*k, v)))
                .collect(),
        )
    }

    pub(crate) fn matches(&self, record: &Value) -> bool {
        self.0
            .iter()
            .all(|(k, v)| record.get(*k).and_then(Value::as_str) == Some(v.as_str()))
    }
}

/// A newest-first list of runs ordered by (time, id): the field filters, the
/// `startedAfter`/`startedBefore` window and an opaque `{<time_key>, id}`
/// cursor, where `time_key` names the run's time field (`createdAt`,
/// `startedAt`).
pub(crate) struct RunListQuery {
    filters: FieldFilters,
    after: Option<u64>,
    before: Option<u64>,
    cursor: Option<(u64, String)>,
    time_key: &'static str,
}

impl RunListQuery {
    pub(crate) fn from_query(
        ctx: &Ctx<'_>,
        filter_keys: &[&'static str],
        time_key: &'static str,
    ) -> Self {
        let (after, before) = started_window(ctx);
        let cursor = decode_cursor::<Value>(ctx).and_then(|v| {
            let at = parse_iso(v.get(time_key)?.as_str()?)?;
            Some((at, v.get("id")?.as_str()?.to_string()))
        });
        RunListQuery {
            filters: FieldFilters::from_query(ctx, filter_keys),
            after,
            before,
            cursor,
            time_key,
        }
    }

    /// The page `{rows, cursor?}` of `runs` given as (id, time ms, record).
    pub(crate) fn page<'a>(
        &self,
        runs: impl Iterator<Item = (&'a str, u64, &'a Value)>,
        limit: usize,
    ) -> Value {
        let mut rows: Vec<(u64, &str, &Value)> = runs
            .filter(|(_, _, run)| self.filters.matches(run))
            .filter(|(_, at, _)| self.after.is_none_or(|a| *at >= a))
            .filter(|(_, at, _)| self.before.is_none_or(|b| *at <= b))
            .map(|(id, at, run)| (at, id, run))
            .collect();
        rows.sort_by(|a, b| (b.0, b.1).cmp(&(a.0, a.1)));
        if let Some((at, id)) = &self.cursor {
            rows.retain(|r| (r.0, r.1) < (*at, id.as_str()));
        }
        let next = cut_page(&mut rows, limit, |last| {
            encode_cursor(&json!({ self.time_key: iso(last.0), "id": last.1 }))
        });
        let mut page = json!({ "rows": rows.iter().map(|r| r.2).collect::<Vec<_>>() });
        if let Some(c) = next {
            page["cursor"] = Value::String(c);
        }
        page
    }
}
