//! Evals, eval runs and eval scores (`/evals`, `/eval-runs`, `/eval-scores`,
//! wire-extended §5).
//!
//! An eval scores an agent against a dataset with LLM-judged criteria. The
//! worker accepts two spellings of several definition fields and fills them
//! in one direction only (deprecated → canonical); this SDK sends both and
//! reads the canonical one first (see [`EvalDefinition`]).

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::list_query::set_pairs;
use super::serde_util::{lenient_millis, lenient_string, null_as_default};
use super::{AgentDetail, InvokeUsage};
use crate::Error;

/// A model block (`{provider, name, temperature?, maxTokens?, topP?,
/// options?}`), as used for an eval's judge.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ModelConfig {
    /// Provider (`openai`, `anthropic`, ...).
    #[serde(default, deserialize_with = "null_as_default")]
    pub provider: String,
    /// Model name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Output token cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    /// Nucleus sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Provider-specific options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Value>,
}

impl ModelConfig {
    /// A model `name` of `provider`.
    pub fn new(provider: impl Into<String>, name: impl Into<String>) -> Self {
        ModelConfig {
            provider: provider.into(),
            name: name.into(),
            ..ModelConfig::default()
        }
    }
}

/// A minimum score (`{minimumScore}`), for a criterion gate or a pass policy.
/// In results the worker adds whether it was met (`passed`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScoreGate {
    /// The minimum score, in `0.0..=1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_score: Option<f64>,
    /// Whether the gate was met (results only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
}

impl ScoreGate {
    /// A gate requiring at least `minimum_score`.
    pub fn minimum(minimum_score: f64) -> Self {
        ScoreGate {
            minimum_score: Some(minimum_score),
            passed: None,
        }
    }
}

/// A dataset reference: `{id, version?}` (`version` is an exact timestamp,
/// `latest`, or an alias).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DatasetRef {
    /// Dataset id.
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// Version pin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl DatasetRef {
    /// The active version of dataset `id`.
    pub fn new(id: impl Into<String>) -> Self {
        DatasetRef {
            id: id.into(),
            version: None,
        }
    }

    /// Pins a version (timestamp, `latest` or alias).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }
}

/// The judge of an eval: `{model?}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JudgeConfig {
    /// The judge model (the worker's default judge when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelConfig>,
}

/// One scoring criterion of an eval.
///
/// `rubric` and `gate` are the canonical names; `description` and
/// `threshold` are the deprecated ones. [`EvalCriterion::rubric`] and
/// [`EvalCriterion::gate`] set both; [`rubric_text`](Self::rubric_text) and
/// [`gate_minimum`](Self::gate_minimum) read the canonical one first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EvalCriterion {
    /// Criterion id (the worker assigns `criterion_01`, ... when empty).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub id: String,
    /// Display name (worker default `Criterion N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the judge scores (canonical).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rubric: Option<String>,
    /// What the judge scores (deprecated spelling of `rubric`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Relative weight in the case score (worker default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// Minimum score for this criterion (canonical).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<ScoreGate>,
    /// Minimum score for this criterion (deprecated spelling of `gate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Any other key, verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl EvalCriterion {
    /// A criterion `id` judged by `rubric` (sent as `rubric` and
    /// `description`).
    pub fn new(id: impl Into<String>, rubric: impl Into<String>) -> Self {
        EvalCriterion {
            id: id.into(),
            ..EvalCriterion::default()
        }
        .rubric(rubric)
    }

    /// Sets the display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the rubric (both spellings).
    pub fn rubric(mut self, rubric: impl Into<String>) -> Self {
        let rubric = rubric.into();
        self.description = Some(rubric.clone());
        self.rubric = Some(rubric);
        self
    }

    /// Sets the weight.
    pub fn weight(mut self, weight: f64) -> Self {
        self.weight = Some(weight);
        self
    }

    /// Sets the minimum score (both spellings: `gate` and `threshold`).
    pub fn gate(mut self, minimum_score: f64) -> Self {
        self.gate = Some(ScoreGate::minimum(minimum_score));
        self.threshold = Some(minimum_score);
        self
    }

    /// The rubric: `rubric`, else `description`.
    pub fn rubric_text(&self) -> Option<&str> {
        self.rubric.as_deref().or(self.description.as_deref())
    }

    /// The gate's minimum score: `gate.minimumScore`, else `threshold`.
    pub fn gate_minimum(&self) -> Option<f64> {
        self.gate.and_then(|g| g.minimum_score).or(self.threshold)
    }

    fn with_both_forms(&self) -> EvalCriterion {
        let mut c = self.clone();
        if c.rubric.is_none() {
            c.rubric = c.description.clone();
        }
        if c.description.is_none() {
            c.description = c.rubric.clone();
        }
        if let Some(min) = c.gate_minimum() {
            if c.gate.and_then(|g| g.minimum_score).is_none() {
                c.gate = Some(ScoreGate::minimum(min));
            }
            if c.threshold.is_none() {
                c.threshold = Some(min);
            }
        }
        c
    }
}

