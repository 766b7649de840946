//! Drawing: a pure function of [`App`]. No I/O, no state changes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line as TLine, Span as TSpan};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};
use ratatui::Frame;

use tui_input::Input;

use super::app::{App, Focus, Mode};
use super::keys::{self, Context};
use super::theme::Theme;
use crate::text::{self, Kind, Line};

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    app.render(area, frame.buffer_mut());
}

/// A text field as spans: the old value shown selected while typing would
/// replace it, else the cursor as a reversed cell (a block at the end).
pub fn field_spans(input: &Input, fresh: bool, theme: &Theme) -> Vec<TSpan<'static>> {
    let value = input.value();
    if fresh {
        return vec![
            TSpan::styled(value.to_string(), theme.selected()),
            TSpan::raw("█"),
        ];
    }
    let cursor = input.cursor();
    let split = value
        .char_indices()
        .nth(cursor)
        .map_or(value.len(), |(i, _)| i);
    let (before, after) = value.split_at(split);
    let mut chars = after.chars();
    let mut out = vec![TSpan::raw(before.to_string())];
    match chars.next() {
        Some(c) => {
            out.push(TSpan::styled(c.to_string(), theme.selected()));
            out.push(TSpan::raw(chars.as_str().to_string()));
        }
        None => out.push(TSpan::raw("█")),
    }
    out
}

/// The same as plain text (for width sums).
fn spans_text(spans: &[TSpan]) -> String {
    spans.iter().map(|s| s.content.as_ref()).collect()
}

fn to_tline(line: &Line, theme: &Theme) -> TLine<'static> {
    TLine::from(
        line.iter()
            .map(|s| TSpan::styled(s.text.clone(), theme.kind(s.kind)))
            .collect::<Vec<_>>(),
    )
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let theme = Theme { color: self.color };
        let a = self.areas_for(area.width, area.height);
        if a.too_small {
            let msg = text::truncate("terminal too small", usize::from(area.width));
            buf.set_stringn(area.x, area.y, msg, usize::from(area.width), Style::new());
            return;
        }
        if a.tree.width > 0 {
            self.render_tree(a.tree, a.tree_inner, buf, &theme);
        }
        match &self.exp {
            _ if self.quiz.is_some() => {
                if let Some(q) = &self.quiz {
                    super::quiz_view::render(q, a.note, buf, theme, self.lang, self.text_field());
                }
            }
            Some(exp) => super::exp_view::render(
                exp,
                a.note,
                buf,
                self.focus == Focus::Note,
                theme,
                self.text_field(),
            ),
            None => self.render_note(a.note, a.note_inner, buf, &theme),
        }
        self.render_status(a.status, buf, &theme);
        match self.mode {
            Mode::Help => self.render_help(area, buf, &theme),
            Mode::Problems => self.render_problems(area, buf, &theme),
            Mode::Normal | Mode::Search | Mode::Edit | Mode::QuizInput => {}
        }
    }
}

