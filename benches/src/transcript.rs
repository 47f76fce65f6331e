//! Deterministic, realistic worker transcripts for the benchmarks.
//!
//! Reproduces the wire format of the worker's `GET /runs/{id}/stream`:
//! for every event, `event: <type>\ndata: <compact JSON>\nid: <seq>\n\n`,
//! with the JSON keys in the worker's insertion order, non-ASCII text as raw
//! UTF-8 and no raw newline inside `data`. A run tree of a root run and one
//! child: two `run-spawn`s, a short preamble of text deltas, two tool calls,
//! a few more deltas, one tool call, the long final answer as text deltas,
//! then the child's and the root's `run-complete`.
//!
//! The text is pseudo-English: a fixed vocabulary plus a few "rich" tokens
//! (accents, CJK, emoji, backslashes, quotes, markdown), sentences of 8 to 26
//! words, paragraphs of 3 to 6 sentences, sometimes a heading, a code block
//! or a list item. Deltas carry 1 to 8 words with a weighted distribution
//! skewed to short ones, as model token streams do.
//!
//! Everything is driven by a seeded SplitMix64 generator, so a given size
//! always gives the same bytes. Nothing is read from disk.

use serde::Serialize;
use serde_json::{json, Value};

const SEED: u64 = 20_240_611;

/// A small deterministic PRNG (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn random(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        // The modulo bias is irrelevant for text generation.
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// A uniformly chosen element.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const VOCABULARY: &str =
    "the of and to in a is that for it as with was on be by this are or from at \
    which an have not has but can will all more their one also its they these \
    other were been when there such into than only some time may would about \
    system data model agent request response stream token latency throughput \
    buffer client server event parser memory runtime worker session context \
    function value result error retry timeout network connection protocol \
    performance benchmark measure cache queue thread async await future task \
    design approach analysis evidence example important however therefore \
    because without between through during before after while within across \
    configuration deployment production environment interface implementation \
    we you our your should could might must need use make first new way each \
    state output input tool call step schema field record message header body";

/// Tokens that exercise UTF-8, escaping and markdown.
const RICH: &[&str] = &[
    "naïve",
    "café",
    "résumé",
    "—",
    "“quoted”",
    "日本語",
    "🚀",
    "≈",
    "µs",
    "Zürich",
    "`parse_sse()`",
    "`Vec<u8>`",
    "**important**",
    "`\"key\": \"value\"`",
    "C:\\\\Users\\\\agent",
    "e.g.",
    "i.e.",
    "(see above)",
    "3.14",
    "42%",
    "1,024",
];

const SENTENCE_ENDS: &[&str] = &[".", ".", ".", "!", "?", ":"];
const CODE_BLOCK: &str = "\n\n```python\nprint(\"hello\\tworld\")\n```\n\n";

/// Words per delta and their weights.
const WORDS_PER_DELTA: &[(usize, f64)] = &[
    (1, 0.30),
    (2, 0.22),
    (3, 0.15),
    (4, 0.11),
    (5, 0.08),
    (6, 0.06),
    (7, 0.045),
    (8, 0.035),
];

struct Text {
    words: Vec<&'static str>,
}

impl Text {
    fn new() -> Self {
        Text {
            words: VOCABULARY.split_whitespace().collect(),
        }
    }

