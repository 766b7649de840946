//! The lab pane: what any lab's [`LabOutcome`] holds, drawn under the
//! experiment setup. One status block (running: done/total and elapsed;
//! finished: the key figures, wrapped, each whole — as many lines as leave
//! the big panel 8 rows, the last line then naming the `figures` panel,
//! the last one, which lists them all), a bar naming the panels
//! (`1`-`9`, `[`/`]` pick the big one), the big panel and, when there is
//! room, the notices (or the next panel) below it. Every panel reads
//! without colour: series have their own marker glyph and a legend, heat
//! maps use shade glyphs, histograms bars.
//!
//! - [`chart`]: line charts (log y honoured);
//! - [`pictures`]: heat maps and histograms as small multiples;
//! - [`scatter`]: scatter plots of grouped points (a marker per group);
//! - [`text`]: tables, the confusion matrix and the notices.

mod chart;
pub(in crate::tui) mod pictures;
mod scatter;
mod text;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::labs::{format, Bi, LabOutcome};
use crate::settings::Lang;
use crate::tui::experiment::{ExperimentPane, LabPanel};
use crate::tui::theme::Theme;

/// Text of a [`Bi`] in the language shown (both: Chinese, then English).
pub(crate) fn pick(b: &Bi, lang: Lang) -> String {
    match lang {
        Lang::En => b.en.clone(),
        Lang::Zh if !b.zh.is_empty() => b.zh.clone(),
        Lang::Zh => b.en.clone(),
        Lang::Both if b.zh.is_empty() || b.zh == b.en => b.en.clone(),
        Lang::Both => format!("{} / {}", b.zh, b.en),
    }
}

/// Greedy wrap of plain text to `width` columns: at spaces when it can,
/// inside a word (or between CJK characters) when it must.
pub(crate) fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut cur_w = 0usize;
    for word in s.split(' ') {
        let ww = crate::text::width(word);
        let sep = usize::from(!cur.is_empty());
        if cur_w + sep + ww <= width {
            if sep == 1 {
                cur.push(' ');
            }
            cur.push_str(word);
            cur_w += sep + ww;
            continue;
        }
        if !cur.is_empty() && ww <= width {
            lines.push(std::mem::take(&mut cur));
            cur.push_str(word);
            cur_w = ww;
            continue;
        }
        // Too long for a line of its own: break it by characters.
        if sep == 1 && cur_w + 1 < width {
            cur.push(' ');
            cur_w += 1;
        } else if !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
            cur_w = 0;
        }
        for c in word.chars() {
            let cw = crate::text::width(c.encode_utf8(&mut [0; 4]));
            if cur_w + cw > width && !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
                cur_w = 0;
            }
            cur.push(c);
            cur_w += cw;
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// A panel's name in the panel bar.
fn panel_name(o: &LabOutcome, p: &LabPanel, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match p {
        LabPanel::Chart(i) => o
            .charts
            .get(*i)
            .map_or_else(String::new, |c| short(&pick(&c.title, lang))),
        LabPanel::Scatter(i) => o
            .scatters
            .get(*i)
            .map_or_else(String::new, |s| short(&pick(&s.title, lang))),
        LabPanel::Heatmaps(g) if g.is_empty() => (if zh { "热图" } else { "heat maps" }).into(),
        LabPanel::Heatmaps(g) => g.clone(),
        LabPanel::Histograms(g) if g.is_empty() => {
            (if zh { "直方图" } else { "histograms" }).into()
        }
        LabPanel::Histograms(g) => format!("{g} {}", if zh { "直方图" } else { "hist" }),
        LabPanel::Table(i) => o
            .tables
            .get(*i)
            .map_or_else(String::new, |t| short(&pick(&t.title, lang))),
        LabPanel::Matrix => (if zh { "混淆矩阵" } else { "confusion" }).into(),
        LabPanel::Notices => (if zh { "要点" } else { "notice" }).into(),
        LabPanel::Figures => (if zh { "全部数值" } else { "figures" }).into(),
    }
}

/// A title shortened for the panel bar: up to the first `(` or 18 columns.
fn short(s: &str) -> String {
    let s = s.split(" (").next().unwrap_or(s);
    let s = s.split('（').next().unwrap_or(s);
    crate::text::truncate(s.trim(), 20)
}

