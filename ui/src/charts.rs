//! Charts drawn as SVG here where the chart library has none: stacked bars
//! (`leptos-chartistry` 0.2 stacks lines only). Each column carries its values on hover (an
//! SVG `<title>`, which every webview shows as a tooltip), the y axis is labelled with round
//! steps, and a long range of days is summed by week so a bar never gets thinner than a
//! pixel or two at 1366×768.

use chrono::{Datelike, NaiveDate};
use leptos::prelude::*;

/// One column of a stacked bar chart: its label (a day `2026-11-03`, or the first day of a
/// week) and each series' value, bottom first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub label: String,
    pub values: Vec<u64>,
}

impl Column {
    /// The column's height: its values summed.
    pub fn total(&self) -> u64 {
        self.values.iter().sum()
    }
}

/// `days` (in date order) with a zero column for each date missing between two of them, so
/// the bars keep time's spacing. Labels that are not dates are left as they are.
pub fn with_empty_days(days: Vec<Column>) -> Vec<Column> {
    let mut out: Vec<Column> = Vec::with_capacity(days.len());
    let date = |c: &Column| NaiveDate::parse_from_str(&c.label, "%Y-%m-%d").ok();
    for day in days {
        if let (Some(prev), Some(this)) = (out.last().and_then(date), date(&day)) {
            let width = day.values.len();
            let mut d = prev.succ_opt();
            while let Some(gap) = d.filter(|g| *g < this) {
                out.push(Column {
                    label: gap.format("%Y-%m-%d").to_string(),
                    values: vec![0; width],
                });
                d = gap.succ_opt();
            }
        }
        out.push(day);
    }
    out
}

/// `days` as they are when there are at most `max` of them; otherwise summed by ISO week
/// (Monday first), each week labelled with its first day in the range. The flag says whether
/// they were summed. A label that is not a date keeps a column of its own.
pub fn by_week_if_long(days: Vec<Column>, max: usize) -> (Vec<Column>, bool) {
    if days.len() <= max {
        return (days, false);
    }
    let mut weeks: Vec<(Option<(i32, u32)>, Column)> = Vec::new();
    for day in days {
        let week = NaiveDate::parse_from_str(&day.label, "%Y-%m-%d")
            .ok()
            .map(|d| (d.iso_week().year(), d.iso_week().week()));
        match weeks.last_mut() {
            Some((w, col)) if week.is_some() && *w == week => {
                if col.values.len() < day.values.len() {
                    col.values.resize(day.values.len(), 0);
                }
                for (sum, v) in col.values.iter_mut().zip(&day.values) {
                    *sum += v;
                }
            }
            _ => weeks.push((week, day)),
        }
    }
    (weeks.into_iter().map(|(_, c)| c).collect(), true)
}

/// The fill classes of series that have no colour of their own (stores), in turn.
pub const PALETTE: [&str; 6] = [
    "fill-s0", "fill-s1", "fill-s2", "fill-s3", "fill-s4", "fill-s5",
];

