//! The keymap: ONE bindings table. Each row is (context, keys, message,
//! help text, footer hint). The dispatcher maps keys through it, the `?`
//! overlay shows the rows of the focused contexts, the status line shows
//! their footer hints, and the README's keys section is generated from it
//! (`mlwb::tui::keys::markdown`, checked by a test). Nothing else maps keys,
//! so help cannot drift from behaviour.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};
use tui_input::InputRequest;

use super::app::Msg;
use crate::quiz::interview::Mode;

/// Where the keyboard is: the focused pane, overlay or text field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// Keys that work everywhere outside text fields and overlays.
    Global,
    Tree,
    Note,
    /// Typing a search query.
    Search,
    Help,
    /// Typing a filter in the help overlay.
    HelpFilter,
    Problems,
    /// The card browser.
    Cards,
    /// Typing the card browser's filter.
    CardsFilter,
    ExpSetup,
    ExpMatrix,
    /// The compare view (on top of the experiment setup).
    Compare,
    /// A lab's results (on top of the experiment setup).
    Lab,
    Trellis,
    QuizQuestion,
    QuizAnswer,
    QuizDone,
    /// Typing a quiz answer.
    QuizInput,
    /// Typing a value in the experiment setup.
    Edit,
}

impl Context {
    pub const ALL: [Context; 19] = [
        Context::Tree,
        Context::Note,
        Context::Search,
        Context::ExpSetup,
        Context::Compare,
        Context::Lab,
        Context::ExpMatrix,
        Context::Trellis,
        Context::Edit,
        Context::QuizQuestion,
        Context::QuizAnswer,
        Context::QuizInput,
        Context::QuizDone,
        Context::Problems,
        Context::Cards,
        Context::CardsFilter,
        Context::Help,
        Context::HelpFilter,
        Context::Global,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Tree => "Topic tree",
            Context::Note => "Note",
            Context::Search => "Search (typing)",
            Context::Help => "Help",
            Context::HelpFilter => "Help filter (typing)",
            Context::Problems => "Problems",
            Context::Cards => "Card browser",
            Context::CardsFilter => "Card browser filter (typing)",
            Context::ExpSetup => "Experiment setup",
            Context::ExpMatrix => "Experiment: confusion matrix",
            Context::Compare => "Experiment: compare all",
            Context::Lab => "Experiment: a lab's results",
            Context::Trellis => "Experiment: trellis",
            Context::QuizQuestion => "Quiz: question",
            Context::QuizAnswer => "Quiz: answer shown",
            Context::QuizDone => "Quiz: summary",
            Context::QuizInput => "Quiz: typing an answer",
            Context::Edit => "Experiment: typing a value",
        }
    }

    /// A text field: characters are typed, not commands.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Context::Search
                | Context::HelpFilter
                | Context::QuizInput
                | Context::Edit
                | Context::CardsFilter
        )
    }
}

/// A key as the table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Code(KeyCode),
    Ctrl(char),
    Alt(KeyCode),
    /// Any printable character (text fields).
    AnyChar,
    /// Not a key press (the mouse, a paste): documented here, dispatched
    /// by `map_event`.
    Event,
}

/// What a matching key sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Emit {
    Msg(Msg),
    /// `Msg::Digit` of the digit pressed.
    Digit,
    /// `Msg::InputChar` of the character typed.
    Char,
    /// `Msg::Up` .. `Msg::Right` by the arrow (or h/j/k/l) pressed.
    Dir,
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub context: Context,
    pub keys: Vec<Key>,
    /// The keys as people read them: `↑ / k`.
    pub label: &'static str,
    pub emit: Emit,
    pub help: &'static str,
    /// A short hint for the status line, if this row earns a place there.
    pub footer: Option<&'static str>,
}

fn ch(c: char) -> Key {
    Key::Code(KeyCode::Char(c))
}

fn code(c: KeyCode) -> Key {
    Key::Code(c)
}

