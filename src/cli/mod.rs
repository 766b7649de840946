//! The command line: clap definitions and the dispatch to the
//! non-interactive subcommands. Each subcommand lives in its own file
//! (`run`, `hmm`, `quiz`); what they share is in `out`. Imports go one way:
//! this file uses the subcommands, they never use it.

pub mod arch;
pub mod attention;
pub mod bayesnet;
pub mod compare;
pub mod hmm;
pub mod inspect;
pub mod interview;
pub mod lab;
pub mod out;
pub mod quiz;
pub mod regression;
pub mod run;
pub mod segment;
pub mod text_report;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde::Serialize;

use self::out::{error, print_json};
use crate::content::{note, Library, Reference, Title, TopicSource};
use crate::settings::{self, Lang};

#[derive(Debug, Parser)]
#[command(
    name = "mlwb",
    version,
    about = "A terminal study workbench for machine learning",
    long_about = "A terminal study workbench for machine learning.\n\nWith no subcommand, opens the interactive reader (TUI)."
)]
pub struct Cli {
    /// Read topics from this directory (or single YAML file) instead of the
    /// bundled knowledge map (the reader; also accepted by the commands that
    /// read topics: topics, show, check, quiz).
    #[arg(long, value_name = "DIR")]
    pub topics: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `--topics` on the commands that read the knowledge map.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TopicsArg {
    /// Read topics from this directory (or single YAML file) instead of the
    /// bundled knowledge map.
    #[arg(long = "topics", value_name = "DIR")]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the topic tree.
    Topics {
        /// Print a JSON array (id, parent, title, refs, words, ...).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        src: TopicsArg,
        /// Titles in one language (zh or en) or both (the default).
        #[arg(long, value_name = "zh|en|both")]
        lang: Option<Lang>,
    },
    /// Print one topic's note as plain text, formulas rendered as Unicode.
    Show {
        /// The topic id (see `mlwb topics`).
        id: String,
        /// Wrap lines at this many columns.
        #[arg(long, default_value_t = 80)]
        width: usize,
        /// Language of the note: zh, en or both (default: the saved
        /// setting, else the locale).
        #[arg(long, value_name = "zh|en|both")]
        lang: Option<Lang>,
        #[command(flatten)]
        src: TopicsArg,
    },
    /// Validate all content; print each problem as file:line:col: message.
    /// Exit status 1 if any error was found.
    Check {
        #[command(flatten)]
        src: TopicsArg,
    },
    /// List the bundled datasets (name, task, size, source, licence).
    Datasets {
        /// Print a JSON array (the manifest: name, kind, rows, features, task, source, licence).
        #[arg(long)]
        json: bool,
    },
    /// List the algorithms with their parameters, defaults and valid ranges.
    Algos {
        /// Print a JSON array (name, title, task, topics, params with kind, default and range).
        #[arg(long)]
        json: bool,
    },
    /// Run an algorithm on a dataset and print its metrics.
    Run(Box<run::RunArgs>),
    /// Every algorithm of the task on one dataset: the same CV folds for
    /// each, mean ± std, time, the best and the significantly worse ones.
    Compare(Box<compare::CompareArgs>),
    /// Each column of a table: its kind (numeric, categorical, boolean,
    /// date, text, id), missing cells, levels, range and a histogram.
    Inspect(inspect::InspectArgs),
    /// Quiz cards: list them, show one, check an answer.
    Quiz {
        #[command(flatten)]
        args: Box<quiz::QuizArgs>,
        #[command(flatten)]
        src: TopicsArg,
    },
    /// Shapes, parameters and multiply-adds of a known network, layer by
    /// layer (vgg16, resnet50, bert-base, ...).
    Arch(arch::ArchArgs),
    /// The attention calculator: scaled dot-product and multi-head attention
    /// step by step on a seeded example (`mlwb run --algo attention`).
    Attention(attention::AttentionArgs),
    /// Hidden Markov models you write down: decode, score, fit (Baum–Welch).
    #[command(subcommand)]
    Hmm(hmm::HmmCommand),
    /// Bayesian networks: P(query | evidence) by enumeration, variable
    /// elimination or Gibbs sampling; Markov blankets.
    #[command(subcommand)]
    Bayesnet(bayesnet::BayesnetCommand),
    /// Cut Chinese text into words with jieba's HMM (B/M/E/S Viterbi) or
    /// forward maximum matching.
    Segment(segment::SegmentArgs),
    /// Render the first TUI frame off-screen and exit (used to time start-up).
    #[command(hide = true)]
    FirstFrame,
}

impl Command {
    /// The command's own `--topics`, or `None` for the commands that do not
    /// read topics (their `Err` names them for the message).
    fn topics(&self) -> Result<Option<&PathBuf>, &'static str> {
        match self {
            Command::Topics { src, .. }
            | Command::Show { src, .. }
            | Command::Check { src }
            | Command::Quiz { src, .. } => Ok(src.path.as_ref()),
            Command::FirstFrame => Ok(None),
            Command::Datasets { .. } => Err("datasets"),
            Command::Algos { .. } => Err("algos"),
            Command::Run(_) => Err("run"),
            Command::Compare(_) => Err("compare"),
            Command::Inspect(_) => Err("inspect"),
            Command::Hmm(_) => Err("hmm"),
            Command::Arch(_) => Err("arch"),
            Command::Attention(_) => Err("attention"),
            Command::Bayesnet(_) => Err("bayesnet"),
            Command::Segment(_) => Err("segment"),
        }
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return usage_error(&e, std::env::args().any(|a| a == "--json")),
    };
    // `--topics` before the subcommand or after it; only where topics are read.
    let topics = match cli.command.as_ref().map(Command::topics) {
        None => cli.topics.clone(),
        Some(Ok(own)) => own.or(cli.topics.as_ref()).cloned(),
        Some(Err(name)) => {
            if cli.topics.is_some() {
                let _ = error(
                    &mut std::io::stderr(),
                    format!("--topics: `{name}` does not read topics (only the reader, topics, show, check and quiz do)"),
                );
                return ExitCode::from(out::USAGE);
            }
            None
        }
    };
    let source = match &topics {
        Some(p) => TopicSource::Path(p),
        None => TopicSource::Bundled,
    };
    // The reader on the bundled map starts without the content checks
    // (they run when the problems list is opened); a user's own topics are
    // checked at once so the status line counts their errors.
    let reader_lib = |source: TopicSource<'_>| match source {
        TopicSource::Bundled => Library::load_deferred(source),
        TopicSource::Path(_) => Library::load(source),
    };
    match cli.command {
        None => match crate::tui::run(reader_lib(source)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                let _ = error(&mut std::io::stderr(), format!("{e:#}"));
                ExitCode::FAILURE
            }
        },
        Some(Command::FirstFrame) => {
            let lib = reader_lib(source);
            crate::tui::first_frame_headless(lib, 120, 40);
            ExitCode::SUCCESS
        }
        Some(cmd) => {
            let lib = if cmd.topics().is_ok() {
                Library::load(source)
            } else {
                Library::default()
            };
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            let code = run_command(&lib, cmd, &mut out, &mut std::io::stderr());
            let _ = out.flush();
            code
        }
    }
}

