//! The `bayesnet` lab: one query on a discrete Bayesian network (the
//! bundled burglary/alarm network, or a YAML file given as the dataset),
//! answered exactly by enumeration and by variable elimination, then by
//! three Gibbs chains whose running estimates are drawn against the number
//! of samples, converging to the exact value. The Markov blanket of a
//! chosen node is listed and drawn (a row over the nodes: the node, its
//! blanket, the rest).
//!
//! Notes this demonstrates: `probabilistic-graphical-models` (a joint
//! distribution factorised along a DAG; exact and sampling inference) and
//! `markov-blanket` (given its blanket a node is independent of the rest,
//! which is what makes each Gibbs step local).

use super::{bi, Cell, Heatmap, LabContext, LabError, LabOutcome, RunLab, Table};
use crate::algos::algorithm::{
    int, text, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues, Task,
};
use crate::bayesnet::{self, GibbsOptions, NetError, Network};

pub const QUERY: ParamSpec = text("query", 60, "Burglary", "the variable asked about");
pub const EVIDENCE: ParamSpec = text(
    "evidence",
    300,
    "JohnCalls=true,MaryCalls=true",
    "observed states, NAME=STATE separated by commas (empty: none)",
);
pub const NODE: ParamSpec = text(
    "node",
    60,
    "Alarm",
    "the node whose Markov blanket is shown",
);
pub const SAMPLES: ParamSpec = int(
    "samples",
    100,
    1_000_000,
    "20000",
    "Gibbs sweeps counted per chain",
);
pub const BURN_IN: ParamSpec = int(
    "burn_in",
    0,
    100_000,
    "500",
    "Gibbs sweeps thrown away first",
);

/// Independent Gibbs chains (seeds seed, seed+1, ...).
const CHAINS: usize = 3;
const PGM: &str = "probabilistic-graphical-models";
const BLANKET: &str = "markov-blanket";

/// The lab in the registry.
pub struct BayesNetLab;

/// Typed parameters of [`BayesNetLab`].
#[derive(Debug, Clone, PartialEq)]
pub struct BayesNetParams {
    pub query: String,
    pub evidence: String,
    pub node: String,
    pub samples: usize,
    pub burn_in: usize,
}

impl Algorithm for BayesNetLab {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "bayesnet",
        title: "Bayesian network inference: exact and Gibbs (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "enumeration, variable elimination and Gibbs sampling are a few dozen lines each; our own code shows each step",
        topics: &[PGM, BLANKET],
        params: &[QUERY, EVIDENCE, NODE, SAMPLES, BURN_IN],
    };
    type Params = BayesNetParams;
    fn params(v: &ParamValues) -> Result<BayesNetParams, ParamError> {
        Ok(BayesNetParams {
            query: v.text(&QUERY)?.trim().to_string(),
            evidence: v.text(&EVIDENCE)?,
            node: v.text(&NODE)?.trim().to_string(),
            samples: v.usize(&SAMPLES)?,
            burn_in: v.usize(&BURN_IN)?,
        })
    }
}

fn setup(e: NetError) -> LabError {
    LabError::setup(e.to_string())
}

/// `P(Burglary=true | JohnCalls=true, MaryCalls=true)`.
fn prob_text(net: &Network, q: usize, s: usize, ev: &bayesnet::Evidence) -> String {
    let given: Vec<String> = ev
        .iter()
        .map(|&(v, x)| format!("{}={}", net.vars[v].name, net.vars[v].states[x]))
        .collect();
    let head = format!("{}={}", net.vars[q].name, net.vars[q].states[s]);
    if given.is_empty() {
        format!("P({head})")
    } else {
        format!("P({head} | {})", given.join(", "))
    }
}

