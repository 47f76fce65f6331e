//! Eval definitions, eval runs and latest scores: state, normalization, the
//! deterministic judge and run execution.
//!
//! A run executes each dataset item with the fake model (so the output is
//! `ECHO: <input>` unless the input says otherwise), then scores each
//! criterion with a mock judge that reads the criterion's rubric:
//! * `JUDGE_FAIL` → the judge fails (score 0, `error` set, as when the
//!   worker cannot parse the judge's reply);
//! * `SCORE:<n>` → score `n` (clamped to 0..=1);
//! * `CONTAINS:<word>` → 1 when the output contains `word`, else 0;
//! * anything else → 1.
//!
//! Items take 10 ms each, or the `SLOW:<seconds>` of their input, so runs
//! can be cancelled midway.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::model::{self, Plan};
use crate::store::{DatasetItem, Store};
use crate::util::{iso, monotonic_ms, sleep_while};
use crate::versions::{marks_in_field, History, VersionMarks};

/// The versions of one eval, oldest first.
#[derive(Default)]
pub(crate) struct EvalHistory {
    /// (version, stored record).
    pub versions: Vec<(String, Value)>,
    /// The active version (the newest, unless an older one was
    /// activated), activation times and aliases.
    pub marks: VersionMarks,
}

impl EvalHistory {
    pub(crate) fn head(&self) -> Option<&Value> {
        self.versions.get(self.marks.active).map(|(_, v)| v)
    }

    /// Adds `record` as version `at` and makes it active.
    pub(crate) fn publish(&mut self, at: String, record: Value) {
        self.marks.published(self.versions.len(), &at);
        self.versions.push((at, record));
    }
}

impl History for EvalHistory {
    fn version_ids(&self) -> Vec<&str> {
        self.versions.iter().map(|(at, _)| at.as_str()).collect()
    }

    marks_in_field!();

    fn record(&self, index: usize) -> Value {
        self.versions
            .get(index)
            .map_or(Value::Null, |(_, v)| v.clone())
    }
}

/// An eval run and its owner.
pub(crate) struct EvalRunEntry {
    pub tenant: String,
    pub started_ms: u64,
    pub json: Value,
    /// Every item of the dataset snapshot (for cancelled-case filling).
    pub items: Vec<DatasetItem>,
}

/// Everything eval-related of all tenants.
#[derive(Default)]
pub(crate) struct EvalState {
    pub defs: HashMap<(String, String), EvalHistory>,
    pub runs: HashMap<String, EvalRunEntry>,
    /// (tenant, latest score JSON).
    pub scores: Vec<(String, Value)>,
}

/// A failed normalization: the worker answers these with the plain-text 500.
pub(crate) struct Invalid;

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64).filter(|f| f.is_finite())
}

fn clamp(v: f64) -> f64 {
    if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Normalizes a definition as the worker does (defaults, canonical fields
/// filled from deprecated ones, `defaultDataset` ↔ `defaultDatasetId`).
pub(crate) fn normalize(mut def: Map<String, Value>) -> Result<Map<String, Value>, Invalid> {
    let agent_ok = def
        .get("agentId")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty());
    if !agent_ok {
        return Err(Invalid);
    }
    let id = match def.get("id").and_then(Value::as_str) {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => format!("eval_{}", crate::util::nanoid(12)),
    };
    def.insert("id".into(), Value::String(id.clone()));
    if !def.get("name").is_some_and(Value::is_string) {
        def.insert("name".into(), Value::String(id));
    }
    let criteria: Vec<Value> = def
        .get("criteria")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let mut c = c.as_object().cloned().unwrap_or_default();
            if c.get("id")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                c.insert(
                    "id".into(),
                    Value::String(format!("criterion_{:02}", i + 1)),
                );
            }
            if !c.get("name").is_some_and(Value::is_string) {
                c.insert("name".into(), Value::String(format!("Criterion {}", i + 1)));
            }
            if !c.contains_key("rubric") {
                if let Some(d) = c.get("description").cloned() {
                    c.insert("rubric".into(), d);
                }
            }
            if !c.contains_key("gate") {
                if let Some(t) = num(c.get("threshold")) {
                    c.insert("gate".into(), json!({"minimumScore": t}));
                }
            }
            Value::Object(c)
        })
        .collect();
    def.insert("criteria".into(), Value::Array(criteria));
    match (
        def.get("defaultDataset").cloned(),
        def.get("defaultDatasetId").cloned(),
    ) {
        (Some(Value::Object(ds)), None) => {
            if let Some(id) = ds.get("id").cloned() {
                def.insert("defaultDatasetId".into(), id);
            }
        }
        (None, Some(Value::String(id))) => {
            def.insert("defaultDataset".into(), json!({ "id": id }));
        }
        _ => {}
    }
    if !def.contains_key("passPolicy") {
        if let Some(t) = num(def.get("passThreshold")) {
            def.insert("passPolicy".into(), json!({"minimumScore": t}));
        }
    }
    if !def.contains_key("judge") {
        if let Some(m) = def.get("judgeModel").cloned() {
            def.insert("judge".into(), json!({ "model": m }));
        }
    }
    Ok(def)
}

