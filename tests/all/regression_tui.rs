//! The regression view, headless: `e` on the linear-regression note opens
//! least squares on diabetes; after `r` the pane shows the scores, the
//! coefficient table with standard errors, predicted vs true, residuals,
//! the learning curve and the lasso path, at 80x24 and 120x40.

use crate::common;
use common::screen;
use mlwb::content::{Library, TopicSource};
use mlwb::tui::{App, Headless, Msg};

fn run(w: u16, h: u16) -> Headless {
    let mut lib_app = App::new(Library::load(TopicSource::Bundled), w, h);
    lib_app.color = false;
    lib_app.lang = mlwb::settings::Lang::En;
    let mut app = Headless::new(lib_app);
    let i = app.lib.index_of("linear-regression").expect("topic");
    app.reveal(i);
    app.send(Msg::ToggleExperiment);
    let exp = app.exp.as_ref().expect("pane");
    assert_eq!(exp.config.algo, "linear-regression");
    assert_eq!(exp.config.dataset, "diabetes");
    app.send(Msg::Run);
    assert!(
        app.wait_idle(std::time::Duration::from_secs(20)),
        "the run did not finish in 20 s"
    );
    let exp = app.exp.as_mut().expect("pane");
    assert!(exp.error.is_none(), "{:?}", exp.error);
    let r = exp.report.as_mut().expect("report");
    r.fit_seconds = 0.0123;
    r.predict_seconds = 0.0004;
    app
}

#[test]
fn the_regression_view_at_both_sizes() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let app = run(w, h);
        let s = screen(&app);
        insta::assert_snapshot!(format!("regression_ols_diabetes_{w}x{h}"), s);
        for want in ["test R²", "Predicted vs true", "Residuals vs fitted"] {
            assert!(s.contains(want), "{w}x{h}: {want}\n{s}");
        }
        if h >= 40 {
            for want in [
                "Learning curve",
                "Lasso path",
                "(intercept)",
                "std err",
                "bmi",
            ] {
                assert!(s.contains(want), "{w}x{h}: {want}\n{s}");
            }
        }
    }
}
