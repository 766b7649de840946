//! The reader's state and its `update`: the Elm architecture's model and
//! messages. No I/O, threads or clock here: `update` returns [`Effect`]s for
//! the event loop to run, and the results come back as messages.

use crate::content::{note, Library};
use crate::settings::Lang;
use crate::text::{self, Line};

use super::experiment::{ExpFocus, ExperimentPane};
use super::layout::{areas, Areas};
use crate::content::CardKind;
use crate::content::ExperimentRef;
use crate::experiment::tagging::LearningCurve;
use crate::experiment::{Config, Event};
use crate::quiz::schedule;
use crate::quiz::store::Progress;
use crate::registry;

use super::experiment::TrellisView;
use super::keys::Context;
use super::quiz::QuizSession;
use tui_input::{Input, InputRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Tree,
    Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing a search query.
    Search,
    Help,
    Problems,
    /// The card browser (`C`).
    Cards,
    /// Typing a value in the experiment pane.
    Edit,
    /// Typing a quiz answer.
    QuizInput,
}

/// Everything that can happen to the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Up,
    Down,
    /// Collapse, or go to the parent.
    Left,
    /// Expand, or go to the first child.
    Right,
    /// Toggle a branch open/closed; on a leaf, move focus to the note.
    Enter,
    Top,
    Bottom,
    PageUp,
    PageDown,
    FocusNext,
    FocusPrev,
    StartSearch,
    InputChar(char),
    InputBackspace,
    /// Editing in a text field: cursor moves, deletions (tui-input).
    Input(InputRequest),
    /// Text pasted into a text field.
    Paste(String),
    /// `z`: the focused pane (experiment, quiz) takes the whole screen.
    ToggleZoom,
    InputSubmit,
    NextHit,
    PrevHit,
    ToggleHelp,
    ToggleProblems,
    /// Open or close the experiment pane of the selected topic.
    ToggleExperiment,
    /// Run (or re-run) the experiment.
    Run,
    /// Move between the experiment setup and the confusion matrix.
    ToggleMatrix,
    /// Curve panel: training curve, ROC, precision-recall.
    CycleCurve,
    /// The Viterbi / forward trellis on the casino (step with ←/→, `f` flips).
    ToggleTrellis,
    /// Flip the trellis between Viterbi's δ and the forward α.
    FlipTrellis,
    /// The data pane: the setup's dataset, column by column.
    ToggleData,
    /// Start the HMM vs CRF learning curve.
    LearningCurve,
    /// `w`: fit on all of the dataset and write a submission for the
    /// predict file.
    WriteSubmission,
    /// `A`: compare every algorithm of the task on the setup's dataset, or
    /// close the comparison.
    ToggleCompare,
    /// The compare view: sort by the next column.
    SortCompare,
    /// `L`: the next language (中文 → English → both); in the experiment
    /// pane, the learning curve instead.
    CycleLang,
    /// Start a quiz on the selected topic and its subtopics.
    StartQuiz,
    /// A digit key: a choice in the quiz, or a grade (1 again .. 4 easy).
    Digit(u8),
    /// Quiz: order the steps of a derivation instead of revealing them.
    OrderMode,
    /// Open the chosen reference of the note with the platform opener.
    OpenLink,
    /// Copy the chosen reference's link to the clipboard (OSC 52).
    CopyLink,
    /// Quiz: open the current card's topic note.
    OpenCardTopic,
    /// Quiz: drill the current derivation card (spot the error, fill the
    /// gap, derive on your own).
    StartDrill(crate::quiz::interview::Mode),
    /// Quiz, derive: reveal the next step (costs a grade).
    Hint,
    /// Quiz, derive: stop and show the model derivation.
    GiveUp,
    /// Quiz: undo the session's last grade.
    UndoGrade,
    /// Quiz and card browser: bury the card until tomorrow (`true`:
    /// suspend it instead; in the browser each toggles).
    SetAside(bool),
    /// Open the card browser (reads the progress store); `Msg::CardsOpened`.
    OpenCards,
    /// The card browser, opened by the event loop.
    CardsOpened(Carry<Result<super::cards::Browser, String>>),
    /// A timed mock interview over the selected topic's subtree.
    StartMock,
    /// Lab: the next / previous panel is drawn big.
    NextPanel,
    PrevPanel,
    /// Lab: scroll a wide table's columns.
    ColumnsLeft,
    ColumnsRight,
    /// Lab: open the note its "what to notice" lines link to.
    OpenNoticeTopic,
    /// Time passes; the time comes with the message (`update` never reads
    /// the clock).
    Tick(Now),
    /// An event of experiment run `run` (from its background job).
    JobEvent {
        run: u64,
        event: Carry<Event>,
    },
    /// Experiment run `run`'s thread ended (after its last event).
    JobEnded {
        run: u64,
    },
    /// An event of comparison `run` (from its background job).
    CompareEvent {
        run: u64,
        event: Carry<crate::experiment::compare::CompareEvent>,
    },
    /// Comparison `run`'s thread ended.
    CompareEnded {
        run: u64,
    },
    /// How far the data pane's profiling `run` has got.
    DataProgress {
        run: u64,
        stage: crate::data::inspect::Stage,
    },
    /// The data pane's profiling `run` finished (or failed).
    DataProfiled {
        run: u64,
        result: Carry<Result<crate::data::inspect::Inspection, String>>,
    },
    /// The submission `run` was written (or not: the reason).
    SubmissionDone {
        run: u64,
        result: Carry<Result<crate::experiment::heldout::Submission, String>>,
    },
    /// The learning curve `run` finished (or failed).
    LearningDone {
        run: u64,
        result: Carry<Result<LearningCurve, String>>,
    },
    /// The trellis model was loaded (or not).
    TrellisLoaded(Carry<Result<TrellisView, String>>),
    /// A quiz session was opened (or there was nothing to ask).
    QuizStarted(Carry<Result<QuizSession, String>>),
    /// A grade was saved (or not: the reason).
    Graded(Result<(), String>),
    /// The progress file was read for the tree's mastery counts; the notice
    /// says if it was damaged.
    MasteryLoaded(Carry<(Progress, Option<String>)>),
    /// Something the event loop did failed; said in the status line.
    Notice(String),
    /// Esc: close an overlay or cancel a search.
    Close,
    Quit,
    /// Mouse wheel at a screen position; `down` scrolls forward.
    Wheel {
        col: u16,
        row: u16,
        down: bool,
    },
    /// Left click at a screen position.
    Click {
        col: u16,
        row: u16,
    },
    Resize(u16, u16),
}

/// The time, as the event loop read it: a monotonic instant for durations
/// and the wall clock for schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    pub mono: std::time::Instant,
    pub utc: chrono::DateTime<chrono::Utc>,
}

impl Now {
    /// Read the clock (the event loop and tests; never `update`).
    pub fn current() -> Now {
        Now {
            mono: std::time::Instant::now(),
            utc: chrono::Utc::now(),
        }
    }

    /// A tick at the current time.
    pub fn tick() -> Msg {
        Msg::Tick(Now::current())
    }
}