impl RunLab for BayesNetParams {
    fn datasets(&self) -> &'static [&'static str] {
        &["alarm"]
    }

    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        let net = bayesnet::load(ctx.dataset.unwrap_or("alarm")).map_err(setup)?;
        let q = net.var(&self.query).map_err(setup)?;
        let ev = net.parse_evidence(&self.evidence).map_err(setup)?;
        let node = net.var(&self.node).map_err(setup)?;
        let label = prob_text(&net, q, 0, &ev);
        let mut o = LabOutcome {
            total: CHAINS,
            dataset: format!(
                "network `{}` ({} variables{}), {label}",
                net.name,
                net.vars.len(),
                ctx.dataset
                    .filter(|d| *d != "alarm")
                    .map(|d| format!(", {d}"))
                    .unwrap_or_default()
            ),
            ..LabOutcome::default()
        };
        let exact = bayesnet::enumerate(&net, q, &ev).map_err(setup)?;
        let ve = bayesnet::variable_elimination(&net, q, &ev).map_err(setup)?;
        let prior = bayesnet::enumerate(&net, q, &Vec::new()).map_err(setup)?;
        let target = 0;
        o.figure(
            "exact",
            bi("P exact (enumeration)", "精确概率（枚举法）"),
            exact[target],
            "",
        );
        o.figure(
            "ve",
            bi("P exact (elimination)", "精确概率（变量消元）"),
            ve.distribution[target],
            "",
        );
        let enum_ve_gap = exact
            .iter()
            .zip(&ve.distribution)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        // Blanket picture and table first: they need no sampling.
        blanket_panels(&mut o, &net, node);
        ctx.update(&o)?;

        let k = net.vars[q].states.len();
        let mut finals: Vec<Vec<f64>> = Vec::new();
        let mut curves: Vec<Vec<(usize, f64)>> = Vec::new();
        for c in 0..CHAINS {
            ctx.check()?;
            let opts = GibbsOptions {
                samples: self.samples,
                burn_in: self.burn_in,
                seed: ctx.seed.wrapping_add(c as u64),
            };
            let cancelled = |_: &[(usize, f64)]| !ctx.is_cancelled();
            let g = match bayesnet::gibbs(&net, q, target, &ev, opts, cancelled) {
                Ok(g) => g,
                Err(_) if ctx.is_cancelled() => return Err(LabError::Cancelled),
                Err(e) => return Err(setup(e)),
            };
            let name = format!("chain {}", c + 1);
            let chart = o.chart_mut(
                "gibbs",
                bi(
                    format!("Gibbs estimate of {label}"),
                    format!("吉布斯采样对 {label} 的估计"),
                ),
                "log10 samples",
                "estimate",
            );
            for &(n, p) in &g.curve {
                chart.push(&name, (n as f64).log10(), p);
            }
            let (x0, x1) = (
                g.curve.first().map_or(0.0, |c| (c.0 as f64).log10()),
                (self.samples as f64).log10(),
            );
            if c == 0 {
                chart.push("exact", x0, exact[target]);
                chart.push("exact", x1, exact[target]);
            }
            let err_chart = o.chart_mut(
                "error",
                bi(
                    "Gibbs |estimate − exact| against samples",
                    "吉布斯估计的绝对误差随样本数的变化",
                ),
                "log10 samples",
                "|error|",
            );
            err_chart.log_y = true;
            for &(n, p) in &g.curve {
                // A zero error cannot be drawn on a log scale.
                err_chart.push(
                    &name,
                    (n as f64).log10(),
                    (p - exact[target]).abs().max(1e-6),
                );
            }
            o.figure(
                &format!("gibbs_chain{}", c + 1),
                bi(
                    format!("P Gibbs chain {}", c + 1),
                    format!("吉布斯链 {} 的估计", c + 1),
                ),
                g.distribution[target],
                "",
            );
            finals.push(g.distribution.clone());
            curves.push(g.curve);
            o.done = c + 1;
            ctx.update(&o)?;
        }
        let mean: Vec<f64> = (0..k)
            .map(|s| finals.iter().map(|f| f[s]).sum::<f64>() / finals.len().max(1) as f64)
            .collect();
        let worst = finals
            .iter()
            .map(|f| (f[target] - exact[target]).abs())
            .fold(0.0, f64::max);
        o.figure(
            "gibbs_max_error",
            bi("largest Gibbs error", "吉布斯最大误差"),
            worst,
            "",
        );
        let mut rows = Vec::new();
        for s in 0..k {
            rows.push(vec![
                Cell::from(net.vars[q].states[s].clone()),
                Cell::from(prior[s]),
                Cell::from(exact[s]),
                Cell::from(ve.distribution[s]),
                Cell::from(mean[s]),
            ]);
        }
        o.tables.insert(
            0,
            Table {
                key: "posterior".into(),
                title: bi(
                    format!("P({} | evidence) by method", net.vars[q].name),
                    format!("各方法得到的 P({} | 证据)", net.vars[q].name),
                ),
                columns: vec![
                    net.vars[q].name.clone(),
                    "prior".into(),
                    "enumeration".into(),
                    "elimination".into(),
                    format!("Gibbs (mean of {CHAINS})"),
                ],
                rows,
            },
        );
        notices(
            &mut o,
            &net,
            NoticeInput {
                q,
                evidence: &ev,
                node,
                label: &label,
                exact: exact[target],
                prior: prior[target],
                enum_ve_gap,
                curves: &curves,
                order: &ve.order,
                samples: self.samples,
            },
        );
        Ok(o)
    }
}

