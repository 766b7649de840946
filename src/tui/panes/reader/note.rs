//! The note pane: the selected topic's note, search hits highlighted.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line as TLine;
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use crate::text::{self};
use crate::tui::app::{App, Focus};
use crate::tui::theme::Theme;
use crate::tui::view::{highlight, to_tline};

/// The note as a widget (`area`: the pane with its border).
pub struct NotePanel<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for NotePanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let inner = Block::new().borders(Borders::ALL).inner(area);
        self.app.render_note(area, inner, buf, &self.theme);
    }
}

impl App {
    pub(crate) fn render_note(&self, outer: Rect, inner: Rect, buf: &mut Buffer, theme: &Theme) {
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
}