/// An eval definition: what `POST /evals` and `PUT /evals/{id}` take (any
/// part of it) and what the worker stores and sends back.
///
/// Build one with [`EvalDefinition::new`] (a create) or
/// [`EvalDefinition::patch`] (an update: only the fields set are sent, and
/// the worker shallow-merges them over the stored definition). When a body
/// is sent, each canonical/deprecated pair is filled from whichever side is
/// set (`defaultDataset`/`defaultDatasetId`, `passPolicy`/`passThreshold`,
/// `judge`/`judgeModel`, and per criterion `rubric`/`description`,
/// `gate`/`threshold`), so both kinds of reader see the same definition.
/// The server-assigned `version`, `createdAt` and `updatedAt` are never sent.
///
/// ```
/// use agntz_proto::types::{EvalCriterion, EvalDefinition};
/// let def = EvalDefinition::new("support")
///     .id("tone")
///     .criterion(EvalCriterion::new("polite", "Is the answer polite?").gate(0.5))
///     .default_dataset("tickets")
///     .pass_threshold(0.7);
/// let body: serde_json::Value = serde_json::from_slice(&def.to_body().unwrap()).unwrap();
/// assert_eq!(body["defaultDatasetId"], "tickets");
/// assert_eq!(body["defaultDataset"]["id"], "tickets");
/// assert_eq!(body["passThreshold"], 0.7);
/// assert_eq!(body["passPolicy"]["minimumScore"], 0.7);
/// assert_eq!(body["criteria"][0]["threshold"], 0.5);
/// assert_eq!(body["criteria"][0]["description"], "Is the answer polite?");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EvalDefinition {
    /// Eval id (`eval_…` generated by the worker when empty on create).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub id: String,
    /// The agent under test (required on create).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub agent_id: String,
    /// Display name (worker default: the id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The criteria (a run needs at least one). `None` leaves them out of
    /// the body (an update keeps the stored ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<Vec<EvalCriterion>>,
    /// Default dataset of a run (canonical).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_dataset: Option<DatasetRef>,
    /// Default dataset id (deprecated spelling of `defaultDataset.id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_dataset_id: Option<String>,
    /// Pass policy (canonical).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_policy: Option<ScoreGate>,
    /// Minimum overall score (deprecated spelling of
    /// `passPolicy.minimumScore`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_threshold: Option<f64>,
    /// Judge (canonical).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge: Option<JudgeConfig>,
    /// Judge model (deprecated spelling of `judge.model`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge_model: Option<ModelConfig>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Active version (ISO timestamp), as stored. Never sent.
    #[serde(default, skip_serializing)]
    pub version: Option<String>,
    /// Creation time (ISO-8601). Never sent.
    #[serde(default, skip_serializing)]
    pub created_at: Option<String>,
    /// Last update time (ISO-8601). Never sent.
    #[serde(default, skip_serializing)]
    pub updated_at: Option<String>,
    /// Any other key, verbatim (sent back as it came).
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl EvalDefinition {
    /// A new eval of agent `agent_id` (for `create`).
    pub fn new(agent_id: impl Into<String>) -> Self {
        EvalDefinition {
            agent_id: agent_id.into(),
            ..EvalDefinition::default()
        }
    }

    /// An empty partial definition (for `update`): only what is set is sent.
    pub fn patch() -> Self {
        EvalDefinition::default()
    }

    /// Sets the id (an existing id makes `create` write a new version).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Sets the agent under test.
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.agent_id = agent_id.into();
        self
    }

    /// Sets the display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Appends a criterion.
    pub fn criterion(mut self, criterion: EvalCriterion) -> Self {
        self.criteria.get_or_insert_with(Vec::new).push(criterion);
        self
    }

    /// Sets the default dataset (both spellings).
    pub fn default_dataset(mut self, dataset: impl Into<DatasetRef>) -> Self {
        let dataset = dataset.into();
        self.default_dataset_id = Some(dataset.id.clone());
        self.default_dataset = Some(dataset);
        self
    }

    /// Sets the minimum overall score (both spellings).
    pub fn pass_threshold(mut self, minimum_score: f64) -> Self {
        self.pass_policy = Some(ScoreGate::minimum(minimum_score));
        self.pass_threshold = Some(minimum_score);
        self
    }

    /// Sets the judge model (both spellings).
    pub fn judge_model(mut self, model: ModelConfig) -> Self {
        self.judge = Some(JudgeConfig {
            model: Some(model.clone()),
        });
        self.judge_model = Some(model);
        self
    }

    /// Sets the metadata.
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// The default dataset: `defaultDataset`, else `defaultDatasetId`.
    pub fn default_dataset_ref(&self) -> Option<DatasetRef> {
        self.default_dataset
            .clone()
            .or_else(|| self.default_dataset_id.clone().map(DatasetRef::new))
    }

    /// The minimum overall score: `passPolicy.minimumScore`, else
    /// `passThreshold`.
    pub fn pass_minimum(&self) -> Option<f64> {
        self.pass_policy
            .and_then(|p| p.minimum_score)
            .or(self.pass_threshold)
    }

    /// The judge model: `judge.model`, else `judgeModel`.
    pub fn judge_model_config(&self) -> Option<&ModelConfig> {
        self.judge
            .as_ref()
            .and_then(|j| j.model.as_ref())
            .or(self.judge_model.as_ref())
    }

    /// The criteria (empty when absent).
    pub fn criteria(&self) -> &[EvalCriterion] {
        self.criteria.as_deref().unwrap_or(&[])
    }

    /// A copy with every canonical/deprecated pair filled from its set side.
    pub fn with_both_forms(&self) -> EvalDefinition {
        let mut d = self.clone();
        if let Some(c) = &mut d.criteria {
            *c = c.iter().map(EvalCriterion::with_both_forms).collect();
        }
        if let Some(ds) = d.default_dataset_ref() {
            d.default_dataset_id.get_or_insert_with(|| ds.id.clone());
            d.default_dataset.get_or_insert(ds);
        }
        if let Some(min) = d.pass_minimum() {
            d.pass_threshold.get_or_insert(min);
            if d.pass_policy.and_then(|p| p.minimum_score).is_none() {
                d.pass_policy = Some(ScoreGate::minimum(min));
            }
        }
        if let Some(model) = d.judge_model_config().cloned() {
            d.judge_model.get_or_insert_with(|| model.clone());
            if d.judge.as_ref().and_then(|j| j.model.as_ref()).is_none() {
                d.judge = Some(JudgeConfig { model: Some(model) });
            }
        }
        d
    }

    /// Serializes the request body (both spellings of each pair).
    pub fn to_body(&self) -> Result<Bytes, Error> {
        super::serde_util::json_body(&self.with_both_forms())
    }
}

