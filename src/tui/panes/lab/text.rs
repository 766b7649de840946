//! Tables (every column, or scrolled with `<`/`>`; rows with PgDn/PgUp),
//! the confusion matrix (counts, shaded by the row's share) and the "what
//! to notice" lines in the language shown.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::Widget;

use super::pictures::shade;
use super::{pick, wrap};
use crate::labs::format::cell;
use crate::labs::{Cell, LabClassification, LabOutcome, Table};
use crate::settings::Lang;
use crate::tui::theme::Theme;

#[allow(clippy::too_many_arguments)]
pub fn table(
    t: &Table,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
    lang: Lang,
    scroll: usize,
    hscroll: usize,
) {
    let text: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| r.iter().map(cell).collect())
        .collect();
    let n = t
        .columns
        .len()
        .max(text.iter().map(Vec::len).max().unwrap_or(0));
    let mut w = vec![0usize; n];
    for (i, c) in t.columns.iter().enumerate() {
        w[i] = w[i].max(crate::text::width(c));
    }
    for r in &text {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(crate::text::width(c));
        }
    }
    let inner_w = usize::from(area.width.saturating_sub(2));
    let inner_h = usize::from(area.height.saturating_sub(3));
    // The first column, then from the scrolled-to one as many as fit.
    let start = (1 + hscroll).min(n.saturating_sub(1)).max(1);
    let mut cols = vec![0usize];
    let mut used = w.first().copied().unwrap_or(0);
    for (i, &cw) in w.iter().enumerate().skip(start) {
        if used + 2 + cw > inner_w && cols.len() > 1 {
            break;
        }
        cols.push(i);
        used += 2 + cw;
    }
    let hidden = n.saturating_sub(cols.len());
    let rows = text.len();
    let top = scroll.min(rows.saturating_sub(inner_h.max(1)));
    let mut title = pick(&t.title, lang);
    if rows > inner_h {
        title.push_str(&format!(
            " · rows {}–{}/{rows} PgDn",
            top + 1,
            (top + inner_h).min(rows)
        ));
    }
    if hidden > 0 {
        title.push_str(&format!(" · +{hidden} cols < >"));
    }
    let b = theme.block(
        &crate::text::truncate(&title, usize::from(area.width.saturating_sub(4))),
        false,
    );
    let inner = b.inner(area);
    b.render(area, buf);
    let line = |cells: Vec<(String, bool)>| -> String {
        let parts: Vec<String> = cells
            .into_iter()
            .zip(&cols)
            .map(|((c, right), &i)| {
                let pad = " ".repeat(w[i].saturating_sub(crate::text::width(&c)));
                if right {
                    format!("{pad}{c}")
                } else {
                    format!("{c}{pad}")
                }
            })
            .collect();
        parts.join("  ")
    };
    if inner.height == 0 {
        return;
    }
    let header: Vec<(String, bool)> = cols
        .iter()
        .map(|&i| (t.columns.get(i).cloned().unwrap_or_default(), false))
        .collect();
    buf.set_stringn(
        inner.x,
        inner.y,
        line(header),
        usize::from(inner.width),
        Style::new().add_modifier(Modifier::BOLD),
    );
    for (k, r) in (top..rows).take(usize::from(inner.height - 1)).enumerate() {
        let cells: Vec<(String, bool)> = cols
            .iter()
            .map(|&i| {
                let s = text[r].get(i).cloned().unwrap_or_default();
                let right = !matches!(t.rows[r].get(i), Some(Cell::Text(_)) | None);
                (s, right)
            })
            .collect();
        buf.set_stringn(
            inner.x,
            inner.y + 1 + k as u16,
            line(cells),
            usize::from(inner.width),
            Style::new(),
        );
    }
}

