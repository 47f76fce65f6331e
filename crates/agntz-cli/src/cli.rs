//! The command line: every command, flag and help text (with examples).

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Run agents, follow runs and read traces on an Agntz worker";

const MAIN_HELP: &str = "\
Examples:
  agntz login --key ar_live_...
  agntz run support \"How do I reset my password?\"
  agntz run support --input \"hello\" --stream
  echo \"Summarize this\" | agntz run summarizer
  agntz runs list --agent support --limit 20
  agntz validate ./agents
  agntz create \"Answer support questions\" -o ./agents/support.yaml
  agntz publish --agents-dir ./agents --dry-run

Auth:
  Commands read AGNTZ_API_KEY first, then ~/.agntz/config.json (written by
  `agntz login`, shared with the official CLI). The URL comes from --url where
  offered, then AGNTZ_API_URL, then AGNTZ_BASE_URL, then the config file, then
  https://api.agntz.co. AGNTZ_ALLOW_INSECURE_HTTP=1 allows a plain http:// URL
  to a host other than this machine.

Output:
  Commands that print JSON (runs, traces, eval) print the same JSON as the
  official CLI, suitable for piping to jq; add `--format table` for a human view.
  Colours only on a terminal, and never when NO_COLOR is set.

Exit codes:
  0 success, 1 the run failed or was cancelled (or another error),
  2 usage, 3 not logged in or key rejected, 4 not found,
  5 network error or timeout, 130 interrupted with Ctrl-C";

/// The `agntz` command line.
#[derive(Debug, Parser)]
#[command(
    name = "agntz",
    about = ABOUT,
    version = concat!("v", env!("CARGO_PKG_VERSION")),
    disable_version_flag = true,
    arg_required_else_help = true,
    after_help = MAIN_HELP,
    max_term_width = 100
)]
pub struct Cli {
    /// Print the version.
    #[arg(short = 'v', long = "version", action = ArgAction::Version)]
    version: Option<bool>,

    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a published agent and print its output
    Run(RunArgs),
    /// List, inspect, stream, start or cancel durable runs
    #[command(subcommand, after_help = RUNS_HELP)]
    Runs(RunsCommand),
    /// List, inspect or delete traces
    #[command(subcommand, after_help = TRACES_HELP)]
    Traces(TracesCommand),
    /// Run and inspect evals
    #[command(subcommand, after_help = EVAL_HELP)]
    Eval(EvalCommand),
    /// Publish the YAML manifests of a directory to the worker
    Publish(PublishArgs),
    /// Check manifests against the worker's validator (for CI)
    Validate(ValidateArgs),
    /// Draft a manifest from a description with the worker's agent builder
    Create(CreateArgs),
    /// Revise a manifest file as described, with the worker's agent editor
    Edit(EditArgs),
    /// Save the API key (and URL) to ~/.agntz/config.json
    #[command(after_help = LOGIN_HELP)]
    Login(LoginArgs),
    /// Remove ~/.agntz/config.json
    #[command(after_help = "Example:\n  agntz logout\n\nEnvironment variables are not changed.")]
    Logout,
    /// Show the API URL and where the key comes from
    #[command(
        after_help = "Examples:\n  agntz whoami\n  AGNTZ_API_KEY=ar_live_... agntz whoami --json"
    )]
    Whoami(WhoamiArgs),
    /// Print a shell completion script
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
}

/// Output of commands that print JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The official CLI's JSON (indented), for scripts and jq.
    Json,
    /// Aligned columns (lists) or `key value` lines (single records).
    Table,
}