/// The lab part of the experiment pane (below the setup).
pub fn render(pane: &ExperimentPane, area: Rect, buf: &mut Buffer, theme: Theme, lang: Lang) {
    let width = usize::from(area.width);
    let Some(o) = pane.lab_outcome() else {
        let msg = if pane.is_running() {
            "starting the lab…".to_string()
        } else {
            "press r to run the lab (its figures, charts, pictures and what to notice appear here)"
                .to_string()
        };
        for (i, l) in wrap(&msg, width)
            .iter()
            .enumerate()
            .take(usize::from(area.height))
        {
            buf.set_stringn(area.x, area.y + i as u16, l, width, Style::new());
        }
        return;
    };
    // The status block: live progress, or the figures — as many lines as
    // leave the big panel `PANEL_ROOM` rows; the rest are in the figures
    // panel, and the last line shown says so.
    let panels = lab_panelsof(o);
    let status = status_lines(pane, o, lang, width, theme);
    let room = if area.height >= PANEL_ROOM + 4 {
        area.height - PANEL_ROOM - 1
    } else {
        area.height.saturating_sub(4).max(1)
    };
    let status_h = (status.len() as u16).min(room);
    let cut = status.len() > usize::from(status_h);
    for (i, l) in status.iter().take(usize::from(status_h)).enumerate() {
        buf.set_line(area.x, area.y + i as u16, l, area.width);
    }
    if cut && status_h > 0 {
        let k = panels
            .iter()
            .position(|p| *p == LabPanel::Figures)
            .map_or(0, |k| k + 1);
        let more = status.len() - usize::from(status_h) + 1;
        let msg = if lang == Lang::Zh {
            format!("…… 另有 {more} 行数值：按 {k} 查看全部")
        } else {
            format!("… {more} more line(s) of figures: {k} shows them all")
        };
        let y = area.y + status_h - 1;
        for x in area.x..area.x + area.width {
            buf[(x, y)].set_symbol(" ");
        }
        buf.set_stringn(area.x, y, msg, width, theme.fg(Color::DarkGray));
    }
    let rest = Rect::new(
        area.x,
        area.y + status_h,
        area.width,
        area.height.saturating_sub(status_h),
    );
    if panels.is_empty() || rest.height < 3 {
        return;
    }
    let big = pane.lab_panel.min(panels.len() - 1);
    // The panel bar: `1 std · 2 grad · …`, the big one reversed.
    let items: Vec<Span<'static>> = panels
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let label = format!("{} {}", i + 1, panel_name(o, p, lang));
            if i == big {
                Span::styled(label, Style::new().add_modifier(Modifier::REVERSED))
            } else {
                Span::raw(label)
            }
        })
        .collect();
    let bar = bar_line(items, width, big, theme);
    buf.set_line(rest.x, rest.y, &bar, rest.width);
    let body = Rect::new(rest.x, rest.y + 1, rest.width, rest.height - 1);
    // Room for a second panel: the notices (or, when they are big, the
    // first panel) below the big one.
    let second = if panels[big] == LabPanel::Notices {
        panels.first().filter(|p| **p != LabPanel::Notices).cloned()
    } else {
        panels.iter().find(|p| **p == LabPanel::Notices).cloned()
    };
    match second {
        Some(p2) if body.height >= 24 => {
            let [top, bottom] =
                Layout::vertical([Constraint::Percentage(62), Constraint::Percentage(38)])
                    .areas(body);
            draw(pane, o, &panels[big], top, buf, theme, lang, true);
            draw(pane, o, &p2, bottom, buf, theme, lang, false);
        }
        _ => draw(pane, o, &panels[big], body, buf, theme, lang, true),
    }
}

fn lab_panelsof(o: &LabOutcome) -> Vec<LabPanel> {
    crate::tui::experiment::lab_panels(o)
}

