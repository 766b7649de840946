//! Numeric quiz cards: each generator draws random parameters from a seed,
//! states the problem, computes the answer and a worked solution. The
//! answer is checked with a tolerance.

use rand::Rng as _;

use crate::algos::rng;

/// Absolute floor of the accepted error: rounding to three decimals.
pub const ABS_TOL: f64 = 5e-4;
/// Relative part of the accepted error: three significant figures.
pub const REL_TOL: f64 = 0.01;
/// Generators draw again until every non-integer answer is at least this
/// far from 0, so that 0, half and double the answer are always wrong
/// (half of `a` is off by `a/2 > max(ABS_TOL, REL_TOL a)` once `a > 2 ABS_TOL`).
const MIN_ANSWER: f64 = 0.01;

/// One drawn instance of a numeric card.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub prompt: String,
    /// The expected values, in the order the prompt asks for them.
    pub answer: Vec<f64>,
    /// Accepted error per value: `max(tolerance, rel_tolerance * |answer|)`.
    /// The absolute part is a floor for rounding; the relative part keeps a
    /// small answer (a posterior of 0.008) from accepting 0 or half of it.
    pub tolerance: f64,
    pub rel_tolerance: f64,
    /// How the answer is computed, with the numbers filled in.
    pub solution: String,
}

