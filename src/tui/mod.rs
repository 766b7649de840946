//! The interactive reader. Elm architecture: `App` is the model, `Msg` the
//! messages, `App::update` the update (it returns [`Effect`]s and does no
//! I/O) and `view::draw` the view (one widget per panel in `panes/`). The
//! event loop reads keys through the bindings table (`keys`), runs the
//! effects with a [`Runtime`] (which owns the background [`Job`]s) and feeds
//! their results back as messages; [`Headless`] does the same without a
//! terminal.

pub mod app;
pub mod cards;
pub mod compare;
pub mod experiment;
pub mod keys;
pub mod layout;
pub mod panes;
pub mod quiz;
pub mod theme;
pub mod view;

use std::io::{stdout, IsTerminal};

use anyhow::{bail, Context};
use crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

pub use app::{App, Carry, Effect, Focus, JobKind, Mode, Msg, Now};

use crate::content::Library;
use crate::experiment::heldout::Submission;
use crate::experiment::tagging::LearningCurve;
use crate::experiment::{Event, Job};
use crate::quiz::store::{data_dir, Progress, Store};
use experiment::TrellisView;

/// Run the reader until the user quits. The terminal is restored on quit,
/// on error and on panic.
pub fn run(lib: Library) -> anyhow::Result<()> {
    run_with(lib, |app| {
        app.load_settings();
        Vec::new()
    })
}

/// Open the reader straight into a quiz (`mlwb quiz [--topic ID] [--kind K]`).
pub fn run_quiz(
    lib: Library,
    topic: Option<String>,
    kind: Option<crate::content::CardKind>,
    data_dir: Option<std::path::PathBuf>,
    lang: crate::settings::Lang,
    mode: Option<crate::quiz::interview::Mode>,
) -> anyhow::Result<()> {
    run_with(lib, move |app| {
        app.data_dir = data_dir;
        app.lang = lang;
        if let Some(t) = &topic {
            if let Some(i) = app.lib.index_of(t) {
                app.reveal(i);
            }
        }
        vec![Effect::StartQuiz { topic, kind, mode }]
    })
}

fn run_with(lib: Library, setup: impl FnOnce(&mut App) -> Vec<Effect>) -> anyhow::Result<()> {
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
        let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
        prev(info);
    }));
    let _ = execute!(stdout(), EnableMouseCapture, EnableBracketedPaste);
    let result = event_loop(&mut terminal, lib, setup);
    let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
    ratatui::restore();
    result
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    lib: Library,
    setup: impl FnOnce(&mut App) -> Vec<Effect>,
) -> anyhow::Result<()> {
    let size = terminal.size().context("cannot read the terminal size")?;
    let mut h = Headless::new(App::new(lib, size.width, size.height));
    h.rt.external = true;
    h.run(vec![Effect::LoadMastery]);
    let first = setup(&mut h.app);
    h.run(first);
    while !h.app.quit {
        terminal
            .draw(|f| view::draw(f, &h.app))
            .context("cannot draw")?;
        // Wake up regularly so a background run's progress is drawn live.
        let timeout = if h.rt.busy() { 50 } else { 250 };
        if event::poll(std::time::Duration::from_millis(timeout)).context("cannot read input")? {
            let ev = event::read().context("cannot read input")?;
            if let Some(msg) = keys::map_event(&ev, &h.app.contexts()) {
                h.send(msg);
            }
        }
        h.tick();
    }
    Ok(())
}

/// The background jobs the event loop owns for the app. Dropping a job
/// cancels it without waiting.
#[derive(Default)]
pub struct Runtime {
    /// Effects that reach outside the process (opening a browser, writing
    /// to the terminal's clipboard) run only when set: the event loop sets
    /// it, headless tests leave it off.
    pub external: bool,
    experiment: Option<(u64, Job<Event>)>,
    learning: Option<(u64, Job<Result<LearningCurve, String>>)>,
    submission: Option<(u64, Job<Result<Submission, String>>)>,
    compare: Option<(u64, Job<crate::experiment::compare::CompareEvent>)>,
    profile: Option<(u64, Job<ProfileEvent>)>,
}

