//! BiLSTM-CRF tagger (Huang, Xu & Yu 2015; Lample et al. 2016).
//!
//! # Model
//! Each token becomes the concatenation of a word embedding (the word
//! lower-cased; index 0 is `<unk>`), a small casing embedding (one of six
//! classes: lower, Title, UPPER, has a digit, no letter or digit, mixed), so
//! that lower-casing does not throw away the capital letters NER lives on,
//! and embeddings of the word's last two and last three characters
//! (lower-cased; `char_dim` each, 0 turns them off). The suffixes are the
//! character-level part: a word never seen in training still has a suffix
//! that was ("-ez" and "-son" of surnames, "-an" of nationalities, "-ed" of
//! verbs), so it gets useful emissions instead of only the `<unk>` vector.
//! Dropout on that input; a forward and a backward LSTM read the sentence;
//! their states, concatenated (dropout again), go through one linear layer
//! to `L` emission scores per token; a linear-chain CRF layer
//! (`nn::crf`: transition, start and end scores) turns them into a
//! distribution over whole tag paths. Loss: the CRF's `log Z − score(gold)`
//! averaged over a mini-batch, minimised with Adam; everything (embeddings,
//! LSTMs, output layer and CRF scores) is trained jointly on one tape.
//!
//! # Unknown words
//! The vocabulary is the training file's words. During training a word
//! seen only once is replaced by `<unk>` with probability 1/2 (Lample et
//! al.'s trick), so the `<unk>` vector learns what a rare word looks like;
//! at test time every word not in the vocabulary maps to it.
//!
//! # Batches and determinism
//! Sentences are grouped by length, so a mini-batch needs no padding and the
//! backward LSTM starts at every sentence's real last token. Each epoch the
//! groups are shuffled and cut into batches, and the batches shuffled, from
//! `rng(seed ^ epoch)`; parameters are drawn from the seeded store; dropout
//! from the tape's seeded stream. Same seed, same numbers.
//!
//! # Decoding
//! Viterbi over the emission scores with the learned transitions
//! (`nn::crf::viterbi`).

use std::collections::HashMap;

use rand::seq::SliceRandom as _;
use rand::Rng as _;

use crate::algos::algorithm::{
    float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues, Task,
};
use crate::algos::{AlgoError, Progress};
use crate::nn::crf::{viterbi_batch, CrfScores};
use crate::nn::{
    Adam, CellKind, Graph, Init, NnError, Optimizer, ParamId, ParamStore, RecurrentCell, Var,
    WeightInit,
};
use crate::seq::conll::Corpus;
use crate::seq::tagger::{SequenceTagger, Tagger, TrainTagger, Transitions};

pub const EPOCHS: ParamSpec = int(
    "epochs",
    1,
    1000,
    "12",
    "passes over the training sentences",
);
pub const EMBEDDING_DIM: ParamSpec = int("embedding_dim", 1, 512, "32", "word vector size");
pub const HIDDEN: ParamSpec = int(
    "hidden_size",
    1,
    512,
    "32",
    "LSTM state size of each direction",
);
pub const LEARNING_RATE: ParamSpec =
    float("learning_rate", 0.0, 1.0, true, "0.01", "Adam step size");
pub const DROPOUT: ParamSpec = float(
    "dropout",
    0.0,
    0.95,
    false,
    "0.25",
    "dropout on the embeddings and on the LSTM states",
);
pub const BATCH_SIZE: ParamSpec = int("batch_size", 1, 4096, "8", "sentences per mini-batch");
pub const CHAR_DIM: ParamSpec = int(
    "char_dim",
    0,
    128,
    "16",
    "size of each suffix vector (last 2 and last 3 characters); 0 = word and casing only",
);

/// The BiLSTM-CRF tagger in the registry.
pub struct BiLstmCrf;

/// Settings of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct BiLstmCrfParams {
    pub epochs: usize,
    pub embedding_dim: usize,
    pub hidden: usize,
    pub learning_rate: f32,
    pub dropout: f32,
    pub batch_size: usize,
    pub char_dim: usize,
}

impl Default for BiLstmCrfParams {
    fn default() -> Self {
        BiLstmCrfParams {
            epochs: 12,
            embedding_dim: 32,
            hidden: 32,
            learning_rate: 0.01,
            dropout: 0.25,
            batch_size: 8,
            char_dim: 16,
        }
    }
}

