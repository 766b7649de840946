//! Sequence labelling experiments: an HMM or a CRF trained on a CoNLL
//! corpus (bundled or the user's own), evaluated with entity-level scores;
//! and the occasionally dishonest casino (an HMM over dice rolls).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde::Serialize;

use super::error::ExperimentError;
use super::event::Event;
use super::report::{Casino, TaggedSentence, TaggingReport};
use crate::algos::{HistoryPoint, Progress, Step};
use crate::data::{bundled_file, manifest, DatasetKind};
use crate::metrics::seqeval::{self, Mode};
use crate::registry::{AlgoSpec, Algorithm, ParamValues, TrainTagger};
use crate::seq::conll::{self, Corpus};
use crate::seq::crf::Crf;
use crate::seq::hmm::{fit_supervised, Hmm, HmmAlgo, HmmFit, HmmParams};
use crate::seq::hmm_io;
pub use crate::seq::tagger::{fit_hmm_tagger, HmmTagger, Tagger};
use crate::seqnn::bilstm_crf::{BiLstmCrf, BiLstmCrfParams};

/// Train and test corpora for `dataset`: a bundled CoNLL pair, or a user's
/// file (split by sentence, seeded).
pub fn corpora(
    dataset: &str,
    test_size: f64,
    seed: u64,
) -> Result<(Corpus, Corpus, Vec<String>), ExperimentError> {
    if let Some(info) = manifest()
        .iter()
        .find(|d| d.name == dataset && d.kind == DatasetKind::Conll)
    {
        let train = conll::load_bundled(&info.file)?;
        let test_file = info.test_file.clone().unwrap_or_default();
        let test = conll::load_bundled(&test_file)?;
        return Ok((
            train,
            test,
            vec![format!("train {} / test {}", info.file, test_file)],
        ));
    }
    let path = std::path::Path::new(dataset);
    if !path.exists() {
        let names: Vec<&str> = manifest()
            .iter()
            .filter(|d| d.kind == DatasetKind::Conll)
            .map(|d| d.name.as_str())
            .collect();
        return Err(ExperimentError::setup(format!(
            "{dataset}: no such file, and not a bundled CoNLL corpus (bundled: {})",
            names.join(", ")
        )));
    }
    let corpus = conll::load(path)?;
    let (train, test) = corpus.split(test_size, seed)?;
    Ok((
        train,
        test,
        vec![format!(
            "{dataset} split by sentence: {:.0}% test, seed {seed}",
            test_size * 100.0
        )],
    ))
}

/// `--test FILE`: train on the whole of `dataset` (a bundled corpus's
/// training file, or the user's file) and test on `file`.
pub fn corpora_with_test(
    dataset: &str,
    file: &str,
) -> Result<(Corpus, Corpus, Vec<String>), ExperimentError> {
    let train = match manifest()
        .iter()
        .find(|d| d.name == dataset && d.kind == DatasetKind::Conll)
    {
        Some(info) => conll::load_bundled(&info.file)?,
        None => {
            let path = std::path::Path::new(dataset);
            if !path.exists() {
                return Err(ExperimentError::setup(format!(
                    "{dataset}: no such file, and not a bundled CoNLL corpus"
                )));
            }
            conll::load(path)?
        }
    };
    let path = std::path::Path::new(file);
    if !path.exists() {
        return Err(ExperimentError::setup(format!(
            "--test {file}: no such file"
        )));
    }
    let test = conll::load(path)?;
    if test.n_sentences() == 0 {
        return Err(ExperimentError::setup(format!(
            "--test {file}: no sentences in the file"
        )));
    }
    let note = format!(
        "trained on all of {dataset} ({} sentences, {} tokens), tested on {file} ({} sentences, {} tokens)",
        train.n_sentences(),
        train.n_tokens(),
        test.n_sentences(),
        test.n_tokens()
    );
    Ok((train, test, vec![note]))
}

/// Share of the test tokens whose lower-cased word never occurs in the
/// training corpus (the taggers map them to their unknown-word handling).
pub fn unseen_word_share(train: &Corpus, test: &Corpus) -> f64 {
    let known: std::collections::HashSet<String> = train
        .sentences
        .iter()
        .flat_map(|s| s.tokens.iter().map(|t| t.to_lowercase()))
        .collect();
    let (mut unseen, mut n) = (0usize, 0usize);
    for t in test.sentences.iter().flat_map(|s| &s.tokens) {
        n += 1;
        if !known.contains(&t.to_lowercase()) {
            unseen += 1;
        }
    }
    unseen as f64 / n.max(1) as f64
}

