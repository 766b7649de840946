//! What every subcommand writes the same way: JSON on stdout, `mlwb: …`
//! messages on stderr with their exit status.
//!
//! With `--json` a failure is JSON too: one line on stderr,
//! `{"error": "...", "file": ..., "line": ..., "column": ..., "code": 2}`
//! (location fields are `null` when the error has no place in a file), and
//! the exit status is the same as without `--json`. stdout then stays empty,
//! so it only ever holds a result. [`json_errors`] switches this on for the
//! current thread while a command runs.

use std::any::Any;
use std::cell::Cell;
use std::fmt::Display;
use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use crate::data::DataError;
use crate::experiment::ExperimentError;
use crate::seq::conll::ConllError;
use crate::seq::hmm_io::IoError;

/// Exit status for a bad command line (unknown name, malformed value).
pub const USAGE: u8 = 2;
/// Exit status for a command that ran and failed (bad data, I/O).
pub const FAILED: u8 = 1;

thread_local! {
    static JSON_ERRORS: Cell<bool> = const { Cell::new(false) };
}

/// Failures are written as JSON until the guard is dropped.
pub struct JsonErrors {
    before: bool,
}

/// Write failures as JSON (when `on`) until the returned guard is dropped.
pub fn json_errors(on: bool) -> JsonErrors {
    let before = JSON_ERRORS.with(|j| j.replace(on));
    JsonErrors { before }
}

impl Drop for JsonErrors {
    fn drop(&mut self) {
        JSON_ERRORS.with(|j| j.set(self.before));
    }
}

fn json_mode() -> bool {
    JSON_ERRORS.with(Cell::get)
}

/// A failure as `--json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JsonError {
    pub error: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub code: u8,
}

impl JsonError {
    /// The message and, for errors that come from a file, where in it.
    pub fn new<E: Display + Any>(e: &E, code: u8) -> JsonError {
        let mut j = JsonError {
            error: e.to_string(),
            file: None,
            line: None,
            column: None,
            code,
        };
        let any: &dyn Any = e;
        let data = any.downcast_ref::<DataError>().or_else(|| {
            any.downcast_ref::<ExperimentError>().and_then(|x| match x {
                ExperimentError::Data(d) => Some(d),
                _ => None,
            })
        });
        let conll = any.downcast_ref::<ConllError>().or_else(|| {
            any.downcast_ref::<ExperimentError>().and_then(|x| match x {
                ExperimentError::Conll(c) => Some(c),
                _ => None,
            })
        });
        let io = any.downcast_ref::<IoError>().or_else(|| {
            any.downcast_ref::<ExperimentError>().and_then(|x| match x {
                ExperimentError::HmmFile(c) => Some(c),
                _ => None,
            })
        });
        if let Some(b) = any.downcast_ref::<crate::bayesnet::NetError>() {
            j.error = b.message.clone();
            j.file = (!b.file.is_empty()).then(|| b.file.clone());
            j.line = b.line;
            j.column = b.column;
            return j;
        }
        if let Some(d) = data {
            j.error = match &d.column {
                Some((_, name)) => format!("column `{name}`: {}", d.message),
                None => d.message.clone(),
            };
            j.file = Some(d.file.clone());
            j.line = d.line;
            j.column = d.column.as_ref().map(|(c, _)| *c);
        } else if let Some(c) = conll {
            j.error = c.kind.to_string();
            j.file = Some(c.file.clone());
            j.line = c.line;
            j.column = c.column;
        } else if let Some(i) = io {
            j.error = i.message.clone();
            j.file = Some(i.file.clone());
            j.line = i.line;
            j.column = i.column;
        }
        j
    }
}

/// Write `value` as pretty JSON on its own line(s).
pub fn print_json<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> std::io::Result<()> {
    let s = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    writeln!(out, "{s}")
}

/// `mlwb: message` on its own line.
pub fn error(err: &mut dyn Write, message: impl Display) -> std::io::Result<()> {
    writeln!(err, "mlwb: {message}")
}

/// `mlwb: message` (under `--json`: a [`JsonError`] line), then exit with
/// `code` ([`USAGE`] or [`FAILED`]).
pub fn fail<E: Display + Any>(err: &mut dyn Write, e: E, code: u8) -> std::io::Result<ExitCode> {
    if json_mode() {
        let s = serde_json::to_string(&JsonError::new(&e, code)).map_err(std::io::Error::other)?;
        writeln!(err, "{s}")?;
    } else {
        error(err, e)?;
    }
    Ok(ExitCode::from(code))
}