/// `--format`.
#[derive(Debug, Clone, Copy, Args)]
pub struct FormatArg {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

const RUN_HELP: &str = "\
Input precedence:
  --input value > trailing words > piped stdin > empty string

Examples:
  agntz run support \"How do I reset my password?\"
  agntz run support --input \"follow-up\" --session user-42 --stream
  echo \"Summarize this\" | agntz run summarizer
  agntz run support --input - < question.txt
  agntz run support@latest --context app/user/u_42 --json \"hi\"
  agntz run describer --image ./photo.png \"What is in this picture?\"
  agntz run transcriber --audio ./call.mp3

Output:
  The output (text as is, structured output as JSON) on stdout; replies and the
  session id on stderr. With --stream, replies as they arrive ([reply] ...) then
  the output. --json prints the whole result, or one JSON object per event with
  --stream. Ctrl-C during a run cancels it on the worker (exit code 130).

Local files:
  The official CLI also runs local YAML files in-process; this one runs
  published agents only: `agntz publish`, then `agntz run <id>`.";

/// `agntz run`.
#[derive(Debug, Args)]
#[command(after_help = RUN_HELP)]
pub struct RunArgs {
    /// The agent id (`support`, or `support@<version>`)
    pub agent: String,
    /// Input words, joined with spaces
    pub words: Vec<String>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Stream the run: replies as they arrive, then the output
    #[arg(long)]
    pub stream: bool,
    /// Print the whole result as JSON (one object per event with --stream)
    #[arg(long)]
    pub json: bool,
    /// Accepted for compatibility with the official CLI (runs are always hosted)
    #[arg(long, hide = true)]
    pub remote: bool,
    /// Local runs are not supported (see below)
    #[arg(long, hide = true)]
    pub local: bool,
}

/// The run input flags shared by `run` and `runs start`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Input text; `-` reads stdin
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub input: Option<String>,
    /// Reuse a session id across calls
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
    /// A namespace grant for memory and other resources (repeatable)
    #[arg(long = "context", value_name = "GRANT")]
    pub context: Vec<String>,
    /// Pin the agent version (an ISO timestamp, an alias, or `latest`)
    #[arg(long, value_name = "V")]
    pub version: Option<String>,
    /// Send an image file with the input (uploaded first; repeatable)
    #[arg(long, value_name = "PATH")]
    pub image: Vec<PathBuf>,
    /// Send an audio file with the input (uploaded first; repeatable)
    #[arg(long, value_name = "PATH")]
    pub audio: Vec<PathBuf>,
}

const RUNS_HELP: &str = "\
Examples:
  agntz runs list --agent support --limit 20
  agntz runs list --status failed --all --format table
  agntz runs get run_123
  agntz runs stream run_123 --since 10
  agntz runs cancel run_123
  agntz runs start support \"nightly report\"

Output:
  JSON, suitable for piping to jq (`--format table` for columns).";

/// `agntz runs ...`.
#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List runs, newest first
    #[command(
        after_help = "Examples:\n  agntz runs list --agent support --limit 20\n  agntz runs list --status failed --all --format table\n  agntz runs list --cursor eyJzdGFydGVkQXQiOjF9 | jq '.rows[].id'"
    )]
    List(RunsListArgs),
    /// Show one run
    #[command(
        after_help = "Examples:\n  agntz runs get run_123\n  agntz runs get run_123 | jq .result.output\n  agntz runs get run_123 --format table"
    )]
    Get {
        /// The run id
        run_id: String,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Follow a run's events until it ends (resumes after a dropped connection)
    #[command(
        after_help = "Examples:\n  agntz runs stream run_123\n  agntz runs stream run_123 --since 10\n  agntz runs stream run_123 --format table\n\nExit code 1 when the run fails or is cancelled; Ctrl-C stops following (the run goes on)."
    )]
    Stream {
        /// The run id (a child run streams its whole tree)
        run_id: String,
        /// Only events after this sequence number
        #[arg(long, value_name = "SEQ")]
        since: Option<u64>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Cancel a run
    #[command(after_help = "Example:\n  agntz runs cancel run_123")]
    Cancel {
        /// The run id
        run_id: String,
    },
    /// Start a durable run (it goes on without this connection) and print it
    Start(StartArgs),
}