/// The panel bar: as many names as fit around the big one, `…` for the
/// others.
fn bar_line(items: Vec<Span<'static>>, width: usize, big: usize, theme: Theme) -> Line<'static> {
    let w = |s: &Span| crate::text::width(&s.content);
    let span_w = |lo: usize, hi: usize| -> usize {
        items[lo..hi].iter().map(w).sum::<usize>() + 3 * (hi - lo).saturating_sub(1) + 4
    };
    let n = items.len();
    let (mut lo, mut hi) = (big.min(n.saturating_sub(1)), (big + 1).min(n));
    loop {
        let grown = if hi < n && span_w(lo, hi + 1) <= width {
            hi += 1;
            true
        } else if lo > 0 && span_w(lo - 1, hi) <= width {
            lo -= 1;
            true
        } else {
            false
        };
        if !grown {
            break;
        }
    }
    let mut out = Vec::new();
    if lo > 0 {
        out.push(Span::raw("… "));
    }
    for (k, item) in items.into_iter().enumerate().take(hi).skip(lo) {
        if k > lo {
            out.push(Span::styled(" · ", theme.fg(Color::DarkGray)));
        }
        out.push(item);
    }
    if hi < n {
        out.push(Span::raw(" …"));
    }
    Line::from(out)
}

/// Running: `running 2/3 · 1.2 s`; finished or stopped: each figure as
/// `label value`, wrapped whole at ` · `.
fn status_lines(
    pane: &ExperimentPane,
    o: &LabOutcome,
    lang: Lang,
    width: usize,
    theme: Theme,
) -> Vec<Line<'static>> {
    let mut entries: Vec<String> = Vec::new();
    if pane.is_running() {
        let mut s = format!("running {}/{}", o.done, o.total);
        if let Some(t) = pane.elapsed() {
            s.push_str(&format!(" · {t:.1} s"));
        }
        s.push_str(" · Esc cancels");
        entries.push(s);
    } else if pane.error.is_some() && pane.lab_live.is_some() {
        entries.push(format!("stopped at {}/{}", o.done, o.total));
    }
    for f in &o.figures {
        entries.push(format!(
            "{} {}",
            pick(&f.label, lang),
            format::figure(f.value, &f.unit)
        ));
    }
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut cur: Vec<Span<'static>> = Vec::new();
    let mut used = 0usize;
    let sep = " · ";
    for (i, e) in entries.into_iter().enumerate() {
        let w = crate::text::width(&e);
        let style = if i == 0 && pane.is_running() {
            theme.fg(Color::Cyan)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        };
        if used > 0 && used + 3 + w > width {
            lines.push(Line::from(std::mem::take(&mut cur)));
            used = 0;
        }
        if used > 0 {
            cur.push(Span::styled(sep, theme.fg(Color::DarkGray)));
            used += 3;
        }
        // A figure longer than the line wraps onto several.
        for (k, part) in wrap(&e, width).into_iter().enumerate() {
            if k > 0 {
                lines.push(Line::from(std::mem::take(&mut cur)));
                used = 0;
            }
            used += crate::text::width(&part);
            cur.push(Span::styled(part, style));
        }
    }
    if !cur.is_empty() {
        lines.push(Line::from(cur));
    }
    lines
}

#[allow(clippy::too_many_arguments)]
fn draw(
    pane: &ExperimentPane,
    o: &LabOutcome,
    p: &LabPanel,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
    lang: Lang,
    big: bool,
) {
    let scroll = if big { pane.lab_scroll } else { 0 };
    match p {
        LabPanel::Chart(i) => {
            if let Some(c) = o.charts.get(*i) {
                chart::render(c, area, buf, theme, lang);
            }
        }
        LabPanel::Scatter(i) => {
            if let Some(s) = o.scatters.get(*i) {
                scatter::render(s, area, buf, theme, lang);
            }
        }
        LabPanel::Heatmaps(g) => pictures::heatmaps(o, g, area, buf, theme, lang, scroll),
        LabPanel::Histograms(g) => pictures::histograms(o, g, area, buf, theme, lang, scroll),
        LabPanel::Table(i) => {
            if let Some(t) = o.tables.get(*i) {
                let h = if big { pane.lab_hscroll } else { 0 };
                text::table(t, area, buf, theme, lang, scroll, h);
            }
        }
        LabPanel::Matrix => {
            if let Some(c) = &o.classification {
                text::matrix(c, area, buf, theme, lang);
            }
        }
        LabPanel::Notices => text::notices(o, area, buf, theme, lang, scroll),
        LabPanel::Figures => {
            let title = if lang == Lang::Zh {
                "全部数值 · PgDn/PgUp"
            } else {
                "figures · PgDn/PgUp"
            };
            let b = theme.block(title, false);
            let inner = b.inner(area);
            ratatui::widgets::Widget::render(b, area, buf);
            let lines = status_lines(pane, o, lang, usize::from(inner.width), theme);
            let first = scroll.min(lines.len().saturating_sub(1));
            for (i, l) in lines
                .iter()
                .skip(first)
                .take(usize::from(inner.height))
                .enumerate()
            {
                buf.set_line(inner.x, inner.y + i as u16, l, inner.width);
            }
        }
    }
}

/// Rows the big panel keeps under the figures when the pane is short.
const PANEL_ROOM: u16 = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_and_breaks_cjk() {
        assert_eq!(wrap("a bb ccc", 4), vec!["a bb", "ccc"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        let w = wrap("激活值标准差每层缩小", 6);
        assert!(w.iter().all(|l| crate::text::width(l) <= 6), "{w:?}");
        assert_eq!(w.concat(), "激活值标准差每层缩小");
    }
}
