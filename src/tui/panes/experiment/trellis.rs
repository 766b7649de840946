//! The Viterbi / forward trellis, one column at a time: the view scrolls
//! with the last revealed column, the chosen cell's back-pointers are traced
//! and its recurrence is filled in with the model's numbers.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::Widget;

use crate::text::{truncate, width};
use crate::tui::experiment::TrellisView;
use crate::tui::theme::Theme;

/// The trellis panel as a widget.
pub struct TrellisPanel<'a> {
    pub trellis: &'a TrellisView,
    pub theme: Theme,
}

impl Widget for TrellisPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        render_trellis(self.trellis, area, buf, self.theme);
    }
}

fn ln(p: f64) -> f64 {
    p.ln()
}

fn num(v: f64) -> String {
    if v == f64::NEG_INFINITY {
        "-inf".to_string()
    } else {
        format!("{v:.3}")
    }
}

/// The chosen cell's recurrence with the numbers in, one line per term.
pub fn cell_detail(t: &TrellisView) -> Vec<String> {
    let (col, j) = t.chosen();
    let name = |s: usize| t.states.get(s).map_or("?", String::as_str);
    let Some(&o) = t.rolls.get(col) else {
        return Vec::new();
    };
    let face = o + 1;
    let emit = ln(t.hmm.emissionprob[(j, o)]);
    let value = if t.show_forward {
        t.forward.log_alpha[(col, j)]
    } else {
        t.viterbi.delta[(col, j)]
    };
    let (sym, prev) = if t.show_forward {
        ("α", "α")
    } else {
        ("δ", "δ")
    };
    let mut out = vec![format!(
        "chosen cell: roll {} (a {face}), {}: {sym} = {}",
        col + 1,
        name(j),
        num(value)
    )];
    if col == 0 {
        out.push(format!(
            "  = log π({}) {} + log b({face}) {}",
            name(j),
            num(ln(t.hmm.startprob[j])),
            num(emit)
        ));
        return out;
    }
    let how = if t.show_forward {
        "log Σ_i of"
    } else {
        "max_i of"
    };
    out.push(format!("  = log b({face}) {} + {how}:", num(emit)));
    for i in 0..t.states.len() {
        let before = if t.show_forward {
            t.forward.log_alpha[(col - 1, i)]
        } else {
            t.viterbi.delta[(col - 1, i)]
        };
        let a = ln(t.hmm.transmat[(i, j)]);
        let mark = if !t.show_forward && t.viterbi.psi[(col, j)] == i {
            "  ← back-pointer"
        } else {
            ""
        };
        out.push(format!(
            "    i = {}: {prev} {} + log a {} = {}{mark}",
            name(i),
            num(before),
            num(a),
            num(before + a)
        ));
    }
    if !t.show_forward {
        let back: Vec<&str> = t.back_path().into_iter().map(name).collect();
        out.push(format!("  traced back (underlined): {}", back.join(" ")));
    }
    out
}

