//! Drawing the experiment pane. Pure: reads the pane, writes the buffer.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line as TLine, Span as TSpan};
use ratatui::widgets::canvas::{Canvas, Points};
use ratatui::widgets::{
    Axis, Block, Borders, Chart, Dataset as ChartData, Gauge, GraphType, Paragraph, Widget,
};

use super::experiment::{CurveView, ExpFocus, ExperimentPane, Field};
use crate::algos::registry::Task;
use crate::experiment::Report;
use crate::text::truncate;

/// A foreground colour, or plain text under NO_COLOR.
fn fg(color: bool, c: Color) -> Style {
    if color {
        Style::new().fg(c)
    } else {
        Style::new()
    }
}

/// A Braille line series of a chart.
fn series(data: &[(f64, f64)], style: Style) -> ChartData<'_> {
    ChartData::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(style)
        .data(data)
}

/// Colours for classes, chosen to be told apart on dark and light themes.
const PALETTE: [Color; 10] = [
    Color::LightBlue,
    Color::LightRed,
    Color::LightGreen,
    Color::Yellow,
    Color::LightMagenta,
    Color::LightCyan,
    Color::Rgb(255, 165, 0),
    Color::Rgb(160, 120, 255),
    Color::Rgb(150, 150, 150),
    Color::Rgb(200, 255, 120),
];

const REGION: [Color; 10] = [
    Color::Rgb(20, 40, 90),
    Color::Rgb(90, 25, 25),
    Color::Rgb(20, 70, 30),
    Color::Rgb(80, 70, 10),
    Color::Rgb(75, 20, 75),
    Color::Rgb(15, 70, 75),
    Color::Rgb(90, 55, 0),
    Color::Rgb(50, 35, 90),
    Color::Rgb(50, 50, 50),
    Color::Rgb(60, 80, 30),
];

fn class_color(c: usize, color: bool) -> Color {
    if color {
        PALETTE[c % PALETTE.len()]
    } else {
        Color::Reset
    }
}

fn block(title: &str, focused: bool, color: bool) -> Block<'static> {
    let style = if focused && color {
        Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
    } else if color {
        Style::new().fg(Color::DarkGray)
    } else if focused {
        Style::new().add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    };
    Block::new()
        .borders(Borders::ALL)
        .border_style(style)
        .title(format!(" {title} "))
}

pub fn render(pane: &ExperimentPane, area: Rect, buf: &mut Buffer, focused: bool, color: bool) {
    if area.width < 20 || area.height < 8 {
        let msg = truncate("experiment: enlarge the terminal", usize::from(area.width));
        buf.set_stringn(area.x, area.y, msg, usize::from(area.width), Style::new());
        return;
    }
    let [setup, rest] = Layout::vertical([Constraint::Length(5), Constraint::Min(0)]).areas(area);
    render_setup(
        pane,
        setup,
        buf,
        focused && pane.focus == ExpFocus::Setup,
        color,
    );
    if rest.height < 4 {
        return;
    }
    if let Some(t) = &pane.trellis {
        render_trellis(t, rest, buf, color);
        return;
    }
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(rest);
    let [curve, picture] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(top);
    let [metrics, matrix] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(bottom);
    render_curve(pane, curve, buf, color);
    render_picture(pane, picture, buf, color);
    render_metrics(pane, metrics, buf, color);
    render_matrix(
        pane,
        matrix,
        buf,
        focused && pane.focus == ExpFocus::Matrix,
        color,
    );
}

