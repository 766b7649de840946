use super::forward::{fast_log_likelihood, scaled_log_likelihood, Work};
use super::learn::{accumulate, accumulate_log, Stats};
use super::viterbi::{viterbi_dyn, viterbi_fixed};
use super::*;
use crate::algos::core::Progress;
use ndarray::array;

fn casino() -> Hmm {
    Hmm::new(
        array![0.5, 0.5],
        array![[0.95, 0.05], [0.1, 0.9]],
        array![
            [
                1.0 / 6.0,
                1.0 / 6.0,
                1.0 / 6.0,
                1.0 / 6.0,
                1.0 / 6.0,
                1.0 / 6.0
            ],
            [0.1, 0.1, 0.1, 0.1, 0.1, 0.5]
        ],
    )
    .unwrap()
}

/// Random valid model with entries bounded away from 0.
fn random_model(n: usize, m: usize, seed: u64) -> Hmm {
    let mut r = rng(seed);
    let mut row = |k: usize| -> Vec<f64> {
        let v: Vec<f64> = (0..k).map(|_| r.gen_range(0.05..1.0)).collect();
        let s: f64 = v.iter().sum();
        v.into_iter().map(|x| x / s).collect()
    };
    let pi = row(n);
    let a: Vec<f64> = (0..n).flat_map(|_| row(n)).collect();
    let b: Vec<f64> = (0..n).flat_map(|_| row(m)).collect();
    Hmm::new(
        Array1::from(pi),
        Array2::from_shape_vec((n, n), a).unwrap(),
        Array2::from_shape_vec((n, m), b).unwrap(),
    )
    .unwrap()
}

/// Brute force over all paths: (log P(O), best path, its log-prob).
fn brute(h: &Hmm, seq: &[usize]) -> (f64, Vec<usize>, f64) {
    let n = h.n_states();
    let t_len = seq.len();
    let mut total = 0.0;
    let mut best = (f64::NEG_INFINITY, vec![]);
    for code in 0..n.pow(t_len as u32) {
        let mut path = vec![0; t_len];
        let mut c = code;
        for p in path.iter_mut() {
            *p = c % n;
            c /= n;
        }
        let mut pr = h.startprob[path[0]] * h.emissionprob[[path[0], seq[0]]];
        for t in 1..t_len {
            pr *= h.transmat[[path[t - 1], path[t]]] * h.emissionprob[[path[t], seq[t]]];
        }
        total += pr;
        if pr.ln() > best.0 {
            best = (pr.ln(), path);
        }
    }
    (total.ln(), best.1, best.0)
}

#[test]
fn matches_brute_force() {
    for seed in 0..20 {
        let h = random_model(3, 4, seed);
        let (_, obs) = h.sample(6, seed + 100).unwrap();
        let (ll, path, lp) = brute(&h, &obs);
        let ours = h.log_likelihood(std::slice::from_ref(&obs)).unwrap();
        assert!((ours - ll).abs() < 1e-10, "{ours} vs {ll}");
        let (vp, vlp) = h.viterbi(&obs).unwrap();
        assert_eq!(vp, path);
        assert!((vlp - lp).abs() < 1e-10);
        let ft = h.forward_trellis(&obs).unwrap();
        assert!((ft.log_likelihood - ll).abs() < 1e-10);
        let tr = h.viterbi_trellis(&obs).unwrap();
        assert_eq!(tr.path, vp);
        assert_eq!(tr.log_prob, vlp);
    }
}

#[test]
fn posteriors_sum_to_one_and_match_forward_backward() {
    let h = random_model(4, 5, 3);
    let (_, obs) = h.sample(50, 9).unwrap();
    let p = h.posteriors(&obs).unwrap();
    for r in p.rows() {
        assert!((r.sum() - 1.0).abs() < 1e-12);
    }
    let f = h.forward(&obs).unwrap();
    let b = h.backward(&obs, &f).unwrap();
    let g = &f.alpha * &b;
    for (x, y) in g.iter().zip(p.iter()) {
        assert!((x - y).abs() < 1e-12);
    }
    assert!(
        (f.log_likelihood - h.log_likelihood(std::slice::from_ref(&obs)).unwrap()).abs() < 1e-12
    );
    // Brute-force posterior at t = 2 on a short prefix.
    let short = &obs[..5];
    let ps = h.posteriors(short).unwrap();
    let n = h.n_states();
    let mut marg = vec![0.0; n];
    for code in 0..n.pow(5) {
        let mut path = [0; 5];
        let mut c = code;
        for q in path.iter_mut() {
            *q = c % n;
            c /= n;
        }
        let mut pr = h.startprob[path[0]] * h.emissionprob[[path[0], short[0]]];
        for t in 1..5 {
            pr *= h.transmat[[path[t - 1], path[t]]] * h.emissionprob[[path[t], short[t]]];
        }
        marg[path[2]] += pr;
    }
    let s: f64 = marg.iter().sum();
    for i in 0..n {
        assert!((ps[[2, i]] - marg[i] / s).abs() < 1e-12);
    }
}

