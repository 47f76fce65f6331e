//! The figures of a run: table rows and curves, printed as markdown and
//! written as JSON for the plot binary.

use serde_json::{json, Value};

/// One figure of a run.
pub struct Row {
    figure: String,
    sdk: String,
    base: String,
    /// `None` for information rows.
    ratio: Option<f64>,
    target: String,
}

impl Row {
    /// Whether `ratio` meets the target (`None` when there is none).
    fn meets(&self, ratio: f64) -> Option<bool> {
        let (op, t) = self.target.split_once(' ')?;
        let t = t.trim_end_matches('x').parse::<f64>().ok()?;
        match op {
            "≥" => Some(ratio >= t),
            "≤" => Some(ratio <= t),
            _ => None,
        }
    }
}

/// One series of a curve: `(x, y)` points.
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// A curve (one plot): several series over the same axes.
pub struct Curve {
    pub name: String,
    pub title: String,
    pub x: String,
    pub y: String,
    pub series: Vec<Series>,
}

impl Curve {
    /// Adds `(x, y)` to the series `label` (created on first use).
    pub fn point(&mut self, label: &str, x: f64, y: f64) {
        match self.series.iter_mut().find(|s| s.label == label) {
            Some(s) => s.points.push((x, y)),
            None => self.series.push(Series {
                label: label.to_owned(),
                points: vec![(x, y)],
            }),
        }
    }
}

#[derive(Default)]
pub struct Table {
    rows: Vec<Row>,
    pub curves: Vec<Curve>,
}

impl Table {
    pub fn row(&mut self, figure: &str, sdk: String, base: String, ratio: f64, target: &str) {
        self.rows.push(Row {
            figure: figure.to_owned(),
            sdk,
            base,
            ratio: Some(ratio),
            target: target.to_owned(),
        });
    }

    pub fn info(&mut self, figure: &str, sdk: String, base: String) {
        self.rows.push(Row {
            figure: figure.to_owned(),
            sdk,
            base,
            ratio: None,
            target: "-".into(),
        });
    }

    /// The curve `name`, created with these labels on first use.
    pub fn curve(&mut self, name: &str, title: &str, x: &str, y: &str) -> &mut Curve {
        if let Some(i) = self.curves.iter().position(|c| c.name == name) {
            return &mut self.curves[i];
        }
        self.curves.push(Curve {
            name: name.to_owned(),
            title: title.to_owned(),
            x: x.to_owned(),
            y: y.to_owned(),
            series: Vec::new(),
        });
        self.curves.last_mut().expect("just pushed")
    }

    fn to_json(&self) -> Value {
        json!({
            "rows": self.rows.iter().map(|r| json!({
                "figure": r.figure,
                "sdk": r.sdk,
                "base": r.base,
                "ratio": r.ratio,
                "target": r.target,
            })).collect::<Vec<_>>(),
            "curves": self.curves.iter().map(|c| json!({
                "name": c.name,
                "title": c.title,
                "x": c.x,
                "y": c.y,
                "series": c.series.iter().map(|s| json!({
                    "label": s.label,
                    "points": s.points,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// Writes every run's figures to `path` as JSON (read by the plot binary).
pub fn write_json(path: &str, runs: &[Table], conditions: &str) {
    let doc = json!({
        "conditions": conditions,
        "runs": runs.iter().map(Table::to_json).collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&doc).expect("json");
    std::fs::write(path, text).unwrap_or_else(|e| panic!("writing {path}: {e}"));
}

/// Prints the figures of one or more runs: absolute figures from the first
/// run; with several runs, the median ratio with its range, and a verdict
/// that says in how many runs the target was met. Then each curve as a
/// table of its medians.
pub fn print_runs(runs: &[Table]) {
    let Some(first) = runs.first() else { return };
    let ratio_head = if runs.len() > 1 {
        format!("ratio, median of {} runs [range]", runs.len())
    } else {
        "ratio".to_owned()
    };
    println!(
        "| figure | SDK (run 1) | floor / raw client (run 1) | {ratio_head} | target | verdict |"
    );
    println!("|---|---|---|---|---|---|");
    for (i, row) in first.rows.iter().enumerate() {
        let mut ratios: Vec<f64> = runs
            .iter()
            .filter_map(|t| t.rows.get(i).and_then(|r| r.ratio))
            .collect();
        ratios.sort_by(f64::total_cmp);
        let (ratio, verdict) = match ratios.as_slice() {
            [] => ("-".to_owned(), "-".to_owned()),
            [only] => (
                format!("{only:.2}x"),
                verdict(row.meets(*only).into_iter().collect()),
            ),
            all => (
                format!("{:.2}x [{:.2}–{:.2}]", mid(all), all[0], all[all.len() - 1]),
                verdict(all.iter().filter_map(|r| row.meets(*r)).collect()),
            ),
        };
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            row.figure, row.sdk, row.base, ratio, row.target, verdict
        );
    }
    for (c, curve) in first.curves.iter().enumerate() {
        println!();
        println!(
            "{} ({}; median of {} runs)",
            curve.title,
            curve.y,
            runs.len()
        );
        println!();
        let xs: Vec<f64> = curve
            .series
            .first()
            .map(|s| s.points.iter().map(|p| p.0).collect())
            .unwrap_or_default();
        print!("| {} |", curve.x);
        for s in &curve.series {
            print!(" {} |", s.label);
        }
        println!();
        println!("|---|{}", "---|".repeat(curve.series.len()));
        for (i, x) in xs.iter().enumerate() {
            print!("| {x} |");
            for (k, _) in curve.series.iter().enumerate() {
                let mut ys: Vec<f64> = runs
                    .iter()
                    .filter_map(|t| t.curves.get(c))
                    .filter_map(|c| c.series.get(k))
                    .filter_map(|s| s.points.get(i))
                    .map(|p| p.1)
                    .collect();
                ys.sort_by(f64::total_cmp);
                if ys.is_empty() {
                    print!(" - |");
                } else {
                    print!(" {} |", short(mid(&ys)));
                }
            }
            println!();
        }
    }
}

/// The median of sorted `all` (mean of the two middle ones).
fn mid(all: &[f64]) -> f64 {
    (all[(all.len() - 1) / 2] + all[all.len() / 2]) / 2.0
}

/// A figure with three significant digits or so.
fn short(v: f64) -> String {
    if v.abs() >= 1000.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// "met", "MISSED", or "met in k of n runs"; "-" without a target.
fn verdict(met: Vec<bool>) -> String {
    let k = met.iter().filter(|m| **m).count();
    match (k, met.len()) {
        (_, 0) => "-".to_owned(),
        (k, n) if k == n => "met".to_owned(),
        (0, _) => "MISSED".to_owned(),
        (k, n) => format!("met in {k} of {n} runs"),
    }
}
