//! Heat maps and histograms of one group as small multiples: as many side by
//! side as fit, in rows that scroll (PgDn/PgUp). Heat maps use the shades
//! ` ░▒▓█` over the group's common range (so the maps compare); histograms
//! draw each bin as a bar of eighth blocks, scaled to its own tallest bin.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::widgets::Widget;

use super::pick;
use crate::labs::format::num;
use crate::labs::LabOutcome;
use crate::settings::Lang;
use crate::tui::theme::Theme;

pub const SHADES: [char; 5] = [' ', '░', '▒', '▓', '█'];
const EIGHTHS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The shade of `t` in [0, 1]; `?` when not a number.
pub fn shade(t: f64) -> char {
    if !t.is_finite() {
        return '?';
    }
    SHADES[((t * SHADES.len() as f64) as usize).min(SHADES.len() - 1)]
}

/// Lay out `n` tiles of `tw × th` (gap 2 across, 1 down) in `inner`,
/// starting at tile row `scroll`: the positions of those shown, and the
/// number of tile rows in all.
fn tiles(
    inner: Rect,
    n: usize,
    tw: u16,
    th: u16,
    scroll: usize,
) -> (Vec<(usize, u16, u16)>, usize) {
    let per_row = usize::from((inner.width + 2) / (tw + 2)).max(1);
    let rows = n.div_ceil(per_row);
    let first = scroll.min(rows.saturating_sub(1));
    let mut out = Vec::new();
    for i in first * per_row..n {
        let r = (i / per_row - first) as u16;
        let y = inner.y + r * (th + 1);
        if y + th > inner.y + inner.height {
            break;
        }
        let x = inner.x + (i % per_row) as u16 * (tw + 2);
        out.push((i, x, y));
    }
    (out, rows)
}