#[test]
fn long_sequence_is_stable() {
    let h = casino();
    let (_, obs) = h.sample(1_000_000, 1).unwrap();
    let ll = h.log_likelihood(std::slice::from_ref(&obs)).unwrap();
    assert!(ll.is_finite() && ll < 0.0);
    // Per-step average close to the entropy rate (between ln(1/6) and ~ln(1/4)).
    let per = ll / 1e6;
    assert!(per < -1.5 && per > -1.9, "{per}");
    let (path, lp) = h.viterbi(&obs).unwrap();
    assert_eq!(path.len(), 1_000_000);
    assert!(lp.is_finite() && lp < ll);
}

#[test]
fn underflow_falls_back_to_log_space() {
    // Emission probabilities of 1e-200: two steps underflow the scaled pass.
    let h = Hmm::new(
        array![1.0, 0.0],
        array![[0.5, 0.5], [0.5, 0.5]],
        array![[1.0 - 1e-200, 1e-200], [1.0 - 1e-200, 1e-200]],
    )
    .unwrap();
    let seq = vec![1, 1, 1, 0];
    let ll = h.log_likelihood(std::slice::from_ref(&seq)).unwrap();
    assert!((ll - 3.0 * (1e-200f64).ln()).abs() < 1e-9, "{ll}");
    let f = h.forward(&seq).unwrap();
    assert!((f.log_likelihood - ll).abs() < 1e-9);
    let p = h.posteriors(&seq).unwrap();
    assert!((p[[0, 0]] - 1.0).abs() < 1e-12);
    assert!((p[[2, 1]] - 0.5).abs() < 1e-12);
    let b = h.backward(&seq, &f).unwrap();
    let g = &f.alpha * &b;
    for (x, y) in g.iter().zip(p.iter()) {
        assert!((x - y).abs() < 1e-9);
    }
}

#[test]
fn impossible_sequence() {
    let h = Hmm::new(
        array![1.0, 0.0],
        array![[1.0, 0.0], [0.0, 1.0]],
        array![[1.0, 0.0], [0.0, 1.0]],
    )
    .unwrap();
    let seq = vec![0, 0, 1];
    assert_eq!(
        h.log_likelihood(std::slice::from_ref(&seq)).unwrap(),
        f64::NEG_INFINITY
    );
    assert_eq!(
        h.posteriors(&seq).unwrap_err(),
        HmmError::ZeroProbability { seq: 0, pos: 2 }
    );
    assert_eq!(
        h.forward(&seq).unwrap_err(),
        HmmError::ZeroProbability { seq: 0, pos: 2 }
    );
    let err = h
        .baum_welch(&[vec![0], seq], 5, 0.0, &mut Progress::none())
        .unwrap_err();
    assert_eq!(err, HmmError::ZeroProbability { seq: 1, pos: 2 });
    let (_, lp) = h.viterbi(&[0, 0, 1]).unwrap();
    assert_eq!(lp, f64::NEG_INFINITY);
}

