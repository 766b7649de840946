//! The experiment subcommands: `datasets`, `algos`, `run`.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use super::out::{fail, print_json, FAILED, USAGE};
use crate::data::{manifest, CsvOptions};
use crate::experiment::{self, Config, Event, Report};
use crate::registry::{self, AlgoSpec, ParamKind};

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Algorithm name (see `mlwb algos`).
    #[arg(long)]
    pub algo: String,
    /// A bundled dataset name (see `mlwb datasets`) or a path to a CSV file.
    /// Labs (task lab in `mlwb algos`) run without it, on their own data.
    #[arg(long)]
    pub dataset: Option<String>,
    /// Target column of a CSV (default: the last column).
    #[arg(long, value_name = "COLUMN")]
    pub target: Option<String>,
    /// Feature columns to use, comma-separated (default: all but the target).
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    pub features: Option<Vec<String>>,
    /// Field separator of a CSV: one character (`,` `;` `|`) or `tab`
    /// (default: sniffed from the header line among `,`, `;` and tab).
    #[arg(long, value_name = "CHAR", value_parser = crate::data::parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Classification or regression (default: inferred from the target:
    /// numbers with a fraction or more than 20 distinct values mean regression).
    #[arg(long, value_name = "classification|regression")]
    pub task: Option<crate::data::TaskKind>,
    /// What to do with missing values: refuse (default), drop the rows, or
    /// fill them with statistics of the training rows (auto: median for
    /// numbers, most frequent level otherwise).
    #[arg(
        long,
        default_value = "refuse",
        value_name = "refuse|drop|mean|median|most-frequent|auto"
    )]
    pub missing: crate::data::Missing,
    /// Add a 0/1 column per feature that has missing cells.
    #[arg(long)]
    pub missing_indicator: bool,
    /// Columns to one-hot encode as categories whatever their cells look like.
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    pub categorical: Vec<String>,
    /// How categorical columns become numbers: one 0/1 column per level
    /// (onehot), one column of codes over the sorted training levels with -1
    /// for a level unseen in training (ordinal), or auto: ordinal for tree
    /// models (decision-tree, random-forest, gbdt, adaboost), one-hot for the
    /// rest.
    #[arg(long, default_value = "auto", value_name = "onehot|ordinal|auto")]
    pub encode: crate::experiment::Encode,
    /// Columns to leave out of the features (e.g. an id or a name).
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    pub ignore: Vec<String>,
    /// Largest file read (bytes, or with k, M, G; default 512M).
    #[arg(long, value_name = "SIZE", value_parser = crate::data::bounded::parse_size)]
    pub max_bytes: Option<u64>,
    /// Fit on all of --dataset and write predictions for this unlabelled
    /// CSV (same feature columns) to --out.
    #[arg(long, value_name = "FILE", requires = "out")]
    pub predict: Option<String>,
    /// Where --predict writes its submission CSV (written whole or not at all).
    #[arg(long, value_name = "FILE", requires = "predict")]
    pub out: Option<std::path::PathBuf>,
    /// The id column of the --predict file (default: its first column when
    /// that is unique per row).
    #[arg(long, value_name = "COLUMN", requires = "predict")]
    pub id: Option<String>,
    /// With --predict: write class probabilities, one column per class.
    #[arg(long, requires = "predict")]
    pub proba: bool,
    /// A hyper-parameter, k=v; repeat for several (see `mlwb algos`).
    #[arg(long = "param", value_name = "K=V")]
    pub params: Vec<String>,
    /// Scale features first (fitted on the training rows only).
    #[arg(long, value_name = "standard|minmax|maxabs|normalize")]
    pub scale: Option<crate::data::scale::Scale>,
    /// Text corpora: TF-IDF weights or raw counts.
    #[arg(long, default_value = "tfidf", value_name = "tfidf|counts")]
    pub text: crate::experiment::TextFeatures,
    /// Text corpora: word n-gram lengths MIN,MAX (scikit-learn's ngram_range).
    #[arg(long, default_value = "1,1", value_name = "MIN,MAX", value_parser = crate::data::text::parse_ngram_range)]
    pub ngram_range: (usize, usize),
    /// Text corpora: keep words in at least this many training documents
    /// (a whole number) or this share of them (0.0-1.0).
    #[arg(long, default_value = "1", value_name = "N|SHARE")]
    pub min_df: crate::data::text::DocFreq,
    /// Text corpora: drop words in more than this many training documents
    /// (a whole number) or this share of them (0.0-1.0).
    #[arg(long, default_value = "1.0", value_name = "N|SHARE")]
    pub max_df: crate::data::text::DocFreq,
    /// Random seed (split, initialisation, bootstrap).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Share of rows held out for testing (stratified).
    #[arg(long, default_value_t = 0.25)]
    pub test_size: f64,
    /// Fit on all of --dataset and evaluate on this held-out file (same
    /// format as the dataset) instead of a split.
    #[arg(long, value_name = "FILE")]
    pub test: Option<String>,
    /// Also run stratified k-fold cross-validation with K folds.
    #[arg(long, value_name = "K")]
    pub cv: Option<usize>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn datasets(json: bool, out: &mut dyn Write) -> std::io::Result<()> {
    if json {
        return print_json(out, manifest());
    }
    for d in manifest() {
        writeln!(
            out,
            "{:<17} {:<10} {:>5} rows x {:<5} {:<19} {}",
            d.name, d.kind, d.rows, d.features, d.task, d.licence
        )?;
        writeln!(out, "{:17} {}", "", d.description)?;
    }
    Ok(())
}

