//! Drawing: a pure function of [`App`]. No I/O, no state changes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line as TLine, Span as TSpan};
use ratatui::widgets::Widget;
use ratatui::Frame;

use tui_input::Input;

use super::app::{App, Focus, Mode};
use super::panes::quiz::QuizPanel;
use super::panes::reader::{
    HelpOverlay, NotePanel, ProblemsOverlay, SearchList, StatusLine, TreePanel,
};
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
pub(crate) fn spans_text(spans: &[TSpan]) -> String {
    spans.iter().map(|s| s.content.as_ref()).collect()
}

pub(crate) fn to_tline(line: &Line, theme: &Theme) -> TLine<'static> {
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
            TreePanel { app: self, theme }.render(a.tree, buf);
        }
        match &self.exp {
            _ if self.quiz.is_some() => {
                if let Some(q) = &self.quiz {
                    QuizPanel {
                        quiz: q,
                        theme,
                        lang: self.lang,
                        field: self.text_field(),
                        now: self.now.utc,
                    }
                    .render(a.note, buf);
                }
            }
            Some(exp) => super::panes::experiment::render(
                exp,
                a.note,
                buf,
                self.focus == Focus::Note,
                theme,
                self.text_field(),
                self.lang,
            ),
            None => NotePanel { app: self, theme }.render(a.note, buf),
        }
        StatusLine { app: self, theme }.render(a.status, buf);
        match self.mode {
            Mode::Help => HelpOverlay { app: self, theme }.render(area, buf),
            Mode::Problems => ProblemsOverlay { app: self, theme }.render(area, buf),
            Mode::Cards => self.render_cards(area, buf, &theme),
            Mode::Search => SearchList { app: self, theme }.render(a.status, buf),
            Mode::Normal | Mode::Edit | Mode::QuizInput => {}
        }
    }
}

/// Reverse-video every occurrence of `query` on one drawn line.
pub(crate) fn highlight(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    width: u16,
    line: &str,
    query: &str,
    theme: &Theme,
) {
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

/// Clear a popup's area, and a wide character (CJK) just left of it, whose
/// second half the popup's border would otherwise cut.
pub(crate) fn clear_popup(popup: Rect, buf: &mut Buffer) {
    ratatui::widgets::Clear.render(popup, buf);
    if popup.x == 0 {
        return;
    }
    for y in popup.y..popup.y.saturating_add(popup.height) {
        let cell = &mut buf[(popup.x - 1, y)];
        if text::width(cell.symbol()) > 1 {
            cell.set_symbol(" ");
        }
    }
}

pub(crate) fn centered(area: Rect, pct_w: u16, pct_h: u16) -> Rect {
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
