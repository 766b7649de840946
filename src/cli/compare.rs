//! `mlwb compare`: every algorithm of the task on one dataset, the same
//! cross-validation folds for each, a table of mean ± std with the best
//! marked and the ones significantly worse than it (corrected resampled
//! t-test); `--out` writes the table as CSV or JSON.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::out::{fail, print_json, FAILED, USAGE};
use crate::data::CsvOptions;
use crate::experiment::compare::{self, AlgoRow, CompareConfig, CompareReport, CompareTask};
use crate::experiment::Config;

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// A bundled dataset name (see `mlwb datasets`) or a path to a CSV file.
    #[arg(long)]
    pub dataset: String,
    /// Folds of the cross-validation (stratified for classes).
    #[arg(long, default_value_t = 5, value_name = "K")]
    pub cv: usize,
    /// Repeats of the K-fold split (repeat r uses seed + r).
    #[arg(long, default_value_t = 2, value_name = "R")]
    pub repeats: usize,
    /// Algorithms, comma-separated (default: every algorithm of the task).
    #[arg(long, value_delimiter = ',', value_name = "A,B,...")]
    pub algos: Vec<String>,
    /// A hyper-parameter of one algorithm, ALGO.K=V; repeat for several.
    #[arg(long = "param", value_name = "ALGO.K=V")]
    pub params: Vec<String>,
    /// Seconds one algorithm may take over all its folds; past it, its row
    /// says so and the comparison goes on.
    #[arg(long, default_value_t = 120, value_name = "SECS")]
    pub budget: u64,
    /// Target column of a CSV (default: the last column).
    #[arg(long, value_name = "COLUMN")]
    pub target: Option<String>,
    /// Classification or regression (default: inferred from the target).
    #[arg(long, value_name = "classification|regression")]
    pub task: Option<crate::data::TaskKind>,
    /// Missing values: refuse (default), drop, or fill from the training rows.
    #[arg(
        long,
        default_value = "refuse",
        value_name = "refuse|drop|mean|median|most-frequent|auto"
    )]
    pub missing: crate::data::Missing,
    /// Field separator of a CSV: one character or `tab` (default: sniffed).
    #[arg(long, value_name = "CHAR", value_parser = crate::data::parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Columns to leave out of the features.
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    pub ignore: Vec<String>,
    /// Scale features first (fitted on each fold's training rows).
    #[arg(long, value_name = "standard|minmax|maxabs|normalize")]
    pub scale: Option<crate::data::scale::Scale>,
    /// Random seed (folds, initialisation, bootstrap).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also write the table to this file: .csv (one row per algorithm) or
    /// .json (the whole report); written whole or not at all.
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

fn config(a: &CompareArgs) -> Result<CompareConfig, String> {
    let mut params = Vec::new();
    for p in &a.params {
        let (lhs, v) = p
            .split_once('=')
            .ok_or_else(|| format!("--param `{p}`: expected ALGO.NAME=VALUE"))?;
        let (algo, k) = lhs.split_once('.').ok_or_else(|| {
            format!("--param `{p}`: name the algorithm too, e.g. --param knn.k=3")
        })?;
        params.push((
            algo.trim().to_string(),
            k.trim().to_string(),
            v.trim().to_string(),
        ));
    }
    if let Some(o) = &a.out {
        export_kind(o)?;
    }
    Ok(CompareConfig {
        base: Config {
            algo: String::new(),
            dataset: a.dataset.clone(),
            csv: CsvOptions {
                task: a.task,
                target: a.target.clone(),
                missing: a.missing,
                delimiter: a.delimiter,
                ignore: a.ignore.clone(),
                ..CsvOptions::default()
            },
            scale: a.scale,
            seed: a.seed,
            ..Config::default()
        },
        algos: a.algos.clone(),
        params,
        folds: a.cv,
        repeats: a.repeats,
        budget: Duration::from_secs(a.budget),
        threads: 0,
    })
}

#[derive(Clone, Copy)]
enum Export {
    Csv,
    Json,
}

fn export_kind(p: &Path) -> Result<Export, String> {
    match p.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("csv") => Ok(Export::Csv),
        Some(e) if e.eq_ignore_ascii_case("json") => Ok(Export::Json),
        _ => Err(format!(
            "--out {}: name a .csv or a .json file",
            p.display()
        )),
    }
}