#[test]
fn validation_messages() {
    let e = Hmm::new(
        array![0.5, 0.5],
        array![[0.9, 0.1], [0.5, 0.47]],
        array![[1.0], [1.0]],
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "transmat row 1 sums to 0.97, expected 1 (within 1e-6)"
    );
    let e = Hmm::new(
        array![0.6, 0.5],
        array![[0.9, 0.1], [0.5, 0.5]],
        array![[1.0], [1.0]],
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "startprob sums to 1.1, expected 1 (within 1e-6)"
    );
    let e = Hmm::new(
        array![0.5, 0.5],
        array![[0.9, 0.1], [0.5, 0.5]],
        array![[f64::NAN, 1.0], [1.0, 0.0]],
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("emissionprob row 0, entry 0: NaN"),
        "{e}"
    );
    let e = Hmm::new(array![0.5, 0.5], array![[1.0]], array![[1.0], [1.0]]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "transmat is 1 x 1, expected 2 x 2 (startprob has 2 states)"
    );
    let h = casino();
    let e = h.log_likelihood(&[vec![0, 1], vec![2, 6, 1]]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "sequence 1, position 1: symbol 6 is out of range (the model has 6 symbols, 0..=5)"
    );
    assert_eq!(
        h.viterbi(&[]).unwrap_err(),
        HmmError::EmptySequence { seq: 0 }
    );
    assert_eq!(short_num(0.9700000000000001), "0.97");
    assert_eq!(short_num(1.0000001), "1.0000001");
    assert_eq!(short_num(2.5e-7), "2.5e-7");
}

#[test]
fn baum_welch_history_never_decreases() {
    for seed in 0..40u64 {
        let n = 2 + (seed % 3) as usize;
        let m = 3 + (seed % 5) as usize;
        let truth = random_model(n, m, seed);
        let seqs: Vec<Vec<usize>> = (0..3)
            .map(|k| truth.sample(30 + 20 * k, seed * 7 + k as u64).unwrap().1)
            .collect();
        let init = random_model(n, m, seed + 1000);
        let mut seen = Vec::new();
        let mut sink = |s: crate::algos::core::Step| {
            seen.push(s.value);
            true
        };
        let (fitted, hist) = init
            .baum_welch(&seqs, 60, f64::NEG_INFINITY, &mut Progress::new(&mut sink))
            .unwrap();
        assert_eq!(hist.len(), 60);
        assert_eq!(seen, hist);
        for w in hist.windows(2) {
            assert!(w[1] >= w[0] - 1e-9 * w[0].abs(), "seed {seed}: {hist:?}");
        }
        fitted.validate().unwrap();
        let ll = fitted.log_likelihood(&seqs).unwrap();
        assert!(ll >= hist[hist.len() - 1] - 1e-9);
    }
}

#[test]
fn baum_welch_stops_on_tol_and_cancels() {
    let h = casino();
    let (_, obs) = h.sample(500, 4).unwrap();
    let init = random_model(2, 6, 5);
    let (_, hist) = init
        .baum_welch(
            std::slice::from_ref(&obs),
            1000,
            1e-2,
            &mut Progress::none(),
        )
        .unwrap();
    assert!(hist.len() < 1000);
    let k = hist.len();
    assert!(hist[k - 1] - hist[k - 2] < 1e-2);
    for w in hist[..k - 1].windows(2) {
        assert!(w[1] - w[0] >= 1e-2);
    }
    let mut count = 0;
    let mut sink = |_s: crate::algos::core::Step| {
        count += 1;
        count < 3
    };
    let e = init
        .baum_welch(&[obs], 10, 0.0, &mut Progress::new(&mut sink))
        .unwrap_err();
    assert_eq!(e, HmmError::Cancelled);
}

#[test]
fn lazy_scaling_matches_normalised_scaling() {
    for (n, seed) in [(2, 1), (3, 2), (4, 3), (5, 4), (6, 5), (8, 6)] {
        let h = random_model(n, 7, seed);
        let (_, o) = h.sample(5_000, seed).unwrap();
        let tb = Tables::new(&h);
        let (mut p, mut c) = (vec![0.0; n], vec![0.0; n]);
        let a = fast_log_likelihood(&tb, &o).unwrap();
        let b = scaled_log_likelihood(&tb, &o, &mut p, &mut c).unwrap();
        assert!((a - b).abs() <= 1e-10 * b.abs(), "{a} {b}");
    }
    // Steps of probability 1e-200 are rescaled in time...
    let h = Hmm::new(
        array![1.0, 0.0],
        array![[0.5, 0.5], [0.5, 0.5]],
        array![[1.0 - 1e-200, 1e-200], [1.0 - 1e-200, 1e-200]],
    )
    .unwrap();
    let ll = fast_log_likelihood(&Tables::new(&h), &[1, 1, 1, 0]).unwrap();
    assert!((ll - 3.0 * (1e-200f64).ln()).abs() < 1e-9);
    // ... but 1e-99 then 1e-160 would fall below 1e-250: the caller falls back.
    let e = [1.0 - 1e-99 - 1e-160, 1e-99, 1e-160];
    let h = Hmm::new(
        array![0.5, 0.5],
        array![[0.5, 0.5], [0.5, 0.5]],
        array![e, e],
    )
    .unwrap();
    assert_eq!(fast_log_likelihood(&Tables::new(&h), &[1, 2, 0]), None);
    let ll = h.log_likelihood(&[vec![1, 2, 0]]).unwrap();
    assert!(
        (ll - (1e-99f64).ln() - (1e-160f64).ln()).abs() < 1e-9,
        "{ll}"
    );
}

