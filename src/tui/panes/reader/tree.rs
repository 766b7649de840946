//! The topic tree, with mastery badges and search hits.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line as TLine, Span as TSpan};
use ratatui::widgets::{Block, Borders, Widget};

use crate::text::{self, Kind};
use crate::tui::app::{App, Focus};
use crate::tui::theme::Theme;

/// The topic tree as a widget (`area`: the pane with its border).
pub struct TreePanel<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for TreePanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let inner = Block::new().borders(Borders::ALL).inner(area);
        self.app.render_tree(area, inner, buf, &self.theme);
    }
}

impl App {
    pub(crate) fn render_tree(&self, outer: Rect, inner: Rect, buf: &mut Buffer, theme: &Theme) {
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
            // A weak topic of the last mock interview: marked before the title.
            let head = if self.weak.contains(&i) {
                format!("{head}⚠ ")
            } else {
                head
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
}
