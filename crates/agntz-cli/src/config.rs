//! The credentials file shared with the official CLI
//! (`~/.agntz/config.json`: `{"apiKey": "...", "apiUrl": "..."}`, owner-only
//! permissions) and where the key and the URL of a command come from:
//! a flag, then the environment, then the file, then the default.

use std::fmt;
use std::path::{Path, PathBuf};

use agntz_client::DEFAULT_BASE_URL;
use serde_json::{Map, Value};

use crate::error::{CliError, Exit, LOGIN_HINT};

/// The API key variable (the official CLI's and the SDK's).
pub const ENV_API_KEY: &str = "AGNTZ_API_KEY";
/// The official CLI's URL variable, read first.
pub const ENV_API_URL: &str = "AGNTZ_API_URL";
/// The SDK's URL variable, read when `AGNTZ_API_URL` is not set.
pub const ENV_BASE_URL: &str = "AGNTZ_BASE_URL";

/// `~/.agntz/config.json`.
pub fn config_path() -> Result<PathBuf, CliError> {
    home::home_dir()
        .filter(|home| !home.as_os_str().is_empty())
        .map(|home| home.join(".agntz").join("config.json"))
        .ok_or_else(|| CliError::failed("cannot find the home directory (set HOME)"))
}

/// The file's JSON object; empty when the file is missing or unreadable (as
/// the official CLI treats it). Unknown keys are kept so a rewrite keeps them.
pub fn load(path: &Path) -> Map<String, Value> {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|value| match value {
            Value::Object(map) => Some(map),
            _ => None,
        })
        .unwrap_or_default()
}

/// Writes the file readable by its owner only (a temporary file created
/// with mode 0600, then renamed over the old one, so the key is never
/// readable by others, not even for a moment).
pub fn save(path: &Path, config: &Map<String, Value>) -> Result<(), CliError> {
    let dir = path
        .parent()
        .ok_or_else(|| CliError::failed("invalid config path"))?;
    create_private_dir(dir)?;
    let mut text =
        serde_json::to_string_pretty(config).map_err(|e| CliError::failed(e.to_string()))?;
    text.push('\n');
    let tmp = dir.join(".config.json.tmp");
    write_private(&tmp, text.as_bytes())
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display())))
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<(), CliError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| CliError::failed(format!("cannot create {}: {e}", dir.display())))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::failed(format!("cannot create {}: {e}", dir.display())))
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    // The mode given at creation is filtered by the umask; make it exact.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// Where the API key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `AGNTZ_API_KEY`.
    Env,
    /// The config file.
    File(PathBuf),
}

/// Where the URL came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlSource {
    /// A `--url` flag.
    Flag,
    /// An environment variable.
    Env(&'static str),
    /// The config file.
    File(PathBuf),
    /// Nothing set: the hosted worker.
    Default,
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Env => write!(f, "from {ENV_API_KEY}"),
            KeySource::File(path) => write!(f, "from {}", path.display()),
        }
    }
}

impl fmt::Display for UrlSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlSource::Flag => f.write_str("from --url"),
            UrlSource::Env(name) => write!(f, "from {name}"),
            UrlSource::File(path) => write!(f, "from {}", path.display()),
            UrlSource::Default => f.write_str("default"),
        }
    }
}

/// The key and URL a command uses, with where each came from. `Debug`
/// never shows the key.
pub struct Resolved {
    /// The API key and its source, if any.
    pub key: Option<(String, KeySource)>,
    /// The base URL (no trailing slash).
    pub url: String,
    /// Where the URL came from.
    pub url_source: UrlSource,
}

impl fmt::Debug for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolved")
            .field("key_source", &self.key.as_ref().map(|(_, s)| s))
            .field("url", &self.url)
            .field("url_source", &self.url_source)
            .finish()
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn file_string(config: &Map<String, Value>, key: &str) -> Option<String> {
    config
        .get(key)
        .and_then(Value::as_str)
        .filter(|v| !v.trim().is_empty())
        .map(str::to_owned)
}

/// Resolves the key (environment, then file) and the URL (`url_flag`,
/// environment, file, default).
pub fn resolve(url_flag: Option<&str>) -> Result<Resolved, CliError> {
    let path = config_path()?;
    let file = load(&path);
    let key = match env(ENV_API_KEY) {
        Some(key) => Some((key, KeySource::Env)),
        None => file_string(&file, "apiKey").map(|k| (k, KeySource::File(path.clone()))),
    };
    let (url, url_source) = if let Some(url) = url_flag.filter(|u| !u.trim().is_empty()) {
        (url.to_owned(), UrlSource::Flag)
    } else if let Some(url) = env(ENV_API_URL) {
        (url, UrlSource::Env(ENV_API_URL))
    } else if let Some(url) = env(ENV_BASE_URL) {
        (url, UrlSource::Env(ENV_BASE_URL))
    } else if let Some(url) = file_string(&file, "apiUrl") {
        (url, UrlSource::File(path))
    } else {
        (DEFAULT_BASE_URL.to_owned(), UrlSource::Default)
    };
    Ok(Resolved {
        key,
        url: url.trim().trim_end_matches('/').to_owned(),
        url_source,
    })
}

impl Resolved {
    /// The key, or the "not logged in" error.
    pub fn require_key(&self) -> Result<&str, CliError> {
        match &self.key {
            Some((key, _)) => Ok(key),
            None => Err(CliError::new(
                Exit::Auth,
                format!("not logged in (API URL: {})", self.url),
            )
            .hint(LOGIN_HINT)),
        }
    }
}

/// The key as `whoami` shows it: at most its last four characters, and
/// nothing of a short key.
pub fn mask_key(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 12 {
        return "****".to_owned();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::mask_key;

    #[test]
    fn masks_all_but_the_last_four_characters() {
        assert_eq!(mask_key("ar_live_0123456789abcd"), "…abcd");
        assert_eq!(mask_key("short"), "****");
        assert_eq!(mask_key("ar_live_wxyz"), "…wxyz");
    }
}
