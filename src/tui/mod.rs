//! The interactive reader. Elm architecture: `App` is the model, `Msg` the
//! messages, `App::update` the update and `view::draw` the view.

pub mod app;
pub mod exp_view;
pub mod experiment;
pub mod keys;
pub mod layout;
pub mod quiz;
pub mod quiz_view;
pub mod view;

use std::io::{stdout, IsTerminal};

use anyhow::{bail, Context};
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

pub use app::{App, Effect, Focus, Mode, Msg};

use crate::content::Library;

/// Run the reader until the user quits. The terminal is restored on quit,
/// on error and on panic.
pub fn run(lib: Library) -> anyhow::Result<()> {
    run_with(lib, App::load_settings)
}

/// Open the reader straight into a quiz (`mlwb quiz [--topic ID] [--kind K]`).
pub fn run_quiz(
    lib: Library,
    topic: Option<String>,
    kind: Option<crate::content::CardKind>,
    data_dir: Option<std::path::PathBuf>,
    lang: crate::settings::Lang,
) -> anyhow::Result<()> {
    run_with(lib, move |app| {
        app.data_dir = data_dir;
        app.lang = lang;
        app.load_mastery();
        if let Some(t) = &topic {
            if let Some(i) = app.lib.index_of(t) {
                app.reveal(i);
            }
        }
        app.start_quiz_with(topic.as_deref(), kind);
    })
}

fn run_with(lib: Library, setup: impl FnOnce(&mut App)) -> anyhow::Result<()> {
    if !stdout().is_terminal() {
        bail!("the reader needs a terminal; for scripts use `mlwb topics`, `mlwb show ID` or `mlwb check`");
    }
    // try_init installs a panic hook that restores the terminal; ours runs
    // first and also turns mouse reporting off.
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            ratatui::restore();
            return Err(e).context("cannot set up the terminal");
        }
    };
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableMouseCapture);
        prev(info);
    }));
    let _ = execute!(stdout(), EnableMouseCapture);
    let result = event_loop(&mut terminal, lib, setup);
    let _ = execute!(stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    lib: Library,
    setup: impl FnOnce(&mut App),
) -> anyhow::Result<()> {
    let size = terminal.size().context("cannot read the terminal size")?;
    let mut app = App::new(lib, size.width, size.height);
    app.load_mastery();
    setup(&mut app);
    while !app.quit {
        terminal
            .draw(|f| view::draw(f, &app))
            .context("cannot draw")?;
        // Wake up regularly so a background run's progress is drawn live.
        let timeout = if app.exp.as_ref().is_some_and(|e| e.is_running()) {
            50
        } else {
            250
        };
        if event::poll(std::time::Duration::from_millis(timeout)).context("cannot read input")? {
            let ev = event::read().context("cannot read input")?;
            if let Some(msg) = keys::map_event(&ev, app.mode) {
                app.update(msg);
            }
        }
        app.update(Msg::Tick);
        run_effects(&mut app);
    }
    Ok(())
}

/// Run the effects `update` left: the I/O the pure update does not do.
/// A failure is shown in the status line, never fatal.
pub fn run_effects(app: &mut App) {
    for effect in std::mem::take(&mut app.effects) {
        match effect {
            Effect::SaveLang(lang) => {
                if let Err(e) = crate::settings::save_lang(app.data_dir.as_deref(), lang) {
                    app.flash = Some(format!("language not saved: {e}"));
                }
            }
        }
    }
}

/// Render the first frame into an off-screen buffer (start-up timing).
pub fn first_frame_headless(lib: Library, width: u16, height: u16) {
    let app = App::new(lib, width, height);
    let Ok(mut t) = Terminal::new(TestBackend::new(width, height));
    let _ = t.draw(|f| view::draw(f, &app));
}
