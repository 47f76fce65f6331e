//! The filters `GET /runs` and `GET /traces` share, and the query-pair
//! building every list filter uses.

/// The `(key, value)` query pairs of the set fields, in the order given.
pub(crate) fn set_pairs<'a, const N: usize>(
    fields: [(&'static str, &'a Option<String>); N],
) -> impl Iterator<Item = (&'static str, String)> + 'a {
    fields
        .into_iter()
        .filter_map(|(key, value)| value.as_ref().map(|v| (key, v.clone())))
}

/// Agent, status, time range and paging, in wire order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ListQuery {
    pub(crate) agent_id: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) started_after: Option<String>,
    pub(crate) started_before: Option<String>,
    pub(crate) limit: Option<u32>,
    pub(crate) cursor: Option<String>,
}

impl ListQuery {
    /// Appends `agentId, status, startedAfter, startedBefore, limit, cursor`
    /// (unset ones omitted).
    pub(crate) fn push_pairs(&self, q: &mut Vec<(&'static str, String)>) {
        let limit = self.limit.map(|l| l.to_string());
        q.extend(set_pairs([
            ("agentId", &self.agent_id),
            ("status", &self.status),
            ("startedAfter", &self.started_after),
            ("startedBefore", &self.started_before),
            ("limit", &limit),
            ("cursor", &self.cursor),
        ]));
    }
}

/// The builder methods both filters expose, delegating to their `query`.
macro_rules! list_query_methods {
    ($what:literal, $status:literal) => {
        #[doc = concat!("Only ", $what, " of this agent (exact match on the reference as sent, including any `@suffix`).")]
        pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
            self.query.agent_id = Some(agent_id.into());
            self
        }

        #[doc = concat!("Only ", $what, " with this status (", $status, " or any string).")]
        pub fn status(mut self, status: impl AsRef<str>) -> Self {
            self.query.status = Some(status.as_ref().to_owned());
            self
        }

        #[doc = concat!($what, " started at or after this ISO-8601 time.")]
        pub fn started_after(mut self, iso: impl Into<String>) -> Self {
            self.query.started_after = Some(iso.into());
            self
        }

        #[doc = concat!($what, " started at or before this ISO-8601 time.")]
        pub fn started_before(mut self, iso: impl Into<String>) -> Self {
            self.query.started_before = Some(iso.into());
            self
        }

        /// Page size (worker default 50, max 200; must be ≥ 1).
        pub fn limit(mut self, limit: u32) -> Self {
            self.query.limit = Some(limit);
            self
        }

        /// Continue after the page that returned this cursor.
        pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
            self.query.cursor = Some(cursor.into());
            self
        }

        /// A copy of this filter positioned at `cursor` (for the next page).
        pub fn with_cursor(&self, cursor: impl Into<String>) -> Self {
            self.clone().cursor(cursor)
        }
    };
}

pub(crate) use list_query_methods;
