//! `mlwb attention`: the attention calculator lab (`mlwb run --algo
//! attention`) with its settings as flags.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use super::out::{fail, print_json, FAILED};
use crate::experiment::{self, Config, Event};

#[derive(Debug, clap::Args)]
pub struct AttentionArgs {
    /// Tokens in the example sequence.
    #[arg(long, default_value_t = 6)]
    pub seq: usize,
    /// Size of each head's queries and keys (d_model = heads · d_k).
    #[arg(long = "d-k", default_value_t = 4)]
    pub d_k: usize,
    /// Attention heads.
    #[arg(long, default_value_t = 2)]
    pub heads: usize,
    /// Which keys each query may see.
    #[arg(long, default_value = "none", value_name = "none|padding|causal")]
    pub mask: String,
    /// Padded tokens at the end (with --mask padding).
    #[arg(long, default_value_t = 2)]
    pub pad: usize,
    /// Leave out the 1/√d_k scaling of the scores.
    #[arg(long)]
    pub no_scale: bool,
    /// Seed of the random example.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(
    args: &AttentionArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<ExitCode> {
    let params = [
        ("seq", args.seq.to_string()),
        ("d_k", args.d_k.to_string()),
        ("heads", args.heads.to_string()),
        ("mask", args.mask.clone()),
        ("pad", args.pad.to_string()),
        (
            "scale",
            if args.no_scale { "no" } else { "yes" }.to_string(),
        ),
    ];
    let config = Config {
        algo: "attention".into(),
        dataset: String::new(),
        params: params
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        seed: args.seed,
        ..Default::default()
    };
    let cancel = AtomicBool::new(false);
    let mut ignore = |_: Event| {};
    match experiment::run(&config, &mut ignore, &cancel) {
        Ok(report) => {
            if args.json {
                print_json(out, &report)?;
            } else {
                super::run::print_report(&report, out)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => fail(err, e, FAILED),
    }
}
