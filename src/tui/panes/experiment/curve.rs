//! The curve panel: training curve, ROC, precision-recall, and the HMM vs
//! CRF learning curve.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::widgets::{Axis, Chart, Paragraph, Widget};

use super::*;
use crate::text::truncate;
use crate::tui::experiment::{CurveView, ExperimentPane};
use crate::tui::theme::Theme;

/// The curve panel as a widget.
pub struct CurvePanel<'a> {
    pub pane: &'a ExperimentPane,
    pub theme: Theme,
}

impl Widget for CurvePanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        render_curve(self.pane, area, buf, self.theme);
    }
}

pub(super) fn render_curve(pane: &ExperimentPane, area: Rect, buf: &mut Buffer, theme: Theme) {
    let roc = pane.report.as_ref().and_then(|r| r.roc());
    let pr = pane.report.as_ref().and_then(|r| r.pr());
    match (pane.curve_view, roc, pr) {
        (CurveView::Roc, Some(c), _) => {
            return render_xy(
                &format!("ROC · AUC {:.4} · v next", c.auc),
                "FPR",
                "TPR",
                &c.points,
                area,
                buf,
                theme,
            )
        }
        (CurveView::Pr, _, Some(c)) => {
            return render_xy(
                &format!("Precision-recall · AP {:.4} · v next", c.auc),
                "recall",
                "precision",
                &c.points,
                area,
                buf,
                theme,
            )
        }
        _ => {}
    }
    if let Some(job) = &pane.learning {
        render_learning(job, area, buf, theme);
        return;
    }
    render_training(pane, area, buf, theme);
}

pub(super) fn render_learning(
    job: &crate::tui::experiment::LearningJob,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
) {
    // Each line has its own marker (named in the title and the legend), so
    // they are told apart without colours too.
    let neural = job
        .result
        .as_ref()
        .is_some_and(|r| r.as_ref().is_ok_and(|c| !c.bilstm_f1.is_empty()));
    let title = format!(
        "HMM (•) vs CRF (▄){} entity F1 vs training size · {}",
        if neural { " vs BiLSTM-CRF (█)" } else { "" },
        job.dataset
    );
    match &job.result {
        None => {
            let b = theme.block(&title, false);
            let inner = b.inner(area);
            b.render(area, buf);
            Paragraph::new("training the taggers on 5% … 100% of the training set …")
                .render(inner, buf);
        }
        Some(Err(e)) => {
            let b = theme.block(&title, false);
            let inner = b.inner(area);
            b.render(area, buf);
            Paragraph::new(format!("error: {e}")).render(inner, buf);
        }
        Some(Ok(c)) => {
            let hmm: Vec<(f64, f64)> = c
                .fractions
                .iter()
                .zip(&c.hmm_f1)
                .map(|(&f, &v)| (f * 100.0, v))
                .collect();
            let crf: Vec<(f64, f64)> = c
                .fractions
                .iter()
                .zip(&c.crf_f1)
                .map(|(&f, &v)| (f * 100.0, v))
                .collect();
            let bilstm: Vec<(f64, f64)> = c
                .fractions
                .iter()
                .zip(&c.bilstm_f1)
                .map(|(&f, &v)| (f * 100.0, v))
                .collect();
            let last = |v: &[f64]| v.last().copied().unwrap_or(0.0);
            let mut sets = vec![
                series(&hmm, theme.fg(Color::LightBlue))
                    .marker(Marker::Dot)
                    .name(format!("• HMM {:.3}", last(&c.hmm_f1))),
                series(&crf, theme.fg(Color::LightRed))
                    .marker(Marker::Bar)
                    .name(format!("▄ CRF {:.3}", last(&c.crf_f1))),
            ];
            if neural {
                sets.push(
                    series(&bilstm, theme.fg(Color::LightGreen))
                        .marker(Marker::Block)
                        .name(format!("█ BiLSTM-CRF {:.3}", last(&c.bilstm_f1))),
                );
            }
            Chart::new(sets)
                .legend_position(Some(ratatui::widgets::LegendPosition::BottomRight))
                .hidden_legend_constraints((Constraint::Percentage(60), Constraint::Percentage(60)))
                .block(theme.block(&title, false))
                .x_axis(
                    Axis::default()
                        .title("% of training sentences")
                        .bounds([0.0, 100.0])
                        .labels(["0", "100"]),
                )
                .y_axis(
                    Axis::default()
                        .title("entity F1")
                        .bounds([0.0, 1.0])
                        .labels(["0", "1"]),
                )
                .render(area, buf);
        }
    }
}

/// A curve in the unit square (ROC, precision-recall).
pub(super) fn render_xy(
    title: &str,
    xl: &str,
    yl: &str,
    points: &[(f64, f64)],
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
) {
    let diag = [(0.0, 0.0), (1.0, 1.0)];
    let mut sets = vec![series(points, theme.fg(Color::Yellow))];
    if xl == "FPR" {
        sets.insert(0, series(&diag, theme.fg(Color::DarkGray)));
    }
    Chart::new(sets)
        .block(theme.block(title, false))
        .x_axis(
            Axis::default()
                .title(xl.to_string())
                .bounds([0.0, 1.0])
                .labels(["0", "1"]),
        )
        .y_axis(
            Axis::default()
                .title(yl.to_string())
                .bounds([0.0, 1.0])
                .labels(["0", "1"]),
        )
        .render(area, buf);
}

pub(super) fn render_training(pane: &ExperimentPane, area: Rect, buf: &mut Buffer, theme: Theme) {
    let more = if pane.report.as_ref().is_some_and(|r| r.roc().is_some()) {
        " · v ROC/PR"
    } else {
        ""
    };
    let title = if pane.curve_metric.is_empty() {
        format!("Training curve{more}")
    } else {
        format!("Training: {}{more}", pane.curve_metric)
    };
    let b = theme.block(&title, false);
    if pane.curve.len() < 2 || area.width < 12 || area.height < 5 {
        let inner = b.inner(area);
        b.render(area, buf);
        let msg = if pane.curve.len() == 1 {
            format!("{} = {:.5}", pane.curve_metric, pane.curve[0].1)
        } else {
            "no curve: this algorithm reports no iterations".to_string()
        };
        Paragraph::new(truncate(&msg, usize::from(inner.width))).render(inner, buf);
        return;
    }
    let (x0, x1) = (
        pane.curve[0].0,
        pane.curve[pane.curve.len() - 1]
            .0
            .max(pane.curve[0].0 + 1.0),
    );
    let (mut y0, mut y1) = (f64::MAX, f64::MIN);
    for &(_, y) in &pane.curve {
        if y.is_finite() {
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
    }
    if y0.partial_cmp(&y1) != Some(std::cmp::Ordering::Less) {
        y0 -= 1.0;
        y1 += 1.0;
    }
    let data = vec![series(&pane.curve, theme.fg(Color::Yellow))];
    Chart::new(data)
        .block(b)
        .x_axis(
            Axis::default()
                .bounds([x0, x1])
                .labels([format!("{x0:.0}"), format!("{x1:.0}")]),
        )
        .y_axis(
            Axis::default()
                .bounds([y0, y1])
                .labels([format!("{y0:.3}"), format!("{y1:.3}")]),
        )
        .render(area, buf);
}
