//! Linear-chain CRF speed on the bundled synthetic NER data (600 training
//! sentences, 6,358 tokens, 9 tags; 200 test sentences). Run with
//! `cargo bench --bench crf`. `benches/compare_crfsuite.py` times CRFsuite
//! against our release build on the same files and prints the ratio.

use std::sync::OnceLock;

use mlwb::algos::Progress;
use mlwb::seq::crf::{self, CrfModel, CrfParams};

fn main() {
    divan::main();
}

type Sentences = (Vec<Vec<String>>, Vec<Vec<String>>);

fn read_conll(name: &str) -> Sentences {
    let path = format!("{}/datasets/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("read CoNLL file");
    let (mut sents, mut tags) = (Vec::new(), Vec::new());
    let (mut s, mut t) = (Vec::new(), Vec::new());
    for line in text.lines() {
        if line.trim().is_empty() {
            if !s.is_empty() {
                sents.push(std::mem::take(&mut s));
                tags.push(std::mem::take(&mut t));
            }
            continue;
        }
        let (tok, tag) = line.split_once('\t').expect("token<TAB>tag");
        s.push(tok.to_string());
        t.push(tag.to_string());
    }
    if !s.is_empty() {
        sents.push(s);
        tags.push(t);
    }
    (sents, tags)
}

fn train() -> &'static Sentences {
    static D: OnceLock<Sentences> = OnceLock::new();
    D.get_or_init(|| read_conll("ner_synthetic_train.conll"))
}

fn test() -> &'static Sentences {
    static D: OnceLock<Sentences> = OnceLock::new();
    D.get_or_init(|| read_conll("ner_synthetic_test.conll"))
}

fn model() -> &'static CrfModel {
    static M: OnceLock<CrfModel> = OnceLock::new();
    M.get_or_init(fit_synthetic)
}

/// Full training with CRFsuite's settings (c2 = 1, at most 100 iterations; it
/// stops after 59 by the delta test, 61 objective evaluations), features included.
#[divan::bench(sample_count = 10)]
fn fit_synthetic() -> CrfModel {
    let (x, y) = train();
    crf::fit(x, y, &CrfParams::default(), &mut Progress::none()).expect("fit")
}

/// Feature extraction alone: the attribute strings of every training token.
#[divan::bench(sample_count = 20)]
fn attributes_synthetic_train() -> usize {
    let (x, _) = train();
    x.iter()
        .map(|s| {
            (0..s.len())
                .map(|i| crf::token_attributes(s, i).len())
                .sum::<usize>()
        })
        .sum()
}

/// One objective evaluation's worth of work, measured through the model:
/// log-likelihood (forward-backward) of the training data.
#[divan::bench(sample_count = 20)]
fn objective_synthetic_train() -> f64 {
    let (x, y) = train();
    model().objective(x, y, 1.0).expect("objective")
}

/// Viterbi decoding of the 200 test sentences.
#[divan::bench(sample_count = 20)]
fn predict_synthetic_test() -> usize {
    let (x, _) = test();
    x.iter().map(|s| model().predict(s).len()).sum()
}
