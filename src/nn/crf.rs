//! A linear-chain CRF layer on top of a network's per-token scores (the CRF
//! of BiLSTM-CRF, Lample et al. 2016; Huang, Xu & Yu 2015).
//!
//! For one sentence with emission scores `E [T, L]` (from the network),
//! transition scores `A [L, L]` (`A[i, j]`: tag `i` followed by tag `j`),
//! start scores `s [L]` and end scores `e [L]`, a tag path `y` scores
//!
//! `score(y) = s[y_0] + Σ_t E[t, y_t] + Σ_{t≥1} A[y_{t−1}, y_t] + e[y_{T−1}]`
//!
//! and `p(y | x) = exp(score(y)) / Z`. The loss is `−log p(gold) = log Z −
//! score(gold)`. `log Z` comes from the forward algorithm in log space
//! (`α_0 = s + E_0`, `α_t(j) = E[t, j] + logsumexp_i(α_{t−1}(i) + A[i, j])`,
//! `log Z = logsumexp_j(α_{T−1}(j) + e[j])`), the backward recursion gives
//! `β`, and the gradient is expected minus observed counts: `∂/∂E[t, j] =
//! p(y_t = j) − [y_t = j]`, `∂/∂A[i, j] = Σ_t p(y_{t−1} = i, y_t = j) −
//! #gold (i → j)`, likewise for `s` and `e`. Everything runs in f64 (the
//! tensors are f32); the op records its gradient on the tape as one fused
//! node ([`Graph::crf_nll`]). Decoding is Viterbi (max-sum, ties to the
//! lower tag index): [`viterbi`].

use ndarray::{Array2, ArrayD, ArrayView2, Axis, IxDyn};

use super::graph::{Graph, Var};
use super::{NnError, Tensor};

/// The CRF's scores in f64: transitions `[L, L]`, start and end `[L]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CrfScores {
    pub trans: Array2<f64>,
    pub start: Vec<f64>,
    pub end: Vec<f64>,
}

impl CrfScores {
    /// From the f32 tensors (`trans [L, L]`, `start [L]`, `end [L]`).
    pub fn from_tensors(trans: &Tensor, start: &Tensor, end: &Tensor) -> Result<Self, NnError> {
        let l = start.len();
        if trans.shape() != [l, l] || end.shape() != [l] || start.shape() != [l] {
            return Err(NnError::Shape(format!(
                "crf: transitions {:?}, start {:?}, end {:?} do not fit one tag set",
                trans.shape(),
                start.shape(),
                end.shape()
            )));
        }
        let trans = Array2::from_shape_vec((l, l), trans.iter().map(|&v| f64::from(v)).collect())
            .map_err(|e| NnError::Shape(e.to_string()))?;
        Ok(CrfScores {
            trans,
            start: start.iter().map(|&v| f64::from(v)).collect(),
            end: end.iter().map(|&v| f64::from(v)).collect(),
        })
    }

    pub fn n_tags(&self) -> usize {
        self.start.len()
    }
}

