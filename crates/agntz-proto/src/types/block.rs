//! Block runs: one block of a stored agent's manifest, run on its own
//! (`POST /run/block`, `POST /run/block/stream`, wire-extended §9.2), and
//! the block selection the agent editor also takes (§9.4).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

use super::unknown_fields::keep_unknown_fields;
use super::{ExtraFields, Retention, RunResult};
use crate::events::AgentKind;
use crate::Error;

/// One element of a path into a parsed manifest: an object key or an array
/// position (sent as a JSON integer; the worker does not match `"0"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum PathSegment {
    /// An object key (`steps`, `branches`, `agent`).
    Key(String),
    /// An array position.
    Index(u64),
}

impl From<&str> for PathSegment {
    fn from(key: &str) -> Self {
        PathSegment::Key(key.to_owned())
    }
}

impl From<String> for PathSegment {
    fn from(key: String) -> Self {
        PathSegment::Key(key)
    }
}

impl From<u64> for PathSegment {
    fn from(index: u64) -> Self {
        PathSegment::Index(index)
    }
}

impl From<usize> for PathSegment {
    fn from(index: usize) -> Self {
        PathSegment::Index(index as u64)
    }
}

/// Which block of a manifest to run (or, for the editor, to focus on):
/// wire `{"agentPath": [...], "stepPath"?: [...]}`.
///
/// Build it the way the manifest nests: [`root`](Self::root), then
/// [`step`](Self::step) or [`branch`](Self::branch) for each level down.
/// A step that is a `ref:` to a stored agent is selected the same way (the
/// worker then runs that agent).
///
/// ```
/// use agntz_proto::types::BlockSelection;
/// let second = BlockSelection::root().step(1);
/// assert_eq!(
///     serde_json::to_string(&second).unwrap(),
///     r#"{"agentPath":["steps",1,"agent"],"stepPath":["steps",1]}"#
/// );
/// // Step 1 of the sequential agent inline in step 0:
/// let nested: BlockSelection = "steps[0].steps[1]".parse().unwrap();
/// assert_eq!(nested, BlockSelection::root().step(0).step(1));
/// assert_eq!(nested.to_string(), "steps[0].steps[1]");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockSelection {
    agent_path: Vec<PathSegment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    step_path: Option<Vec<PathSegment>>,
}

impl BlockSelection {
    /// The whole manifest (`{"agentPath":[]}`).
    pub fn root() -> Self {
        BlockSelection::default()
    }

    /// Step `index` of the `sequential` agent selected so far.
    pub fn step(self, index: usize) -> Self {
        self.child("steps", index)
    }

    /// Branch `index` of the `parallel` agent selected so far.
    pub fn branch(self, index: usize) -> Self {
        self.child("branches", index)
    }

    fn child(self, list: &str, index: usize) -> Self {
        let mut step_path = self.agent_path;
        step_path.push(list.into());
        step_path.push(index.into());
        let mut agent_path = step_path.clone();
        agent_path.push("agent".into());
        BlockSelection {
            agent_path,
            step_path: Some(step_path),
        }
    }

    /// A selection from raw paths, as the worker takes them: `agent_path`
    /// to an agent object inside the parsed manifest, and `step_path` to the
    /// enclosing step, used only when `agent_path` does not land on an
    /// agent (a `ref:` step).
    pub fn from_paths(
        agent_path: impl IntoIterator<Item = PathSegment>,
        step_path: Option<Vec<PathSegment>>,
    ) -> Self {
        BlockSelection {
            agent_path: agent_path.into_iter().collect(),
            step_path,
        }
    }

    /// The path to the agent object.
    pub fn agent_path(&self) -> &[PathSegment] {
        &self.agent_path
    }

    /// The path to the enclosing step, when the block is a step.
    pub fn step_path(&self) -> Option<&[PathSegment]> {
        self.step_path.as_deref()
    }

    /// Whether this selects the whole manifest.
    pub fn is_root(&self) -> bool {
        self.agent_path.is_empty() && self.step_path.is_none()
    }
}

/// The agent path in the notation [`FromStr`] reads, without the `agent`
/// keys between levels: `steps[0].steps[1]`, or `root` for the whole
/// manifest.
impl fmt::Display for BlockSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.agent_path {
            match seg {
                PathSegment::Index(i) => write!(f, "[{i}]")?,
                PathSegment::Key(k) if k == "agent" => continue,
                PathSegment::Key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                    first = false;
                }
            }
        }
        if first {
            f.write_str("root")?;
        }
        Ok(())
    }
}