/// Fit a tagger with typed parameters on `train`, streaming progress.
pub fn fit_tagger(
    trainer: &dyn TrainTagger,
    train: &Corpus,
    seed: u64,
    emit: &mut dyn FnMut(Event),
    cancel: &AtomicBool,
    history: &mut Vec<HistoryPoint>,
) -> Result<Tagger, ExperimentError> {
    let mut sink = |s: Step| {
        history.push(s.into());
        emit(Event::Progress(s));
        !cancel.load(Ordering::SeqCst)
    };
    let mut progress = Progress::new(&mut sink);
    Ok(trainer.fit(train, seed, &mut progress)?)
}

/// What to train: the algorithm, its checked parameters, and for the
/// report the dataset name and seed.
pub struct TaggingSetup<'a> {
    pub algo: &'a str,
    pub dataset: &'a str,
    /// The checked values (for the report) and the typed parameters.
    pub params: &'a ParamValues,
    pub trainer: &'a dyn TrainTagger,
    pub seed: u64,
}

/// Train on `train`, evaluate on `test`.
pub fn evaluate(
    setup: &TaggingSetup<'_>,
    train: &Corpus,
    test: &Corpus,
    emit: &mut dyn FnMut(Event),
    cancel: &AtomicBool,
) -> Result<TaggingReport, ExperimentError> {
    let TaggingSetup {
        algo,
        dataset,
        params,
        trainer,
        seed,
    } = *setup;
    emit(Event::Started {
        algo: algo.to_string(),
        dataset: dataset.to_string(),
        n_train: train.n_sentences(),
        n_test: test.n_sentences(),
    });
    let mut history = Vec::new();
    let t0 = Instant::now();
    let tagger = fit_tagger(trainer, train, seed, emit, cancel, &mut history)?;
    let fit_seconds = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let truth: Vec<Vec<String>> = test.sentences.iter().map(|s| s.tags.clone()).collect();
    let pred: Vec<Vec<String>> = test
        .sentences
        .iter()
        .map(|s| tagger.predict(&s.tokens))
        .collect();
    let predict_seconds = t1.elapsed().as_secs_f64();
    let entities = seqeval::entity_report(&truth, &pred, Mode::Default)?;
    let tag_confusion = seqeval::tag_confusion(&truth, &pred)?;
    let sentences = test
        .sentences
        .iter()
        .zip(truth.iter().zip(&pred))
        .map(|(s, (t, p))| TaggedSentence {
            tokens: s.tokens.clone(),
            truth: t.clone(),
            pred: p.clone(),
        })
        .collect();
    Ok(TaggingReport {
        algo: algo.to_string(),
        dataset: dataset.to_string(),
        params: params.clone(),
        seed,
        n_train_sentences: train.n_sentences(),
        n_test_sentences: test.n_sentences(),
        n_train_tokens: train.n_tokens(),
        n_test_tokens: test.n_tokens(),
        fit_seconds,
        predict_seconds,
        token_accuracy: entities.token_accuracy,
        entities,
        tag_confusion,
        history,
        unknown_test_tags: test.unknown_tags(&train.tag_set()),
        transitions: tagger.transitions(),
        notes: Vec::new(),
        sentences,
    })
}

/// HMM vs CRF (vs BiLSTM-CRF) entity F1 against the share of the training
/// set used.
#[derive(Debug, Clone, Serialize)]
pub struct LearningCurve {
    pub fractions: Vec<f64>,
    pub hmm_f1: Vec<f64>,
    pub crf_f1: Vec<f64>,
    /// Empty when the neural tagger was left out.
    pub bilstm_f1: Vec<f64>,
}

/// Sentence passes (sentences × epochs) the BiLSTM-CRF gets at each point
/// of the learning curve: its default 12 epochs on small parts, fewer on
/// large ones (at least 4). On ner_synthetic's 600 sentences the six points
/// take 9,420 passes in all, 1.3 times one default fit (7,200).
pub const CURVE_BILSTM_PASSES: usize = 2400;

/// BiLSTM-CRF epochs for `n` training sentences in the learning curve.
pub fn curve_bilstm_epochs(n: usize, default: usize) -> usize {
    (CURVE_BILSTM_PASSES / n.max(1)).clamp(default.min(4), default)
}