    fn word(&self, rng: &mut Rng) -> &'static str {
        self.words[rng.below(self.words.len())]
    }

    fn words(&self, rng: &mut Rng, n: usize) -> String {
        (0..n).map(|_| self.word(rng)).collect::<Vec<_>>().join(" ")
    }

    /// `n` tokens, each carrying its leading whitespace.
    fn tokens(&self, rng: &mut Rng, n: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(n + 8);
        let mut sentence_left = 0usize;
        let mut paragraph_left = rng.range(3, 6);
        let mut capitalize = true;
        while out.len() < n {
            if sentence_left == 0 {
                sentence_left = rng.range(8, 26);
                if !out.is_empty() {
                    paragraph_left -= 1;
                    if paragraph_left == 0 {
                        paragraph_left = rng.range(3, 6);
                        let r = rng.random();
                        if r < 0.10 {
                            out.push(format!("\n\n## {}", capitalized(self.word(rng))));
                            out.push(format!(" {}", self.word(rng)));
                            out.push("\n\n".to_owned());
                        } else if r < 0.18 {
                            out.push(CODE_BLOCK.to_owned());
                        } else if r < 0.30 {
                            out.push("\n\n-".to_owned());
                        } else {
                            out.push("\n\n".to_owned());
                        }
                    }
                }
                capitalize = true;
            }
            let mut word = if rng.random() < 0.04 {
                (*rng.pick(RICH)).to_owned()
            } else {
                self.word(rng).to_owned()
            };
            if capitalize {
                word = capitalized(&word);
                capitalize = false;
            }
            sentence_left -= 1;
            if sentence_left == 0 {
                let end = SENTENCE_ENDS[rng.below(SENTENCE_ENDS.len())];
                word.push_str(end);
            } else if rng.random() < 0.07 {
                word.push(',');
            }
            let glue = match out.last() {
                None => "",
                Some(prev) if prev.ends_with('\n') => "",
                Some(_) => " ",
            };
            out.push(format!("{glue}{word}"));
        }
        out.truncate(n);
        out
    }

    /// `n` deltas of 1 to 8 tokens each.
    fn deltas(&self, rng: &mut Rng, n: usize) -> Vec<String> {
        let total: f64 = WORDS_PER_DELTA.iter().map(|(_, w)| w).sum();
        let sizes: Vec<usize> = (0..n)
            .map(|_| {
                let mut x = rng.random() * total;
                for &(size, weight) in WORDS_PER_DELTA {
                    if x < weight {
                        return size;
                    }
                    x -= weight;
                }
                WORDS_PER_DELTA[WORDS_PER_DELTA.len() - 1].0
            })
            .collect();
        let tokens = self.tokens(rng, sizes.iter().sum());
        let mut at = 0;
        sizes
            .into_iter()
            .map(|size| {
                let delta = tokens[at..at + size].concat();
                at += size;
                delta
            })
            .collect()
    }
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn nanoid(rng: &mut Rng, n: usize) -> String {
    const ALPHABET: &[u8] = b"useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";
    (0..n).map(|_| char::from(*rng.pick(ALPHABET))).collect()
}

#[derive(Debug, Clone, Serialize)]
struct ToolRecord {
    id: String,
    name: &'static str,
    input: Value,
    output: Value,
    duration: u64,
}

impl ToolRecord {
    fn new(rng: &mut Rng, name: &'static str, input: Value, output: Value, duration: u64) -> Self {
        let id = nanoid(rng, 22).replace('-', "x").replace('_', "y");
        ToolRecord {
            id: format!("toolu_01{id}"),
            name,
            input,
            output,
            duration,
        }
    }
}

#[derive(Debug, Serialize)]
struct ToolRef<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Usage {
    prompt_tokens: u64,
    completion_tokens: u64,
    total_tokens: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<&'static str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct InvokeResult<'a> {
    output: &'a str,
    invocation_id: &'a str,
    session_id: &'a str,
    tool_calls: &'a [ToolRecord],
    usage: Usage,
    duration: u64,
    model: &'static str,
    provider: &'static str,
    requested_model: &'static str,
    response_id: &'a str,
    finish_reason: &'static str,
    raw_finish_reason: &'static str,
}

/// One event of the run tree. Serialized with `type` first, then the fields
/// in declaration order, as the worker's `JSON.stringify` does.
#[derive(Debug, Serialize)]
#[serde(
    tag = "type",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
enum Event<'a> {
    RunSpawn {
        run_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_id: Option<&'a str>,
        agent_id: &'a str,
        seq: u64,
    },
    TextDelta {
        run_id: &'a str,
        text: &'a str,
        seq: u64,
    },
    ToolCallStart {
        run_id: &'a str,
        tool_call: ToolRef<'a>,
        seq: u64,
    },
    ToolCallEnd {
        run_id: &'a str,
        tool_call: &'a ToolRecord,
        seq: u64,
    },
    StepComplete {
        run_id: &'a str,
        step: u64,
        tool_calls: &'a [ToolRecord],
        seq: u64,
    },
    RunComplete {
        run_id: &'a str,
        result: InvokeResult<'a>,
        seq: u64,
    },
}

