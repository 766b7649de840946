//! The problems overlay: what was skipped in the topic files and why.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::widgets::{Block, Borders, Widget};

use crate::text::{self, Kind};
use crate::tui::app::App;
use crate::tui::theme::Theme;
use crate::tui::view::{centered, clear_popup, to_tline};

/// The problems overlay as a widget (`area`: the whole screen).
pub struct ProblemsOverlay<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for ProblemsOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        self.app.render_problems(area, buf, &self.theme);
    }
}

impl App {
    pub(crate) fn render_problems(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let popup = centered(area, 90, 80);
        clear_popup(popup, buf);
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
