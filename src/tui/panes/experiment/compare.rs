//! The compare view: one line per algorithm with mean ± std of the two
//! metrics, fit time and the mark against the best (best, worse with its
//! p-value, failed), filling in while the comparison runs. Narrow panes
//! drop the second metric's spread and the predict time.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::experiment::compare::{CompareTask, RowStatus};
use crate::settings::Lang;
use crate::text::{truncate, width};
use crate::tui::compare::{CompareView, SortBy};
use crate::tui::theme::Theme;

/// `s` padded with spaces to `w` display columns (cut when longer).
fn pad(s: &str, w: usize, right: bool) -> String {
    let s = truncate(s, w);
    let fill = " ".repeat(w.saturating_sub(width(&s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// `p=.553`, or `p<.001` below that.
fn p_short(p: f64) -> String {
    if p < 0.001 {
        "p<.001".into()
    } else {
        format!("p={}", format!("{p:.3}").trim_start_matches('0'))
    }
}

/// A label in the pane's language (English when both: columns are narrow).
fn tr(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

fn metric_label(m: &str, lang: Lang) -> &'static str {
    match m {
        "accuracy" => tr(lang, "accuracy", "准确率"),
        "macro_f1" => tr(lang, "macro-F1", "宏平均F1"),
        "r2" => "R²",
        _ => "RMSE",
    }
}

pub fn render(v: &CompareView, area: Rect, buf: &mut Buffer, theme: Theme, lang: Lang) {
    let state = match (&v.error, &v.report) {
        (Some(e), _) => e.clone(),
        (None, Some(_)) => tr(lang, "done", "完成").to_string(),
        (None, None) => {
            let finished = v.rows.iter().flatten().count();
            format!(
                "{} {finished}/{}",
                tr(lang, "running", "运行中"),
                v.algos.len()
            )
        }
    };
    let name = match lang {
        Lang::Zh => "全部比较",
        Lang::En => "Compare all",
        Lang::Both => "全部比较 · Compare all",
    };
    let title = format!(
        "{name}: {} · {}×{} CV · {state}",
        v.dataset, v.folds, v.repeats
    );
    let block = theme.block(
        &truncate(&title, usize::from(area.width.saturating_sub(4))),
        true,
    );
    let inner = block.inner(area);
    block.render(area, buf);
    let w = usize::from(inner.width);
    let task = v.task.unwrap_or(CompareTask::Classification);
    let metrics = task.metrics();
    // Wide: both spreads and the predict time; medium: no predict time;
    // narrow: the second metric's mean only.
    let (wide, medium) = (w >= 90, w >= 72);
    // Columns: algorithm, metric 0 (mean ± std), metric 1, fit ms, [pred ms], mark.
    let (c_algo, c_m0, c_m1, c_fit, c_pred) = if wide {
        (20, 16, 16, 9, 9)
    } else if medium {
        (18, 16, 16, 8, 0)
    } else {
        (15, 12, 8, 7, 0)
    };
    let used = c_algo + c_m0 + c_m1 + c_fit + c_pred + if wide { 5 } else { 4 };
    let c_mark = w.saturating_sub(used);
    let arrow = |s: SortBy, label: &str| {
        if v.sort == s {
            format!("{label}▼")
        } else {
            label.to_string()
        }
    };
    let mut head = vec![
        pad(
            &arrow(SortBy::Order, tr(lang, "algorithm", "算法")),
            c_algo,
            false,
        ),
        pad(
            &arrow(SortBy::Metric0, metric_label(metrics[0], lang)),
            c_m0,
            true,
        ),
        pad(
            &arrow(SortBy::Metric1, metric_label(metrics[1], lang)),
            c_m1,
            true,
        ),
        pad(
            &arrow(SortBy::Fit, tr(lang, "fit ms", "训练ms")),
            c_fit,
            true,
        ),
    ];
    if wide {
        head.push(pad(tr(lang, "pred ms", "预测ms"), c_pred, true));
    }
    head.push(pad(tr(lang, "vs best", "对比最优"), c_mark, false));
    let mut lines = vec![Line::styled(
        head.join(" "),
        theme.status().add_modifier(Modifier::BOLD),
    )];

    let body_rows = usize::from(inner.height).saturating_sub(3);
    let all = v.lines();
    let skip = v.scroll.min(all.len().saturating_sub(body_rows.max(1)));
    let num = |x: f64, d: usize| {
        if x.is_finite() {
            format!("{x:.d$}")
        } else {
            "-".into()
        }
    };
    let mut notes: Vec<String> = Vec::new();
    for l in all.iter().skip(skip).take(body_rows) {
        let mut cells = vec![pad(l.algo, c_algo, false)];
        let (style, mark) = match l.row {
            None => {
                let progress = if l.done > 0 {
                    format!("{}/{}", l.done, v.total_folds())
                } else {
                    "…".into()
                };
                cells.push(pad(&progress, c_m0, true));
                cells.push(pad("", c_m1, true));
                cells.push(pad("", c_fit, true));
                if wide {
                    cells.push(pad("", c_pred, true));
                }
                (theme.status(), String::new())
            }
            Some(r) => {
                let (m0, m1) = if medium {
                    (
                        format!("{} ± {}", num(r.mean[0], 4), num(r.std[0], 4)),
                        format!("{} ± {}", num(r.mean[1], 4), num(r.std[1], 4)),
                    )
                } else {
                    (
                        format!("{}±{}", num(r.mean[0], 3), num(r.std[0], 3)),
                        num(r.mean[1], 3),
                    )
                };
                let ok = r.is_ok();
                cells.push(pad(if ok { m0.as_str() } else { "-" }, c_m0, true));
                cells.push(pad(if ok { m1.as_str() } else { "-" }, c_m1, true));
                cells.push(pad(&num(r.fit_ms, 1), c_fit, true));
                if wide {
                    cells.push(pad(&num(r.predict_ms, 1), c_pred, true));
                }
                match &r.status {
                    RowStatus::Failed(why) | RowStatus::Stopped(why) => {
                        notes.push(format!("{}: {why}", r.algo));
                        let m = if matches!(r.status, RowStatus::Failed(_)) {
                            tr(lang, "failed", "失败")
                        } else {
                            tr(lang, "stopped", "超时")
                        };
                        (theme.fg(Color::Red), m.to_string())
                    }
                    RowStatus::Ok if l.best => (
                        theme.fg(Color::LightGreen).add_modifier(Modifier::BOLD),
                        format!("★ {}", tr(lang, "best", "最优")),
                    ),
                    RowStatus::Ok => match &r.vs_best {
                        Some(t) if r.worse => (
                            theme.fg(Color::Yellow),
                            format!("{} {}", tr(lang, "worse", "显著更差"), p_short(t.p)),
                        ),
                        Some(t) => (Style::new(), p_short(t.p)),
                        None => (Style::new(), String::new()),
                    },
                }
            }
        };
        cells.push(pad(&mark, c_mark, false));
        lines.push(Line::styled(cells.join(" "), style));
    }
    if all.len() > body_rows && body_rows > 0 {
        lines.push(Line::styled(
            format!(
                "↑↓ {} {}-{} / {}",
                tr(lang, "rows", "行"),
                skip + 1,
                (skip + body_rows).min(all.len()),
                all.len()
            ),
            theme.status(),
        ));
    }
    let explain = match lang {
        Lang::Zh => "显著更差：与最优算法的校正重抽样 t 检验 (Nadeau–Bengio)，p < 0.05；s 排序",
        _ => {
            "worse: corrected resampled t-test against the best (Nadeau–Bengio), p < 0.05; s sorts"
        }
    };
    let mut foot: Vec<Line> = notes
        .iter()
        .map(|n| Line::styled(truncate(n, w), theme.fg(Color::Red)))
        .collect();
    foot.push(Line::from(Span::styled(
        truncate(explain, w),
        theme.status(),
    )));
    let room = usize::from(inner.height).saturating_sub(lines.len());
    let keep = foot.len().min(room);
    lines.extend(foot.into_iter().rev().take(keep).rev());
    Paragraph::new(lines).render(inner, buf);
}
