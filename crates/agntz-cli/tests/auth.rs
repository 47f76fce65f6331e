//! `login`, `logout`, `whoami`, the config file, and the errors of a
//! missing or rejected key, an unreachable worker and bad usage.

mod common;

use common::{finish, Env};
use serde_json::Value;

#[test]
fn login_writes_the_shared_config_file_owner_only_and_commands_use_it() {
    let env = Env::new();
    let url = env.worker.base_url();
    let out = finish(env.bare(&["login", "--key", env.worker.api_key(), "--url", &url]));
    out.assert_code(0);
    assert!(
        out.stderr.contains("Saved credentials to"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(&url), "{}", out.stderr);

    let path = env.config_path();
    let file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(file["apiKey"], env.worker.api_key());
    assert_eq!(file["apiUrl"], url.as_str());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "config file mode {mode:o}");
    }

    // No key in the environment: the file's key and URL reach the worker.
    let out = finish(env.bare(&["runs", "list"]));
    out.assert_code(0);
    assert!(out.json()["rows"].is_array());
    let auth = env
        .worker
        .requests()
        .last()
        .unwrap()
        .header("authorization")
        .map(str::to_owned);
    assert_eq!(
        auth.as_deref(),
        Some(format!("Bearer {}", env.worker.api_key()).as_str())
    );
}

#[test]
fn login_keeps_other_keys_and_the_saved_url() {
    let env = Env::new();
    env.write(
        ".agntz/config.json",
        r#"{"apiKey": "old", "apiUrl": "https://self-hosted.example", "theme": "dark"}"#,
    );
    finish(env.bare(&["login", "--key", "ar_live_new_key_1234"])).assert_code(0);
    let file: Value = serde_json::from_slice(&std::fs::read(env.config_path()).unwrap()).unwrap();
    assert_eq!(file["apiKey"], "ar_live_new_key_1234");
    assert_eq!(file["apiUrl"], "https://self-hosted.example");
    assert_eq!(file["theme"], "dark");
}