/// A result carried by a message: taken once by `update`. Two carries are
/// equal when they are the same one (so `Msg` stays comparable).
pub struct Carry<T>(std::sync::Arc<std::sync::Mutex<Option<T>>>);

impl<T> Carry<T> {
    pub fn new(value: T) -> Carry<T> {
        Carry(std::sync::Arc::new(std::sync::Mutex::new(Some(value))))
    }

    /// The value, the first time only.
    pub fn take(&self) -> Option<T> {
        self.0.lock().ok().and_then(|mut v| v.take())
    }
}

impl<T> std::fmt::Debug for Carry<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Carry(..)")
    }
}

impl<T> Clone for Carry<T> {
    fn clone(&self) -> Self {
        Carry(std::sync::Arc::clone(&self.0))
    }
}

impl<T> PartialEq for Carry<T> {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Eq for Carry<T> {}

/// Which background job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Experiment,
    LearningCurve,
    Compare,
    /// The data pane's profiling.
    Profile,
}

/// Work `update` leaves for the event loop, which does the I/O and the
/// threads (`tui::Runtime::run`) and feeds the results back as messages.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Remember the language in `settings.json`.
    SaveLang(Lang),
    /// Open a link with the platform opener (xdg-open, open, start).
    OpenUrl(String),
    /// Put text on the clipboard through the terminal (OSC 52).
    Copy(String),
    /// Start experiment run `run` in the background (replacing, without
    /// waiting for it, a run in progress). Its events come back as
    /// `Msg::JobEvent`.
    StartExperiment { run: u64, config: Box<Config> },
    /// Start a comparison in the background; `Msg::CompareEvent`.
    StartCompare {
        run: u64,
        config: Box<crate::experiment::compare::CompareConfig>,
    },
    /// Start the HMM vs CRF (vs BiLSTM-CRF when `neural`) learning curve;
    /// `Msg::LearningDone`.
    StartLearningCurve {
        run: u64,
        dataset: String,
        neural: bool,
    },
    /// Profile a dataset for the data pane in the background (replacing one
    /// in progress); `Msg::DataProgress`, then `Msg::DataProfiled`.
    ProfileData {
        run: u64,
        dataset: String,
        csv: crate::data::CsvOptions,
    },
    /// Fit on all of the dataset and write predictions for `predict` to
    /// `out` in the background; `Msg::SubmissionDone`.
    WriteSubmission {
        run: u64,
        config: Box<Config>,
        predict: String,
        out: std::path::PathBuf,
    },
    /// Cancel a background job (never waits for it).
    Cancel(JobKind),
    /// Load the casino model and compute the trellis; `Msg::TrellisLoaded`.
    LoadTrellis,
    /// Open a quiz session (reads the progress store); `Msg::QuizStarted`.
    StartQuiz {
        topic: Option<String>,
        kind: Option<CardKind>,
        mode: Option<crate::quiz::interview::Mode>,
    },
    /// Save the quiz session's progress (atomically); `Msg::Graded`.
    SaveProgress,
    /// Open the card browser; `Msg::CardsOpened`.
    OpenCards,
    /// Save the card browser's progress; `Msg::Graded`.
    SaveCards,
    /// Read the progress for the tree's mastery counts; `Msg::MasteryLoaded`.
    LoadMastery,
}

#[derive(Debug, Clone, Default)]
pub struct Search {
    pub query: String,
    /// Topics found, best first; `kinds[k]`: where `hits[k]` matched.
    pub hits: Vec<usize>,
    pub kinds: Vec<crate::content::HitKind>,
    /// Index into `hits` of the hit shown.
    pub current: usize,
}

pub struct App {
    pub lib: Library,
    expanded: Vec<bool>,
    /// Visible rows of the tree: (topic index, depth). Derived from `expanded`.
    pub rows: Vec<(usize, usize)>,
    /// Selected row.
    pub selected: usize,
    /// First tree row shown.
    pub tree_offset: usize,
    pub focus: Focus,
    pub mode: Mode,
    pub note_scroll: usize,
    pub problems_scroll: usize,
    /// The card browser while open.
    pub cards: Option<super::cards::Browser>,
    /// Typing the card browser's filter.
    pub cards_typing: bool,
    pub help_scroll: usize,
    pub search: Search,
    pub size: (u16, u16),
    pub quit: bool,
    pub color: bool,
    /// The experiment pane, shown in place of the note while `Some`.
    pub exp: Option<ExperimentPane>,
    /// A one-off message for the status line, cleared by the next key.
    pub flash: Option<String>,
    /// (topic, reference) chosen with 1-9 (0-based), for `o` (open) and
    /// `y` (copy).
    pub link: Option<(usize, usize)>,
    /// The quiz, shown in place of the note while `Some`.
    pub quiz: Option<super::quiz::QuizSession>,
    /// Where quiz progress is kept (None: MLWB_DATA_DIR or the platform dir).
    pub data_dir: Option<std::path::PathBuf>,
    /// Per topic with cards: (mastered, cards, due now), from the progress file.
    pub mastery: std::collections::HashMap<usize, (usize, usize, usize)>,
    /// Topics the latest mock interview found weak (marked ⚠ in the tree).
    pub weak: std::collections::HashSet<usize>,
    /// The language notes and cards are shown in (`L` cycles it).
    pub lang: Lang,
    /// The time of the last tick.
    pub now: Now,
    /// The one text field (search, value, answer, help filter) being typed.
    pub input: Input,
    /// The field still holds the old value: typing replaces it.
    pub input_fresh: bool,
    /// Help: the contexts it lists (those focused when `?` was pressed).
    pub help_for: Vec<Context>,
    /// Help: only rows matching this are listed (`/` in the help).
    pub help_filter: String,
    pub help_typing: bool,
    /// The experiment or quiz pane takes the whole screen (`z`).
    pub zoom: bool,
    /// Effects gathered during one `update`, returned by it.
    pending: Vec<Effect>,
}

/// Experiments a topic offers: those its YAML lists, else one per
/// registered algorithm that names the topic, on a dataset that fits.
pub fn experiments_for(lib: &crate::content::Library, topic: usize) -> Vec<ExperimentRef> {
    let t = &lib.topics[topic];
    if !t.experiments.is_empty() {
        return t.experiments.clone();
    }
    let datasets = crate::data::manifest();
    registry::algos()
        .filter(|a| a.topics.contains(&t.id.as_str()))
        .map(|a| {
            let preferred = match a.task {
                registry::Task::Clustering => "blobs",
                registry::Task::Regression => "diabetes",
                _ => "iris",
            };
            let dataset = if a.task == registry::Task::Lab {
                // A lab runs on its default data.
                String::new()
            } else {
                datasets
                    .iter()
                    .find(|d| d.topics.contains(&t.id) && d.kind.is_table())
                    .map_or(preferred.to_string(), |d| d.name.clone())
            };
            ExperimentRef {
                algo: a.name.to_string(),
                dataset,
                params: Default::default(),
                scale: None,
            }
        })
        .collect()
}

