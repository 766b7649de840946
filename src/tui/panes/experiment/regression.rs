//! The regression view: scores and the coefficient table, predicted
//! against true values, residuals against fitted values, the learning
//! curve and the lasso path (weights as the penalty grows, log alpha).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::widgets::{Axis, Chart, Dataset as ChartData, GraphType, Widget};

use super::series;
use crate::experiment::RegressionOutcome;
use crate::text::truncate;
use crate::tui::theme::Theme;

/// Colours of the path's lines, one per feature (cycled).
const PALETTE: [Color; 6] = [
    Color::Yellow,
    Color::Cyan,
    Color::Magenta,
    Color::Green,
    Color::Red,
    Color::Blue,
];

fn bounds(vals: impl Iterator<Item = f64>) -> [f64; 2] {
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for v in vals.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return [0.0, 1.0];
    }
    if hi - lo < 1e-12 {
        return [lo - 0.5, hi + 0.5];
    }
    let pad = (hi - lo) * 0.03;
    [lo - pad, hi + pad]
}

/// A compact number for axis labels.
fn num(v: f64) -> String {
    let a = v.abs();
    if a >= 1e4 || (a < 1e-2 && a > 0.0) {
        format!("{v:.1e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn axis(title: &str, b: [f64; 2]) -> Axis<'static> {
    Axis::default()
        .title(title.to_string())
        .bounds(b)
        .labels([num(b[0]), num(b[1])])
}

fn dots(data: &[(f64, f64)], style: Style) -> ChartData<'_> {
    ChartData::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Scatter)
        .style(style)
        .data(data)
}

/// The scores and coefficient lines.
pub(super) fn regression_lines(g: &RegressionOutcome) -> Vec<String> {
    let m = &g.metrics;
    let mape = m
        .mape
        .map(|v| format!("{:.1}%", v * 100.0))
        .unwrap_or_else(|| "-".into());
    let mut lines = vec![
        format!(
            "test R² {:.4}  RMSE {:.3}  MAE {:.3}  MAPE {mape}",
            m.r2, m.rmse, m.mae
        ),
        format!(
            "train R² {:.4}  RMSE {:.3}  ({} / {} rows)",
            g.train_metrics.r2, g.train_metrics.rmse, g.train_metrics.n, m.n
        ),
    ];
    if let Some(cv) = &g.cv {
        lines.push(format!(
            "{}-fold CV R² {:.4} ± {:.4}",
            cv.folds, cv.mean_r2, cv.std_r2
        ));
    }
    if let Some(rows) = &g.coefficients {
        let se = rows.iter().any(|r| r.std_err.is_some());
        lines.push(if se {
            format!("{:<12} {:>11} {:>10}", "coefficient", "value", "std err")
        } else {
            format!("{:<12} {:>11}", "coefficient", "value")
        });
        for r in rows {
            let mut l = format!("{:<12} {:>11.4}", truncate(&r.name, 12), r.value);
            if let Some(s) = r.std_err {
                l.push_str(&format!(" {s:>10.4}"));
            }
            lines.push(l);
        }
    }
    lines
}

fn render_lines(lines: &[String], area: Rect, buf: &mut Buffer, theme: Theme) {
    let b = theme.block("Regression", false);
    let inner = b.inner(area);
    b.render(area, buf);
    for (i, l) in lines.iter().take(usize::from(inner.height)).enumerate() {
        buf.set_stringn(
            inner.x,
            inner.y + i as u16,
            truncate(l, usize::from(inner.width)),
            usize::from(inner.width),
            Style::new(),
        );
    }
}

fn render_scatter(g: &RegressionOutcome, area: Rect, buf: &mut Buffer, theme: Theme) {
    let pts: Vec<(f64, f64)> = g
        .test_truth
        .iter()
        .zip(&g.test_pred)
        .map(|(&t, &p)| (t, p))
        .collect();
    let b = bounds(pts.iter().flat_map(|p| [p.0, p.1]));
    let diag = [(b[0], b[0]), (b[1], b[1])];
    Chart::new(vec![
        series(&diag, theme.fg(Color::DarkGray)),
        dots(&pts, theme.fg(Color::Yellow)),
    ])
    .block(theme.block("Predicted vs true (test)", false))
    .x_axis(axis("true", b))
    .y_axis(axis("pred", b))
    .render(area, buf);
}