impl Algorithm for BiLstmCrf {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "bilstm-crf",
        title: "BiLSTM-CRF tagger (word, casing and suffix embeddings, CRF layer)",
        task: Task::Tagging,
        implementation: Implementation::Own,
        why: "our own neural engine (src/nn) with its CRF layer",
        topics: &["lstm-crf", "ner", "sequence-labeling", "crf"],
        params: &[
            EPOCHS,
            EMBEDDING_DIM,
            HIDDEN,
            LEARNING_RATE,
            DROPOUT,
            BATCH_SIZE,
            CHAR_DIM,
        ],
    };
    type Params = BiLstmCrfParams;
    fn params(v: &ParamValues) -> Result<BiLstmCrfParams, ParamError> {
        Ok(BiLstmCrfParams {
            epochs: v.usize(&EPOCHS)?,
            embedding_dim: v.usize(&EMBEDDING_DIM)?,
            hidden: v.usize(&HIDDEN)?,
            learning_rate: v.float(&LEARNING_RATE)? as f32,
            dropout: v.float(&DROPOUT)? as f32,
            batch_size: v.usize(&BATCH_SIZE)?,
            char_dim: v.usize(&CHAR_DIM)?,
        })
    }
}

impl TrainTagger for BiLstmCrfParams {
    fn fit(
        &self,
        train: &Corpus,
        seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Tagger, AlgoError> {
        let model = fit(train, self, seed, progress)?;
        Ok(Tagger::Other(Box::new(model)))
    }
}

/// Casing classes (see the module doc).
const N_CASES: usize = 6;
const CASE_DIM: usize = 4;

/// The casing class of a token: 0 lower, 1 Title, 2 UPPER, 3 has a digit,
/// 4 no letter or digit, 5 mixed.
pub fn casing(w: &str) -> usize {
    if w.chars().any(|c| c.is_ascii_digit()) {
        return 3;
    }
    if !w.chars().any(char::is_alphanumeric) {
        return 4;
    }
    let upper = w.chars().filter(|c| c.is_uppercase()).count();
    let lower = w.chars().filter(|c| c.is_lowercase()).count();
    let first_upper = w.chars().next().is_some_and(char::is_uppercase);
    match (upper, lower) {
        (0, _) => 0,
        (u, 0) if u > 0 => 2,
        (1, _) if first_upper => 1,
        _ => 5,
    }
}

/// The lower-cased last `k` characters of a word (the whole word when it
/// is shorter).
pub fn suffix(w: &str, k: usize) -> String {
    let lower: Vec<char> = w.to_lowercase().chars().collect();
    lower[lower.len().saturating_sub(k)..].iter().collect()
}

/// The ids of a batch of `b` sentences of `t` tokens, time-major
/// (`words[k * b + i]` is token `k` of sentence `i`).
#[derive(Debug, Clone, Default)]
struct Ids {
    words: Vec<usize>,
    cases: Vec<usize>,
    suf2: Vec<usize>,
    suf3: Vec<usize>,
}

impl Ids {
    fn zeros(n: usize) -> Ids {
        Ids {
            words: vec![0; n],
            cases: vec![0; n],
            suf2: vec![0; n],
            suf3: vec![0; n],
        }
    }
}

/// The network's parameters (ids into the store) and sizes.
#[derive(Debug, Clone)]
struct Net {
    word: ParamId,
    case: ParamId,
    /// Suffix tables (2 and 3 characters), when `char_dim` > 0.
    suffixes: Option<(ParamId, ParamId)>,
    fwd: RecurrentCell,
    bwd: RecurrentCell,
    out_w: ParamId,
    out_b: ParamId,
    trans: ParamId,
    start: ParamId,
    end: ParamId,
    dropout: f32,
    n_tags: usize,
}

impl Net {
    fn new(
        ps: &mut ParamStore,
        vocab: &Vocab,
        n_tags: usize,
        p: &BiLstmCrfParams,
    ) -> Result<Net, NnError> {
        let d = p.embedding_dim;
        let h = p.hidden;
        let word = ps.add(
            "word.weight",
            &[vocab.len(), d],
            Init::Normal {
                mean: 0.0,
                std: 0.3,
            },
            false,
        )?;
        let case = ps.add(
            "case.weight",
            &[N_CASES, CASE_DIM],
            Init::Normal {
                mean: 0.0,
                std: 0.3,
            },
            false,
        )?;
        let suffixes = if p.char_dim > 0 {
            let init = Init::Normal {
                mean: 0.0,
                std: 0.3,
            };
            Some((
                ps.add(
                    "suffix2.weight",
                    &[vocab.suf2.len() + 1, p.char_dim],
                    init,
                    false,
                )?,
                ps.add(
                    "suffix3.weight",
                    &[vocab.suf3.len() + 1, p.char_dim],
                    init,
                    false,
                )?,
            ))
        } else {
            None
        };
        let input = d + CASE_DIM + 2 * p.char_dim;
        let glorot = WeightInit::GlorotUniform;
        let fwd = RecurrentCell::new(ps, "lstm_fwd", CellKind::Lstm, input, h, glorot)?;
        let bwd = RecurrentCell::new(ps, "lstm_bwd", CellKind::Lstm, input, h, glorot)?;
        let out_w = ps.add(
            "out.weight",
            &[2 * h, n_tags],
            glorot.init(2 * h, n_tags),
            true,
        )?;
        let out_b = ps.add("out.bias", &[n_tags], Init::Zeros, false)?;
        let trans = ps.add("crf.transitions", &[n_tags, n_tags], Init::Zeros, false)?;
        let start = ps.add("crf.start", &[n_tags], Init::Zeros, false)?;
        let end = ps.add("crf.end", &[n_tags], Init::Zeros, false)?;
        Ok(Net {
            word,
            case,
            suffixes,
            fwd,
            bwd,
            out_w,
            out_b,
            trans,
            start,
            end,
            dropout: p.dropout,
            n_tags,
        })
    }

