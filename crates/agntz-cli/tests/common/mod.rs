//! Runs the real `agntz` binary against the mock worker on 127.0.0.1, in a
//! temporary HOME, with a bounded wait.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use agntz_testkit::TestWorker;
use serde_json::Value;

/// Longest any single command may take before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// A mock worker and an empty home directory.
pub struct Env {
    pub worker: TestWorker,
    pub home: tempfile::TempDir,
    /// The working directory of commands (the home directory unless set).
    pub cwd: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let worker = TestWorker::start_blocking().expect("start the mock worker");
        let home = tempfile::tempdir().expect("temporary home");
        let cwd = home.path().to_path_buf();
        Env { worker, home, cwd }
    }

    /// `agntz ARGS` logged in through the environment (key and URL of the
    /// mock), no colours, stdin empty.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.bare(args);
        cmd.env("AGNTZ_API_KEY", self.worker.api_key())
            .env("AGNTZ_API_URL", self.worker.base_url());
        cmd
    }

    /// `agntz ARGS` with no credentials in the environment (only HOME).
    pub fn bare(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_agntz"));
        cmd.args(args)
            .current_dir(&self.cwd)
            .env_remove("AGNTZ_API_KEY")
            .env_remove("AGNTZ_API_URL")
            .env_remove("AGNTZ_BASE_URL")
            .env_remove("AGNTZ_ALLOW_INSECURE_HTTP")
            .env("HOME", self.home.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Runs `agntz ARGS` (logged in) to the end.
    pub fn run(&self, args: &[&str]) -> Out {
        finish(self.cmd(args))
    }

    /// The config file path.
    pub fn config_path(&self) -> PathBuf {
        self.home.path().join(".agntz").join("config.json")
    }

    /// Writes `text` to `relative` below the working directory.
    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.cwd.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Out {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}): {}", self.stdout))
    }

    /// Every JSON value on stdout (indented or one per line).
    pub fn json_values(&self) -> Vec<Value> {
        serde_json::Deserializer::from_str(&self.stdout)
            .into_iter::<Value>()
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("stdout is not a JSON sequence ({e}): {}", self.stdout))
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "exit code\nstdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs `cmd` to the end (killed after [`TIMEOUT`]).
pub fn finish(cmd: Command) -> Out {
    finish_with_stdin(cmd, None)
}

/// Runs `cmd` with `stdin` piped in.
pub fn finish_with_stdin(mut cmd: Command, stdin: Option<&str>) -> Out {
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("spawn agntz");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(text.as_bytes()).unwrap();
    }
    wait(child)
}

/// Waits for `child` (killed after [`TIMEOUT`]) and collects its output
/// (read while it runs, so a full pipe never blocks it).
pub fn wait(mut child: Child) -> Out {
    let stdout = reader(child.stdout.take());
    let stderr = reader(child.stderr.take());
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("agntz did not finish within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Out {
        code: status.code(),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn reader(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            pipe.read_to_string(&mut text).expect("output is UTF-8");
        }
        text
    })
}

/// The JSON body of the last request to `path` (exact path, query ignored).
pub fn last_body(worker: &TestWorker, path: &str) -> Value {
    worker
        .requests()
        .iter()
        .rev()
        .find(|r| r.path_only() == path)
        .and_then(|r| r.body_json())
        .unwrap_or_else(|| panic!("no JSON request to {path}"))
}

/// Polls `check` every 20 ms for up to 10 s.
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting for: {what}");
}

/// Whether `path` exists.
pub fn exists(path: &Path) -> bool {
    path.exists()
}