fn render_setup(pane: &ExperimentPane, area: Rect, buf: &mut Buffer, focused: bool, color: bool) {
    let mut b = block("Experiment · r run · Esc cancel/back · ←→ field · ↑↓ value · Enter type · c matrix · v curve", focused, color);
    if let Field::Param(i) = pane.selected_field() {
        if let Some(p) = pane.spec().and_then(|s| s.params.get(i)) {
            b = b.title_bottom(format!(" {}: {} ", p.name, p.help));
        }
    }
    let inner = b.inner(area);
    b.render(area, buf);
    let selected = pane.selected_field();
    let mut spans = Vec::new();
    for f in pane.fields() {
        let (name, mut value) = pane.label(f);
        if f == selected {
            if let Some(t) = &pane.editing {
                value = format!("{t}█");
            }
        }
        let style = if f == selected && focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else if f == selected {
            Style::new().add_modifier(Modifier::UNDERLINED)
        } else {
            Style::new()
        };
        let name_style = fg(color, Color::DarkGray);
        spans.push(TSpan::styled(format!("{name}="), name_style));
        spans.push(TSpan::styled(value, style));
        spans.push(TSpan::raw("  "));
    }
    // Wrap the fields over two lines when needed.
    let mut lines: Vec<TLine> = vec![TLine::default()];
    let mut used = 0usize;
    let width = usize::from(inner.width);
    for chunk in spans.chunks(3) {
        let w: usize = chunk.iter().map(|s| crate::text::width(&s.content)).sum();
        if used + w > width && used > 0 && lines.len() < 2 {
            lines.push(TLine::default());
            used = 0;
        }
        if let Some(line) = lines.last_mut() {
            line.spans.extend(chunk.iter().cloned());
        }
        used += w;
    }
    for (n, line) in lines.iter().take(2).enumerate() {
        buf.set_line(inner.x, inner.y + n as u16, line, inner.width);
    }
    let status_area = Rect::new(inner.x, inner.y + 2, inner.width, 1);
    if let Some(step) = pane.progress.filter(|_| pane.is_running()) {
        let ratio = if step.total > 0 {
            (step.iter as f64 / step.total as f64).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let label = format!(
            "{} {}/{}  {} {:.5}",
            pane.config.algo, step.iter, step.total, step.metric, step.value
        );
        Gauge::default()
            .ratio(ratio)
            .label(truncate(&label, usize::from(inner.width)))
            .gauge_style(fg(color, Color::Cyan))
            .render(status_area, buf);
    } else {
        let (text, style) = if pane.is_running() {
            ("running…".to_string(), Style::new())
        } else if let Some(e) = &pane.error {
            (
                if pane.cancelled {
                    e.clone()
                } else {
                    format!("error: {e}")
                },
                if color {
                    Style::new().fg(Color::Red)
                } else {
                    Style::new().add_modifier(Modifier::BOLD)
                },
            )
        } else if let Some(r) = &pane.report {
            (summary(r), Style::new())
        } else {
            ("press r to run".to_string(), Style::new())
        };
        buf.set_stringn(
            status_area.x,
            status_area.y,
            truncate(&text, usize::from(inner.width)),
            usize::from(inner.width),
            style,
        );
    }
}

fn summary(r: &Report) -> String {
    let mut s = format!(
        "{} on {}: {} train / {} test rows, {} features, fit {}, predict {}",
        r.algo,
        r.dataset,
        r.n_train,
        r.n_test,
        r.n_features,
        seconds(r.fit_seconds),
        seconds(r.predict_seconds)
    );
    if let Some(m) = r.metrics() {
        s.push_str(&format!(", accuracy {:.3}", m.accuracy));
    }
    if let Some(a) = r.ari() {
        s.push_str(&format!(", ARI {a:.3}"));
    }
    s
}

/// A duration for people: milliseconds below a second.
fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

fn render_curve(pane: &ExperimentPane, area: Rect, buf: &mut Buffer, color: bool) {
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
                color,
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
                color,
            )
        }
        _ => {}
    }
    if let Some(job) = &pane.learning {
        render_learning(job, area, buf, color);
        return;
    }
    render_training(pane, area, buf, color);
}

