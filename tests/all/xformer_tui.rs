//! The `transformer` lab opened with `e` from the Transformer note, run
//! with tiny settings and drawn at 80x24.

use crate::common;
use common::screen;
use mlwb::content::{Library, TopicSource};
use mlwb::tui::{App, Headless, Msg};

#[test]
fn the_transformer_lab_runs_from_its_note_at_80x24() {
    let mut app = App::new(Library::load(TopicSource::Bundled), 80, 24);
    app.color = false;
    app.lang = mlwb::settings::Lang::En;
    let mut app = Headless::new(app);
    let i = app.lib.index_of("transformer-architecture").expect("topic");
    app.reveal(i);
    app.send(Msg::ToggleExperiment);
    let exp = app.exp.as_mut().expect("pane");
    exp.config.algo = "transformer".into();
    for (k, v) in [
        ("length", "5"),
        ("layers", "1"),
        ("heads", "2"),
        ("d_model", "8"),
        ("d_ff", "8"),
        ("epochs", "2"),
        ("sequences", "64"),
        ("compare_steps", "20"),
        ("compare_layers", "1"),
    ] {
        exp.config.params.push((k.into(), v.into()));
    }
    app.send(Msg::Run);
    assert!(
        app.wait_idle(std::time::Duration::from_secs(60)),
        "the run did not finish in 60 s"
    );
    let exp = app.exp.as_mut().expect("pane");
    assert!(exp.error.is_none(), "{:?}", exp.error);
    exp.report.as_mut().expect("report").fit_seconds = 0.0123;
    let first = screen(&app);
    insta::assert_snapshot!("transformer_lab_80x24", first);
    // Loss, accuracy, comparison charts, the comparison table, heat maps, notices.
    let panels = app.exp.as_ref().expect("pane").lab_panels().len();
    assert!(panels >= 5, "{panels} panels");
}
