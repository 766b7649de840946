//! `mlwb segment TEXT`: Chinese word segmentation with jieba's HMM alone
//! (B/M/E/S Viterbi), or forward maximum matching for comparison.

use std::collections::HashSet;
use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use super::out::{fail, print_json, FAILED, USAGE};
use crate::seq::segment::{self, SegHmm};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SegMethod {
    /// jieba's B/M/E/S hidden Markov model, Viterbi decoding (jieba.finalseg.cut).
    Hmm,
    /// Forward maximum matching on the words of the bundled gold sample's training half.
    Fmm,
}

#[derive(Debug, clap::Args)]
pub struct SegmentArgs {
    /// The Chinese text to cut into words.
    pub text: String,
    /// hmm (jieba's HMM alone) or fmm (forward maximum matching).
    #[arg(long, value_enum, default_value_t = SegMethod::Hmm)]
    pub method: SegMethod,
    /// Print one JSON object (words, and per CJK run its B/M/E/S tags and log-probability).
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Run {
    text: String,
    tags: String,
    log_prob: f64,
}

#[derive(Serialize)]
struct Out {
    text: String,
    method: &'static str,
    words: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    runs: Vec<Run>,
    /// Characters of the text the HMM never saw in training.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unseen: Vec<String>,
}

pub fn run(a: &SegmentArgs, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<ExitCode> {
    if a.text.trim().is_empty() {
        return fail(err, "segment: the text is empty", USAGE);
    }
    let o = match a.method {
        SegMethod::Hmm => {
            let hmm = match SegHmm::bundled() {
                Ok(h) => h,
                Err(e) => return fail(err, e, FAILED),
            };
            let (words, runs) = hmm.cut(&a.text);
            let mut unseen: Vec<String> = Vec::new();
            for c in a
                .text
                .chars()
                .filter(|&c| segment::is_han(c) && !hmm.knows(c))
            {
                if !unseen.contains(&c.to_string()) {
                    unseen.push(c.to_string());
                }
            }
            Out {
                text: a.text.clone(),
                method: "hmm",
                words,
                runs: runs
                    .iter()
                    .map(|d| Run {
                        text: d.chars.iter().collect(),
                        tags: d.tags.iter().collect(),
                        log_prob: d.log_prob,
                    })
                    .collect(),
                unseen,
            }
        }
        SegMethod::Fmm => {
            let gold = match segment::gold_sample() {
                Ok(g) => g,
                Err(e) => return fail(err, e, FAILED),
            };
            let vocab: HashSet<String> = gold
                .iter()
                .take(segment::GOLD_TRAIN)
                .flatten()
                .cloned()
                .collect();
            let max_len = vocab.iter().map(|w| w.chars().count()).max().unwrap_or(1);
            Out {
                text: a.text.clone(),
                method: "fmm",
                words: segment::fmm(&a.text, &vocab, max_len),
                runs: Vec::new(),
                unseen: Vec::new(),
            }
        }
    };
    if a.json {
        print_json(out, &o)?;
    } else {
        writeln!(out, "{}", o.words.join(" / "))?;
        for r in &o.runs {
            writeln!(out, "  {}  {}  log P = {:.4}", r.text, r.tags, r.log_prob)?;
        }
        if !o.unseen.is_empty() {
            writeln!(
                out,
                "  characters the HMM never saw: {} (scored with jieba's log(0) stand-in)",
                o.unseen.join(" ")
            )?;
        }
        if a.method == SegMethod::Hmm {
            writeln!(
                out,
                "note: this is jieba's HMM alone; jieba's default cut first matches a word dictionary and uses the HMM only for unknown words"
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
