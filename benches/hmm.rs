//! HMM speed (src/seq/hmm.rs): Viterbi and the forward log-likelihood on ONE
//! sequence of 1,000,000 steps, and Baum–Welch (10 iterations, all run) on 100
//! sequences x 1,000 steps; 4 states, 10 symbols, data sampled from a seeded
//! random model. Run with `cargo bench --bench hmm`.
//! `benches/compare_hmmlearn.py` times hmmlearn and this code on one shared
//! data file and prints the ratios.

use std::sync::OnceLock;

use mlwb::algos::{rng, Progress};
use mlwb::seq::hmm::Hmm;
use ndarray::{Array1, Array2};
use rand::Rng as _;

fn main() {
    divan::main();
}

/// A random model, every probability bounded away from 0.
fn random_model(n: usize, m: usize, seed: u64) -> Hmm {
    let mut r = rng(seed);
    let mut row = |k: usize| -> Vec<f64> {
        let v: Vec<f64> = (0..k).map(|_| r.gen_range(0.1..1.0)).collect();
        let s: f64 = v.iter().sum();
        v.into_iter().map(|x| x / s).collect()
    };
    let pi = row(n);
    let a: Vec<f64> = (0..n).flat_map(|_| row(n)).collect();
    let b: Vec<f64> = (0..n).flat_map(|_| row(m)).collect();
    match Hmm::new(
        Array1::from(pi),
        Array2::from_shape_vec((n, n), a).unwrap_or_default(),
        Array2::from_shape_vec((n, m), b).unwrap_or_default(),
    ) {
        Ok(h) => h,
        Err(e) => panic!("benchmark model: {e}"),
    }
}

struct Data {
    model: Hmm,
    init: Hmm,
    long: Vec<usize>,
    many: Vec<Vec<usize>>,
}

fn data() -> &'static Data {
    static D: OnceLock<Data> = OnceLock::new();
    D.get_or_init(|| {
        let model = random_model(4, 10, 1);
        let long = model.sample(1_000_000, 2).map(|s| s.1).unwrap_or_default();
        let many = (0..100)
            .map(|k| {
                model
                    .sample(1_000, 100 + k)
                    .map(|s| s.1)
                    .unwrap_or_default()
            })
            .collect();
        Data {
            init: random_model(4, 10, 3),
            model,
            long,
            many,
        }
    })
}

#[divan::bench(sample_count = 10)]
fn viterbi_1m_steps_4_states(bencher: divan::Bencher) {
    let d = data();
    bencher.bench(|| d.model.viterbi(divan::black_box(&d.long)));
}

#[divan::bench(sample_count = 10)]
fn log_likelihood_1m_steps_4_states(bencher: divan::Bencher) {
    let d = data();
    let seqs = std::slice::from_ref(&d.long);
    bencher.bench(|| d.model.log_likelihood(divan::black_box(seqs)));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn baum_welch_10_iter_100x1000(bencher: divan::Bencher) {
    let d = data();
    bencher.bench(|| {
        d.init
            .baum_welch(
                divan::black_box(&d.many),
                10,
                f64::NEG_INFINITY,
                &mut Progress::none(),
            )
            .map(|(_, h)| h.len())
    });
}