pub fn matrix(c: &LabClassification, area: Rect, buf: &mut Buffer, theme: Theme, lang: Lang) {
    let title = match lang {
        Lang::Zh => format!(
            "混淆矩阵 · 行 = 真实类别 · 准确率 {:.4}",
            c.metrics.accuracy
        ),
        _ => format!(
            "Confusion matrix · rows = truth · accuracy {:.4}",
            c.metrics.accuracy
        ),
    };
    let b = theme.block(&title, false);
    let inner = b.inner(area);
    b.render(area, buf);
    let cm = &c.confusion_matrix;
    let n = cm.labels.len();
    let label_w = cm
        .labels
        .iter()
        .map(|l| crate::text::width(l))
        .max()
        .unwrap_or(1)
        .clamp(1, 10);
    let max = cm.counts.iter().flatten().copied().max().unwrap_or(0);
    let cell_w = max.to_string().len().max(3) + 2;
    let fits = usize::from(inner.width).saturating_sub(label_w + 1) / cell_w;
    let show = n.min(fits.max(1));
    let mut header = " ".repeat(label_w + 1);
    for l in cm.labels.iter().take(show) {
        header.push_str(&format!(
            "{:>cell_w$}",
            crate::text::truncate(l, cell_w - 1)
        ));
    }
    buf.set_stringn(
        inner.x,
        inner.y,
        header,
        usize::from(inner.width),
        theme.fg(Color::DarkGray),
    );
    for (r, row) in cm
        .counts
        .iter()
        .enumerate()
        .take(usize::from(inner.height.saturating_sub(1)))
    {
        let y = inner.y + 1 + r as u16;
        let label = crate::text::truncate(&cm.labels[r], label_w);
        buf.set_stringn(inner.x, y, &label, label_w, theme.fg(Color::DarkGray));
        let total: usize = row.iter().sum();
        for (k, &count) in row.iter().take(show).enumerate() {
            let share = if total > 0 {
                count as f64 / total as f64
            } else {
                0.0
            };
            let mark = if count > 0 { shade(share) } else { ' ' };
            let text = format!("{mark}{count:>w$}", w = cell_w - 1);
            let style = if r == k {
                Style::new().add_modifier(Modifier::BOLD)
            } else {
                Style::new()
            };
            let x = inner.x + (label_w + 1 + k * cell_w) as u16;
            buf.set_stringn(x, y, text, cell_w, style);
        }
    }
}

pub fn notices(
    o: &LabOutcome,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
    lang: Lang,
    scroll: usize,
) {
    let width = usize::from(area.width.saturating_sub(4)).max(8);
    let mut lines: Vec<(String, bool)> = Vec::new();
    for n in &o.notices {
        let text = match lang {
            Lang::Both if !n.text.zh.is_empty() => {
                vec![n.text.zh.clone(), n.text.en.clone()]
            }
            _ => vec![pick(&n.text, lang)],
        };
        for (k, t) in text.iter().enumerate() {
            for (j, l) in wrap(t, width).into_iter().enumerate() {
                let bullet = if k == 0 && j == 0 { "• " } else { "  " };
                lines.push((format!("{bullet}{l}"), k > 0));
            }
        }
    }
    let topic = o.notices.iter().find_map(|n| n.topic.as_deref());
    let inner_h = usize::from(area.height.saturating_sub(2));
    let top = scroll.min(lines.len().saturating_sub(inner_h.max(1)));
    let mut title = match lang {
        Lang::Zh => "要点".to_string(),
        Lang::Both => "要点 · What to notice".to_string(),
        Lang::En => "What to notice".to_string(),
    };
    if let Some(t) = topic {
        title.push_str(&format!(" · o: note {t}"));
    }
    if lines.len() > inner_h {
        title.push_str(" · PgDn/PgUp");
    }
    let b = theme.block(
        &crate::text::truncate(&title, usize::from(area.width.saturating_sub(4))),
        false,
    );
    let inner = b.inner(area);
    b.render(area, buf);
    for (k, (l, second)) in lines.iter().skip(top).take(inner_h).enumerate() {
        let style = if *second {
            theme.fg(Color::DarkGray)
        } else {
            Style::new()
        };
        buf.set_stringn(
            inner.x,
            inner.y + k as u16,
            l,
            usize::from(inner.width),
            style,
        );
    }
}