/// Parses the notation of validation paths: `root` (or `""`) for the whole
/// manifest; otherwise `.`-separated `steps[i]` / `branches[i]`, one per
/// level, with an optional `agent` between levels (`steps[0].steps[1]` and
/// `steps[0].agent.steps[1]` are the same block).
impl FromStr for BlockSelection {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        let mut selection = BlockSelection::root();
        if s.is_empty() || s == "root" {
            return Ok(selection);
        }
        let bad = |part: &str| {
            Error::invalid(format!(
                "invalid block path {s:?} at {part:?}: expected steps[<n>] or branches[<n>] \
                 separated by '.'"
            ))
        };
        for part in s.split('.') {
            if part == "agent" {
                continue;
            }
            let (list, rest) = part.split_once('[').ok_or_else(|| bad(part))?;
            let index = rest
                .strip_suffix(']')
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| bad(part))?;
            selection = match list {
                "steps" => selection.step(index),
                "branches" => selection.branch(index),
                _ => return Err(bad(part)),
            };
        }
        Ok(selection)
    }
}

/// The result of `POST /run/block`: the run result plus the block that ran.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BlockRunResult {
    /// The `id` of the manifest that ran: the inline agent's id, or, for a
    /// `ref:` step, the referenced agent's id.
    pub block_id: String,
    /// Its kind (`llm`, `tool`, `sequential` or `parallel`).
    pub block_kind: AgentKind,
    /// The run result, as `POST /run` gives it. `requested_agent_version`
    /// and `resolved_agent_version` describe the **root** agent named in
    /// the request, even when the block is a `ref:` to another agent; for a
    /// `tool` block `model` is `manifest` and usage is zero. Keys beyond the
    /// run result and the block fields are in its `extra`.
    pub result: RunResult,
}

impl<'de> Deserialize<'de> for BlockRunResult {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut result = RunResult::deserialize(d)?;
        // `target` is always "block": nothing to keep.
        result.extra.remove("target");
        let block_id = match result.extra.remove("blockId") {
            Some(serde_json::Value::String(s)) => s,
            _ => String::new(),
        };
        let block_kind = match result.extra.remove("blockKind") {
            Some(v) => AgentKind::deserialize(v).unwrap_or_default(),
            None => AgentKind::Unknown,
        };
        Ok(BlockRunResult {
            block_id,
            block_kind,
            result,
        })
    }
}

/// The `run-start` payload of `POST /run/block/stream`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BlockStart {
    /// The **root** agent reference as sent.
    pub agent_id: String,
    /// The kind of the block (not of the root).
    pub kind: AgentKind,
    /// The id of the block that runs.
    pub block_id: String,
    /// Root run id.
    pub run_id: Option<String>,
    /// Trace id (`session` mode only).
    pub trace_id: Option<String>,
    /// Session id (`session` mode only).
    pub session_id: Option<String>,
    /// Retention (only `{mode}` here).
    pub retention: Option<Retention>,
    /// Every other key of the payload, verbatim (`target`, always `block`,
    /// and keys a newer worker adds).
    pub extra: ExtraFields,
}

/// The wire decoding of [`BlockStart`]'s known fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", remote = "BlockStart")]
struct BlockStartWire {
    #[serde(default)]
    agent_id: String,
    #[serde(default)]
    kind: AgentKind,
    #[serde(default)]
    block_id: String,
    #[serde(default)]
    run_id: Option<String>,
    #[serde(default)]
    trace_id: Option<String>,
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    retention: Option<Retention>,
    #[serde(skip)]
    extra: ExtraFields,
}
keep_unknown_fields!(BlockStart, BlockStartWire);

/// The body of a block run: the run request's fields (as for `/run`, plus
/// `clientTools` on the stream) and `selection`.
pub(crate) fn block_body(
    request: &super::RunRequest,
    selection: &BlockSelection,
    client_tools: bool,
) -> Result<bytes::Bytes, Error> {
    #[derive(Serialize)]
    struct Body<'a> {
        #[serde(flatten)]
        run: super::run_request::WireBody<'a>,
        selection: &'a BlockSelection,
    }
    request.validate()?;
    super::json_body(&Body {
        run: request.wire(false, client_tools),
        selection,
    })
}
