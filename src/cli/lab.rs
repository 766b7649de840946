//! `mlwb run --algo LAB` as text: the figures, each chart's series (first,
//! last, min, max), the tables aligned, heat maps and histograms summarised, scatter plots
//! as a grid of group markers,
//! the confusion matrix and the "what to notice" lines. `--json` prints the
//! whole outcome instead.

use std::io::Write;

use crate::labs::format::{cell, figure, num, scatter_bounds, scatter_grid, MARKERS};
use crate::labs::{Cell, LabOutcome};

/// Tables longer than this print their first and last rows.
const MAX_ROWS: usize = 40;

pub fn print_lab(o: &LabOutcome, out: &mut dyn Write) -> std::io::Result<()> {
    if !o.figures.is_empty() {
        writeln!(out)?;
        let w = o
            .figures
            .iter()
            .map(|f| crate::text::width(&f.label.en))
            .max()
            .unwrap_or(0);
        for f in &o.figures {
            let pad = w - crate::text::width(&f.label.en);
            writeln!(
                out,
                "{}{}  {}",
                f.label.en,
                " ".repeat(pad),
                figure(f.value, &f.unit)
            )?;
        }
    }
    for c in &o.charts {
        writeln!(
            out,
            "\nchart: {} ({} against {}{})",
            c.title.en,
            c.y_label,
            c.x_label,
            if c.log_y { ", log scale" } else { "" }
        )?;
        let rows: Vec<Vec<Cell>> = c
            .series
            .iter()
            .map(|s| {
                let ys: Vec<f64> = s.points.iter().map(|p| p[1]).collect();
                let finite = ys.iter().copied().filter(|y| y.is_finite());
                let min = finite.clone().fold(f64::INFINITY, f64::min);
                let max = finite.fold(f64::NEG_INFINITY, f64::max);
                let first = s.points.first().map_or(f64::NAN, |p| p[1]);
                let (lx, last) = s
                    .points
                    .last()
                    .map_or((f64::NAN, f64::NAN), |p| (p[0], p[1]));
                vec![
                    Cell::Text(s.name.clone()),
                    Cell::Int(s.points.len() as i64),
                    Cell::Num(first),
                    Cell::Text(format!("{} (at {})", num(last), x_text(lx))),
                    Cell::Num(min),
                    Cell::Num(max),
                ]
            })
            .collect();
        let cols = ["series", "points", "first", "last", "min", "max"].map(String::from);
        print_table(out, &cols, &rows)?;
    }
    for t in &o.tables {
        writeln!(out, "\ntable: {}", t.title.en)?;
        print_table(out, &t.columns, &t.rows)?;
    }
    for h in &o.heatmaps {
        let finite = h.values.iter().copied().filter(|v| v.is_finite());
        let min = finite.clone().fold(f64::INFINITY, f64::min);
        let max = finite.fold(f64::NEG_INFINITY, f64::max);
        writeln!(
            out,
            "\nheat map: {} ({}×{}, min {}, max {})",
            h.title.en,
            h.rows,
            h.cols,
            num(min),
            num(max)
        )?;
        if h.rows <= 16 && h.cols <= 32 && max > min {
            for r in 0..h.rows {
                let line: String = (0..h.cols)
                    .map(|c| {
                        let v = h.values.get(r * h.cols + c).copied().unwrap_or(f64::NAN);
                        shade((v - min) / (max - min))
                    })
                    .collect();
                writeln!(out, "  {line}")?;
            }
        }
    }
    let mut groups: Vec<&str> = Vec::new();
    for h in &o.histograms {
        if !groups.contains(&h.group.as_str()) {
            groups.push(&h.group);
        }
    }
    for g in groups {
        let hs: Vec<_> = o.histograms.iter().filter(|h| h.group == g).collect();
        writeln!(
            out,
            "\nhistograms: {} ({} of them; bins over [low, high], bars of counts)",
            if g.is_empty() { "-" } else { g },
            hs.len()
        )?;
        let w = hs
            .iter()
            .map(|h| crate::text::width(&h.title.en))
            .max()
            .unwrap_or(0);
        for h in hs {
            let top = h.counts.iter().copied().max().unwrap_or(0).max(1);
            let bars: String = h
                .counts
                .iter()
                .map(|&c| bar(c as f64 / top as f64))
                .collect();
            let lo = h.edges.first().copied().unwrap_or(f64::NAN);
            let hi = h.edges.last().copied().unwrap_or(f64::NAN);
            let pad = w - crate::text::width(&h.title.en);
            writeln!(
                out,
                "  {}{}  [{}, {}]  {bars}",
                h.title.en,
                " ".repeat(pad),
                num(lo),
                num(hi)
            )?;
        }
    }
    for s in &o.scatters {
        let legend: Vec<String> = s
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                format!(
                    "{} {} ({})",
                    MARKERS[i % MARKERS.len()],
                    g.name,
                    g.points.len()
                )
            })
            .collect();
        writeln!(
            out,
            "\nscatter: {} ({} against {}; {})",
            s.title.en,
            s.y_label,
            s.x_label,
            legend.join(", ")
        )?;
        if let Some((x0, x1, y0, y1)) = scatter_bounds(s) {
            writeln!(
                out,
                "  {} to {} up, {} to {} across",
                num(y0),
                num(y1),
                num(x0),
                num(x1)
            )?;
            for line in scatter_grid(s, 60, 16) {
                writeln!(out, "  |{}|", line)?;
            }
        }
    }
    if let Some(c) = &o.classification {
        let m = &c.metrics;
        writeln!(
            out,
            "\naccuracy {:.4}   macro F1 {:.4}",
            m.accuracy, m.macro_avg.f1
        )?;
        let mut cols = vec!["truth \\ predicted".to_string()];
        cols.extend(c.confusion_matrix.labels.iter().cloned());
        let rows: Vec<Vec<Cell>> = c
            .confusion_matrix
            .labels
            .iter()
            .zip(&c.confusion_matrix.counts)
            .map(|(l, row)| {
                let mut r = vec![Cell::Text(l.clone())];
                r.extend(row.iter().map(|&n| Cell::Int(n as i64)));
                r
            })
            .collect();
        print_table(out, &cols, &rows)?;
    }
    if !o.notices.is_empty() {
        writeln!(out, "\nwhat to notice:")?;
        for n in &o.notices {
            match &n.topic {
                Some(t) => writeln!(out, "- {} (see `mlwb show {t}`)", n.text.en)?,
                None => writeln!(out, "- {}", n.text.en)?,
            }
        }
    }
    Ok(())
}