/// Every binding, in the order help lists them and the footer prefers them.
/// One row a line: (context, keys, label, message, help, footer hint).
#[rustfmt::skip]
pub fn bindings() -> Vec<Binding> {
    use Context as C;
    use KeyCode as K;
    let mut t = Vec::new();
    let mut row = |context: Context,
                   keys: Vec<Key>,
                   label: &'static str,
                   emit: Emit,
                   help: &'static str,
                   footer: Option<&'static str>| {
        t.push(Binding {
            context,
            keys,
            label,
            emit,
            help,
            footer,
        })
    };
    let m = Emit::Msg;
    let up = || vec![code(K::Up), ch('k')];
    let down = || vec![code(K::Down), ch('j')];
    let left = || vec![code(K::Left), ch('h')];
    let right = || vec![code(K::Right), ch('l')];
    let enter = || vec![code(K::Enter), ch(' ')];
    let pgup = || vec![code(K::PageUp), Key::Ctrl('u')];
    let pgdn = || vec![code(K::PageDown), Key::Ctrl('d')];
    let digits = || ('1'..='9').map(ch).collect::<Vec<_>>();

    // ---- the topic tree ----
    row(C::Tree, up(), "↑ / k", m(Msg::Up), "move up", None);
    row(C::Tree, down(), "↓ / j", m(Msg::Down), "move down", Some("↑↓ move"));
    row(C::Tree, left(), "← / h", m(Msg::Left), "collapse the branch, or go to the parent", None);
    row(C::Tree, right(), "→ / l", m(Msg::Right), "expand the branch, or go to its first child; on a leaf, read the note", None);
    row(C::Tree, enter(), "Enter / Space", m(Msg::Enter), "open or close a branch; on a leaf, read the note", Some("Enter open"));
    row(C::Tree, vec![code(K::Home), ch('g')], "g / Home", m(Msg::Top), "go to the top", None);
    row(C::Tree, vec![code(K::End), ch('G')], "G / End", m(Msg::Bottom), "go to the bottom", None);
    row(C::Tree, pgup(), "PgUp / Ctrl-u", m(Msg::PageUp), "page up", None);
    row(C::Tree, pgdn(), "PgDn / Ctrl-d", m(Msg::PageDown), "page down", None);
    row(C::Tree, vec![ch('e')], "e", m(Msg::ToggleExperiment), "open or close the experiment pane of the topic (algorithm topics: SVM, EM, 决策树, ...)", Some("e experiment"));
    row(C::Tree, vec![ch('r')], "r", m(Msg::Run), "run the open experiment again", None);

    // ---- the note ----
    row(C::Note, up(), "↑ / k", m(Msg::Up), "scroll up", None);
    row(C::Note, down(), "↓ / j", m(Msg::Down), "scroll down", Some("↑↓ scroll"));
    row(C::Note, left(), "← / h", m(Msg::Left), "back to the tree", Some("← tree"));
    row(C::Note, right(), "→ / l", m(Msg::Right), "read the selected note", None);
    row(C::Note, enter(), "Enter / Space", m(Msg::Enter), "read the selected note", None);
    row(C::Note, vec![code(K::Home), ch('g')], "g / Home", m(Msg::Top), "go to the top", None);
    row(C::Note, vec![code(K::End), ch('G')], "G / End", m(Msg::Bottom), "go to the bottom", None);
    row(C::Note, pgup(), "PgUp / Ctrl-u", m(Msg::PageUp), "page up", None);
    row(C::Note, pgdn(), "PgDn / Ctrl-d", m(Msg::PageDown), "page down", None);
    row(C::Note, vec![ch('e')], "e", m(Msg::ToggleExperiment), "open or close the experiment pane of the topic", Some("e experiment"));
    row(C::Note, digits(), "1-9", Emit::Digit, "choose reference N of the note (its link is shown in full)", None);
    row(C::Note, vec![ch('o')], "o", m(Msg::OpenLink), "open the chosen reference (else the first) in the browser (xdg-open / open / start)", Some("o open link"));
    row(C::Note, vec![ch('y')], "y", m(Msg::CopyLink), "copy the chosen reference's link to the clipboard (OSC 52, where the terminal allows it)", None);

    // ---- search: typing ----
    row(C::Search, vec![code(K::Enter)], "Enter", m(Msg::InputSubmit), "open the chosen hit (the query is highlighted in the note); says so when nothing matches", Some("Enter open"));
    row(C::Search, vec![code(K::Up), code(K::Down)], "↑ / ↓", Emit::Dir, "choose a hit in the result list (titles first, then glossary terms, notes, references)", Some("↑↓ choose"));
    row(C::Search, vec![code(K::Esc)], "Esc", m(Msg::Close), "cancel the search", Some("Esc cancel"));

    // ---- the experiment setup ----
    row(C::ExpSetup, vec![ch('r')], "r", m(Msg::Run), "run or re-run the experiment (a run in progress is replaced)", Some("r run"));
    row(C::ExpSetup, left(), "← / h", m(Msg::Left), "previous setup field (preset, dataset, algo, scale, each parameter, seed, cv, missing, test file, predict file)", None);
    row(C::ExpSetup, right(), "→ / l", m(Msg::Right), "next setup field", Some("←→ field"));
    row(C::ExpSetup, up(), "↑ / k", m(Msg::Up), "next value of the field (×2 for reals, +1 for whole numbers)", None);
    row(C::ExpSetup, down(), "↓ / j", m(Msg::Down), "previous value of the field", Some("↑↓ value"));
    row(C::ExpSetup, enter(), "Enter / Space", m(Msg::Enter), "type a value for the field (its range is shown; a bad value is refused with the reason)", Some("Enter type"));
    row(C::ExpSetup, vec![ch('c')], "c", m(Msg::ToggleMatrix), "move to the confusion matrix: arrows select a cell; the rows behind it and the filled-in formulas are listed", Some("c matrix"));
    row(C::ExpSetup, vec![ch('v')], "v", m(Msg::CycleCurve), "training curve / ROC curve / precision-recall curve", None);
    row(C::ExpSetup, vec![ch('z')], "z", m(Msg::ToggleZoom), "zoom the results to the whole screen (the topic tree is hidden)", Some("z zoom"));
    row(C::ExpSetup, vec![ch('D')], "D", m(Msg::ToggleData), "the data pane: each column's kind, missing cells, levels, range and histogram (as `mlwb inspect`)", None);
    row(C::ExpSetup, vec![ch('A')], "A", m(Msg::ToggleCompare), "compare all: every algorithm of the task on this dataset, the same CV folds for each; best and significantly worse marked", None);
    row(C::ExpSetup, vec![ch('w')], "w", m(Msg::WriteSubmission), "write a submission: fit on all of the dataset, predict every row of the predict field's file, write submission.csv beside it (id column and prediction, as Kaggle takes it)", None);
    row(C::ExpSetup, vec![ch('t')], "t", m(Msg::ToggleTrellis), "the Viterbi trellis on the first casino rolls, one column at a time", None);
    row(C::ExpSetup, vec![ch('L')], "L", m(Msg::LearningCurve), "HMM vs CRF entity F1 against the share of the training set (computed in the background)", None);
    row(C::ExpSetup, vec![code(K::PageDown)], "PgDn", m(Msg::PageDown), "scroll the tagged test sentences down (tagging runs)", None);
    row(C::ExpSetup, vec![code(K::PageUp)], "PgUp", m(Msg::PageUp), "scroll the tagged test sentences up", None);
    row(C::ExpSetup, vec![ch('e')], "e", m(Msg::ToggleExperiment), "close the experiment pane", None);
    row(C::ExpSetup, vec![code(K::Esc)], "Esc", m(Msg::Close), "cancel a run in progress, else close the pane", Some("Esc cancel/back"));

    // ---- a lab's results (on top of the setup keys) ----
    row(C::Lab, vec![ch(']')], "]", m(Msg::NextPanel), "draw the next panel big (charts, pictures, tables, what to notice)", Some("[ ] panel"));
    row(C::Lab, vec![ch('[')], "[", m(Msg::PrevPanel), "draw the previous panel big", None);
    row(C::Lab, digits(), "1-9", Emit::Digit, "draw panel n big (numbered in the panel bar)", None);
    row(C::Lab, vec![code(K::PageDown)], "PgDn", m(Msg::PageDown), "scroll the big panel down (table rows, small multiples, notices)", None);
    row(C::Lab, vec![code(K::PageUp)], "PgUp", m(Msg::PageUp), "scroll the big panel up", None);
    row(C::Lab, vec![ch('>')], ">", m(Msg::ColumnsRight), "scroll a wide table's columns right", None);
    row(C::Lab, vec![ch('<')], "<", m(Msg::ColumnsLeft), "scroll a wide table's columns left", None);
    row(C::Lab, vec![ch('o')], "o", m(Msg::OpenNoticeTopic), "open the note the \"what to notice\" lines link to", None);

    // ---- the compare view (on top of the setup keys) ----
    row(C::Compare, vec![ch('s')], "s", m(Msg::SortCompare), "sort by the next column: registry order, first metric, second metric, fit time", Some("s sort"));
    row(C::Compare, up(), "↑ / k", m(Msg::Up), "scroll the rows up", None);
    row(C::Compare, down(), "↓ / j", m(Msg::Down), "scroll the rows down", None);
    row(C::Compare, vec![ch('r')], "r", m(Msg::Run), "run the comparison again (with the setup as it is now)", None);
    row(C::Compare, vec![ch('A')], "A", m(Msg::ToggleCompare), "close the comparison (a running one is cancelled)", Some("A close"));
    row(C::Compare, vec![code(K::Esc)], "Esc", m(Msg::Close), "cancel a running comparison, else close it", None);

    // ---- the confusion matrix ----
    row(C::ExpMatrix, vec![code(K::Up), ch('k'), code(K::Down), ch('j'), code(K::Left), ch('h'), code(K::Right), ch('l'),], "arrows / hjkl", Emit::Dir, "select a cell: the test rows behind it and precision / recall filled in", Some("arrows cell"));
    row(C::ExpMatrix, vec![ch('c')], "c", m(Msg::ToggleMatrix), "back to the setup", Some("c setup"));
    row(C::ExpMatrix, vec![ch('r')], "r", m(Msg::Run), "run again", Some("r run"));
    row(C::ExpMatrix, vec![ch('v')], "v", m(Msg::CycleCurve), "training curve / ROC curve / precision-recall curve", None);
    row(C::ExpMatrix, vec![ch('z')], "z", m(Msg::ToggleZoom), "zoom the results to the whole screen", Some("z zoom"));
    row(C::ExpMatrix, vec![ch('e')], "e", m(Msg::ToggleExperiment), "close the experiment pane", None);
    row(C::ExpMatrix, vec![code(K::Esc)], "Esc", m(Msg::Close), "back to the setup", Some("Esc back"));

    // ---- the trellis (on top of the setup or the matrix) ----
    row(C::Trellis, vec![code(K::Left), ch('h'), code(K::Right), ch('l')], "← / →", Emit::Dir, "reveal one column fewer / more (the view follows); the best path is starred at the end", Some("←→ step"));
    row(C::Trellis, vec![code(K::Up), ch('k'), code(K::Down), ch('j')], "↑ / ↓", Emit::Dir, "choose the cell in the last column: its back-pointers traced, its δ filled in", Some("↑↓ cell"));
    row(C::Trellis, vec![code(K::Home), ch('g')], "g / Home", m(Msg::Top), "back to the first column", None);
    row(C::Trellis, vec![code(K::End), ch('G')], "G / End", m(Msg::Bottom), "reveal every column (the whole best path)", Some("End all"));
    row(C::Trellis, vec![ch('f')], "f", m(Msg::FlipTrellis), "flip between Viterbi's δ and the forward α", Some("f flip"));
    row(C::Trellis, vec![ch('t')], "t", m(Msg::ToggleTrellis), "close the trellis", None);
    row(C::Trellis, vec![code(K::Esc)], "Esc", m(Msg::Close), "close the trellis", Some("Esc close"));

    // ---- typing a value ----
    row(C::Edit, vec![code(K::Enter)], "Enter", m(Msg::InputSubmit), "set the value (refused with the reason if out of range)", Some("Enter set"));
    row(C::Edit, vec![code(K::Esc)], "Esc", m(Msg::Close), "cancel: the old value stays", Some("Esc cancel"));

    // ---- the quiz ----
    row(C::QuizQuestion, enter(), "Enter / Space", m(Msg::Enter), "reveal the next derivation step, start typing an answer (cloze, numeric), or show a model answer", Some("Enter reveal"));
    row(C::QuizQuestion, digits(), "1-9", Emit::Digit, "pick a multiple-choice option; spot the error: pick the wrong step, then the kind of error", Some("1-9 choose"));
    row(C::QuizQuestion, vec![ch('o')], "o", m(Msg::OrderMode), "derivation: order the shuffled steps instead (type their numbers, Enter)", Some("o order"));
    row(C::QuizQuestion, vec![ch('s')], "s", m(Msg::StartDrill(Mode::Spot)), "derivation: spot the error (one step is wrong: pick it with 1-9 or ↑↓ Enter, then the kind of error)", None);
    row(C::QuizQuestion, vec![ch('f')], "f", m(Msg::StartDrill(Mode::Gap)), "derivation: fill the gap (type the hidden steps' expressions, plain or LaTeX; checked numerically)", None);
    row(C::QuizQuestion, vec![ch('d')], "d", m(Msg::StartDrill(Mode::Derive)), "derivation: derive on your own (one line per step, each checked against the model chain)", None);
    row(C::QuizQuestion, vec![ch('H')], "H", m(Msg::Hint), "derive: reveal the next step (each hint costs a grade)", None);
    row(C::QuizQuestion, vec![ch('a')], "a", m(Msg::GiveUp), "derive: give up and show the model derivation", None);
    row(C::QuizQuestion, up(), "↑ / k", m(Msg::Up), "spot the error: move over the steps, then the kinds of error", None);
    row(C::QuizQuestion, down(), "↓ / j", m(Msg::Down), "spot the error: move down", None);
    row(C::QuizQuestion, vec![ch('O')], "O", m(Msg::OpenCardTopic), "open the card's topic note", None);
    row(C::QuizQuestion, vec![ch('u')], "u", m(Msg::UndoGrade), "undo the last grade of the session: the card's schedule is put back (also in the progress file) and it is asked again", None);
    row(C::QuizQuestion, vec![ch('-')], "-", m(Msg::SetAside(false)), "bury the card: skip it until tomorrow (local time); u undoes", None);
    row(C::QuizQuestion, vec![ch('@')], "@", m(Msg::SetAside(true)), "suspend the card: out of every queue until `mlwb quiz --unsuspend CARD`; u undoes", None);
    row(C::QuizQuestion, vec![code(K::Esc)], "Esc", m(Msg::Close), "end the quiz with a summary (cards, accuracy, time, next due, each card's outcome)", Some("Esc end"));
    row(C::QuizAnswer, vec![ch('1'), ch('2'), ch('3'), ch('4')], "1-4", Emit::Digit, "grade: 1 again, 2 hard, 3 good, 4 easy (saved at once)", Some("1-4 grade"));
    row(C::QuizAnswer, vec![ch('O')], "O", m(Msg::OpenCardTopic), "open the card's topic note", Some("O topic"));
    row(C::QuizAnswer, vec![ch('u')], "u", m(Msg::UndoGrade), "undo the last grade of the session (the card is asked again)", None);
    row(C::QuizAnswer, vec![ch('-')], "-", m(Msg::SetAside(false)), "bury the card until tomorrow instead of grading it", None);
    row(C::QuizAnswer, vec![ch('@')], "@", m(Msg::SetAside(true)), "suspend the card instead of grading it", None);
    row(C::QuizAnswer, vec![code(K::Esc)], "Esc", m(Msg::Close), "end the quiz with a summary", Some("Esc end"));
    row(C::QuizDone, vec![code(K::Enter), code(K::Esc), ch('Q')], "Enter / Esc / Q", m(Msg::Close), "close the summary", Some("Enter close"));
    row(C::QuizDone, vec![ch('u')], "u", m(Msg::UndoGrade), "undo the last grade, bury or suspend: back to that card", Some("u undo"));
    row(C::QuizInput, vec![code(K::Enter)], "Enter", m(Msg::InputSubmit), "submit the answer", Some("Enter submit"));
    row(C::QuizInput, vec![code(K::Esc)], "Esc", m(Msg::Close), "stop typing", Some("Esc stop typing"));

    // ---- text fields: search, value, answer, help filter ----
    for c in [C::Search, C::Edit, C::QuizInput, C::HelpFilter, C::CardsFilter] {
        row(c, vec![Key::AnyChar], "characters", Emit::Char, "type (a value being edited is replaced by the first character)", None);
        row(c, vec![code(K::Backspace)], "Backspace", m(Msg::Input(InputRequest::DeletePrevChar)), "delete the character before the cursor", None);
        row(c, vec![code(K::Delete)], "Delete", m(Msg::Input(InputRequest::DeleteNextChar)), "delete the character under the cursor", None);
        row(c, vec![code(K::Left)], "←", m(Msg::Input(InputRequest::GoToPrevChar)), "cursor left", None);
        row(c, vec![code(K::Right)], "→", m(Msg::Input(InputRequest::GoToNextChar)), "cursor right", None);
        row(c, vec![code(K::Home), Key::Ctrl('a')], "Home / Ctrl-a", m(Msg::Input(InputRequest::GoToStart)), "to the start", None);
        row(c, vec![code(K::End), Key::Ctrl('e')], "End / Ctrl-e", m(Msg::Input(InputRequest::GoToEnd)), "to the end", None);
        row(c, vec![Key::Ctrl('w'), Key::Alt(K::Backspace)], "Ctrl-w / Alt-Backspace", m(Msg::Input(InputRequest::DeletePrevWord)), "delete the word before the cursor", None);
        row(c, vec![Key::Ctrl('u')], "Ctrl-u", m(Msg::Input(InputRequest::DeleteFromStart)), "delete to the start", None);
        row(c, vec![Key::Event], "paste", m(Msg::Paste(String::new())), "pasted text is typed in (bracketed paste)", None);
    }

    // ---- overlays ----
    row(C::Help, vec![code(K::Up), ch('k'), code(K::Down), ch('j')], "↑↓ / jk", Emit::Dir, "scroll", Some("↑↓ scroll"));
    row(C::Help, vec![code(K::Home), ch('g'), code(K::PageUp)], "g / Home / PgUp", m(Msg::Top), "to the top", None);
    row(C::Help, vec![code(K::End), ch('G'), code(K::PageDown)], "G / End / PgDn", m(Msg::Bottom), "to the bottom", None);
    row(C::Help, vec![ch('/')], "/", m(Msg::StartSearch), "filter: type a word; only matching keys are listed", Some("/ filter"));
    row(C::Help, vec![code(K::Esc), ch('q'), ch('?')], "Esc / q / ?", m(Msg::Close), "close the help (Esc clears a filter first)", Some("Esc close"));
    row(C::HelpFilter, vec![code(K::Enter)], "Enter", m(Msg::InputSubmit), "keep the filter, scroll the result", Some("Enter keep"));
    row(C::HelpFilter, vec![code(K::Esc)], "Esc", m(Msg::Close), "clear the filter", Some("Esc clear"));
    row(C::Problems, vec![code(K::Up), ch('k'), code(K::Down), ch('j')], "↑↓ / jk", Emit::Dir, "scroll", Some("↑↓ scroll"));
    row(C::Problems, vec![code(K::Esc), ch('q'), ch('p')], "Esc / q / p", m(Msg::Close), "close", Some("Esc close"));
    row(C::Cards, vec![code(K::Up), ch('k'), code(K::Down), ch('j')], "↑↓ / jk", Emit::Dir, "move through the cards", Some("↑↓ move"));
    row(C::Cards, vec![code(K::PageUp)], "PgUp", m(Msg::PageUp), "ten cards up", None);
    row(C::Cards, vec![code(K::PageDown)], "PgDn", m(Msg::PageDown), "ten cards down", None);
    row(C::Cards, vec![code(K::Home), ch('g')], "g / Home", m(Msg::Top), "first card", None);
    row(C::Cards, vec![code(K::End), ch('G')], "G / End", m(Msg::Bottom), "last card", None);
    row(C::Cards, vec![ch('/')], "/", m(Msg::StartSearch), "filter: words (id, topic, prompt) and terms kind:cloze topic:svm is:new|learning|review|due|suspended|buried", Some("/ filter"));
    row(C::Cards, vec![ch('@')], "@", m(Msg::SetAside(true)), "suspend the card, or unsuspend it (saved at once)", Some("@ suspend"));
    row(C::Cards, vec![ch('-')], "-", m(Msg::SetAside(false)), "bury the card until tomorrow, or unbury it", None);
    row(C::Cards, vec![code(K::Enter)], "Enter", m(Msg::Enter), "open the card's topic note", Some("Enter topic"));
    row(C::Cards, vec![code(K::Esc), ch('q'), ch('C')], "Esc / q / C", m(Msg::Close), "close (Esc clears a filter first)", Some("Esc close"));
    row(C::CardsFilter, vec![code(K::Enter)], "Enter", m(Msg::InputSubmit), "keep the filter, move through the result", Some("Enter keep"));
    row(C::CardsFilter, vec![code(K::Esc)], "Esc", m(Msg::Close), "clear the filter", Some("Esc clear"));

    // ---- everywhere (outside text fields and overlays) ----
    row(C::Global, vec![code(K::Tab)], "Tab", m(Msg::FocusNext), "switch focus between the topic tree and the note or pane", Some("Tab pane"));
    row(C::Global, vec![code(K::BackTab)], "Shift-Tab", m(Msg::FocusPrev), "switch focus back", None);
    row(C::Global, vec![ch('/')], "/", m(Msg::StartSearch), "search titles, notes, formulas and interview notes, in 中文 and English whatever language is shown", Some("/ search"));
    row(C::Global, vec![ch('n')], "n", m(Msg::NextHit), "next search hit", None);
    row(C::Global, vec![ch('N')], "N", m(Msg::PrevHit), "previous search hit", None);
    row(C::Global, vec![ch('?')], "?", m(Msg::ToggleHelp), "help: the keys of the focused pane and these (type / to filter)", Some("? help"));
    row(C::Global, vec![ch('Q')], "Q", m(Msg::StartQuiz), "quiz on the selected topic and its subtopics", Some("Q quiz"));
    row(C::Global, vec![ch('I')], "I", m(Msg::StartMock), "mock interview over the selected topic's subtree: 8 questions mixed by due-ness and topic, 20 minutes, follow-ups, a score per topic at the end", None);
    row(C::Global, vec![ch('L')], "L", m(Msg::CycleLang), "language of notes and cards: 中文 → English → 中文+English (remembered)", None);
    row(C::Global, vec![ch('C')], "C", m(Msg::OpenCards), "card browser and review stats: every card's state and due date, filter, suspend/bury; counts, a 14-day due forecast, recall per week", None);
    row(C::Global, vec![ch('p')], "p", m(Msg::ToggleProblems), "list problems found in the topic files (what was skipped and why)", None);
    row(C::Global, vec![code(K::Esc)], "Esc", m(Msg::Close), "clear a search, or back to the tree", None);
    row(C::Global, vec![ch('q'), Key::Ctrl('c')], "q / Ctrl-c", m(Msg::Quit), "quit (Ctrl-c also while typing)", Some("q quit"));
    row(C::Global, vec![Key::Event], "mouse wheel / click", m(Msg::Close), "scroll the pane under the pointer; click a topic to select it", None);
    t
}

