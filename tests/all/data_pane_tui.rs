//! The data pane (`D` in the experiment pane), headless: the profiling runs
//! in a background job, so the pane says "profiling…" at once and fills in
//! when the job is done; drawn at 80x24 and 120x40 on credit_g and soybean,
//! with and without colour; closing it while profiling drops the job.

use crate::common;
use common::screen;
use mlwb::content::{Library, TopicSource};
use mlwb::tui::{view, App, Headless, Msg};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// The experiment pane of the decision-tree note, on `dataset`.
fn pane(w: u16, h: u16, color: bool, dataset: &str) -> Headless {
    let mut a = App::new(Library::load(TopicSource::Bundled), w, h);
    a.color = color;
    a.lang = mlwb::settings::Lang::En;
    let mut app = Headless::new(a);
    let i = app.lib.index_of("decision-tree").expect("topic");
    app.reveal(i);
    app.send(Msg::ToggleExperiment);
    app.exp.as_mut().expect("pane").config.dataset = dataset.to_string();
    app
}

fn profiled(w: u16, h: u16, color: bool, dataset: &str) -> Headless {
    let mut app = pane(w, h, color, dataset);
    app.send(Msg::ToggleData);
    assert!(
        app.wait_idle(std::time::Duration::from_secs(20)),
        "the profiling did not finish in 20 s"
    );
    app
}

/// Whether any drawn cell has a foreground colour.
fn coloured(app: &App) -> bool {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| view::draw(f, app)).expect("draw");
    let buf = t.backend().buffer().clone();
    buf.content.iter().any(|c| c.fg != Color::Reset)
}

#[test]
fn the_data_pane_on_credit_g_and_soybean_at_both_sizes() {
    for ds in ["credit_g", "soybean"] {
        for (w, h) in SIZES {
            let app = profiled(w, h, false, ds);
            let s = screen(&app);
            insta::assert_snapshot!(format!("data_pane_{ds}_{w}x{h}"), s);
            assert!(s.contains(&format!("data: {ds}")), "{s}");
            assert!(s.contains("categorical"), "{ds} {w}x{h}\n{s}");
            assert!(!s.contains("profiling"), "{s}");
            // Colour changes only colours.
            let c = profiled(w, h, true, ds);
            assert_eq!(screen(&c), s, "{ds} {w}x{h}: the same glyphs in colour");
            assert!(coloured(&c) && !coloured(&app), "{ds} {w}x{h}");
        }
    }
}

#[test]
fn profiling_happens_off_the_ui_thread() {
    // A file big enough to take a moment; the key returns before it is read.
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("wide.csv");
    let mut text = String::from("a,b,c,kind,y\n");
    for i in 0..50_000 {
        text.push_str(&format!(
            "{},{}.5,{},k{},{}\n",
            i % 97,
            i % 13,
            if i % 10 == 0 { "" } else { "x" },
            i % 7,
            i % 2
        ));
    }
    std::fs::write(&path, text).expect("write");
    let mut app = pane(120, 40, false, path.to_str().expect("utf-8"));
    app.send(Msg::ToggleData);
    let s = screen(&app);
    assert!(s.contains("profiling"), "{s}");
    let d = app
        .exp
        .as_ref()
        .and_then(|e| e.data_view.as_ref())
        .expect("view");
    assert!(d.is_profiling() && d.lines.is_empty());
    assert!(app.wait_idle(std::time::Duration::from_secs(30)));
    let s = screen(&app);
    assert!(!s.contains("profiling") && s.contains("50000 rows"), "{s}");
    // Close, open again, and close while profiling: the job is dropped and
    // its late result is not shown.
    app.send(Msg::ToggleData);
    app.send(Msg::ToggleData);
    assert!(app
        .exp
        .as_ref()
        .and_then(|e| e.data_view.as_ref())
        .is_some_and(|d| d.is_profiling()));
    app.send(Msg::ToggleData);
    assert!(app.exp.as_ref().expect("pane").data_view.is_none());
    assert!(app.wait_idle(std::time::Duration::from_secs(30)));
    assert!(app.exp.as_ref().expect("pane").data_view.is_none());
    // A missing file: the message in the pane, the app goes on.
    app.exp.as_mut().expect("pane").config.dataset = "/no/such/file.csv".into();
    app.send(Msg::ToggleData);
    assert!(app.wait_idle(std::time::Duration::from_secs(10)));
    let s = screen(&app);
    assert!(s.contains("/no/such/file.csv"), "{s}");
    assert!(!app.quit);
}
