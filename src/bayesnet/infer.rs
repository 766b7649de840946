//! Inference on a [`Network`]: `P(query | evidence)` exactly by enumeration
//! (AIMA's ENUMERATION-ASK: a sum over every hidden assignment, in
//! topological order) and by variable elimination (factors restricted to
//! the evidence, hidden variables summed out one at a time, smallest
//! resulting factor first), and approximately by Gibbs sampling (each
//! non-evidence variable redrawn from its distribution given its Markov
//! blanket).

use super::{Evidence, NetError, Network};

/// Above this many hidden assignments enumeration refuses (use `ve`).
pub const MAX_ENUMERATION: f64 = 5e7;

fn normalise(mut p: Vec<f64>) -> Result<Vec<f64>, NetError> {
    let z: f64 = p.iter().sum();
    if z.is_nan() || z <= 0.0 || z.is_infinite() {
        return Err(NetError::query(
            "the evidence has probability 0 in this network, so nothing can be conditioned on it",
        ));
    }
    for x in &mut p {
        *x /= z;
    }
    Ok(p)
}

fn check_query(net: &Network, query: usize, evidence: &Evidence) -> Result<(), NetError> {
    if query >= net.vars.len() {
        return Err(NetError::query("query variable out of range"));
    }
    if evidence.iter().any(|&(v, _)| v == query) {
        return Err(NetError::query(format!(
            "`{}` is both the query and evidence; leave it out of the evidence",
            net.vars[query].name
        )));
    }
    Ok(())
}

/// `P(query | evidence)` by enumeration: one probability per state.
pub fn enumerate(net: &Network, query: usize, evidence: &Evidence) -> Result<Vec<f64>, NetError> {
    check_query(net, query, evidence)?;
    let n = net.vars.len();
    let hidden: f64 = (0..n)
        .filter(|&v| v != query && !evidence.iter().any(|&(e, _)| e == v))
        .map(|v| net.vars[v].states.len() as f64)
        .product();
    if hidden > MAX_ENUMERATION {
        return Err(NetError::query(format!(
            "enumeration would visit {hidden:.0} assignments; use --method ve"
        )));
    }
    let mut fixed: Vec<Option<usize>> = vec![None; n];
    for &(v, s) in evidence {
        fixed[v] = Some(s);
    }
    let mut out = Vec::with_capacity(net.vars[query].states.len());
    let mut assignment = vec![0usize; n];
    for q in 0..net.vars[query].states.len() {
        fixed[query] = Some(q);
        out.push(enumerate_all(net, 0, &fixed, &mut assignment));
    }
    normalise(out)
}

/// Σ over the variables from `i` on (topological order) of Π P(v | parents).
fn enumerate_all(net: &Network, i: usize, fixed: &[Option<usize>], a: &mut [usize]) -> f64 {
    if i == net.vars.len() {
        return 1.0;
    }
    match fixed[i] {
        Some(s) => {
            a[i] = s;
            let p = net.prob(i, s, a);
            if p == 0.0 {
                0.0
            } else {
                p * enumerate_all(net, i + 1, fixed, a)
            }
        }
        None => {
            let mut sum = 0.0;
            for s in 0..net.vars[i].states.len() {
                a[i] = s;
                let p = net.prob(i, s, a);
                if p != 0.0 {
                    sum += p * enumerate_all(net, i + 1, fixed, a);
                }
            }
            sum
        }
    }
}

/// A table over some variables, the last changing fastest.
#[derive(Debug, Clone, PartialEq)]
struct Factor {
    vars: Vec<usize>,
    card: Vec<usize>,
    table: Vec<f64>,
}

impl Factor {
    fn index(&self, assignment: &[usize]) -> usize {
        let mut idx = 0;
        for (k, &v) in self.vars.iter().enumerate() {
            idx = idx * self.card[k] + assignment[v];
        }
        idx
    }

    /// The CPT of `v` as a factor over (parents..., v).
    fn of_cpt(net: &Network, v: usize) -> Factor {
        let var = &net.vars[v];
        let mut vars = var.parents.clone();
        vars.push(v);
        let card = vars.iter().map(|&u| net.vars[u].states.len()).collect();
        Factor {
            vars,
            card,
            table: var.cpt.clone(),
        }
    }

    /// Fix `v = s` (drops `v`).
    fn restrict(&self, v: usize, s: usize, n: usize) -> Factor {
        let Some(pos) = self.vars.iter().position(|&u| u == v) else {
            return self.clone();
        };
        let mut vars = self.vars.clone();
        vars.remove(pos);
        let mut card = self.card.clone();
        card.remove(pos);
        let mut out = Factor {
            vars,
            card,
            table: Vec::new(),
        };
        out.table = out.each(n, |a2| {
            let mut full = a2.to_vec();
            full[v] = s;
            self.table[self.index(&full)]
        });
        out
    }

