//! The learned tag-to-tag transition scores of a CRF or BiLSTM-CRF as a
//! shaded grid: row = previous tag, column = next tag (columns numbered as
//! the rows), shades over the matrix's own range (legend on top).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::widgets::Widget;

use crate::labs::format::num;
use crate::seq::tagger::Transitions;
use crate::tui::panes::lab::pictures::{shade, SHADES};
use crate::tui::theme::Theme;

/// Width the panel wants for `n` tags: border, a label column, two
/// columns per tag.
pub(super) fn transitions_width(t: &Transitions) -> u16 {
    let label = t.tags.iter().map(|s| s.chars().count()).max().unwrap_or(1);
    let label = label.min(10) + 3; // "9 " before the tag
    (label + 2 * t.tags.len() + 2).min(usize::from(u16::MAX)) as u16
}

pub struct TransitionsPanel<'a> {
    pub transitions: &'a Transitions,
    pub theme: Theme,
}

impl Widget for TransitionsPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.transitions;
        let b = self.theme.block("Transitions from→to", false);
        let inner = b.inner(area);
        b.render(area, buf);
        if inner.height < 3 || inner.width < 8 {
            return;
        }
        let n = t.tags.len();
        let finite = t.scores.iter().copied().filter(|v| v.is_finite());
        let lo = finite.clone().fold(f64::INFINITY, f64::min);
        let hi = finite.fold(f64::NEG_INFINITY, f64::max);
        let w = usize::from(inner.width);
        let legend = format!(
            "{} {} {}",
            num(lo),
            SHADES.iter().skip(1).collect::<String>(),
            num(hi)
        );
        buf.set_stringn(inner.x, inner.y, legend, w, Style::new());
        let label_w = t
            .tags
            .iter()
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(1)
            .min(10)
            + 3;
        // Column numbers (the row's number names the same tag).
        let mut header = " ".repeat(label_w);
        for j in 0..n {
            header.push_str(&format!("{:<2}", (j + 1) % 100));
        }
        buf.set_stringn(
            inner.x,
            inner.y + 1,
            header,
            w,
            self.theme.fg(Color::DarkGray),
        );
        let span = hi - lo;
        let cell = if self.theme.color {
            Style::new().fg(Color::LightCyan)
        } else {
            Style::new()
        };
        for (i, tag) in t.tags.iter().enumerate() {
            let y = inner.y + 2 + i as u16;
            if y >= inner.y + inner.height {
                break;
            }
            let label = format!(
                "{:<2}{}",
                i + 1,
                crate::text::truncate(tag, label_w.saturating_sub(3))
            );
            buf.set_stringn(inner.x, y, &label, w, Style::new());
            for j in 0..n {
                let x = inner.x as usize + label_w + 2 * j;
                if x + 2 > usize::from(inner.x + inner.width) {
                    break;
                }
                let v = t.scores.get(i * n + j).copied().unwrap_or(f64::NAN);
                let s = if span > 0.0 { (v - lo) / span } else { 0.5 };
                let g = shade(s).to_string().repeat(2);
                buf.set_stringn(x as u16, y, g, 2, cell);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_with_legend_labels_and_shades() {
        let t = Transitions {
            tags: vec!["B-PER".into(), "I-PER".into(), "O".into()],
            scores: vec![-2.0, 3.0, 0.0, -1.0, 1.0, 0.5, 0.0, -4.0, 1.0],
        };
        let w = transitions_width(&t);
        assert_eq!(w, 5 + 3 + 6 + 2);
        let area = Rect::new(0, 0, w, 8);
        let mut buf = Buffer::empty(area);
        TransitionsPanel {
            transitions: &t,
            theme: Theme { color: false },
        }
        .render(area, &mut buf);
        let rows: Vec<String> = (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect()
            })
            .collect();
        let all = rows.join("\n");
        assert!(rows[1].contains("-4") && rows[1].contains('3'), "{all}");
        assert!(rows[3].contains("1 B-PER"), "{all}");
        // B-PER → I-PER is the largest score: full block; I-PER after O the
        // smallest: blank.
        assert!(rows[3].contains("██"), "{all}");
        assert!(rows[5].starts_with("│3 O"), "{all}");
    }
}