    /// Emission scores `[b, t, L]` for `b` sentences of length `t`; the ids
    /// are time-major (`words[k * b + i]` is token `k` of sentence `i`).
    fn emissions(
        &self,
        g: &mut Graph,
        ps: &ParamStore,
        ids: &Ids,
        b: usize,
    ) -> Result<Var, NnError> {
        let n = ids.words.len();
        let t = n / b.max(1);
        if t == 0
            || n != t * b
            || ids.cases.len() != n
            || (self.suffixes.is_some() && (ids.suf2.len() != n || ids.suf3.len() != n))
        {
            return Err(NnError::Shape(format!(
                "bilstm-crf: {n} word ids, {} casing ids and {}/{} suffix ids for {b} sentences",
                ids.cases.len(),
                ids.suf2.len(),
                ids.suf3.len()
            )));
        }
        let wt = g.param(ps, self.word)?;
        let we = g.gather(wt, &ids.words)?;
        let ct = g.param(ps, self.case)?;
        let ce = g.gather(ct, &ids.cases)?;
        let mut parts = vec![we, ce];
        if let Some((s2, s3)) = self.suffixes {
            let s2 = g.param(ps, s2)?;
            parts.push(g.gather(s2, &ids.suf2)?);
            let s3 = g.param(ps, s3)?;
            parts.push(g.gather(s3, &ids.suf3)?);
        }
        let x = g.concat(&parts, 1)?;
        let x = g.dropout(x, self.dropout)?;
        let xs: Vec<Var> = (0..t)
            .map(|k| g.slice(x, 0, k * b, (k + 1) * b))
            .collect::<Result<_, _>>()?;
        let mut hf = Vec::with_capacity(t);
        let mut s = self.fwd.zero_state(g, b);
        for &xk in &xs {
            s = self.fwd.step(g, ps, xk, s)?;
            hf.push(s.h);
        }
        let mut hb = vec![None; t];
        let mut s = self.bwd.zero_state(g, b);
        for k in (0..t).rev() {
            s = self.bwd.step(g, ps, xs[k], s)?;
            hb[k] = Some(s.h);
        }
        let mut rows = Vec::with_capacity(t);
        for (k, f) in hf.into_iter().enumerate() {
            let back = hb[k].ok_or_else(|| NnError::Shape("bilstm-crf: backward state".into()))?;
            rows.push(g.concat(&[f, back], 1)?);
        }
        let h = g.concat(&rows, 0)?; // [t·b, 2h], time-major
        let h = g.dropout(h, self.dropout)?;
        let w = g.param(ps, self.out_w)?;
        let bias = g.param(ps, self.out_b)?;
        let e = g.linear(h, w, Some(bias))?;
        let e = g.reshape(e, &[t, b, self.n_tags])?;
        g.permute(e, &[1, 0, 2])
    }