/// F1 of each tagger on the first 5% … 100% of the training sentences;
/// `neural` adds the BiLSTM-CRF (its default settings, epochs from
/// [`curve_bilstm_epochs`]).
pub fn learning_curve(
    dataset: &str,
    fractions: &[f64],
    neural: bool,
    emit: &mut dyn FnMut(Event),
    cancel: &AtomicBool,
) -> Result<LearningCurve, ExperimentError> {
    let (train, test, _) = corpora(dataset, 0.25, 0)?;
    let defaults = |spec: &AlgoSpec| spec.values(&[]);
    let hp = HmmAlgo::params(&defaults(&HmmAlgo::SPEC)?)?;
    let cp = Crf::params(&defaults(&Crf::SPEC)?)?;
    let bp = BiLstmCrf::params(&defaults(&BiLstmCrf::SPEC)?)?;
    let truth: Vec<Vec<String>> = test.sentences.iter().map(|s| s.tags.clone()).collect();
    let mut out = LearningCurve {
        fractions: Vec::new(),
        hmm_f1: Vec::new(),
        crf_f1: Vec::new(),
        bilstm_f1: Vec::new(),
    };
    let per = if neural { 3 } else { 2 };
    let total = fractions.len() * per;
    for (i, &f) in fractions.iter().enumerate() {
        let n =
            ((train.sentences.len() as f64 * f).round() as usize).clamp(1, train.sentences.len());
        let part = Corpus {
            sentences: train.sentences[..n].to_vec(),
        };
        let f1 = |trainer: &dyn TrainTagger| -> Result<f64, ExperimentError> {
            let mut sink = |_: Event| {};
            let mut hist = Vec::new();
            let tagger = fit_tagger(trainer, &part, 0, &mut sink, cancel, &mut hist)?;
            let pred: Vec<Vec<String>> = test
                .sentences
                .iter()
                .map(|s| tagger.predict(&s.tokens))
                .collect();
            Ok(seqeval::entity_report(&truth, &pred, Mode::Default)?
                .micro
                .f1)
        };
        let h = f1(&hp)?;
        emit(Event::Progress(Step {
            iter: per * i + 1,
            total,
            metric: "hmm entity F1",
            value: h,
        }));
        if cancel.load(Ordering::SeqCst) {
            return Err(ExperimentError::Cancelled);
        }
        let c = f1(&cp)?;
        emit(Event::Progress(Step {
            iter: per * i + 2,
            total,
            metric: "crf entity F1",
            value: c,
        }));
        if neural {
            if cancel.load(Ordering::SeqCst) {
                return Err(ExperimentError::Cancelled);
            }
            let p = BiLstmCrfParams {
                epochs: curve_bilstm_epochs(n, bp.epochs),
                ..bp.clone()
            };
            let b = f1(&p)?;
            emit(Event::Progress(Step {
                iter: per * i + 3,
                total,
                metric: "bilstm-crf entity F1",
                value: b,
            }));
            out.bilstm_f1.push(b);
        }
        out.fractions.push(f);
        out.hmm_f1.push(h);
        out.crf_f1.push(c);
    }
    Ok(out)
}

pub fn casino() -> Result<Casino, ExperimentError> {
    let model_text = bundled_file("casino_model.json")
        .ok_or_else(|| ExperimentError::setup("casino_model.json is not bundled"))?;
    let text = String::from_utf8_lossy(model_text);
    let (hmm, names) = hmm_io::parse_model(&text, "datasets/casino_model.json")?;
    let csv = bundled_file("casino.csv")
        .ok_or_else(|| ExperimentError::setup("casino.csv is not bundled"))?;
    let csv = String::from_utf8_lossy(csv);
    let states: Vec<String> = (0..hmm.n_states()).map(|i| names.state(i)).collect();
    let mut rolls = Vec::new();
    let mut truth = Vec::new();
    for (i, line) in csv.lines().enumerate().skip(1) {
        let mut it = line.split(',');
        let roll: usize = it
            .next()
            .and_then(|r| r.trim().parse().ok())
            .ok_or_else(|| {
                ExperimentError::setup(format!(
                    "datasets/casino.csv:{}: expected a roll 1-6",
                    i + 1
                ))
            })?;
        let die = it.next().unwrap_or("").trim();
        rolls.push(roll.saturating_sub(1));
        truth.push(states.iter().position(|s| s == die).unwrap_or(0));
    }
    let (viterbi, log_prob) = hmm.viterbi(&rolls)?;
    let post = hmm.posteriors(&rolls)?;
    let loaded = states.iter().position(|s| s == "loaded").unwrap_or(1);
    let posterior_loaded: Vec<f64> = post.column(loaded).to_vec();
    let acc = |p: &[usize]| {
        p.iter().zip(&truth).filter(|(a, b)| a == b).count() as f64 / truth.len().max(1) as f64
    };
    let post_path: Vec<usize> = posterior_loaded
        .iter()
        .map(|&p| usize::from(p > 0.5) * loaded + usize::from(p <= 0.5) * (1 - loaded))
        .collect();
    Ok(Casino {
        log_likelihood: hmm.log_likelihood(std::slice::from_ref(&rolls))?,
        viterbi_accuracy: acc(&viterbi),
        posterior_accuracy: acc(&post_path),
        states,
        rolls,
        truth,
        viterbi,
        log_prob,
        posterior_loaded,
    })
}

