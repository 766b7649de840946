//! `mlwb bayesnet query|blanket`: inference on a discrete Bayesian network
//! (the bundled `alarm` or a YAML file of your own).

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use super::out::{fail, print_json, FAILED, USAGE};
use crate::bayesnet::{self, GibbsOptions, NetError, Network};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// Exact: sum over every assignment of the hidden variables.
    Enum,
    /// Exact: variable elimination.
    Ve,
    /// Approximate: Gibbs sampling.
    Gibbs,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Enum => "enumeration",
            Method::Ve => "variable elimination",
            Method::Gibbs => "Gibbs sampling",
        }
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum BayesnetCommand {
    /// P(query | evidence) for every state of the query variable.
    Query {
        /// A bundled network (alarm) or a YAML file (format: datasets/bayesnet_alarm.yaml).
        #[arg(long, default_value = "alarm", value_name = "NAME|FILE")]
        net: String,
        /// The variable asked about.
        #[arg(long, value_name = "NODE")]
        query: String,
        /// Observed states, NAME=STATE separated by commas (e.g. JohnCalls=true,MaryCalls=true).
        #[arg(long, default_value = "", value_name = "A=x,B=y")]
        evidence: String,
        /// enum (enumeration), ve (variable elimination) or gibbs (sampling).
        #[arg(long, value_enum, default_value_t = Method::Enum)]
        method: Method,
        /// Gibbs: sweeps counted.
        #[arg(long, default_value_t = 20_000)]
        samples: usize,
        /// Gibbs: sweeps thrown away first.
        #[arg(long, default_value_t = 500)]
        burn_in: usize,
        /// Gibbs: the random seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Print one JSON object; failures are a JSON line on stderr.
        #[arg(long)]
        json: bool,
    },
    /// The Markov blanket of a node: parents, children, children's other parents.
    Blanket {
        /// A bundled network (alarm) or a YAML file.
        #[arg(long, default_value = "alarm", value_name = "NAME|FILE")]
        net: String,
        /// The node.
        #[arg(long, value_name = "NODE")]
        node: String,
        /// Print one JSON object; failures are a JSON line on stderr.
        #[arg(long)]
        json: bool,
    },
}

impl BayesnetCommand {
    pub fn json(&self) -> bool {
        match self {
            BayesnetCommand::Query { json, .. } | BayesnetCommand::Blanket { json, .. } => *json,
        }
    }
}

#[derive(Serialize)]
struct QueryOut {
    network: String,
    query: String,
    evidence: BTreeMap<String, String>,
    method: &'static str,
    states: Vec<String>,
    probabilities: Vec<f64>,
    /// state → probability.
    distribution: BTreeMap<String, f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    elimination_order: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    largest_factor: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    samples: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    burn_in: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    /// Gibbs: the exact answer (variable elimination) and the largest gap.
    #[serde(skip_serializing_if = "Option::is_none")]
    exact: Option<Vec<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_abs_error: Option<f64>,
}

#[derive(Serialize)]
struct BlanketOut {
    network: String,
    node: String,
    parents: Vec<String>,
    children: Vec<String>,
    co_parents: Vec<String>,
    blanket: Vec<String>,
}

fn names(net: &Network, ix: &[usize]) -> Vec<String> {
    ix.iter().map(|&i| net.vars[i].name.clone()).collect()
}

/// A query's failure: a bad name is a usage error, an impossible evidence a
/// failed run.
fn query_code(e: &NetError) -> u8 {
    if e.message.contains("probability 0") || e.message.contains("stuck") {
        FAILED
    } else {
        USAGE
    }
}