impl From<&str> for DatasetRef {
    fn from(id: &str) -> Self {
        DatasetRef::new(id)
    }
}

impl From<String> for DatasetRef {
    fn from(id: String) -> Self {
        DatasetRef::new(id)
    }
}

/// The body of `POST /eval-runs`.
///
/// `evalVersion`, `datasetVersion` and `criterionIds` are read by the worker
/// although the official clients never send them. Scoring only some
/// criteria marks the run `partial`, and a partial run does not update the
/// latest scores.
///
/// ```
/// use agntz_proto::types::EvalRunRequest;
/// let req = EvalRunRequest::new("tone").dataset_id("tickets").criterion_ids(["polite"]);
/// assert_eq!(
///     serde_json::from_slice::<serde_json::Value>(&req.to_body().unwrap()).unwrap(),
///     serde_json::json!({"evalId":"tone","datasetId":"tickets","criterionIds":["polite"]})
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EvalRunRequest {
    /// The eval to run (required).
    pub eval_id: String,
    /// Dataset (default: the eval's default dataset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset_id: Option<String>,
    /// Pins the agent version (timestamp, `latest` or alias).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_version: Option<String>,
    /// Pins the eval version (timestamp, `latest` or alias).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eval_version: Option<String>,
    /// Pins the dataset version (timestamp, `latest` or alias).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset_version: Option<String>,
    /// Scores only these criteria (the run is then `partial`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub criterion_ids: Vec<String>,
}

impl EvalRunRequest {
    /// A run of eval `eval_id`.
    pub fn new(eval_id: impl Into<String>) -> Self {
        EvalRunRequest {
            eval_id: eval_id.into(),
            ..EvalRunRequest::default()
        }
    }

    /// Sets the dataset.
    pub fn dataset_id(mut self, dataset_id: impl Into<String>) -> Self {
        self.dataset_id = Some(dataset_id.into());
        self
    }

    /// Pins the agent version.
    pub fn agent_version(mut self, version: impl Into<String>) -> Self {
        self.agent_version = Some(version.into());
        self
    }

    /// Pins the eval version.
    pub fn eval_version(mut self, version: impl Into<String>) -> Self {
        self.eval_version = Some(version.into());
        self
    }

    /// Pins the dataset version.
    pub fn dataset_version(mut self, version: impl Into<String>) -> Self {
        self.dataset_version = Some(version.into());
        self
    }

