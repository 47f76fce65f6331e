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

#[test]
fn colours_only_on_a_terminal_and_never_with_no_color() {
    let env = Env::new();
    // Piped: no colour codes even without NO_COLOR.
    let mut cmd = env.bare(&["runs", "list"]);
    cmd.env_remove("NO_COLOR");
    let out = common::finish(cmd);
    out.assert_code(3);
    assert!(out.stderr.contains("hint:"));
    assert!(!out.stderr.contains('\x1b'), "{:?}", out.stderr);

    // On a terminal (`script` gives the command a pseudo-terminal).
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        return;
    }
    let agntz = env!("CARGO_BIN_EXE_agntz");
    let on_terminal = |no_color: Option<&str>| {
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &format!("{agntz} whoami"), "/dev/null"])
            .env("HOME", env.home.path())
            .env_remove("AGNTZ_API_KEY")
            .env_remove("NO_COLOR");
        if let Some(value) = no_color {
            cmd.env("NO_COLOR", value);
        }
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    let coloured = on_terminal(None);
    assert!(coloured.contains("\x1b[33mhint:"), "{coloured:?}");
    let plain = on_terminal(Some("1"));
    assert!(plain.contains("hint:"), "{plain:?}");
    assert!(!plain.contains('\x1b'), "{plain:?}");
}
