//! Draws one PNG per curve of an e2e run's figures.
//!
//! ```sh
//! cargo run --release -p agntz-bench --bin e2e -- --runs 3 --json e2e.json
//! cargo run --release -p agntz-bench --bin plot -- e2e.json benches/plots
//! ```
//!
//! Each point is the median over the runs in the file. The x axis (streams)
//! is logarithmic; so is the y axis when the figures span more than two
//! decades. Text is drawn with a font embedded in the binary (no system
//! fonts needed); the PNG is encoded in process.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Deserialize;

const WIDTH: u32 = 900;
const HEIGHT: u32 = 540;

#[derive(Deserialize)]
struct File {
    conditions: String,
    runs: Vec<Run>,
}

#[derive(Deserialize)]
struct Run {
    curves: Vec<Curve>,
}

#[derive(Deserialize)]
struct Curve {
    name: String,
    title: String,
    x: String,
    y: String,
    series: Vec<Series>,
}

#[derive(Deserialize)]
struct Series {
    label: String,
    points: Vec<(f64, f64)>,
}

/// Series of `runs` with each point the median of the runs.
fn medians(runs: &[Run], c: usize) -> Vec<Series> {
    let first = &runs[0].curves[c];
    first
        .series
        .iter()
        .enumerate()
        .map(|(s, series)| Series {
            label: series.label.clone(),
            points: series
                .points
                .iter()
                .enumerate()
                .map(|(i, (x, _))| {
                    let mut ys: Vec<f64> = runs
                        .iter()
                        .filter_map(|r| r.curves.get(c)?.series.get(s)?.points.get(i))
                        .map(|p| p.1)
                        .collect();
                    ys.sort_by(f64::total_cmp);
                    let mid = (ys[(ys.len() - 1) / 2] + ys[ys.len() / 2]) / 2.0;
                    (*x, mid)
                })
                .collect(),
        })
        .collect()
}

fn draw(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    curve: &Curve,
    series: &[Series],
    conditions: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    area.fill(&WHITE)?;
    let lines = wrap(conditions, 150);
    let (area, footer) = area.split_vertically(HEIGHT - 8 - 14 * lines.len() as u32);
    for (i, line) in lines.iter().enumerate() {
        footer.draw(&Text::new(
            line.clone(),
            (10, 4 + 14 * i as i32),
            ("sans-serif", 11).into_font().color(&RGBColor(90, 90, 90)),
        ))?;
    }
    let all: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .collect();
    let x_max = all.iter().map(|p| p.0).fold(1.0, f64::max) * 1.5;
    let y_min = all
        .iter()
        .map(|p| p.1)
        .filter(|y| *y > 0.0)
        .fold(f64::MAX, f64::min);
    let y_max = all.iter().map(|p| p.1).fold(0.0, f64::max);
    let log_y = y_min > 0.0 && y_max / y_min > 100.0;
    let mut chart = ChartBuilder::on(&area);
    chart
        .caption(&curve.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80);
    let colors = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(255, 127, 14),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
    ];
    // Two chart types (log or linear y): the same drawing code for both.
    macro_rules! plot {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc(curve.x.as_str())
                .y_desc(curve.y.as_str())
                .x_label_formatter(&|x| format!("{x:.0}"))
                .y_label_formatter(&|y| short(*y))
                .label_style(("sans-serif", 13))
                .draw()?;
            for (i, s) in series.iter().enumerate() {
                let color = colors[i % colors.len()];
                let dashed = s.label.starts_with("raw");
                let style = if dashed {
                    color.mix(0.55).stroke_width(2)
                } else {
                    color.stroke_width(3)
                };
                chart
                    .draw_series(LineSeries::new(s.points.iter().copied(), style))?
                    .label(s.label.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
                chart.draw_series(s.points.iter().map(|p| Circle::new(*p, 4, color.filled())))?;
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .label_font(("sans-serif", 14))
                .position(SeriesLabelPosition::UpperRight)
                .draw()?;
        }};
    }
    if log_y {
        plot!(chart.build_cartesian_2d(
            (0.7f64..x_max).log_scale(),
            (y_min * 0.7..y_max * 1.4).log_scale()
        )?);
    } else {
        plot!(chart.build_cartesian_2d((0.7f64..x_max).log_scale(), 0.0..y_max * 1.15)?);
    }
    Ok(())
}

/// `text` cut into lines of at most about `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("one line");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

fn short(v: f64) -> String {
    if v.abs() >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v.abs() >= 1e3 {
        format!("{:.0}k", v / 1e3)
    } else if v.abs() >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out_dir] = args.as_slice() else {
        eprintln!("usage: plot FIGURES.json OUT_DIR");
        std::process::exit(2);
    };
    let file: File = serde_json::from_slice(&std::fs::read(input)?)?;
    if file.runs.is_empty() {
        return Err("no runs in the file".into());
    }
    plotters::style::register_font(
        "sans-serif",
        FontStyle::Normal,
        epaint_default_fonts::UBUNTU_LIGHT,
    )
    .map_err(|_| "the embedded font does not load")?;
    std::fs::create_dir_all(out_dir)?;
    for (c, curve) in file.runs[0].curves.iter().enumerate() {
        let series = medians(&file.runs, c);
        let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
        {
            let area = BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
            let conditions = format!("median of {} run(s); {}", file.runs.len(), file.conditions);
            draw(&area, curve, &series, &conditions)?;
            area.present()?;
        }
        let path = Path::new(out_dir).join(format!("{}.png", curve.name));
        let mut encoder = png::Encoder::new(std::fs::File::create(&path)?, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.write_header()?.write_image_data(&pixels)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
