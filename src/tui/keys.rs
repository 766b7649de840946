//! The keymap: terminal events -> messages, and the table the help overlay
//! (and the README) shows. One place, so help cannot drift from behaviour.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};

use super::app::{Mode, Msg};

/// Every key, as shown by `?`.
pub const KEYS: &[(&str, &str)] = &[
    ("↑ / k", "move up (tree) or scroll up (note)"),
    ("↓ / j", "move down (tree) or scroll down (note)"),
    (
        "← / h",
        "collapse the branch, or go to the parent; from the note, back to the tree",
    ),
    (
        "→ / l",
        "expand the branch, or go to its first child; on a leaf, read the note",
    ),
    (
        "Enter / Space",
        "open or close a branch; on a leaf, read the note",
    ),
    ("g / Home", "go to the top"),
    ("G / End", "go to the bottom"),
    ("PgUp / PgDn", "page up / down (also Ctrl-u / Ctrl-d)"),
    (
        "Tab / Shift-Tab",
        "switch focus between the topic tree and the note",
    ),
    (
        "/",
        "search titles (中文 and English), notes and formulas; Enter jumps to the first hit",
    ),
    ("n / N", "next / previous search hit"),
    (
        "L",
        "language of notes and cards: 中文 → English → 中文+English (remembered); in the experiment pane, the HMM vs CRF learning curve",
    ),
    (
        "p",
        "list problems found in the topic files (what was skipped and why)",
    ),
    ("?", "this help"),
    (
        "Esc",
        "close an overlay, cancel or clear a search, back to the tree",
    ),
    ("q / Ctrl-c", "quit"),
    (
        "mouse wheel",
        "scroll the pane under the pointer; click a topic to select it",
    ),
];

/// Map a terminal event to a message, given the current mode.
pub fn map_event(ev: &Event, mode: Mode) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => map_key(k, mode),
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

pub fn map_key(k: &KeyEvent, mode: Mode) -> Option<Msg> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && k.code == KeyCode::Char('c') {
        return Some(Msg::Quit);
    }
    if mode == Mode::Search || mode == Mode::Edit || mode == Mode::QuizInput {
        return match k.code {
            KeyCode::Esc => Some(Msg::Close),
            KeyCode::Enter => Some(Msg::InputSubmit),
            KeyCode::Backspace => Some(Msg::InputBackspace),
            KeyCode::Char(c) if !ctrl => Some(Msg::InputChar(c)),
            _ => None,
        };
    }
    Some(match k.code {
        KeyCode::Up | KeyCode::Char('k') => Msg::Up,
        KeyCode::Down | KeyCode::Char('j') => Msg::Down,
        KeyCode::Left | KeyCode::Char('h') => Msg::Left,
        KeyCode::Right | KeyCode::Char('l') => Msg::Right,
        KeyCode::Enter | KeyCode::Char(' ') => Msg::Enter,
        KeyCode::Home | KeyCode::Char('g') => Msg::Top,
        KeyCode::End | KeyCode::Char('G') => Msg::Bottom,
        KeyCode::PageUp => Msg::PageUp,
        KeyCode::PageDown => Msg::PageDown,
        KeyCode::Char('u') if ctrl => Msg::PageUp,
        KeyCode::Char('d') if ctrl => Msg::PageDown,
        KeyCode::Tab => Msg::FocusNext,
        KeyCode::BackTab => Msg::FocusPrev,
        KeyCode::Char('/') => Msg::StartSearch,
        KeyCode::Char('n') => Msg::NextHit,
        KeyCode::Char('N') => Msg::PrevHit,
        KeyCode::Char('?') => Msg::ToggleHelp,
        KeyCode::Char('p') => Msg::ToggleProblems,
        KeyCode::Char('e') => Msg::ToggleExperiment,
        KeyCode::Char('r') => Msg::Run,
        KeyCode::Char('c') => Msg::ToggleMatrix,
        KeyCode::Char('v') => Msg::CycleCurve,
        KeyCode::Char('t') => Msg::ToggleTrellis,
        KeyCode::Char('f') => Msg::FlipTrellis,
        KeyCode::Char('L') => Msg::CycleLang,
        KeyCode::Char('Q') => Msg::StartQuiz,
        KeyCode::Char('o') => Msg::OrderMode,
        KeyCode::Char('O') => Msg::OpenCardTopic,
        KeyCode::Char(c @ '1'..='9') => Msg::Digit(c as u8 - b'0'),
        KeyCode::Esc => Msg::Close,
        KeyCode::Char('q') => {
            if mode == Mode::Normal {
                Msg::Quit
            } else {
                Msg::Close
            }
        }
        _ => return None,
    })
}