/// Draw an instance of generator `id`. `None` for an unknown id.
pub fn generate(id: &str, seed: u64) -> Option<Problem> {
    let mut r = rng(seed);
    let p = match id {
        "conv-output-size" => {
            let k = [1usize, 3, 5, 7][r.gen_range(0..4)];
            let s = r.gen_range(1..=4usize);
            let p = r.gen_range(0..=3usize);
            let n = r.gen_range(k.max(8)..=256usize);
            let out = (n + 2 * p - k) / s + 1;
            Problem {
                prompt: format!("Input width N = {n}, kernel K = {k}, padding P = {p}, stride S = {s}. Output width?"),
                answer: vec![out as f64],
                tolerance: 0.0,
                rel_tolerance: 0.0,
                solution: format!("⌊(N + 2P − K)/S⌋ + 1 = ⌊({n} + {} − {k})/{s}⌋ + 1 = {out}", 2 * p),
            }
        }
        "conv-params" => {
            let k = [1usize, 3, 5][r.gen_range(0..3)];
            let cin = [1usize, 3, 16, 32, 64][r.gen_range(0..5)];
            let cout = [8usize, 16, 32, 64, 128][r.gen_range(0..5)];
            let w = k * k * cin * cout;
            Problem {
                prompt: format!("A {k}x{k} convolution from {cin} to {cout} channels, with bias. Number of parameters?"),
                answer: vec![(w + cout) as f64],
                tolerance: 0.0,
                rel_tolerance: 0.0,
                solution: format!("K·K·C_in·C_out + C_out = {k}·{k}·{cin}·{cout} + {cout} = {}", w + cout),
            }
        }
        "entropy" => {
            let n = r.gen_range(2..=4usize);
            let counts = positive_parts(&mut r, n, 8);
            let p: Vec<f64> = counts.iter().map(|&c| c as f64 / 8.0).collect();
            let h = crate::metrics::entropy_bits(&p);
            let shown: Vec<String> = counts.iter().map(|c| format!("{c}/8")).collect();
            Problem {
                prompt: format!(
                    "X takes {n} values with probabilities {}. Entropy H(X) in bits?",
                    shown.join(", ")
                ),
                answer: vec![h],
                tolerance: ABS_TOL,
                rel_tolerance: REL_TOL,
                solution: format!("H = −∑ p log₂ p = {h:.4} bits"),
            }
        }
        "mutual-information" => {
            // Independent-looking tables give I close to 0; draw again so
            // that typing 0 is never right.
            let (t, hx, hy, hxy, i) = loop {
                let t: Vec<usize> = (0..4).map(|_| r.gen_range(1..=9usize)).collect();
                let n: usize = t.iter().sum();
                let p = |c: usize| c as f64 / n as f64;
                let hx = crate::metrics::entropy_bits(&[p(t[0] + t[1]), p(t[2] + t[3])]);
                let hy = crate::metrics::entropy_bits(&[p(t[0] + t[2]), p(t[1] + t[3])]);
                let hxy =
                    crate::metrics::entropy_bits(&t.iter().map(|&c| p(c)).collect::<Vec<_>>());
                let i = (hx + hy - hxy).max(0.0);
                if i >= MIN_ANSWER {
                    break (t, hx, hy, hxy, i);
                }
            };
            Problem {
                prompt: format!(
                    "Counts of (X, Y): (0,0) {}, (0,1) {}, (1,0) {}, (1,1) {}. Mutual information I(X;Y) in bits?",
                    t[0], t[1], t[2], t[3]
                ),
                answer: vec![i],
                tolerance: ABS_TOL,
                rel_tolerance: REL_TOL,
                solution: format!("I = H(X) + H(Y) − H(X,Y) = {hx:.4} + {hy:.4} − {hxy:.4} = {i:.4} bits"),
            }
        }
        "information-gain" => {
            let (a1, b1, a2, b2, parent, g) = loop {
                let (a1, b1, a2, b2) = (
                    r.gen_range(1..=9usize),
                    r.gen_range(0..=9usize),
                    r.gen_range(0..=9usize),
                    r.gen_range(1..=9usize),
                );
                let parent = [a1 + a2, b1 + b2];
                let children = vec![vec![a1, b1], vec![a2, b2]];
                let g = crate::metrics::information_gain_bits(&parent, &children);
                if g >= MIN_ANSWER {
                    break (a1, b1, a2, b2, parent, g);
                }
            };
            Problem {
                prompt: format!(
                    "A node with {} positive and {} negative rows splits into ({a1}+, {b1}−) and ({a2}+, {b2}−). Information gain in bits?",
                    parent[0], parent[1]
                ),
                answer: vec![g],
                tolerance: ABS_TOL,
                rel_tolerance: REL_TOL,
                solution: format!("g = H(D) − ∑ |Dᵥ|/|D| H(Dᵥ) = {g:.4} bits"),
            }
        }
        "gini-split" => {
            // Two pure children give 0: draw again.
            let (a1, b1, a2, b2, g) = loop {
                let (a1, b1, a2, b2) = (
                    r.gen_range(1..=9usize),
                    r.gen_range(0..=9usize),
                    r.gen_range(0..=9usize),
                    r.gen_range(1..=9usize),
                );
                let (n1, n2) = ((a1 + b1) as f64, (a2 + b2) as f64);
                let g = (n1 * crate::metrics::gini(&[a1, b1])
                    + n2 * crate::metrics::gini(&[a2, b2]))
                    / (n1 + n2);
                if g >= MIN_ANSWER {
                    break (a1, b1, a2, b2, g);
                }
            };
            Problem {
                prompt: format!("A split gives children ({a1}+, {b1}−) and ({a2}+, {b2}−). Weighted Gini impurity of the split?"),
                answer: vec![g],
                tolerance: ABS_TOL,
                rel_tolerance: REL_TOL,
                solution: format!("∑ |Dᵥ|/|D| (1 − ∑ p²) = {g:.4}"),
            }
        }
        "precision-recall-f1" => {
            let tp = r.gen_range(5..=90usize);
            let fp = r.gen_range(0..=30usize);
            let fnn = r.gen_range(0..=30usize);
            let p = tp as f64 / (tp + fp) as f64;
            let rc = tp as f64 / (tp + fnn) as f64;
            let f1 = 2.0 * p * rc / (p + rc);
            Problem {
                prompt: format!("TP = {tp}, FP = {fp}, FN = {fnn}. Precision, recall and F1?"),
                answer: vec![p, rc, f1],
                tolerance: ABS_TOL,
                rel_tolerance: REL_TOL,
                solution: format!(
                    "P = {tp}/({tp}+{fp}) = {p:.3}; R = {tp}/({tp}+{fnn}) = {rc:.3}; F1 = 2PR/(P+R) = {f1:.3}"
                ),
            }
        }
        "bayes-posterior" => {
            let prior = [0.001, 0.01, 0.02, 0.05, 0.1][r.gen_range(0..5)];
            let sens = [0.8, 0.9, 0.95, 0.99][r.gen_range(0..4)];
            let fpr = [0.01, 0.05, 0.1][r.gen_range(0..3)];
            let post = sens * prior / (sens * prior + fpr * (1.0 - prior));
            Problem {
                prompt: format!(
                    "A disease has prevalence {prior}. The test detects it with probability {sens} and gives a false positive with probability {fpr}. P(disease | positive)?"
                ),
                answer: vec![post],
                tolerance: ABS_TOL,
                rel_tolerance: REL_TOL,
                solution: format!(
                    "P(D|+) = P(+|D)P(D) / [P(+|D)P(D) + P(+|¬D)P(¬D)] = {sens}·{prior} / ({sens}·{prior} + {fpr}·{}) = {post:.4}",
                    1.0 - prior
                ),
            }
        }
        "viterbi-step" => {
            // δ_(t−1)(i) = max over paths of P(path, o_(1:t−1)), so the entries
            // sum to at most P(o_(1:t−1)) <= 1: draw a sub-probability vector.
            let d0 = r.gen_range(1..=8);
            let d1 = r.gen_range(1..=9 - d0);
            let d = [f64::from(d0) / 10.0, f64::from(d1) / 10.0];
            let k0 = r.gen_range(5..=9);
            let k1 = r.gen_range(5..=9);
            let tenth = |k: i32| f64::from(k) / 10.0;
            let a = [[tenth(k0), tenth(10 - k0)], [tenth(10 - k1), tenth(k1)]];
            let b = [
                r.gen_range(1..=9) as f64 / 10.0,
                r.gen_range(1..=9) as f64 / 10.0,
            ];
            let next: Vec<f64> = (0..2)
                .map(|j| (0..2).map(|i| d[i] * a[i][j]).fold(0.0, f64::max) * b[j])
                .collect();
            Problem {
                prompt: format!(
                    "Two states. δ_(t−1) = ({}, {}); A = [[{}, {}], [{}, {}]]; emission of o_t: b₀ = {}, b₁ = {}. δ_t(0) and δ_t(1)?",
                    d[0], d[1], a[0][0], a[0][1], a[1][0], a[1][1], b[0], b[1]
                ),
                answer: next.clone(),
                tolerance: ABS_TOL,
                rel_tolerance: REL_TOL,
                solution: format!(
                    "δ_t(j) = maxᵢ δ_(t−1)(i) aᵢⱼ · bⱼ(o_t): δ_t(0) = {:.4}, δ_t(1) = {:.4}",
                    next[0], next[1]
                ),
            }
        }
        "softmax" => {
            let z: Vec<f64> = (0..3).map(|_| r.gen_range(-2..=3) as f64).collect();
            let m = z.iter().copied().fold(f64::MIN, f64::max);
            let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
            let s: f64 = e.iter().sum();
            let p: Vec<f64> = e.iter().map(|v| v / s).collect();
            Problem {
                prompt: format!(
                    "softmax({}, {}, {})? Give the three probabilities.",
                    z[0], z[1], z[2]
                ),
                answer: p.clone(),
                tolerance: ABS_TOL,
                rel_tolerance: REL_TOL,
                solution: format!("e^(zᵢ)/∑ⱼ e^(zⱼ) = ({:.3}, {:.3}, {:.3})", p[0], p[1], p[2]),
            }
        }
        "tf-idf" => {
            let tf = r.gen_range(1..=5usize);
            let n = r.gen_range(10..=1000usize);
            let df = r.gen_range(1..=n / 2);
            let idf = ((1.0 + n as f64) / (1.0 + df as f64)).ln() + 1.0;
            Problem {
                prompt: format!(
                    "A term occurs {tf} times in a document; {df} of the {n} documents contain it. TF-IDF weight with the smoothed idf ln((1+N)/(1+df)) + 1, before normalisation?"
                ),
                answer: vec![tf as f64 * idf],
                tolerance: ABS_TOL,
                rel_tolerance: REL_TOL,
                solution: format!("tf · idf = {tf} · (ln({}/{}) + 1) = {:.4}", n + 1, df + 1, tf as f64 * idf),
            }
        }
        "kmeans-update" => {
            let k = r.gen_range(3..=5usize);
            let pts: Vec<(i32, i32)> = (0..k)
                .map(|_| (r.gen_range(-5..=5), r.gen_range(-5..=5)))
                .collect();
            let cx = pts.iter().map(|p| f64::from(p.0)).sum::<f64>() / k as f64;
            let cy = pts.iter().map(|p| f64::from(p.1)).sum::<f64>() / k as f64;
            let shown: Vec<String> = pts.iter().map(|p| format!("({}, {})", p.0, p.1)).collect();
            Problem {
                prompt: format!(
                    "These points are assigned to one cluster: {}. Its new centre (x, y)?",
                    shown.join(", ")
                ),
                answer: vec![cx, cy],
                tolerance: ABS_TOL,
                rel_tolerance: REL_TOL,
                solution: format!("the mean of the assigned points: ({cx:.3}, {cy:.3})"),
            }
        }
        "attention-shapes" => {
            let h = [2usize, 4, 8, 12][r.gen_range(0..4)];
            let dk = [16usize, 32, 64][r.gen_range(0..3)];
            let d = h * dk;
            let n = [10usize, 32, 128, 512][r.gen_range(0..4)];
            let b = r.gen_range(1..=8usize);
            Problem {
                prompt: format!(
                    "Multi-head self-attention, d_model = {d}, h = {h} heads, batch {b}, sequence length {n}. Give d_k and the number of attention weights (all heads, whole batch)."
                ),
                answer: vec![dk as f64, (b * h * n * n) as f64],
                tolerance: 0.0,
                rel_tolerance: 0.0,
                solution: format!("d_k = d_model/h = {dk}; weights softmax(QKᵀ/√d_k) are n×n per head: B·h·n² = {}", b * h * n * n),
            }
        }
        "mha-params" => {
            let d = [64usize, 128, 256, 512, 768, 1024][r.gen_range(0..6)];
            Problem {
                prompt: format!("Parameters of one multi-head attention layer with d_model = {d} (W_Q, W_K, W_V, W_O with biases)?"),
                answer: vec![(4 * d * d + 4 * d) as f64],
                tolerance: 0.0,
                rel_tolerance: 0.0,
                solution: format!("4·d² + 4·d = {}", 4 * d * d + 4 * d),
            }
        }
        _ => return None,
    };
    Some(p)
}