/// What the data pane's profiling job sends.
enum ProfileEvent {
    Stage(crate::data::inspect::Stage),
    Done(Result<crate::data::inspect::Inspection, String>),
}

impl Runtime {
    /// Is background work going on?
    pub fn busy(&self) -> bool {
        self.experiment.is_some()
            || self.learning.is_some()
            || self.submission.is_some()
            || self.compare.is_some()
            || self.profile.is_some()
    }

    /// Run `effects` (the I/O and threads `update` does not do) and return
    /// the messages that carry their results back. Failures become
    /// messages too, never fatal.
    pub fn run(&mut self, app: &App, effects: Vec<Effect>) -> Vec<Msg> {
        let mut out = Vec::new();
        for effect in effects {
            match effect {
                Effect::OpenUrl(url) => {
                    if self.external {
                        out.push(Msg::Notice(match open_url(&url) {
                            Ok(opener) => format!("opened with {opener}: {url}"),
                            Err(e) => format!("cannot open the link ({e}); y copies it: {url}"),
                        }));
                    }
                }
                Effect::Copy(text) => {
                    if self.external {
                        let seq = osc52(&text);
                        let mut o = stdout();
                        let r = std::io::Write::write_all(&mut o, seq.as_bytes())
                            .and_then(|()| std::io::Write::flush(&mut o));
                        out.push(Msg::Notice(match r {
                            Ok(()) => format!("copied (OSC 52; if the terminal refuses clipboard writes, nothing changes): {text}"),
                            Err(e) => format!("cannot write to the terminal: {e}"),
                        }));
                    }
                }
                Effect::SaveLang(lang) => {
                    if let Err(e) = crate::settings::save_lang(app.data_dir.as_deref(), lang) {
                        out.push(Msg::Notice(format!("language not saved: {e}")));
                    }
                }
                Effect::StartExperiment { run, config } => {
                    // Replacing the old job drops it: cancelled, not joined.
                    self.experiment = None;
                    match crate::experiment::spawn(*config) {
                        Ok(job) => self.experiment = Some((run, job)),
                        Err(e) => out.push(Msg::JobEvent {
                            run,
                            event: Carry::new(Event::Failed(
                                crate::experiment::ExperimentError::setup(format!(
                                    "cannot start a thread for the run: {e}"
                                )),
                            )),
                        }),
                    }
                }
                Effect::StartLearningCurve {
                    run,
                    dataset,
                    neural,
                } => {
                    self.learning = None;
                    let job = Job::spawn("mlwb-learning-curve", move |tx, cancel| {
                        let r = crate::experiment::tagging::learning_curve(
                            &dataset,
                            &[0.05, 0.1, 0.2, 0.4, 0.7, 1.0],
                            neural,
                            &mut |_| {},
                            cancel.flag(),
                        );
                        tx.send(r.map_err(|e| e.to_string()));
                    });
                    match job {
                        Ok(job) => self.learning = Some((run, job)),
                        Err(e) => out.push(Msg::LearningDone {
                            run,
                            result: Carry::new(Err(format!(
                                "cannot start a thread for the learning curve: {e}"
                            ))),
                        }),
                    }
                }
                Effect::WriteSubmission {
                    run,
                    config,
                    predict,
                    out: path,
                } => {
                    self.submission = None;
                    let job = Job::spawn("mlwb-submission", move |tx, _cancel| {
                        let r = crate::experiment::heldout::predict_file(
                            &config, &predict, &path, None, false,
                        );
                        tx.send(r.map_err(|e| e.to_string()));
                    });
                    match job {
                        Ok(job) => self.submission = Some((run, job)),
                        Err(e) => out.push(Msg::SubmissionDone {
                            run,
                            result: Carry::new(Err(format!(
                                "cannot start a thread for the submission: {e}"
                            ))),
                        }),
                    }
                }
                Effect::Cancel(JobKind::Experiment) => {
                    if let Some((_, job)) = &self.experiment {
                        job.cancel();
                    }
                }
                Effect::Cancel(JobKind::LearningCurve) => self.learning = None,
                Effect::Cancel(JobKind::Compare) => self.compare = None,
                Effect::StartCompare { run, config } => {
                    self.compare = None;
                    match crate::experiment::compare::spawn(*config) {
                        Ok(job) => self.compare = Some((run, job)),
                        Err(e) => out.push(Msg::CompareEvent {
                            run,
                            event: Carry::new(crate::experiment::compare::CompareEvent::Failed(
                                crate::experiment::ExperimentError::setup(format!(
                                    "cannot start a thread for the comparison: {e}"
                                )),
                            )),
                        }),
                    }
                }
                Effect::Cancel(JobKind::Profile) => self.profile = None,
                Effect::ProfileData { run, dataset, csv } => {
                    // Replacing the old job drops it: cancelled, not joined.
                    self.profile = None;
                    let job = Job::spawn("mlwb-profile", move |tx, cancel| {
                        let r = crate::data::inspect::inspect_with(&dataset, &csv, &mut |s| {
                            tx.send(ProfileEvent::Stage(s)) && !cancel.is_cancelled()
                        });
                        tx.send(ProfileEvent::Done(r.map_err(|e| e.to_string())));
                    });
                    match job {
                        Ok(job) => self.profile = Some((run, job)),
                        Err(e) => out.push(Msg::DataProfiled {
                            run,
                            result: Carry::new(Err(format!(
                                "cannot start a thread for the profiling: {e}"
                            ))),
                        }),
                    }
                }
                Effect::LoadTrellis => out.push(Msg::TrellisLoaded(Carry::new(TrellisView::new()))),
                Effect::StartQuiz { topic, kind, mode } => {
                    let q = quiz::QuizSession::start(
                        &app.lib,
                        topic.as_deref(),
                        kind,
                        mode,
                        app.data_dir.as_deref(),
                        app.now.utc,
                    );
                    out.push(Msg::QuizStarted(Carry::new(q)));
                }
                Effect::SaveProgress => {
                    if let Some(q) = &app.quiz {
                        out.push(Msg::Graded(q.save()));
                    }
                }
                Effect::OpenCards => {
                    let b = cards::Browser::open(&app.lib, app.data_dir.as_deref(), app.now.utc);
                    out.push(Msg::CardsOpened(Carry::new(b)));
                }
                Effect::SaveCards => {
                    if let Some(b) = &app.cards {
                        out.push(Msg::Graded(b.save()));
                    }
                }
                Effect::LoadMastery => out.push(Msg::MasteryLoaded(Carry::new(load_mastery(
                    app.data_dir.as_deref(),
                )))),
            }
        }
        out
    }