/// A command line clap refused (or `--help`/`--version`): clap's own text
/// and exit status; under `--json` a failure is a [`out::JsonError`] line.
fn usage_error(e: &clap::Error, json: bool) -> ExitCode {
    use clap::error::ErrorKind;
    let failure = !matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    let code = u8::try_from(e.exit_code()).unwrap_or(out::USAGE);
    if json && failure {
        let text = e.render().to_string();
        // clap's first line is `error: …`; the usage lines after it are for people.
        let first = text.lines().next().unwrap_or_default();
        let message = first.strip_prefix("error: ").unwrap_or(first).to_string();
        let j = out::JsonError {
            error: message,
            file: None,
            line: None,
            column: None,
            code,
        };
        if let Ok(s) = serde_json::to_string(&j) {
            eprintln!("{s}");
        }
        return ExitCode::from(code);
    }
    let _ = e.print();
    ExitCode::from(code)
}

/// Whether the command was given `--json` (its failures are JSON then).
fn wants_json(cmd: &Command) -> bool {
    match cmd {
        Command::Topics { json, .. } | Command::Datasets { json } | Command::Algos { json } => {
            *json
        }
        Command::Run(a) => a.json,
        Command::Compare(a) => a.json,
        Command::Inspect(a) => a.json,
        Command::Quiz { args, .. } => args.json,
        Command::Hmm(h) => h.json(),
        Command::Arch(a) => a.json,
        Command::Attention(a) => a.json,
        Command::Bayesnet(b) => b.json(),
        Command::Segment(s) => s.json,
        Command::Show { .. } | Command::Check { .. } | Command::FirstFrame => false,
    }
}

#[derive(Serialize)]
struct TopicJson<'a> {
    id: &'a str,
    parent: Option<&'a str>,
    title: &'a Title,
    refs: &'a [Reference],
    words: usize,
    depth: usize,
    children: Vec<&'a str>,
    formulas: usize,
    file: &'a str,
    line: usize,
}