pub fn algos(json: bool, out: &mut dyn Write) -> std::io::Result<()> {
    if json {
        /// A spec and every task it serves (`task` is its first).
        #[derive(serde::Serialize)]
        struct Entry {
            #[serde(flatten)]
            spec: &'static AlgoSpec,
            tasks: Vec<registry::Task>,
        }
        let specs: Vec<Entry> = registry::REGISTRY
            .iter()
            .map(|r| Entry {
                spec: r.spec,
                tasks: r.tasks(),
            })
            .collect();
        return print_json(out, &specs);
    }
    for r in registry::REGISTRY {
        let a = r.spec;
        let imp = match a.implementation {
            crate::registry::Implementation::Own => "own",
            crate::registry::Implementation::Linfa => "linfa",
        };
        let task = r
            .tasks()
            .into_iter()
            .filter_map(|t| serde_json::to_value(t).ok())
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect::<Vec<_>>()
            .join("+");
        writeln!(
            out,
            "{:<20} {} [{imp}, {task}] topics: {}",
            a.name,
            a.title,
            a.topics.join(", ")
        )?;
        for p in a.params {
            let range = match p.kind {
                ParamKind::Int { min, max } => format!("int {min}..={max}"),
                ParamKind::Float {
                    min,
                    max,
                    min_exclusive,
                } => {
                    format!(
                        "number {}{min}..={max}",
                        if min_exclusive { ">" } else { "" }
                    )
                }
                ParamKind::Choice { options } => options.join("|"),
                ParamKind::Text { max_chars } => format!("text ≤{max_chars} chars"),
            };
            writeln!(
                out,
                "    {:<18} = {:<6} {:<24} {}",
                p.name, p.default, range, p.help
            )?;
        }
    }
    Ok(())
}

fn config(args: &RunArgs) -> Result<Config, String> {
    let mut params = Vec::new();
    for p in &args.params {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| format!("--param `{p}`: expected NAME=VALUE"))?;
        params.push((k.trim().to_string(), v.trim().to_string()));
    }
    // Labs make or choose their own data; everything else needs a dataset.
    // An unknown algorithm is left for `experiment::run` to name.
    let dataset = match (&args.dataset, registry::find(&args.algo)) {
        (Some(d), _) => d.clone(),
        (None, Some(spec)) if spec.task != registry::Task::Lab => {
            return Err(format!(
                "`{}` needs a dataset: add --dataset NAME (see `mlwb datasets`) or a CSV path",
                spec.name
            ))
        }
        (None, _) => String::new(),
    };
    Ok(Config {
        algo: args.algo.clone(),
        dataset,
        csv: CsvOptions {
            task: args.task,
            target: args.target.clone(),
            features: args.features.clone(),
            missing: args.missing,
            delimiter: args.delimiter,
            missing_indicator: args.missing_indicator,
            categorical: args.categorical.clone(),
            ignore: args.ignore.clone(),
        },
        params,
        scale: args.scale,
        encode: args.encode,
        seed: args.seed,
        test_size: args.test_size,
        cv: args.cv,
        text: args.text,
        ngram_range: args.ngram_range,
        min_df: args.min_df,
        max_df: args.max_df,
        split: None,
        test_file: args.test.clone(),
    })
}