/// The list filters of `runs list` and `traces list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this agent
    #[arg(long, value_name = "ID")]
    pub agent: Option<String>,
    /// Only this status (e.g. running, completed, failed, cancelled)
    #[arg(long, value_name = "S")]
    pub status: Option<String>,
    /// Page size (the worker's default is 50)
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,
    /// Continue after the page that returned this cursor
    #[arg(long, value_name = "C")]
    pub cursor: Option<String>,
    /// Follow every page and print all rows
    #[arg(long, conflicts_with = "cursor")]
    pub all: bool,
    #[command(flatten)]
    pub format: FormatArg,
}

/// `agntz runs list`.
#[derive(Debug, Args)]
pub struct RunsListArgs {
    #[command(flatten)]
    pub list: ListArgs,
}

/// `agntz runs start`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  agntz runs start support \"nightly report\"\n  agntz runs start support --input - --session s1 < request.txt\n  id=$(agntz runs start support hi | jq -r .id) && agntz runs stream \"$id\""
)]
pub struct StartArgs {
    /// The agent id
    pub agent: String,
    /// Input words, joined with spaces
    pub words: Vec<String>,
    #[command(flatten)]
    pub input: InputArgs,
}

const TRACES_HELP: &str = "\
Examples:
  agntz traces list --agent support --status failed --limit 10
  agntz traces get trace_123
  agntz traces delete trace_123

Output:
  list/get print JSON (`--format table` for columns). delete prints a
  confirmation message.";

/// `agntz traces ...`.
#[derive(Debug, Subcommand)]
pub enum TracesCommand {
    /// List traces, newest first
    #[command(
        after_help = "Examples:\n  agntz traces list --agent support --status failed --limit 10\n  agntz traces list --all --format table"
    )]
    List(ListArgs),
    /// Show one trace with its spans
    #[command(
        after_help = "Examples:\n  agntz traces get trace_123\n  agntz traces get trace_123 | jq '.spans | length'"
    )]
    Get {
        /// The trace id (the root run id)
        trace_id: String,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Delete a trace
    #[command(after_help = "Example:\n  agntz traces delete trace_123")]
    Delete {
        /// The trace id
        trace_id: String,
    },
}

const EVAL_HELP: &str = "\
Examples:
  agntz eval run support-quality --dataset refund-cases
  agntz eval run support-quality --wait
  agntz eval runs --agent support --limit 10
  agntz eval scores --eval support-quality --dataset refund-cases
  agntz eval get support-quality
  agntz eval cancel evalrun_123

Output:
  JSON, suitable for piping to jq (`--format table` for columns).";

/// `agntz eval ...`.
#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Start an eval run
    #[command(
        after_help = "Examples:\n  agntz eval run support-quality --dataset refund-cases\n  agntz eval run support-quality --version latest --wait\n\nWith --wait the exit code is 1 unless the eval run completed and passed."
    )]
    Run(EvalRunArgs),
    /// List eval runs, newest first
    #[command(
        after_help = "Examples:\n  agntz eval runs --agent support --limit 10\n  agntz eval runs --eval support-quality --all --format table"
    )]
    Runs(EvalRunsArgs),
    /// Cancel an eval run
    #[command(after_help = "Example:\n  agntz eval cancel evalrun_123")]
    Cancel {
        /// The eval run id
        run_id: String,
    },
    /// List the latest scores
    #[command(
        after_help = "Examples:\n  agntz eval scores --eval support-quality --dataset refund-cases\n  agntz eval scores --agent support --format table"
    )]
    Scores(EvalScoresArgs),
    /// Show an eval definition
    #[command(after_help = "Example:\n  agntz eval get support-quality")]
    Get {
        /// The eval id
        eval_id: String,
        #[command(flatten)]
        format: FormatArg,
    },
}

/// `agntz eval run`.
#[derive(Debug, Args)]
pub struct EvalRunArgs {
    /// The eval id
    pub eval_id: String,
    /// The dataset (default: the eval's default dataset)
    #[arg(long, value_name = "ID")]
    pub dataset: Option<String>,
    /// Pin the agent version
    #[arg(long, value_name = "V")]
    pub version: Option<String>,
    /// Wait for the eval run to end, with a progress indicator; exit 1 unless it passed
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub format: FormatArg,
}