/// The message for a key in one binding (some rows send one message per key).
fn emit_for(b: &Binding, key: &KeyEvent) -> Option<Msg> {
    Some(match &b.emit {
        Emit::Digit => match key.code {
            KeyCode::Char(c @ '1'..='9') => Msg::Digit(c as u8 - b'0'),
            _ => return None,
        },
        Emit::Char => match key.code {
            KeyCode::Char(c) => Msg::InputChar(c),
            _ => return None,
        },
        Emit::Dir => match key.code {
            KeyCode::Up | KeyCode::Char('k') => Msg::Up,
            KeyCode::Down | KeyCode::Char('j') => Msg::Down,
            KeyCode::Left | KeyCode::Char('h') => Msg::Left,
            KeyCode::Right | KeyCode::Char('l') => Msg::Right,
            _ => return None,
        },
        Emit::Msg(msg) => msg.clone(),
    })
}

/// Does `b` bind the key event?
fn binds(b: &Binding, k: &KeyEvent) -> bool {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let alt = k.modifiers.contains(KeyModifiers::ALT);
    b.keys.iter().any(|key| match key {
        Key::Code(c) => !ctrl && !alt && *c == k.code,
        Key::Ctrl(c) => ctrl && k.code == KeyCode::Char(*c),
        Key::Alt(c) => alt && *c == k.code,
        Key::AnyChar => !ctrl && !alt && matches!(k.code, KeyCode::Char(_)),
        Key::Event => false,
    })
}

