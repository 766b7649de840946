//! The status line: the key hints of the focused context (whole hints
//! only), a message, the search, the language and the problem count.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use ratatui::text::{Line as TLine, Span as TSpan};
use ratatui::widgets::Widget;

use crate::text::{self};
use crate::tui::app::{App, Mode};
use crate::tui::keys::{self};
use crate::tui::theme::Theme;
use crate::tui::view::{field_spans, spans_text};

/// The status line as a widget.
pub struct StatusLine<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for StatusLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        self.app.render_status(area, buf, &self.theme);
    }
}

impl App {
    pub(crate) fn render_status(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
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
            .is_some_and(|i| !crate::tui::app::experiments_for(&self.lib, i).is_empty());
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
            Mode::Help | Mode::Problems | Mode::Cards | Mode::Edit | Mode::QuizInput => {
                (Vec::new(), hints)
            }
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
}
