//! The setup panel: the fields (every one shown; they wrap, and scroll
//! to the selected one when the pane is short) and the run's status line.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line as TLine, Span as TSpan};
use ratatui::widgets::{Gauge, Widget};

use super::*;
use crate::experiment::Report;
use crate::text::truncate;
use crate::tui::experiment::{ExperimentPane, Field};
use crate::tui::theme::Theme;

/// The setup panel as a widget: its field lines come from [`setup_lines`].
pub struct SetupPanel<'a> {
    pub pane: &'a ExperimentPane,
    pub focused: bool,
    pub theme: Theme,
    pub lines: &'a [ratatui::text::Line<'static>],
}

impl Widget for SetupPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        render_setup(self.pane, area, buf, self.focused, self.theme, self.lines);
    }
}

/// The setup fields as lines of at most `width` columns (a field is never
/// split), and the line the selected field is on.
pub(super) fn setup_lines(
    pane: &ExperimentPane,
    focused: bool,
    theme: Theme,
    field: TextField<'_>,
    width: u16,
) -> (Vec<TLine<'static>>, usize) {
    let selected = pane.selected_field();
    let mut lines: Vec<TLine> = vec![TLine::default()];
    let mut selected_line = 0;
    let mut used = 0usize;
    let width = usize::from(width);
    for f in pane.fields() {
        let (name, value) = pane.label(f);
        let editing = f == selected && pane.editing.is_some();
        let style = if f == selected && focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else if f == selected {
            Style::new().add_modifier(Modifier::UNDERLINED)
        } else {
            Style::new()
        };
        let mut spans = vec![TSpan::styled(format!("{name}="), theme.fg(Color::DarkGray))];
        match field.filter(|_| editing) {
            Some((input, fresh)) => {
                let parts = crate::tui::view::field_spans(input, fresh, &theme);
                let text: String = parts.iter().map(|s| s.content.as_ref()).collect();
                let style = if fresh {
                    theme.selected()
                } else {
                    Style::new()
                };
                spans.push(TSpan::styled(
                    text,
                    style.add_modifier(Modifier::UNDERLINED),
                ));
            }
            None => spans.push(TSpan::styled(value, style)),
        }
        spans.push(TSpan::raw("  "));
        let w: usize = spans.iter().map(|s| crate::text::width(&s.content)).sum();
        if used + w > width + 2 && used > 0 {
            lines.push(TLine::default());
            used = 0;
        }
        if f == selected {
            selected_line = lines.len() - 1;
        }
        if let Some(line) = lines.last_mut() {
            line.spans.extend(spans);
        }
        used += w;
    }
    (lines, selected_line)
}