/// The default dataset of a definition: `defaultDataset`, else
/// `defaultDatasetId`.
pub(crate) fn default_dataset(def: &Value) -> (Option<String>, Option<String>) {
    let ds = def.get("defaultDataset");
    let id = ds
        .and_then(|d| d.get("id"))
        .and_then(Value::as_str)
        .or_else(|| def.get("defaultDatasetId").and_then(Value::as_str))
        .map(str::to_owned);
    let version = ds
        .and_then(|d| d.get("version"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    (id, version)
}

fn gate_minimum(c: &Value) -> Option<f64> {
    num(c.get("gate").and_then(|g| g.get("minimumScore")))
        .or_else(|| num(c.get("threshold")))
        .map(clamp)
}

fn pass_minimum(def: &Value) -> Option<f64> {
    num(def.get("passPolicy").and_then(|p| p.get("minimumScore")))
        .or_else(|| num(def.get("passThreshold")))
        .map(clamp)
}

fn weight(c: &Value) -> f64 {
    num(c.get("weight")).filter(|w| *w > 0.0).unwrap_or(1.0)
}

fn rubric(c: &Value) -> String {
    c.get("rubric")
        .or_else(|| c.get("description"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn cid(c: &Value) -> String {
    c.get("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn gate_json(min: Option<f64>, score: f64, any: bool) -> Option<Value> {
    min.map(|m| json!({"minimumScore": m, "passed": any && score >= m}))
}

const JUDGE_FAILED: &str = "Judge failed: No object generated: could not parse the response.";

fn judge(criterion: &Value, output: &str) -> Value {
    let text = rubric(criterion);
    let min = gate_minimum(criterion);
    if text.contains("JUDGE_FAIL") {
        let mut r = json!({"score": 0.0, "passed": min.is_none_or(|m| 0.0 >= m),
                           "reason": JUDGE_FAILED, "error": JUDGE_FAILED});
        if let Some(g) = gate_json(min, 0.0, true) {
            r["gate"] = g;
        }
        return r;
    }
    let (score, reason) = if let Some(i) = text.find("SCORE:") {
        let n: String = text[i + 6..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        (clamp(n.parse().unwrap_or(0.0)), format!("Fixed score {n}."))
    } else if let Some(i) = text.find("CONTAINS:") {
        let word: String = text[i + 9..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        if output.contains(&word) {
            (1.0, format!("Output contains {word:?}."))
        } else {
            (0.0, format!("Output lacks {word:?}."))
        }
    } else {
        (1.0, "Meets the rubric.".to_string())
    };
    let mut r = json!({"score": score, "passed": min.is_none_or(|m| score >= m), "reason": reason});
    if let Some(g) = gate_json(min, score, true) {
        r["gate"] = g;
    }
    r
}

fn weighted(criteria: &[Value], results: &Map<String, Value>) -> f64 {
    let mut sum = 0.0;
    let mut total = 0.0;
    for c in criteria {
        let w = weight(c);
        let s = num(results.get(&cid(c)).and_then(|r| r.get("score"))).unwrap_or(0.0);
        sum += clamp(s) * w;
        total += w;
    }
    if total > 0.0 {
        sum / total
    } else {
        0.0
    }
}

/// Outcome, pass flag and gate failures.
fn outcome(
    score: f64,
    pass_min: Option<f64>,
    criteria: &[Value],
    criterion_score: impl Fn(&str) -> f64,
    failed_cases: usize,
    incomplete_cases: usize,
) -> (&'static str, bool, Vec<String>) {
    let mut failures = Vec::new();
    if failed_cases > 0 {
        failures.push(format!("{failed_cases} case(s) failed before scoring"));
    }
    if incomplete_cases > 0 {
        failures.push(format!("{incomplete_cases} case(s) did not complete"));
    }
    if let Some(p) = pass_min {
        if score < p {
            failures.push(format!(
                "overall score {:.2} below pass policy {p:.2}",
                clamp(score)
            ));
        }
    }
    let mut any_gate = false;
    for c in criteria {
        if let Some(m) = gate_minimum(c) {
            any_gate = true;
            let s = criterion_score(&cid(c));
            if s < m {
                failures.push(format!(
                    "{} score {:.2} below gate {m:.2}",
                    cid(c),
                    clamp(s)
                ));
            }
        }
    }
    let outcome = if !failures.is_empty() {
        "failed"
    } else if pass_min.is_some() || any_gate {
        "passed"
    } else {
        "score_only"
    };
    (outcome, outcome != "failed", failures)
}

/// Runs one case: the agent on the item's input, then the judge.
fn run_case(def: &Value, criteria: &[Value], item: &DatasetItem, started: u64) -> Value {
    let (input, item_id) = (&item.input, &item.id);
    let text = model::input_text(input);
    let output = match model::plan(&text, &[], None) {
        Plan::Answer(out) => out,
        Plan::Fail | Plan::CallTool { .. } => {
            return json!({
                "itemId": item_id, "status": "failed", "input": input,
                "duration": monotonic_ms().saturating_sub(started),
                "criteria": {}, "score": 0.0, "passed": false, "outcome": "failed",
                "gateFailures": ["case failed before scoring"],
                "error": format!("Target agent failed: {}", model::FAIL_MESSAGE),
            });
        }
    };
    let mut results = Map::new();
    for c in criteria {
        results.insert(cid(c), judge(c, &output));
    }
    let score = weighted(criteria, &results);
    let (out, passed, failures) = outcome(
        score,
        pass_minimum(def),
        criteria,
        |id| num(results.get(id).and_then(|r| r.get("score"))).unwrap_or(0.0),
        0,
        0,
    );
    json!({
        "itemId": item_id, "status": "completed", "input": input, "output": output,
        "invocationId": format!("inv_{}", crate::util::nanoid(12)),
        "usage": model::usage_json(&text, &output),
        "duration": monotonic_ms().saturating_sub(started),
        "criteria": results, "score": score, "passed": passed, "outcome": out,
        "gateFailures": failures,
    })
}

/// A case for an item the run never finished.
pub(crate) fn cancelled_case(item: &DatasetItem) -> Value {
    json!({
        "itemId": item.id,
        "status": "cancelled",
        "input": item.input,
        "criteria": {}, "score": 0.0, "passed": false, "outcome": "failed",
        "gateFailures": ["case cancelled before scoring"],
        "error": "Eval run cancelled.",
    })
}

/// The run summary over `cases` for the selected `criteria`.
pub(crate) fn summarize(def: &Value, criteria: &[Value], cases: &[Value]) -> Value {
    let status = |c: &Value| {
        c.get("status")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let scored: Vec<&Value> = cases
        .iter()
        .filter(|c| matches!(status(c).as_str(), "completed" | "failed"))
        .collect();
    let completed = cases.iter().filter(|c| status(c) == "completed").count();
    let failed = cases.iter().filter(|c| status(c) == "failed").count();
    let skipped = cases
        .iter()
        .filter(|c| matches!(status(c).as_str(), "skipped" | "cancelled"))
        .count();
    let mean = |xs: &[f64]| {
        if xs.is_empty() {
            0.0
        } else {
            xs.iter().sum::<f64>() / xs.len() as f64
        }
    };
    let overall = mean(
        &scored
            .iter()
            .map(|c| num(c.get("score")).unwrap_or(0.0))
            .collect::<Vec<_>>(),
    );
    let mut per = Map::new();
    let mut scores = HashMap::new();
    for c in criteria {
        let id = cid(c);
        let rows: Vec<f64> = scored
            .iter()
            .filter_map(|case| case.get("criteria").and_then(|m| m.get(&id)))
            .map(|r| num(r.get("score")).unwrap_or(0.0))
            .collect();
        let score = mean(&rows);
        let gate = gate_json(gate_minimum(c), score, !rows.is_empty());
        let passed = gate
            .as_ref()
            .and_then(|g| g.get("passed"))
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let mut entry = json!({"score": score, "passed": passed, "completedCases": rows.len()});
        if let Some(g) = gate {
            entry["gate"] = g;
        }
        per.insert(id.clone(), entry);
        scores.insert(id, score);
    }
    let (out, passed, failures) = outcome(
        overall,
        pass_minimum(def),
        criteria,
        |id| scores.get(id).copied().unwrap_or(0.0),
        failed,
        skipped,
    );
    json!({
        "totalCases": cases.len(), "completedCases": completed, "failedCases": failed,
        "skippedCases": skipped, "overallScore": overall, "passed": passed,
        "outcome": out, "gateFailures": failures, "criteria": per,
    })
}

/// The criteria a run scores (from its eval snapshot and `criterionIds`).
pub(crate) fn run_criteria(run: &Value) -> Vec<Value> {
    let ids: Vec<&str> = run
        .get("criterionIds")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    run.pointer("/snapshots/eval/criteria")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|c| ids.contains(&cid(c).as_str()))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Ends a run in `status`: summary, `endedAt`, and (unless partial) its
/// latest score.
pub(crate) fn finish(state: &mut EvalState, run_id: &str, status: &str) {
    let Some(entry) = state.runs.get_mut(run_id) else {
        return;
    };
    let run = &mut entry.json;
    let def = run
        .pointer("/snapshots/eval")
        .cloned()
        .unwrap_or(Value::Null);
    let criteria = run_criteria(run);
    let cases = run
        .get("caseResults")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    run["summary"] = summarize(&def, &criteria, &cases);
    run["status"] = Value::String(status.into());
    run["endedAt"] = Value::String(iso(monotonic_ms()));
    if run.get("partial").and_then(Value::as_bool) == Some(true) {
        return;
    }
    let score = latest_score(run);
    let tenant = entry.tenant.clone();
    let key = score_key(&score);
    state
        .scores
        .retain(|(t, s)| !(t == &tenant && score_key(s) == key));
    state.scores.push((tenant, score));
}

const SCORE_KEY: [&str; 5] = [
    "evalId",
    "evalVersion",
    "datasetId",
    "datasetVersion",
    "resolvedAgentVersion",
];

/// The exact-match key of a latest score.
pub(crate) fn score_key(score: &Value) -> Vec<Option<String>> {
    SCORE_KEY
        .iter()
        .map(|k| score.get(*k).and_then(Value::as_str).map(str::to_owned))
        .collect()
}

fn latest_score(run: &Value) -> Value {
    let pick = |k: &str| run.get(k).cloned();
    let summary = run.get("summary").cloned();
    let mut s = Map::new();
    for (key, from) in [
        ("evalId", "evalId"),
        ("evalVersion", "evalVersion"),
        ("datasetId", "datasetId"),
        ("datasetVersion", "datasetVersion"),
        ("agentId", "agentId"),
        ("requestedAgentVersion", "requestedAgentVersion"),
        ("resolvedAgentVersion", "agentVersion"),
        ("runId", "id"),
        ("status", "status"),
        ("summary", "summary"),
        ("startedAt", "startedAt"),
        ("endedAt", "endedAt"),
    ] {
        if let Some(v) = pick(from) {
            s.insert(key.into(), v);
        }
    }
    let overall = summary
        .as_ref()
        .and_then(|x| x.get("overallScore"))
        .cloned()
        .unwrap_or(json!(0));
    let passed = summary
        .as_ref()
        .and_then(|x| x.get("passed"))
        .cloned()
        .unwrap_or(json!(false));
    s.insert("overallScore".into(), overall);
    s.insert("passed".into(), passed);
    s.insert("updatedAt".into(), Value::String(iso(monotonic_ms())));
    Value::Object(s)
}

/// Executes a started run in the background until it ends or is cancelled.
pub(crate) fn spawn(store: Arc<Store>, run_id: String) {
    tokio::spawn(async move {
        let (def, criteria, items) = {
            let inner = store.lock();
            let Some(e) = inner.evals.runs.get(&run_id) else {
                return;
            };
            let def = e
                .json
                .pointer("/snapshots/eval")
                .cloned()
                .unwrap_or(Value::Null);
            (def, run_criteria(&e.json), e.items.clone())
        };
        for item in &items {
            let started = monotonic_ms();
            let delay = model::item_delay(&model::input_text(&item.input));
            if !sleep_while(delay, || is_running(&store, &run_id)).await {
                return;
            }
            let case = run_case(&def, &criteria, item, started);
            let mut inner = store.lock();
            let Some(e) = inner.evals.runs.get_mut(&run_id) else {
                return;
            };
            if e.json.get("status").and_then(Value::as_str) != Some("running") {
                return;
            }
            if let Some(cases) = e.json.get_mut("caseResults").and_then(Value::as_array_mut) {
                cases.push(case);
            }
        }
        let mut inner = store.lock();
        if inner
            .evals
            .runs
            .get(&run_id)
            .is_some_and(|e| e.json.get("status").and_then(Value::as_str) == Some("running"))
        {
            finish(&mut inner.evals, &run_id, "completed");
        }
    });
}

fn is_running(store: &Store, run_id: &str) -> bool {
    store
        .lock()
        .evals
        .runs
        .get(run_id)
        .is_some_and(|e| e.json.get("status").and_then(Value::as_str) == Some("running"))
}