impl App {
    pub fn new(lib: Library, width: u16, height: u16) -> App {
        let n = lib.topics.len();
        let mut app = App {
            lib,
            // Top-level sections start open so the map is visible at once.
            expanded: vec![false; n],
            rows: Vec::new(),
            selected: 0,
            tree_offset: 0,
            focus: Focus::Tree,
            mode: Mode::Normal,
            note_scroll: 0,
            problems_scroll: 0,
            cards: None,
            cards_typing: false,
            help_scroll: 0,
            search: Search::default(),
            size: (width, height),
            quit: false,
            exp: None,
            flash: None,
            link: None,
            quiz: None,
            data_dir: None,
            mastery: std::collections::HashMap::new(),
            weak: std::collections::HashSet::new(),
            // `load_settings` puts the saved or locale language here.
            lang: Lang::En,
            now: Now::current(),
            input: Input::default(),
            input_fresh: false,
            help_for: Vec::new(),
            help_filter: String::new(),
            help_typing: false,
            zoom: false,
            pending: Vec::new(),
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        for &r in &app.lib.roots {
            app.expanded[r] = true;
        }
        app.rebuild_rows();
        app
    }

    fn rebuild_rows(&mut self) {
        let keep = self.selected_topic();
        self.rows.clear();
        let mut stack: Vec<(usize, usize)> = self.lib.roots.iter().rev().map(|&r| (r, 0)).collect();
        while let Some((i, d)) = stack.pop() {
            self.rows.push((i, d));
            if self.expanded[i] {
                for &c in self.lib.topics[i].children.iter().rev() {
                    stack.push((c, d + 1));
                }
            }
        }
        if let Some(t) = keep {
            if let Some(pos) = self.rows.iter().position(|&(i, _)| i == t) {
                self.selected = pos;
            }
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    pub fn selected_topic(&self) -> Option<usize> {
        self.rows.get(self.selected).map(|&(i, _)| i)
    }

    pub fn is_expanded(&self, i: usize) -> bool {
        self.expanded.get(i).copied().unwrap_or(false)
    }

    pub fn areas(&self) -> Areas {
        self.areas_for(self.size.0, self.size.1)
    }

    /// The layout at a size: zoomed when `z` is on and a pane (experiment,
    /// quiz) is open.
    pub fn areas_for(&self, width: u16, height: u16) -> Areas {
        let a = areas(width, height);
        if self.zoom && (self.exp.is_some() || self.quiz.is_some()) {
            super::layout::zoomed(a)
        } else {
            a
        }
    }

    /// The language from the settings file, else the locale. An unreadable
    /// settings file is ignored and said so in the status line.
    pub fn load_settings(&mut self) {
        let (lang, notices) = crate::settings::resolve_lang(None, self.data_dir.as_deref());
        self.lang = lang;
        if let Some(n) = notices.into_iter().next() {
            self.flash = Some(n);
        }
    }

    /// The selected note laid out for the current note width.
    pub fn note_lines(&self) -> Vec<Line> {
        let Some(i) = self.selected_topic() else {
            return Vec::new();
        };
        let width = usize::from(self.areas().note_inner.width);
        note::layout(
            &note::blocks(&self.lib, &self.lib.topics[i], self.lang),
            width,
        )
    }

    fn note_page(&self) -> usize {
        usize::from(self.areas().note_inner.height).max(1)
    }

    fn clamp_note_scroll(&mut self) {
        let max = self.note_lines().len().saturating_sub(self.note_page());
        self.note_scroll = self.note_scroll.min(max);
    }

    fn select_row(&mut self, row: usize) {
        let row = row.min(self.rows.len().saturating_sub(1));
        if row != self.selected {
            self.selected = row;
            self.note_scroll = 0;
        }
        self.ensure_visible();
    }

    fn ensure_visible(&mut self) {
        let h = usize::from(self.areas().tree_inner.height).max(1);
        if self.selected < self.tree_offset {
            self.tree_offset = self.selected;
        } else if self.selected >= self.tree_offset + h {
            self.tree_offset = self.selected + 1 - h;
        }
        let max_offset = self.rows.len().saturating_sub(h);
        self.tree_offset = self.tree_offset.min(max_offset);
    }

    /// Open every ancestor of topic `i` and select it.
    pub fn reveal(&mut self, i: usize) {
        for a in self.lib.path_to(i) {
            if a != i {
                self.expanded[a] = true;
            }
        }
        self.rebuild_rows();
        if let Some(pos) = self.rows.iter().position(|&(t, _)| t == i) {
            self.select_row(pos);
        }
    }

    fn scroll_note(&mut self, delta: isize) {
        self.note_scroll = self.note_scroll.saturating_add_signed(delta);
        self.clamp_note_scroll();
    }

    fn jump_to_hit(&mut self) {
        let Some(&i) = self.search.hits.get(self.search.current) else {
            return;
        };
        self.reveal(i);
        // Scroll the note to the first line that contains the query.
        let q = self.search.query.trim().to_lowercase();
        let lines = self.note_lines();
        self.note_scroll = lines
            .iter()
            .position(|l| text::line_text(l).to_lowercase().contains(&q))
            .map(|p| p.saturating_sub(2))
            .unwrap_or(0);
        self.clamp_note_scroll();
    }

    /// Apply one message: a pure state change (no I/O, no threads, no
    /// clock). What needs doing outside is returned as effects, which the
    /// event loop runs (`tui::Runtime`), feeding their results back in.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        self.step(msg);
        std::mem::take(&mut self.pending)
    }

    fn effect(&mut self, e: Effect) {
        self.pending.push(e);
    }

    /// Results from the event loop. Returns the message back if it is not one.
    fn result(&mut self, msg: Msg) -> Option<Msg> {
        match msg {
            Msg::Tick(now) => {
                self.now = now;
                // A mock interview ends when its time is up.
                if let Some(q) = &mut self.quiz {
                    if q.seconds_left(now.utc) == Some(0) && q.finish(now.utc) {
                        let progress = q.progress.clone();
                        self.refresh_mastery(&progress);
                        self.effect(Effect::SaveProgress);
                    }
                }
                if let Some(exp) = &mut self.exp {
                    exp.now = Some(now.mono);
                }
            }
            Msg::JobEvent { run, event } => {
                if let (Some(exp), Some(ev)) = (&mut self.exp, event.take()) {
                    exp.on_event(run, ev);
                }
            }
            Msg::JobEnded { run } => {
                if let Some(exp) = &mut self.exp {
                    exp.on_ended(run);
                }
            }
            Msg::CompareEvent { run, event } => {
                if let Some((c, ev)) = self
                    .exp
                    .as_mut()
                    .and_then(|e| e.compare.as_mut())
                    .zip(event.take())
                {
                    c.on_event(run, ev);
                }
            }
            Msg::CompareEnded { run } => {
                if let Some(c) = self.exp.as_mut().and_then(|e| e.compare.as_mut()) {
                    c.on_ended(run);
                }
            }
            Msg::SubmissionDone { run, result } => {
                if let (Some(exp), Some(r)) = (&mut self.exp, result.take()) {
                    exp.submission_done(run, r);
                }
            }
            Msg::LearningDone { run, result } => {
                if let (Some(exp), Some(r)) = (&mut self.exp, result.take()) {
                    exp.learning_done(run, r);
                }
            }
            Msg::DataProgress { run, stage } => {
                if let Some(exp) = &mut self.exp {
                    exp.data_progress(run, stage);
                }
            }
            Msg::DataProfiled { run, result } => {
                if let (Some(exp), Some(r)) = (&mut self.exp, result.take()) {
                    exp.data_profiled(run, r);
                }
            }
            Msg::TrellisLoaded(t) => {
                if let (Some(exp), Some(t)) = (&mut self.exp, t.take()) {
                    exp.trellis_loaded(t);
                }
            }
            Msg::QuizStarted(q) => match q.take() {
                Some(Ok(q)) => {
                    if let Some(n) = q.notices.first() {
                        self.flash = Some(n.clone());
                    }
                    self.quiz = Some(q);
                    if self.exp.take().is_some() {
                        self.effect(Effect::Cancel(JobKind::Experiment));
                        self.effect(Effect::Cancel(JobKind::Compare));
                    }
                    self.focus = Focus::Note;
                }
                Some(Err(e)) => self.flash = Some(e),
                None => {}
            },
            Msg::Graded(r) => {
                if let Err(e) = r {
                    if let Some(q) = &mut self.quiz {
                        q.message = Some(format!("not saved: {e}"));
                    } else if let Some(b) = &mut self.cards {
                        b.message = Some(format!("not saved: {e}"));
                    }
                }
            }
            Msg::CardsOpened(b) => match b.take() {
                Some(Ok(b)) => {
                    self.cards = Some(b);
                    self.cards_typing = false;
                    self.mode = Mode::Cards;
                }
                Some(Err(e)) => self.flash = Some(e),
                None => {}
            },
            Msg::MasteryLoaded(m) => {
                if let Some((progress, notice)) = m.take() {
                    if let Some(n) = notice {
                        self.flash.get_or_insert(n);
                    }
                    self.refresh_mastery(&progress);
                }
            }
            Msg::Notice(n) => self.flash = Some(n),
            other => return Some(other),
        }
        None
    }

    fn step(&mut self, msg: Msg) {
        let Some(msg) = self.result(msg) else {
            return;
        };
        // Any key or resize ends a one-off message (a resize would leave it
        // standing under a layout it no longer describes).
        self.flash = None;
        if let Msg::Resize(w, h) = msg {
            if self.mode != Mode::Normal {
                self.size = (w, h);
                return;
            }
        }
        match self.mode {
            Mode::Help => {
                self.help_key(msg);
                // `view` clamps the offset to the lines that exist.
                return;
            }
            Mode::Cards => {
                self.cards_key(msg);
                return;
            }
            Mode::Problems => {
                match msg {
                    Msg::Close | Msg::Quit | Msg::ToggleProblems => self.mode = Mode::Normal,
                    Msg::Down | Msg::Wheel { down: true, .. } => {
                        self.problems_scroll = (self.problems_scroll + 1)
                            .min(self.lib.problems.len().saturating_sub(1))
                    }
                    Msg::Up | Msg::Wheel { down: false, .. } => {
                        self.problems_scroll = self.problems_scroll.saturating_sub(1)
                    }
                    _ => {}
                }
                return;
            }
            Mode::QuizInput => {
                if self.edit_input(&msg) {
                    if let Some(q) = &mut self.quiz {
                        q.input = self.input.value().to_string();
                    }
                    return;
                }
                let Some(q) = &mut self.quiz else {
                    self.mode = Mode::Normal;
                    return;
                };
                match msg {
                    Msg::InputSubmit => {
                        q.message = None;
                        q.advance();
                        if q.wants_text() {
                            // A drill takes the next expression or line.
                            self.input = Input::new(q.input.clone());
                        } else {
                            self.mode = Mode::Normal;
                        }
                    }
                    Msg::Close => self.mode = Mode::Normal,
                    _ => {}
                }
                return;
            }
            Mode::Edit => {
                if self.edit_input(&msg) {
                    if let Some(exp) = &mut self.exp {
                        exp.editing = Some(self.input.value().to_string());
                        exp.error = None;
                    }
                    return;
                }
                if let Some(exp) = &mut self.exp {
                    match msg {
                        // A bad value is refused with the reason; the
                        // field stays open to fix it.
                        Msg::InputSubmit if exp.commit_edit() => self.mode = Mode::Normal,
                        Msg::Close => {
                            exp.editing = None;
                            self.mode = Mode::Normal;
                        }
                        _ => {}
                    }
                } else {
                    self.mode = Mode::Normal;
                }
                return;
            }
            Mode::Search => {
                if self.edit_input(&msg) {
                    self.search.query = self.input.value().to_string();
                    let hits = self.lib.search_hits(&self.search.query);
                    self.search.hits = hits.iter().map(|h| h.topic).collect();
                    self.search.kinds = hits.iter().map(|h| h.kind).collect();
                    self.search.current = 0;
                    return;
                }
                match msg {
                    // ↑↓ choose in the result list; Enter opens the chosen hit.
                    Msg::Up | Msg::Down => {
                        let n = self.search.hits.len();
                        if n > 0 {
                            self.search.current = if msg == Msg::Down {
                                (self.search.current + 1).min(n - 1)
                            } else {
                                self.search.current.saturating_sub(1)
                            };
                        }
                    }
                    Msg::InputSubmit => {
                        self.mode = Mode::Normal;
                        if self.search.hits.is_empty() && !self.search.query.trim().is_empty() {
                            self.flash = Some(format!(
                                "no match for “{}” (titles, glossary, notes, formulas and references were searched)",
                                self.search.query.trim()
                            ));
                            self.search = Search::default();
                        } else {
                            self.jump_to_hit();
                        }
                    }
                    Msg::Close => {
                        self.mode = Mode::Normal;
                        self.search = Search::default();
                    }
                    _ => {}
                }
                return;
            }
            Mode::Normal => {}
        }
        // In the experiment pane `L` stays the HMM vs CRF learning curve.
        let msg = if msg == Msg::CycleLang && self.exp.is_some() && self.quiz.is_none() {
            Msg::LearningCurve
        } else {
            msg
        };
        if self.quiz.is_some() && self.quiz_key(&msg) {
            return;
        }
        if self.focus == Focus::Note && self.exp.is_some() && self.exp_key(&msg) {
            return;
        }
        let page = self.note_page() as isize;
        match msg {
            Msg::Quit => self.quit = true,
            Msg::ToggleExperiment => self.toggle_experiment(),
            Msg::Run => match &mut self.exp {
                Some(exp) => {
                    if let Some((run, config)) = exp.run() {
                        self.effect(Effect::StartExperiment {
                            run,
                            config: Box::new(config),
                        });
                    }
                }
                None => self.flash = Some("press e to open an experiment first".into()),
            },
            Msg::ToggleMatrix | Msg::CycleCurve | Msg::FlipTrellis => {}
            Msg::StartQuiz => self.start_quiz(),
            Msg::Digit(n) => self.choose_link(usize::from(n).saturating_sub(1)),
            Msg::OpenLink | Msg::CopyLink => {
                let Some((_, url)) = self.chosen_link() else {
                    self.flash = Some("this note has no references".into());
                    return;
                };
                if msg == Msg::OpenLink {
                    self.effect(Effect::OpenUrl(url));
                } else {
                    self.effect(Effect::Copy(url));
                }
            }
            Msg::OrderMode
            | Msg::OpenCardTopic
            | Msg::StartDrill(_)
            | Msg::Hint
            | Msg::GiveUp
            | Msg::UndoGrade
            | Msg::SetAside(_) => {}
            Msg::StartMock => {
                let topic = self.selected_topic().map(|i| self.lib.topics[i].id.clone());
                self.effect(Effect::StartQuiz {
                    topic,
                    kind: None,
                    mode: Some(crate::quiz::interview::Mode::Mock),
                });
            }
            Msg::NextPanel
            | Msg::PrevPanel
            | Msg::ColumnsLeft
            | Msg::ColumnsRight
            | Msg::OpenNoticeTopic
            | Msg::ToggleData
            | Msg::SortCompare => {}
            Msg::ToggleCompare => {
                self.flash = Some(
                    "open an experiment (e) first: A compares every algorithm on its dataset"
                        .into(),
                );
            }
            Msg::ToggleTrellis | Msg::LearningCurve => {
                self.flash = Some("press e on an HMM or CRF topic first".into());
            }
            Msg::WriteSubmission => {
                self.flash = Some("press e on an algorithm topic first".into());
            }
            Msg::CycleLang => {
                self.lang = self.lang.next();
                self.effect(Effect::SaveLang(self.lang));
                self.clamp_note_scroll();
            }
            Msg::Close => {
                // Esc in normal mode: clear a finished search, else go back to the tree.
                if !self.search.query.is_empty() {
                    self.search = Search::default();
                } else {
                    self.focus = Focus::Tree;
                }
            }
            Msg::ToggleHelp => {
                self.help_for = self.contexts();
                self.mode = Mode::Help;
                self.help_scroll = 0;
                self.help_filter.clear();
                self.help_typing = false;
            }
            Msg::ToggleZoom => {
                self.zoom = !self.zoom;
                self.ensure_visible();
                self.clamp_note_scroll();
            }
            Msg::OpenCards => {
                if self.quiz.is_some() {
                    self.flash = Some("end the quiz first (Esc): it holds the progress".into());
                } else {
                    self.effect(Effect::OpenCards);
                }
            }
            Msg::ToggleProblems => {
                // The content checks run when first asked for (start-up
                // leaves them out on the bundled map).
                self.lib.check();
                self.mode = Mode::Problems;
                self.problems_scroll = 0;
            }
            Msg::StartSearch => {
                self.mode = Mode::Search;
                self.search = Search::default();
                self.open_input("", false);
            }
            Msg::NextHit | Msg::PrevHit => {
                let n = self.search.hits.len();
                if n > 0 {
                    self.search.current = if msg == Msg::NextHit {
                        (self.search.current + 1) % n
                    } else {
                        (self.search.current + n - 1) % n
                    };
                    self.jump_to_hit();
                }
            }
            Msg::FocusNext | Msg::FocusPrev => {
                self.focus = match self.focus {
                    Focus::Tree => Focus::Note,
                    Focus::Note => Focus::Tree,
                }
            }
            Msg::Up => match self.focus {
                Focus::Tree => self.select_row(self.selected.saturating_sub(1)),
                Focus::Note => self.scroll_note(-1),
            },
            Msg::Down => match self.focus {
                Focus::Tree => self.select_row(self.selected + 1),
                Focus::Note => self.scroll_note(1),
            },
            Msg::PageUp => match self.focus {
                Focus::Tree => {
                    let h = usize::from(self.areas().tree_inner.height).max(1);
                    self.select_row(self.selected.saturating_sub(h))
                }
                Focus::Note => self.scroll_note(-page),
            },
            Msg::PageDown => match self.focus {
                Focus::Tree => {
                    let h = usize::from(self.areas().tree_inner.height).max(1);
                    self.select_row(self.selected + h)
                }
                Focus::Note => self.scroll_note(page),
            },
            Msg::Top => match self.focus {
                Focus::Tree => self.select_row(0),
                Focus::Note => self.note_scroll = 0,
            },
            Msg::Bottom => match self.focus {
                Focus::Tree => self.select_row(usize::MAX),
                Focus::Note => {
                    self.note_scroll = usize::MAX;
                    self.clamp_note_scroll();
                }
            },
            Msg::Left => {
                if self.focus == Focus::Note {
                    self.focus = Focus::Tree;
                } else if let Some(i) = self.selected_topic() {
                    if self.expanded[i] && !self.lib.topics[i].children.is_empty() {
                        self.expanded[i] = false;
                        self.rebuild_rows();
                        self.ensure_visible();
                    } else if let Some(p) = self.lib.topics[i].parent_index {
                        self.reveal(p);
                    }
                }
            }
            Msg::Right => {
                if let Some(i) = self.selected_topic() {
                    let t = &self.lib.topics[i];
                    if t.children.is_empty() {
                        self.focus = Focus::Note;
                    } else if !self.expanded[i] {
                        self.expanded[i] = true;
                        self.rebuild_rows();
                    } else {
                        self.select_row(self.selected + 1);
                    }
                }
            }
            Msg::Enter => {
                if let Some(i) = self.selected_topic() {
                    if self.lib.topics[i].children.is_empty() || self.focus == Focus::Note {
                        self.focus = Focus::Note;
                    } else {
                        self.expanded[i] = !self.expanded[i];
                        self.rebuild_rows();
                        self.ensure_visible();
                    }
                }
            }
            Msg::Wheel { col, row, down } => {
                let a = self.areas();
                let step = if down { 3 } else { -3 };
                if a.note.contains((col, row).into()) {
                    self.scroll_note(step);
                } else if a.tree.contains((col, row).into()) {
                    let h = usize::from(a.tree_inner.height).max(1);
                    let max = self.rows.len().saturating_sub(h);
                    self.tree_offset = self.tree_offset.saturating_add_signed(step).min(max);
                }
            }
            Msg::Click { col, row } => {
                let a = self.areas();
                if a.tree_inner.contains((col, row).into()) {
                    self.focus = Focus::Tree;
                    let r = self.tree_offset + usize::from(row - a.tree_inner.y);
                    if r < self.rows.len() {
                        if r == self.selected {
                            self.step(Msg::Enter);
                        } else {
                            self.select_row(r);
                        }
                    }
                } else if a.note.contains((col, row).into()) {
                    self.focus = Focus::Note;
                }
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.ensure_visible();
                self.clamp_note_scroll();
            }
            Msg::InputChar(_)
            | Msg::InputBackspace
            | Msg::InputSubmit
            | Msg::Input(_)
            | Msg::Paste(_) => {}
            // Results are handled in `result`.
            Msg::Tick(_)
            | Msg::JobEvent { .. }
            | Msg::JobEnded { .. }
            | Msg::LearningDone { .. }
            | Msg::SubmissionDone { .. }
            | Msg::CompareEvent { .. }
            | Msg::CompareEnded { .. }
            | Msg::DataProgress { .. }
            | Msg::DataProfiled { .. }
            | Msg::TrellisLoaded(_)
            | Msg::QuizStarted(_)
            | Msg::CardsOpened(_)
            | Msg::Graded(_)
            | Msg::MasteryLoaded(_)
            | Msg::Notice(_) => {}
        }
    }

    /// Choose reference `n` (0-based) of the selected note and show it.
    fn choose_link(&mut self, n: usize) {
        let Some(i) = self.selected_topic() else {
            return;
        };
        let t = &self.lib.topics[i];
        match t.refs.get(n) {
            Some(r) => {
                self.link = Some((i, n));
                self.flash = Some(format!("[{}] {} · o open · y copy", n + 1, r.url));
            }
            None => {
                self.flash = Some(format!(
                    "this note has {} reference(s): press 1-{}",
                    t.refs.len(),
                    t.refs.len().clamp(1, 9)
                ));
            }
        }
    }

    /// The chosen reference (the first when none was chosen): (index, url).
    pub fn chosen_link(&self) -> Option<(usize, String)> {
        let i = self.selected_topic()?;
        let t = &self.lib.topics[i];
        let n = self
            .link
            .filter(|&(ti, n)| ti == i && n < t.refs.len())
            .map_or(0, |(_, n)| n);
        t.refs.get(n).map(|r| (n, r.url.clone()))
    }

    /// Keys of the help overlay (and its filter).
    /// Keys in the card browser.
    fn cards_key(&mut self, msg: Msg) {
        let now = self.now.utc;
        if self.cards.is_none() {
            self.mode = Mode::Normal;
            return;
        }
        if self.cards_typing && self.edit_input(&msg) {
            if let Some(b) = &mut self.cards {
                b.filter = self.input.value().to_string();
                b.cursor = 0;
                b.refilter(now);
            }
            return;
        }
        let Some(b) = &mut self.cards else { return };
        if self.cards_typing {
            match msg {
                Msg::InputSubmit => self.cards_typing = false,
                Msg::Close => {
                    self.cards_typing = false;
                    b.filter.clear();
                    b.refilter(now);
                }
                _ => {}
            }
            return;
        }
        match msg {
            Msg::Close if !b.filter.is_empty() => {
                b.filter.clear();
                b.refilter(now);
            }
            Msg::Close | Msg::Quit | Msg::OpenCards => {
                self.cards = None;
                self.mode = Mode::Normal;
                self.effect(Effect::LoadMastery);
            }
            Msg::StartSearch => {
                self.cards_typing = true;
                self.input = Input::new(b.filter.clone());
                self.input_fresh = false;
            }
            Msg::Down | Msg::Wheel { down: true, .. } => b.move_cursor(1),
            Msg::Up | Msg::Wheel { down: false, .. } => b.move_cursor(-1),
            Msg::PageDown => b.move_cursor(10),
            Msg::PageUp => b.move_cursor(-10),
            Msg::Top => b.cursor = 0,
            Msg::Bottom => b.move_cursor(isize::MAX),
            Msg::SetAside(suspend) if b.toggle(suspend, now) => {
                self.effect(Effect::SaveCards);
            }
            Msg::Enter => {
                let topic = b.selected().map(|r| r.topic.clone());
                if let Some(i) = topic.and_then(|t| self.lib.index_of(&t)) {
                    self.cards = None;
                    self.mode = Mode::Normal;
                    self.effect(Effect::LoadMastery);
                    self.reveal(i);
                    self.focus = Focus::Note;
                }
            }
            _ => {}
        }
    }

    fn help_key(&mut self, msg: Msg) {
        if self.help_typing {
            if self.edit_input(&msg) {
                self.help_filter = self.input.value().to_string();
                self.help_scroll = 0;
                return;
            }
            match msg {
                Msg::InputSubmit => self.help_typing = false,
                Msg::Close => {
                    self.help_typing = false;
                    self.help_filter.clear();
                }
                _ => {}
            }
            return;
        }
        match msg {
            Msg::Close if !self.help_filter.is_empty() => self.help_filter.clear(),
            Msg::Close | Msg::Quit | Msg::ToggleHelp => self.mode = Mode::Normal,
            Msg::StartSearch => {
                self.help_typing = true;
                self.input = Input::new(self.help_filter.clone());
                self.input_fresh = false;
            }
            Msg::Down | Msg::Wheel { down: true, .. } => self.help_scroll += 1,
            Msg::Up | Msg::Wheel { down: false, .. } => {
                self.help_scroll = self.help_scroll.saturating_sub(1)
            }
            Msg::PageDown | Msg::Bottom => self.help_scroll = usize::MAX,
            Msg::PageUp | Msg::Top => self.help_scroll = 0,
            _ => {}
        }
    }

    /// Apply an editing message to the text field. Returns true if it was
    /// one. A value just opened for editing is replaced by what is typed.
    fn edit_input(&mut self, msg: &Msg) -> bool {
        let fresh = std::mem::replace(&mut self.input_fresh, false);
        match msg {
            Msg::InputChar(c) => {
                if fresh {
                    self.input.reset();
                }
                self.input.handle(InputRequest::InsertChar(*c));
            }
            Msg::InputBackspace => {
                if fresh {
                    self.input.reset();
                } else {
                    self.input.handle(InputRequest::DeletePrevChar);
                }
            }
            Msg::Input(req) => {
                if fresh
                    && matches!(
                        req,
                        InputRequest::DeletePrevChar
                            | InputRequest::DeleteNextChar
                            | InputRequest::DeletePrevWord
                            | InputRequest::DeleteLine
                    )
                {
                    self.input.reset();
                } else {
                    self.input.handle(*req);
                }
            }
            Msg::Paste(text) => {
                if fresh {
                    self.input.reset();
                }
                for c in text.chars().filter(|c| !c.is_control()) {
                    self.input.handle(InputRequest::InsertChar(c));
                }
            }
            _ => {
                self.input_fresh = fresh;
                return false;
            }
        }
        true
    }

    /// Open the text field on `value`; `fresh`: typing replaces it.
    fn open_input(&mut self, value: &str, fresh: bool) {
        self.input = Input::new(value.to_string());
        self.input_fresh = fresh;
    }

    /// The contexts keys are looked up in, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        use super::quiz::Phase;
        match self.mode {
            Mode::Help if self.help_typing => vec![Context::HelpFilter],
            Mode::Help => vec![Context::Help],
            Mode::Problems => vec![Context::Problems],
            Mode::Cards if self.cards_typing => vec![Context::CardsFilter],
            Mode::Cards => vec![Context::Cards],
            Mode::Search => vec![Context::Search],
            Mode::Edit => vec![Context::Edit],
            Mode::QuizInput => vec![Context::QuizInput],
            Mode::Normal => {
                let mut v = Vec::new();
                if let Some(q) = &self.quiz {
                    v.push(if q.finished {
                        Context::QuizDone
                    } else if q.phase == Phase::Answer {
                        Context::QuizAnswer
                    } else {
                        Context::QuizQuestion
                    });
                }
                match (&self.exp, self.focus) {
                    (Some(exp), Focus::Note) if self.quiz.is_none() => {
                        if exp.compare.is_some() {
                            v.push(Context::Compare);
                        }
                        if exp.trellis.is_some() {
                            v.push(Context::Trellis);
                        }
                        if exp.is_lab() && exp.focus == ExpFocus::Setup {
                            v.push(Context::Lab);
                        }
                        v.push(if exp.focus == ExpFocus::Matrix {
                            Context::ExpMatrix
                        } else {
                            Context::ExpSetup
                        });
                    }
                    (_, Focus::Note) => v.push(Context::Note),
                    (_, Focus::Tree) => v.push(Context::Tree),
                }
                v.push(Context::Global);
                v
            }
        }
    }

    /// The text being typed, if a text field is open (search, value,
    /// answer, help filter), and whether it is still the old value (shown
    /// selected: typing replaces it).
    pub fn text_field(&self) -> Option<(&Input, bool)> {
        let typing = matches!(self.mode, Mode::Search | Mode::Edit | Mode::QuizInput)
            || (self.mode == Mode::Help && self.help_typing);
        typing.then_some((&self.input, self.input_fresh))
    }

    /// Recompute per-topic mastery and due counts from `progress` (the
    /// mastery rule is `quiz::schedule::is_mastered`).
    pub fn refresh_mastery(&mut self, progress: &Progress) {
        let now = self.now.utc;
        self.mastery.clear();
        self.weak = crate::quiz::interview::weak_topics(progress)
            .iter()
            .filter_map(|t| self.lib.index_of(t))
            .collect();
        for (i, t) in self.lib.topics.iter().enumerate() {
            if t.cards.is_empty() {
                continue;
            }
            let mastered = t
                .cards
                .iter()
                .filter(|c| schedule::mastered(progress, &c.id))
                .count();
            let due = t
                .cards
                .iter()
                .filter(|c| progress.cards.get(&c.id).is_some_and(|p| p.fsrs.due <= now))
                .count();
            self.mastery.insert(i, (mastered, t.cards.len(), due));
        }
    }

    /// Start a quiz on the selected topic's subtree.
    fn start_quiz(&mut self) {
        let topic = self.selected_topic().map(|i| self.lib.topics[i].id.clone());
        self.effect(Effect::StartQuiz {
            topic,
            kind: None,
            mode: None,
        });
    }

    /// Keys while a quiz is shown. Returns true if used.
    fn quiz_key(&mut self, msg: &Msg) -> bool {
        let Some(q) = &mut self.quiz else {
            return false;
        };
        if let Msg::SetAside(suspend) = *msg {
            if q.set_aside(suspend, self.now.utc) {
                self.effect(Effect::SaveProgress);
            }
            return true;
        }
        if *msg == Msg::UndoGrade {
            if q.undo(self.now.utc) {
                let progress = q.progress.clone();
                self.refresh_mastery(&progress);
                self.effect(Effect::SaveProgress);
            }
            return true;
        }
        if q.finished {
            if matches!(
                msg,
                Msg::Close | Msg::Enter | Msg::StartQuiz | Msg::StartMock
            ) {
                self.quiz = None;
                return true;
            }
            return matches!(msg, Msg::Digit(_));
        }
        match msg {
            Msg::Digit(n) => {
                let n = usize::from(*n);
                match q.phase {
                    super::quiz::Phase::Question => q.choose(n),
                    super::quiz::Phase::Answer => {
                        if (1..=4).contains(&n) && q.grade(n as u8, self.now.utc) {
                            let progress = q.progress.clone();
                            self.refresh_mastery(&progress);
                            self.effect(Effect::SaveProgress);
                        }
                    }
                }
            }
            Msg::Up | Msg::Down if q.move_cursor(*msg == Msg::Down) => {}
            Msg::StartDrill(m) => {
                let seed = self.now.utc.timestamp_subsec_nanos().into();
                if q.start_drill(*m, seed) {
                    q.message = None;
                    if q.wants_text() {
                        self.mode = Mode::QuizInput;
                        self.open_input("", false);
                    }
                } else {
                    q.message = Some(match m {
                        crate::quiz::interview::Mode::Spot => {
                            "spot the error needs a derivation card with authored faults".into()
                        }
                        _ => {
                            "this drill needs a derivation card with checkable steps (gaps)".into()
                        }
                    });
                }
            }
            Msg::Hint => {
                if !q.hint() {
                    q.message = Some("hints are for derive (d on a derivation card)".into());
                }
            }
            Msg::GiveUp => {
                q.give_up();
            }
            Msg::Enter => {
                q.message = None;
                if q.wants_text() {
                    let value = q.input.clone();
                    self.mode = Mode::QuizInput;
                    self.open_input(&value, false);
                } else {
                    q.advance();
                }
            }
            Msg::OrderMode => {
                q.toggle_order_mode(self.now.utc);
                if q.wants_text() {
                    let value = q.input.clone();
                    self.mode = Mode::QuizInput;
                    self.open_input(&value, false);
                }
            }
            Msg::OpenCardTopic => {
                if let Some(i) = q.current().and_then(|(t, _)| self.lib.index_of(t)) {
                    self.quiz = None;
                    self.reveal(i);
                    self.focus = Focus::Note;
                }
            }
            Msg::Close => {
                if q.finish(self.now.utc) {
                    let progress = q.progress.clone();
                    self.refresh_mastery(&progress);
                    self.effect(Effect::SaveProgress);
                }
            }
            _ => return false,
        }
        true
    }

    /// Open the experiment pane for the selected topic, or close it.
    fn toggle_experiment(&mut self) {
        if self.exp.take().is_some() {
            self.effect(Effect::Cancel(JobKind::Experiment));
            self.effect(Effect::Cancel(JobKind::LearningCurve));
            self.effect(Effect::Cancel(JobKind::Compare));
            return;
        }
        let Some(i) = self.selected_topic() else {
            return;
        };
        let presets = experiments_for(&self.lib, i);
        if presets.is_empty() {
            self.flash = Some(format!(
                "no experiments for {}: try an algorithm topic (logistic回归, SVM, EM, 决策树, ...)",
                self.lib.topics[i].title.zh
            ));
            return;
        }
        self.exp = Some(ExperimentPane::new(i, presets));
        self.focus = Focus::Note;
    }

    /// Keys while the experiment pane has the focus. Returns true if used.
    fn exp_key(&mut self, msg: &Msg) -> bool {
        let Some(exp) = &mut self.exp else {
            return false;
        };
        let matrix = exp.focus == ExpFocus::Matrix;
        if exp.compare.is_some() || *msg == Msg::ToggleCompare {
            if let Some(used) = self.compare_key(msg) {
                return used;
            }
        }
        let Some(exp) = &mut self.exp else {
            return false;
        };
        if exp.is_lab() && !matrix {
            match msg {
                Msg::NextPanel => exp.select_lab_panel(exp.lab_panel as isize + 1),
                Msg::PrevPanel => exp.select_lab_panel(exp.lab_panel as isize - 1),
                Msg::Digit(n) => exp.select_lab_panel(isize::from(*n) - 1),
                Msg::PageDown => exp.lab_scroll += 1,
                Msg::PageUp => exp.lab_scroll = exp.lab_scroll.saturating_sub(1),
                Msg::ColumnsRight => exp.lab_hscroll += 1,
                Msg::ColumnsLeft => exp.lab_hscroll = exp.lab_hscroll.saturating_sub(1),
                // The tagging views do not apply to a lab.
                Msg::ToggleTrellis | Msg::LearningCurve | Msg::CycleCurve => {
                    self.flash = Some(
                        "t, L and v are for the HMM/CRF and classifier views, not labs".into(),
                    );
                }
                Msg::OpenNoticeTopic => {
                    let topic = exp.notice_topic();
                    match topic.and_then(|t| self.lib.index_of(&t)) {
                        Some(i) => {
                            self.exp = None;
                            self.pending.push(Effect::Cancel(JobKind::Experiment));
                            self.reveal(i);
                            self.focus = Focus::Note;
                        }
                        None => {
                            self.flash =
                                Some("no note linked from this lab yet: run it first".into())
                        }
                    }
                }
                _ => return self.exp_key_common(msg),
            }
            return true;
        }
        self.exp_key_common(msg)
    }

    /// Keys of the compare view (and `A`, which opens it). `None`: not a
    /// compare key, the setup's keys apply.
    fn compare_key(&mut self, msg: &Msg) -> Option<bool> {
        let exp = self.exp.as_mut()?;
        let Some(c) = &mut exp.compare else {
            // `A` with no comparison open: start one on the setup's dataset.
            if exp.is_lab() {
                self.flash = Some(
                    "A compares the algorithms of a table or text dataset; labs make their own data"
                        .into(),
                );
                return Some(true);
            }
            self.start_compare();
            return Some(true);
        };
        match msg {
            Msg::ToggleCompare => {
                exp.compare = None;
                self.pending.push(Effect::Cancel(JobKind::Compare));
            }
            Msg::Close => {
                if c.is_running() {
                    self.pending.push(Effect::Cancel(JobKind::Compare));
                    c.error = Some("cancelled".into());
                } else {
                    exp.compare = None;
                }
            }
            Msg::SortCompare => c.sort = c.sort.next(),
            Msg::Up => c.scroll = c.scroll.saturating_sub(1),
            Msg::Down => c.scroll = (c.scroll + 1).min(c.algos.len().saturating_sub(1)),
            Msg::Run => self.start_compare(),
            _ => return None,
        }
        Some(true)
    }

    /// Start a comparison on the experiment setup's dataset.
    fn start_compare(&mut self) {
        let Some(exp) = self.exp.as_mut() else {
            return;
        };
        let run = exp.next_run;
        exp.next_run += 1;
        let config = crate::tui::compare::CompareView::config(&exp.config);
        exp.compare = Some(crate::tui::compare::CompareView::new(run, &config));
        self.pending.push(Effect::StartCompare {
            run,
            config: Box::new(config),
        });
    }

    /// Keys of the experiment pane shared by every algorithm.
    fn exp_key_common(&mut self, msg: &Msg) -> bool {
        let Some(exp) = &mut self.exp else {
            return false;
        };
        let matrix = exp.focus == ExpFocus::Matrix;
        if let Some(d) = &mut exp.data_view {
            match msg {
                Msg::Up => d.scroll = d.scroll.saturating_sub(1),
                Msg::Down => d.scroll += 1,
                Msg::ToggleData | Msg::Close => {
                    if d.is_profiling() {
                        self.pending.push(Effect::Cancel(JobKind::Profile));
                    }
                    exp.data_view = None;
                }
                _ => {}
            }
            if matches!(msg, Msg::Up | Msg::Down | Msg::ToggleData | Msg::Close) {
                return true;
            }
        }
        if let Some(t) = &mut exp.trellis {
            match msg {
                Msg::Up => t.move_state(-1),
                Msg::Down => t.move_state(1),
                Msg::Top => t.go_to(1),
                Msg::Bottom => t.go_to(t.rolls.len()),
                _ => {}
            }
            if matches!(msg, Msg::Up | Msg::Down | Msg::Top | Msg::Bottom) {
                return true;
            }
        }
        match msg {
            Msg::Up => {
                if matrix {
                    exp.move_cell(-1, 0)
                } else {
                    exp.step_value(true)
                }
            }
            Msg::Down => {
                if matrix {
                    exp.move_cell(1, 0)
                } else {
                    exp.step_value(false)
                }
            }
            Msg::Left => {
                if exp.step_trellis(false) {
                } else if matrix {
                    exp.move_cell(0, -1)
                } else {
                    exp.next_field(-1)
                }
            }
            Msg::Right => {
                if exp.step_trellis(true) {
                } else if matrix {
                    exp.move_cell(0, 1)
                } else {
                    exp.next_field(1)
                }
            }
            Msg::ToggleTrellis => {
                if !exp.close_trellis() {
                    self.pending.push(Effect::LoadTrellis);
                }
            }
            Msg::ToggleData => {
                let (run, dataset, csv) = exp.open_data_view();
                self.pending.push(Effect::ProfileData { run, dataset, csv });
            }
            Msg::FlipTrellis => {
                if let Some(t) = &mut exp.trellis {
                    t.show_forward = !t.show_forward;
                }
            }
            Msg::WriteSubmission => match exp.start_submission() {
                Ok((run, config, predict, out)) => {
                    self.pending.push(Effect::WriteSubmission {
                        run,
                        config: Box::new(config),
                        predict,
                        out,
                    });
                }
                Err(e) => exp.error = Some(e),
            },
            Msg::LearningCurve => {
                let (run, dataset) = exp.start_learning_curve();
                let neural = exp.curve_neural;
                self.pending.push(Effect::StartLearningCurve {
                    run,
                    dataset,
                    neural,
                });
            }
            Msg::PageDown => exp.sentence_offset += 1,
            Msg::PageUp => exp.sentence_offset = exp.sentence_offset.saturating_sub(1),
            Msg::Enter => {
                if !matrix {
                    exp.begin_edit();
                    let value = exp.editing.clone().unwrap_or_default();
                    self.mode = Mode::Edit;
                    self.open_input(&value, true);
                }
            }
            Msg::ToggleMatrix => {
                exp.focus = if matrix {
                    ExpFocus::Setup
                } else {
                    ExpFocus::Matrix
                };
            }
            Msg::Run => {
                if let Some((run, config)) = exp.run() {
                    self.pending.push(Effect::StartExperiment {
                        run,
                        config: Box::new(config),
                    });
                }
            }
            Msg::CycleCurve => exp.cycle_curve(),
            Msg::Close => {
                if exp.is_running() {
                    self.pending.push(Effect::Cancel(JobKind::Experiment));
                } else if exp.trellis.is_some() {
                    exp.trellis = None;
                } else if matrix {
                    exp.focus = ExpFocus::Setup;
                } else {
                    self.exp = None;
                }
            }
            _ => return false,
        }
        true
    }
}
