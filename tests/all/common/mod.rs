//! Helpers shared by the integration tests: the CLI as a child process,
//! the TUI drawn as text. Each test crate uses some of them.
#![allow(dead_code)]

use std::process::{Command, Output};

use mlwb::tui::{view, App};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// The app drawn on a test terminal of its size, as text: one line per
/// row, a wide (CJK) character once, not followed by its blank half.
pub fn screen(app: &App) -> String {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| view::draw(f, app)).expect("draw");
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            out.push_str(sym);
            skip = mlwb::text::width(sym).saturating_sub(1);
        }
        out.push('\n');
    }
    out
}

/// `mlwb ARGS` as a child process, colour off.
pub fn mlwb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlwb"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run mlwb")
}

/// `mlwb ARGS`, which must succeed; its stdout as JSON.
pub fn json(args: &[&str]) -> serde_json::Value {
    let o = mlwb(args);
    assert!(
        o.status.success(),
        "mlwb {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

/// The bundled map at `w`×`h`, no colour, English, with the experiment
/// pane of topic `id` open.
pub fn open_experiment(id: &str, w: u16, h: u16) -> mlwb::tui::Headless {
    use mlwb::content::{Library, TopicSource};
    let mut app = App::new(Library::load(TopicSource::Bundled), w, h);
    app.color = false;
    app.lang = mlwb::settings::Lang::En;
    let mut app = mlwb::tui::Headless::new(app);
    let i = app.lib.index_of(id).expect("topic");
    app.reveal(i);
    app.send(mlwb::tui::Msg::ToggleExperiment);
    app
}

/// The value of a lab's figure `key` in `mlwb run --json` output.
pub fn figure(v: &serde_json::Value, key: &str) -> f64 {
    v["figures"]
        .as_array()
        .expect("figures")
        .iter()
        .find(|f| f["key"] == key)
        .and_then(|f| f["value"].as_f64())
        .unwrap_or_else(|| panic!("figure {key}"))
}