    /// What the jobs reported since the last call, as messages; a job whose
    /// thread has ended is let go.
    pub fn poll(&mut self) -> Vec<Msg> {
        let mut out = Vec::new();
        if let Some((run, job)) = &self.experiment {
            let run = *run;
            // Ask first: events sent before the end are all queued by then.
            let ended = job.is_finished();
            for event in job.drain() {
                out.push(Msg::JobEvent {
                    run,
                    event: Carry::new(event),
                });
            }
            if ended {
                out.push(Msg::JobEnded { run });
                self.experiment = None;
            }
        }
        if let Some((run, job)) = &self.compare {
            let run = *run;
            let ended = job.is_finished();
            for event in job.drain() {
                out.push(Msg::CompareEvent {
                    run,
                    event: Carry::new(event),
                });
            }
            if ended {
                out.push(Msg::CompareEnded { run });
                self.compare = None;
            }
        }
        if let Some((run, job)) = &self.profile {
            let run = *run;
            let ended = job.is_finished();
            let mut done = false;
            for e in job.drain() {
                out.push(match e {
                    ProfileEvent::Stage(stage) => Msg::DataProgress { run, stage },
                    ProfileEvent::Done(r) => {
                        done = true;
                        Msg::DataProfiled {
                            run,
                            result: Carry::new(r),
                        }
                    }
                });
            }
            if !done && ended {
                out.push(Msg::DataProfiled {
                    run,
                    result: Carry::new(Err("the profiling job stopped".into())),
                });
            }
            if done || ended {
                self.profile = None;
            }
        }
        if let Some((run, r)) = take_answer(&mut self.submission, "submission") {
            out.push(Msg::SubmissionDone {
                run,
                result: Carry::new(r),
            });
        }
        if let Some((run, r)) = take_answer(&mut self.learning, "learning-curve") {
            out.push(Msg::LearningDone {
                run,
                result: Carry::new(r),
            });
        }
        out
    }
}

