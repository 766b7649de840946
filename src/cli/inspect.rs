//! `mlwb inspect FILE|NAME [--json]`: each column's kind, gaps, levels,
//! range and a small histogram, and the task the target implies.

use std::io::Write;
use std::process::ExitCode;

use super::out::{fail, print_json, FAILED};
use crate::data::inspect::{inspect, text_lines, Inspection};
use crate::data::CsvOptions;

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// A bundled dataset name (see `mlwb datasets`) or a path to a CSV file.
    pub dataset: String,
    /// Target column (default: the bundled dataset's, else the last column).
    #[arg(long, value_name = "COLUMN")]
    pub target: Option<String>,
    /// Field separator: one character or `tab` (default: sniffed).
    #[arg(long, value_name = "CHAR", value_parser = crate::data::parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Classification or regression (default: inferred from the target).
    #[arg(long, value_name = "classification|regression")]
    pub task: Option<crate::data::TaskKind>,
    /// Columns to treat as categories whatever their cells look like.
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    pub categorical: Vec<String>,
    /// Columns to leave out of the features.
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    pub ignore: Vec<String>,
    /// Largest file read (bytes, or with k, M, G; default 512M).
    #[arg(long, value_name = "SIZE", value_parser = crate::data::bounded::parse_size)]
    pub max_bytes: Option<u64>,
    /// Print one JSON object (name, rows, target, task, columns).
    #[arg(long)]
    pub json: bool,
}

/// The inspection as text, one line per column.
pub fn print(r: &Inspection, out: &mut dyn Write) -> std::io::Result<()> {
    for l in text_lines(r) {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

pub fn run(
    args: &InspectArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<ExitCode> {
    if let Some(limit) = args.max_bytes {
        crate::data::bounded::set_max_bytes(limit);
    }
    let opts = CsvOptions {
        task: args.task,
        target: args.target.clone(),
        delimiter: args.delimiter,
        categorical: args.categorical.clone(),
        ignore: args.ignore.clone(),
        ..CsvOptions::default()
    };
    match inspect(&args.dataset, &opts) {
        Ok(r) if args.json => {
            print_json(out, &r)?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(r) => {
            print(&r, out)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => fail(err, e, FAILED),
    }
}