/// Run a non-interactive subcommand, writing to `out` and `err`.
pub fn run_command(
    lib: &Library,
    cmd: Command,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    let _json = out::json_errors(wants_json(&cmd));
    let result = (|| -> std::io::Result<ExitCode> {
        match cmd {
            Command::Check { .. } => {
                for p in &lib.problems {
                    writeln!(out, "{p}")?;
                }
                let errors = lib.errors().count();
                let warnings = lib.problems.len() - errors;
                writeln!(
                    err,
                    "{} topics, {} error(s), {} warning(s)",
                    lib.topics.len(),
                    errors,
                    warnings
                )?;
                Ok(if errors > 0 || lib.topics.is_empty() {
                    ExitCode::from(1)
                } else {
                    ExitCode::SUCCESS
                })
            }
            Command::Topics { json, lang, .. } => {
                report_skipped(lib, err)?;
                if json {
                    let items: Vec<TopicJson> = lib
                        .walk()
                        .into_iter()
                        .map(|(i, depth)| {
                            let t = &lib.topics[i];
                            TopicJson {
                                id: &t.id,
                                parent: t.parent_index.map(|p| lib.topics[p].id.as_str()),
                                title: &t.title,
                                refs: &t.refs,
                                words: t.words(),
                                depth,
                                children: t
                                    .children
                                    .iter()
                                    .map(|&c| lib.topics[c].id.as_str())
                                    .collect(),
                                formulas: t.formulas.len(),
                                file: &t.source.file,
                                line: t.source.line,
                            }
                        })
                        .collect();
                    print_json(out, &items)?;
                } else {
                    for (i, depth) in lib.walk() {
                        let t = &lib.topics[i];
                        let title = match lang {
                            Some(Lang::Zh) => t.title.zh.clone(),
                            Some(Lang::En) => t.title.en.clone(),
                            Some(Lang::Both) | None => format!("{} · {}", t.title.zh, t.title.en),
                        };
                        writeln!(
                            out,
                            "{}{}  {title}  ({} words, {} refs)",
                            "  ".repeat(depth),
                            t.id,
                            t.words(),
                            t.refs.len()
                        )?;
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            Command::Show {
                id, width, lang, ..
            } => {
                report_skipped(lib, err)?;
                let (lang, notices) = settings::resolve_lang(lang, None);
                for n in notices {
                    writeln!(err, "mlwb: {n}")?;
                }
                match lib.get(&id) {
                    Some(t) => {
                        write!(out, "{}", note::plain(lib, t, width.max(20), lang))?;
                        Ok(ExitCode::SUCCESS)
                    }
                    None => {
                        let near: Vec<&str> = lib
                            .topics
                            .iter()
                            .filter(|t| t.id.contains(&id) || id.contains(&t.id))
                            .map(|t| t.id.as_str())
                            .take(5)
                            .collect();
                        write!(err, "mlwb: no topic with id `{id}`")?;
                        if near.is_empty() {
                            writeln!(err, " (list them with `mlwb topics`)")?;
                        } else {
                            writeln!(err, "; did you mean: {}?", near.join(", "))?;
                        }
                        Ok(ExitCode::from(2))
                    }
                }
            }
            Command::Datasets { json } => {
                run::datasets(json, out)?;
                Ok(ExitCode::SUCCESS)
            }
            Command::Algos { json } => {
                run::algos(json, out)?;
                Ok(ExitCode::SUCCESS)
            }
            Command::Run(args) => run::run(&args, out, err),
            Command::Compare(args) => compare::run(&args, out, err),
            Command::Inspect(args) => inspect::run(&args, out, err),
            Command::Hmm(cmd) => hmm::run(&cmd, out, err),
            Command::Arch(args) => arch::run(&args, out, err),
            Command::Attention(args) => attention::run(&args, out, err),
            Command::Bayesnet(cmd) => bayesnet::run(&cmd, out, err),
            Command::Segment(args) => segment::run(&args, out, err),
            Command::Quiz { args, .. } => quiz::run(lib, &args, out, err),
            Command::FirstFrame => Ok(ExitCode::SUCCESS),
        }
    })();
    match result {
        Ok(code) => code,
        // A closed pipe (e.g. `mlwb topics | head`) is not worth a panic.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => match out::fail(err, e.to_string(), out::FAILED) {
            Ok(code) => code,
            Err(_) => ExitCode::FAILURE,
        },
    }
}

/// Non-check commands still say when content was skipped, on stderr.
fn report_skipped(lib: &Library, err: &mut dyn Write) -> std::io::Result<()> {
    let errors: Vec<_> = lib.errors().collect();
    if !errors.is_empty() {
        error(
            err,
            format!(
                "{} problem(s) in the topics (run `mlwb check`); first: {}",
                errors.len(),
                errors[0]
            ),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every flag of every subcommand says what it does in `--help`.
    #[test]
    fn every_flag_has_help_text() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for a in cmd.get_arguments() {
                let id = a.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                if a.get_help().is_none() && a.get_long_help().is_none() {
                    missing.push(format!("{path} --{id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "mlwb", &mut missing);
        assert!(missing.is_empty(), "flags without help: {missing:?}");
    }
}