pub fn run(args: &RunArgs, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<ExitCode> {
    let config = match config(args) {
        Ok(c) => c,
        Err(e) => return fail(err, e, USAGE),
    };
    if let Some(limit) = args.max_bytes {
        crate::data::bounded::set_max_bytes(limit);
    }
    if let (Some(predict), Some(path)) = (&args.predict, &args.out) {
        return submit(args, &config, predict, path, out, err);
    }
    let cancel = AtomicBool::new(false);
    // On a terminal, one status line on stderr while the run loads and
    // fits (stdout, which carries the report or the JSON, is untouched).
    let mut status = Status::new(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let result = experiment::run(&config, &mut |e| status.event(&e), &cancel);
    status.clear();
    match result {
        Ok(report) => {
            if args.json {
                print_json(out, &report)?;
            } else {
                print_report(&report, out)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => fail(err, e, FAILED),
    }
}

/// The live status line of a run on a terminal's stderr: the stage, the
/// share of the file loaded, the fit's step; redrawn at most ten times a
/// second and erased when the run ends.
struct Status {
    on: bool,
    stage: String,
    shown: Option<std::time::Instant>,
}

impl Status {
    fn new(on: bool) -> Status {
        Status {
            on,
            stage: String::new(),
            shown: None,
        }
    }

    fn event(&mut self, e: &Event) {
        if !self.on {
            return;
        }
        let line = match e {
            Event::Stage(s) => {
                self.stage = s.clone();
                self.shown = None;
                s.clone()
            }
            Event::Loading { done, total } if *total > 0 => format!(
                "{} {:.0}% ({:.1} of {:.1} MB)",
                self.stage,
                *done as f64 * 100.0 / *total as f64,
                *done as f64 / 1e6,
                *total as f64 / 1e6
            ),
            Event::Progress(step) => format!(
                "fitting {}/{} {} {:.5}",
                step.iter, step.total, step.metric, step.value
            ),
            _ => return,
        };
        let now = std::time::Instant::now();
        if self
            .shown
            .is_some_and(|t| now.duration_since(t).as_millis() < 100)
        {
            return;
        }
        self.shown = Some(now);
        let width = match crossterm::terminal::size() {
            Ok((w, _)) if w >= 20 => usize::from(w),
            _ => 80,
        };
        let line = crate::text::truncate(&line, width.saturating_sub(1));
        eprint!("\r\x1b[K{line}");
    }

    fn clear(&mut self) {
        if self.on && self.shown.is_some() {
            eprint!("\r\x1b[K");
        }
    }
}

/// A history value: counts (a tree's leaves, a forest's trees) as integers,
/// losses and scores with six decimals.
fn submit(
    args: &RunArgs,
    config: &Config,
    predict: &str,
    path: &std::path::Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<ExitCode> {
    match experiment::heldout::predict_file(config, predict, path, args.id.as_deref(), args.proba) {
        Ok(s) if args.json => {
            print_json(out, &s)?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(s) => {
            writeln!(
                out,
                "wrote {} rows to {} ({}), {} fitted on all {} rows of {}",
                s.rows,
                s.out,
                s.header.join(","),
                s.algo,
                s.n_train,
                s.dataset
            )?;
            for n in &s.notes {
                writeln!(out, "  note: {n}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => fail(err, e.to_string(), FAILED),
    }
}

fn history_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.6}")
    }
}

/// A precision / recall / F1 / support table, one row per class or type.
fn prf_table<'a>(
    out: &mut dyn Write,
    first: &str,
    rows: impl Iterator<Item = (&'a str, f64, f64, f64, usize)>,
) -> std::io::Result<()> {
    writeln!(
        out,
        "\n{first:<20} {:>9} {:>9} {:>9} {:>8}",
        "precision", "recall", "f1", "support"
    )?;
    for (label, p, r, f1, n) in rows {
        writeln!(out, "{label:<20} {p:>9.4} {r:>9.4} {f1:>9.4} {n:>8}")?;
    }
    Ok(())
}

pub(super) fn print_report(r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let params: Vec<String> = r.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    writeln!(out, "{} on {} ({})", r.algo, r.dataset, params.join(" "))?;
    if let Some(lab) = r.lab() {
        writeln!(out, "seed {}  took {:.3} s", r.seed, r.fit_seconds)?;
        return super::lab::print_lab(lab, out);
    }
    writeln!(
        out,
        "rows {}  features {}  train {}  test {}  seed {}{}",
        r.n_rows,
        r.n_features,
        r.n_train,
        r.n_test,
        r.seed,
        r.scale.map(|s| format!("  scale {s}")).unwrap_or_default()
    )?;
    writeln!(
        out,
        "fit {:.4} s  predict {:.4} s",
        r.fit_seconds, r.predict_seconds
    )?;
    for n in &r.notes {
        writeln!(out, "note: {n}")?;
    }
    if let Some(t) = r.classification().and_then(|c| c.text.as_deref()) {
        super::text_report::print_text_summary(t, out)?;
    }
    if let Some(t) = r.tagging() {
        let e = &t.entities;
        writeln!(
            out,
            "\ntoken accuracy {:.4}   entity micro P {:.4} R {:.4} F1 {:.4}   ({} true / {} predicted entities)",
            t.token_accuracy, e.micro.precision, e.micro.recall, e.micro.f1, e.support, e.predicted
        )?;
        let rows = e.per_type.iter().map(|m| {
            (
                m.entity_type.as_str(),
                m.precision,
                m.recall,
                m.f1,
                m.support,
            )
        });
        prf_table(out, "entity type", rows)?;
    }
    if let Some(m) = r.metrics() {
        writeln!(
            out,
            "\naccuracy {:.4}   macro F1 {:.4}   weighted F1 {:.4}",
            m.accuracy, m.macro_avg.f1, m.weighted_avg.f1
        )?;
        let rows = m
            .per_class
            .iter()
            .map(|c| (c.label.as_str(), c.precision, c.recall, c.f1, c.support));
        prf_table(out, "class", rows)?;
        let cm = &m.confusion;
        writeln!(
            out,
            "\nconfusion matrix (rows = truth, columns = predicted)"
        )?;
        let w = cm
            .labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(4, 14);
        write!(out, "{:w$} ", "")?;
        for l in &cm.labels {
            write!(out, " {:>w$}", crate::text::truncate(l, w))?;
        }
        writeln!(out)?;
        for (l, row) in cm.labels.iter().zip(&cm.counts) {
            write!(out, "{:>w$} ", crate::text::truncate(l, w))?;
            for c in row {
                write!(out, " {c:>w$}")?;
            }
            writeln!(out)?;
        }
    }
    if let Some(roc) = r.roc() {
        writeln!(out, "\nROC AUC {:.4}", roc.auc)?;
    }
    if let Some(pr) = r.pr() {
        writeln!(out, "average precision {:.4}", pr.auc)?;
    }
    if let Some(cv) = r.cv() {
        let folds: Vec<String> = cv.accuracy.iter().map(|a| format!("{a:.3}")).collect();
        writeln!(
            out,
            "\n{}-fold CV accuracy {:.4} ± {:.4}  [{}]",
            cv.folds,
            cv.mean,
            cv.std,
            folds.join(" ")
        )?;
    }
    if let Some(g) = r.regression() {
        super::regression::print_regression(g, out)?;
    }
    if let Some(c) = r.clustering() {
        writeln!(
            out,
            "\nclusters {}  inertia {:.4}  adjusted Rand index {:.4}",
            c.n_clusters, c.inertia, c.ari
        )?;
    }
    if let Some(v) = r.explained_variance_ratio() {
        let s: Vec<String> = v.iter().map(|x| format!("{x:.4}")).collect();
        writeln!(out, "\nexplained variance ratio: {}", s.join(" "))?;
    }
    if let (Some(first), Some(last)) = (r.history.first(), r.history.last()) {
        writeln!(
            out,
            "\n{}: {} (iteration {}) -> {} (iteration {})",
            last.metric,
            history_value(first.value),
            first.iter,
            history_value(last.value),
            last.iter
        )?;
    }
    Ok(())
}
