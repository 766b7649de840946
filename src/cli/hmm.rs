//! `mlwb hmm decode|score|fit`: HMMs the user writes down, in hmmlearn's
//! terms (startprob, transmat, emissionprob).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;

use super::out::{error, fail, print_json, FAILED};
use crate::algos::{Progress, Step};
use crate::seq::hmm::Hmm;
use crate::seq::hmm_io::{self, Names};

#[derive(Debug, clap::Subcommand)]
pub enum HmmCommand {
    /// The Viterbi path of each sequence and its log-probability.
    Decode {
        #[command(flatten)]
        io: HmmIo,
        /// Also print the δ table (log) with back-pointers, for short sequences.
        #[arg(long)]
        trellis: bool,
    },
    /// The forward log-likelihood of the sequences.
    Score {
        #[command(flatten)]
        io: HmmIo,
    },
    /// Baum–Welch from an initial model: the log-likelihood per iteration
    /// and the fitted model (same file format).
    Fit {
        /// The initial model (JSON or YAML).
        #[arg(long, value_name = "FILE")]
        init: PathBuf,
        /// Observations: symbol indices (or names), one per line or comma-separated;
        /// sequences separated by blank lines or a `seq` column.
        #[arg(long, value_name = "FILE")]
        obs: PathBuf,
        /// Iterations.
        #[arg(long, default_value_t = 10)]
        iter: usize,
        /// Stop when the log-likelihood gains less than this.
        #[arg(long, default_value_t = 1e-2)]
        tol: f64,
        /// Print the history and the fitted model as one JSON object.
        #[arg(long)]
        json: bool,
    },
}

