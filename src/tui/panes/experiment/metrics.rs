//! The metrics panel: accuracy, per-class precision / recall / F1 /
//! support, AUC, CV, clustering scores.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Paragraph, Widget};

use crate::experiment::Report;
use crate::registry::Task;
use crate::text::truncate;
use crate::tui::experiment::ExperimentPane;
use crate::tui::theme::Theme;

/// The metrics panel as a widget: its lines come from [`metrics_lines`].
pub struct MetricsPanel<'a> {
    pub pane: &'a ExperimentPane,
    pub lines: &'a [String],
    pub theme: Theme,
}

impl Widget for MetricsPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        render_metrics(self.pane, self.lines, area, buf, self.theme);
    }
}

pub(super) fn render_metrics(
    pane: &ExperimentPane,
    lines: &[String],
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
) {
    let b = theme.block("Metrics", false);
    let inner = b.inner(area);
    b.render(area, buf);
    if pane.report.is_none() {
        Paragraph::new("no results yet").render(inner, buf);
        return;
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

/// The metrics panel's lines.
pub(super) fn metrics_lines(r: &Report) -> Vec<String> {
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
            "{:<12} {:>9} {:>6} {:>5} {:>7}",
            "class", "precision", "recall", "F1", "support"
        ));
        for c in &m.per_class {
            lines.push(format!(
                "{:<12} {:>9.3} {:>6.3} {:>5.3} {:>7}",
                truncate(&c.label, 12),
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
    if let Some(t) = r.classification().and_then(|c| c.text.as_deref()) {
        lines.push(format!(
            "vocabulary {} words ({} pruned), {:.3}% non-zero{}",
            t.vocabulary_size,
            t.pruned_terms,
            t.density * 100.0,
            if t.sparse { ", sparse" } else { "" }
        ));
        if let Some(first) = t.indicative.first() {
            lines.push(format!("most indicative words ({}):", first.measure));
        }
        for c in &t.indicative {
            let w: Vec<&str> = c.words.iter().take(8).map(|(w, _)| w.as_str()).collect();
            lines.push(format!("  {}: {}", c.class, w.join(", ")));
        }
        if let Some(e) = &t.example {
            let w: Vec<&str> = e.words.iter().take(6).map(|(w, _)| w.as_str()).collect();
            lines.push(format!(
                "test message 1 → {} (truth {}), by: {}",
                e.predicted,
                e.truth,
                w.join(", ")
            ));
        }
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
    lines
}