impl Event<'_> {
    fn name(&self) -> &'static str {
        match self {
            Event::RunSpawn { .. } => "run-spawn",
            Event::TextDelta { .. } => "text-delta",
            Event::ToolCallStart { .. } => "tool-call-start",
            Event::ToolCallEnd { .. } => "tool-call-end",
            Event::StepComplete { .. } => "step-complete",
            Event::RunComplete { .. } => "run-complete",
        }
    }
}

struct Writer {
    out: Vec<u8>,
    seq: u64,
}

impl Writer {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn emit(&mut self, event: &Event<'_>, seq: u64) {
        self.out.extend_from_slice(b"event: ");
        self.out.extend_from_slice(event.name().as_bytes());
        self.out.extend_from_slice(b"\ndata: ");
        serde_json::to_writer(&mut self.out, event).expect("serializing to a Vec cannot fail");
        self.out
            .extend_from_slice(format!("\nid: {seq}\n\n").as_bytes());
    }
}

/// A generated transcript.
#[derive(Debug, Clone)]
pub struct Transcript {
    /// The body of `GET /runs/{root}/stream`.
    pub runs_stream: Vec<u8>,
    /// The body of `POST /run/stream` for the same run (`run-start`, then
    /// `run-complete` carrying the `POST /run` result).
    pub agent_stream: Vec<u8>,
    /// The root run id (the stream ends on its `run-complete`).
    pub root_run_id: String,
    /// Number of text deltas.
    pub deltas: usize,
}

const AGENT_ID: &str = "research-writer";
const MODEL: &str = "claude-sonnet-4-5-20250929";