/// A table with each column as wide as its widest cell; numbers right-aligned.
fn print_table(out: &mut dyn Write, columns: &[String], rows: &[Vec<Cell>]) -> std::io::Result<()> {
    let text: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(cell).collect()).collect();
    let n = columns
        .len()
        .max(rows.iter().map(Vec::len).max().unwrap_or(0));
    let mut w = vec![0usize; n];
    for (i, c) in columns.iter().enumerate() {
        w[i] = w[i].max(crate::text::width(c));
    }
    for r in &text {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(crate::text::width(c));
        }
    }
    let line = |cells: Vec<(String, bool)>| -> String {
        let parts: Vec<String> = cells
            .into_iter()
            .enumerate()
            .map(|(i, (c, right))| {
                let pad = " ".repeat(w[i].saturating_sub(crate::text::width(&c)));
                if right {
                    format!("{pad}{c}")
                } else {
                    format!("{c}{pad}")
                }
            })
            .collect();
        format!("  {}", parts.join("  ").trim_end())
    };
    writeln!(
        out,
        "{}",
        line(columns.iter().map(|c| (c.clone(), false)).collect())
    )?;
    let shown: Vec<usize> = if rows.len() > MAX_ROWS {
        (0..MAX_ROWS / 2)
            .chain(rows.len() - MAX_ROWS / 2..rows.len())
            .collect()
    } else {
        (0..rows.len()).collect()
    };
    for (k, &i) in shown.iter().enumerate() {
        if k > 0 && shown[k - 1] + 1 != i {
            writeln!(out, "  … {} rows …", i - shown[k - 1] - 1)?;
        }
        let cells = rows[i]
            .iter()
            .zip(&text[i])
            .map(|(c, t)| (t.clone(), !matches!(c, Cell::Text(_))))
            .collect();
        writeln!(out, "{}", line(cells))?;
    }
    Ok(())
}

/// An x value: whole numbers (epochs, layers) without decimals.
fn x_text(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        num(x)
    }
}

/// A shade for a value in [0, 1] (NaN: `?`).
fn shade(t: f64) -> char {
    if !t.is_finite() {
        return '?';
    }
    const SHADES: [char; 5] = [' ', '░', '▒', '▓', '█'];
    SHADES[((t * 5.0) as usize).min(4)]
}

/// A bar height for a share in [0, 1]: empty only for zero counts.
fn bar(t: f64) -> char {
    const BARS: [char; 9] = ['_', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if t <= 0.0 || !t.is_finite() {
        return BARS[0];
    }
    BARS[((t * 8.0).ceil() as usize).clamp(1, 8)]
}