impl App {
    fn render_tree(&self, outer: Rect, inner: Rect, buf: &mut Buffer, theme: &Theme) {
        let focused = self.focus == Focus::Tree;
        Block::new()
            .borders(Borders::ALL)
            .border_style(theme.border(focused))
            .title(" Topics ")
            .render(outer, buf);
        let w = usize::from(inner.width);
        let hits: &[usize] = if self.search.query.is_empty() {
            &[]
        } else {
            &self.search.hits
        };
        for (row, &(i, depth)) in self
            .rows
            .iter()
            .enumerate()
            .skip(self.tree_offset)
            .take(usize::from(inner.height))
        {
            let t = &self.lib.topics[i];
            let marker = if t.children.is_empty() {
                "  "
            } else if self.is_expanded(i) {
                "▾ "
            } else {
                "▸ "
            };
            let indent = "  ".repeat(depth);
            let head = format!("{indent}{marker}");
            let zh = t.title.zh.as_str();
            let badge = match self.mastery.get(&i) {
                Some(&(m, n, due)) if due > 0 => format!(" {m}/{n}·{due} due"),
                Some(&(m, n, _)) if m > 0 => format!(" {m}/{n}"),
                _ => String::new(),
            };
            let label = format!("{head}{zh} {}{badge}", t.title.en);
            let label = text::truncate(&label, w);
            let mut style = Style::new();
            if hits.contains(&i) {
                style = style.patch(theme.fg(Color::Yellow));
            }
            if row == self.selected {
                style = if focused {
                    style.add_modifier(Modifier::REVERSED | Modifier::BOLD)
                } else {
                    style.add_modifier(Modifier::REVERSED)
                };
            }
            let y = inner.y + (row - self.tree_offset) as u16;
            // Title in two tones: Chinese bright, English dim (unless selected).
            let zh_end = text::width(&head) + text::width(zh);
            let mut spans = Vec::new();
            let mut used = 0;
            for c in label.chars() {
                let cw = text::width(c.encode_utf8(&mut [0u8; 4]));
                let st = if used >= zh_end && row != self.selected && !hits.contains(&i) {
                    theme.kind(Kind::Dim)
                } else {
                    style
                };
                spans.push(TSpan::styled(c.to_string(), st));
                used += cw;
            }
            let line = TLine::from(spans);
            buf.set_line(inner.x, y, &line, inner.width);
            if row == self.selected {
                // Fill the rest of the row so the selection bar is whole.
                let lw = text::width(&label) as u16;
                if lw < inner.width {
                    buf.set_style(Rect::new(inner.x + lw, y, inner.width - lw, 1), style);
                }
            }
        }
    }

    fn render_note(&self, outer: Rect, inner: Rect, buf: &mut Buffer, theme: &Theme) {
        let focused = self.focus == Focus::Note;
        let lines = self.note_lines();
        let total = lines.len();
        let shown_end = (self.note_scroll + usize::from(inner.height)).min(total);
        let pos = if total == 0 {
            String::new()
        } else {
            format!(" {}-{}/{} ", self.note_scroll + 1, shown_end, total)
        };
        let title = match self.selected_topic() {
            Some(i) => format!(" {} ", self.lib.topics[i].id),
            None => " Note ".to_string(),
        };
        Block::new()
            .borders(Borders::ALL)
            .border_style(theme.border(focused))
            .title(text::truncate(
                &title,
                usize::from(outer.width.saturating_sub(2)),
            ))
            .title_bottom(TLine::from(pos).right_aligned())
            .render(outer, buf);
        if total == 0 {
            let msg = if self.lib.topics.is_empty() {
                "No topics loaded. Press p to see why."
            } else {
                ""
            };
            Paragraph::new(msg).render(inner, buf);
            return;
        }
        let query = self.search.query.trim().to_lowercase();
        for (n, line) in lines
            .iter()
            .skip(self.note_scroll)
            .take(usize::from(inner.height))
            .enumerate()
        {
            let y = inner.y + n as u16;
            buf.set_line(inner.x, y, &to_tline(line, theme), inner.width);
            if !query.is_empty() {
                highlight(
                    buf,
                    inner.x,
                    y,
                    inner.width,
                    &text::line_text(line),
                    &query,
                    theme,
                );
            }
        }
    }