    /// Scores only these criteria.
    pub fn criterion_ids<I>(mut self, ids: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.criterion_ids = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Validates (an eval id is required) and serializes the body.
    pub fn to_body(&self) -> Result<Bytes, Error> {
        if self.eval_id.is_empty() {
            return Err(Error::invalid("an eval run needs an eval id"));
        }
        super::serde_util::json_body(self)
    }
}

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$vmeta:meta])* $variant:ident => $wire:literal,)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant,)*
            /// A value this SDK does not know yet. Serializes as `"unknown"`.
            #[default]
            #[serde(other, rename = "unknown")]
            Unknown,
        }

        impl $name {
            /// The wire string (`unknown` for the catch-all).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Unknown => "unknown",
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum! {
    /// Status of an eval run.
    EvalRunStatus {
        /// Created, not started.
        Pending => "pending",
        /// Cases are being run and judged.
        Running => "running",
        /// Every case ran (some may have failed; see the summary).
        Completed => "completed",
        /// The run aborted with an error.
        Failed => "failed",
        /// Cancelled; unfinished cases are recorded as cancelled.
        Cancelled => "cancelled",
    }
}

impl EvalRunStatus {
    /// `completed`, `failed` or `cancelled`.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            EvalRunStatus::Completed | EvalRunStatus::Failed | EvalRunStatus::Cancelled
        )
    }
}

wire_enum! {
    /// Status of one case (dataset item) of an eval run.
    EvalCaseStatus {
        /// Run and judged.
        Completed => "completed",
        /// The agent failed before scoring.
        Failed => "failed",
        /// Skipped.
        Skipped => "skipped",
        /// The run was cancelled before this case finished.
        Cancelled => "cancelled",
    }
}

wire_enum! {
    /// Verdict of a case or a run against its gates and pass policy.
    EvalOutcome {
        /// Every configured check passed.
        Passed => "passed",
        /// A gate, the pass policy or a case failed.
        Failed => "failed",
        /// No gate or pass policy is configured: a score, no verdict.
        ScoreOnly => "score_only",
    }
}

/// The judge's verdict on one criterion of one case.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EvalCriterionResult {
    /// Score in `0.0..=1.0`.
    #[serde(default)]
    pub score: f64,
    /// Whether the criterion's gate passed (`true` without a gate).
    #[serde(default)]
    pub passed: bool,
    /// The judge's reason.
    #[serde(default, deserialize_with = "null_as_default")]
    pub reason: String,
    /// The gate and whether it was met.
    #[serde(default)]
    pub gate: Option<ScoreGate>,
    /// Why judging failed (the score is then 0).
    #[serde(default)]
    pub error: Option<String>,
}

/// The result of one dataset item in an eval run.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EvalCaseResult {
    /// Dataset item id.
    #[serde(default, deserialize_with = "null_as_default")]
    pub item_id: String,
    /// Case status.
    #[serde(default)]
    pub status: EvalCaseStatus,
    /// The item's input (a string, an object or content blocks).
    #[serde(default)]
    pub input: Value,
    /// The agent's output (non-strings are kept as their JSON encoding).
    #[serde(default, deserialize_with = "lenient_opt_string")]
    pub output: Option<String>,
    /// The agent run id, when recorded.
    #[serde(default)]
    pub agent_run_id: Option<String>,
    /// The agent invocation id.
    #[serde(default)]
    pub invocation_id: Option<String>,
    /// Token usage of the agent call.
    #[serde(default)]
    pub usage: Option<InvokeUsage>,
    /// Duration in milliseconds.
    #[serde(default, deserialize_with = "lenient_millis")]
    pub duration: Option<u64>,
    /// Per-criterion results, keyed by criterion id.
    #[serde(default, deserialize_with = "null_as_default")]
    pub criteria: BTreeMap<String, EvalCriterionResult>,
    /// Weighted case score in `0.0..=1.0`.
    #[serde(default)]
    pub score: f64,
    /// Whether the case passed.
    #[serde(default)]
    pub passed: bool,
    /// The case verdict.
    #[serde(default)]
    pub outcome: Option<EvalOutcome>,
    /// Why the case failed its checks.
    #[serde(default, deserialize_with = "null_as_default")]
    pub gate_failures: Vec<String>,
    /// Overall reason, when given.
    #[serde(default)]
    pub reason: Option<String>,
    /// Error message of a failed or cancelled case.
    #[serde(default)]
    pub error: Option<String>,
}

