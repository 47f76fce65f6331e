//! `agntz publish`: one import call for every manifest below the directory.

mod common;

use common::{last_body, Env};
use serde_json::json;

const SUPPORT: &str =
    "id: support\nname: Support bot\nkind: llm\nmodel:\n  provider: openai\n  name: gpt-5\n";
const TRIAGE: &str = "id: triage\nkind: llm\nmodel:\n  provider: openai\n  name: gpt-5\n";

fn with_manifests() -> Env {
    let env = Env::new();
    env.write("agents/support.yaml", SUPPORT);
    env.write("agents/team/triage.yml", TRIAGE);
    env.write("agents/README.md", "not a manifest");
    env
}

fn imports(env: &Env) -> usize {
    env.worker
        .requests()
        .iter()
        .filter(|r| r.path_only() == "/agents/import")
        .count()
}

#[test]
fn publishes_every_manifest_in_one_import_with_its_source_path() {
    let env = with_manifests();
    let out = env.run(&["publish", "--yes"]);
    out.assert_code(0);
    assert!(out.stderr.contains("create"), "{}", out.stderr);
    assert!(out.stderr.contains("agents/support.yaml"), "{}", out.stderr);
    assert!(
        out.stderr.contains("Published 2 manifests"),
        "{}",
        out.stderr
    );
    assert_eq!(imports(&env), 1);
    let body = last_body(&env.worker, "/agents/import");
    assert_eq!(
        body,
        json!({"agents": [
            {"manifest": SUPPORT, "sourcePath": "agents/support.yaml"},
            {"manifest": TRIAGE, "sourcePath": "agents/team/triage.yml"},
        ]})
    );

    // Published agents run.
    let out = env.run(&["run", "support", "hi"]);
    out.assert_code(0);
    assert_eq!(out.stdout, "ECHO: hi\n");

    // Again: a new version of each, printed as the worker's JSON.
    let out = env.run(&["publish", "agents", "--yes", "--json"]);
    out.assert_code(0);
    let result = out.json();
    assert_eq!(result["counts"], json!({"version": 2}));
    assert_eq!(result["results"][1]["sourcePath"], "agents/team/triage.yml");
}

#[test]
fn dry_run_validates_without_writing_and_needs_no_confirmation() {
    let env = with_manifests();
    let out = env.run(&["publish", "--dry-run", "--json"]);
    out.assert_code(0);
    assert_eq!(out.json()["dryRun"], true);
    assert_eq!(last_body(&env.worker, "/agents/import")["dryRun"], true);
    env.run(&["run", "support", "hi"]).assert_code(4);
}

#[test]
fn conflict_policies_map_to_on_conflict() {
    let env = with_manifests();
    env.run(&["publish", "--yes"]).assert_code(0);

    let out = env.run(&["publish", "--yes", "--skip-existing", "--json"]);
    out.assert_code(0);
    assert_eq!(
        last_body(&env.worker, "/agents/import")["onConflict"],
        "skip"
    );
    assert_eq!(out.json()["counts"], json!({"skip": 2}));

    let out = env.run(&["publish", "--yes", "--fail-existing"]);
    out.assert_code(1);
    assert_eq!(
        last_body(&env.worker, "/agents/import")["onConflict"],
        "fail"
    );
    assert!(out.stderr.contains("already exists"), "{}", out.stderr);
    assert!(out.stderr.contains("--skip-existing"), "{}", out.stderr);

    env.run(&["publish", "--skip-existing", "--fail-existing", "--yes"])
        .assert_code(2);
}

#[test]
fn a_rejected_manifest_is_named_by_its_file() {
    let env = with_manifests();
    env.write("agents/broken.yaml", "id: broken\nkind: llm\n");
    let out = env.run(&["publish", "--yes"]);
    out.assert_code(1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("agents/broken.yaml: "),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("model"), "{}", out.stderr);
    env.run(&["run", "support", "hi"]).assert_code(4);
}

#[test]
fn publishing_unattended_needs_yes() {
    let env = with_manifests();
    let out = env.run(&["publish"]);
    out.assert_code(2);
    assert!(out.stderr.contains("--yes"), "{}", out.stderr);
    assert_eq!(imports(&env), 0);
}

#[test]
fn agents_dir_is_searched_and_an_empty_or_missing_one_is_a_usage_error() {
    let env = with_manifests();
    env.write("config/agents/support.yaml", SUPPORT);
    let out = env.run(&[
        "publish",
        "--agents-dir",
        "config/agents",
        "--yes",
        "--json",
    ]);
    out.assert_code(0);
    assert_eq!(
        out.json()["results"][0]["sourcePath"],
        "config/agents/support.yaml"
    );

    env.write("empty/notes.txt", "");
    let out = env.run(&["publish", "--agents-dir", "empty", "--yes"]);
    out.assert_code(2);
    assert!(
        out.stderr.contains("no .yaml or .yml manifests"),
        "{}",
        out.stderr
    );
    env.run(&["publish", "--agents-dir", "missing", "--yes"])
        .assert_code(2);
}

#[test]
fn url_flag_overrides_the_environment() {
    let env = with_manifests();
    let mut cmd = env.cmd(&["publish", "--yes", "--url", &env.worker.base_url()]);
    cmd.env("AGNTZ_API_URL", "http://127.0.0.1:9");
    common::finish(cmd).assert_code(0);
    assert_eq!(imports(&env), 1);
}

#[test]
fn help_says_sessions_and_memory_are_not_supported() {
    let env = Env::new();
    let out = env.run(&["publish", "--help"]);
    out.assert_code(0);
    assert!(out.stdout.contains("publish sessions"), "{}", out.stdout);
    assert!(out.stdout.contains("publish memory"), "{}", out.stdout);
    assert!(out.stdout.contains("Not supported"), "{}", out.stdout);
}