/// The blanket as a table (every node and its role) and a one-row heat map.
fn blanket_panels(o: &mut LabOutcome, net: &Network, node: usize) {
    let mb = bayesnet::markov_blanket(net, node);
    let children = net.children(node);
    let mut rows = Vec::new();
    let mut values = Vec::new();
    for (i, v) in net.vars.iter().enumerate() {
        let (role_en, value) = if i == node {
            ("the node", 2.0)
        } else if net.vars[node].parents.contains(&i) {
            ("parent", 1.0)
        } else if children.contains(&i) {
            ("child", 1.0)
        } else if mb.contains(&i) {
            ("child's other parent", 1.0)
        } else {
            ("outside", 0.0)
        };
        values.push(value);
        let parents: Vec<&str> = v
            .parents
            .iter()
            .map(|&p| net.vars[p].name.as_str())
            .collect();
        rows.push(vec![
            Cell::from(v.name.clone()),
            Cell::from(role_en),
            Cell::from(if parents.is_empty() {
                "-".to_string()
            } else {
                parents.join(", ")
            }),
            Cell::from(v.states.join("/")),
        ]);
    }
    o.tables.push(Table {
        key: "blanket".into(),
        title: bi(
            format!("Markov blanket of {}", net.vars[node].name),
            format!("{} 的马尔可夫毯", net.vars[node].name),
        ),
        columns: vec![
            "node".into(),
            "role".into(),
            "parents".into(),
            "states".into(),
        ],
        rows,
    });
    o.heatmaps.push(Heatmap {
        key: "blanket".into(),
        title: bi(
            format!(
                "Markov blanket of {} (2 = the node, 1 = blanket)",
                net.vars[node].name
            ),
            format!(
                "{} 的马尔可夫毯（2 = 该节点，1 = 毯内）",
                net.vars[node].name
            ),
        ),
        rows: 1,
        cols: net.vars.len(),
        values,
        row_labels: vec![net.vars[node].name.clone()],
        col_labels: net.vars.iter().map(|v| v.name.clone()).collect(),
        group: "blanket".into(),
    });
}

struct NoticeInput<'a> {
    q: usize,
    evidence: &'a bayesnet::Evidence,
    node: usize,
    label: &'a str,
    exact: f64,
    prior: f64,
    enum_ve_gap: f64,
    curves: &'a [Vec<(usize, f64)>],
    order: &'a [usize],
    samples: usize,
}

