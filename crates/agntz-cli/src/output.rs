//! Everything the CLI writes: JSON on stdout, messages on stderr, colours
//! only on a terminal and unless `NO_COLOR` is set, a spinner for waits.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;

/// Whether colours are used on stdout and on stderr (each decided on its own:
/// `agntz runs list | jq` still gets coloured errors on the terminal).
#[derive(Debug, Clone, Copy)]
pub struct Styles {
    stdout: bool,
    stderr: bool,
}

/// The styles the CLI uses.
pub const GREEN: Style = AnsiColor::Green.on_default();
/// Errors.
pub const RED: Style = AnsiColor::Red.on_default().bold();
/// Hints.
pub const YELLOW: Style = AnsiColor::Yellow.on_default();
/// Replies in a stream.
pub const CYAN: Style = AnsiColor::Cyan.on_default();
/// Table headers.
pub const BOLD: Style = Style::new().bold();
/// Secondary text.
pub const DIM: Style = Style::new().dimmed();

impl Styles {
    /// Decides from the environment: a terminal, and `NO_COLOR` unset or empty
    /// (<https://no-color.org>).
    pub fn detect() -> Styles {
        let allowed = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Styles {
            stdout: allowed && std::io::stdout().is_terminal(),
            stderr: allowed && std::io::stderr().is_terminal(),
        }
    }

    /// `text` in `style` for stdout.
    pub fn out(&self, style: Style, text: &str) -> String {
        paint(self.stdout, style, text)
    }

    /// `text` in `style` for stderr.
    pub fn err(&self, style: Style, text: &str) -> String {
        paint(self.stderr, style, text)
    }
}

fn paint(on: bool, style: Style, text: &str) -> String {
    if on {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

/// Prints `value` as the official CLI does: indented by two spaces, one
/// trailing newline.
pub fn print_json(value: &Value) {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_owned());
    write_stdout(&format!("{text}\n"));
}

/// Prints `value` as one compact line (one event per line).
pub fn print_json_line(value: &Value) {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned());
    write_stdout(&format!("{text}\n"));
}

/// Writes to stdout and flushes (so streamed lines appear as they arrive).
/// A closed pipe (`agntz runs list | head`) is not an error worth reporting.
pub fn write_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// A line on stderr.
pub fn note(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

/// `✓ <text>` on stderr.
pub fn success(styles: &Styles, text: &str) {
    note(&format!("{} {text}", styles.err(GREEN, "✓")));
}

/// A spinner on stderr (hidden when stderr is not a terminal), cleared with
/// [`ProgressBar::finish_and_clear`].
pub fn spinner(message: impl Into<String>) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(message.into());
    bar.enable_steady_tick(Duration::from_millis(80));
    bar
}

/// An array of objects as an aligned table with `columns` (header, JSON
/// pointer) on stdout.
pub fn print_table(styles: &Styles, rows: &[Value], columns: &[(&str, &str)]) {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|(_, pointer)| cell(row.pointer(pointer)))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, (header, _))| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([header.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<String>, style: Option<Style>| {
        let mut text = String::new();
        for (i, v) in values.iter().enumerate() {
            let last = i + 1 == values.len();
            let pad = if last {
                String::new()
            } else {
                " ".repeat(widths[i].saturating_sub(v.chars().count()) + 2)
            };
            match style {
                Some(s) => text.push_str(&styles.out(s, v)),
                None => text.push_str(v),
            }
            text.push_str(&pad);
        }
        text.push('\n');
        text
    };
    let mut all = line(
        columns.iter().map(|(h, _)| (*h).to_owned()).collect(),
        Some(BOLD),
    );
    for row in cells {
        all.push_str(&line(row, None));
    }
    write_stdout(&all);
}

/// The top-level scalar fields of an object as `key: value` lines on stdout
/// (nested values are summarized); anything else as JSON.
pub fn print_fields(styles: &Styles, value: &Value) {
    let Some(object) = value.as_object() else {
        print_json(value);
        return;
    };
    let width = object.keys().map(|k| k.len()).max().unwrap_or(0);
    let mut text = String::new();
    for (key, v) in object {
        let shown = match v {
            Value::Array(items) => format!("[{} items]", items.len()),
            Value::Object(map) => format!("{{{} fields}}", map.len()),
            other => cell(Some(other)),
        };
        let pad = " ".repeat(width - key.len());
        text.push_str(&format!("{}{pad}  {shown}\n", styles.out(BOLD, key)));
    }
    write_stdout(&text);
}

/// One table cell: strings bare, epoch milliseconds left as numbers, `-`
/// for absent values, long text cut to one line.
fn cell(value: Option<&Value>) -> String {
    let text = match value {
        None | Some(Value::Null) => "-".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let line = text.lines().next().unwrap_or("").to_owned();
    if line.chars().count() > 60 {
        let cut: String = line.chars().take(57).collect();
        format!("{cut}...")
    } else {
        line
    }
}
