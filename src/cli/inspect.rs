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
    /// Only load the data as `run` does and report its shape (rows,
    /// features, task, classes) and the seconds the load took; no column
    /// profile. A quick check that a big file loads, and what
    /// `benches/compare_load_pandas.py` times.
    #[arg(long)]
    pub shape: bool,
}

/// What `inspect --shape` reports.
#[derive(serde::Serialize)]
struct Shape {
    name: String,
    rows: usize,
    features: usize,
    /// `classification`, `regression` or `text`.
    task: &'static str,
    classes: usize,
    load_seconds: f64,
}

fn shape(args: &InspectArgs, opts: &CsvOptions, out: &mut dyn Write) -> Result<Shape, String> {
    let t0 = std::time::Instant::now();
    let ds = crate::data::load(&args.dataset, opts).map_err(|e| e.to_string())?;
    let load_seconds = t0.elapsed().as_secs_f64();
    let s = match &ds {
        crate::data::Dataset::Table(t) => Shape {
            name: t.name.clone(),
            rows: t.n_rows(),
            features: t.n_features(),
            task: if t.values.is_some() {
                "regression"
            } else {
                "classification"
            },
            classes: t.classes.len(),
            load_seconds,
        },
        crate::data::Dataset::Text(c) => Shape {
            name: c.name.clone(),
            rows: c.texts.len(),
            features: 1,
            task: "text",
            classes: c.classes.len(),
            load_seconds,
        },
    };
    if !args.json {
        writeln!(
            out,
            "{}: {} rows, {} features, {} ({} classes), loaded in {:.3} s",
            s.name, s.rows, s.features, s.task, s.classes, s.load_seconds
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(s)
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
    if args.shape {
        return match shape(args, &opts, out) {
            Ok(s) if args.json => {
                print_json(out, &s)?;
                Ok(ExitCode::SUCCESS)
            }
            Ok(_) => Ok(ExitCode::SUCCESS),
            Err(e) => fail(err, e, FAILED),
        };
    }
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