/// `mlwb run --algo hmm --dataset casino`: learn the casino HMM by counting
/// on the first rolls (whose die is known), decode the rest.
pub struct CasinoRun {
    pub casino: Casino,
    pub n_train: usize,
    pub n_test: usize,
    pub fit_seconds: f64,
    pub predict_seconds: f64,
    pub test_truth: Vec<usize>,
    pub test_pred: Vec<usize>,
}

pub fn casino_run(
    params: &HmmParams,
    test_size: f64,
    seed: u64,
    emit: &mut dyn FnMut(Event),
    cancel: &AtomicBool,
    history: &mut Vec<HistoryPoint>,
) -> Result<CasinoRun, ExperimentError> {
    let casino = casino()?;
    let n = casino.rolls.len();
    let n_test = ((n as f64) * test_size).round() as usize;
    let n_train = n.saturating_sub(n_test);
    if n_train < 2 || n_test < 1 {
        return Err(ExperimentError::setup(format!(
            "--test-size {test_size} leaves no rolls to train or test on"
        )));
    }
    let train = casino.rolls[..n_train].to_vec();
    let t0 = Instant::now();
    let baum_welch = params.fit == HmmFit::BaumWelch;
    let mut hmm = if baum_welch {
        // Unsupervised: the dice are hidden. Start from a seeded random
        // model and let EM find two dice; report the log-likelihood live.
        let init = random_model(casino.states.len(), 6, seed)?;
        let mut sink = |s: Step| {
            history.push(s.into());
            emit(Event::Progress(s));
            !cancel.load(Ordering::SeqCst)
        };
        let mut progress = Progress::new(&mut sink);
        let n_iter = params.iterations;
        init.baum_welch(std::slice::from_ref(&train), n_iter, 1e-4, &mut progress)?
            .0
    } else {
        fit_supervised(
            std::slice::from_ref(&train),
            &[casino.truth[..n_train].to_vec()],
            casino.states.len(),
            6,
            params.smoothing,
        )?
    };
    if baum_welch {
        // EM's states have no names: call "loaded" the state whose die shows
        // six most often (label switching).
        let sixes: Vec<f64> = (0..hmm.n_states())
            .map(|s| hmm.emissionprob[(s, 5)])
            .collect();
        if casino.states.len() == 2 && sixes[0] > sixes[1] {
            hmm = swap_states(&hmm)?;
        }
    }
    let fit_seconds = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let (pred, _) = hmm.viterbi(&casino.rolls[n_train..])?;
    let predict_seconds = t1.elapsed().as_secs_f64();
    Ok(CasinoRun {
        test_truth: casino.truth[n_train..].to_vec(),
        test_pred: pred,
        n_train,
        n_test,
        fit_seconds,
        predict_seconds,
        casino,
    })
}

/// A random row-stochastic model (rows drawn uniformly, then normalised).
fn random_model(n_states: usize, n_symbols: usize, seed: u64) -> Result<Hmm, ExperimentError> {
    use rand::Rng as _;
    let mut rng = crate::algos::rng(seed);
    let mut row = |k: usize| -> Vec<f64> {
        let v: Vec<f64> = (0..k).map(|_| rng.gen_range(0.2..1.0)).collect();
        let s: f64 = v.iter().sum();
        v.into_iter().map(|x| x / s).collect()
    };
    let start = ndarray::Array1::from(row(n_states));
    let trans: Vec<f64> = (0..n_states).flat_map(|_| row(n_states)).collect();
    let emit: Vec<f64> = (0..n_states).flat_map(|_| row(n_symbols)).collect();
    let trans = ndarray::Array2::from_shape_vec((n_states, n_states), trans)?;
    let emit = ndarray::Array2::from_shape_vec((n_states, n_symbols), emit)?;
    Ok(Hmm::new(start, trans, emit)?)
}

/// The same two-state model with its states swapped.
fn swap_states(h: &Hmm) -> Result<Hmm, ExperimentError> {
    let p = [1usize, 0];
    let start = ndarray::Array1::from_shape_fn(2, |i| h.startprob[p[i]]);
    let trans = ndarray::Array2::from_shape_fn((2, 2), |(i, j)| h.transmat[(p[i], p[j])]);
    let emit =
        ndarray::Array2::from_shape_fn((2, h.n_symbols()), |(i, k)| h.emissionprob[(p[i], k)]);
    Ok(Hmm::new(start, trans, emit)?)
}
