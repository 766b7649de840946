//! The help overlay: the rows of the bindings table for the focused
//! contexts, filterable with `/`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line as TLine, Span as TSpan};
use ratatui::widgets::{Block, Borders, Widget};

use crate::text::{self, Kind, Line};
use crate::tui::app::App;
use crate::tui::keys::{self, Context};
use crate::tui::theme::Theme;
use crate::tui::view::{centered, clear_popup, field_spans, to_tline};

/// The help overlay as a widget (`area`: the whole screen).
pub struct HelpOverlay<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for HelpOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        self.app.render_help(area, buf, &self.theme);
    }
}

/// Below this width the help stacks each key over its text.
const NARROW: usize = 40;

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
            if width < NARROW {
                // Too narrow for a key column: the key on its own line, the
                // text under it with a small indent (words stay whole).
                let indent = vec![text::Span::new(Kind::Text, "  ")];
                lines.push(vec![text::Span::new(
                    Kind::Marker,
                    text::truncate(b.label, width),
                )]);
                lines.extend(text::wrap(&body, width, &indent, &indent));
            } else if lw + 2 > key_w {
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

    pub(crate) fn render_help(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let main = Rect {
            height: area.height.saturating_sub(1),
            ..area
        };
        let popup = centered(main, 90, 100);
        clear_popup(popup, buf);
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