fn notices(o: &mut LabOutcome, net: &Network, n: NoticeInput<'_>) {
    // Evidence moves the belief; against the arrows when some evidence is
    // a descendant of the query.
    let mut below = vec![false; net.vars.len()];
    below[n.q] = true;
    for v in 0..net.vars.len() {
        if net.vars[v].parents.iter().any(|&p| below[p]) {
            below[v] = true;
        }
    }
    let upward = n.evidence.iter().any(|&(v, _)| below[v]);
    let (dir_en, dir_zh) = if upward {
        (
            "information flows against the arrows, from effects back to causes",
            "信息逆着箭头方向从结果传回原因",
        )
    } else {
        (
            "information flows along the arrows or through shared causes",
            "信息沿箭头方向或经由共同的原因传递",
        )
    };
    if n.prior > 0.0 && (n.exact / n.prior - 1.0).abs() > 0.05 {
        o.notice(
            bi(
                format!(
                    "the evidence moves {} from the prior {:.4} to {:.4} (×{:.1}): {dir_en}",
                    n.label
                        .split(" | ")
                        .next()
                        .unwrap_or(n.label)
                        .trim_start_matches("P("),
                    n.prior,
                    n.exact,
                    n.exact / n.prior
                ),
                format!(
                    "证据把 {} 从先验 {:.4} 变为 {:.4}（×{:.1}）：{dir_zh}",
                    n.label
                        .split(" | ")
                        .next()
                        .unwrap_or(n.label)
                        .trim_start_matches("P("),
                    n.prior,
                    n.exact,
                    n.exact / n.prior
                ),
            ),
            Some(PGM),
        );
    }
    let order: Vec<&str> = n.order.iter().map(|&v| net.vars[v].name.as_str()).collect();
    o.notice(
        bi(
            format!(
                "enumeration and variable elimination agree to {:.0e}: both are exact; elimination sums out {} once each instead of repeating the sums for every assignment",
                n.enum_ve_gap.max(1e-16),
                if order.is_empty() { "nothing".to_string() } else { order.join(", ") }
            ),
            format!(
                "枚举法与变量消元的结果相差不超过 {:.0e}：两者都是精确推断；变量消元把 {} 各求和消去一次，而不是对每个赋值重复求和",
                n.enum_ve_gap.max(1e-16),
                if order.is_empty() { "（无）".to_string() } else { order.join("、") }
            ),
        ),
        Some(PGM),
    );
    // Gibbs: error early against error at the end.
    let at = |curve: &[(usize, f64)], m: usize| {
        curve
            .iter()
            .find(|c| c.0 >= m)
            .or(curve.last())
            .map_or(f64::NAN, |c| (c.1 - n.exact).abs())
    };
    let early_n = 100.min(n.samples);
    let early: f64 =
        n.curves.iter().map(|c| at(c, early_n)).sum::<f64>() / n.curves.len().max(1) as f64;
    let late: f64 =
        n.curves.iter().map(|c| at(c, n.samples)).sum::<f64>() / n.curves.len().max(1) as f64;
    if early.is_finite() && late.is_finite() {
        o.notice(
            bi(
                format!(
                    "Gibbs chains: mean error {:.4} after {early_n} samples, {:.4} after {}; Monte Carlo error shrinks like 1/√n (√ of the ratio: ×{:.0}), slower when the chain mixes slowly",
                    early,
                    late,
                    n.samples,
                    (n.samples as f64 / early_n as f64).sqrt()
                ),
                format!(
                    "吉布斯采样：{early_n} 个样本后平均误差 {:.4}，{} 个样本后 {:.4}；蒙特卡洛误差按 1/√n 缩小（样本数之比的平方根为 ×{:.0}），链混合越慢收敛越慢",
                    early,
                    n.samples,
                    late,
                    (n.samples as f64 / early_n as f64).sqrt()
                ),
            ),
            Some(PGM),
        );
    }
    let mb = bayesnet::markov_blanket(net, n.node);
    let names: Vec<&str> = mb.iter().map(|&v| net.vars[v].name.as_str()).collect();
    let outside = net.vars.len() - mb.len() - 1;
    let node = &net.vars[n.node].name;
    o.notice(
        bi(
            format!(
                "the Markov blanket of {node} is {{{}}}: given these {} node(s), {node} is independent of the other {outside}; each Gibbs step for {node} reads only them",
                names.join(", "),
                mb.len()
            ),
            format!(
                "{node} 的马尔可夫毯是 {{{}}}：给定这 {} 个节点，{node} 与其余 {outside} 个节点条件独立；吉布斯采样更新 {node} 时只需读取它们",
                names.join(", "),
                mb.len()
            ),
        ),
        Some(BLANKET),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::testing::{params, run_quiet};

    #[test]
    fn the_default_run_shows_0_284_and_converging_chains() {
        let p = params::<BayesNetLab>(&[("samples", "4000")]).unwrap();
        let o = run_quiet(&p).unwrap();
        assert_eq!(format!("{:.3}", o.find_figure("exact").unwrap()), "0.284");
        assert_eq!(format!("{:.3}", o.find_figure("ve").unwrap()), "0.284");
        let err = o.find_figure("gibbs_max_error").unwrap();
        assert!(err < 0.05, "{err}");
        let g = o.charts.iter().find(|c| c.key == "gibbs").unwrap();
        assert_eq!(g.series.len(), CHAINS + 1);
        assert_eq!(o.heatmaps[0].values, vec![1.0, 1.0, 2.0, 1.0, 1.0]);
        assert!(o.notices.iter().all(|n| !n.text.zh.is_empty()));
        assert!(o
            .notices
            .iter()
            .any(|n| n.text.en.contains("from the prior 0.0010 to 0.2842")));
        let again = run_quiet(&p).unwrap();
        assert_eq!(o.charts, again.charts);
    }

    #[test]
    fn bad_names_are_setup_errors() {
        let p = params::<BayesNetLab>(&[("query", "Burglar")]).unwrap();
        let e = run_quiet(&p).unwrap_err().to_string();
        assert!(e.contains("no variable `Burglar`"), "{e}");
        let p = params::<BayesNetLab>(&[("evidence", "JohnCalls=yes")]).unwrap();
        let e = run_quiet(&p).unwrap_err().to_string();
        assert!(e.contains("no state `yes`"), "{e}");
    }
}
