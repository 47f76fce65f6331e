//! Every `--help` has examples; completions for bash, zsh and fish.

mod common;

use common::Env;

/// The subcommands listed under `Commands:` of a help text.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_help_has_examples() {
    let env = Env::new();
    let mut pending = vec![Vec::<String>::new()];
    let mut seen = 0;
    while let Some(path) = pending.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = env.run(&args);
        out.assert_code(0);
        assert!(
            out.stdout.contains("Example"),
            "`agntz {}` has no examples:\n{}",
            path.join(" "),
            out.stdout
        );
        for sub in subcommands(&out.stdout) {
            let mut next = path.clone();
            next.push(sub);
            pending.push(next);
        }
        seen += 1;
    }
    // agntz, 9 commands, 5 runs, 3 traces, 5 eval subcommands.
    assert!(seen >= 23, "only {seen} help texts found");
    assert!(env.worker.requests().is_empty());
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    let env = Env::new();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef agntz"),
        ("fish", "complete -c agntz"),
    ] {
        let out = env.run(&["completions", shell]);
        out.assert_code(0);
        assert!(out.stdout.contains(marker), "{shell}: {}", out.stdout);
        for word in ["runs", "traces", "publish", "stream", "agents-dir"] {
            assert!(out.stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
    env.run(&["completions", "tcsh"]).assert_code(2);
}