pub fn run(
    args: &CompareArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<ExitCode> {
    let cfg = match config(args) {
        Ok(c) => c,
        Err(e) => return fail(err, e, USAGE),
    };
    let cancel = AtomicBool::new(false);
    let report = match compare::compare(&cfg, &|_| {}, &cancel) {
        Ok(r) => r,
        Err(e) => return fail(err, e, FAILED),
    };
    if let Some(path) = &args.out {
        if let Err(e) = write_export(&report, path) {
            return fail(err, format!("writing {}: {e}", path.display()), FAILED);
        }
    }
    if args.json {
        print_json(out, &report)?;
    } else {
        print_table(&report, out)?;
        if let Some(path) = &args.out {
            writeln!(out, "wrote {}", path.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The table as CSV: one row per algorithm.
pub fn csv_text(r: &CompareReport) -> Result<String, csv::Error> {
    let [m0, m1] = r.metrics;
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "algo".to_string(),
        "status".into(),
        format!("{m0}_mean"),
        format!("{m0}_std"),
        format!("{m1}_mean"),
        format!("{m1}_std"),
        "fit_ms".into(),
        "predict_ms".into(),
        "best".into(),
        "p_vs_best".into(),
        "worse".into(),
        "reason".into(),
        "params".into(),
    ];
    w.write_record(&header)?;
    let num = |v: f64| {
        if v.is_finite() {
            format!("{v}")
        } else {
            String::new()
        }
    };
    for row in &r.rows {
        let (status, reason) = match &row.status {
            compare::RowStatus::Ok => ("ok", String::new()),
            compare::RowStatus::Failed(s) => ("failed", s.clone()),
            compare::RowStatus::Stopped(s) => ("stopped", s.clone()),
        };
        let params: Vec<String> = row.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        w.write_record([
            row.algo.clone(),
            status.to_string(),
            num(row.mean[0]),
            num(row.std[0]),
            num(row.mean[1]),
            num(row.std[1]),
            num(row.fit_ms),
            num(row.predict_ms),
            row.best.to_string(),
            row.vs_best.as_ref().map(|t| num(t.p)).unwrap_or_default(),
            row.worse.to_string(),
            reason,
            params.join(" "),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Write the export whole or not at all (a temporary file renamed).
fn write_export(r: &CompareReport, path: &Path) -> Result<(), String> {
    let text = match export_kind(path)? {
        Export::Csv => csv_text(r).map_err(|e| e.to_string())?,
        Export::Json => serde_json::to_string_pretty(r).map_err(|e| e.to_string())? + "\n",
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| e.to_string())?;
    tmp.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    tmp.persist(path).map_err(|e| e.error.to_string())?;
    Ok(())
}

/// `0.9533 ± 0.0212`, or the metric's blank when there is no value.
fn mean_std(row: &AlgoRow, m: usize) -> String {
    if row.mean[m].is_finite() {
        format!("{:.4} ± {:.4}", row.mean[m], row.std[m])
    } else {
        "-".into()
    }
}

/// The mark column: best, worse (p), p of the others, or why a row is empty.
pub fn mark(row: &AlgoRow) -> String {
    match &row.status {
        compare::RowStatus::Failed(_) => "failed".into(),
        compare::RowStatus::Stopped(_) => "stopped".into(),
        compare::RowStatus::Ok if row.best => "best".into(),
        compare::RowStatus::Ok => match &row.vs_best {
            Some(t) if row.worse => format!("worse ({})", p_text(t.p)),
            Some(t) => p_text(t.p),
            None => String::new(),
        },
    }
}

/// `p=0.553`, or `p<0.001` below that.
pub fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p<0.001".into()
    } else {
        format!("p={p:.3}")
    }
}

pub fn print_table(r: &CompareReport, out: &mut dyn Write) -> std::io::Result<()> {
    let label = |m: &str| {
        match m {
            "accuracy" => "accuracy",
            "macro_f1" => "macro-F1",
            "r2" => "R²",
            "rmse" => "RMSE",
            o => o,
        }
        .to_string()
    };
    let task = match r.task {
        CompareTask::Classification => format!("{} classes", r.n_classes),
        CompareTask::Regression => "regression".to_string(),
    };
    writeln!(
        out,
        "{} ({} rows, {task}): {}-fold CV × {} repeat{}, seed {}{}",
        r.dataset,
        r.n_rows,
        r.folds,
        r.repeats,
        if r.repeats == 1 { "" } else { "s" },
        r.seed,
        r.scale
            .map(|s| format!(", {s} scaling"))
            .unwrap_or_default()
    )?;
    writeln!(
        out,
        "{:<20} {:>17} {:>17} {:>9} {:>9}  vs best (corrected t-test, α={})",
        "algorithm",
        label(r.metrics[0]),
        label(r.metrics[1]),
        "fit ms",
        "pred ms",
        r.alpha
    )?;
    let ms = |v: f64| {
        if v.is_finite() {
            format!("{v:.1}")
        } else {
            "-".into()
        }
    };
    for row in &r.rows {
        writeln!(
            out,
            "{:<20} {:>17} {:>17} {:>9} {:>9}  {}",
            crate::text::truncate(&row.algo, 20),
            mean_std(row, 0),
            mean_std(row, 1),
            ms(row.fit_ms),
            ms(row.predict_ms),
            mark(row)
        )?;
    }
    for row in &r.rows {
        match &row.status {
            compare::RowStatus::Ok => {}
            compare::RowStatus::Failed(s) | compare::RowStatus::Stopped(s) => {
                writeln!(out, "  {}: {s}", row.algo)?;
            }
        }
    }
    Ok(())
}