#[test]
fn log_space_e_step_matches_scaled() {
    let h = random_model(3, 4, 11);
    let seqs: Vec<Vec<usize>> = (0..3).map(|k| h.sample(40, k).unwrap().1).collect();
    let tb = Tables::new(&h);
    let lt = tb.logs();
    let mut s1 = Stats::new(3, 4);
    let mut s2 = Stats::new(3, 4);
    let mut w = Work::new(3);
    for (k, s) in seqs.iter().enumerate() {
        accumulate(&tb, &lt, k, s, &mut w, &mut s1).unwrap();
        accumulate_log(&lt, 4, k, s, &mut s2).unwrap();
    }
    assert!((s1.log_likelihood - s2.log_likelihood).abs() < 1e-9);
    for (a, b) in s1
        .start
        .iter()
        .chain(&s1.trans)
        .chain(&s1.obs)
        .zip(s2.start.iter().chain(&s2.trans).chain(&s2.obs))
    {
        assert!((a - b).abs() < 1e-9, "{a} {b}");
    }
}

#[test]
fn viterbi_fixed_and_dynamic_agree_with_ties() {
    // Identical states give exact ties everywhere: hmmlearn's rule gives
    // the first state at the end and the last state elsewhere.
    let h = Hmm::new(
        array![0.25, 0.25, 0.25, 0.25],
        Array2::from_elem((4, 4), 0.25),
        Array2::from_elem((4, 3), 1.0 / 3.0),
    )
    .unwrap();
    let seq = vec![0, 1, 2, 0];
    let (p, _) = h.viterbi(&seq).unwrap();
    assert_eq!(p, vec![3, 3, 3, 0]);
    let lt = Tables::new(&h).logs();
    assert_eq!(viterbi_dyn::<u8>(&lt, &seq).0, p);
    for seed in 0..10 {
        let h = random_model(4, 5, seed);
        let (_, o) = h.sample(200, seed).unwrap();
        let lt = Tables::new(&h).logs();
        assert_eq!(viterbi_dyn::<u32>(&lt, &o), viterbi_fixed::<4, u8>(&lt, &o));
    }
}

#[test]
fn supervised_fit_counts() {
    let obs = vec![vec![0, 1, 1], vec![1, 0]];
    let states = vec![vec![0, 0, 1], vec![1, 1]];
    let h = fit_supervised(&obs, &states, 2, 2, 0.0).unwrap();
    assert_eq!(h.startprob, array![0.5, 0.5]);
    assert_eq!(h.transmat, array![[0.5, 0.5], [0.0, 1.0]]);
    assert_eq!(h.emissionprob, array![[0.5, 0.5], [1.0 / 3.0, 2.0 / 3.0]]);
    let h = fit_supervised(&obs, &states, 3, 2, 1.0).unwrap();
    assert_eq!(h.startprob, array![2.0 / 5.0, 2.0 / 5.0, 1.0 / 5.0]);
    assert_eq!(h.transmat.row(2).to_vec(), vec![1.0 / 3.0; 3]);
    let e = fit_supervised(&obs, &[vec![0, 0, 5], vec![1, 1]], 2, 2, 0.0).unwrap_err();
    assert_eq!(
        e,
        HmmError::StateOutOfRange {
            seq: 0,
            pos: 2,
            state: 5,
            n_states: 2
        }
    );
}

#[test]
fn sampling_is_deterministic_and_recovers_the_model() {
    let h = casino();
    let a = h.sample(100, 7).unwrap();
    assert_eq!(a, h.sample(100, 7).unwrap());
    assert_ne!(a, h.sample(100, 8).unwrap());
    let (z, o) = h.sample(200_000, 3).unwrap();
    let fit = fit_supervised(&[o], &[z], 2, 6, 0.0).unwrap();
    assert!((fit.transmat[[0, 1]] - 0.05).abs() < 0.005);
    assert!((fit.emissionprob[[1, 5]] - 0.5).abs() < 0.01);
}