/// The transcript of a run whose answer streams as `n_deltas` text deltas
/// (`n_deltas + 12` frames in all). `100_000` gives about 16 MB.
pub fn transcript(n_deltas: usize) -> Transcript {
    let text = Text::new();
    let mut rng = Rng::new(SEED + n_deltas as u64);
    let root = format!("run_{}", nanoid(&mut rng, 12));
    let child = format!("run_{}", nanoid(&mut rng, 12));
    let session = format!("sess_{}", nanoid(&mut rng, 12));

    // Step 1: a preamble and two tools; step 2: a few words and one tool;
    // step 3: the answer.
    let pre1 = (n_deltas / 100).clamp(1, 120).min(n_deltas);
    let pre2 = (n_deltas / 150).clamp(1, 80).min(n_deltas - pre1);
    let deltas = text.deltas(&mut rng, n_deltas);
    let (step1, rest) = deltas.split_at(pre1);
    let (step2, answer) = rest.split_at(pre2);

    let results: Vec<Value> = (0..5)
        .map(|i| {
            json!({
                "title": format!("Result {i}: {}", text.words(&mut rng, 6)),
                "url": format!("https://example.com/articles/{}", nanoid(&mut rng, 8)),
                "snippet": text.words(&mut rng, 40),
            })
        })
        .collect();
    let first_url = results[0]["url"].clone();
    let search_out = json!({ "results": results });
    let fetch_out = Value::String(text.words(&mut rng, 400));
    let python_out = json!({ "stdout": "mean=12.41 p50=11.9 p99=31.7\n", "exitCode": 0 });
    let tools1 = vec![
        ToolRecord::new(
            &mut rng,
            "web_search",
            json!({ "query": "SSE client throughput benchmarks", "limit": 5 }),
            search_out,
            812,
        ),
        ToolRecord::new(
            &mut rng,
            "fetch_url",
            json!({ "url": first_url }),
            fetch_out,
            430,
        ),
    ];
    let tools2 = vec![ToolRecord::new(
        &mut rng,
        "run_python",
        json!({ "code": "import statistics\nprint('mean=%.2f' % 12.41)" }),
        python_out,
        1290,
    )];

    let mut w = Writer {
        out: Vec::with_capacity(170 * n_deltas + 64 * 1024),
        seq: 0,
    };
    let s = w.next_seq();
    w.emit(
        &Event::RunSpawn {
            run_id: &root,
            parent_id: None,
            agent_id: AGENT_ID,
            seq: s,
        },
        s,
    );
    let s = w.next_seq();
    w.emit(
        &Event::RunSpawn {
            run_id: &child,
            parent_id: Some(&root),
            agent_id: AGENT_ID,
            seq: s,
        },
        s,
    );
    let emit_deltas = |w: &mut Writer, chunk: &[String]| {
        for t in chunk {
            let s = w.next_seq();
            w.emit(
                &Event::TextDelta {
                    run_id: &child,
                    text: t,
                    seq: s,
                },
                s,
            );
        }
    };
    let emit_tools = |w: &mut Writer, step: u64, records: &[ToolRecord]| {
        for r in records {
            let s = w.next_seq();
            w.emit(
                &Event::ToolCallStart {
                    run_id: &child,
                    tool_call: ToolRef {
                        id: &r.id,
                        name: r.name,
                    },
                    seq: s,
                },
                s,
            );
            let s = w.next_seq();
            w.emit(
                &Event::ToolCallEnd {
                    run_id: &child,
                    tool_call: r,
                    seq: s,
                },
                s,
            );
        }
        let s = w.next_seq();
        w.emit(
            &Event::StepComplete {
                run_id: &child,
                step,
                tool_calls: records,
                seq: s,
            },
            s,
        );
    };
    emit_deltas(&mut w, step1);
    emit_tools(&mut w, 1, &tools1);
    emit_deltas(&mut w, step2);
    emit_tools(&mut w, 2, &tools2);
    emit_deltas(&mut w, answer);

    let output = answer.concat();
    let all_tools: Vec<ToolRecord> = tools1.iter().chain(&tools2).cloned().collect();
    let completion = (output.chars().count() as u64 / 4).max(1);
    let invocation = format!("inv_{}", nanoid(&mut rng, 12));
    let response_id = format!("msg_01{}", nanoid(&mut rng, 22));
    let result = |invocation_id, usage_model, duration| InvokeResult {
        output: &output,
        invocation_id,
        session_id: &session,
        tool_calls: &all_tools,
        usage: Usage {
            prompt_tokens: 18_342,
            completion_tokens: completion,
            total_tokens: 18_342 + completion,
            model: usage_model,
        },
        duration,
        model: MODEL,
        provider: "anthropic",
        requested_model: "claude-sonnet-4-5",
        response_id: &response_id,
        finish_reason: "stop",
        raw_finish_reason: "end_turn",
    };
    let s = w.next_seq();
    w.emit(
        &Event::RunComplete {
            run_id: &child,
            result: result(&invocation, None, 1_200_000),
            seq: s,
        },
        s,
    );
    let s = w.next_seq();
    w.emit(
        &Event::RunComplete {
            run_id: &root,
            result: result(&root, Some(MODEL), 1_200_950),
            seq: s,
        },
        s,
    );

    let start = json!({
        "agentId": AGENT_ID,
        "kind": "llm",
        "runId": root,
        "retention": { "mode": "session" },
        "traceId": root,
        "sessionId": session,
    });
    let body = run_body_for(&output, &root, &session, completion);
    let mut agent_stream = Vec::with_capacity(body.len() + 512);
    agent_stream.extend_from_slice(b"event: run-start\ndata: ");
    serde_json::to_writer(&mut agent_stream, &start).expect("serializing to a Vec cannot fail");
    agent_stream.extend_from_slice(b"\n\nevent: run-complete\ndata: ");
    agent_stream.extend_from_slice(&body);
    agent_stream.extend_from_slice(b"\n\n");

    Transcript {
        runs_stream: w.out,
        agent_stream,
        root_run_id: root,
        deltas: n_deltas,
    }
}

