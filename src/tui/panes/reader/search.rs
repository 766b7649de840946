//! The search result list: while a query is typed, the topics it finds
//! (best first, with where each matched) in a popup above the status line;
//! ↑↓ choose, Enter opens. An empty list says "no match".

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders, Widget};

use crate::text;
use crate::tui::app::App;
use crate::tui::theme::Theme;
use crate::tui::view::clear_popup;

/// The result list as a widget; `area` is the status line it sits on.
pub struct SearchList<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

/// Most hits listed at once (the list scrolls with the chosen one).
const MAX_ROWS: usize = 8;

impl Widget for SearchList<'_> {
    fn render(self, status: Rect, buf: &mut Buffer) {
        let s = &self.app.search;
        if s.query.trim().is_empty() || status.y < 3 || status.width < 12 {
            return;
        }
        let n = s.hits.len();
        let room = usize::from(status.y).saturating_sub(2);
        let rows = n.clamp(1, MAX_ROWS).min(room);
        if rows == 0 {
            return;
        }
        let width = status.width.min(76);
        let popup = Rect::new(status.x, status.y - rows as u16 - 2, width, rows as u16 + 2);
        clear_popup(popup, buf);
        let title = if n == 0 {
            " no match ".to_string()
        } else {
            format!(" {n} topic(s) · ↑↓ choose · Enter open ")
        };
        let block = Block::new()
            .borders(Borders::ALL)
            .border_style(self.theme.border(true))
            .title(text::truncate(&title, usize::from(width.saturating_sub(2))));
        let inner = block.inner(popup);
        block.render(popup, buf);
        let w = usize::from(inner.width);
        if n == 0 {
            let msg = format!(
                "no topic has “{}” in its title, glossary, note, formulas or references",
                s.query.trim()
            );
            buf.set_stringn(inner.x, inner.y, text::truncate(&msg, w), w, Style::new());
            return;
        }
        let first = (s.current + 1).saturating_sub(rows);
        for (row, k) in (first..n).take(rows).enumerate() {
            let Some(t) = s.hits.get(k).and_then(|&i| self.app.lib.topics.get(i)) else {
                continue;
            };
            let kind = s.kinds.get(k).map_or("", |h| h.label());
            let kw = text::width(kind);
            let name = format!("{} {}", t.title.zh, t.title.en);
            let name_w = w.saturating_sub(kw + 1);
            let line = format!(
                "{}{}{kind}",
                text::truncate(&name, name_w),
                " ".repeat(name_w.saturating_sub(text::width(&text::truncate(&name, name_w))) + 1)
            );
            let style = if k == s.current {
                self.theme.selected()
            } else {
                Style::new()
            };
            let y = inner.y + row as u16;
            buf.set_stringn(inner.x, y, text::truncate(&line, w), w, style);
        }
    }
}