/// Greedy word wrap of plain text to `w` columns (a word wider than the line
/// is cut).
fn wrap_words(s: &str, w: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split(' ') {
        let need = width(&cur) + usize::from(!cur.is_empty()) + width(word);
        if !cur.is_empty() && need > w {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines.into_iter().map(|l| truncate(&l, w)).collect()
}

/// The trellis: one row per state, one column per roll, δ (log) or α
/// (log) values revealed column by column, each Viterbi cell with the arrow
/// of its back-pointer, the chosen cell's best path underlined and the best
/// path starred once the last column is shown.
pub(super) fn render_trellis(t: &TrellisView, area: Rect, buf: &mut Buffer, theme: Theme) {
    let b = theme.block(
        "Trellis on the first casino rolls · ←→ step · ↑↓ cell · Home/End · f forward/Viterbi · t close",
        true,
    );
    let inner = b.inner(area);
    b.render(area, buf);
    let w = usize::from(inner.width);
    let bottom = inner.y + inner.height;
    let col_w = 9usize;
    let label_w = 9usize;
    let n = t.rolls.len();
    let cols = (w.saturating_sub(label_w) / col_w).min(n);
    if cols == 0 || inner.height < 6 {
        buf.set_stringn(
            inner.x,
            inner.y,
            truncate("trellis: enlarge the terminal", w),
            w,
            Style::new(),
        );
        return;
    }
    let first = t.first_column(cols);
    let shown = first..(first + cols).min(n);
    let done = t.step >= n;
    let (chosen_col, chosen_state) = t.chosen();
    let trace = t.back_path();
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut y = inner.y;
    let put = |buf: &mut Buffer, y: u16, s: &str, style: Style| {
        if y < bottom {
            buf.set_stringn(inner.x, y, truncate(s, w), w, style);
        }
    };
    let kind = if t.show_forward {
        "forward: log α_t(j) = log b_j(o_t) + log Σ_i α_(t−1)(i) a_ij"
    } else {
        "Viterbi: δ_t(j) = log b_j(o_t) + max_i [δ_(t−1)(i) + log a_ij]; arrows: back-pointer ψ"
    };
    put(buf, y, kind, Style::new());
    y += 1;
    let row = |label: &str, cells: &mut dyn Iterator<Item = String>| {
        let mut s = format!("{label:<label_w$}");
        for c in cells {
            s.push_str(&format!("{c:>col_w$}"));
        }
        s
    };
    let header = row("t", &mut shown.clone().map(|c| (c + 1).to_string()));
    put(buf, y, &header, bold);
    y += 1;
    let faces = row(
        "roll",
        &mut shown
            .clone()
            .map(|c| t.rolls.get(c).map_or(0, |o| o + 1).to_string()),
    );
    put(buf, y, &faces, Style::new());
    y += 1;
    let truth = row(
        "true die",
        &mut shown.clone().map(|c| {
            t.truth
                .get(c)
                .and_then(|s| t.states.get(*s))
                .map_or("?", String::as_str)
                .to_string()
        }),
    );
    put(buf, y, &truth, Style::new());
    y += 1;
    for (j, state) in t.states.iter().enumerate() {
        if y >= bottom {
            return;
        }
        buf.set_stringn(
            inner.x,
            y,
            format!("{:<label_w$}", truncate(state, label_w - 1)),
            label_w,
            bold,
        );
        for (k, step) in shown.clone().enumerate() {
            if step >= t.step {
                break;
            }
            let v = if t.show_forward {
                t.forward.log_alpha[(step, j)]
            } else {
                t.viterbi.delta[(step, j)]
            };
            let arrow = if t.show_forward || step == 0 {
                ' '
            } else {
                t.arrow(step, j)
            };
            let best = done && !t.show_forward && t.viterbi.path.get(step) == Some(&j);
            let mark = if best { '*' } else { ' ' };
            let mut style = Style::new();
            if best {
                style = if theme.color {
                    Style::new().fg(Color::Black).bg(Color::Yellow)
                } else {
                    bold
                };
            }
            if !t.show_forward && trace.get(step) == Some(&j) {
                style = style.add_modifier(Modifier::UNDERLINED);
            }
            if (step, j) == (chosen_col, chosen_state) {
                style = style.add_modifier(Modifier::REVERSED);
            }
            let x = inner.x + (label_w + k * col_w) as u16;
            let v = if v == f64::NEG_INFINITY {
                "-inf".to_string()
            } else {
                format!("{v:.2}")
            };
            let text = format!("{arrow}{v:>7}{mark}");
            buf.set_stringn(x, y, format!("{text:>col_w$}"), col_w, style);
        }
        y += 1;
    }
    let mut lines = Vec::new();
    if cols < n {
        lines.push(format!(
            "rolls {}–{} of {n} (the view follows the last column)",
            shown.start + 1,
            shown.end
        ));
    }
    lines.extend(cell_detail(t));
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
                "best path (starred *): {}  log P = {:.4}",
                path.join(" "),
                t.viterbi.log_prob
            )
        }
    } else {
        format!("column {} of {n}: → for the next roll, End for all", t.step)
    };
    y += 1;
    // The status (the whole best path) first when space is short.
    let status_lines = wrap_words(&status, w);
    let room = usize::from(bottom.saturating_sub(y));
    let detail_room = room.saturating_sub(status_lines.len() + 1);
    for l in lines.iter().take(detail_room) {
        put(buf, y, l, Style::new());
        y += 1;
    }
    if detail_room > 0 {
        y += 1;
    }
    for l in &status_lines {
        put(buf, y, l, Style::new());
        y += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word() {
        let s = "best path: fair fair loaded loaded fair";
        let lines = wrap_words(s, 12);
        assert!(lines.iter().all(|l| width(l) <= 12), "{lines:?}");
        assert_eq!(lines.join(" "), s);
    }
}