fn lenient_opt_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => lenient_string(v)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// Per-criterion aggregate of a run summary.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EvalCriterionSummary {
    /// Mean score over scored cases.
    #[serde(default)]
    pub score: f64,
    /// Whether the gate passed (`true` without a gate).
    #[serde(default)]
    pub passed: bool,
    /// Cases that carried a result for this criterion.
    #[serde(default)]
    pub completed_cases: u64,
    /// The gate and whether it was met.
    #[serde(default)]
    pub gate: Option<ScoreGate>,
}

/// Aggregates of a finished (or cancelled) eval run.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EvalRunSummary {
    /// Cases recorded.
    #[serde(default)]
    pub total_cases: u64,
    /// Cases run and judged.
    #[serde(default)]
    pub completed_cases: u64,
    /// Cases that failed before scoring.
    #[serde(default)]
    pub failed_cases: u64,
    /// Skipped or cancelled cases.
    #[serde(default)]
    pub skipped_cases: u64,
    /// Mean case score over completed and failed cases.
    #[serde(default)]
    pub overall_score: f64,
    /// Whether the run passed.
    #[serde(default)]
    pub passed: bool,
    /// The run verdict.
    #[serde(default)]
    pub outcome: Option<EvalOutcome>,
    /// Why the run failed its checks.
    #[serde(default, deserialize_with = "null_as_default")]
    pub gate_failures: Vec<String>,
    /// Per-criterion aggregates.
    #[serde(default, deserialize_with = "null_as_default")]
    pub criteria: BTreeMap<String, EvalCriterionSummary>,
}

/// The frozen inputs of an eval run.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EvalRunSnapshots {
    /// The eval definition used.
    #[serde(default)]
    pub eval: Option<EvalDefinition>,
    /// The dataset used, with every item (raw JSON).
    #[serde(default)]
    pub dataset: Option<Value>,
    /// The agent definition used.
    #[serde(default)]
    pub agent: Option<AgentDetail>,
    /// Resolved eval version.
    #[serde(default)]
    pub eval_version: Option<String>,
    /// Requested eval version.
    #[serde(default)]
    pub requested_eval_version: Option<String>,
    /// Resolved dataset version.
    #[serde(default)]
    pub dataset_version: Option<String>,
    /// Requested dataset version.
    #[serde(default)]
    pub requested_dataset_version: Option<String>,
    /// Resolved agent version.
    #[serde(default)]
    pub agent_version: Option<String>,
    /// Requested agent version.
    #[serde(default)]
    pub requested_agent_version: Option<String>,
}

/// An eval run (`POST /eval-runs`, `GET /eval-runs/{id}`, list rows).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EvalRun {
    /// Run id (`evalrun_…`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// The eval.
    #[serde(default, deserialize_with = "null_as_default")]
    pub eval_id: String,
    /// The dataset.
    #[serde(default, deserialize_with = "null_as_default")]
    pub dataset_id: String,
    /// The agent under test.
    #[serde(default, deserialize_with = "null_as_default")]
    pub agent_id: String,
    /// Resolved eval version.
    #[serde(default)]
    pub eval_version: Option<String>,
    /// Requested eval version.
    #[serde(default)]
    pub requested_eval_version: Option<String>,
    /// Resolved dataset version.
    #[serde(default)]
    pub dataset_version: Option<String>,
    /// Requested dataset version.
    #[serde(default)]
    pub requested_dataset_version: Option<String>,
    /// Resolved agent version (the agent's `createdAt`).
    #[serde(default)]
    pub agent_version: Option<String>,
    /// Requested agent version.
    #[serde(default)]
    pub requested_agent_version: Option<String>,
    /// The criteria scored.
    #[serde(default, deserialize_with = "null_as_default")]
    pub criterion_ids: Vec<String>,
    /// Whether only some criteria were scored.
    #[serde(default)]
    pub partial: Option<bool>,
    /// Status.
    #[serde(default)]
    pub status: EvalRunStatus,
    /// Start time (ISO-8601).
    #[serde(default, deserialize_with = "null_as_default")]
    pub started_at: String,
    /// End time (ISO-8601), once terminal.
    #[serde(default)]
    pub ended_at: Option<String>,
    /// The frozen eval, dataset and agent.
    #[serde(default)]
    pub snapshots: Option<EvalRunSnapshots>,
    /// One result per finished case, in dataset order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub case_results: Vec<EvalCaseResult>,
    /// Aggregates, once terminal.
    #[serde(default)]
    pub summary: Option<EvalRunSummary>,
    /// Error message of a failed run.
    #[serde(default)]
    pub error: Option<String>,
}

impl EvalRun {
    /// Whether the run is finished (`completed`, `failed` or `cancelled`).
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal()
    }
}