#[test]
fn whoami_shows_sources_and_at_most_the_last_four_characters_of_the_key() {
    let env = Env::new();
    let key = "ar_live_secretsecretWXYZ";
    finish(env.bare(&["login", "--key", key, "--url", "https://one.example"])).assert_code(0);

    let out = finish(env.bare(&["whoami"]));
    out.assert_code(0);
    assert!(
        out.stderr.contains("API URL: https://one.example"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("…WXYZ"), "{}", out.stderr);
    assert!(out.stderr.contains("config.json"), "{}", out.stderr);
    assert!(!out.stderr.contains("secret"), "key leaked: {}", out.stderr);
    assert!(
        !out.stderr.contains("ar_live"),
        "key prefix leaked: {}",
        out.stderr
    );

    let out = finish(env.bare(&["whoami", "--json"]));
    out.assert_code(0);
    let who = out.json();
    assert_eq!(who["apiKey"], "…WXYZ");
    assert_eq!(who["loggedIn"], true);
    assert!(who["apiKeySource"]
        .as_str()
        .unwrap()
        .contains("config.json"));
    assert!(!out.stdout.contains("secret"));

    // The environment comes first: AGNTZ_API_KEY, AGNTZ_API_URL, then AGNTZ_BASE_URL.
    let mut cmd = env.bare(&["whoami", "--json"]);
    cmd.env("AGNTZ_API_KEY", "ar_live_from_env_key_9876")
        .env("AGNTZ_BASE_URL", "https://base.example");
    let who = finish(cmd).json();
    assert_eq!(who["apiKey"], "…9876");
    assert_eq!(who["apiKeySource"], "from AGNTZ_API_KEY");
    assert_eq!(who["apiUrl"], "https://base.example");
    assert_eq!(who["apiUrlSource"], "from AGNTZ_BASE_URL");

    let mut cmd = env.bare(&["whoami", "--json"]);
    cmd.env("AGNTZ_API_URL", "https://api-url.example/")
        .env("AGNTZ_BASE_URL", "https://base.example");
    let who = finish(cmd).json();
    assert_eq!(who["apiUrl"], "https://api-url.example");
    assert_eq!(who["apiUrlSource"], "from AGNTZ_API_URL");
}

#[test]
fn logout_removes_the_file_and_then_commands_ask_for_a_login() {
    let env = Env::new();
    finish(env.bare(&["login", "--key", env.worker.api_key()])).assert_code(0);
    assert!(env.config_path().exists());

    let out = finish(env.bare(&["logout"]));
    out.assert_code(0);
    assert!(out.stderr.contains("Removed"), "{}", out.stderr);
    assert!(!env.config_path().exists());

    let out = finish(env.bare(&["logout"]));
    out.assert_code(0);
    assert!(out.stderr.contains("Not logged in."), "{}", out.stderr);

    let out = finish(env.bare(&["whoami"]));
    out.assert_code(3);
    assert!(out.stderr.contains("Not logged in"), "{}", out.stderr);
    assert!(out.stderr.contains("agntz login"), "{}", out.stderr);

    let out = finish(env.bare(&["runs", "list"]));
    out.assert_code(3);
    assert!(out.stderr.contains("not logged in"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("run `agntz login --key <key>` or set AGNTZ_API_KEY"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    assert!(
        env.worker.requests().is_empty(),
        "nothing is sent without a key"
    );
}

#[test]
fn a_rejected_key_exits_3_with_the_login_hint() {
    let env = Env::new();
    let mut cmd = env.bare(&["runs", "list"]);
    cmd.env("AGNTZ_API_KEY", "ar_live_wrong_key_0000")
        .env("AGNTZ_API_URL", env.worker.base_url());
    let out = finish(cmd);
    out.assert_code(3);
    assert_eq!(out.stderr.lines().count(), 1, "one line: {}", out.stderr);
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    assert!(out.stderr.contains("401"), "{}", out.stderr);
    assert!(out.stderr.contains("agntz login"), "{}", out.stderr);
    assert!(
        !out.stderr.contains("wrong_key"),
        "key leaked: {}",
        out.stderr
    );
}

#[test]
fn an_unreachable_worker_exits_5_with_a_hint_naming_the_url() {
    let env = Env::new();
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut cmd = env.bare(&["runs", "get", "run_1"]);
    cmd.env("AGNTZ_API_KEY", env.worker.api_key())
        .env("AGNTZ_API_URL", &url);
    let out = finish(cmd);
    out.assert_code(5);
    assert_eq!(out.stderr.lines().count(), 1, "one line: {}", out.stderr);
    assert!(out.stderr.contains(&url), "{}", out.stderr);
    assert!(out.stderr.contains("hint:"), "{}", out.stderr);
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    finish(env.cmd(&["runs", "list", "--no-such-flag"])).assert_code(2);
    finish(env.cmd(&["login"])).assert_code(2);
    finish(env.cmd(&["frobnicate"])).assert_code(2);
    let out = finish(env.cmd(&["publish", "sessions"]));
    out.assert_code(2);
    assert!(out.stderr.contains("not supported"), "{}", out.stderr);
    let out = finish(env.cmd(&["-v"]));
    out.assert_code(0);
    assert_eq!(
        out.stdout.trim(),
        format!("agntz v{}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn plain_http_to_another_host_is_refused_unless_allowed() {
    let env = Env::new();
    let mut cmd = env.bare(&["runs", "list"]);
    cmd.env("AGNTZ_API_KEY", env.worker.api_key())
        .env("AGNTZ_API_URL", "http://worker.example.invalid");
    let out = finish(cmd);
    out.assert_code(2);
    assert!(
        out.stderr.contains("AGNTZ_ALLOW_INSECURE_HTTP=1"),
        "{}",
        out.stderr
    );
}