    /// Values of `f(assignment)` over this factor's assignments, in order.
    fn each(&self, n: usize, mut f: impl FnMut(&[usize]) -> f64) -> Vec<f64> {
        let size: usize = self.card.iter().product();
        let mut a = vec![0usize; n];
        let mut out = Vec::with_capacity(size);
        for _ in 0..size {
            out.push(f(&a));
            // Increment, last variable fastest.
            for k in (0..self.vars.len()).rev() {
                let v = self.vars[k];
                a[v] += 1;
                if a[v] < self.card[k] {
                    break;
                }
                a[v] = 0;
            }
        }
        out
    }

    fn product(fs: &[&Factor], net: &Network) -> Factor {
        let mut vars: Vec<usize> = Vec::new();
        for f in fs {
            for &v in &f.vars {
                if !vars.contains(&v) {
                    vars.push(v);
                }
            }
        }
        vars.sort_unstable();
        let card = vars.iter().map(|&u| net.vars[u].states.len()).collect();
        let mut out = Factor {
            vars,
            card,
            table: Vec::new(),
        };
        let n = net.vars.len();
        out.table = out.each(n, |a| fs.iter().map(|f| f.table[f.index(a)]).product());
        out
    }

    fn sum_out(&self, v: usize, net: &Network) -> Factor {
        let Some(pos) = self.vars.iter().position(|&u| u == v) else {
            return self.clone();
        };
        let mut vars = self.vars.clone();
        vars.remove(pos);
        let mut card = self.card.clone();
        card.remove(pos);
        let mut out = Factor {
            vars,
            card,
            table: Vec::new(),
        };
        let n = net.vars.len();
        let k = self.card[pos];
        out.table = out.each(n, |a| {
            let mut full = a.to_vec();
            (0..k)
                .map(|s| {
                    full[v] = s;
                    self.table[self.index(&full)]
                })
                .sum()
        });
        out
    }
}

/// What variable elimination did, for display.
#[derive(Debug, Clone, PartialEq)]
pub struct VeRun {
    pub distribution: Vec<f64>,
    /// Hidden variables in the order they were summed out.
    pub order: Vec<usize>,
    /// Entries of the largest factor built.
    pub largest_factor: usize,
    /// Variables left out as irrelevant (not ancestors of the query or the
    /// evidence).
    pub pruned: Vec<usize>,
}

/// `P(query | evidence)` by variable elimination.
pub fn variable_elimination(
    net: &Network,
    query: usize,
    evidence: &Evidence,
) -> Result<VeRun, NetError> {
    check_query(net, query, evidence)?;
    let n = net.vars.len();
    // Only ancestors of the query and the evidence matter.
    let mut relevant = vec![false; n];
    let mut stack: Vec<usize> = evidence.iter().map(|&(v, _)| v).collect();
    stack.push(query);
    while let Some(v) = stack.pop() {
        if !relevant[v] {
            relevant[v] = true;
            stack.extend(net.vars[v].parents.iter().copied());
        }
    }
    let mut factors: Vec<Factor> = (0..n)
        .filter(|&v| relevant[v])
        .map(|v| {
            let mut f = Factor::of_cpt(net, v);
            for &(e, s) in evidence {
                f = f.restrict(e, s, n);
            }
            f
        })
        .collect();
    let mut hidden: Vec<usize> = (0..n)
        .filter(|&v| relevant[v] && v != query && !evidence.iter().any(|&(e, _)| e == v))
        .collect();
    let mut order = Vec::new();
    let mut largest = factors.iter().map(|f| f.table.len()).max().unwrap_or(1);
    while !hidden.is_empty() {
        // The hidden variable whose elimination builds the smallest factor.
        let cost = |v: usize| -> usize {
            let mut vars: Vec<usize> = Vec::new();
            for f in factors.iter().filter(|f| f.vars.contains(&v)) {
                for &u in &f.vars {
                    if !vars.contains(&u) {
                        vars.push(u);
                    }
                }
            }
            vars.iter().map(|&u| net.vars[u].states.len()).product()
        };
        let Some((hi, &v)) = hidden.iter().enumerate().min_by_key(|(_, &v)| (cost(v), v)) else {
            break;
        };
        hidden.remove(hi);
        let (with, without): (Vec<Factor>, Vec<Factor>) =
            factors.into_iter().partition(|f| f.vars.contains(&v));
        let refs: Vec<&Factor> = with.iter().collect();
        let prod = Factor::product(&refs, net);
        largest = largest.max(prod.table.len());
        let summed = prod.sum_out(v, net);
        factors = without;
        factors.push(summed);
        order.push(v);
    }
    let refs: Vec<&Factor> = factors.iter().collect();
    let last = Factor::product(&refs, net);
    // `last` is over the query alone (every other variable is evidence or
    // summed out); a constant factor has no variables.
    let k = net.vars[query].states.len();
    let dist: Vec<f64> = if last.vars == [query] {
        last.table.clone()
    } else {
        return Err(NetError::query(
            "variable elimination left a factor that is not over the query alone",
        ));
    };
    debug_assert_eq!(dist.len(), k);
    Ok(VeRun {
        distribution: normalise(dist)?,
        order,
        largest_factor: largest,
        pruned: (0..n).filter(|&v| !relevant[v]).collect(),
    })
}