pub(super) fn render_setup(
    pane: &ExperimentPane,
    area: Rect,
    buf: &mut Buffer,
    focused: bool,
    theme: Theme,
    lines: &[TLine<'static>],
) {
    let mut b = theme.block("Experiment", focused);
    if let Field::Param(i) = pane.selected_field() {
        if let Some(p) = pane.spec().and_then(|s| s.params.get(i)) {
            b = b.title_bottom(format!(" {}: {} ", p.name, p.help));
        }
    }
    let inner = b.inner(area);
    b.render(area, buf);
    let rows = inner.height.saturating_sub(1);
    for (n, line) in lines.iter().take(usize::from(rows)).enumerate() {
        buf.set_line(inner.x, inner.y + n as u16, line, inner.width);
    }
    let status_area = Rect::new(inner.x, inner.y + rows, inner.width, 1);
    if let Some(o) = pane.lab_live.as_deref().filter(|_| pane.is_running()) {
        let ratio = share(o.done as f64, o.total as f64);
        let label = format!(
            "{} {}/{}  {:.1} s",
            pane.config.algo,
            o.done,
            o.total,
            pane.elapsed().unwrap_or(0.0)
        );
        status_gauge(ratio, &label, status_area, buf, theme);
    } else if let Some(step) = pane.progress.filter(|_| pane.is_running()) {
        let ratio = share(step.iter as f64, step.total as f64);
        let label = format!(
            "{} {}/{}  {} {:.5}",
            pane.config.algo, step.iter, step.total, step.metric, step.value
        );
        status_gauge(ratio, &label, status_area, buf, theme);
    } else if let Some((done, total)) = pane.loading.filter(|_| pane.is_running()) {
        let ratio = share(done as f64, total as f64);
        // The figures first: a long path is what a narrow line cuts.
        let label = format!(
            "{:.0}%  {} of {}  {:.1} s  {}",
            ratio * 100.0,
            megabytes(done),
            megabytes(total),
            pane.elapsed().unwrap_or(0.0),
            pane.stage.as_deref().unwrap_or("loading"),
        );
        status_gauge(ratio, &label, status_area, buf, theme);
    } else {
        let (text, style) = if pane.is_running() {
            (
                match &pane.stage {
                    Some(what) => {
                        format!("running… {what} ({:.1} s)", pane.elapsed().unwrap_or(0.0))
                    }
                    None => "running…".to_string(),
                },
                Style::new(),
            )
        } else if pane.editing.is_some() && pane.error.is_none() {
            (
                format!(
                    "allowed: {} · Enter set · Esc keep the old value",
                    pane.field_range()
                ),
                theme.fg(Color::Cyan),
            )
        } else if let Some(e) = &pane.error {
            (
                if pane.cancelled {
                    e.clone()
                } else {
                    format!("error: {e}")
                },
                if theme.color {
                    Style::new().fg(Color::Red)
                } else {
                    Style::new().add_modifier(Modifier::BOLD)
                },
            )
        } else if let Some(n) = &pane.notice {
            (n.clone(), theme.fg(Color::Cyan))
        } else if let Some(r) = pane.report.as_deref().filter(|r| r.lab().is_some()) {
            let line = format!("{} on {} in {}", r.algo, r.dataset, seconds(r.fit_seconds));
            if pane.is_stale() {
                (
                    format!("STALE (setup changed; r re-runs) · {line}"),
                    theme.fg(Color::Yellow).add_modifier(Modifier::BOLD),
                )
            } else {
                (line, Style::new())
            }
        } else if let Some(r) = &pane.report {
            if pane.is_stale() {
                // The results below are from another setup.
                (
                    format!("STALE (setup changed; r re-runs) · {}", summary(r)),
                    theme.fg(Color::Yellow).add_modifier(Modifier::BOLD),
                )
            } else {
                (summary(r), Style::new())
            }
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

/// The status line as a bar filled to `ratio`, labelled.
fn status_gauge(ratio: f64, label: &str, area: Rect, buf: &mut Buffer, theme: Theme) {
    Gauge::default()
        .ratio(ratio)
        .label(truncate(label, usize::from(area.width)))
        .gauge_style(theme.fg(Color::Cyan))
        .render(area, buf);
}

/// `done` of `total` as a ratio in 0..=1 (0 when there is no total).
fn share(done: f64, total: f64) -> f64 {
    if total > 0.0 {
        (done / total).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// A byte count for the loading bar: `12.3 MB`, or `512 kB` below 1 MB.
fn megabytes(n: u64) -> String {
    if n >= 1_000_000 {
        format!("{:.1} MB", n as f64 / 1e6)
    } else {
        format!("{} kB", n.div_ceil(1000))
    }
}

pub(super) fn summary(r: &Report) -> String {
    // The result first, so it survives a narrow pane.
    let mut s = String::new();
    if let Some(m) = r.metrics() {
        s.push_str(&format!("accuracy {:.3} · ", m.accuracy));
    }
    if let Some(a) = r.ari() {
        s.push_str(&format!("ARI {a:.3} · "));
    }
    // Sequence runs count sentences (the casino: rolls) and have no
    // feature table.
    let data = if r.casino().is_some() {
        format!("{} train / {} test rolls", r.n_train, r.n_test)
    } else if r.task() == crate::registry::Task::Tagging {
        format!("{} train / {} test sentences", r.n_train, r.n_test)
    } else {
        format!(
            "{} train / {} test rows, {} features",
            r.n_train, r.n_test, r.n_features
        )
    };
    s.push_str(&format!(
        "{} on {}: {data}, fit {}, predict {}",
        r.algo,
        r.dataset,
        seconds(r.fit_seconds),
        seconds(r.predict_seconds)
    ));
    s
}

/// A duration for people: microseconds below a millisecond, milliseconds
/// below a second (a fit of counts is not "0.0 ms").
pub(super) fn seconds(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}