impl HmmCommand {
    /// Whether `--json` was given.
    pub fn json(&self) -> bool {
        match self {
            HmmCommand::Decode { io, .. } | HmmCommand::Score { io } => io.json,
            HmmCommand::Fit { json, .. } => *json,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct HmmIo {
    /// The model: JSON or YAML with startprob, transmat, emissionprob (optional states, symbols).
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// Observations: symbol indices (or names), one per line or comma-separated;
    /// sequences separated by blank lines or a `seq` column.
    #[arg(long, value_name = "FILE")]
    pub obs: PathBuf,
    /// Print one JSON object; failures are a JSON line on stderr.
    #[arg(long)]
    pub json: bool,
}

fn load(model: &Path, obs: &Path) -> Result<(Hmm, Names, Vec<Vec<usize>>), hmm_io::IoError> {
    let (hmm, names) = hmm_io::load_model(model)?;
    let seqs = hmm_io::load_observations(obs, Some(hmm.n_symbols()), &names)?;
    Ok((hmm, names, seqs))
}

#[derive(Serialize)]
struct Decoded {
    path: Vec<usize>,
    states: Vec<String>,
    log_prob: f64,
}

/// Longest sequence `--trellis` prints.
const TRELLIS_MAX: usize = 40;

pub fn run(
    cmd: &HmmCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<ExitCode> {
    match cmd {
        HmmCommand::Decode { io, trellis } => {
            let (hmm, names, seqs) = match load(&io.model, &io.obs) {
                Ok(x) => x,
                Err(e) => return fail(err, e, FAILED),
            };
            let mut decoded = Vec::new();
            for seq in &seqs {
                match hmm.viterbi(seq) {
                    Ok((path, log_prob)) => decoded.push(Decoded {
                        states: path.iter().map(|&s| names.state(s)).collect(),
                        path,
                        log_prob,
                    }),
                    Err(e) => return fail(err, e, FAILED),
                }
            }
            let total: f64 = decoded.iter().map(|d| d.log_prob).sum();
            if io.json {
                #[derive(Serialize)]
                struct Out<'a> {
                    sequences: &'a [Decoded],
                    path: &'a [usize],
                    log_prob: f64,
                }
                let first: &[usize] = decoded.first().map_or(&[], |d| d.path.as_slice());
                let o = Out {
                    sequences: &decoded,
                    path: first,
                    log_prob: total,
                };
                print_json(out, &o)?;
            } else {
                for (i, d) in decoded.iter().enumerate() {
                    writeln!(
                        out,
                        "sequence {} ({} steps): log P(O, path) = {:.6}",
                        i + 1,
                        d.path.len(),
                        d.log_prob
                    )?;
                    writeln!(out, "{}", d.states.join(" "))?;
                }
            }
            if *trellis {
                for (i, seq) in seqs.iter().enumerate() {
                    if seq.len() > TRELLIS_MAX {
                        error(
                            err,
                            format!(
                                "sequence {} has {} steps; --trellis prints up to {TRELLIS_MAX}",
                                i + 1,
                                seq.len()
                            ),
                        )?;
                        continue;
                    }
                    let t = match hmm.viterbi_trellis(seq) {
                        Ok(t) => t,
                        Err(e) => return fail(err, e, FAILED),
                    };
                    writeln!(out, "\nδ_t(j) = log b_j(o_t) + max_i [δ_(t−1)(i) + log a_ij], ← back-pointer ψ_t(j); * = best path")?;
                    write!(out, "{:>10}", "t / obs")?;
                    for (s, o) in seq.iter().enumerate() {
                        write!(out, "{:>14}", format!("{} / {}", s + 1, names.symbol(*o)))?;
                    }
                    writeln!(out)?;
                    for j in 0..hmm.n_states() {
                        write!(out, "{:>10}", crate::text::truncate(&names.state(j), 10))?;
                        for s in 0..seq.len() {
                            let star = if t.path[s] == j { '*' } else { ' ' };
                            let back = if s == 0 {
                                String::new()
                            } else {
                                format!("←{}", t.psi[(s, j)])
                            };
                            write!(out, "{:>14}", format!("{:.3}{back}{star}", t.delta[(s, j)]))?;
                        }
                        writeln!(out)?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        HmmCommand::Score { io } => {
            let (hmm, _, seqs) = match load(&io.model, &io.obs) {
                Ok(x) => x,
                Err(e) => return fail(err, e, FAILED),
            };
            let mut per = Vec::new();
            for seq in &seqs {
                match hmm.log_likelihood(std::slice::from_ref(seq)) {
                    Ok(l) => per.push(l),
                    Err(e) => return fail(err, e, FAILED),
                }
            }
            let total: f64 = per.iter().sum();
            if io.json {
                let o = serde_json::json!({ "log_likelihood": total, "per_sequence": per });
                print_json(out, &o)?;
            } else {
                writeln!(
                    out,
                    "log P(O | model) = {total:.6} ({} sequence(s), {} steps)",
                    seqs.len(),
                    seqs.iter().map(Vec::len).sum::<usize>()
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        HmmCommand::Fit {
            init,
            obs,
            iter,
            tol,
            json,
        } => {
            let (hmm, names, seqs) = match load(init, obs) {
                Ok(x) => x,
                Err(e) => return fail(err, e, FAILED),
            };
            if *iter == 0 {
                return fail(err, "--iter must be at least 1", FAILED);
            }
            let mut sink = |_: Step| true;
            let mut progress = Progress::new(&mut sink);
            let (fitted, history) = match hmm.baum_welch(&seqs, *iter, *tol, &mut progress) {
                Ok(x) => x,
                Err(e) => return fail(err, e, FAILED),
            };
            let final_ll = fitted.log_likelihood(&seqs).unwrap_or(f64::NAN);
            let model_json = hmm_io::model_to_json(&fitted, &names);
            if *json {
                let model: serde_json::Value =
                    serde_json::from_str(&model_json).unwrap_or(serde_json::Value::Null);
                let o = serde_json::json!({ "history": history, "log_likelihood": final_ll, "iterations": history.len(), "model": model });
                print_json(out, &o)?;
            } else {
                for (i, ll) in history.iter().enumerate() {
                    writeln!(err, "iteration {:>3}: log-likelihood {ll:.6}", i + 1)?;
                }
                writeln!(err, "final: log-likelihood {final_ll:.6}")?;
                writeln!(out, "{model_json}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