/// The top of the y axis and its step: the smallest 1, 2 or 5 × 10ᵏ step that covers `max`
/// in at most five steps (`max` 0 draws an axis to 1).
pub fn nice_axis(max: u64) -> (u64, u64) {
    let max = max.max(1);
    let mut magnitude = 1u64;
    loop {
        for step in [magnitude, magnitude * 2, magnitude * 5] {
            if step.saturating_mul(5) >= max {
                let top = max.div_ceil(step) * step;
                return (top, step);
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

/// A stacked bar chart `id`: `series` are (name, CSS class of its fill), bottom first, as
/// many as each column's values; `axis` writes a y-axis value (a count, or minor units as
/// money); `title` is a column's hover text. A legend names the series.
pub fn stacked_bars(
    id: &'static str,
    columns: Vec<Column>,
    series: Vec<(String, &'static str)>,
    axis: impl Fn(u64) -> String,
    title: impl Fn(&Column) -> String,
) -> impl IntoView {
    let (width, height) = (720.0f64, 200.0f64);
    let (left, bottom, top) = (64.0f64, 22.0f64, 8.0f64);
    let plot_w = width - left - 4.0;
    let plot_h = height - bottom - top;
    let (axis_top, step) = nice_axis(columns.iter().map(Column::total).max().unwrap_or(0));
    let y_of = |v: u64| top + plot_h - plot_h * v as f64 / axis_top as f64;
    let n = columns.len().max(1);
    let slot = plot_w / n as f64;
    let bar = (slot * 0.8).max(1.0);
    // At most about eight labels under the bars.
    let every = n.div_ceil(8).max(1);
    let grid = (0..=axis_top / step)
        .map(|i| {
            let v = i * step;
            let y = y_of(v);
            view! {
                <line x1=left x2=width - 4.0 y1=y y2=y class="chart-grid"/>
                <text x=left - 6.0 y=y + 4.0 text-anchor="end" class="chart-label">{axis(v)}</text>
            }
        })
        .collect_view();
    let bars = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let x = left + slot * i as f64 + (slot - bar) / 2.0;
            let mut base = 0u64;
            let segments = c
                .values
                .iter()
                .zip(&series)
                .filter(|(v, _)| **v > 0)
                .map(|(v, (_, class))| {
                    let (y0, y1) = (y_of(base), y_of(base + v));
                    base += v;
                    view! { <rect x=x y=y1 width=bar height=(y0 - y1).max(0.5) class=*class/> }
                })
                .collect_view();
            let label = (i % every == 0).then(|| {
                let short = c.label.get(5..).unwrap_or(&c.label).to_string();
                view! {
                    <text x=x + bar / 2.0 y=height - 6.0 text-anchor="middle" class="chart-label">{short}</text>
                }
            });
            view! {
                <g class="chart-column">
                    <title>{title(c)}</title>
                    <rect x=left + slot * i as f64 y=top width=slot height=plot_h class="chart-hover"/>
                    {segments}
                    {label}
                </g>
            }
        })
        .collect_view();
    let legend = series
        .iter()
        .map(|(name, class)| {
            view! {
                <span class="chart-key"><svg width="12" height="12"><rect width="12" height="12" class=*class/></svg>{name.clone()}</span>
            }
        })
        .collect_view();
    view! {
        <div class="chart-stacked" id=id>
            <svg width="100%" viewBox=format!("0 0 {width} {height}") role="img" preserveAspectRatio="xMinYMid meet">
                {grid}
                <line x1=left x2=width - 4.0 y1=top + plot_h y2=top + plot_h class="chart-axis"/>
                {bars}
            </svg>
            <div class="chart-legend">{legend}</div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(label: &str, values: &[u64]) -> Column {
        Column {
            label: label.into(),
            values: values.to_vec(),
        }
    }

    #[test]
    fn a_short_range_keeps_its_days_and_a_long_one_is_summed_by_week() {
        let days = vec![col("2026-11-01", &[1, 2]), col("2026-11-02", &[3, 4])];
        assert_eq!(by_week_if_long(days.clone(), 5), (days, false));
        // Sunday 1 November closes one ISO week; Monday 2 to Sunday 8 is the next.
        let days: Vec<Column> = (1..=9)
            .map(|d| col(&format!("2026-11-{d:02}"), &[d, 1]))
            .collect();
        let (weeks, summed) = by_week_if_long(days, 5);
        assert!(summed);
        assert_eq!(
            weeks,
            vec![
                col("2026-11-01", &[1, 1]),
                col("2026-11-02", &[2 + 3 + 4 + 5 + 6 + 7 + 8, 7]),
                col("2026-11-09", &[9, 1]),
            ]
        );
    }

    #[test]
    fn missing_days_are_drawn_empty() {
        let days = vec![
            col("2026-02-27", &[1]),
            col("2026-03-02", &[2]),
            col("2026-03-03", &[3]),
        ];
        assert_eq!(
            with_empty_days(days),
            vec![
                col("2026-02-27", &[1]),
                col("2026-02-28", &[0]),
                col("2026-03-01", &[0]),
                col("2026-03-02", &[2]),
                col("2026-03-03", &[3]),
            ]
        );
        assert_eq!(with_empty_days(vec![]), vec![]);
    }

    #[test]
    fn the_axis_ends_on_a_round_step() {
        assert_eq!(nice_axis(0), (1, 1));
        assert_eq!(nice_axis(3), (3, 1));
        assert_eq!(nice_axis(7), (8, 2));
        assert_eq!(nice_axis(17), (20, 5));
        assert_eq!(nice_axis(96), (100, 20));
        assert_eq!(nice_axis(1234), (1500, 500));
    }
}