/// Map a terminal event to a message, given the focused contexts (most
/// specific first; see `App::contexts`).
pub fn map_event(ev: &Event, contexts: &[Context]) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => map_key(k, contexts),
        Event::Paste(s) if contexts.first().is_some_and(|c| c.is_text()) => {
            Some(Msg::Paste(s.clone()))
        }
        Event::Mouse(m) => match m.kind {
            MouseEventKind::ScrollDown => Some(Msg::Wheel {
                col: m.column,
                row: m.row,
                down: true,
            }),
            MouseEventKind::ScrollUp => Some(Msg::Wheel {
                col: m.column,
                row: m.row,
                down: false,
            }),
            MouseEventKind::Down(crossterm::event::MouseButton::Left) => Some(Msg::Click {
                col: m.column,
                row: m.row,
            }),
            _ => None,
        },
        Event::Resize(w, h) => Some(Msg::Resize(*w, *h)),
        _ => None,
    }
}

/// Map a key through the table: the first row of the first context (in
/// `contexts` order) that binds it. Ctrl-c quits from anywhere.
pub fn map_key(k: &KeyEvent, contexts: &[Context]) -> Option<Msg> {
    if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
        return Some(Msg::Quit);
    }
    let table = bindings();
    contexts.iter().find_map(|&c| {
        table
            .iter()
            .filter(|b| b.context == c)
            .find(|b| binds(b, k))
            .and_then(|b| emit_for(b, k))
    })
}