/// Filters and paging of `GET /eval-runs`.
///
/// ```
/// use agntz_proto::types::{EvalRunFilter, EvalRunStatus};
/// let f = EvalRunFilter::new().eval_id("tone").status(EvalRunStatus::Completed).limit(10);
/// assert_eq!(
///     f.to_query_pairs(),
///     vec![("evalId", "tone".to_owned()), ("status", "completed".to_owned()), ("limit", "10".to_owned())]
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EvalRunFilter {
    /// Only runs of this agent.
    pub agent_id: Option<String>,
    /// Only runs of this eval.
    pub eval_id: Option<String>,
    /// Only runs on this dataset.
    pub dataset_id: Option<String>,
    /// Only runs with this status.
    pub status: Option<String>,
    /// Started at or after (ISO-8601).
    pub started_after: Option<String>,
    /// Started at or before (ISO-8601).
    pub started_before: Option<String>,
    /// Page size (worker default 50, clamped to 1..=200).
    pub limit: Option<u32>,
    /// Continue after the page that returned this cursor.
    pub cursor: Option<String>,
}

impl EvalRunFilter {
    /// No filter: the worker's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only runs of this agent.
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.agent_id = Some(agent_id.into());
        self
    }

    /// Only runs of this eval.
    pub fn eval_id(mut self, eval_id: impl Into<String>) -> Self {
        self.eval_id = Some(eval_id.into());
        self
    }

    /// Only runs on this dataset.
    pub fn dataset_id(mut self, dataset_id: impl Into<String>) -> Self {
        self.dataset_id = Some(dataset_id.into());
        self
    }

    /// Only runs with this status (an [`EvalRunStatus`] or any string).
    pub fn status(mut self, status: impl AsRef<str>) -> Self {
        self.status = Some(status.as_ref().to_owned());
        self
    }

    /// Runs started at or after this ISO-8601 time.
    pub fn started_after(mut self, iso: impl Into<String>) -> Self {
        self.started_after = Some(iso.into());
        self
    }

    /// Runs started at or before this ISO-8601 time.
    pub fn started_before(mut self, iso: impl Into<String>) -> Self {
        self.started_before = Some(iso.into());
        self
    }

    /// Page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continue after the page that returned this cursor.
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }

    /// The query parameters, in the order `agentId, evalId, datasetId,
    /// status, startedAfter, startedBefore, limit, cursor`; unset ones
    /// omitted.
    pub fn to_query_pairs(&self) -> Vec<(&'static str, String)> {
        let limit = self.limit.map(|l| l.to_string());
        set_pairs([
            ("agentId", &self.agent_id),
            ("evalId", &self.eval_id),
            ("datasetId", &self.dataset_id),
            ("status", &self.status),
            ("startedAfter", &self.started_after),
            ("startedBefore", &self.started_before),
            ("limit", &limit),
            ("cursor", &self.cursor),
        ])
        .collect()
    }
}

/// One page of `GET /eval-runs`: `{"rows": [...], "cursor"?: "..."}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct EvalRunPage {
    /// The runs, newest first.
    #[serde(default, deserialize_with = "null_as_default")]
    pub rows: Vec<EvalRun>,
    /// Cursor of the next page (wire key `cursor`); `None` on the last page.
    #[serde(default, rename = "cursor")]
    pub next_cursor: Option<String>,
}

/// The latest score of an (eval, dataset, agent version) combination,
/// written when a non-partial run ends.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EvalLatestScore {
    /// The eval.
    #[serde(default, deserialize_with = "null_as_default")]
    pub eval_id: String,
    /// The eval version of the run.
    #[serde(default)]
    pub eval_version: Option<String>,
    /// The dataset.
    #[serde(default, deserialize_with = "null_as_default")]
    pub dataset_id: String,
    /// The dataset version of the run.
    #[serde(default)]
    pub dataset_version: Option<String>,
    /// The agent.
    #[serde(default, deserialize_with = "null_as_default")]
    pub agent_id: String,
    /// The requested agent version.
    #[serde(default)]
    pub requested_agent_version: Option<String>,
    /// The resolved agent version.
    #[serde(default)]
    pub resolved_agent_version: Option<String>,
    /// The run that produced the score.
    #[serde(default, deserialize_with = "null_as_default")]
    pub run_id: String,
    /// That run's status.
    #[serde(default)]
    pub status: EvalRunStatus,
    /// That run's summary.
    #[serde(default)]
    pub summary: Option<EvalRunSummary>,
    /// Overall score.
    #[serde(default)]
    pub overall_score: f64,
    /// Whether the run passed.
    #[serde(default)]
    pub passed: bool,
    /// Run start (ISO-8601).
    #[serde(default, deserialize_with = "null_as_default")]
    pub started_at: String,
    /// Run end (ISO-8601).
    #[serde(default)]
    pub ended_at: Option<String>,
    /// When the score was written (ISO-8601).
    #[serde(default, deserialize_with = "null_as_default")]
    pub updated_at: String,
}

