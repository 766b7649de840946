//! What every subcommand writes the same way: JSON on stdout, `mlwb: …`
//! messages on stderr with their exit status.

use std::fmt::Display;
use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

/// Exit status for a bad command line (unknown name, malformed value).
pub const USAGE: u8 = 2;
/// Exit status for a command that ran and failed (bad data, I/O).
pub const FAILED: u8 = 1;

/// Write `value` as pretty JSON on its own line(s).
pub fn print_json<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> std::io::Result<()> {
    let s = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    writeln!(out, "{s}")
}

/// `mlwb: message` on its own line.
pub fn error(err: &mut dyn Write, message: impl Display) -> std::io::Result<()> {
    writeln!(err, "mlwb: {message}")
}

/// `mlwb: message`, then exit with `code` ([`USAGE`] or [`FAILED`]).
pub fn fail(err: &mut dyn Write, message: impl Display, code: u8) -> std::io::Result<ExitCode> {
    error(err, message)?;
    Ok(ExitCode::from(code))
}