/// The rows of `contexts`, in order, keeping those that mention `filter`
/// (case-insensitive) in their keys or help.
pub fn help_rows(contexts: &[Context], filter: &str) -> Vec<(Context, Binding)> {
    let table = bindings();
    let f = filter.trim().to_lowercase();
    let mut out = Vec::new();
    for &c in contexts {
        for b in table.iter().filter(|b| b.context == c) {
            if f.is_empty()
                || b.label.to_lowercase().contains(&f)
                || b.help.to_lowercase().contains(&f)
            {
                out.push((c, b.clone()));
            }
        }
    }
    out
}

/// Footer hints of `contexts`: up to four of the focused contexts (table
/// order), then the global ones, help and quit first; no key twice.
pub fn footer_hints(contexts: &[Context]) -> Vec<&'static str> {
    let table = bindings();
    let key = |f: &str| f.split(' ').next().unwrap_or(f).to_string();
    let mut out: Vec<&'static str> = Vec::new();
    let push = |f: &'static str, out: &mut Vec<&'static str>| {
        if !out.iter().any(|o| key(o) == key(f)) {
            out.push(f);
        }
    };
    for &c in contexts.iter().filter(|&&c| c != Context::Global) {
        for b in table.iter().filter(|b| b.context == c) {
            if let Some(f) = b.footer {
                if out.len() < 4 {
                    push(f, &mut out);
                }
            }
        }
    }
    if contexts.contains(&Context::Global) {
        let mut global: Vec<&'static str> = table
            .iter()
            .filter(|b| b.context == Context::Global)
            .filter_map(|b| b.footer)
            .collect();
        let rank = |f: &str| match key(f).as_str() {
            "?" => 0,
            "q" => 1,
            _ => 2,
        };
        global.sort_by_key(|f| rank(f));
        for f in global {
            push(f, &mut out);
        }
    }
    out
}

/// Join hints with ` · ` into at most `width` columns: hints that do not
/// fit are dropped whole, never cut.
pub fn fit_hints(hints: &[&str], width: usize) -> String {
    let mut out = String::new();
    for h in hints {
        let sep = if out.is_empty() { "" } else { " · " };
        if crate::text::width(&out) + crate::text::width(sep) + crate::text::width(h) <= width {
            out.push_str(sep);
            out.push_str(h);
        }
    }
    out
}

/// The README's keys section, generated from the table.
pub fn markdown() -> String {
    let mut out = String::new();
    for c in Context::ALL {
        let rows: Vec<Binding> = bindings().into_iter().filter(|b| b.context == c).collect();
        if rows.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n**{}**\n\n| key | what it does |\n|---|---|\n",
            c.title()
        ));
        for b in rows {
            out.push_str(&format!("| {} | {} |\n", b.label, b.help));
        }
    }
    out
}