pub fn run(
    cmd: &BayesnetCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<ExitCode> {
    match cmd {
        BayesnetCommand::Query {
            net,
            query,
            evidence,
            method,
            samples,
            burn_in,
            seed,
            json,
        } => {
            let n = match bayesnet::load(net) {
                Ok(n) => n,
                Err(e) => return fail(err, e, FAILED),
            };
            let parsed = n
                .var(query)
                .and_then(|q| n.parse_evidence(evidence).map(|e| (q, e)));
            let (q, ev) = match parsed {
                Ok(x) => x,
                Err(e) => return fail(err, e, USAGE),
            };
            let mut o = QueryOut {
                network: n.name.clone(),
                query: n.vars[q].name.clone(),
                evidence: ev
                    .iter()
                    .map(|&(v, s)| (n.vars[v].name.clone(), n.vars[v].states[s].clone()))
                    .collect(),
                method: match method {
                    Method::Enum => "enum",
                    Method::Ve => "ve",
                    Method::Gibbs => "gibbs",
                },
                states: n.vars[q].states.clone(),
                probabilities: Vec::new(),
                distribution: BTreeMap::new(),
                elimination_order: None,
                largest_factor: None,
                samples: None,
                burn_in: None,
                seed: None,
                exact: None,
                max_abs_error: None,
            };
            let result = match method {
                Method::Enum => bayesnet::enumerate(&n, q, &ev),
                Method::Ve => bayesnet::variable_elimination(&n, q, &ev).map(|r| {
                    o.elimination_order = Some(names(&n, &r.order));
                    o.largest_factor = Some(r.largest_factor);
                    r.distribution
                }),
                Method::Gibbs => {
                    if *samples == 0 {
                        return fail(err, "--samples must be at least 1", USAGE);
                    }
                    let opts = GibbsOptions {
                        samples: *samples,
                        burn_in: *burn_in,
                        seed: *seed,
                    };
                    bayesnet::variable_elimination(&n, q, &ev).and_then(|exact| {
                        let g = bayesnet::gibbs(&n, q, 0, &ev, opts, |_| true)?;
                        o.samples = Some(*samples);
                        o.burn_in = Some(*burn_in);
                        o.seed = Some(*seed);
                        o.max_abs_error = Some(
                            g.distribution
                                .iter()
                                .zip(&exact.distribution)
                                .map(|(a, b)| (a - b).abs())
                                .fold(0.0, f64::max),
                        );
                        o.exact = Some(exact.distribution);
                        Ok(g.distribution)
                    })
                }
            };
            let dist = match result {
                Ok(d) => d,
                Err(e) => {
                    let code = query_code(&e);
                    return fail(err, e, code);
                }
            };
            o.distribution = o.states.iter().cloned().zip(dist.iter().copied()).collect();
            o.probabilities = dist;
            if *json {
                print_json(out, &o)?;
            } else {
                let given: Vec<String> =
                    o.evidence.iter().map(|(k, v)| format!("{k}={v}")).collect();
                writeln!(
                    out,
                    "P({} | {}) by {} on `{}`:",
                    o.query,
                    if given.is_empty() {
                        "no evidence".to_string()
                    } else {
                        given.join(", ")
                    },
                    method.name(),
                    o.network
                )?;
                let w = o
                    .states
                    .iter()
                    .map(|s| crate::text::width(s))
                    .max()
                    .unwrap_or(0);
                for (i, (s, p)) in o.states.iter().zip(&o.probabilities).enumerate() {
                    let exact = o
                        .exact
                        .as_ref()
                        .and_then(|e| e.get(i))
                        .map(|x| format!("   (exact {x:.6})"))
                        .unwrap_or_default();
                    writeln!(
                        out,
                        "  {s}{}  {p:.6}{exact}",
                        " ".repeat(w - crate::text::width(s))
                    )?;
                }
                if let Some(order) = &o.elimination_order {
                    writeln!(
                        out,
                        "eliminated: {} (largest factor {} entries)",
                        if order.is_empty() {
                            "nothing".to_string()
                        } else {
                            order.join(", ")
                        },
                        o.largest_factor.unwrap_or(0)
                    )?;
                }
                if let (Some(s), Some(e)) = (o.samples, o.max_abs_error) {
                    writeln!(
                        out,
                        "{s} samples after {} burn-in sweeps, seed {}: largest gap to the exact answer {e:.4}",
                        o.burn_in.unwrap_or(0),
                        o.seed.unwrap_or(0)
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        BayesnetCommand::Blanket { net, node, json } => {
            let n = match bayesnet::load(net) {
                Ok(n) => n,
                Err(e) => return fail(err, e, FAILED),
            };
            let v = match n.var(node) {
                Ok(v) => v,
                Err(e) => return fail(err, e, USAGE),
            };
            let children = n.children(v);
            let mut co: Vec<usize> = children
                .iter()
                .flat_map(|&c| n.vars[c].parents.iter().copied())
                .filter(|&p| p != v && !n.vars[v].parents.contains(&p))
                .collect();
            co.sort_unstable();
            co.dedup();
            let o = BlanketOut {
                network: n.name.clone(),
                node: n.vars[v].name.clone(),
                parents: names(&n, &n.vars[v].parents),
                children: names(&n, &children),
                co_parents: names(&n, &co),
                blanket: names(&n, &bayesnet::markov_blanket(&n, v)),
            };
            if *json {
                print_json(out, &o)?;
            } else {
                let list = |v: &[String]| {
                    if v.is_empty() {
                        "none".to_string()
                    } else {
                        v.join(", ")
                    }
                };
                writeln!(out, "Markov blanket of {} in `{}`:", o.node, o.network)?;
                writeln!(out, "  parents:                  {}", list(&o.parents))?;
                writeln!(out, "  children:                 {}", list(&o.children))?;
                writeln!(out, "  children's other parents: {}", list(&o.co_parents))?;
                writeln!(out, "  blanket:                  {}", list(&o.blanket))?;
                writeln!(
                    out,
                    "Given these {} variable(s), {} is independent of every other variable.",
                    o.blanket.len(),
                    o.node
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