/// The Markov blanket of `v`: its parents, its children and its children's
/// other parents (sorted by variable index).
pub fn markov_blanket(net: &Network, v: usize) -> Vec<usize> {
    let mut out: Vec<usize> = net.vars[v].parents.clone();
    for c in net.children(v) {
        out.push(c);
        out.extend(net.vars[c].parents.iter().copied().filter(|&p| p != v));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// How long a Gibbs run is and its seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GibbsOptions {
    /// Sweeps counted.
    pub samples: usize,
    /// Sweeps thrown away first.
    pub burn_in: usize,
    pub seed: u64,
}

/// What a Gibbs run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct GibbsRun {
    /// The estimate of `P(query | evidence)` from all kept samples.
    pub distribution: Vec<f64>,
    /// `(samples kept, estimate of P(query = target))` at checkpoints.
    pub curve: Vec<(usize, f64)>,
    pub samples: usize,
    pub burn_in: usize,
}

/// Gibbs sampling: `burn_in` sweeps thrown away, then `samples` sweeps
/// each counted once. A sweep redraws every non-evidence variable from
/// `P(x | Markov blanket)`. The curve records the running estimate of
/// `P(query = target)` at about 60 log-spaced checkpoints.
pub fn gibbs(
    net: &Network,
    query: usize,
    target: usize,
    evidence: &Evidence,
    opts: GibbsOptions,
    mut on_checkpoint: impl FnMut(&[(usize, f64)]) -> bool,
) -> Result<GibbsRun, NetError> {
    check_query(net, query, evidence)?;
    let n = net.vars.len();
    let k = net.vars[query].states.len();
    if target >= k {
        return Err(NetError::query("target state out of range"));
    }
    let GibbsOptions {
        samples,
        burn_in,
        seed,
    } = opts;
    let mut rng = crate::rng::rng(seed);
    let mut fixed: Vec<Option<usize>> = vec![None; n];
    for &(v, s) in evidence {
        fixed[v] = Some(s);
    }
    // Start from a forward sample with the evidence clamped.
    let mut a = vec![0usize; n];
    for v in 0..n {
        a[v] = match fixed[v] {
            Some(s) => s,
            None => draw(&mut rng, |s| net.prob(v, s, &a), net.vars[v].states.len()).unwrap_or(0),
        };
    }
    let free: Vec<usize> = (0..n).filter(|&v| fixed[v].is_none()).collect();
    let children: Vec<Vec<usize>> = (0..n).map(|v| net.children(v)).collect();
    let mut counts = vec![0u64; k];
    let mut curve = Vec::new();
    let checkpoints = checkpoints(samples);
    let mut next_cp = 0;
    for sweep in 0..burn_in + samples {
        for &v in &free {
            let kv = net.vars[v].states.len();
            let mut w = vec![0.0; kv];
            for (s, ws) in w.iter_mut().enumerate() {
                a[v] = s;
                let mut p = net.prob(v, s, &a);
                for &c in &children[v] {
                    p *= net.prob(c, a[c], &a);
                }
                *ws = p;
            }
            a[v] = draw(&mut rng, |s| w[s], kv).ok_or_else(|| {
                NetError::query(format!(
                    "Gibbs sampling is stuck: every state of `{}` has probability 0 given its Markov blanket (the evidence may be impossible, or a zero in a CPT cuts the chain)",
                    net.vars[v].name
                ))
            })?;
        }
        if sweep >= burn_in {
            counts[a[query]] += 1;
            let kept = sweep + 1 - burn_in;
            if next_cp < checkpoints.len() && kept == checkpoints[next_cp] {
                curve.push((kept, counts[target] as f64 / kept as f64));
                next_cp += 1;
                if !on_checkpoint(&curve) {
                    return Err(NetError::query("cancelled"));
                }
            }
        }
    }
    let total: u64 = counts.iter().sum();
    let distribution = counts
        .iter()
        .map(|&c| c as f64 / total.max(1) as f64)
        .collect();
    Ok(GibbsRun {
        distribution,
        curve,
        samples,
        burn_in,
    })
}

/// About 60 log-spaced sample counts from 10 to `samples` (the last one
/// always `samples`).
fn checkpoints(samples: usize) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    if samples == 0 {
        return out;
    }
    let lo = 10f64.min(samples as f64).ln();
    let hi = (samples as f64).ln();
    for i in 0..60 {
        let x = (lo + (hi - lo) * i as f64 / 59.0).exp().round() as usize;
        let x = x.clamp(1, samples);
        if out.last() != Some(&x) {
            out.push(x);
        }
    }
    if out.last() != Some(&samples) {
        out.push(samples);
    }
    out
}

/// A state drawn with probability proportional to `w(s)`; `None` when
/// every weight is 0.
fn draw(rng: &mut impl rand::Rng, w: impl Fn(usize) -> f64, k: usize) -> Option<usize> {
    let total: f64 = (0..k).map(&w).sum();
    if total.is_nan() || total <= 0.0 {
        return None;
    }
    let mut u = rng.gen::<f64>() * total;
    for s in 0..k {
        u -= w(s);
        if u < 0.0 {
            return Some(s);
        }
    }
    (0..k).rev().find(|&s| w(s) > 0.0)
}