/// `n` positive integers summing to `total`.
fn positive_parts(r: &mut crate::algos::Rng, n: usize, total: usize) -> Vec<usize> {
    let mut parts = vec![1usize; n];
    for _ in 0..total.saturating_sub(n) {
        let i = r.gen_range(0..n);
        parts[i] += 1;
    }
    parts
}

/// Parse the numbers of an answer ("0.75, 0.6 0.667" or "3/4") and compare.
pub fn check(problem: &Problem, input: &str) -> Result<bool, String> {
    let values: Vec<f64> = input
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace() || c == '(' || c == ')')
        .filter(|s| !s.is_empty())
        .map(|s| match s.split_once('/') {
            Some((a, b)) => match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
                (Ok(a), Ok(b)) if b != 0.0 => Ok(a / b),
                _ => Err(format!("`{s}` is not a number")),
            },
            None => s
                .parse::<f64>()
                .map_err(|_| format!("`{s}` is not a number")),
        })
        .collect::<Result<_, _>>()?;
    if values.len() != problem.answer.len() {
        return Err(format!(
            "expected {} number(s), got {}",
            problem.answer.len(),
            values.len()
        ));
    }
    Ok(values.iter().zip(&problem.answer).all(|(v, a)| {
        let tol = problem.tolerance.max(problem.rel_tolerance * a.abs());
        (v - a).abs() <= tol.max(1e-9) + 1e-9 * a.abs()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::check::GENERATORS;

    #[test]
    fn every_generator_is_finite_and_checks_its_own_answer() {
        for id in GENERATORS {
            for seed in 0..500 {
                let p = generate(id, seed).unwrap_or_else(|| panic!("{id} unknown"));
                assert!(!p.answer.is_empty());
                assert!(
                    p.answer.iter().all(|v| v.is_finite()),
                    "{id} seed {seed}: {:?}",
                    p.answer
                );
                let typed: Vec<String> = p.answer.iter().map(|v| format!("{v}")).collect();
                assert_eq!(check(&p, &typed.join(", ")), Ok(true), "{id} seed {seed}");
                let off: Vec<String> = p.answer.iter().map(|v| format!("{}", v + 1.0)).collect();
                assert_eq!(check(&p, &off.join(", ")), Ok(false), "{id} seed {seed}");
            }
        }
        assert!(generate("no-such", 0).is_none());
    }

    /// A wrong answer must never be graded right: for every generator and
    /// many seeds, 0, half and double each non-zero value are rejected, and
    /// the value rounded to three decimals is accepted.
    #[test]
    fn near_misses_are_rejected_and_rounding_is_accepted() {
        for id in GENERATORS {
            for seed in 0..1000 {
                let p = generate(id, seed).expect("known generator");
                for (k, &a) in p.answer.iter().enumerate() {
                    let with = |v: f64| -> String {
                        let mut vals: Vec<String> =
                            p.answer.iter().map(|x| format!("{x}")).collect();
                        vals[k] = format!("{v}");
                        vals.join(", ")
                    };
                    assert_eq!(
                        check(&p, &with((a * 1000.0).round() / 1000.0)),
                        Ok(true),
                        "{id} seed {seed}: {a} to 3 decimals"
                    );
                    if a == 0.0 {
                        continue;
                    }
                    for wrong in [0.0, a / 2.0, a * 2.0] {
                        assert_eq!(
                            check(&p, &with(wrong)),
                            Ok(false),
                            "{id} seed {seed}: {wrong} accepted for {a}"
                        );
                    }
                }
            }
        }
    }

    /// δ_(t−1) in the Viterbi card is a sub-probability vector.
    #[test]
    fn viterbi_previous_deltas_sum_to_at_most_one() {
        for seed in 0..1000 {
            let p = generate("viterbi-step", seed).expect("gen");
            let v: Vec<f64> = p
                .prompt
                .split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .filter_map(|t| t.trim_end_matches('.').parse::<f64>().ok())
                .collect();
            assert!(v[1] + v[2] <= 1.0 + 1e-12, "seed {seed}: {}", p.prompt);
        }
    }

    /// Independent computations: each answer recomputed from the numbers as
    /// printed in the prompt, by a different route (F1 from counts, mutual
    /// information as a KL divergence, entropy from the definition).
    #[test]
    fn answers_agree_with_independent_computations() {
        let nums = |s: &str| -> Vec<f64> {
            s.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                .filter_map(|t| t.trim_end_matches('.').parse::<f64>().ok())
                .collect()
        };
        for seed in 0..300 {
            let p = generate("conv-output-size", seed).expect("gen");
            let v = nums(&p.prompt);
            let (n, k, pad, s) = (v[0], v[1], v[2], v[3]);
            assert_eq!(p.answer[0], ((n + 2.0 * pad - k) / s).floor() + 1.0);

            let p = generate("precision-recall-f1", seed).expect("gen");
            let v = nums(&p.prompt);
            let (tp, fp, fnn) = (v[0], v[1], v[2]);
            assert!(
                (p.answer[2] - 2.0 * tp / (2.0 * tp + fp + fnn)).abs() < 1e-12,
                "F1 = 2TP/(2TP+FP+FN)"
            );

            let p = generate("mutual-information", seed).expect("gen");
            let t = nums(&p.prompt);
            let c = [t[2], t[5], t[8], t[11]];
            let n: f64 = c.iter().sum();
            let (px, py) = (
                [(c[0] + c[1]) / n, (c[2] + c[3]) / n],
                [(c[0] + c[2]) / n, (c[1] + c[3]) / n],
            );
            let mut i = 0.0;
            for (k, &cij) in c.iter().enumerate() {
                let pij = cij / n;
                i += pij * (pij / (px[k / 2] * py[k % 2])).log2();
            }
            assert!((p.answer[0] - i).abs() < 1e-9, "KL form of I(X;Y)");

            let p = generate("viterbi-step", seed).expect("gen");
            // Numbers in the prompt: the 1 of "t−1", δ_(t−1) (2), A (4), b (2).
            let v = nums(&p.prompt);
            let (d0, d1) = (v[1], v[2]);
            let a = [v[3], v[4], v[5], v[6]];
            let b = [v[7], v[8]];
            for j in 0..2 {
                let best = (d0 * a[j]).max(d1 * a[2 + j]) * b[j];
                assert!((p.answer[j] - best).abs() < 1e-12);
            }

            let p = generate("softmax", seed).expect("gen");
            assert!((p.answer.iter().sum::<f64>() - 1.0).abs() < 1e-12);

            let p = generate("entropy", seed).expect("gen");
            let v = nums(&p.prompt);
            let probs: Vec<f64> = v[1..].chunks(2).map(|w| w[0] / w[1]).collect();
            let h: f64 = -probs.iter().map(|q| q * q.log2()).sum::<f64>();
            assert!((p.answer[0] - h).abs() < 1e-9);
        }
    }
}