    fn render_status(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let w = usize::from(area.width);
        let errors = self.lib.errors().count();
        let right = if errors > 0 {
            format!(" {errors} problem(s): p ")
        } else {
            String::new()
        };
        let lang = format!(" {} ", self.lang.label());
        let has_exp = self
            .selected_topic()
            .is_some_and(|i| !super::app::experiments_for(&self.lib, i).is_empty());
        let hints: Vec<&str> = keys::footer_hints(&self.contexts())
            .into_iter()
            .filter(|h| has_exp || self.exp.is_some() || !h.starts_with("e "))
            .collect();
        // What comes before the key hints: the search being typed, the
        // current hit, or a one-off message (which then stands alone).
        let (prefix, hints): (Vec<TSpan>, Vec<&str>) = match self.mode {
            Mode::Search => {
                let n = self.search.hits.len();
                let mut p = vec![TSpan::raw("/")];
                if let Some((input, fresh)) = self.text_field() {
                    p.extend(field_spans(input, fresh, theme));
                }
                p.push(TSpan::raw(format!(
                    "  {} hit{}  ",
                    n,
                    if n == 1 { "" } else { "s" }
                )));
                (p, hints)
            }
            Mode::Normal => {
                if let Some(f) = &self.flash {
                    (vec![TSpan::raw(f.clone())], Vec::new())
                } else if self.search.hits.is_empty() || self.search.query.is_empty() {
                    (Vec::new(), hints)
                } else {
                    let p = format!(
                        "[{}/{} \"{}\"] n/N next · ",
                        self.search.current + 1,
                        self.search.hits.len(),
                        self.search.query
                    );
                    (vec![TSpan::raw(p)], hints)
                }
            }
            Mode::Help | Mode::Problems | Mode::Edit | Mode::QuizInput => (Vec::new(), hints),
        };
        let rw = text::width(&right);
        // The language sits left of the problem count, when there is room.
        let lw = text::width(&lang);
        let lw = if rw + lw + 10 <= w { lw } else { 0 };
        let avail = w.saturating_sub(rw + lw);
        let style = theme.status();
        let prefix_w = text::width(&spans_text(&prefix));
        let fitted = keys::fit_hints(&hints, avail.saturating_sub(prefix_w));
        let mut spans = prefix;
        if prefix_w > avail {
            // A long message or query: cut it (the hints give way first).
            let cut = text::truncate(&spans_text(&spans), avail);
            spans = vec![TSpan::raw(cut)];
        } else {
            spans.push(TSpan::raw(fitted));
        }
        let line = TLine::from(spans).style(style);
        buf.set_line(area.x, area.y, &line, avail as u16);
        if lw > 0 {
            buf.set_stringn(
                area.x + (w - rw - lw) as u16,
                area.y,
                &lang,
                lw,
                theme.fg(Color::Cyan),
            );
        }
        if rw > 0 && rw <= w {
            buf.set_stringn(
                area.x + (w - rw) as u16,
                area.y,
                &right,
                rw,
                theme.fg(Color::Red).add_modifier(Modifier::BOLD),
            );
        }
    }

    fn render_problems(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let popup = centered(area, 90, 80);
        Clear.render(popup, buf);
        let title = format!(" {} problem(s) in the topics ", self.lib.problems.len());
        let block = Block::new()
            .borders(Borders::ALL)
            .border_style(theme.fg(Color::Red))
            .title(text::truncate(
                &title,
                usize::from(popup.width.saturating_sub(2)),
            ));
        let inner = block.inner(popup);
        block.render(popup, buf);
        let mut lines = Vec::new();
        for p in self.lib.problems.iter().skip(self.problems_scroll) {
            let spans = vec![text::Span::new(Kind::Text, p.to_string())];
            lines.extend(text::wrap(
                &spans,
                usize::from(inner.width),
                &[],
                &[text::Span::new(Kind::Text, "  ")],
            ));
            if lines.len() >= usize::from(inner.height) {
                break;
            }
        }
        if self.lib.problems.is_empty() {
            lines.push(vec![text::Span::new(
                Kind::Text,
                "No problems: every topic loaded.",
            )]);
        }
        for (n, line) in lines.iter().take(usize::from(inner.height)).enumerate() {
            buf.set_line(
                inner.x,
                inner.y + n as u16,
                &to_tline(line, theme),
                inner.width,
            );
        }
    }
}

/// Reverse-video every occurrence of `query` on one drawn line.
fn highlight(buf: &mut Buffer, x: u16, y: u16, width: u16, line: &str, query: &str, theme: &Theme) {
    let lower = line.to_lowercase();
    // Lower-casing can change byte lengths for some scripts; only highlight
    // when it did not, so columns stay right.
    if lower.len() != line.len() {
        return;
    }
    let mut start = 0;
    while let Some(off) = lower[start..].find(query) {
        let b = start + off;
        let col = text::width(&line[..b]) as u16;
        let w = text::width(&line[b..b + query.len()]) as u16;
        if col < width {
            let w = w.min(width - col);
            buf.set_style(Rect::new(x + col, y, w, 1), theme.kind(Kind::Highlight));
        }
        start = b + query.len().max(1);
        if start >= lower.len() {
            break;
        }
    }
}

