//! `agntz validate`, `agntz create` and `agntz edit` against the mock's
//! validator, agent builder and agent editor.

mod common;

use common::{finish, last_body, Env};
use serde_json::json;

const SUPPORT: &str = "id: support\nkind: llm\nmodel:\n  provider: openai\n  name: gpt-5\ninstruction: Answer support questions.\n";
const PIPELINE: &str = "id: pipeline\nkind: sequential\nsteps:\n  - agent:\n      id: classifier\n      kind: llm\n      model:\n        provider: openai\n        name: gpt-5\n      instruction: Classify.\n  - agent:\n      id: writer\n      kind: llm\n      model:\n        provider: openai\n        name: gpt-5\n      instruction: Write.\n";

#[test]
fn validate_reports_each_manifest_and_exits_1_on_errors() {
    let env = Env::new();
    env.write("agents/support.yaml", SUPPORT);
    let out = env.run(&["validate"]);
    out.assert_code(0);
    assert!(
        out.stdout.contains("✓ agents/support.yaml"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("1 manifests: 1 valid, 0 with errors"),
        "{}",
        out.stdout
    );
    assert_eq!(
        last_body(&env.worker, "/validate"),
        json!({"manifest": SUPPORT})
    );

    env.write(
        "agents/team/broken.yml",
        "id: broken\nkind: sequential\nsteps:\n  - ref: nope-agent\n",
    );
    env.write("agents/no-model.yaml", "id: no-model\nkind: llm\n");
    let out = env.run(&["validate", "agents", "--strict"]);
    out.assert_code(1);
    assert!(
        out.stdout.contains("✗ agents/team/broken.yml"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("[external] steps[0].ref: Referenced agent 'nope-agent' not found"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("✗ agents/no-model.yaml"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("3 manifests: 1 valid, 2 with errors"),
        "{}",
        out.stdout
    );
    assert_eq!(last_body(&env.worker, "/validate")["strict"], true);

    let out = env.run(&["validate", "--json"]);
    out.assert_code(1);
    let report = out.json();
    assert_eq!(report["valid"], false);
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let broken = results
        .iter()
        .find(|r| r["sourcePath"] == "agents/team/broken.yml")
        .unwrap();
    assert_eq!(broken["valid"], false);
    assert_eq!(broken["errors"][0]["level"], "external");

    // One file; a published agent makes the reference valid.
    env.write(
        "extra/nope.yaml",
        "id: nope-agent\nkind: llm\nmodel:\n  provider: openai\n  name: gpt-5\n",
    );
    env.run(&["publish", "--agents-dir", "extra", "--yes"])
        .assert_code(0);
    let out = env.run(&["validate", "agents/team/broken.yml"]);
    out.assert_code(0);
}

#[test]
fn create_writes_the_builders_manifest_without_a_login() {
    let env = Env::new();
    let mut cmd = env.bare(&["create", "Greet", "the", "user", "warmly"]);
    cmd.env("AGNTZ_API_URL", env.worker.base_url());
    let out = finish(cmd);
    out.assert_code(0);
    let path = env.cwd.join("agents/greet-the-user-warmly.yaml");
    let yaml = std::fs::read_to_string(&path).expect("written to agents/<id>.yaml");
    assert!(yaml.starts_with("id: greet-the-user-warmly\n"), "{yaml}");
    assert!(
        out.stderr
            .contains("Wrote agents/greet-the-user-warmly.yaml"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("id: greet-the-user-warmly"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("agntz publish && agntz run greet-the-user-warmly"),
        "{}",
        out.stderr
    );
    let request = env
        .worker
        .requests()
        .into_iter()
        .find(|r| r.path == "/build-agent")
        .unwrap();
    assert_eq!(
        request.header("authorization"),
        None,
        "the builder is public"
    );
    assert_eq!(
        request.body_json().unwrap(),
        json!({"description": "Greet the user warmly"})
    );

    let out = env.run(&["create", "Classify leads", "--stdout"]);
    out.assert_code(0);
    assert!(
        out.stdout.starts_with("id: classify-leads\n"),
        "{}",
        out.stdout
    );

    env.write("agents/support.yaml", SUPPORT);
    let out = env.run(&[
        "create",
        "Be brief",
        "--current-manifest",
        "agents/support.yaml",
        "-o",
        "out/support.yaml",
    ]);
    out.assert_code(0);
    let revised = std::fs::read_to_string(env.cwd.join("out/support.yaml")).unwrap();
    assert!(revised.contains("Be brief"), "{revised}");
    assert_eq!(
        last_body(&env.worker, "/build-agent")["currentManifest"],
        SUPPORT
    );
}

#[test]
fn create_reports_the_builders_failure_and_rate_limit() {
    let env = Env::new();
    let out = env.run(&["create", "FAIL_LLM please"]);
    out.assert_code(1);
    assert!(out.stderr.contains("No object generated"), "{}", out.stderr);
    assert!(!env.cwd.join("agents").exists());

    // Ten requests an hour per client: the first one above counts.
    for _ in 0..9 {
        env.run(&["create", "hello", "--stdout"]).assert_code(0);
    }
    let out = env.run(&["create", "hello", "--stdout"]);
    out.assert_code(1);
    assert!(out.stderr.contains("rate limited"), "{}", out.stderr);
    assert!(out.stderr.contains("retry in"), "{}", out.stderr);
}

#[test]
fn edit_prints_writes_or_overwrites_the_revised_manifest() {
    let env = Env::new();
    let file = env.write("agents/support.yaml", SUPPORT);
    let out = env.run(&["edit", "agents/support.yaml", "Answer", "in", "French"]);
    out.assert_code(0);
    assert!(out.stdout.contains("Answer in French"), "{}", out.stdout);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        SUPPORT,
        "unchanged without --write"
    );
    let request = env
        .worker
        .requests()
        .into_iter()
        .find(|r| r.path == "/edit-agent")
        .unwrap();
    assert!(
        request.header("authorization").is_some(),
        "the editor needs the key"
    );
    assert_eq!(
        request.body_json().unwrap(),
        json!({"currentManifest": SUPPORT, "changeDescription": "Answer in French"})
    );

    let out = env.run(&[
        "edit",
        "agents/support.yaml",
        "Be brief",
        "-o",
        "next/support.yaml",
    ]);
    out.assert_code(0);
    assert!(std::fs::read_to_string(env.cwd.join("next/support.yaml"))
        .unwrap()
        .contains("Be brief"));
    assert!(
        out.stderr.contains("Wrote next/support.yaml"),
        "{}",
        out.stderr
    );

    env.run(&["edit", "agents/support.yaml", "Be kind", "--write"])
        .assert_code(0);
    assert!(std::fs::read_to_string(&file).unwrap().contains("Be kind"));

    env.run(&[
        "edit",
        "agents/support.yaml",
        "x",
        "--write",
        "-o",
        "y.yaml",
    ])
    .assert_code(2);
}

#[test]
fn edit_select_focuses_a_block_by_id_or_path() {
    let env = Env::new();
    env.write("agents/pipeline.yaml", PIPELINE);
    let out = env.run(&[
        "edit",
        "agents/pipeline.yaml",
        "Use labels",
        "--select",
        "writer",
    ]);
    out.assert_code(0);
    assert_eq!(
        last_body(&env.worker, "/edit-agent")["selection"],
        json!({"agentPath": ["steps", 1, "agent"], "stepPath": ["steps", 1]})
    );
    let edited: serde_json::Value = serde_yaml_ng::from_str(&out.stdout).unwrap();
    assert!(edited["steps"][1]["agent"]["instruction"]
        .as_str()
        .unwrap()
        .contains("Use labels"));
    assert!(!edited["steps"][0]["agent"]["instruction"]
        .as_str()
        .unwrap()
        .contains("Use labels"));

    env.run(&["edit", "agents/pipeline.yaml", "x", "--select", "steps[0]"])
        .assert_code(0);
    assert_eq!(
        last_body(&env.worker, "/edit-agent")["selection"],
        json!({"agentPath": ["steps", 0, "agent"], "stepPath": ["steps", 0]})
    );

    let out = env.run(&["edit", "agents/pipeline.yaml", "x", "--select", "nobody"]);
    out.assert_code(2);
    assert!(
        out.stderr.contains("no block with id or ref \"nobody\""),
        "{}",
        out.stderr
    );
}

#[test]
fn edit_needs_a_login_and_reports_failures() {
    let env = Env::new();
    env.write("agents/support.yaml", SUPPORT);
    let mut cmd = env.bare(&["edit", "agents/support.yaml", "x"]);
    cmd.env("AGNTZ_API_URL", env.worker.base_url());
    finish(cmd).assert_code(3);

    let out = env.run(&["edit", "agents/support.yaml", "FAIL_LLM"]);
    out.assert_code(1);
    assert!(out.stderr.contains("No object generated"), "{}", out.stderr);
    env.run(&["edit", "agents/missing.yaml", "x"])
        .assert_code(2);
}