/// The body of `GET /runs/{root}/stream` of a run that only streams text:
/// `run-spawn`, `n_deltas` text deltas, then `run-complete` carrying the
/// answer (`n_deltas + 2` frames of nearly the same size per delta whatever
/// `n_deltas`, unlike [`transcript`] whose tool calls weigh on short runs).
/// Returns the body and the run id.
pub fn delta_stream(n_deltas: usize) -> (Vec<u8>, String) {
    let text = Text::new();
    let mut rng = Rng::new(SEED ^ 0x00DE_17A5 ^ n_deltas as u64);
    let root = format!("run_{}", nanoid(&mut rng, 12));
    let session = format!("sess_{}", nanoid(&mut rng, 12));
    let deltas = text.deltas(&mut rng, n_deltas);
    let mut w = Writer {
        out: Vec::with_capacity(200 * n_deltas + 4096),
        seq: 0,
    };
    let s = w.next_seq();
    w.emit(
        &Event::RunSpawn {
            run_id: &root,
            parent_id: None,
            agent_id: AGENT_ID,
            seq: s,
        },
        s,
    );
    for t in &deltas {
        let s = w.next_seq();
        w.emit(
            &Event::TextDelta {
                run_id: &root,
                text: t,
                seq: s,
            },
            s,
        );
    }
    let output = deltas.concat();
    let completion = (output.chars().count() as u64 / 4).max(1);
    let s = w.next_seq();
    w.emit(
        &Event::RunComplete {
            run_id: &root,
            result: InvokeResult {
                output: &output,
                invocation_id: &root,
                session_id: &session,
                tool_calls: &[],
                usage: Usage {
                    prompt_tokens: 1_843,
                    completion_tokens: completion,
                    total_tokens: 1_843 + completion,
                    model: Some(MODEL),
                },
                duration: 4_210,
                model: MODEL,
                provider: "anthropic",
                requested_model: "claude-sonnet-4-5",
                response_id: "msg_01XFDUDYJgAACzvnptvVoYEL",
                finish_reason: "stop",
                raw_finish_reason: "end_turn",
            },
            seq: s,
        },
        s,
    );
    (w.out, root)
}

/// The body of a `POST /run/stream` whose agent sends `n_replies` `reply`
/// events (from its `reply` tool) before completing: `run-start`, the
/// replies (`id:` = their `seq`, as the worker writes them), then
/// `run-complete` carrying the whole answer. `n_replies + 2` frames; the
/// replies carry the same 1-to-8-word fragments as the text deltas of
/// [`transcript`], so 100,000 replies give about 21 MB.
pub fn agent_replies_stream(n_replies: usize) -> Vec<u8> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ReplyFrame<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        run_id: &'a str,
        session_id: &'a str,
        text: &'a str,
        ts: String,
        seq: u64,
    }
    let text = Text::new();
    let mut rng = Rng::new(SEED ^ 0x5EED_0F4E ^ n_replies as u64);
    let root = format!("run_{}", nanoid(&mut rng, 12));
    let session = format!("sess_{}", nanoid(&mut rng, 12));
    let replies = text.deltas(&mut rng, n_replies);
    let mut out = Vec::with_capacity(220 * n_replies + 64 * 1024);
    let start = json!({
        "agentId": AGENT_ID,
        "kind": "llm",
        "runId": root,
        "retention": { "mode": "session" },
        "traceId": root,
        "sessionId": session,
    });
    out.extend_from_slice(b"event: run-start\ndata: ");
    serde_json::to_writer(&mut out, &start).expect("serializing to a Vec cannot fail");
    out.extend_from_slice(b"\n\n");
    for (i, reply) in replies.iter().enumerate() {
        // `seq` counts the tree's hidden events too: the first reply of an
        // llm agent is typically 4.
        let seq = 4 + i as u64;
        let ms = i % 60_000;
        let frame = ReplyFrame {
            kind: "reply",
            run_id: &root,
            session_id: &session,
            text: reply,
            ts: format!(
                "2026-05-24T00:{:02}:{:02}.{:03}Z",
                ms / 1000 / 60 % 60,
                ms / 1000 % 60,
                ms % 1000
            ),
            seq,
        };
        out.extend_from_slice(b"event: reply\ndata: ");
        serde_json::to_writer(&mut out, &frame).expect("serializing to a Vec cannot fail");
        out.extend_from_slice(format!("\nid: {seq}\n\n").as_bytes());
    }
    let answer = replies.concat();
    let completion = (answer.chars().count() as u64 / 4).max(1);
    out.extend_from_slice(b"event: run-complete\ndata: ");
    out.extend_from_slice(&run_body_for(&answer, &root, &session, completion));
    out.extend_from_slice(b"\n\n");
    out
}

