//! The confusion matrix as a heat map, with the rows behind the selected
//! cell and the formulas filled in.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Paragraph, Widget};

use crate::text::truncate;
use crate::tui::experiment::{ExpFocus, ExperimentPane};
use crate::tui::theme::Theme;

/// The confusion-matrix panel as a widget.
pub struct MatrixPanel<'a> {
    pub pane: &'a ExperimentPane,
    pub focused: bool,
    pub theme: Theme,
}

impl Widget for MatrixPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        render_matrix(self.pane, area, buf, self.focused, self.theme);
    }
}

pub(super) fn render_matrix(
    pane: &ExperimentPane,
    area: Rect,
    buf: &mut Buffer,
    focused: bool,
    theme: Theme,
) {
    let b = theme.block(
        "Confusion matrix · rows = truth · c to select a cell",
        focused,
    );
    let inner = b.inner(area);
    b.render(area, buf);
    let Some(cm) = pane.report.as_ref().and_then(|r| r.confusion_matrix()) else {
        Paragraph::new("after a classification run").render(inner, buf);
        return;
    };
    let n = cm.labels.len();
    let norm = cm.row_normalised();
    let label_w = 8usize;
    let cell_w = 11usize;
    let fits = usize::from(inner.width).saturating_sub(label_w) / cell_w;
    let show = n.min(fits.max(1));
    let mut y = inner.y;
    let bottom = inner.y + inner.height;
    // Header: predicted labels.
    let mut header = format!("{:label_w$}", "");
    for l in cm.labels.iter().take(show) {
        header.push_str(&format!("{:>cell_w$}", truncate(l, cell_w - 1)));
    }
    buf.set_stringn(
        inner.x,
        y,
        &header,
        usize::from(inner.width),
        Style::new().add_modifier(Modifier::BOLD),
    );
    y += 1;
    for (t, (label, row)) in cm.labels.iter().zip(&cm.counts).enumerate() {
        if y >= bottom {
            break;
        }
        buf.set_stringn(
            inner.x,
            y,
            format!("{:<label_w$}", truncate(label, label_w - 1)),
            label_w,
            Style::new().add_modifier(Modifier::BOLD),
        );
        for (p, &count) in row.iter().enumerate().take(show) {
            let pct = norm[t][p];
            let text = format!("{count:>4} {:>3.0}% ", pct * 100.0);
            let mut style = if theme.color {
                let v = (40.0 + 180.0 * pct) as u8;
                let bg = if t == p {
                    Color::Rgb(10, v / 2, v)
                } else {
                    Color::Rgb(v, 10, v / 3)
                };
                Style::new().bg(if count == 0 { Color::Reset } else { bg })
            } else if pct >= 0.5 {
                Style::new().add_modifier(Modifier::BOLD)
            } else {
                Style::new()
            };
            if (t, p) == pane.cell && (focused || pane.focus == ExpFocus::Matrix) {
                style = style.add_modifier(Modifier::REVERSED);
            }
            let x = inner.x + (label_w + p * cell_w) as u16;
            if x + (cell_w as u16) <= inner.x + inner.width {
                buf.set_stringn(x, y, format!("{text:>cell_w$}"), cell_w, style);
            }
        }
        y += 1;
    }
    if show < n && y < bottom {
        buf.set_stringn(
            inner.x,
            y,
            format!("({} of {} columns shown: widen the terminal)", show, n),
            usize::from(inner.width),
            Style::new(),
        );
        y += 1;
    }

    // The selected cell: the rows behind it and the formulas filled in.
    if y + 1 >= bottom {
        return;
    }
    y += 1;
    let (t, p) = pane.cell;
    let members = pane.cell_members();
    let mut info = vec![format!(
        "truth {} → predicted {}: {}",
        cm.labels.get(t).map_or("", String::as_str),
        cm.labels.get(p).map_or("", String::as_str),
        members.describe(12)
    )];
    if let Some(m) = pane.report.as_ref().and_then(|r| r.metrics()) {
        info.push(m.explain_precision(p));
        info.push(m.explain_recall(t));
        info.push(m.explain_f1(t));
        info.push(m.explain_accuracy());
    }
    for line in info {
        if y >= bottom {
            break;
        }
        buf.set_stringn(
            inner.x,
            y,
            truncate(&line, usize::from(inner.width)),
            usize::from(inner.width),
            Style::new(),
        );
        y += 1;
    }
}