/// `agntz eval runs`.
#[derive(Debug, Args)]
pub struct EvalRunsArgs {
    /// Only this agent
    #[arg(long, value_name = "ID")]
    pub agent: Option<String>,
    /// Only this eval
    #[arg(long = "eval", value_name = "ID")]
    pub eval_id: Option<String>,
    /// Only this dataset
    #[arg(long, value_name = "ID")]
    pub dataset: Option<String>,
    /// Only this status
    #[arg(long, value_name = "S")]
    pub status: Option<String>,
    /// Page size
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,
    /// Continue after the page that returned this cursor
    #[arg(long, value_name = "C")]
    pub cursor: Option<String>,
    /// Follow every page and print all rows
    #[arg(long, conflicts_with = "cursor")]
    pub all: bool,
    #[command(flatten)]
    pub format: FormatArg,
}

/// `agntz eval scores`.
#[derive(Debug, Args)]
pub struct EvalScoresArgs {
    /// Only this agent
    #[arg(long, value_name = "ID")]
    pub agent: Option<String>,
    /// Only this eval
    #[arg(long = "eval", value_name = "ID")]
    pub eval_id: Option<String>,
    /// Only this dataset
    #[arg(long, value_name = "ID")]
    pub dataset: Option<String>,
    /// Only this resolved agent version
    #[arg(long, value_name = "V")]
    pub version: Option<String>,
    /// Only this status
    #[arg(long, value_name = "S")]
    pub status: Option<String>,
    #[command(flatten)]
    pub format: FormatArg,
}

const PUBLISH_HELP: &str = "\
Publishes every .yaml/.yml file below the agents directory in one import call
(each with its sourcePath). A manifest the worker rejects is printed with its
file, and nothing is written.

Examples:
  agntz publish --dry-run
  agntz publish --agents-dir ./config/agents --yes
  agntz publish --skip-existing --json

Not supported:
  The official CLI's `publish sessions` and `publish memory` copy local
  SQLite stores of its TypeScript runtime; this CLI has no local runtime.";

/// What `publish` publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PublishTarget {
    /// The YAML manifests of the agents directory.
    Agents,
    /// Not supported (local SQLite sessions of the TypeScript runtime).
    Sessions,
    /// Not supported (local SQLite memory of the TypeScript runtime).
    Memory,
}

/// `agntz publish`.
#[derive(Debug, Args)]
#[command(after_help = PUBLISH_HELP)]
pub struct PublishArgs {
    /// What to publish
    #[arg(value_enum, default_value_t = PublishTarget::Agents)]
    pub target: PublishTarget,
    /// The directory searched for manifests
    #[arg(long, value_name = "DIR", default_value = "agents")]
    pub agents_dir: PathBuf,
    /// Validate only; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Leave agents that already exist as they are
    #[arg(long, conflicts_with = "fail_existing")]
    pub skip_existing: bool,
    /// Fail if an agent already exists (instead of adding a version)
    #[arg(long)]
    pub fail_existing: bool,
    /// The worker URL for this call
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Print the worker's response as JSON
    #[arg(long)]
    pub json: bool,
}

const VALIDATE_HELP: &str = "\
Checks every .yaml/.yml file below PATH (or the file PATH) with the worker's
validator: structure, template variables in scope, and look-ups in your
tenant (referenced agents, local tools, skills). Nothing is saved. The exit
code is 1 when any manifest has an error: usable as a CI step.

Examples:
  agntz validate
  agntz validate ./config/agents --strict
  agntz validate agents/support.yaml --json | jq '.results[].errors'";

/// `agntz validate`.
#[derive(Debug, Args)]
#[command(after_help = VALIDATE_HELP)]
pub struct ValidateArgs {
    /// A manifest file, or a directory searched for .yaml/.yml files
    #[arg(default_value = "agents")]
    pub path: PathBuf,
    /// Unreachable MCP servers and HTTP tool endpoints are errors, not warnings
    #[arg(long)]
    pub strict: bool,
    /// Print the worker's reports as JSON
    #[arg(long)]
    pub json: bool,
}

