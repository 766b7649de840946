//! The reader's state and its `update`: the Elm architecture's model and
//! messages. No I/O here; `view` draws from this state.

use crate::content::{note, Library};
use crate::settings::Lang;
use crate::text::{self, Line};

use super::experiment::{ExpFocus, ExperimentPane};
use super::layout::{areas, Areas};
use crate::algos::registry;
use crate::content::ExperimentRef;
use crate::quiz::schedule;
use crate::quiz::store::{data_dir, Progress, Store};

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
    /// Start the HMM vs CRF learning curve.
    LearningCurve,
    /// `L`: the next language (中文 → English → both); in the experiment
    /// pane, the learning curve instead.
    CycleLang,
    /// Start a quiz on the selected topic and its subtopics.
    StartQuiz,
    /// A digit key: a choice in the quiz, or a grade (1 again .. 4 easy).
    Digit(u8),
    /// Quiz: order the steps of a derivation instead of revealing them.
    OrderMode,
    /// Quiz: open the current card's topic note.
    OpenCardTopic,
    /// Time passes: collect what a background run has reported.
    Tick,
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

/// Work `update` leaves for the event loop, which does the I/O
/// (`tui::run_effects`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Remember the language in `settings.json`.
    SaveLang(Lang),
}

#[derive(Debug, Clone, Default)]
pub struct Search {
    pub query: String,
    pub hits: Vec<usize>,
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
    pub help_scroll: usize,
    pub search: Search,
    pub size: (u16, u16),
    pub quit: bool,
    pub color: bool,
    /// The experiment pane, shown in place of the note while `Some`.
    pub exp: Option<ExperimentPane>,
    /// A one-off message for the status line, cleared by the next key.
    pub flash: Option<String>,
    /// The quiz, shown in place of the note while `Some`.
    pub quiz: Option<super::quiz::QuizSession>,
    /// Where quiz progress is kept (None: MLWB_DATA_DIR or the platform dir).
    pub data_dir: Option<std::path::PathBuf>,
    /// Per topic with cards: (mastered, cards, due now), from the progress file.
    pub mastery: std::collections::HashMap<usize, (usize, usize, usize)>,
    /// The language notes and cards are shown in (`L` cycles it).
    pub lang: Lang,
    /// Effects for the event loop to run after this update.
    pub effects: Vec<Effect>,
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
                _ => "iris",
            };
            let dataset = datasets
                .iter()
                .find(|d| d.topics.contains(&t.id) && (d.kind == "tabular" || d.kind == "text"))
                .map_or(preferred.to_string(), |d| d.name.clone());
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
            help_scroll: 0,
            search: Search::default(),
            size: (width, height),
            quit: false,
            exp: None,
            flash: None,
            quiz: None,
            data_dir: None,
            mastery: std::collections::HashMap::new(),
            // `load_settings` puts the saved or locale language here.
            lang: Lang::En,
            effects: Vec::new(),
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
        areas(self.size.0, self.size.1)
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

    /// Apply one message. Pure state change: no I/O.
    pub fn update(&mut self, msg: Msg) {
        if msg == Msg::Tick {
            if let Some(exp) = &mut self.exp {
                exp.poll();
            }
            if self.mode != Mode::Edit {
                return;
            }
        } else if !matches!(msg, Msg::Resize(..)) {
            self.flash = None;
        }
        match self.mode {
            Mode::Help => {
                match msg {
                    Msg::Close | Msg::Quit | Msg::ToggleHelp => self.mode = Mode::Normal,
                    Msg::Down | Msg::Wheel { down: true, .. } => self.help_scroll += 1,
                    Msg::Up | Msg::Wheel { down: false, .. } => {
                        self.help_scroll = self.help_scroll.saturating_sub(1)
                    }
                    Msg::PageDown | Msg::Bottom => self.help_scroll = usize::MAX,
                    Msg::PageUp | Msg::Top => self.help_scroll = 0,
                    Msg::Resize(w, h) => self.size = (w, h),
                    _ => {}
                }
                // `view` clamps the offset to the lines that exist.
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
                    Msg::Resize(w, h) => self.size = (w, h),
                    _ => {}
                }
                return;
            }
            Mode::QuizInput => {
                let Some(q) = &mut self.quiz else {
                    self.mode = Mode::Normal;
                    return;
                };
                match msg {
                    Msg::InputChar(c) => q.input.push(c),
                    Msg::InputBackspace => {
                        q.input.pop();
                    }
                    Msg::InputSubmit => {
                        q.message = None;
                        q.advance();
                        if !q.wants_text() {
                            self.mode = Mode::Normal;
                        }
                    }
                    Msg::Close => self.mode = Mode::Normal,
                    Msg::Resize(w, h) => self.size = (w, h),
                    _ => {}
                }
                return;
            }
            Mode::Edit => {
                if let Some(exp) = &mut self.exp {
                    match msg {
                        Msg::InputChar(c) => exp.editing.get_or_insert_with(String::new).push(c),
                        Msg::InputBackspace => {
                            if let Some(t) = &mut exp.editing {
                                t.pop();
                            }
                        }
                        Msg::InputSubmit => {
                            exp.commit_edit();
                            self.mode = Mode::Normal;
                        }
                        Msg::Close => {
                            exp.editing = None;
                            self.mode = Mode::Normal;
                        }
                        Msg::Tick => {
                            exp.poll();
                        }
                        Msg::Resize(w, h) => self.size = (w, h),
                        _ => {}
                    }
                } else {
                    self.mode = Mode::Normal;
                }
                return;
            }
            Mode::Search => {
                match msg {
                    Msg::InputChar(c) => {
                        self.search.query.push(c);
                        self.search.hits = self.lib.search(&self.search.query);
                        self.search.current = 0;
                    }
                    Msg::InputBackspace => {
                        self.search.query.pop();
                        self.search.hits = self.lib.search(&self.search.query);
                        self.search.current = 0;
                    }
                    Msg::InputSubmit => {
                        self.mode = Mode::Normal;
                        self.jump_to_hit();
                    }
                    Msg::Close => {
                        self.mode = Mode::Normal;
                        self.search = Search::default();
                    }
                    Msg::Resize(w, h) => self.size = (w, h),
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
                Some(exp) => exp.run(),
                None => self.flash = Some("press e to open an experiment first".into()),
            },
            Msg::ToggleMatrix | Msg::CycleCurve | Msg::FlipTrellis | Msg::Tick => {}
            Msg::StartQuiz => self.start_quiz(),
            Msg::Digit(_) | Msg::OrderMode | Msg::OpenCardTopic => {}
            Msg::ToggleTrellis | Msg::LearningCurve => {
                self.flash = Some("press e on an HMM or CRF topic first".into());
            }
            Msg::CycleLang => {
                self.lang = self.lang.next();
                self.effects.push(Effect::SaveLang(self.lang));
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
                self.mode = Mode::Help;
                self.help_scroll = 0;
            }
            Msg::ToggleProblems => {
                self.mode = Mode::Problems;
                self.problems_scroll = 0;
            }
            Msg::StartSearch => {
                self.mode = Mode::Search;
                self.search = Search::default();
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
                            self.update(Msg::Enter);
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
            Msg::InputChar(_) | Msg::InputBackspace | Msg::InputSubmit => {}
        }
    }

    /// Recompute per-topic mastery and due counts from `progress` (the
    /// mastery rule is `quiz::schedule::is_mastered`).
    pub fn refresh_mastery(&mut self, progress: &Progress) {
        let now = chrono::Utc::now();
        self.mastery.clear();
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

    /// Read the progress (read-only: no lock, nothing moved) to show
    /// mastery. A damaged file is said in the status line, and its backup
    /// shown, as the quiz would.
    pub fn load_mastery(&mut self) {
        let opened = data_dir(self.data_dir.as_deref()).and_then(|d| Store::open_read_only(&d));
        let progress = match opened {
            Ok((store, progress)) => {
                if let Some(n) = store.notices.first() {
                    self.flash.get_or_insert_with(|| n.clone());
                }
                progress
            }
            Err(_) => Progress::default(),
        };
        self.refresh_mastery(&progress);
    }

    /// Start a quiz on the selected topic's subtree.
    fn start_quiz(&mut self) {
        let topic = self.selected_topic().map(|i| self.lib.topics[i].id.clone());
        self.start_quiz_with(topic.as_deref(), None);
    }

    /// Start a quiz on a topic's subtree (or everything due), optionally of one kind.
    pub fn start_quiz_with(&mut self, topic: Option<&str>, kind: Option<crate::content::CardKind>) {
        match super::quiz::QuizSession::start(&self.lib, topic, kind, self.data_dir.as_deref()) {
            Ok(q) => {
                if let Some(n) = q.notices.first() {
                    self.flash = Some(n.clone());
                }
                self.quiz = Some(q);
                self.exp = None;
                self.focus = Focus::Note;
            }
            Err(e) => self.flash = Some(e),
        }
    }

    /// Keys while a quiz is shown. Returns true if used.
    fn quiz_key(&mut self, msg: &Msg) -> bool {
        let Some(q) = &mut self.quiz else {
            return false;
        };
        if q.finished {
            if matches!(msg, Msg::Close | Msg::Enter | Msg::StartQuiz) {
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
                        if (1..=4).contains(&n) {
                            q.grade(n as u8);
                            let progress = q.progress.clone();
                            self.refresh_mastery(&progress);
                        }
                    }
                }
            }
            Msg::Enter => {
                q.message = None;
                if q.wants_text() {
                    self.mode = Mode::QuizInput;
                } else {
                    q.advance();
                }
            }
            Msg::OrderMode => {
                q.toggle_order_mode();
                if q.wants_text() {
                    self.mode = Mode::QuizInput;
                }
            }
            Msg::OpenCardTopic => {
                if let Some(i) = q.current().and_then(|(t, _)| self.lib.index_of(t)) {
                    self.quiz = None;
                    self.reveal(i);
                    self.focus = Focus::Note;
                }
            }
            Msg::Close => q.finished = true,
            _ => return false,
        }
        true
    }

    /// Open the experiment pane for the selected topic, or close it.
    fn toggle_experiment(&mut self) {
        if self.exp.is_some() {
            if let Some(exp) = &mut self.exp {
                exp.cancel();
            }
            self.exp = None;
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
            Msg::ToggleTrellis => exp.toggle_trellis(),
            Msg::FlipTrellis => {
                if let Some(t) = &mut exp.trellis {
                    t.show_forward = !t.show_forward;
                }
            }
            Msg::LearningCurve => exp.start_learning_curve(),
            Msg::PageDown => exp.sentence_offset += 1,
            Msg::PageUp => exp.sentence_offset = exp.sentence_offset.saturating_sub(1),
            Msg::Enter => {
                if !matrix {
                    exp.begin_edit();
                    self.mode = Mode::Edit;
                }
            }
            Msg::ToggleMatrix => {
                exp.focus = if matrix {
                    ExpFocus::Setup
                } else {
                    ExpFocus::Matrix
                };
            }
            Msg::Run => exp.run(),
            Msg::CycleCurve => exp.cycle_curve(),
            Msg::Close => {
                if exp.is_running() {
                    exp.cancel();
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