fn render_learning(
    job: &super::experiment::LearningJob,
    area: Rect,
    buf: &mut Buffer,
    color: bool,
) {
    let title = format!("HMM vs CRF entity F1 vs training size · {}", job.dataset);
    match &job.result {
        None => {
            let b = block(&title, false, color);
            let inner = b.inner(area);
            b.render(area, buf);
            Paragraph::new("training both models on 5% … 100% of the training set …")
                .render(inner, buf);
        }
        Some(Err(e)) => {
            let b = block(&title, false, color);
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
            let last = |v: &[f64]| v.last().copied().unwrap_or(0.0);
            Chart::new(vec![
                series(&hmm, fg(color, Color::LightBlue))
                    .name(format!("HMM {:.3}", last(&c.hmm_f1))),
                series(&crf, fg(color, Color::LightRed))
                    .name(format!("CRF {:.3}", last(&c.crf_f1))),
            ])
            .block(block(&title, false, color))
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
fn render_xy(
    title: &str,
    xl: &str,
    yl: &str,
    points: &[(f64, f64)],
    area: Rect,
    buf: &mut Buffer,
    color: bool,
) {
    let diag = [(0.0, 0.0), (1.0, 1.0)];
    let mut sets = vec![series(points, fg(color, Color::Yellow))];
    if xl == "FPR" {
        sets.insert(0, series(&diag, fg(color, Color::DarkGray)));
    }
    Chart::new(sets)
        .block(block(title, false, color))
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

fn render_training(pane: &ExperimentPane, area: Rect, buf: &mut Buffer, color: bool) {
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
    let b = block(&title, false, color);
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
    let data = vec![series(&pane.curve, fg(color, Color::Yellow))];
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

/// Colour of an entity type (hashed, so a type keeps its colour).
fn type_color(t: &str, color: bool) -> Color {
    if !color {
        return Color::Reset;
    }
    let h = t.bytes().fold(7usize, |h, b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    });
    PALETTE[h % PALETTE.len()]
}

/// Tagged test sentences: entity tokens coloured by type, wrong tags
/// marked with the true tag in brackets.
fn render_tagged(
    pane: &ExperimentPane,
    t: &crate::experiment::TaggingReport,
    area: Rect,
    buf: &mut Buffer,
    color: bool,
) {
    let b = block(
        "Test sentences · colour = predicted type · [truth] where wrong · PgUp/PgDn",
        false,
        color,
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
                style = style.fg(type_color(ty, color)).add_modifier(Modifier::BOLD);
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

/// The casino: the true die and the Viterbi path as strips of F/L, and the
/// posterior probability of "loaded" over time.
fn render_casino(c: &crate::experiment::Casino, area: Rect, buf: &mut Buffer, color: bool) {
    let title = format!(
        "Casino · Viterbi right on {:.1}% of rolls · posterior {:.1}%",
        c.viterbi_accuracy * 100.0,
        c.posterior_accuracy * 100.0
    );
    let b = block(&title, false, color);
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
        if ch == 'L' && color {
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
        series(&truth, fg(color, Color::DarkGray)).name("truly loaded"),
        series(&pts, fg(color, Color::LightRed)).name("P(loaded | rolls)"),
    ])
    .x_axis(
        Axis::default()
            .bounds([0.0, n.max(1) as f64])
            .labels(["1".to_string(), n.to_string()]),
    )
    .y_axis(Axis::default().bounds([0.0, 1.0]).labels(["0", "1"]))
    .render(chart_area, buf);
}

/// The trellis: one row per state, one column per roll, δ (log) or α
/// (log) values revealed column by column, back-pointers as arrows, the
/// best path highlighted once the last column is shown.
fn render_trellis(t: &super::experiment::TrellisView, area: Rect, buf: &mut Buffer, color: bool) {
    let kind = if t.show_forward {
        "Forward: log α_t(j) = log b_j(o_t) + log Σ_i α_(t−1)(i) a_ij"
    } else {
        "Viterbi: δ_t(j) = log b_j(o_t) + max_i [δ_(t−1)(i) + log a_ij]  (↑↓ back-pointer)"
    };
    let b = block(
        &format!(
            "Trellis on the first casino rolls · ←/→ step · f forward/Viterbi · t close · {kind}"
        ),
        true,
        color,
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
                style = if color {
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

fn render_picture(pane: &ExperimentPane, area: Rect, buf: &mut Buffer, color: bool) {
    if let Some(r) = &pane.report {
        if let Some(c) = r.casino() {
            render_casino(c, area, buf, color);
            return;
        }
        if let Some(t) = r.tagging() {
            render_tagged(pane, t, area, buf, color);
            return;
        }
    }
    let Some(pic) = pane.report.as_ref().and_then(|r| r.picture()) else {
        let b = block("Picture", false, color);
        let inner = b.inner(area);
        b.render(area, buf);
        Paragraph::new("decision regions (2-D data) or PCA projection appear after a run")
            .render(inner, buf);
        return;
    };
    if pic.points.is_empty() || area.width < 6 || area.height < 4 {
        block("Picture", false, color).render(area, buf);
        return;
    }
    let title = if pic.grid.is_some() {
        format!(
            "Decision regions · {} vs {} · ■ test",
            pic.axes[0], pic.axes[1]
        )
    } else {
        format!("{} vs {}", pic.axes[0], pic.axes[1])
    };
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in &pic.points {
        x0 = x0.min(p[0]);
        x1 = x1.max(p[0]);
        y0 = y0.min(p[1]);
        y1 = y1.max(p[1]);
    }
    if let Some(g) = &pic.grid {
        (x0, x1, y0, y1) = (g.x.0, g.x.1, g.y.0, g.y.1);
    }
    if x0.partial_cmp(&x1) != Some(std::cmp::Ordering::Less) {
        x1 = x0 + 1.0;
    }
    if y0.partial_cmp(&y1) != Some(std::cmp::Ordering::Less) {
        y1 = y0 + 1.0;
    }
    let n_classes = pic.classes.iter().max().map_or(1, |m| m + 1);
    let mut by_class: Vec<Vec<(f64, f64)>> = vec![Vec::new(); n_classes.max(1)];
    let mut test_by_class: Vec<Vec<(f64, f64)>> = vec![Vec::new(); n_classes.max(1)];
    for ((p, &c), &t) in pic.points.iter().zip(&pic.classes).zip(&pic.is_test) {
        if t {
            test_by_class[c.min(n_classes - 1)].push((p[0], p[1]));
        } else {
            by_class[c.min(n_classes - 1)].push((p[0], p[1]));
        }
    }
    let mut regions: Vec<Vec<(f64, f64)>> = Vec::new();
    if let Some(g) = &pic.grid {
        let k = g.cells.iter().max().map_or(1, |m| m + 1);
        regions = vec![Vec::new(); k];
        for r in 0..g.rows {
            for c in 0..g.cols {
                let cls = g.cells[r * g.cols + c];
                let x = g.x.0 + (g.x.1 - g.x.0) * (c as f64 + 0.5) / g.cols as f64;
                let y = g.y.1 - (g.y.1 - g.y.0) * (r as f64 + 0.5) / g.rows as f64;
                regions[cls].push((x, y));
            }
        }
    }
    Canvas::default()
        .block(block(&title, false, color))
        .marker(Marker::Braille)
        .x_bounds([x0, x1])
        .y_bounds([y0, y1])
        .paint(|ctx| {
            if color {
                for (c, pts) in regions.iter().enumerate() {
                    ctx.draw(&Points {
                        coords: pts,
                        color: REGION[c % REGION.len()],
                    });
                }
            }
            ctx.layer();
            for (c, pts) in by_class.iter().enumerate() {
                ctx.draw(&Points {
                    coords: pts,
                    color: class_color(c, color),
                });
            }
            ctx.layer();
            for (c, pts) in test_by_class.iter().enumerate() {
                for &(x, y) in pts {
                    ctx.print(
                        x,
                        y,
                        TSpan::styled("■", Style::new().fg(class_color(c, color))),
                    );
                }
            }
        })
        .render(area, buf);
}

fn render_metrics(pane: &ExperimentPane, area: Rect, buf: &mut Buffer, color: bool) {
    let b = block("Metrics", false, color);
    let inner = b.inner(area);
    b.render(area, buf);
    let Some(r) = &pane.report else {
        Paragraph::new("no results yet").render(inner, buf);
        return;
    };
    let mut lines: Vec<String> = Vec::new();
    if let Some(t) = r.tagging() {
        let e = &t.entities;
        lines.push(format!(
            "token accuracy {:.4}   entity micro F1 {:.4}",
            t.token_accuracy, e.micro.f1
        ));
        lines.push(format!(
            "micro P {:.4}  R {:.4}  ({} true, {} predicted entities)",
            e.micro.precision, e.micro.recall, e.support, e.predicted
        ));
        lines.push(format!(
            "{:<14} {:>6} {:>6} {:>6} {:>5}",
            "entity type", "prec", "recall", "F1", "n"
        ));
        for m in &e.per_type {
            lines.push(format!(
                "{:<14} {:>6.3} {:>6.3} {:>6.3} {:>5}",
                truncate(&m.entity_type, 14),
                m.precision,
                m.recall,
                m.f1,
                m.support
            ));
        }
        lines.push(format!(
            "{} train / {} test sentences",
            t.n_train_sentences, t.n_test_sentences
        ));
    }
    if let Some(m) = r.metrics() {
        lines.push(format!(
            "accuracy {:.4}  macro F1 {:.4}  weighted F1 {:.4}",
            m.accuracy, m.macro_avg.f1, m.weighted_avg.f1
        ));
        lines.push(format!(
            "{:<14} {:>6} {:>6} {:>6} {:>5}",
            "class", "prec", "recall", "F1", "n"
        ));
        for c in &m.per_class {
            lines.push(format!(
                "{:<14} {:>6.3} {:>6.3} {:>6.3} {:>5}",
                truncate(&c.label, 14),
                c.precision,
                c.recall,
                c.f1,
                c.support
            ));
        }
    }
    if let Some(roc) = r.roc() {
        lines.push(format!("ROC AUC {:.4}", roc.auc));
    }
    if let Some(pr) = r.pr() {
        lines.push(format!("average precision {:.4}", pr.auc));
    }
    if let Some(cv) = r.cv() {
        lines.push(format!(
            "{}-fold CV {:.4} ± {:.4}",
            cv.folds, cv.mean, cv.std
        ));
    }
    if r.task() == Task::Clustering {
        if let Some(c) = r.clustering() {
            lines.push(format!(
                "clusters {}  inertia {:.3}",
                c.n_clusters, c.inertia
            ));
            lines.push(format!("adjusted Rand index vs labels {:.4}", c.ari));
        }
    }
    if let Some(v) = r.explained_variance_ratio() {
        let s: Vec<String> = v.iter().map(|x| format!("{x:.3}")).collect();
        lines.push(format!("explained variance ratio {}", s.join(" ")));
    }
    for n in &r.notes {
        lines.push(format!("note: {n}"));
    }
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

fn render_matrix(pane: &ExperimentPane, area: Rect, buf: &mut Buffer, focused: bool, color: bool) {
    let b = block(
        "Confusion matrix · rows = truth · c to select a cell",
        focused,
        color,
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
            let mut style = if color {
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
    let rows = pane.cell_rows();
    let mut info = vec![format!(
        "truth {} → predicted {}: {} row(s){}",
        cm.labels.get(t).map_or("", String::as_str),
        cm.labels.get(p).map_or("", String::as_str),
        rows.len(),
        if rows.is_empty() {
            String::new()
        } else {
            let shown: Vec<String> = rows.iter().take(12).map(|l| l.to_string()).collect();
            format!(
                " at line {}{}",
                shown.join(", "),
                if rows.len() > 12 { ", …" } else { "" }
            )
        }
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
