//! The experiment pane, one file per panel (trippy style): the setup, the
//! curve, the picture (regions, projection, tagged sentences, casino), the
//! metrics, the confusion matrix and the trellis. `render` lays them out.

mod casino;
mod compare;
mod curve;
mod matrix;
mod metrics;
mod picture;
mod regression;
mod setup;
mod tagged;
mod transitions;
mod trellis;

use casino::*;
use curve::*;
use matrix::*;
use metrics::*;
use picture::*;
use setup::*;
use tagged::*;
use transitions::*;
use trellis::*;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::widgets::{Dataset as ChartData, GraphType, Widget};

use crate::text::truncate;
use crate::tui::experiment::{ExpFocus, ExperimentPane};

use crate::tui::theme::Theme;
use tui_input::Input;

/// A Braille line series of a chart.
pub(super) fn series(data: &[(f64, f64)], style: Style) -> ChartData<'_> {
    ChartData::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(style)
        .data(data)
}

/// The data pane: the inspection's lines, cut at the right edge; while the
/// profiling runs, how far it has got and for how long.
fn data_panel(
    d: &crate::tui::experiment::DataView,
    now: Option<std::time::Instant>,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
) {
    use ratatui::widgets::Paragraph;
    let block = theme.block(
        &truncate(&d.title, usize::from(area.width.saturating_sub(4))),
        true,
    );
    let inner = block.inner(area);
    block.render(area, buf);
    if let Some(status) = &d.status {
        let secs = match (d.started, now) {
            (Some(a), Some(b)) => {
                format!(" ({:.1} s)", b.saturating_duration_since(a).as_secs_f64())
            }
            _ => String::new(),
        };
        let line = ratatui::text::Line::raw(truncate(
            &format!("{status}{secs}"),
            usize::from(inner.width),
        ))
        .style(theme.status());
        Paragraph::new(line).render(inner, buf);
        return;
    }
    let width = usize::from(inner.width);
    let rows = usize::from(inner.height);
    // The two header lines stay; the column lines scroll.
    let head = d.lines.iter().take(2);
    let body = d
        .lines
        .iter()
        .skip(2)
        .skip(d.scroll.min(d.lines.len().saturating_sub(3)));
    let text: Vec<ratatui::text::Line> = head
        .chain(body)
        .take(rows)
        .enumerate()
        .map(|(i, l)| {
            let line = ratatui::text::Line::raw(truncate(l, width));
            if i < 2 {
                line.style(theme.status())
            } else {
                line
            }
        })
        .collect();
    Paragraph::new(text).render(inner, buf);
}

/// A text field being typed: the input and whether it still holds the old
/// value (typing replaces it).
pub type TextField<'a> = Option<(&'a Input, bool)>;

pub fn render(
    pane: &ExperimentPane,
    area: Rect,
    buf: &mut Buffer,
    focused: bool,
    theme: Theme,
    field: TextField<'_>,
    lang: crate::settings::Lang,
) {
    if area.width < 20 || area.height < 8 {
        let msg = truncate("experiment: enlarge the terminal", usize::from(area.width));
        buf.set_stringn(area.x, area.y, msg, usize::from(area.width), Style::new());
        return;
    }
    // The setup grows to show every field (up to five lines, seven for a
    // lab; beyond that the lines scroll to keep the selected field in view).
    let setup_focused = focused && pane.focus == ExpFocus::Setup;
    let (lines, selected_line) = setup_lines(pane, setup_focused, theme, field, area.width - 2);
    // Labs have more fields (a Transformer has fifteen) and draw their
    // results below in the space left: up to seven lines for them.
    let max_rows = match (area.height >= 20, pane.is_lab()) {
        (true, true) => 7,
        (true, false) => 5,
        (false, _) => 2,
    };
    let rows = lines.len().clamp(1, max_rows);
    let first = selected_line.saturating_sub(rows - 1);
    let [setup, rest] =
        Layout::vertical([Constraint::Length(rows as u16 + 3), Constraint::Min(0)]).areas(area);
    SetupPanel {
        pane,
        focused: setup_focused,
        theme,
        lines: &lines[first.min(lines.len())..],
    }
    .render(setup, buf);
    if rest.height < 4 {
        return;
    }
    if let Some(c) = &pane.compare {
        compare::render(c, rest, buf, theme, lang);
        return;
    }
    if pane.is_lab() {
        super::lab::render(pane, rest, buf, theme, lang);
        return;
    }
    if let Some(d) = &pane.data_view {
        data_panel(d, pane.now, rest, buf, theme);
        return;
    }
    if let Some(t) = &pane.trellis {
        TrellisPanel { trellis: t, theme }.render(rest, buf);
        return;
    }
    if let Some(g) = pane.report.as_deref().and_then(|r| r.regression()) {
        regression::render_regression(g, rest, buf, theme);
        return;
    }
    let matrix_focused = focused && pane.focus == ExpFocus::Matrix;
    let metric_lines = pane
        .report
        .as_deref()
        .map(metrics_lines)
        .unwrap_or_default();
    if rest.width < 90 {
        // Narrow: the metrics over the whole width (every column fits), the
        // rest below (the picture only when there is height for it).
        let want = metric_lines.len().max(1) as u16 + 2;
        let metrics_h = want.min(rest.height.saturating_sub(6).max(rest.height / 2));
        let [metrics, lower] =
            Layout::vertical([Constraint::Length(metrics_h), Constraint::Min(0)]).areas(rest);
        MetricsPanel {
            pane,
            lines: &metric_lines,
            theme,
        }
        .render(metrics, buf);
        if lower.height >= 18 {
            // Tall enough for the picture too: curve and picture, the matrix below.
            let [top, matrix] =
                Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)])
                    .areas(lower);
            let [curve, picture] =
                Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                    .areas(top);
            CurvePanel { pane, theme }.render(curve, buf);
            PicturePanel { pane, theme }.render(picture, buf);
            MatrixPanel {
                pane,
                focused: matrix_focused,
                theme,
            }
            .render(matrix, buf);
        } else if lower.height >= 4 {
            let [curve, matrix] =
                Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)])
                    .areas(lower);
            CurvePanel { pane, theme }.render(curve, buf);
            MatrixPanel {
                pane,
                focused: matrix_focused,
                theme,
            }
            .render(matrix, buf);
        }
        return;
    }
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(rest);
    let [curve, picture] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(top);
    let [metrics, matrix] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(bottom);
    CurvePanel { pane, theme }.render(curve, buf);
    PicturePanel { pane, theme }.render(picture, buf);
    MetricsPanel {
        pane,
        lines: &metric_lines,
        theme,
    }
    .render(metrics, buf);
    MatrixPanel {
        pane,
        focused: matrix_focused,
        theme,
    }
    .render(matrix, buf);
}
