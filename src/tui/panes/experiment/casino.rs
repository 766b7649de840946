//! The casino run: the true die against Viterbi's path and P(loaded).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Axis, Chart, Widget};

use super::*;
use crate::tui::theme::Theme;

/// The casino panel as a widget.
pub struct CasinoPanel<'a> {
    pub casino: &'a crate::experiment::Casino,
    pub theme: Theme,
}

impl Widget for CasinoPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        render_casino(self.casino, area, buf, self.theme);
    }
}

/// The casino: the true die and the Viterbi path as strips of F/L, and the
/// posterior probability of "loaded" over time.
pub(super) fn render_casino(
    c: &crate::experiment::Casino,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
) {
    let title = format!(
        "Casino · Viterbi right on {:.1}% of rolls · posterior {:.1}%",
        c.viterbi_accuracy * 100.0,
        c.posterior_accuracy * 100.0
    );
    let b = theme.block(&title, false);
    let inner = b.inner(area);
    b.render(area, buf);
    if inner.height < 4 || inner.width < 10 {
        return;
    }
    let w = usize::from(inner.width).saturating_sub(8);
    let n = c.rolls.len().min(w.max(1) * 4);
    let per = (n as f64 / w.max(1) as f64).max(1.0);
    let strip = |states: &[usize]| -> String {
        (0..w.min(n))
            .map(|i| {
                let s = states[((i as f64 * per) as usize).min(states.len() - 1)];
                c.states
                    .get(s)
                    .and_then(|n| n.chars().next())
                    .unwrap_or('?')
                    .to_ascii_uppercase()
            })
            .collect()
    };
    let loaded_style = |ch: char| {
        if ch == 'L' && theme.color {
            Style::new().fg(Color::LightRed)
        } else {
            Style::new()
        }
    };
    for (row, (label, states)) in [("truth", &c.truth), ("viterbi", &c.viterbi)]
        .into_iter()
        .enumerate()
    {
        buf.set_stringn(
            inner.x,
            inner.y + row as u16,
            format!("{label:<8}"),
            8,
            Style::new().add_modifier(Modifier::BOLD),
        );
        for (i, ch) in strip(states).chars().enumerate() {
            buf.set_stringn(
                inner.x + 8 + i as u16,
                inner.y + row as u16,
                ch.to_string(),
                1,
                loaded_style(ch),
            );
        }
    }
    let chart_area = Rect::new(inner.x, inner.y + 2, inner.width, inner.height - 2);
    let pts: Vec<(f64, f64)> = c
        .posterior_loaded
        .iter()
        .take(n)
        .enumerate()
        .map(|(i, &p)| (i as f64, p))
        .collect();
    let truth: Vec<(f64, f64)> = c
        .truth
        .iter()
        .take(n)
        .enumerate()
        .map(|(i, &s)| {
            (
                i as f64,
                if c.states.get(s).is_some_and(|x| x == "loaded") {
                    1.0
                } else {
                    0.0
                },
            )
        })
        .collect();
    Chart::new(vec![
        series(&truth, theme.fg(Color::DarkGray)).name("truly loaded"),
        series(&pts, theme.fg(Color::LightRed)).name("P(loaded | rolls)"),
    ])
    .x_axis(
        Axis::default()
            .bounds([0.0, n.max(1) as f64])
            .labels(["1".to_string(), n.to_string()]),
    )
    .y_axis(Axis::default().bounds([0.0, 1.0]).labels(["0", "1"]))
    .render(chart_area, buf);
}
