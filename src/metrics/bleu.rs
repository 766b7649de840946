//! Corpus BLEU (Papineni et al. 2002) with one reference per hypothesis:
//! modified n-gram precisions for n = 1..4 pooled over the corpus (each
//! hypothesis n-gram counts at most as often as it occurs in its
//! reference), their geometric mean with equal weights, times the brevity
//! penalty `BP = 1` if `c > r`, else `exp(1 − r/c)`, where c and r are the
//! total hypothesis and reference lengths. No smoothing: a corpus with no
//! matching 4-gram scores 0.
//!
//! Checked against NLTK's `corpus_bleu` (tests/reference/bleu_reference.json).
//! NLTK differs in one corner: a hypothesis shorter than n adds 1 (not 0) to
//! the n-gram denominator; here it adds 0, as in the paper and sacreBLEU.

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

/// Corpus BLEU and its parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bleu {
    /// In [0, 1].
    pub score: f64,
    /// Modified precisions p_1..p_4.
    pub precisions: [f64; 4],
    pub brevity_penalty: f64,
    pub hyp_len: usize,
    pub ref_len: usize,
}

fn ngrams<T: Eq + Hash + Clone>(s: &[T], n: usize) -> HashMap<&[T], usize> {
    let mut m = HashMap::new();
    if s.len() >= n {
        for w in s.windows(n) {
            *m.entry(w).or_insert(0) += 1;
        }
    }
    m
}

/// BLEU of `hyps` against `refs` (pairs in order; extra items of the
/// longer list are ignored).
pub fn corpus_bleu<T: Eq + Hash + Clone>(refs: &[Vec<T>], hyps: &[Vec<T>]) -> Bleu {
    let mut matched = [0usize; 4];
    let mut total = [0usize; 4];
    let (mut c, mut r) = (0usize, 0usize);
    for (rf, hy) in refs.iter().zip(hyps) {
        c += hy.len();
        r += rf.len();
        for n in 1..=4 {
            let hc = ngrams(hy, n);
            let rc = ngrams(rf, n);
            for (g, &k) in &hc {
                matched[n - 1] += k.min(rc.get(g).copied().unwrap_or(0));
                total[n - 1] += k;
            }
        }
    }
    let mut precisions = [0.0; 4];
    for n in 0..4 {
        precisions[n] = if total[n] > 0 {
            matched[n] as f64 / total[n] as f64
        } else {
            0.0
        };
    }
    let brevity_penalty = if c == 0 {
        0.0
    } else if c > r {
        1.0
    } else {
        (1.0 - r as f64 / c as f64).exp()
    };
    let score = if precisions.iter().any(|&p| p <= 0.0) {
        0.0
    } else {
        brevity_penalty * (precisions.iter().map(|p| p.ln()).sum::<f64>() / 4.0).exp()
    };
    Bleu {
        score,
        precisions,
        brevity_penalty,
        hyp_len: c,
        ref_len: r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn identical_is_one_and_disjoint_is_zero() {
        let a = vec![toks("1 2 3 4 5")];
        assert_eq!(corpus_bleu(&a, &a).score, 1.0);
        let b = vec![toks("6 7 8 9 0")];
        assert_eq!(corpus_bleu(&a, &b).score, 0.0);
        assert_eq!(corpus_bleu::<String>(&[], &[]).score, 0.0);
    }

    /// By hand: ref "1 2 3 4 5 6", hyp "1 2 3 4 5": p1..p4 = 1, BP =
    /// exp(1 − 6/5).
    #[test]
    fn brevity_penalty_by_hand() {
        let b = corpus_bleu(&[toks("1 2 3 4 5 6")], &[toks("1 2 3 4 5")]);
        assert_eq!(b.precisions, [1.0; 4]);
        assert!((b.score - (-0.2f64).exp()).abs() < 1e-15);
    }

    /// Clipping: "the the the the" against "the cat" has p1 = 1/4.
    #[test]
    fn counts_are_clipped() {
        let b = corpus_bleu(&[toks("the cat")], &[toks("the the the the")]);
        assert_eq!(b.precisions[0], 0.25);
    }

    /// Against NLTK 3.9.1 `corpus_bleu` and a plain-Python pooled count
    /// (tests/reference/make_bleu_reference.py).
    #[test]
    fn matches_the_reference() -> Result<(), Box<dyn std::error::Error>> {
        let r: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/reference/bleu_reference.json"))?;
        let cases = r["cases"].as_array().ok_or("cases")?;
        assert!(cases.len() >= 3);
        for case in cases {
            let list = |k: &str| -> Vec<Vec<String>> {
                case[k]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|s| toks(s.as_str().unwrap_or_default()))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let b = corpus_bleu(&list("refs"), &list("hyps"));
            let want = case["bleu"].as_f64().ok_or("bleu")?;
            assert!(
                (b.score - want).abs() < 1e-12,
                "{}: {} vs {want}",
                case["name"],
                b.score
            );
            if let Some(p) = case["precisions"].as_array() {
                for (ours, theirs) in b.precisions.iter().zip(p) {
                    assert!((ours - theirs.as_f64().unwrap_or(-1.0)).abs() < 1e-12);
                }
            }
        }
        Ok(())
    }
}
