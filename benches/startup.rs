//! Start-up and rendering speed. Target: under 50 ms from process start to
//! the first frame (release build). Run with `cargo bench --bench startup`.

use std::process::Command;

use mlwb::content::{note, Library, TopicSource};
use mlwb::tui::{view, App};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn main() {
    divan::main();
}

/// The whole process: exec, load the bundled map, build the app, draw one
/// 120x40 frame off-screen, exit. This is the figure the 50 ms target is about.
#[divan::bench(sample_count = 30)]
fn process_start_to_first_frame() {
    let status = Command::new(env!("CARGO_BIN_EXE_mlwb"))
        .arg("first-frame")
        .status()
        .expect("run mlwb");
    assert!(status.success());
}

/// In-process part of the above: load the map (content checks deferred, as
/// the reader does), build the app, draw.
#[divan::bench]
fn load_and_first_frame() {
    let lib = Library::load_deferred(TopicSource::Bundled);
    let app = App::new(lib, 120, 40);
    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    t.draw(|f| view::draw(f, &app)).expect("draw");
    divan::black_box(t);
}

/// Load and validate the bundled map only (what `mlwb check` does).
#[divan::bench]
fn load_bundled_topics() -> Library {
    Library::load(TopicSource::Bundled)
}

/// Load the bundled map without the content checks (the reader's start).
#[divan::bench]
fn load_bundled_topics_deferred() -> Library {
    Library::load_deferred(TopicSource::Bundled)
}

/// Redraw one frame (what every key press costs).
#[divan::bench]
fn redraw_frame(bencher: divan::Bencher) {
    let app = App::new(Library::load(TopicSource::Bundled), 120, 40);
    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    bencher.bench_local(|| {
        t.draw(|f| view::draw(f, &app)).expect("draw");
    });
}

/// Lay out every note of the map at 80 columns (formulas rendered, wrapped).
#[divan::bench]
fn layout_all_notes(bencher: divan::Bencher) {
    let lib = Library::load(TopicSource::Bundled);
    bencher.bench_local(|| {
        let mut n = 0;
        for t in &lib.topics {
            n += note::layout(&note::blocks(&lib, t, mlwb::settings::Lang::En), 80).len();
        }
        n
    });
}
