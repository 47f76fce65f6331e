//! `login`, `logout`, `whoami` (the credentials file) and `completions`.

use clap::CommandFactory;
use serde_json::{json, Value};

use crate::cli::{Cli, LoginArgs, WhoamiArgs};
use crate::config::{self, mask_key};
use crate::error::{CliError, Exit, LOGIN_HINT};
use crate::output::{self, Styles};

/// `agntz login --key KEY [--url URL]`: keeps the file's other keys (and
/// its URL unless `--url` is given), as the official CLI does.
pub fn login(args: &LoginArgs, styles: &Styles) -> Result<Exit, CliError> {
    let key = args.key.trim();
    if key.is_empty() {
        return Err(CliError::usage("the API key is empty"));
    }
    let path = config::config_path()?;
    let mut file = config::load(&path);
    file.insert("apiKey".into(), Value::String(key.to_owned()));
    if let Some(url) = args.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        file.insert(
            "apiUrl".into(),
            Value::String(url.trim_end_matches('/').to_owned()),
        );
    }
    config::save(&path, &file)?;
    let url = file
        .get("apiUrl")
        .and_then(Value::as_str)
        .unwrap_or(agntz_client::DEFAULT_BASE_URL);
    output::success(styles, &format!("Saved credentials to {}", path.display()));
    output::note(&format!("  API URL: {url}"));
    Ok(Exit::Ok)
}

/// `agntz logout`: deletes the file (environment variables stay).
pub fn logout(styles: &Styles) -> Result<Exit, CliError> {
    let path = config::config_path()?;
    match std::fs::remove_file(&path) {
        Ok(()) => {
            output::success(styles, &format!("Removed {}", path.display()));
            Ok(Exit::Ok)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            output::note("Not logged in.");
            Ok(Exit::Ok)
        }
        Err(e) => Err(CliError::failed(format!(
            "cannot remove {}: {e}",
            path.display()
        ))),
    }
}

/// `agntz whoami`: the URL and where it and the key come from, never more
/// of the key than its last four characters. Exit code 3 when no key is set.
pub fn whoami(args: &WhoamiArgs, styles: &Styles) -> Result<Exit, CliError> {
    let resolved = config::resolve(None)?;
    if args.json {
        let (key, key_source) = match &resolved.key {
            Some((key, source)) => (
                Value::String(mask_key(key)),
                Value::String(source.to_string()),
            ),
            None => (Value::Null, Value::Null),
        };
        output::print_json(&json!({
            "apiUrl": resolved.url,
            "apiUrlSource": resolved.url_source.to_string(),
            "loggedIn": resolved.key.is_some(),
            "apiKey": key,
            "apiKeySource": key_source,
        }));
    } else {
        match &resolved.key {
            Some((key, source)) => {
                output::note(&format!(
                    "API URL: {} ({})",
                    resolved.url, resolved.url_source
                ));
                output::note(&format!("API key: {} ({source})", mask_key(key)));
            }
            None => {
                output::note(&format!(
                    "Not logged in. API URL: {} ({})",
                    resolved.url, resolved.url_source
                ));
                output::note(&format!(
                    "{} {LOGIN_HINT}",
                    styles.err(output::YELLOW, "hint:")
                ));
            }
        }
    }
    Ok(if resolved.key.is_some() {
        Exit::Ok
    } else {
        Exit::Auth
    })
}

/// `agntz completions SHELL`.
pub fn completions(shell: clap_complete::Shell) {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "agntz", &mut out);
    output::write_stdout(&String::from_utf8_lossy(&out));
}