    fn scores(&self, ps: &ParamStore) -> Result<CrfScores, NnError> {
        CrfScores::from_tensors(
            ps.value(self.trans)?,
            ps.value(self.start)?,
            ps.value(self.end)?,
        )
    }
}

/// The words of the training file, with how often each occurs, and their
/// suffixes (ids from 1; 0 is a suffix never seen in training).
struct Vocab {
    index: HashMap<String, usize>,
    /// Training count of each id (0 for `<unk>`).
    counts: Vec<usize>,
    suf2: HashMap<String, usize>,
    suf3: HashMap<String, usize>,
}

impl Vocab {
    fn build(train: &Corpus) -> Vocab {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for s in &train.sentences {
            for w in &s.tokens {
                *counts.entry(w.to_lowercase()).or_insert(0) += 1;
            }
        }
        let mut words: Vec<(String, usize)> = counts.into_iter().collect();
        words.sort();
        let suffix_ids = |k: usize| -> HashMap<String, usize> {
            let mut all: Vec<String> = words.iter().map(|(w, _)| suffix(w, k)).collect();
            all.sort();
            all.dedup();
            all.into_iter()
                .enumerate()
                .map(|(i, s)| (s, i + 1))
                .collect()
        };
        let (suf2, suf3) = (suffix_ids(2), suffix_ids(3));
        let mut index = HashMap::with_capacity(words.len());
        let mut c = vec![0];
        for (i, (w, n)) in words.into_iter().enumerate() {
            index.insert(w, i + 1);
            c.push(n);
        }
        Vocab {
            index,
            counts: c,
            suf2,
            suf3,
        }
    }

    /// The ids of one sentence's tokens.
    fn encode(&self, tokens: &[String]) -> Ids {
        let suf = |m: &HashMap<String, usize>, w: &str, k: usize| -> usize {
            m.get(&suffix(w, k)).copied().unwrap_or(0)
        };
        Ids {
            words: tokens.iter().map(|w| self.id(w)).collect(),
            cases: tokens.iter().map(|w| casing(w)).collect(),
            suf2: tokens.iter().map(|w| suf(&self.suf2, w, 2)).collect(),
            suf3: tokens.iter().map(|w| suf(&self.suf3, w, 3)).collect(),
        }
    }

    fn id(&self, w: &str) -> usize {
        self.index.get(&w.to_lowercase()).copied().unwrap_or(0)
    }

    fn len(&self) -> usize {
        self.counts.len()
    }
}

/// A fitted BiLSTM-CRF.
pub struct BiLstmCrfModel {
    net: Net,
    ps: ParamStore,
    vocab: Vocab,
    scores: CrfScores,
    pub tags: Vec<String>,
    /// Mean training loss of each epoch.
    pub losses: Vec<f64>,
}

impl BiLstmCrfModel {
    /// Tag ids of one sentence (empty for an empty sentence).
    pub fn predict_ids(&self, tokens: &[String]) -> Result<Vec<usize>, NnError> {
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        let ids = self.vocab.encode(tokens);
        let mut g = Graph::new(0);
        g.train = false;
        let e = self.net.emissions(&mut g, &self.ps, &ids, 1)?;
        let mut paths = viterbi_batch(g.value(e)?, &self.scores)?;
        Ok(paths.pop().unwrap_or_default())
    }

    /// The number of trainable numbers.
    pub fn n_parameters(&self) -> usize {
        self.ps.n_trainable()
    }
}

impl SequenceTagger for BiLstmCrfModel {
    fn predict(&self, tokens: &[String]) -> Vec<String> {
        match self.predict_ids(tokens) {
            Ok(ids) => ids.into_iter().map(|i| self.tags[i].clone()).collect(),
            // Shapes are checked at fit time; a failure here would be a bug,
            // reported as all-outside rather than a crash.
            Err(_) => vec!["O".to_string(); tokens.len()],
        }
    }

