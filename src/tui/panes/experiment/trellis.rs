//! The Viterbi / forward trellis, one column at a time.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::Widget;

use crate::text::truncate;
use crate::tui::theme::Theme;

/// The trellis panel as a widget.
pub struct TrellisPanel<'a> {
    pub trellis: &'a crate::tui::experiment::TrellisView,
    pub theme: Theme,
}

impl Widget for TrellisPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        render_trellis(self.trellis, area, buf, self.theme);
    }
}

/// The trellis: one row per state, one column per roll, δ (log) or α
/// (log) values revealed column by column, back-pointers as arrows, the
/// best path highlighted once the last column is shown.
pub(super) fn render_trellis(
    t: &crate::tui::experiment::TrellisView,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
) {
    let kind = if t.show_forward {
        "Forward: log α_t(j) = log b_j(o_t) + log Σ_i α_(t−1)(i) a_ij"
    } else {
        "Viterbi: δ_t(j) = log b_j(o_t) + max_i [δ_(t−1)(i) + log a_ij]  (↑↓ back-pointer)"
    };
    let b = theme.block(
        &format!(
            "Trellis on the first casino rolls · ←/→ step · f forward/Viterbi · t close · {kind}"
        ),
        true,
    );
    let inner = b.inner(area);
    b.render(area, buf);
    let col_w = 9usize;
    let label_w = 8usize;
    let cols = ((usize::from(inner.width).saturating_sub(label_w)) / col_w).min(t.rolls.len());
    if cols == 0 || inner.height < 6 {
        return;
    }
    let done = t.step >= t.rolls.len();
    let mut y = inner.y;
    let mut header = format!("{:label_w$}", "roll");
    for r in t.rolls.iter().take(cols) {
        header.push_str(&format!("{:>col_w$}", r + 1));
    }
    buf.set_stringn(
        inner.x,
        y,
        &header,
        usize::from(inner.width),
        Style::new().add_modifier(Modifier::BOLD),
    );
    y += 1;
    let mut truth = format!("{:label_w$}", "true die");
    for s in t.truth.iter().take(cols) {
        truth.push_str(&format!(
            "{:>col_w$}",
            t.states.get(*s).map_or("?", String::as_str)
        ));
    }
    buf.set_stringn(inner.x, y, &truth, usize::from(inner.width), Style::new());
    y += 1;
    for (j, state) in t.states.iter().enumerate() {
        buf.set_stringn(
            inner.x,
            y,
            format!("{:<label_w$}", truncate(state, label_w - 1)),
            label_w,
            Style::new().add_modifier(Modifier::BOLD),
        );
        for step in 0..cols.min(t.step) {
            let v = if t.show_forward {
                t.forward.log_alpha[(step, j)]
            } else {
                t.viterbi.delta[(step, j)]
            };
            let arrow = if t.show_forward || step == 0 {
                ' '
            } else {
                match t.viterbi.psi[(step, j)].cmp(&j) {
                    std::cmp::Ordering::Less => '↑',
                    std::cmp::Ordering::Greater => '↓',
                    std::cmp::Ordering::Equal => '→',
                }
            };
            let mut style = Style::new();
            if done && !t.show_forward && t.viterbi.path.get(step) == Some(&j) {
                style = if theme.color {
                    Style::new().fg(Color::Black).bg(Color::Yellow)
                } else {
                    Style::new().add_modifier(Modifier::REVERSED)
                };
            }
            let x = inner.x + (label_w + step * col_w) as u16;
            buf.set_stringn(x, y, format!("{arrow}{v:>8.2}"), col_w, style);
        }
        y += 1;
    }
    y += 1;
    let status = if done {
        if t.show_forward {
            format!(
                "log P(O) = {:.4} (sum over the last column)",
                t.forward.log_likelihood
            )
        } else {
            let path: Vec<&str> = t
                .viterbi
                .path
                .iter()
                .map(|&s| t.states.get(s).map_or("?", String::as_str))
                .collect();
            format!(
                "best path (highlighted): {}  log P = {:.4}",
                path.join(" "),
                t.viterbi.log_prob
            )
        }
    } else {
        format!(
            "column {} of {}: press → for the next roll",
            t.step,
            t.rolls.len()
        )
    };
    if y < inner.y + inner.height {
        buf.set_stringn(
            inner.x,
            y,
            truncate(&status, usize::from(inner.width)),
            usize::from(inner.width),
            Style::new(),
        );
    }
}
