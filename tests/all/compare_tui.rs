//! The compare view, headless: `A` in the experiment pane starts the
//! comparison as a background job (rows fill in, Esc cancels); a finished
//! comparison drawn at 80x24 and 120x40, in English and Chinese, with and
//! without colour, sorted by a column.

use crate::common;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::screen;
use mlwb::content::{Library, TopicSource};
use mlwb::experiment::compare::{self, CompareConfig, CompareEvent};
use mlwb::experiment::Config;
use mlwb::settings::Lang;
use mlwb::tui::compare::{CompareView, SortBy};
use mlwb::tui::{App, Carry, Headless, Msg};

fn app(w: u16, h: u16, lang: Lang, color: bool) -> Headless {
    let mut a = App::new(Library::load(TopicSource::Bundled), w, h);
    a.color = color;
    a.lang = lang;
    let mut app = Headless::new(a);
    let i = app.lib.index_of("naive-bayes").expect("topic");
    app.reveal(i);
    app.send(Msg::ToggleExperiment);
    assert!(
        app.exp.is_some(),
        "the naive-bayes topic opens an experiment"
    );
    app
}

#[test]
fn a_starts_the_comparison_in_the_background_and_esc_cancels_it() {
    let mut app = app(120, 40, Lang::En, false);
    app.send(Msg::ToggleCompare);
    let t0 = Instant::now();
    // Wait for the first algorithm's row (fold progress arrives before it).
    loop {
        app.tick();
        let c = app
            .exp
            .as_ref()
            .and_then(|e| e.compare.as_ref())
            .expect("view");
        assert!(c.error.is_none(), "{:?}", c.error);
        if c.rows.iter().flatten().count() > 0 {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "no row in 60 s");
        std::thread::sleep(Duration::from_millis(10));
    }
    let s = screen(&app);
    assert!(s.contains("Compare all: "), "{s}");
    assert!(s.contains("gaussian-nb"), "{s}");
    assert!(s.contains("★ best"), "{s}");
    app.send(Msg::Close);
    let c = app
        .exp
        .as_ref()
        .and_then(|e| e.compare.as_ref())
        .expect("view");
    assert_eq!(c.error.as_deref(), Some("cancelled"));
    assert!(
        app.wait_idle(Duration::from_secs(30)),
        "the job did not stop"
    );
    // A second Esc closes the view; the setup is back.
    app.send(Msg::Close);
    assert!(app.exp.as_ref().is_some_and(|e| e.compare.is_none()));
}

/// A finished comparison on moons (multinomial NB fails on its negative
/// features), fed through the messages the job would send; the times are
/// fixed so the snapshots do not move.
fn finished(app: &mut Headless) {
    let cfg = CompareConfig {
        base: Config {
            dataset: "moons".into(),
            ..Config::default()
        },
        algos: [
            "gaussian-nb",
            "multinomial-nb",
            "knn",
            "decision-tree",
            "logistic-regression",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        folds: 3,
        repeats: 2,
        threads: 2,
        ..CompareConfig::default()
    };
    let events = std::sync::Mutex::new(Vec::new());
    let never = AtomicBool::new(false);
    let mut report = compare::compare(
        &cfg,
        &|e| {
            if let Ok(mut v) = events.lock() {
                v.push(e)
            }
        },
        &never,
    )
    .expect("compare");
    for (i, r) in report.rows.iter_mut().enumerate() {
        if r.is_ok() {
            r.fit_ms = 1.5 + i as f64;
            r.predict_ms = 0.25;
        }
    }
    let run = 99;
    app.exp.as_mut().expect("pane").compare = Some(CompareView::new(run, &cfg));
    let mut events = events.into_inner().expect("events");
    events.retain(|e| matches!(e, CompareEvent::Started { .. }));
    events.push(CompareEvent::Finished(Box::new(report)));
    for e in events {
        app.send(Msg::CompareEvent {
            run,
            event: Carry::new(e),
        });
    }
}

#[test]
fn the_finished_table_at_both_sizes_in_both_languages() {
    for (w, h, lang, color, name) in [
        (80u16, 24u16, Lang::En, false, "en_80x24"),
        (120, 40, Lang::En, false, "en_120x40"),
        (120, 40, Lang::Zh, false, "zh_120x40"),
        (80, 24, Lang::Zh, true, "zh_color_80x24"),
    ] {
        let mut app = app(w, h, lang, color);
        finished(&mut app);
        let s = screen(&app);
        insta::assert_snapshot!(format!("compare_moons_{name}"), s);
        for want in ["gaussian-nb", "knn", "decision-tree", "multinomial-nb"] {
            assert!(s.contains(want), "{name}: {want}\n{s}");
        }
        let (best, failed) = if lang == Lang::Zh {
            ("★ 最优", "失败")
        } else {
            ("★ best", "failed")
        };
        assert!(s.contains(best) && s.contains(failed), "{name}\n{s}");
    }
}

#[test]
fn s_sorts_by_the_first_metric_best_first() {
    let mut app = app(120, 40, Lang::En, false);
    finished(&mut app);
    app.send(Msg::SortCompare);
    let c = app
        .exp
        .as_ref()
        .and_then(|e| e.compare.as_ref())
        .expect("view");
    assert_eq!(c.sort, SortBy::Metric0);
    let lines = c.lines();
    assert!(lines[0].best, "the best row comes first");
    let means: Vec<f64> = lines
        .iter()
        .filter_map(|l| l.row.filter(|r| r.is_ok()).map(|r| r.mean[0]))
        .collect();
    assert!(means.windows(2).all(|w| w[0] >= w[1]), "{means:?}");
    assert_eq!(lines.last().map(|l| l.algo), Some("multinomial-nb"));
    let s = screen(&app);
    insta::assert_snapshot!("compare_moons_sorted_120x40", s);
    // A closes the view.
    app.send(Msg::ToggleCompare);
    assert!(app.exp.as_ref().is_some_and(|e| e.compare.is_none()));
}