    fn transitions(&self) -> Option<Transitions> {
        Some(Transitions {
            tags: self.tags.clone(),
            scores: self.scores.trans.iter().copied().collect(),
        })
    }
}

fn check(p: &BiLstmCrfParams) -> Result<(), AlgoError> {
    if p.epochs == 0 || p.batch_size == 0 || p.embedding_dim == 0 || p.hidden == 0 {
        return Err(AlgoError::param(
            "epochs",
            "epochs, batch_size, embedding_dim and hidden_size must be at least 1",
        ));
    }
    if !(p.learning_rate.is_finite() && p.learning_rate > 0.0) {
        return Err(AlgoError::param("learning_rate", "must be positive"));
    }
    if !(0.0..1.0).contains(&p.dropout) {
        return Err(AlgoError::param("dropout", "must be in [0, 1)"));
    }
    Ok(())
}

/// Train on `train` (see the module doc); reports the mean loss per epoch.
pub fn fit(
    train: &Corpus,
    p: &BiLstmCrfParams,
    seed: u64,
    progress: &mut Progress<'_>,
) -> Result<BiLstmCrfModel, AlgoError> {
    check(p)?;
    let sentences: Vec<_> = train
        .sentences
        .iter()
        .filter(|s| !s.tokens.is_empty())
        .collect();
    if sentences.is_empty() {
        return Err(AlgoError::BadData(
            "bilstm-crf: the training corpus has no sentences".into(),
        ));
    }
    let tags = train.tag_set();
    let tag_id: HashMap<&str, usize> = tags
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let vocab = Vocab::build(train);
    let mut ps = ParamStore::new(seed);
    let net = Net::new(&mut ps, &vocab, tags.len(), p)?;
    let mut opt = Adam::new(p.learning_rate)?;
    // Sentence indices grouped by length (no padding inside a batch).
    let mut by_len: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (i, s) in sentences.iter().enumerate() {
        by_len.entry(s.tokens.len()).or_default().push(i);
    }
    let encoded: Vec<(Ids, Vec<usize>)> = sentences
        .iter()
        .map(|s| {
            let y = s
                .tags
                .iter()
                .map(|t| tag_id.get(t.as_str()).copied().unwrap_or(0))
                .collect();
            (vocab.encode(&s.tokens), y)
        })
        .collect();
    let mut g = Graph::new(seed ^ 0x5eed);
    let mut losses = Vec::with_capacity(p.epochs);
    for epoch in 0..p.epochs {
        let mut rng = crate::algos::rng(seed ^ (epoch as u64).wrapping_mul(0x9e37_79b9));
        let mut batches: Vec<Vec<usize>> = Vec::new();
        for group in by_len.values() {
            let mut group = group.clone();
            group.shuffle(&mut rng);
            batches.extend(group.chunks(p.batch_size).map(<[usize]>::to_vec));
        }
        batches.shuffle(&mut rng);
        let (mut total, mut n) = (0.0f64, 0usize);
        for batch in &batches {
            progress.check()?;
            let b = batch.len();
            let t = encoded[batch[0]].0.words.len();
            let (mut ids, mut gold) = (Ids::zeros(t * b), vec![0; t * b]);
            for (i, &s) in batch.iter().enumerate() {
                let (x, y) = &encoded[s];
                for k in 0..t {
                    let id = x.words[k];
                    // Singletons become <unk> half the time (their
                    // suffixes stay: that is what an unseen word has).
                    let id = if vocab.counts[id] == 1 && rng.gen::<bool>() {
                        0
                    } else {
                        id
                    };
                    ids.words[k * b + i] = id;
                    ids.cases[k * b + i] = x.cases[k];
                    ids.suf2[k * b + i] = x.suf2[k];
                    ids.suf3[k * b + i] = x.suf3[k];
                    gold[i * t + k] = y[k];
                }
            }
            g.reset();
            g.train = true;
            let e = net.emissions(&mut g, &ps, &ids, b)?;
            let tr = g.param(&ps, net.trans)?;
            let st = g.param(&ps, net.start)?;
            let en = g.param(&ps, net.end)?;
            let loss = g.crf_nll(e, tr, st, en, &gold)?;
            let lv = f64::from(g.value(loss)?.iter().next().copied().unwrap_or(f32::NAN));
            if !lv.is_finite() {
                return Err(NnError::Diverged {
                    epoch: epoch + 1,
                    loss: lv.to_string(),
                }
                .into());
            }
            ps.zero_grad();
            g.backward(loss, &mut ps)?;
            opt.step(&mut ps)?;
            total += lv * b as f64;
            n += b;
        }
        let mean = total / n.max(1) as f64;
        losses.push(mean);
        progress.report(epoch + 1, p.epochs, "CRF loss per sentence", mean)?;
    }
    let scores = net.scores(&ps)?;
    Ok(BiLstmCrfModel {
        net,
        ps,
        vocab,
        scores,
        tags,
        losses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seq::conll::{self, Corpus};

    fn tiny() -> BiLstmCrfParams {
        BiLstmCrfParams {
            epochs: 3,
            embedding_dim: 6,
            hidden: 5,
            learning_rate: 0.02,
            dropout: 0.1,
            batch_size: 4,
            char_dim: 3,
        }
    }

    fn corpus(n: usize) -> Corpus {
        let c = conll::load_bundled("ner_synthetic_train.conll").unwrap();
        Corpus {
            sentences: c.sentences[..n].to_vec(),
        }
    }

    #[test]
    fn casing_classes() {
        let cases: Vec<usize> = ["the", "Berlin", "NATO", "1999", ",", "iPhone", "U.S."]
            .iter()
            .map(|w| casing(w))
            .collect();
        assert_eq!(cases, vec![0, 1, 2, 3, 4, 5, 2]);
    }

    /// The whole network's gradient (embeddings, both LSTMs, output layer,
    /// CRF scores) against central differences of the loss.
    #[test]
    fn whole_model_gradient_matches_finite_differences() {
        let p = BiLstmCrfParams {
            dropout: 0.0,
            ..tiny()
        };
        let mut ps = ParamStore::new(3);
        let c = corpus(4);
        let vocab = Vocab::build(&c);
        assert!(vocab.suf2.len() >= 4 && vocab.suf3.len() >= 4);
        let net = Net::new(&mut ps, &vocab, 3, &p).unwrap();
        // Non-zero CRF scores so their gradients are not at a symmetric point.
        for id in [net.trans, net.start, net.end] {
            let v = &mut ps.param_mut(id).unwrap().value;
            for (k, x) in v.iter_mut().enumerate() {
                *x = ((k * 7 % 5) as f32 - 2.0) * 0.3;
            }
        }
        let (b, t) = (2, 3);
        let ids = Ids {
            words: vec![1, 2, 3, 4, 0, 1],
            cases: vec![0, 1, 2, 3, 4, 5],
            suf2: vec![1, 2, 0, 3, 1, 4],
            suf3: vec![4, 0, 1, 2, 3, 1],
        };
        let gold = vec![0, 1, 2, 2, 2, 0];
        let loss = |ps: &ParamStore| -> f64 {
            let mut g = Graph::new(0);
            let e = net.emissions(&mut g, ps, &ids, b).unwrap();
            let tr = g.param(ps, net.trans).unwrap();
            let st = g.param(ps, net.start).unwrap();
            let en = g.param(ps, net.end).unwrap();
            let l = g.crf_nll(e, tr, st, en, &gold).unwrap();
            f64::from(g.value(l).unwrap()[[]])
        };
        let mut g = Graph::new(0);
        let e = net.emissions(&mut g, &ps, &ids, b).unwrap();
        assert_eq!(g.shape(e).unwrap(), vec![b, t, 3]);
        let tr = g.param(&ps, net.trans).unwrap();
        let st = g.param(&ps, net.start).unwrap();
        let en = g.param(&ps, net.end).unwrap();
        let l = g.crf_nll(e, tr, st, en, &gold).unwrap();
        ps.zero_grad();
        g.backward(l, &mut ps).unwrap();
        let pids: Vec<ParamId> = ps.ids().collect();
        let mut checked = 0;
        for id in pids {
            let analytic: Vec<f32> = ps.grad(id).unwrap().iter().copied().collect();
            let scale = 1e-2f64.max(analytic.iter().fold(0f64, |m, v| m.max(f64::from(v.abs()))));
            for (k, &a) in analytic.iter().enumerate() {
                let h = 1e-2f32;
                let orig = ps.value(id).unwrap().as_slice().unwrap()[k];
                ps.param_mut(id).unwrap().value.as_slice_mut().unwrap()[k] = orig + h;
                let up = loss(&ps);
                ps.param_mut(id).unwrap().value.as_slice_mut().unwrap()[k] = orig - h;
                let down = loss(&ps);
                ps.param_mut(id).unwrap().value.as_slice_mut().unwrap()[k] = orig;
                let num = (up - down) / (2.0 * f64::from(h));
                let a = f64::from(a);
                let tol = 2e-3 * a.abs().max(num.abs()) + 5e-3 * scale;
                assert!(
                    (a - num).abs() <= tol,
                    "{}[{k}]: analytic {a} vs numeric {num}",
                    ps.param(id).unwrap().name
                );
                checked += 1;
            }
        }
        assert!(checked > 300, "{checked}");
    }

    #[test]
    fn suffixes_are_lower_cased_character_tails() {
        assert_eq!(suffix("Gonzalez", 2), "ez");
        assert_eq!(suffix("Gonzalez", 3), "lez");
        assert_eq!(suffix("a", 3), "a");
        assert_eq!(suffix("Ŝtrasse", 3), "sse");
        // An unseen word keeps the ids of its seen suffixes.
        let c = corpus(40);
        let v = Vocab::build(&c);
        let toks = vec!["Qwertyson".to_string()];
        let ids = v.encode(&toks);
        assert_eq!(ids.words, vec![0]);
        assert_eq!(ids.suf3[0], v.suf3.get("son").copied().unwrap_or(0));
        assert!(ids.suf2[0] > 0, "\"on\" ends some training word");
    }

    #[test]
    fn same_seed_same_model_other_seed_other_model() {
        let c = corpus(24);
        let run = |seed| {
            let mut sink = |_| true;
            let mut pr = Progress::new(&mut sink);
            fit(&c, &tiny(), seed, &mut pr).unwrap().losses
        };
        let a = run(1);
        assert_eq!(a, run(1));
        assert_ne!(a, run(2));
        assert!(a.last().unwrap() < &a[0], "{a:?}");
    }

    #[test]
    fn unknown_words_and_empty_sentences_are_tagged() {
        let c = corpus(16);
        let mut sink = |_| true;
        let mut pr = Progress::new(&mut sink);
        let m = fit(&c, &tiny(), 0, &mut pr).unwrap();
        let toks: Vec<String> = ["Zyxwv", "qqq", "7"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let out = m.predict(&toks);
        assert_eq!(out.len(), 3);
        assert!(out.iter().all(|t| m.tags.contains(t)));
        assert!(m.predict(&[]).is_empty());
        let tr = m.transitions().unwrap();
        assert_eq!(tr.scores.len(), tr.tags.len() * tr.tags.len());
    }

    #[test]
    fn bad_settings_and_empty_corpora_are_errors() {
        let mut sink = |_| true;
        let mut pr = Progress::new(&mut sink);
        let empty = Corpus { sentences: vec![] };
        assert!(fit(&empty, &tiny(), 0, &mut pr).is_err());
        let bad = BiLstmCrfParams {
            dropout: 1.0,
            ..tiny()
        };
        assert!(fit(&corpus(4), &bad, 0, &mut pr).is_err());
    }

    #[test]
    fn a_cancel_stops_the_fit() {
        let c = corpus(8);
        let mut sink = |_| false;
        let mut pr = Progress::new(&mut sink);
        assert!(matches!(
            fit(&c, &tiny(), 0, &mut pr),
            Err(AlgoError::Cancelled)
        ));
    }

    #[test]
    fn word_ids_outside_the_table_are_errors() {
        let mut ps = ParamStore::new(0);
        let c = corpus(2);
        let vocab = Vocab::build(&c);
        let net = Net::new(&mut ps, &vocab, 2, &tiny()).unwrap();
        let mut g = Graph::new(0);
        let mut ids = Ids::zeros(1);
        ids.words[0] = vocab.len() + 5;
        assert!(net.emissions(&mut g, &ps, &ids, 1).is_err());
        // Suffix ids missing for a net that has suffix tables.
        let ids = Ids {
            suf3: Vec::new(),
            ..Ids::zeros(1)
        };
        assert!(net.emissions(&mut g, &ps, &ids, 1).is_err());
    }
}