fn centered(area: Rect, pct_w: u16, pct_h: u16) -> Rect {
    let w = (u32::from(area.width) * u32::from(pct_w) / 100) as u16;
    let h = (u32::from(area.height) * u32::from(pct_h) / 100) as u16;
    let w = w.max(area.width.min(20));
    let h = h.max(area.height.min(5));
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

impl App {
    /// The contexts the help overlay lists: those focused when `?` was
    /// pressed, then the help's own keys.
    pub fn help_contexts(&self) -> Vec<Context> {
        let mut ctxs = if self.help_for.is_empty() {
            vec![Context::Tree, Context::Global]
        } else {
            self.help_for.clone()
        };
        if !ctxs.contains(&Context::Help) {
            ctxs.push(Context::Help);
        }
        if self.help_typing && !ctxs.contains(&Context::HelpFilter) {
            ctxs.push(Context::HelpFilter);
        }
        ctxs
    }

    /// The help's lines at `width`: per context, its heading and its rows
    /// (only those matching the filter).
    pub fn help_lines(&self, width: usize) -> Vec<Line> {
        let rows = keys::help_rows(&self.help_contexts(), &self.help_filter);
        // Keys in a column of at most 16; a longer label gets its own line.
        let key_w = rows
            .iter()
            .map(|(_, b)| text::width(b.label))
            .filter(|&w| w <= 16)
            .max()
            .unwrap_or(0)
            .min(width / 3)
            + 2;
        let mut lines: Vec<Line> = Vec::new();
        let mut last = None;
        for (c, b) in &rows {
            if last != Some(*c) {
                if last.is_some() {
                    lines.push(Vec::new());
                }
                lines.push(vec![text::Span::new(Kind::Heading, c.title())]);
                last = Some(*c);
            }
            let indent = vec![text::Span::new(Kind::Text, " ".repeat(key_w))];
            let body = vec![text::Span::new(Kind::Text, b.help)];
            let lw = text::width(b.label);
            if lw + 2 > key_w {
                lines.push(vec![text::Span::new(
                    Kind::Marker,
                    text::truncate(b.label, width),
                )]);
                lines.extend(text::wrap(&body, width, &indent, &indent));
            } else {
                let pad = " ".repeat(key_w - lw);
                let first = vec![text::Span::new(Kind::Marker, format!("{}{pad}", b.label))];
                lines.extend(text::wrap(&body, width, &first, &indent));
            }
        }
        if rows.is_empty() {
            lines.push(vec![text::Span::new(
                Kind::Dim,
                format!(
                    "no key matches `{}` (Esc clears the filter)",
                    self.help_filter
                ),
            )]);
        }
        lines
    }

    fn render_help(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let main = Rect {
            height: area.height.saturating_sub(1),
            ..area
        };
        let popup = centered(main, 90, 100);
        Clear.render(popup, buf);
        let mut title = vec![TSpan::raw(" Keys ")];
        if self.help_typing {
            title.push(TSpan::raw("· filter: "));
            if let Some((input, fresh)) = self.text_field() {
                title.extend(field_spans(input, fresh, theme));
            }
            title.push(TSpan::raw(" "));
        } else if !self.help_filter.is_empty() {
            title.push(TSpan::raw(format!("· filter: {} ", self.help_filter)));
        }
        let block = Block::new()
            .borders(Borders::ALL)
            .border_style(theme.fg(Color::Cyan))
            .title(TLine::from(title));
        let inner = block.inner(popup);
        block.render(popup, buf);
        let lines = self.help_lines(usize::from(inner.width));
        let height = usize::from(inner.height);
        let scroll = self.help_scroll.min(lines.len().saturating_sub(height));
        for (n, line) in lines.iter().skip(scroll).take(height).enumerate() {
            buf.set_line(
                inner.x,
                inner.y + n as u16,
                &to_tline(line, theme),
                inner.width,
            );
        }
    }
}