const CREATE_HELP: &str = "\
Calls the worker's agent builder (several model calls: it can take a while)
and writes a YAML manifest. Needs no login; the builder allows 10 requests an
hour per client address.

Examples:
  agntz create \"Answer support questions in a concise tone\" -o ./agents/support.yaml
  agntz create \"Add order-status lookup over HTTP\" --current-manifest ./agents/support.yaml -o ./agents/support.yaml
  agntz create \"Classify incoming leads\" --stdout > ./agents/lead-classifier.yaml

Next:
  agntz publish && agntz run <id> \"...\"";

/// `agntz create`.
#[derive(Debug, Args)]
#[command(after_help = CREATE_HELP)]
pub struct CreateArgs {
    /// What the agent should do (words are joined with spaces)
    #[arg(required = true)]
    pub description: Vec<String>,
    /// Where to write the YAML.
    #[arg(
        short = 'o',
        long,
        value_name = "PATH",
        conflicts_with = "stdout",
        help = "Write the YAML here (default ./agents/<generated-id>.yaml)"
    )]
    pub output: Option<PathBuf>,
    /// Print the YAML to stdout instead of writing a file
    #[arg(long)]
    pub stdout: bool,
    /// Ask the builder to revise this manifest
    #[arg(long, value_name = "PATH")]
    pub current_manifest: Option<PathBuf>,
    /// The worker URL for this call
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
}

const EDIT_HELP: &str = "\
Calls the worker's agent editor with the manifest and the change; it returns
the whole revised manifest, printed to stdout unless --write or -o is given.
Sends the API key (the editor requires it; the official CLI omits it).

Examples:
  agntz edit ./agents/support.yaml \"make the tone more concise\" --write
  agntz edit ./agents/pipeline.yaml \"include urgency in the output\" --select classifier -o ./agents/pipeline.yaml
  agntz edit ./agents/pipeline.yaml \"shorter answers\" --select steps[1]
  agntz edit ./agents/support.yaml \"add an account id input\" > ./agents/support.next.yaml";

/// `agntz edit`.
#[derive(Debug, Args)]
#[command(after_help = EDIT_HELP)]
pub struct EditArgs {
    /// The manifest to revise
    pub file: PathBuf,
    /// The change (words are joined with spaces)
    #[arg(required = true)]
    pub change: Vec<String>,
    /// Write the revised YAML here
    #[arg(short = 'o', long, value_name = "PATH", conflicts_with = "write")]
    pub output: Option<PathBuf>,
    /// Overwrite the input manifest
    #[arg(long)]
    pub write: bool,
    /// The block to focus on.
    #[arg(
        long,
        value_name = "BLOCK",
        help = "Focus on one block: an agent id or ref in the manifest, or a path such as steps[1]"
    )]
    pub select: Option<String>,
    /// The worker URL for this call
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
}

const LOGIN_HELP: &str = "\
Examples:
  agntz login --key ar_live_...
  agntz login --key ar_live_... --url https://agntz-worker.example.com

The key is written to ~/.agntz/config.json with owner-only permissions (the
file the official CLI uses). AGNTZ_API_KEY and AGNTZ_API_URL override it.";

/// `agntz login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// API key from agntz.co or your self-hosted dashboard
    #[arg(long, value_name = "KEY")]
    pub key: String,
    /// Worker URL
    #[arg(
        long,
        value_name = "URL",
        help = "Worker URL (default https://api.agntz.co)"
    )]
    pub url: Option<String>,
}

/// `agntz whoami`.
#[derive(Debug, Args)]
pub struct WhoamiArgs {
    /// Print as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

const COMPLETIONS_HELP: &str = "\
Examples:
  agntz completions bash > ~/.local/share/bash-completion/completions/agntz
  agntz completions zsh > \"${fpath[1]}/_agntz\"
  agntz completions fish > ~/.config/fish/completions/agntz.fish";

/// `agntz completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