#[derive(Debug, Serialize)]
struct Mode {
    mode: &'static str,
}

#[derive(Debug, Serialize)]
struct State<'a> {
    input: Value,
    draft: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RunUsage {
    input_tokens: u64,
    output_tokens: u64,
    total_tokens: u64,
}

/// The `POST /run` response body, fields in the worker's order.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RunBody<'a> {
    output: &'a str,
    state: State<'a>,
    retention: Mode,
    run_id: &'a str,
    trace_id: &'a str,
    status: &'static str,
    requested_agent_version: &'static str,
    resolved_agent_version: &'static str,
    provider: &'static str,
    model: &'static str,
    usage: RunUsage,
    finish_reason: &'static str,
    response_id: &'static str,
    session_id: &'a str,
}

fn run_body_for(output: &str, run_id: &str, session: &str, completion: u64) -> Vec<u8> {
    let draft_end = output
        .char_indices()
        .nth(80)
        .map_or(output.len(), |(i, _)| i);
    let body = RunBody {
        output,
        state: State {
            input: json!({ "topic": "SSE client performance" }),
            draft: &output[..draft_end],
        },
        retention: Mode { mode: "session" },
        run_id,
        trace_id: run_id,
        status: "completed",
        requested_agent_version: "latest",
        resolved_agent_version: "2025-10-02T18:11:07.412Z",
        provider: "anthropic",
        model: MODEL,
        usage: RunUsage {
            input_tokens: 1843,
            output_tokens: completion,
            total_tokens: 1843 + completion,
        },
        finish_reason: "stop",
        response_id: "msg_01XFDUDYJgAACzvnptvVoYEL",
        session_id: session,
    };
    serde_json::to_vec(&body).expect("serializing to a Vec cannot fail")
}

/// A realistic `POST /run` response body (about 1.1 KB: a 560-character
/// answer plus the run's metadata).
pub fn run_body() -> Vec<u8> {
    let mut rng = Rng::new(SEED);
    let answer = Text::new().deltas(&mut rng, 120).concat();
    let end = answer
        .char_indices()
        .nth(560)
        .map_or(answer.len(), |(i, _)| i);
    run_body_for(&answer[..end], "run_V1StGXR8_Z5j", "sess_1kq9Wc7xR2pM", 142)
}

/// Byte ranges of the frames of `bytes` (each frame with its `\n\n`).
pub fn frame_ranges(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for end in memchr::memmem::find_iter(bytes, b"\n\n") {
        out.push(start..end + 2);
        start = end + 2;
    }
    out
}

/// The `event` name and `data` payload of one frame of this format
/// (`event:` line, then one `data:` line).
pub fn frame_parts(frame: &[u8]) -> Option<(&[u8], &[u8])> {
    let name = frame.strip_prefix(b"event: ")?;
    let nl = memchr::memchr(b'\n', name)?;
    let data = name[nl + 1..].strip_prefix(b"data: ")?;
    let end = memchr::memchr(b'\n', data)?;
    Some((&name[..nl], &data[..end]))
}
