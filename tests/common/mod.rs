//! Helpers shared by the TUI integration tests.

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