/// The block's title with what is shown of how many, and the scroll hint.
fn title(name: &str, shown: &[(usize, u16, u16)], n: usize) -> String {
    match (shown.first(), shown.last()) {
        (Some(a), Some(b)) if b.0 + 1 - a.0 < n => {
            format!("{name} · {}–{} of {n} · PgDn/PgUp", a.0 + 1, b.0 + 1)
        }
        _ => name.to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
pub fn heatmaps(
    o: &LabOutcome,
    group: &str,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
    lang: Lang,
    scroll: usize,
) {
    let maps: Vec<_> = o.heatmaps.iter().filter(|h| h.group == group).collect();
    let finite = maps
        .iter()
        .flat_map(|h| h.values.iter().copied())
        .filter(|v| v.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    let inner = Rect::new(
        area.x + 1,
        area.y + 2,
        area.width.saturating_sub(2),
        area.height.saturating_sub(3),
    );
    // Row labels (tokens, states, cells) on the left of each map, as wide
    // as the longest one up to 12 columns and a quarter of the pane; column
    // labels on a line above the cells where they fit (see `col_label_line`).
    let lw: u16 = maps
        .iter()
        .flat_map(|h| h.row_labels.iter())
        .map(|l| crate::text::width(l))
        .max()
        .map_or(0, |w| (w.min(12) as u16).min(inner.width / 4));
    let label_w = if lw > 0 { lw + 1 } else { 0 };
    let has_cols = maps.iter().any(|h| !h.col_labels.is_empty());
    let cell_room = inner.width.saturating_sub(label_w);
    // Cells two columns wide when the maps stay small, so they look square.
    let max_cols = maps.iter().map(|h| h.cols).max().unwrap_or(1).max(1);
    let max_rows = maps.iter().map(|h| h.rows).max().unwrap_or(1).max(1);
    let cw: u16 = if max_cols * 2 <= usize::from(cell_room) / 2 {
        2
    } else {
        1
    };
    let grid_w = ((max_cols as u16) * cw).min(cell_room.max(1));
    let tw = (label_w + grid_w).max(10).min(inner.width.max(1));
    let head = 1 + u16::from(has_cols);
    let th = (max_rows as u16).min(inner.height.saturating_sub(head).max(1)) + head;
    let (shown, _) = tiles(inner, maps.len(), tw, th, scroll);
    let name = if group.is_empty() {
        maps.first().map_or(String::new(), |h| pick(&h.title, lang))
    } else {
        group.to_string()
    };
    let b = theme.block(&title(&name, &shown, maps.len()), false);
    b.render(area, buf);
    if area.height < 4 {
        return;
    }
    let legend = format!(
        "{} {} {}",
        num(lo),
        SHADES.iter().skip(1).collect::<String>(),
        num(hi)
    );
    buf.set_stringn(
        area.x + 1,
        area.y + 1,
        legend,
        usize::from(inner.width),
        Style::new(),
    );
    let span = hi - lo;
    let dim = theme.fg(Color::DarkGray);
    for (i, x, y) in shown {
        let h = maps[i];
        let t = crate::text::truncate(&pick(&h.title, lang), usize::from(tw));
        buf.set_stringn(x, y, t, usize::from(tw), dim);
        let gx = x + label_w;
        let fit_cols = h.cols.min(usize::from(grid_w / cw));
        if has_cols {
            for (cx, label) in col_label_line(&h.col_labels, fit_cols, cw) {
                buf.set_stringn(gx + cx, y + 1, label, usize::from(grid_w - cx), dim);
            }
        }
        let top = y + head;
        for r in 0..h.rows.min(usize::from(th - head)) {
            if let Some(l) = h.row_labels.get(r).filter(|_| lw > 0) {
                let l = crate::text::truncate(l, usize::from(lw));
                buf.set_stringn(x, top + r as u16, l, usize::from(lw), dim);
            }
            for c in 0..fit_cols {
                let v = h.values.get(r * h.cols + c).copied().unwrap_or(f64::NAN);
                let t = if span > 0.0 { (v - lo) / span } else { 0.5 };
                let g = shade(t).to_string().repeat(usize::from(cw));
                let style = if theme.color {
                    Style::new().fg(Color::LightCyan)
                } else {
                    Style::new()
                };
                buf.set_stringn(
                    gx + c as u16 * cw,
                    top + r as u16,
                    g,
                    usize::from(cw),
                    style,
                );
            }
        }
    }
}

/// Where the column labels go on the line above a map's cells: each label
/// starts at its column's cell and is written only if it ends (with one
/// blank after it) before the next label placed, left to right — so short
/// labels (tokens, tags) all show, and long runs (t = 1..100) show every
/// few columns like an axis. Offsets are relative to the first cell.
fn col_label_line(labels: &[String], cols: usize, cw: u16) -> Vec<(u16, String)> {
    let mut out = Vec::new();
    let mut free = 0u16;
    let end = cols as u16 * cw;
    // Numbered columns (time steps, positions) get a regular axis: the first
    // and every step-th label, the step the smallest of 1, 2, 5, 10, 20,
    // 50, ... that leaves room for the widest number.
    let numeric = !labels.is_empty() && labels.iter().all(|l| l.parse::<f64>().is_ok());
    let step = if numeric {
        let need = labels
            .iter()
            .take(cols)
            .map(|l| crate::text::width(l) as u16 + 1)
            .max()
            .unwrap_or(1);
        [1usize, 2, 5]
            .iter()
            .flat_map(|&m| (0..5).map(move |e| m * 10usize.pow(e)))
            .filter(|s| s * usize::from(cw.max(1)) >= usize::from(need))
            .min()
            .unwrap_or(1)
    } else {
        1
    };
    for (c, l) in labels.iter().take(cols).enumerate() {
        if numeric && c > 0 && (c + 1) % step != 0 {
            continue;
        }
        let x = c as u16 * cw;
        let w = crate::text::width(l) as u16;
        if x < free || w == 0 {
            continue;
        }
        // The last label may run to the grid's edge; others leave a gap.
        if x + w > end {
            if out.is_empty() {
                out.push((x, crate::text::truncate(l, usize::from(end - x))));
            }
            break;
        }
        out.push((x, l.clone()));
        free = x + w + 1;
    }
    out
}

#[allow(clippy::too_many_arguments)]
pub fn histograms(
    o: &LabOutcome,
    group: &str,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
    lang: Lang,
    scroll: usize,
) {
    let hs: Vec<_> = o.histograms.iter().filter(|h| h.group == group).collect();
    let inner = Rect::new(
        area.x + 1,
        area.y + 1,
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    );
    let bins = hs.iter().map(|h| h.counts.len()).max().unwrap_or(1).max(1) as u16;
    // A tile: title, bars (3..6 rows), the range under them.
    let tw = bins.max(12).min(inner.width.max(1));
    let bar_h: u16 = if inner.height >= 16 { 5 } else { 3 };
    let th = bar_h + 2;
    let (shown, _) = tiles(inner, hs.len(), tw, th, scroll);
    let name = if group.is_empty() {
        "histograms".to_string()
    } else {
        format!("{group} · histograms")
    };
    let b = theme.block(&title(&name, &shown, hs.len()), false);
    b.render(area, buf);
    let dim = theme.fg(Color::DarkGray);
    let bar_style = if theme.color {
        Style::new().fg(Color::LightGreen)
    } else {
        Style::new()
    };
    for (i, x, y) in shown {
        let h = hs[i];
        let t = crate::text::truncate(&pick(&h.title, lang), usize::from(tw));
        buf.set_stringn(x, y, t, usize::from(tw), dim);
        let top = h.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
        let n = h.counts.len().min(usize::from(tw));
        for (c, &count) in h.counts.iter().take(n).enumerate() {
            // Height in eighths; a non-empty bin shows at least one eighth.
            let eighths = (count as f64 / top * f64::from(bar_h) * 8.0).ceil() as u16;
            let eighths = if count > 0 { eighths.max(1) } else { 0 };
            for r in 0..bar_h {
                let from_bottom = bar_h - 1 - r;
                let fill = eighths.saturating_sub(from_bottom * 8).min(8);
                let ch = EIGHTHS[usize::from(fill)];
                let ch = if fill == 0 && from_bottom == 0 {
                    '_'
                } else {
                    ch
                };
                buf.set_stringn(x + c as u16, y + 1 + r, ch.to_string(), 1, bar_style);
            }
        }
        let lo = h.edges.first().copied().unwrap_or(f64::NAN);
        let hi = h.edges.last().copied().unwrap_or(f64::NAN);
        let range = format!("{}…{}", num(lo), num(hi));
        buf.set_stringn(x, y + 1 + bar_h, range, usize::from(tw), dim);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn column_labels_show_where_they_fit() {
        let words: Vec<String> = ["[CLS]", "a", "b", "c", "[SEP]"].map(String::from).to_vec();
        // Two columns per cell: "[CLS]" covers cells 0-2, so "a" and "b"
        // are skipped and "c" starts at its own cell.
        let got = super::col_label_line(&words, 5, 2);
        assert_eq!(got, vec![(0, "[CLS]".into()), (6, "c".into())]);
        let tags: Vec<String> = ["O", "B", "I"].map(String::from).to_vec();
        assert_eq!(
            super::col_label_line(&tags, 3, 2),
            vec![(0, "O".into()), (2, "B".into()), (4, "I".into())]
        );
        // Time steps 1..100 one column each: an axis at 1, 5, 10, ..., 95
        // (100 would run past the last cell).
        let t: Vec<String> = (1..=100).map(|t| t.to_string()).collect();
        let got = super::col_label_line(&t, 100, 1);
        let shown: Vec<&str> = got.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(shown.first(), Some(&"1"));
        assert_eq!(shown[1..4], ["5", "10", "15"]);
        assert_eq!(shown.last(), Some(&"95"));
        assert!(got.iter().all(|(x, l)| x + l.len() as u16 <= 100));
        // Fewer columns shown than labelled: only those columns' labels.
        assert_eq!(super::col_label_line(&t, 3, 2).len(), 3);
    }

    use super::*;

    #[test]
    fn tiles_fill_rows_then_scroll() {
        let inner = Rect::new(0, 0, 30, 10);
        // 14 wide + 2 gap: two per row; 4 tall + 1 gap: two rows fit.
        let (shown, rows) = tiles(inner, 5, 14, 4, 0);
        assert_eq!(rows, 3);
        assert_eq!(
            shown.iter().map(|t| t.0).collect::<Vec<_>>(),
            vec![0, 1, 2, 3]
        );
        let (shown, _) = tiles(inner, 5, 14, 4, 2);
        assert_eq!(shown.iter().map(|t| t.0).collect::<Vec<_>>(), vec![4]);
        assert_eq!(shade(0.0), ' ');
        assert_eq!(shade(1.0), '█');
        assert_eq!(shade(f64::NAN), '?');
    }
}