/// The answer of a one-answer job (`what` names it in the error when its
/// thread ended without one), or `None` while it runs; an answered job is
/// let go.
fn take_answer<T>(
    slot: &mut Option<(u64, Job<Result<T, String>>)>,
    what: &str,
) -> Option<(u64, Result<T, String>)> {
    let (run, job) = slot.as_ref()?;
    let run = *run;
    let ended = job.is_finished();
    let result = match job.drain().pop() {
        Some(r) => r,
        None if ended => Err(format!("the {what} job stopped")),
        None => return None,
    };
    *slot = None;
    Some((run, result))
}

/// Read the progress (read-only: no lock, nothing moved) for the tree's
/// mastery counts. A damaged file comes with a notice (its backup is read).
pub fn load_mastery(dir: Option<&std::path::Path>) -> (Progress, Option<String>) {
    match data_dir(dir).and_then(|d| Store::open_read_only(&d)) {
        Ok((store, progress)) => (progress, store.notices.first().cloned()),
        Err(_) => (Progress::default(), None),
    }
}

/// The app with its runtime, driven by messages alone: what the event loop
/// does, without a terminal (television-style headless tests).
pub struct Headless {
    pub app: App,
    pub rt: Runtime,
}

impl Headless {
    pub fn new(app: App) -> Headless {
        Headless {
            app,
            rt: Runtime::default(),
        }
    }

    /// Update with `msg`, then run the effects and feed their results back
    /// until none are left.
    pub fn send(&mut self, msg: Msg) {
        let effects = self.app.update(msg);
        self.run(effects);
    }

    /// Run effects and feed their results back until none are left.
    pub fn run(&mut self, effects: Vec<Effect>) {
        let mut queue = std::collections::VecDeque::from(self.rt.run(&self.app, effects));
        while let Some(msg) = queue.pop_front() {
            let effects = self.app.update(msg);
            queue.extend(self.rt.run(&self.app, effects));
        }
    }

    /// Time passes: the clock is read, the jobs' events are fed in.
    pub fn tick(&mut self) {
        for msg in self.rt.poll() {
            self.send(msg);
        }
        self.send(Now::tick());
    }

    /// Tick until background work is done or `timeout` passes (tests).
    pub fn wait_idle(&mut self, timeout: std::time::Duration) -> bool {
        let t0 = std::time::Instant::now();
        loop {
            self.tick();
            if !self.rt.busy() {
                return true;
            }
            if t0.elapsed() > timeout {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

impl std::ops::Deref for Headless {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl std::ops::DerefMut for Headless {
    fn deref_mut(&mut self) -> &mut App {
        &mut self.app
    }
}

/// Render the first frame into an off-screen buffer (start-up timing).
pub fn first_frame_headless(lib: Library, width: u16, height: u16) {
    let app = App::new(lib, width, height);
    let Ok(mut t) = Terminal::new(TestBackend::new(width, height));
    let _ = t.draw(|f| view::draw(f, &app));
}

/// Open `url` with the platform's opener, without waiting for it. Returns
/// the opener's name, or why it could not be started (not installed, ...).
fn open_url(url: &str) -> Result<&'static str, String> {
    let (opener, args): (&'static str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    let child = std::process::Command::new(opener)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("{opener}: {e}"))?;
    // Reap it in the background so it leaves no zombie.
    let mut child = child;
    let _ = std::thread::Builder::new()
        .name("mlwb-opener".into())
        .spawn(move || child.wait());
    Ok(opener)
}

/// The OSC 52 sequence that asks the terminal to put `text` on the
/// clipboard (base64 of its UTF-8 bytes).
pub fn osc52(text: &str) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut enc = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                enc.push(char::from(B64[((n >> shift) & 63) as usize]));
            } else {
                enc.push('=');
            }
        }
    }
    format!("\x1b]52;c;{enc}\x07")
}

#[cfg(test)]
mod osc52_tests {
    #[test]
    fn base64_as_rfc_4648_says() {
        for (text, b64) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::osc52(text), format!("\x1b]52;c;{b64}\x07"));
        }
    }
}
