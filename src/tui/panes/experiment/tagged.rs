//! Tagged test sentences of a tagging run: entities coloured by type,
//! wrong tags underlined with the truth in brackets.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line as TLine, Span as TSpan};
use ratatui::widgets::Widget;

use crate::tui::experiment::ExperimentPane;
use crate::tui::theme::Theme;

/// The tagged-sentences panel as a widget.
pub struct TaggedPanel<'a> {
    pub pane: &'a ExperimentPane,
    pub tagging: &'a crate::experiment::TaggingReport,
    pub theme: Theme,
}

impl Widget for TaggedPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        render_tagged(self.pane, self.tagging, area, buf, self.theme);
    }
}

/// Colour of an entity type (hashed, so a type keeps its colour).
pub(super) fn type_color(t: &str, theme: Theme) -> Color {
    if !theme.color {
        return Color::Reset;
    }
    let h = t.bytes().fold(7usize, |h, b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    });
    crate::tui::theme::PALETTE[h % crate::tui::theme::PALETTE.len()]
}

/// Tagged test sentences: entity tokens coloured by type, wrong tags
/// marked with the true tag in brackets.
pub(super) fn render_tagged(
    pane: &ExperimentPane,
    t: &crate::experiment::TaggingReport,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
) {
    let b = theme.block(
        "Test sentences · colour = predicted type · [truth] where wrong · PgUp/PgDn",
        false,
    );
    let inner = b.inner(area);
    b.render(area, buf);
    let width = usize::from(inner.width);
    let mut lines: Vec<TLine> = Vec::new();
    for s in t.sentences.iter().skip(pane.sentence_offset) {
        let mut spans: Vec<TSpan> = Vec::new();
        let mut used = 0usize;
        for ((tok, truth), pred) in s.tokens.iter().zip(&s.truth).zip(&s.pred) {
            let ty = pred.split_once('-').map_or("", |(_, ty)| ty);
            let mut style = Style::new();
            if !ty.is_empty() {
                style = style.fg(type_color(ty, theme)).add_modifier(Modifier::BOLD);
            }
            let mut word = tok.clone();
            if truth != pred {
                style = style.add_modifier(Modifier::UNDERLINED);
                word = format!("{tok}[{truth}]");
            }
            let w = crate::text::width(&word) + 1;
            if used + w > width && used > 0 {
                lines.push(TLine::from(std::mem::take(&mut spans)));
                used = 0;
            }
            spans.push(TSpan::styled(word, style));
            spans.push(TSpan::raw(" "));
            used += w;
        }
        lines.push(TLine::from(spans));
        if lines.len() >= usize::from(inner.height) {
            break;
        }
    }
    for (n, line) in lines.iter().take(usize::from(inner.height)).enumerate() {
        buf.set_line(inner.x, inner.y + n as u16, line, inner.width);
    }
}