/// The key of `GET /eval-scores/latest`.
///
/// The worker looks the score up by an exact match on eval id, eval
/// version, dataset id, dataset version and resolved agent version, where an
/// absent part matches only a score stored without it. Every run records all
/// three versions, so a lookup without [`eval_version`](Self::eval_version)
/// and [`dataset_version`](Self::dataset_version) finds nothing; take them
/// from the [`EvalRun`], or use `list_latest_scores` to search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LatestScoreQuery {
    /// The eval (required).
    pub eval_id: String,
    /// The dataset (required).
    pub dataset_id: String,
    /// Resolved agent version.
    pub resolved_agent_version: Option<String>,
    /// Eval version (not sent by the official clients).
    pub eval_version: Option<String>,
    /// Dataset version (not sent by the official clients).
    pub dataset_version: Option<String>,
}

impl LatestScoreQuery {
    /// The score of eval `eval_id` on dataset `dataset_id`.
    pub fn new(eval_id: impl Into<String>, dataset_id: impl Into<String>) -> Self {
        LatestScoreQuery {
            eval_id: eval_id.into(),
            dataset_id: dataset_id.into(),
            ..LatestScoreQuery::default()
        }
    }

    /// The key of the score `run` wrote: its eval, dataset and the three
    /// resolved versions.
    pub fn for_run(run: &EvalRun) -> Self {
        LatestScoreQuery {
            eval_id: run.eval_id.clone(),
            dataset_id: run.dataset_id.clone(),
            resolved_agent_version: run.agent_version.clone(),
            eval_version: run.eval_version.clone(),
            dataset_version: run.dataset_version.clone(),
        }
    }

    /// Sets the resolved agent version.
    pub fn resolved_agent_version(mut self, version: impl Into<String>) -> Self {
        self.resolved_agent_version = Some(version.into());
        self
    }

    /// Sets the eval version.
    pub fn eval_version(mut self, version: impl Into<String>) -> Self {
        self.eval_version = Some(version.into());
        self
    }

    /// Sets the dataset version.
    pub fn dataset_version(mut self, version: impl Into<String>) -> Self {
        self.dataset_version = Some(version.into());
        self
    }

    /// The query parameters: `evalId, datasetId, resolvedAgentVersion,
    /// evalVersion, datasetVersion` (unset ones omitted).
    pub fn to_query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = vec![
            ("evalId", self.eval_id.clone()),
            ("datasetId", self.dataset_id.clone()),
        ];
        q.extend(set_pairs([
            ("resolvedAgentVersion", &self.resolved_agent_version),
            ("evalVersion", &self.eval_version),
            ("datasetVersion", &self.dataset_version),
        ]));
        q
    }
}

/// Filters of `GET /eval-scores` (all optional; no paging).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LatestScoreFilter {
    /// Only scores of this agent.
    pub agent_id: Option<String>,
    /// Only scores of this eval.
    pub eval_id: Option<String>,
    /// Only scores on this dataset.
    pub dataset_id: Option<String>,
    /// Only scores of this resolved agent version.
    pub resolved_agent_version: Option<String>,
    /// Only scores whose run has this status.
    pub status: Option<String>,
    /// Only this eval version (not sent by the official clients).
    pub eval_version: Option<String>,
    /// Only this dataset version (not sent by the official clients).
    pub dataset_version: Option<String>,
}

impl LatestScoreFilter {
    /// No filter: every latest score.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only scores of this agent.
    pub fn agent_id(mut self, v: impl Into<String>) -> Self {
        self.agent_id = Some(v.into());
        self
    }

    /// Only scores of this eval.
    pub fn eval_id(mut self, v: impl Into<String>) -> Self {
        self.eval_id = Some(v.into());
        self
    }

    /// Only scores on this dataset.
    pub fn dataset_id(mut self, v: impl Into<String>) -> Self {
        self.dataset_id = Some(v.into());
        self
    }

    /// Only scores of this resolved agent version.
    pub fn resolved_agent_version(mut self, v: impl Into<String>) -> Self {
        self.resolved_agent_version = Some(v.into());
        self
    }

    /// Only scores whose run has this status.
    pub fn status(mut self, v: impl AsRef<str>) -> Self {
        self.status = Some(v.as_ref().to_owned());
        self
    }

    /// Only this eval version.
    pub fn eval_version(mut self, v: impl Into<String>) -> Self {
        self.eval_version = Some(v.into());
        self
    }

    /// Only this dataset version.
    pub fn dataset_version(mut self, v: impl Into<String>) -> Self {
        self.dataset_version = Some(v.into());
        self
    }