fn render_residuals(g: &RegressionOutcome, area: Rect, buf: &mut Buffer, theme: Theme) {
    let pts: Vec<(f64, f64)> = g
        .test_pred
        .iter()
        .zip(&g.test_truth)
        .map(|(&p, &t)| (p, t - p))
        .collect();
    let bx = bounds(pts.iter().map(|p| p.0));
    let r = pts.iter().map(|p| p.1.abs()).fold(0.0, f64::max).max(1e-9);
    let by = [-r * 1.05, r * 1.05];
    let zero = [(bx[0], 0.0), (bx[1], 0.0)];
    Chart::new(vec![
        series(&zero, theme.fg(Color::DarkGray)),
        dots(&pts, theme.fg(Color::Cyan)),
    ])
    .block(theme.block("Residuals vs fitted", false))
    .x_axis(axis("fitted", bx))
    .y_axis(axis("resid", by))
    .render(area, buf);
}

fn render_learning(g: &RegressionOutcome, area: Rect, buf: &mut Buffer, theme: Theme) {
    let tr: Vec<(f64, f64)> = g
        .learning_curve
        .iter()
        .map(|p| (p.n_train as f64, p.train_r2))
        .collect();
    let te: Vec<(f64, f64)> = g
        .learning_curve
        .iter()
        .map(|p| (p.n_train as f64, p.test_r2))
        .collect();
    let bx = bounds(tr.iter().map(|p| p.0));
    let lo = te
        .iter()
        .chain(&tr)
        .map(|p| p.1)
        .fold(0.0_f64, f64::min)
        .max(-1.0);
    let by = [lo, 1.0];
    let clip = |v: &[(f64, f64)]| -> Vec<(f64, f64)> {
        v.iter().map(|&(x, y)| (x, y.max(by[0]))).collect()
    };
    let (tr, te) = (clip(&tr), clip(&te));
    Chart::new(vec![
        series(&tr, theme.fg(Color::Green)).name("train"),
        series(&te, theme.fg(Color::Yellow)).name("test"),
    ])
    .block(theme.block("Learning curve (R²)", false))
    .x_axis(axis("rows", bx))
    .y_axis(axis("R²", by))
    .render(area, buf);
}

fn render_path(g: &RegressionOutcome, area: Rect, buf: &mut Buffer, theme: Theme) {
    let Some(p) = &g.lasso_path else {
        let b = theme.block("Lasso path", false);
        let inner = b.inner(area);
        b.render(area, buf);
        buf.set_stringn(
            inner.x,
            inner.y,
            truncate("linear models only", usize::from(inner.width)),
            usize::from(inner.width),
            Style::new(),
        );
        return;
    };
    // x = log10(alpha), the penalty growing to the right.
    let lines: Vec<Vec<(f64, f64)>> = p
        .path
        .coefs
        .iter()
        .map(|c| {
            p.path
                .alphas
                .iter()
                .zip(c)
                .map(|(a, w)| (a.log10(), *w))
                .collect()
        })
        .collect();
    let bx = bounds(p.path.alphas.iter().map(|a| a.log10()));
    let by = bounds(lines.iter().flatten().map(|q| q.1));
    let sets: Vec<ChartData<'_>> = lines
        .iter()
        .enumerate()
        .map(|(j, l)| series(l, theme.fg(PALETTE[j % PALETTE.len()])))
        .collect();
    Chart::new(sets)
        .block(theme.block(&format!("Lasso path (l1_ratio {})", p.path.l1_ratio), false))
        .x_axis(axis("log10 α", bx))
        .y_axis(axis("w", by))
        .render(area, buf);
}

/// The whole view in `area`.
pub(super) fn render_regression(g: &RegressionOutcome, area: Rect, buf: &mut Buffer, theme: Theme) {
    let lines = regression_lines(g);
    if area.width < 90 {
        // Narrow: the scores over the width, two charts below (four when tall).
        let want = (lines.len() as u16 + 2).min(area.height / 2).max(4);
        let [top, lower] =
            Layout::vertical([Constraint::Length(want), Constraint::Min(0)]).areas(area);
        render_lines(&lines, top, buf, theme);
        if lower.height < 4 {
            return;
        }
        let halves = |r: Rect| -> [Rect; 2] {
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(r)
        };
        if lower.height >= 16 {
            let [a, b] = Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(lower);
            let [a1, a2] = halves(a);
            let [b1, b2] = halves(b);
            render_scatter(g, a1, buf, theme);
            render_residuals(g, a2, buf, theme);
            render_learning(g, b1, buf, theme);
            render_path(g, b2, buf, theme);
        } else {
            let [a1, a2] = halves(lower);
            render_scatter(g, a1, buf, theme);
            render_residuals(g, a2, buf, theme);
        }
        return;
    }
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(34), Constraint::Percentage(66)]).areas(area);
    render_lines(&lines, left, buf, theme);
    let [a, b] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(right);
    let [a1, a2] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(a);
    let [b1, b2] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(b);
    render_scatter(g, a1, buf, theme);
    render_residuals(g, a2, buf, theme);
    render_learning(g, b1, buf, theme);
    render_path(g, b2, buf, theme);
}