fn logsumexp(v: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = v.clone().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + v.map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// `α [T, L]` and `log Z` of one sentence (forward algorithm, log space).
pub fn forward(emit: ArrayView2<'_, f64>, c: &CrfScores) -> (Array2<f64>, f64) {
    let (t_len, l) = emit.dim();
    let mut alpha = Array2::<f64>::zeros((t_len, l));
    if t_len == 0 {
        return (alpha, 0.0);
    }
    for j in 0..l {
        alpha[(0, j)] = c.start[j] + emit[(0, j)];
    }
    for t in 1..t_len {
        for j in 0..l {
            let prev = alpha.row(t - 1);
            let s = logsumexp((0..l).map(|i| prev[i] + c.trans[(i, j)]));
            alpha[(t, j)] = emit[(t, j)] + s;
        }
    }
    let last = alpha.row(t_len - 1);
    let log_z = logsumexp((0..l).map(|j| last[j] + c.end[j]));
    (alpha, log_z)
}

/// `β [T, L]`: `β_{T−1} = e`, `β_t(i) = logsumexp_j(A[i, j] + E[t+1, j] +
/// β_{t+1}(j))`.
pub fn backward(emit: ArrayView2<'_, f64>, c: &CrfScores) -> Array2<f64> {
    let (t_len, l) = emit.dim();
    let mut beta = Array2::<f64>::zeros((t_len, l));
    if t_len == 0 {
        return beta;
    }
    for i in 0..l {
        beta[(t_len - 1, i)] = c.end[i];
    }
    for t in (0..t_len - 1).rev() {
        for i in 0..l {
            let s =
                logsumexp((0..l).map(|j| c.trans[(i, j)] + emit[(t + 1, j)] + beta[(t + 1, j)]));
            beta[(t, i)] = s;
        }
    }
    beta
}

/// The score of one tag path.
pub fn path_score(emit: ArrayView2<'_, f64>, c: &CrfScores, tags: &[usize]) -> f64 {
    let Some((&first, _)) = tags.split_first() else {
        return 0.0;
    };
    let mut s = c.start[first] + c.end[tags[tags.len() - 1]];
    for (t, &y) in tags.iter().enumerate() {
        s += emit[(t, y)];
        if t > 0 {
            s += c.trans[(tags[t - 1], y)];
        }
    }
    s
}

/// Per-sentence gradient of `log Z − score(gold)`.
struct SentenceGrad {
    nll: f64,
    demit: Array2<f64>,
}

/// NLL of one sentence; adds the transition/start/end gradients into the
/// accumulators and returns the emission gradient.
fn sentence_nll(
    emit: ArrayView2<'_, f64>,
    c: &CrfScores,
    tags: &[usize],
    dtrans: &mut Array2<f64>,
    dstart: &mut [f64],
    dend: &mut [f64],
) -> SentenceGrad {
    let (t_len, l) = emit.dim();
    let (alpha, log_z) = forward(emit, c);
    let beta = backward(emit, c);
    let gold = path_score(emit, c, tags);
    let mut demit = Array2::<f64>::zeros((t_len, l));
    for t in 0..t_len {
        for j in 0..l {
            demit[(t, j)] = (alpha[(t, j)] + beta[(t, j)] - log_z).exp();
        }
        demit[(t, tags[t])] -= 1.0;
        if t > 0 {
            for i in 0..l {
                let a = alpha[(t - 1, i)];
                for j in 0..l {
                    let p = (a + c.trans[(i, j)] + emit[(t, j)] + beta[(t, j)] - log_z).exp();
                    dtrans[(i, j)] += p;
                }
            }
            dtrans[(tags[t - 1], tags[t])] -= 1.0;
        }
    }
    if t_len > 0 {
        for j in 0..l {
            dstart[j] += (alpha[(0, j)] + beta[(0, j)] - log_z).exp();
            dend[j] += (alpha[(t_len - 1, j)] + beta[(t_len - 1, j)] - log_z).exp();
        }
        dstart[tags[0]] -= 1.0;
        dend[tags[t_len - 1]] -= 1.0;
    }
    SentenceGrad {
        nll: log_z - gold,
        demit,
    }
}

/// Viterbi decoding: the best tag path and its score (ties to the lower
/// tag index).
pub fn viterbi(emit: ArrayView2<'_, f64>, c: &CrfScores) -> (Vec<usize>, f64) {
    let (t_len, l) = emit.dim();
    if t_len == 0 || l == 0 {
        return (Vec::new(), 0.0);
    }
    let mut delta: Vec<f64> = (0..l).map(|j| c.start[j] + emit[(0, j)]).collect();
    let mut back = vec![0usize; t_len * l];
    for t in 1..t_len {
        let mut next = vec![0.0; l];
        for j in 0..l {
            let (mut best, mut arg) = (f64::NEG_INFINITY, 0);
            for (i, &d) in delta.iter().enumerate() {
                let v = d + c.trans[(i, j)];
                if v > best {
                    best = v;
                    arg = i;
                }
            }
            next[j] = best + emit[(t, j)];
            back[t * l + j] = arg;
        }
        delta = next;
    }
    let (mut best, mut arg) = (f64::NEG_INFINITY, 0);
    for (j, &d) in delta.iter().enumerate() {
        let v = d + c.end[j];
        if v > best {
            best = v;
            arg = j;
        }
    }
    let mut path = vec![0; t_len];
    path[t_len - 1] = arg;
    for t in (1..t_len).rev() {
        path[t - 1] = back[t * l + path[t]];
    }
    (path, best)
}

fn to_f64_3(t: &Tensor) -> Result<ndarray::Array3<f64>, NnError> {
    let v = t
        .view()
        .into_dimensionality::<ndarray::Ix3>()
        .map_err(|e| NnError::Shape(format!("crf: emissions must be [batch, time, tags]: {e}")))?;
    Ok(v.mapv(f64::from))
}

fn f32_tensor(shape: &[usize], v: impl Iterator<Item = f64>) -> Result<Tensor, NnError> {
    ArrayD::from_shape_vec(IxDyn(shape), v.map(|x| x as f32).collect())
        .map_err(|e| NnError::Shape(e.to_string()))
}

impl Graph {
    /// Mean over the batch of the CRF's `log Z − score(gold)`:
    /// `emissions [b, t, L]`, `trans [L, L]`, `start [L]`, `end [L]`, and
    /// the gold tags `[b, t]` row-major. One scalar node; its gradient was
    /// computed by forward–backward (see the module doc).
    pub fn crf_nll(
        &mut self,
        emissions: Var,
        trans: Var,
        start: Var,
        end: Var,
        tags: &[usize],
    ) -> Result<Var, NnError> {
        let c = CrfScores::from_tensors(self.value(trans)?, self.value(start)?, self.value(end)?)?;
        let l = c.n_tags();
        let e = to_f64_3(self.value(emissions)?)?;
        let (b, t_len, le) = e.dim();
        if le != l || tags.len() != b * t_len || b == 0 || t_len == 0 {
            return Err(NnError::Shape(format!(
                "crf: emissions [{b}, {t_len}, {le}], {l} tags, {} gold tags",
                tags.len()
            )));
        }
        if let Some(&bad) = tags.iter().find(|&&y| y >= l) {
            return Err(NnError::Data(format!(
                "crf: gold tag {bad} outside the {l} tags"
            )));
        }
        let mut dtrans = Array2::<f64>::zeros((l, l));
        let mut dstart = vec![0.0; l];
        let mut dend = vec![0.0; l];
        let mut demit = ndarray::Array3::<f64>::zeros((b, t_len, l));
        let mut nll = 0.0;
        for k in 0..b {
            let g = sentence_nll(
                e.index_axis(Axis(0), k),
                &c,
                &tags[k * t_len..(k + 1) * t_len],
                &mut dtrans,
                &mut dstart,
                &mut dend,
            );
            nll += g.nll;
            demit.index_axis_mut(Axis(0), k).assign(&g.demit);
        }
        let n = b as f64;
        if !nll.is_finite() {
            return Err(NnError::Data(format!("crf: the loss is {nll}")));
        }
        let parts = vec![
            (
                emissions,
                f32_tensor(&[b, t_len, l], demit.iter().map(|v| v / n))?,
            ),
            (trans, f32_tensor(&[l, l], dtrans.iter().map(|v| v / n))?),
            (start, f32_tensor(&[l], dstart.iter().map(|v| v / n))?),
            (end, f32_tensor(&[l], dend.iter().map(|v| v / n))?),
        ];
        self.fused_scalar((nll / n) as f32, parts)
    }
}

/// Decode each sentence of `emissions [b, t, L]` (f32) with Viterbi.
pub fn viterbi_batch(emissions: &Tensor, c: &CrfScores) -> Result<Vec<Vec<usize>>, NnError> {
    let e = to_f64_3(emissions)?;
    if e.dim().2 != c.n_tags() {
        return Err(NnError::Shape(format!(
            "crf: emissions with {} tags for a CRF over {}",
            e.dim().2,
            c.n_tags()
        )));
    }
    Ok(e.outer_iter().map(|s| viterbi(s, c).0).collect())
}

/// Marginal probability of each tag at each position, `[T, L]`.
pub fn marginals(emit: ArrayView2<'_, f64>, c: &CrfScores) -> Array2<f64> {
    let (alpha, log_z) = forward(emit, c);
    let beta = backward(emit, c);
    let mut m = &alpha + &beta;
    m.mapv_inplace(|v| (v - log_z).exp());
    m
}

/// Every tag path of length `t` over `l` tags (brute force, for tests).
#[cfg(test)]
fn all_paths(t: usize, l: usize) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new()];
    for _ in 0..t {
        out = out
            .into_iter()
            .flat_map(|p| {
                (0..l).map(move |j| {
                    let mut q = p.clone();
                    q.push(j);
                    q
                })
            })
            .collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::ParamStore;

    fn rand_vec(n: usize, seed: u64, scale: f64) -> Vec<f64> {
        let mut rng = crate::algos::rng(seed);
        (0..n)
            .map(|_| crate::nn::params::std_normal(&mut rng) * scale)
            .collect()
    }

    fn scores(l: usize, seed: u64) -> CrfScores {
        CrfScores {
            trans: Array2::from_shape_vec((l, l), rand_vec(l * l, seed, 1.0)).unwrap(),
            start: rand_vec(l, seed + 1, 1.0),
            end: rand_vec(l, seed + 2, 1.0),
        }
    }

    fn emit(t: usize, l: usize, seed: u64) -> Array2<f64> {
        Array2::from_shape_vec((t, l), rand_vec(t * l, seed, 1.5)).unwrap()
    }

    #[test]
    fn log_z_marginals_and_viterbi_match_brute_force_enumeration() {
        for (t, l, seed) in [(1, 3, 1), (2, 2, 2), (4, 3, 3), (5, 4, 4)] {
            let c = scores(l, seed);
            let e = emit(t, l, seed + 10);
            let paths = all_paths(t, l);
            let sc: Vec<f64> = paths.iter().map(|p| path_score(e.view(), &c, p)).collect();
            let brute = logsumexp(sc.iter().copied());
            let (_, log_z) = forward(e.view(), &c);
            assert!((log_z - brute).abs() < 1e-10, "{log_z} vs {brute}");
            // log Z from the backward side agrees too.
            let beta = backward(e.view(), &c);
            let from_beta = logsumexp((0..l).map(|j| c.start[j] + e[(0, j)] + beta[(0, j)]));
            assert!((from_beta - brute).abs() < 1e-10);
            // Token marginals.
            let m = marginals(e.view(), &c);
            for pos in 0..t {
                for j in 0..l {
                    let p: f64 = paths
                        .iter()
                        .zip(&sc)
                        .filter(|(p, _)| p[pos] == j)
                        .map(|(_, s)| (s - brute).exp())
                        .sum();
                    assert!((m[(pos, j)] - p).abs() < 1e-10);
                }
            }
            // Viterbi finds the best path.
            let (best_i, best_s) =
                sc.iter()
                    .enumerate()
                    .fold((0, f64::NEG_INFINITY), |(bi, bs), (i, &s)| {
                        if s > bs {
                            (i, s)
                        } else {
                            (bi, bs)
                        }
                    });
            let (path, s) = viterbi(e.view(), &c);
            assert_eq!(path, paths[best_i]);
            assert!((s - best_s).abs() < 1e-10);
        }
    }

    #[test]
    fn huge_scores_stay_finite() {
        let mut c = scores(3, 5);
        c.trans.mapv_inplace(|v| v * 1e4);
        let e = emit(6, 3, 6).mapv(|v| v * 1e4);
        let (_, log_z) = forward(e.view(), &c);
        assert!(log_z.is_finite());
        let (_, best) = viterbi(e.view(), &c);
        // log Z is at least the best path's score and not far above it.
        assert!(log_z >= best - 1e-6 && log_z <= best + (3f64.powi(6)).ln() + 1e-6);
    }

    /// ∂(mean NLL)/∂(emissions, transitions, start, end) against central
    /// differences of the same function in f64.
    #[test]
    fn gradient_matches_finite_differences() {
        let (b, t, l) = (2, 4, 3);
        let tags = vec![0, 2, 2, 1, 1, 1, 0, 2];
        let e0 = rand_vec(b * t * l, 21, 1.0);
        let tr0 = rand_vec(l * l, 22, 1.0);
        let st0 = rand_vec(l, 23, 1.0);
        let en0 = rand_vec(l, 24, 1.0);
        let tensor = |shape: &[usize], v: &[f64]| {
            ArrayD::from_shape_vec(IxDyn(shape), v.iter().map(|&x| x as f32).collect()).unwrap()
        };
        let mut g = Graph::new(0);
        let ev = g.input(tensor(&[b, t, l], &e0));
        let tv = g.input(tensor(&[l, l], &tr0));
        let sv = g.input(tensor(&[l], &st0));
        let nv = g.input(tensor(&[l], &en0));
        let loss = g.crf_nll(ev, tv, sv, nv, &tags).unwrap();
        let mut ps = ParamStore::new(0);
        g.backward(loss, &mut ps).unwrap();
        // The f64 objective, from plain vectors.
        let f = |e: &[f64], tr: &[f64], st: &[f64], en: &[f64]| -> f64 {
            let c = CrfScores {
                trans: Array2::from_shape_vec((l, l), tr.to_vec()).unwrap(),
                start: st.to_vec(),
                end: en.to_vec(),
            };
            let mut s = 0.0;
            for k in 0..b {
                let em =
                    Array2::from_shape_vec((t, l), e[k * t * l..(k + 1) * t * l].to_vec()).unwrap();
                let (_, lz) = forward(em.view(), &c);
                s += lz - path_score(em.view(), &c, &tags[k * t..(k + 1) * t]);
            }
            s / b as f64
        };
        let value = f(&e0, &tr0, &st0, &en0);
        assert!((f64::from(g.value(loss).unwrap()[[]]) - value).abs() < 1e-4);
        let h = 1e-5;
        let mut worst = 0.0f64;
        let mut check = |which: usize, base: &[f64], analytic: &Tensor| {
            for k in 0..base.len() {
                let mut vs = [e0.clone(), tr0.clone(), st0.clone(), en0.clone()];
                vs[which][k] = base[k] + h;
                let up = f(&vs[0], &vs[1], &vs[2], &vs[3]);
                vs[which][k] = base[k] - h;
                let down = f(&vs[0], &vs[1], &vs[2], &vs[3]);
                let num = (up - down) / (2.0 * h);
                let a = f64::from(analytic.as_slice().unwrap()[k]);
                let err = (a - num).abs();
                worst = worst.max(err);
                assert!(
                    err < 1e-5 + 1e-4 * num.abs(),
                    "input {which}[{k}]: {a} vs {num}"
                );
            }
        };
        check(0, &e0, g.grad(ev).unwrap());
        check(1, &tr0, g.grad(tv).unwrap());
        check(2, &st0, g.grad(sv).unwrap());
        check(3, &en0, g.grad(nv).unwrap());
        assert!(worst > 0.0);
    }

    /// Log Z, the loss, its gradient and the best path against NumPy's
    /// enumeration of every path (tests/reference/make_crf_layer_reference.py).
    #[test]
    fn matches_the_numpy_enumeration_reference() {
        let text = include_str!("../../tests/reference/crf_layer_reference.json");
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let vec1 = |x: &serde_json::Value| -> Vec<f64> {
            x.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        };
        let mat = |x: &serde_json::Value| -> Array2<f64> {
            let rows: Vec<Vec<f64>> = x.as_array().unwrap().iter().map(vec1).collect();
            let (r, c) = (rows.len(), rows[0].len());
            Array2::from_shape_vec((r, c), rows.concat()).unwrap()
        };
        let cases = v["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 5);
        for c in cases {
            let e = mat(&c["emissions"]);
            let (t, l) = e.dim();
            let scores = CrfScores {
                trans: mat(&c["transitions"]),
                start: vec1(&c["start"]),
                end: vec1(&c["end"]),
            };
            let gold: Vec<usize> = vec1(&c["gold"]).iter().map(|&x| x as usize).collect();
            let (_, log_z) = forward(e.view(), &scores);
            assert!((log_z - c["log_z"].as_f64().unwrap()).abs() < 1e-10);
            let gs = path_score(e.view(), &scores, &gold);
            assert!((gs - c["gold_score"].as_f64().unwrap()).abs() < 1e-10);
            let (path, best) = viterbi(e.view(), &scores);
            let want: Vec<usize> = vec1(&c["viterbi"]).iter().map(|&x| x as usize).collect();
            assert_eq!(path, want);
            assert!((best - c["best_score"].as_f64().unwrap()).abs() < 1e-10);
            // The gradient through the tape (f32), batch of one.
            let mut g = Graph::new(0);
            let f32t = |shape: &[usize], it: Vec<f64>| {
                ArrayD::from_shape_vec(IxDyn(shape), it.iter().map(|&x| x as f32).collect())
                    .unwrap()
            };
            let ev = g.input(f32t(&[1, t, l], e.iter().copied().collect()));
            let tv = g.input(f32t(&[l, l], scores.trans.iter().copied().collect()));
            let sv = g.input(f32t(&[l], scores.start.clone()));
            let nv = g.input(f32t(&[l], scores.end.clone()));
            let loss = g.crf_nll(ev, tv, sv, nv, &gold).unwrap();
            let nll = f64::from(g.value(loss).unwrap()[[]]);
            assert!((nll - c["nll"].as_f64().unwrap()).abs() < 1e-4);
            g.backward(loss, &mut ParamStore::new(0)).unwrap();
            let pairs = [
                (
                    ev,
                    mat(&c["d_emissions"]).iter().copied().collect::<Vec<_>>(),
                ),
                (tv, mat(&c["d_transitions"]).iter().copied().collect()),
                (sv, vec1(&c["d_start"])),
                (nv, vec1(&c["d_end"])),
            ];
            for (var, want) in pairs {
                let got = g.grad(var).unwrap();
                assert_eq!(got.len(), want.len());
                for (a, b) in got.iter().zip(&want) {
                    assert!((f64::from(*a) - b).abs() < 1e-5, "{a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn bad_shapes_and_tags_are_errors() {
        let mut g = Graph::new(0);
        let e = g.input(ArrayD::zeros(IxDyn(&[1, 3, 2])));
        let t = g.input(ArrayD::zeros(IxDyn(&[2, 2])));
        let s = g.input(ArrayD::zeros(IxDyn(&[2])));
        let n = g.input(ArrayD::zeros(IxDyn(&[2])));
        assert!(g.crf_nll(e, t, s, n, &[0, 1]).is_err());
        assert!(g.crf_nll(e, t, s, n, &[0, 1, 2]).is_err());
        let wrong = g.input(ArrayD::zeros(IxDyn(&[3, 3])));
        assert!(g.crf_nll(e, wrong, s, n, &[0, 1, 1]).is_err());
        assert!(g.crf_nll(e, t, s, n, &[0, 1, 1]).is_ok());
    }
}