    /// The query parameters: `agentId, evalId, datasetId,
    /// resolvedAgentVersion, status, evalVersion, datasetVersion` (unset
    /// ones omitted).
    pub fn to_query_pairs(&self) -> Vec<(&'static str, String)> {
        set_pairs([
            ("agentId", &self.agent_id),
            ("evalId", &self.eval_id),
            ("datasetId", &self.dataset_id),
            ("resolvedAgentVersion", &self.resolved_agent_version),
            ("status", &self.status),
            ("evalVersion", &self.eval_version),
            ("datasetVersion", &self.dataset_version),
        ])
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_fields_are_read_first_and_deprecated_ones_filled() {
        let def: EvalDefinition = serde_json::from_value(serde_json::json!({
            "id": "e", "agentId": "a",
            "criteria": [{"id": "c", "description": "old", "threshold": 0.2,
                          "rubric": "new", "gate": {"minimumScore": 0.4}}],
            "passThreshold": 0.1, "passPolicy": {"minimumScore": 0.6},
            "judgeModel": {"provider": "p", "name": "old"},
            "judge": {"model": {"provider": "p", "name": "new"}},
            "defaultDatasetId": "d", "surprise": 1
        }))
        .unwrap();
        assert_eq!(def.pass_minimum(), Some(0.6));
        assert_eq!(def.judge_model_config().unwrap().name, "new");
        assert_eq!(def.criteria()[0].rubric_text(), Some("new"));
        assert_eq!(def.criteria()[0].gate_minimum(), Some(0.4));
        assert_eq!(def.default_dataset_ref(), Some(DatasetRef::new("d")));
        assert_eq!(def.extra["surprise"], 1);

        // Canonical only on the wire in: both out.
        let canonical: EvalDefinition = serde_json::from_value(serde_json::json!({
            "agentId": "a", "criteria": [{"rubric": "r", "gate": {"minimumScore": 0.3}}],
            "passPolicy": {"minimumScore": 0.5}, "judge": {"model": {"provider": "p", "name": "j"}},
            "defaultDataset": {"id": "d", "version": "prod"},
            "version": "2026-01-01T00:00:00.000Z"
        }))
        .unwrap();
        let body: Value = serde_json::from_slice(&canonical.to_body().unwrap()).unwrap();
        assert_eq!(body["passThreshold"], 0.5);
        assert_eq!(body["judgeModel"]["name"], "j");
        assert_eq!(body["defaultDatasetId"], "d");
        assert_eq!(body["criteria"][0]["threshold"], 0.3);
        assert_eq!(body["criteria"][0]["description"], "r");
        assert!(body.get("version").is_none());
        assert!(body.get("id").is_none());
    }

    #[test]
    fn patch_sends_only_what_is_set() {
        let body = EvalDefinition::patch().name("renamed").to_body().unwrap();
        assert_eq!(&body[..], br#"{"name":"renamed"}"#);
    }

    #[test]
    fn runs_decode_leniently() {
        let run: EvalRun = serde_json::from_value(serde_json::json!({
            "id": "evalrun_1", "evalId": "e", "datasetId": "d", "agentId": "a",
            "status": "exploded", "startedAt": "2026-01-01T00:00:00.000Z",
            "caseResults": [{"itemId": "i", "status": "completed", "input": {"q": 1},
                             "output": 42, "duration": 1.6, "score": 0.5, "passed": true,
                             "outcome": "score_only", "criteria": {"c": {"score": 0.5, "passed": true, "reason": "ok"}}}],
            "summary": null, "criterionIds": null
        }))
        .unwrap();
        assert_eq!(run.status, EvalRunStatus::Unknown);
        assert!(!run.is_terminal());
        let case = &run.case_results[0];
        assert_eq!(case.output.as_deref(), Some("42"));
        assert_eq!(case.duration, Some(2));
        assert_eq!(case.outcome, Some(EvalOutcome::ScoreOnly));
        assert_eq!(case.criteria["c"].reason, "ok");
        assert!(run.criterion_ids.is_empty());
    }

    #[test]
    fn run_request_needs_an_eval_id() {
        assert!(matches!(
            EvalRunRequest::default().to_body(),
            Err(Error::InvalidRequest(_))
        ));
    }

    #[test]
    fn latest_score_query_for_a_run_carries_all_versions() {
        let run = EvalRun {
            eval_id: "e".into(),
            dataset_id: "d".into(),
            eval_version: Some("v1".into()),
            dataset_version: Some("v2".into()),
            agent_version: Some("v3".into()),
            ..EvalRun::default()
        };
        let keys: Vec<_> = LatestScoreQuery::for_run(&run)
            .to_query_pairs()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            keys,
            [
                "evalId",
                "datasetId",
                "resolvedAgentVersion",
                "evalVersion",
                "datasetVersion"
            ]
        );
    }
}
