//! Lab `bert`: BERT's recipe at toy scale on the bundled review sentences
//! of the UCI sentiment set (labels from `sentiment_amazon`, 1,000
//! sentences, or with `labels = uci` from all three parts, 3,000; the text
//! of `sentiment_imdb` and `sentiment_yelp` can also serve as unlabelled
//! text).
//!
//! 1. The input of a sentence pair: `[CLS] A [SEP] B [SEP]`, segment ids
//!    (0 for A, 1 for B), positions, and the token, segment and position
//!    embeddings whose sum enters the encoder (heat maps, one row a token).
//! 2. Masked-LM pre-training of a small Transformer encoder
//!    ([`crate::nn::TransformerEncoder`], post-LN or pre-LN, learned
//!    positions, two segments; the output layer tied to the token embeddings
//!    or not) on pairs of unlabelled sentences: 15% of the word tokens are
//!    chosen — each with probability 0.15 (`mask_choice = uniform`, BERT,
//!    the default) or frequent words less often and rare ones more often,
//!    15% on average (`rare`: word2vec's subsampling weights, see
//!    [`rare_rates`]; it helped at 2,000 steps of 32 positions, not at the
//!    default 4,000 of 24); of those 80% become `[MASK]`, 10% a random word and
//!    10% stay (the rule is checked on a large sample in the tests).
//!    `pretrain_text = all` reads the text of every sentence of the labelled
//!    corpus (the test sentences included, never a label); `pool` only those
//!    outside the test set; `reviews` (amazon labels) the amazon sentences
//!    outside the test set plus the 2,000 IMDb and Yelp sentences.
//! 3. Fine-tuning on sentiment, with 50, 100, 200 and 400 labelled
//!    sentences, from the pre-trained weights and from scratch (a fresh
//!    initialisation for each subset, so one lucky draw does not decide the
//!    comparison), on the same labelled subsets and batches (paired):
//!    accuracy on `held_out` test sentences, and the paired difference's
//!    mean and spread over `repeats` subsets at 50 and 100 labels (where the
//!    claim is) and a quarter as many at 200 and 400. The sentiment head reads
//!    the mean of the encoder's outputs over the words (`pooling = mean`) or
//!    the `[CLS]` output alone (`cls`: without BERT's next-sentence task
//!    nothing in pre-training teaches `[CLS]` to summarise); every weight is
//!    fine-tuned (`finetune = all`), all but the embeddings (`encoder`) or
//!    only the head (`probe`). A run stops early once its training loss is
//!    near zero.
//!
//! Tokens are the corpus's words as scikit-learn's default pattern finds
//! them (`crate::data::text::tokenize`), the `vocab` most frequent in the
//! pre-training text, the rest `[UNK]`.

use std::collections::HashMap;

use rand::seq::SliceRandom;
use rand::Rng as _;

use super::{bi, Cell, Heatmap, LabContext, LabError, LabOutcome, RunLab, Table};
use crate::algos::algorithm::{
    choice, float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues,
    Task,
};
use crate::data::text::tokenize;
use crate::data::CsvOptions;
use crate::nn::{
    padding_mask, warmup_lr, Adam, EncoderConfig, Graph, Layer, Linear, NormPlacement, Optimizer,
    ParamStore, Positions, Tensor, TransformerEncoder, Var, WeightInit,
};

pub const PAIR: ParamSpec = int(
    "pair",
    0,
    2998,
    "6",
    "the sentence pair drawn as input: sentences number pair and pair+1 of the corpus (amazon first, then imdb, then yelp)",
);
pub const VOCAB: ParamSpec = int(
    "vocab",
    10,
    5000,
    "200",
    "most frequent words of the pre-training sentences kept; the rest are [UNK]",
);
pub const LAYERS: ParamSpec = int("layers", 1, 6, "1", "encoder blocks");
pub const HEADS: ParamSpec = int("heads", 1, 16, "4", "attention heads (must divide d_model)");
pub const D_MODEL: ParamSpec = int("d_model", 2, 256, "32", "width of the model");
pub const D_FF: ParamSpec = int(
    "d_ff",
    1,
    1024,
    "64",
    "hidden units of each feed-forward net",
);
// 24: the amazon sentences have 9.7 words on average (median 8; 46 of the
// 1,000 have more than 22), so a pair rarely needs more, and each step
// costs about two thirds of what 32 positions cost (measured: 17 s CPU
// against 25 s for a run of 2,000 masked-LM steps, same gains), time spent
// on twice the masked-LM steps instead.
pub const MAX_LEN: ParamSpec = int(
    "max_len",
    8,
    128,
    "24",
    "positions of the model; longer inputs are cut",
);
pub const PRETRAIN_STEPS: ParamSpec = int(
    "pretrain_steps",
    0,
    100_000,
    "4000",
    "masked-LM steps (pretrain_batch sentence pairs each)",
);
pub const FINETUNE_STEPS: ParamSpec = int(
    "finetune_steps",
    1,
    10_000,
    "150",
    "at most this many steps of 16 labelled sentences for each fine-tuning run (it stops early once the training loss is near zero)",
);
pub const LEARNING_RATE: ParamSpec = float(
    "learning_rate",
    0.0,
    1.0,
    true,
    "0.003",
    "Adam's step size for pre-training (after 100 warm-up steps)",
);
pub const REPEATS: ParamSpec = int(
    "repeats",
    1,
    32,
    "8",
    "labelled subsets drawn for 50 and 100 labels, where the claim is (their accuracies are averaged); 200 and 400 labels get a quarter as many, at least 1",
);
pub const POOLING: ParamSpec = choice(
    "pooling",
    &["mean", "cls"],
    "mean",
    "what the sentiment head reads: the mean of the encoder's outputs over the words, or the [CLS] output alone",
);
pub const FINETUNE: ParamSpec = choice(
    "finetune",
    &["all", "encoder", "probe"],
    "all",
    "all: every weight moves when fine-tuning; encoder: the token, position and segment embeddings stay as they are and the encoder blocks and the head learn; probe: the encoder stays frozen and only the sentiment head learns",
);
pub const FINETUNE_LR: ParamSpec = float(
    "finetune_lr",
    0.0,
    1.0,
    true,
    "0.003",
    "Adam's step size when fine-tuning (both the pre-trained and the from-scratch model)",
);
pub const NORM: ParamSpec = choice(
    "norm",
    &["post", "pre"],
    "post",
    "where each block's layer norm sits: after the residual sum (post, as in BERT) or before each sub-layer (pre)",
);
pub const PRETRAIN_BATCH: ParamSpec = int(
    "pretrain_batch",
    1,
    256,
    "32",
    "sentence pairs in each masked-LM step",
);
pub const TIE: ParamSpec = choice(
    "tie",
    &["no", "yes"],
    "no",
    "yes: the masked-LM head scores each word by the dot product with that word's input embedding (one table, as in BERT); no: a separate output matrix",
);
pub const PRETRAIN_TEXT: ParamSpec = choice(
    "pretrain_text",
    &["all", "pool", "reviews"],
    "all",
    "all: the text of every sentence of the labelled corpus, the held-out ones included; pool: only the sentences outside the held-out set; reviews (labels = amazon only): the amazon sentences outside the held-out set plus the 2,000 IMDb and Yelp sentences (labels are never used)",
);
pub const HELD_OUT: ParamSpec = int(
    "held_out",
    10,
    2900,
    "500",
    "sentences kept out of fine-tuning, for testing",
);
pub const LABELS: ParamSpec = choice(
    "labels",
    &["amazon", "uci"],
    "amazon",
    "amazon: the 1,000 amazon sentences of the UCI sentiment set; uci: all 3,000 of its labelled sentences (amazon, imdb and yelp parts: three kinds of review, a harder task for a model this small)",
);
pub const MASK_CHOICE: ParamSpec = choice(
    "mask_choice",
    &["uniform", "rare"],
    "uniform",
    "which words the masked LM is asked for: uniform: every word token with probability 0.15 (BERT); rare: frequent words less often and rare ones more often (word2vec's subsampling), 15% of the tokens on average",
);

/// Special tokens, in this order at the start of the vocabulary.
pub const PAD: usize = 0;
pub const UNK: usize = 1;
pub const CLS: usize = 2;
pub const SEP: usize = 3;
pub const MASK: usize = 4;
const SPECIALS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
/// The three parts of the UCI sentiment set (Kotzias et al. 2015), bundled;
/// `labels = amazon` uses the first only, and then `pretrain_text =
/// reviews` adds the other two's text (never their labels).
const UCI_PARTS: [&str; 3] = ["sentiment_amazon", "sentiment_imdb", "sentiment_yelp"];
/// Labelled sentences fine-tuning is tried with.
const LABEL_COUNTS: [usize; 4] = [50, 100, 200, 400];
const FINETUNE_BATCH: usize = 16;
const PRETRAIN_WARMUP: usize = 100;
/// Fine-tuning stops once the mean training loss over one pass of the
/// labelled sentences is below this.
const FINETUNE_STOP: f64 = 0.02;
/// Pre-training steps between two live snapshots.
const CHUNK: usize = 100;

pub struct BertLab;

#[derive(Debug, Clone, PartialEq)]
pub struct BertParams {
    pub pair: usize,
    pub vocab: usize,
    pub layers: usize,
    pub heads: usize,
    pub d_model: usize,
    pub d_ff: usize,
    pub max_len: usize,
    pub pretrain_steps: usize,
    pub finetune_steps: usize,
    pub learning_rate: f64,
    pub repeats: usize,
    pub pooling: &'static str,
    pub finetune: &'static str,
    pub finetune_lr: f64,
    pub tie: bool,
    pub norm: &'static str,
    pub pretrain_batch: usize,
    pub pretrain_text: &'static str,
    pub held_out: usize,
    pub labels: &'static str,
    pub mask_choice: &'static str,
    /// Subsets for 200 and 400 labels: a quarter of `repeats` (the setup
    /// pane has no room for another field at 80x24).
    pub repeats_large: usize,
}

impl Algorithm for BertLab {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "bert",
        title: "BERT input, masked-LM pre-training and fine-tuning (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "on our neural engine (crate::nn): the input embeddings, the 80/10/10 rule, pre-trained vs scratch",
        topics: &[
            "bert",
            "bert-embeddings",
            "bert-input-output",
            "elmo-bert-gpt",
            "pretrained-language-models",
            "bert-details",
        ],
        params: &[
            PAIR,
            VOCAB,
            LAYERS,
            HEADS,
            D_MODEL,
            D_FF,
            MAX_LEN,
            PRETRAIN_STEPS,
            FINETUNE_STEPS,
            LEARNING_RATE,
            REPEATS,
            POOLING,
            FINETUNE,
            FINETUNE_LR,
            TIE,
            NORM,
            PRETRAIN_BATCH,
            PRETRAIN_TEXT,
            HELD_OUT,
            LABELS,
            MASK_CHOICE,
        ],
    };
    type Params = BertParams;

    fn params(v: &ParamValues) -> Result<BertParams, ParamError> {
        Ok(BertParams {
            pair: v.usize(&PAIR)?,
            vocab: v.usize(&VOCAB)?,
            layers: v.usize(&LAYERS)?,
            heads: v.usize(&HEADS)?,
            d_model: v.usize(&D_MODEL)?,
            d_ff: v.usize(&D_FF)?,
            max_len: v.usize(&MAX_LEN)?,
            pretrain_steps: v.usize(&PRETRAIN_STEPS)?,
            finetune_steps: v.usize(&FINETUNE_STEPS)?,
            learning_rate: v.float(&LEARNING_RATE)?,
            repeats: v.usize(&REPEATS)?,
            pooling: v.choice(&POOLING)?,
            finetune: v.choice(&FINETUNE)?,
            finetune_lr: v.float(&FINETUNE_LR)?,
            tie: v.choice(&TIE)? == "yes",
            norm: v.choice(&NORM)?,
            pretrain_batch: v.usize(&PRETRAIN_BATCH)?,
            pretrain_text: v.choice(&PRETRAIN_TEXT)?,
            held_out: v.usize(&HELD_OUT)?,
            labels: v.choice(&LABELS)?,
            mask_choice: v.choice(&MASK_CHOICE)?,
            repeats_large: (v.usize(&REPEATS)? / 4).max(1),
        })
    }
}

/// Word ids: the specials, then the kept words by falling count (ties by
/// the word).
pub struct Vocab {
    pub words: Vec<String>,
    index: HashMap<String, usize>,
}

impl Vocab {
    pub fn fit(sentences: &[Vec<String>], size: usize) -> Vocab {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for s in sentences {
            for w in s {
                *counts.entry(w.as_str()).or_default() += 1;
            }
        }
        let mut by: Vec<(&str, usize)> = counts.into_iter().collect();
        by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut words: Vec<String> = SPECIALS.iter().map(|s| s.to_string()).collect();
        words.extend(by.into_iter().take(size).map(|(w, _)| w.to_string()));
        let index = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), i))
            .collect();
        Vocab { words, index }
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    pub fn id(&self, w: &str) -> usize {
        self.index.get(w).copied().unwrap_or(UNK)
    }
}

/// `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`, with segment ids, each part
/// cut so that the whole fits in `max_len`.
pub fn encode_pair(a: &[usize], b: Option<&[usize]>, max_len: usize) -> (Vec<usize>, Vec<usize>) {
    let room = max_len.saturating_sub(if b.is_some() { 3 } else { 2 });
    let (la, lb) = match b {
        Some(b) => {
            let la = a
                .len()
                .min(room.div_ceil(2).max(room.saturating_sub(b.len())));
            (la, b.len().min(room - la.min(room)))
        }
        None => (a.len().min(room), 0),
    };
    let mut ids = vec![CLS];
    ids.extend_from_slice(&a[..la]);
    ids.push(SEP);
    let mut seg = vec![0; ids.len()];
    if let Some(b) = b {
        ids.extend_from_slice(&b[..lb]);
        ids.push(SEP);
        seg.resize(ids.len(), 1);
    }
    (ids, seg)
}

/// What the masked-LM corruption did to one sequence.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Masked {
    pub input: Vec<usize>,
    /// `(position, original id)` of each chosen token.
    pub targets: Vec<(usize, usize)>,
    /// Chosen tokens replaced by `[MASK]`, by a random word, left as they were.
    pub counts: [usize; 3],
}

/// BERT's masking: each word token (not a special one, and not `[UNK]`,
/// which would teach the model to guess "some rare word") is chosen with
/// probability 0.15;
/// a chosen one becomes `[MASK]` with probability 0.8, a random word (not a
/// special token) with 0.1, and stays with 0.1. All chosen ones are
/// predicted.
pub fn mask_tokens(ids: &[usize], vocab: usize, rng: &mut crate::rng::Rng) -> Masked {
    mask_tokens_with(ids, vocab, |_| MASK_RATE, rng)
}

/// [`mask_tokens`] with the choice probability `rate(id)` of each word id
/// instead of 0.15; the 80/10/10 rule among the chosen is the same.
pub fn mask_tokens_with(
    ids: &[usize],
    vocab: usize,
    rate: impl Fn(usize) -> f64,
    rng: &mut crate::rng::Rng,
) -> Masked {
    let mut m = Masked {
        input: ids.to_vec(),
        ..Default::default()
    };
    for (i, &id) in ids.iter().enumerate() {
        if id < SPECIALS.len() {
            continue;
        }
        if rng.gen::<f64>() >= rate(id) {
            continue;
        }
        m.targets.push((i, id));
        let r = rng.gen::<f64>();
        if r < 0.8 {
            m.input[i] = MASK;
            m.counts[0] += 1;
        } else if r < 0.9 {
            m.input[i] = rng.gen_range(SPECIALS.len()..vocab.max(SPECIALS.len() + 1));
            m.counts[1] += 1;
        } else {
            m.counts[2] += 1;
        }
    }
    m
}

/// Share of the word tokens the masked LM is asked for.
pub const MASK_RATE: f64 = 0.15;
/// word2vec's subsampling threshold: words whose share of the tokens is
/// below it keep full weight.
const SUBSAMPLE_T: f64 = 1e-3;

/// Choice probability of each word id for `mask_choice = rare`, from the
/// words' counts `freq` (indexed by id) in the pre-training text: the
/// subsampling weight min(1, √(t / f)) of word2vec (Mikolov et al. 2013,
/// "Distributed Representations of Words and Phrases and their
/// Compositionality", section 2.3; f the word's share of the word tokens,
/// t = 10⁻³), scaled so that [`MASK_RATE`] of the word tokens are chosen on
/// average (each probability capped at 1). "the" and "a" are then asked for
/// far less often and the words that carry a sentence's meaning more often
/// — the same reasoning as PMI-masking (Levine et al. 2021): predicting
/// the easy frequent words teaches the encoder little per step. Specials and
/// `[UNK]` get 0.
pub fn rare_rates(freq: &[usize]) -> Vec<f64> {
    let total: usize = freq.iter().skip(SPECIALS.len()).sum();
    let mut rates = vec![0.0; freq.len()];
    if total == 0 {
        return rates;
    }
    let w: Vec<f64> = freq
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i < SPECIALS.len() || c == 0 {
                0.0
            } else {
                (SUBSAMPLE_T / (c as f64 / total as f64)).sqrt().min(1.0)
            }
        })
        .collect();
    // The expected share chosen grows with the scale c: bisect for 15%.
    let share = |c: f64| {
        freq.iter()
            .zip(&w)
            .map(|(&n, &x)| n as f64 * (c * x).min(1.0))
            .sum::<f64>()
            / total as f64
    };
    let (mut lo, mut hi) = (0.0, 1.0);
    while share(hi) < MASK_RATE && hi < 1e9 {
        hi *= 2.0;
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if share(mid) < MASK_RATE {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    for (r, x) in rates.iter_mut().zip(&w) {
        *r = (hi * x).min(1.0);
    }
    rates
}

/// The encoder with both heads: the masked-LM head (hidden → vocabulary)
/// and the sentiment head on `[CLS]`.
struct Bert {
    enc: TransformerEncoder,
    mlm: Linear,
    /// The masked-LM head's bias when it reuses the token embeddings.
    mlm_bias: Option<crate::nn::ParamId>,
    cls: Linear,
    d: usize,
    /// Sentiment from the mean of the word outputs (else from `[CLS]`).
    mean_pool: bool,
}

/// A corrupted input, its segment ids and the `(position, original id)`
/// targets.
type MlmExample = (Vec<usize>, Vec<usize>, Vec<(usize, usize)>);

/// Sequences padded to the longest with `[PAD]`, and the key mask.
fn pad(seqs: &[Vec<usize>]) -> (Vec<usize>, usize, Tensor) {
    let t = seqs.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let mut ids = Vec::with_capacity(seqs.len() * t);
    for s in seqs {
        ids.extend_from_slice(s);
        ids.extend(std::iter::repeat_n(PAD, t - s.len()));
    }
    let lens: Vec<usize> = seqs.iter().map(Vec::len).collect();
    (ids, t, padding_mask(&lens, t))
}

impl Bert {
    fn new(seed: u64, p: &BertParams, vocab: usize) -> Result<(Bert, ParamStore), LabError> {
        let mut ps = ParamStore::new(seed);
        let enc = TransformerEncoder::new(
            &mut ps,
            "bert",
            EncoderConfig {
                vocab,
                max_len: p.max_len,
                d_model: p.d_model,
                heads: p.heads,
                d_ff: p.d_ff,
                layers: p.layers,
                norm: if p.norm == "pre" {
                    NormPlacement::Pre
                } else {
                    NormPlacement::Post
                },
                positions: Positions::Learned,
                segments: 2,
            },
        )?;
        let init = WeightInit::GlorotUniform;
        // Made even when tied (then unused, its gradient stays zero), so
        // that every other weight draws the same initial values either way.
        let mlm = Linear::new(&mut ps, "mlm", p.d_model, vocab, init, true)?;
        let mlm_bias = if p.tie {
            Some(ps.add("mlm_tied.bias", &[vocab], crate::nn::Init::Zeros, false)?)
        } else {
            None
        };
        let cls = Linear::new(&mut ps, "cls", p.d_model, 2, init, true)?;
        Ok((
            Bert {
                enc,
                mlm,
                mlm_bias,
                cls,
                d: p.d_model,
                mean_pool: p.pooling == "mean",
            },
            ps,
        ))
    }

    /// Masked-LM loss of a batch (None when nothing was chosen) and the
    /// number of chosen tokens predicted right.
    fn mlm_loss(
        &self,
        g: &mut Graph,
        ps: &mut ParamStore,
        batch: &[MlmExample],
    ) -> Result<Option<(Var, usize, usize)>, LabError> {
        let inputs: Vec<Vec<usize>> = batch.iter().map(|b| b.0.clone()).collect();
        let segs: Vec<Vec<usize>> = batch.iter().map(|b| b.1.clone()).collect();
        let (ids, t, mask) = pad(&inputs);
        let (seg_ids, _, _) = pad(&segs);
        let mut rows = Vec::new();
        let mut want = Vec::new();
        for (k, b) in batch.iter().enumerate() {
            for &(i, id) in &b.2 {
                rows.push(k * t + i);
                want.push(id);
            }
        }
        if rows.is_empty() {
            return Ok(None);
        }
        let out = self
            .enc
            .forward(g, ps, &ids, batch.len(), Some(&seg_ids), Some(&mask))?;
        let h = g.reshape(out.hidden, &[batch.len() * t, self.d])?;
        let h = g.gather(h, &rows)?;
        let logits = match self.mlm_bias {
            Some(b) => {
                let e = g.param(ps, self.enc.tokens.table)?;
                let et = g.transpose(e, 0, 1)?;
                let b = g.param(ps, b)?;
                g.linear(h, et, Some(b))?
            }
            None => self.mlm.forward(g, ps, h)?,
        };
        let right = argmax_rows(g.value(logits)?)
            .iter()
            .zip(&want)
            .filter(|(a, b)| a == b)
            .count();
        let n = want.len();
        Ok(Some((g.cross_entropy(logits, &want, 0.0)?, right, n)))
    }

    /// Sentiment logits `[n, 2]` from the `[CLS]` output.
    fn classify(
        &self,
        g: &mut Graph,
        ps: &mut ParamStore,
        seqs: &[Vec<usize>],
    ) -> Result<Var, LabError> {
        let (ids, t, mask) = pad(seqs);
        let n = seqs.len();
        let segs = vec![0usize; ids.len()];
        let out = self.enc.forward(g, ps, &ids, n, Some(&segs), Some(&mask))?;
        let c = if self.mean_pool {
            // The mean over each sentence's word positions (between [CLS]
            // and the last [SEP]; [CLS] itself when there are no words), as a
            // product with a fixed [n, n·t] averaging matrix.
            let mut w = Tensor::zeros(ndarray::IxDyn(&[n, n * t]));
            for (k, s) in seqs.iter().enumerate() {
                let (lo, hi) = if s.len() > 2 {
                    (1, s.len() - 1)
                } else {
                    (0, 1)
                };
                let share = 1.0 / (hi - lo) as f32;
                for i in lo..hi {
                    w[[k, k * t + i]] = share;
                }
            }
            let w = g.constant(w);
            let h = g.reshape(out.hidden, &[n * t, self.d])?;
            g.matmul(w, h)?
        } else {
            let c = g.slice(out.hidden, 1, 0, 1)?;
            g.reshape(c, &[n, self.d])?
        };
        Ok(self.cls.forward(g, ps, c)?)
    }

    fn accuracy(
        &self,
        g: &mut Graph,
        ps: &mut ParamStore,
        seqs: &[Vec<usize>],
        y: &[usize],
    ) -> Result<f64, LabError> {
        let mut right = 0;
        for (s, l) in seqs.chunks(100).zip(y.chunks(100)) {
            g.reset();
            g.train = false;
            let logits = self.classify(g, ps, s)?;
            right += argmax_rows(g.value(logits)?)
                .iter()
                .zip(l)
                .filter(|(a, b)| a == b)
                .count();
        }
        Ok(right as f64 / y.len().max(1) as f64)
    }
}

/// The sentences of the bundled corpus `name` and their labels (1 for
/// positive).
fn labelled(name: &str) -> Result<(Vec<String>, Vec<usize>), LabError> {
    let c = bundled_corpus(name)?;
    let pos = c
        .classes
        .iter()
        .position(|k| k == "positive")
        .ok_or_else(|| LabError::setup(format!("{name}.csv has no class \"positive\"")))?;
    let y = c.y.iter().map(|&k| usize::from(k == pos)).collect();
    Ok((c.texts, y))
}

/// The words of every sentence of the bundled text corpus `name`.
fn extra_sentences(name: &str) -> Result<Vec<Vec<String>>, LabError> {
    let c = bundled_corpus(name)?;
    Ok(c.texts.iter().map(|t| tokenize(t)).collect())
}

/// The bundled text corpus `name`, loaded as every lab loads its data.
fn bundled_corpus(name: &str) -> Result<crate::data::Corpus, LabError> {
    match crate::data::load(name, &CsvOptions::default())? {
        crate::data::Dataset::Text(c) => Ok(c),
        crate::data::Dataset::Table(_) => Err(LabError::setup(format!(
            "`{name}` is a table, not the text corpus this lab reads"
        ))),
    }
}

/// Mean and sample standard deviation (0 for fewer than two values).
fn mean_std(x: &[f64]) -> (f64, f64) {
    let n = x.len().max(1) as f64;
    let m = x.iter().sum::<f64>() / n;
    if x.len() < 2 {
        return (m, 0.0);
    }
    let v = x.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (n - 1.0);
    (m, v.sqrt())
}

fn argmax_rows(v: &Tensor) -> Vec<usize> {
    let c = v.shape().last().copied().unwrap_or(1).max(1);
    v.as_slice()
        .map(|s| {
            s.chunks(c)
                .map(|r| {
                    let mut best = 0;
                    for (i, &x) in r.iter().enumerate() {
                        if x > r[best] {
                            best = i;
                        }
                    }
                    best
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What stays fixed when fine-tuning: nothing (`all`), the token, position
/// and segment embeddings (`encoder`), or everything but the sentiment head
/// (`probe`).
fn freeze(ps: &mut ParamStore, mode: &str) -> Result<(), LabError> {
    let ids: Vec<_> = ps.ids().collect();
    for id in ids {
        let prm = ps.param_mut(id)?;
        let frozen = match mode {
            "probe" => !prm.name.starts_with("cls."),
            "encoder" => ["bert.tok.", "bert.pos.", "bert.seg."]
                .iter()
                .any(|e| prm.name.starts_with(e)),
            _ => false,
        };
        if frozen {
            prm.trainable = false;
        }
    }
    Ok(())
}

/// Fine-tune a copy of `start` on the labelled rows `idx` of the pool for
/// at most `finetune_steps` steps, stopping early once the mean training
/// loss over one pass of the labelled rows is below [`FINETUNE_STOP`] (the
/// labels are learned; more steps only cost time); test accuracy and the
/// steps taken.
#[allow(clippy::too_many_arguments)]
fn finetune(
    model: &Bert,
    start: &ParamStore,
    pool: &[Vec<usize>],
    pool_y: &[usize],
    idx: &[usize],
    test: (&[Vec<usize>], &[usize]),
    p: &BertParams,
    rng: &mut crate::rng::Rng,
    ctx: &LabContext<'_>,
) -> Result<(f64, usize), LabError> {
    let mut ps = start.clone();
    freeze(&mut ps, p.finetune)?;
    let mut opt = Adam::new(p.finetune_lr as f32)?;
    let mut g = Graph::new(0);
    let mut order: Vec<usize> = idx.to_vec();
    let mut at = order.len();
    let pass = idx.len().div_ceil(FINETUNE_BATCH).max(1);
    let mut recent: std::collections::VecDeque<f64> = std::collections::VecDeque::new();
    let mut steps = 0;
    for _ in 0..p.finetune_steps {
        let mut b = Vec::with_capacity(FINETUNE_BATCH);
        while b.len() < FINETUNE_BATCH.min(idx.len()) {
            if at == order.len() {
                order.shuffle(rng);
                at = 0;
            }
            b.push(order[at]);
            at += 1;
        }
        let seqs: Vec<Vec<usize>> = b.iter().map(|&i| pool[i].clone()).collect();
        let y: Vec<usize> = b.iter().map(|&i| pool_y[i]).collect();
        g.reset();
        g.train = true;
        ps.zero_grad();
        let logits = model.classify(&mut g, &mut ps, &seqs)?;
        let loss = g.cross_entropy(logits, &y, 0.0)?;
        let l = g.value(loss)?.iter().next().copied().unwrap_or(f32::NAN) as f64;
        g.backward(loss, &mut ps)?;
        opt.step(&mut ps)?;
        steps += 1;
        ctx.check()?;
        recent.push_back(l);
        if recent.len() > pass {
            recent.pop_front();
        }
        if recent.len() == pass && recent.iter().sum::<f64>() / (pass as f64) < FINETUNE_STOP {
            break;
        }
    }
    Ok((model.accuracy(&mut g, &mut ps, test.0, test.1)?, steps))
}

impl RunLab for BertParams {
    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        let p = self;
        if !p.d_model.is_multiple_of(p.heads) {
            return Err(LabError::setup(format!(
                "heads = {} does not divide d_model = {}: each head gets d_model / heads features",
                p.heads, p.d_model
            )));
        }
        if p.labels == "uci" && p.pretrain_text == "reviews" {
            return Err(LabError::setup(
                "pretrain_text = reviews adds the IMDb and Yelp text to the amazon labels; with labels = uci those sentences are already in the corpus: use pretrain_text = all or pool",
            ));
        }
        let parts: &[&str] = if p.labels == "uci" {
            &UCI_PARTS
        } else {
            &UCI_PARTS[..1]
        };
        let (mut texts, mut y) = (Vec::new(), Vec::new());
        for part in parts {
            let (t, l) = labelled(part)?;
            texts.extend(t);
            y.extend(l);
        }
        let n = texts.len();
        let corpus_name = parts.join(" + ");
        if n < p.held_out + 2 {
            return Err(LabError::setup(format!(
                "held_out = {} leaves fewer than 2 of the {n} sentences of {corpus_name} for training",
                p.held_out
            )));
        }
        if p.pair + 1 >= n {
            return Err(LabError::setup(format!(
                "pair = {} needs sentences {} and {}, but {corpus_name} has {n}",
                p.pair,
                p.pair,
                p.pair + 1
            )));
        }
        let words: Vec<Vec<String>> = texts.iter().map(|t| tokenize(t)).collect();
        // Held-out sentences: a seeded shuffle's first `held_out` (drawn
        // across the parts).
        let mut rng = crate::algos::rng(ctx.seed ^ 0x6265_7274);
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut rng);
        let (test_idx, pool_idx) = order.split_at(p.held_out);
        // The text pre-training reads (never its labels), and the
        // vocabulary of it.
        let pre_idx: Vec<usize> = if p.pretrain_text == "all" {
            order.clone()
        } else {
            pool_idx.to_vec()
        };
        let mut pre_words: Vec<Vec<String>> = pre_idx.iter().map(|&i| words[i].clone()).collect();
        if p.pretrain_text == "reviews" {
            for part in &UCI_PARTS[1..] {
                pre_words.extend(extra_sentences(part)?);
            }
        }
        let vocab = Vocab::fit(&pre_words, p.vocab);
        let v = vocab.len();
        let ids_of = |i: usize| -> Vec<usize> { words[i].iter().map(|w| vocab.id(w)).collect() };
        let single = |i: usize| encode_pair(&ids_of(i), None, p.max_len).0;
        let pool: Vec<Vec<usize>> = pool_idx.iter().map(|&i| single(i)).collect();
        let pool_y: Vec<usize> = pool_idx.iter().map(|&i| y[i]).collect();
        let test: Vec<Vec<usize>> = test_idx.iter().map(|&i| single(i)).collect();
        let test_y: Vec<usize> = test_idx.iter().map(|&i| y[i]).collect();
        let counts: Vec<usize> = LABEL_COUNTS
            .iter()
            .copied()
            .filter(|&c| c <= pool.len())
            .collect();
        let counts = if counts.is_empty() {
            vec![pool.len()]
        } else {
            counts
        };
        let repeats_for = |c: usize| {
            if c <= 100 {
                p.repeats
            } else {
                p.repeats_large
            }
        };
        let chunks = p.pretrain_steps.div_ceil(CHUNK);
        let mut outcome = LabOutcome {
            total: chunks + counts.iter().map(|&c| repeats_for(c) * 2).sum::<usize>(),
            dataset: match p.pretrain_text {
                "reviews" => format!(
                    "{corpus_name}: labels from {} sentences, {} held out for testing; pre-training reads the text (never a label) of those {} and of the {} sentences of sentiment_imdb and sentiment_yelp; vocabulary {} words + 5 special tokens",
                    pool.len(),
                    test.len(),
                    pool.len(),
                    pre_words.len() - pool.len(),
                    v - SPECIALS.len()
                ),
                "all" => format!(
                    "{corpus_name}: labels from {} sentences, {} held out for testing; pre-training reads the text of all {n} (never a label); vocabulary {} words + 5 special tokens",
                    pool.len(),
                    test.len(),
                    v - SPECIALS.len()
                ),
                _ => format!(
                    "{corpus_name}: {} sentences for pre-training and labels, {} held out; vocabulary {} words + 5 special tokens",
                    pool.len(),
                    test.len(),
                    v - SPECIALS.len()
                ),
            },
            ..Default::default()
        };

        let (model, mut ps) = Bert::new(ctx.seed, p, v)?;

        // --- masked-LM pre-training on pairs of pool sentences.
        let pool_ids: Vec<Vec<usize>> = pre_words
            .iter()
            .map(|s| s.iter().map(|w| vocab.id(w)).collect())
            .collect();
        let mut freq = vec![0usize; v];
        pool_ids.iter().flatten().for_each(|&i| freq[i] += 1);
        freq[UNK] = 0;
        let rates = if p.mask_choice == "rare" {
            rare_rates(&freq)
        } else {
            vec![MASK_RATE; v]
        };
        let rate = |id: usize| rates.get(id).copied().unwrap_or(0.0);
        let mut opt = Adam::new(p.learning_rate as f32)?;
        let mut g = Graph::new(ctx.seed);
        let mut rule = [0usize; 3];
        let (mut chosen, mut eligible) = (0usize, 0usize);
        let (mut sum, mut k, mut right, mut total) = (0.0, 0usize, 0usize, 0usize);
        let mut first_loss = f64::NAN;
        let mut last = (f64::NAN, 0.0);
        for step in 1..=p.pretrain_steps {
            let batch: Vec<_> = (0..p.pretrain_batch)
                .map(|_| {
                    let a = rng.gen_range(0..pool_ids.len());
                    let b = rng.gen_range(0..pool_ids.len());
                    let (ids, seg) = encode_pair(&pool_ids[a], Some(&pool_ids[b]), p.max_len);
                    eligible += ids.iter().filter(|&&i| i >= SPECIALS.len()).count();
                    let m = mask_tokens_with(&ids, v, rate, &mut rng);
                    (0..3).for_each(|j| rule[j] += m.counts[j]);
                    chosen += m.targets.len();
                    (m.input, seg, m.targets)
                })
                .collect();
            g.reset();
            g.train = true;
            ps.zero_grad();
            if let Some((loss, r, nt)) = model.mlm_loss(&mut g, &mut ps, &batch)? {
                let l = g.value(loss)?.iter().next().copied().unwrap_or(f32::NAN) as f64;
                super::nndata::check_loss("masked-LM pre-training", step, l)?;
                g.backward(loss, &mut ps)?;
                opt.set_learning_rate(warmup_lr(p.learning_rate as f32, step, PRETRAIN_WARMUP));
                opt.step(&mut ps)?;
                sum += l;
                k += 1;
                right += r;
                total += nt;
            }
            ctx.check()?;
            if step % CHUNK == 0 || step == p.pretrain_steps {
                let ml = sum / k.max(1) as f64;
                let acc = right as f64 / total.max(1) as f64;
                if first_loss.is_nan() {
                    first_loss = ml;
                }
                last = (ml, acc);
                let c = outcome.chart_mut(
                    "mlm",
                    bi(
                        format!("Masked-LM pre-training (mean of {CHUNK} steps)"),
                        format!("掩码语言模型预训练（每 {CHUNK} 步的均值）"),
                    ),
                    "step",
                    "loss / accuracy",
                );
                c.push("masked-LM loss", step as f64, ml);
                c.push("masked-word accuracy", step as f64, acc);
                (sum, k, right, total) = (0.0, 0, 0, 0);
                outcome.done += 1;
                ctx.update(&outcome)?;
            }
        }
        // Masked-LM accuracy on held-out sentences (fixed masking).
        let mut mrng = crate::algos::rng(ctx.seed ^ 0x006d_6c6d);
        let held: Vec<_> = test_idx
            .iter()
            .map(|&i| {
                let (ids, seg) = encode_pair(&ids_of(i), None, p.max_len);
                let m = mask_tokens_with(&ids, v, rate, &mut mrng);
                (m.input, seg, m.targets)
            })
            .collect();
        let (mut hr, mut hn) = (0usize, 0usize);
        // The best constant guess: the word most often chosen (the most
        // frequent one when every word is chosen at the same rate).
        let top = (SPECIALS.len()..v)
            .max_by(|&i, &j| {
                (freq[i] as f64 * rate(i))
                    .total_cmp(&(freq[j] as f64 * rate(j)))
                    .then(j.cmp(&i))
            })
            .unwrap_or(UNK);
        let mut top_right = 0usize;
        for b in held.chunks(100) {
            g.reset();
            g.train = false;
            if let Some((_, r, nt)) = model.mlm_loss(&mut g, &mut ps, b)? {
                hr += r;
                hn += nt;
            }
            top_right += b.iter().flat_map(|x| &x.2).filter(|t| t.1 == top).count();
        }
        let mlm_acc = hr as f64 / hn.max(1) as f64;
        let top_acc = top_right as f64 / hn.max(1) as f64;

        // --- the input view of the chosen pair, through the pre-trained model.
        input_view(
            &mut outcome,
            &model,
            &mut ps,
            &mut g,
            &vocab,
            &ids_of(p.pair),
            &ids_of(p.pair + 1),
            p,
            &texts[p.pair..p.pair + 2],
        )?;

        if p.pretrain_steps > 0 {
            let (c_all, e_all) = (chosen.max(1) as f64, eligible.max(1) as f64);
            outcome.figure(
                "mlm_loss_first",
                bi("masked-LM loss, first steps", "掩码语言模型损失（开始）"),
                first_loss,
                "",
            );
            outcome.figure(
                "mlm_loss_last",
                bi("masked-LM loss, last steps", "掩码语言模型损失（结束）"),
                last.0,
                "",
            );
            outcome.figure(
                "mlm_heldout_accuracy",
                bi(
                    "masked words guessed right, held-out sentences",
                    "留出句子中被掩码词的预测准确率",
                ),
                mlm_acc,
                "",
            );
            outcome.figure(
                "chosen_share",
                bi(
                    "share of tokens chosen for prediction",
                    "被选中预测的词元比例",
                ),
                chosen as f64 / e_all,
                "",
            );
            outcome.figure(
                "mask_share",
                bi("chosen → [MASK]", "选中后替换为 [MASK]"),
                rule[0] as f64 / c_all,
                "",
            );
            outcome.figure(
                "random_share",
                bi("chosen → random word", "选中后替换为随机词"),
                rule[1] as f64 / c_all,
                "",
            );
            outcome.figure(
                "kept_share",
                bi("chosen → unchanged", "选中后保持不变"),
                rule[2] as f64 / c_all,
                "",
            );
            outcome.notice(
                bi(
                    format!(
                        "Pre-training chose {chosen} of {eligible} word tokens ({:.1}%) to predict; of those {:.1}% became [MASK], {:.1}% a random word and {:.1}% stayed as they were (the 80/10/10 rule: the model cannot rely on seeing [MASK], which never occurs when fine-tuning).",
                        100.0 * chosen as f64 / e_all, 100.0 * rule[0] as f64 / c_all, 100.0 * rule[1] as f64 / c_all, 100.0 * rule[2] as f64 / c_all
                    ),
                    format!(
                        "预训练从 {eligible} 个词元中选出 {chosen} 个（{:.1}%）作为预测目标；其中 {:.1}% 换成 [MASK]，{:.1}% 换成随机词，{:.1}% 保持不变（80/10/10 规则：微调时不会出现 [MASK]，模型不能只依赖它）。",
                        100.0 * chosen as f64 / e_all, 100.0 * rule[0] as f64 / c_all, 100.0 * rule[1] as f64 / c_all, 100.0 * rule[2] as f64 / c_all
                    ),
                ),
                Some("bert"),
            );
            if p.mask_choice == "rare" {
                let most = (SPECIALS.len()..v)
                    .max_by_key(|&i| (freq[i], std::cmp::Reverse(i)))
                    .unwrap_or(UNK);
                let top_rate = (SPECIALS.len()..v).map(rate).fold(0.0, f64::max);
                let (w, a, b) = (&vocab.words[most], 100.0 * rate(most), 100.0 * top_rate);
                outcome.notice(
                    bi(
                        format!("mask_choice = rare: the most frequent word \"{w}\" was chosen with probability {a:.1}%, the rarest kept words with {b:.1}% (word2vec's subsampling weights scaled to 15% on average), so the masked LM spends its steps on the words that carry meaning rather than on \"the\" and \"a\"; mask_choice = uniform is BERT's 15% for every word."),
                        format!("mask_choice = rare：最常见的词 \"{w}\" 被选中的概率为 {a:.1}%，最少见的词表内词为 {b:.1}%（按 word2vec 的高频词下采样权重，平均仍为 15%），掩码语言模型把训练步数花在承载语义的词上，而不是 \"the\"、\"a\" 这类高频词；mask_choice = uniform 即 BERT 原本对每个词都用 15%。"),
                    ),
                    Some("bert"),
                );
            }
            outcome.notice(
                bi(
                    format!(
                        "The masked-LM loss fell from {first_loss:.2} to {:.2}. On the held-out sentences{} it guesses {:.1}% of the masked words (chosen as in pre-training, mask_choice = {}); always guessing the word most often chosen (\"{}\") would get {:.1}%.",
                        last.0, if p.pretrain_text == "all" { " (whose text, not labels, pre-training read)" } else { "" }, 100.0 * mlm_acc, p.mask_choice, vocab.words[top], 100.0 * top_acc
                    ),
                    format!(
                        "掩码语言模型损失从 {first_loss:.2} 降到 {:.2}。在留出句子上{}它猜对 {:.1}% 的被掩码词（选词方式与预训练相同，mask_choice = {}）；总猜最常被选中的词（\"{}\"）只有 {:.1}%。",
                        last.0, if p.pretrain_text == "all" { "（预训练读过这些句子的文本，但没有用它们的标签）" } else { "" }, 100.0 * mlm_acc, p.mask_choice, vocab.words[top], 100.0 * top_acc
                    ),
                ),
                Some("pretrained-language-models"),
            );
        }
        ctx.update(&outcome)?;

        // --- fine-tuning: pre-trained vs scratch, by number of labels.
        let mut table_rows = Vec::new();
        let mut gaps = Vec::new();
        for &count in &counts {
            let (mut pre, mut scr) = (0.0, 0.0);
            // Pre-trained minus scratch on each subset (paired: same
            // labelled sentences, same batches).
            let reps = repeats_for(count);
            let mut diffs = Vec::with_capacity(reps);
            let mut used = [0usize; 2];
            for r in 0..reps {
                let mut srng =
                    crate::algos::rng(ctx.seed ^ (0x6c61_6265 + r as u64 * 7919 + count as u64));
                let mut idx: Vec<usize> = (0..pool.len()).collect();
                idx.shuffle(&mut srng);
                idx.truncate(count);
                // A fresh initialisation per subset for the scratch run, so
                // one lucky draw does not decide the comparison.
                let (_, fresh) = Bert::new(ctx.seed ^ (0x5c7a_7c40 + r as u64 * 104_729), p, v)?;
                for (which, start) in [(0, &ps), (1, &fresh)] {
                    // Both see the same batches.
                    let mut brng = crate::algos::rng(ctx.seed ^ (0x0062_6174 + r as u64));
                    let (acc, steps) = finetune(
                        &model,
                        start,
                        &pool,
                        &pool_y,
                        &idx,
                        (&test, &test_y),
                        p,
                        &mut brng,
                        ctx,
                    )?;
                    used[which] += steps;
                    if which == 0 {
                        pre += acc;
                        diffs.push(acc);
                    } else {
                        scr += acc;
                        if let Some(d) = diffs.last_mut() {
                            *d -= acc;
                        }
                    }
                    outcome.done += 1;
                }
            }
            let (pre, scr) = (pre / reps as f64, scr / reps as f64);
            let (gain, spread) = mean_std(&diffs);
            let c = outcome.chart_mut(
                "labels",
                bi(
                    "Held-out accuracy vs labelled sentences",
                    "留出集准确率与标注句子数",
                ),
                "labelled sentences",
                "accuracy",
            );
            c.push("pre-trained", count as f64, pre);
            c.push("from scratch", count as f64, scr);
            outcome.figure(
                &format!("accuracy_pretrained_{count}"),
                bi(
                    format!("pre-trained, {count} labels"),
                    format!("预训练后微调，{count} 个标注"),
                ),
                pre,
                "",
            );
            outcome.figure(
                &format!("accuracy_scratch_{count}"),
                bi(
                    format!("from scratch, {count} labels"),
                    format!("从头训练，{count} 个标注"),
                ),
                scr,
                "",
            );
            outcome.figure(
                &format!("gain_{count}"),
                bi(
                    format!("pre-trained − scratch, {count} labels (mean of paired subsets)"),
                    format!("预训练减从头训练，{count} 个标注（配对子集的均值）"),
                ),
                gain,
                "",
            );
            outcome.figure(
                &format!("gain_std_{count}"),
                bi(
                    format!("its standard deviation over the {} subsets", reps),
                    format!("它在 {} 组子集上的标准差", reps),
                ),
                spread,
                "",
            );
            table_rows.push(vec![
                Cell::from(count),
                Cell::from(pre),
                Cell::from(scr),
                Cell::from(gain),
                Cell::from(spread),
                Cell::from(diffs.iter().filter(|&&d| d > 0.0).count()),
                Cell::from(used[0] as f64 / reps as f64),
                Cell::from(used[1] as f64 / reps as f64),
            ]);
            gaps.push((count, pre, scr, spread, diffs));
            ctx.update(&outcome)?;
        }
        outcome.tables.push(Table {
            key: "labels".into(),
            title: bi(
                format!(
                    "Held-out accuracy ({} sentences), mean of {} labelled subsets (50 and 100 labels) or {} (200 and 400)",
                    test.len(),
                    p.repeats,
                    p.repeats_large
                ),
                format!(
                    "留出集准确率（{} 句），50 和 100 个标注时为 {} 组标注子集的均值，200 和 400 个时为 {} 组",
                    test.len(),
                    p.repeats,
                    p.repeats_large
                ),
            ),
            columns: vec![
                "labels".into(),
                "pre-trained".into(),
                "scratch".into(),
                "gain".into(),
                "gain std".into(),
                "subsets won".into(),
                "steps (pre-trained)".into(),
                "steps (scratch)".into(),
            ],
            rows: table_rows,
        });
        // The claim is about few labels: judge 50 and 100 (or the smallest
        // count when the pool is smaller).
        let few: Vec<_> = gaps
            .iter()
            .filter(|x| x.0 <= 100)
            .chain(gaps.first().filter(|x| x.0 > 100))
            .collect();
        if let Some((c1, pre1, scr1, _, _)) = gaps.last() {
            let d1 = 100.0 * (pre1 - scr1);
            let (mut en_parts, mut zh_parts, mut unclear) = (Vec::new(), Vec::new(), Vec::new());
            let (mut any_ahead, mut all_clear) = (false, true);
            for (c, pre, scr, sd, diffs) in &few {
                let d = 100.0 * (pre - scr);
                let sd = 100.0 * sd;
                let r = diffs.len();
                let won = diffs.iter().filter(|&&x| x > 0.0).count();
                // Twice the standard error of the paired mean: a gain above
                // it is unlikely to be the luck of the subsets drawn.
                let se2 = 2.0 * sd / (r.max(1) as f64).sqrt();
                let clear = d > 0.0 && r > 1 && d > se2;
                any_ahead |= d > 0.0;
                all_clear &= clear;
                if !clear {
                    unclear.push(c.to_string());
                }
                let (pa, sa) = (100.0 * pre, 100.0 * scr);
                en_parts.push(format!("{c} labels: {pa:.1}% against {sa:.1}%, {d:+.1} ± {sd:.1} points (twice the standard error {se2:.1}), ahead on {won} of {r} subsets"));
                zh_parts.push(format!("{c} 个标注：{pa:.1}% 对 {sa:.1}%，{d:+.1} ± {sd:.1} 个百分点（两倍标准误 {se2:.1}），{r} 组中 {won} 组领先"));
            }
            let (en_list, zh_list) = (en_parts.join("; "), zh_parts.join("；"));
            let (en, zh) = if p.pretrain_steps == 0 {
                (
                    "pretrain_steps = 0: both columns start from random weights.".to_string(),
                    "pretrain_steps = 0：两列都从随机权重开始。".to_string(),
                )
            } else if all_clear {
                (
                    format!("Pre-trained against from scratch, each pair of runs on the same labelled subset — {en_list}. Each mean gain is more than twice its standard error over the subsets, so it is not the luck of the subsets drawn; with {c1} labels the gap is {d1:+.1} points. {}", if few.iter().all(|x| 100.0 * (x.1 - x.2) > d1) { "What the encoder learned from unlabelled text by filling in masked words is worth most when labels are few." } else { "Here it helped at least as much with more labels." }),
                    format!("预训练对比从头训练（每组两次运行用同一标注子集）——{zh_list}。每个平均提升都超过其标准误的两倍，不是抽到的子集碰巧造成的；{c1} 个标注时差距为 {d1:+.1} 个百分点。{}", if few.iter().all(|x| 100.0 * (x.1 - x.2) > d1) { "编码器在无标注文本上做完形填空（掩码预测）学到的东西，在标注很少时最有用。" } else { "这次标注更多时它的帮助也不小。" }),
                )
            } else if any_ahead {
                (
                    format!("Pre-training helped only a little or not clearly here — {en_list}; with {} labels the mean gain is not above twice its standard error, i.e. within what the choice of labelled subset changes. With {c1} labels {d1:+.1} points. Try more pretrain_steps or more repeats.", unclear.join(" and ")),
                    format!("这次预训练只带来很小或不明确的提升——{zh_list}；{} 个标注时平均提升没有超过其标准误的两倍，即在换一组标注样本带来的波动之内。{c1} 个标注时 {d1:+.1} 个百分点。可以增加 pretrain_steps 或 repeats。", unclear.join(" 和 ")),
                )
            } else {
                (
                    format!("Here pre-training did not help — {en_list}; with {c1} labels {d1:+.1} points. Try more pretrain_steps or a smaller model."),
                    format!("这次预训练没有带来提升——{zh_list}；{c1} 个标注时 {d1:+.1} 个百分点。可以增加 pretrain_steps 或减小模型。"),
                )
            };
            outcome.notice(bi(en, zh), Some("pretrained-language-models"));
            if p.pretrain_steps > 0 && p.pretrain_text == "all" {
                let (en, zh) = if p.labels == "amazon" {
                    (", and pretrain_text = reviews adds the IMDb and Yelp sentences instead of the test ones", "；pretrain_text = reviews 则用 IMDb 和 Yelp 的句子代替测试句子")
                } else {
                    ("", "")
                };
                outcome.notice(
                    bi(
                        format!("Pre-training here read the text of all {n} sentences, the {} test sentences included (never a label), as BERT reads unlabelled text that may contain what it is later tested on; pretrain_text = pool keeps the test sentences out of pre-training too (a harder setting with {} sentences to learn from){en}.", test.len(), pool.len()),
                        format!("这里的预训练读了全部 {n} 个句子的文本，包括 {} 个测试句子（但从不使用标签），就像 BERT 读的无标注文本里也可能有日后测试的内容；pretrain_text = pool 会把测试句子也排除在预训练之外（只剩 {} 个句子可学，更难）{zh}。", test.len(), pool.len()),
                    ),
                    Some("pretrained-language-models"),
                );
            }
        }
        outcome.done = outcome.total;
        Ok(outcome)
    }
}

/// The table and the four heat maps of the input of sentences `a`, `b`.
#[allow(clippy::too_many_arguments)]
fn input_view(
    outcome: &mut LabOutcome,
    model: &Bert,
    ps: &mut ParamStore,
    g: &mut Graph,
    vocab: &Vocab,
    a: &[usize],
    b: &[usize],
    p: &BertParams,
    texts: &[String],
) -> Result<(), LabError> {
    let (ids, seg) = encode_pair(a, Some(b), p.max_len);
    let t = ids.len();
    g.reset();
    g.train = false;
    let out = model.enc.forward(g, ps, &ids, 1, Some(&seg), None)?;
    let labels: Vec<String> = ids.iter().map(|&i| vocab.words[i].clone()).collect();
    let rows = (0..t)
        .map(|i| {
            vec![
                Cell::from(i),
                Cell::from(labels[i].as_str()),
                Cell::from(ids[i]),
                Cell::from(seg[i]),
            ]
        })
        .collect();
    outcome.tables.push(Table {
        key: "input".into(),
        title: bi(
            format!(
                "Input of the pair: A = \"{}\", B = \"{}\"",
                texts[0], texts[1]
            ),
            format!("句子对的输入：A = \"{}\"，B = \"{}\"", texts[0], texts[1]),
        ),
        columns: vec![
            "position".into(),
            "token".into(),
            "id".into(),
            "segment".into(),
        ],
        rows,
    });
    let parts = [
        (
            "token",
            bi("token embeddings", "词元嵌入"),
            Some(out.inputs.token),
        ),
        (
            "segment",
            bi("segment embeddings", "句段嵌入"),
            out.inputs.segment,
        ),
        (
            "position",
            bi("position embeddings", "位置嵌入"),
            Some(out.inputs.position),
        ),
        (
            "sum",
            bi("sum = encoder input", "三者之和 = 编码器输入"),
            Some(out.inputs.sum),
        ),
    ];
    let mut norms = Vec::new();
    for (key, title, var) in parts {
        let Some(var) = var else { continue };
        let v = g.value(var)?;
        // Positions are [1, t, d]; the others [1, t, d] too.
        let values: Vec<f64> = v.iter().map(|&x| x as f64).collect();
        let d = p.d_model;
        let norm = values
            .chunks(d)
            .map(|r| r.iter().map(|x| x * x).sum::<f64>().sqrt())
            .sum::<f64>()
            / t as f64;
        norms.push((key, norm));
        outcome.heatmaps.push(Heatmap {
            key: format!("input_{key}"),
            title,
            rows: t,
            cols: d,
            values,
            row_labels: labels.clone(),
            col_labels: Vec::new(),
            group: "input embeddings (rows: tokens)".into(),
        });
    }
    let n = |k: &str| norms.iter().find(|x| x.0 == k).map(|x| x.1).unwrap_or(0.0);
    let a_len = seg.iter().filter(|&&s| s == 0).count();
    let unk = ids.iter().filter(|&&i| i == UNK).count();
    outcome.notice(
        bi(
            format!(
                "The pair becomes {t} tokens: [CLS] first, [SEP] after each sentence; segment 0 for the {a_len} tokens up to the first [SEP], 1 after it ({unk} words are outside the vocabulary and read as [UNK]). The encoder's input is the sum of three learned vectors per token; their mean lengths here are token {:.2}, segment {:.2}, position {:.2}.",
                n("token"), n("segment"), n("position")
            ),
            format!(
                "这个句子对变成 {t} 个词元：开头是 [CLS]，每句之后是 [SEP]；到第一个 [SEP] 为止的 {a_len} 个词元句段号为 0，之后为 1（{unk} 个词不在词表中，记为 [UNK]）。编码器的输入是每个词元三个可学习向量之和；这里它们的平均长度分别为：词元 {:.2}，句段 {:.2}，位置 {:.2}。",
                n("token"), n("segment"), n("position")
            ),
        ),
        Some("bert-input-output"),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::testing::{params, run_quiet};

    #[test]
    fn the_80_10_10_rule_holds_on_a_large_sample() {
        let mut rng = crate::algos::rng(1);
        let ids: Vec<usize> = (0..200_000).map(|i| 5 + i % 300).collect();
        let m = mask_tokens(&ids, 305, &mut rng);
        let chosen = m.targets.len() as f64;
        let share = chosen / ids.len() as f64;
        assert!((share - 0.15).abs() < 0.005, "{share}");
        let f = |k: usize| m.counts[k] as f64 / chosen;
        assert!((f(0) - 0.8).abs() < 0.01, "{}", f(0));
        assert!((f(1) - 0.1).abs() < 0.01, "{}", f(1));
        assert!((f(2) - 0.1).abs() < 0.01, "{}", f(2));
        // Replaced ones are [MASK] or a word, never another special token;
        // kept ones are unchanged; targets hold the originals.
        for &(i, orig) in &m.targets {
            assert_eq!(orig, ids[i]);
            assert!(m.input[i] == MASK || m.input[i] >= SPECIALS.len());
        }
        let changed = ids.iter().zip(&m.input).filter(|(a, b)| a != b).count();
        assert!(changed <= m.targets.len());
        // Specials are never chosen.
        let m = mask_tokens(&[CLS, SEP, PAD, MASK], 10, &mut rng);
        assert!(m.targets.is_empty());
    }

    #[test]
    fn rare_words_are_chosen_more_often_and_15_percent_on_average() {
        // Zipf-like counts: word i (after the specials) seen 1000 / (i + 1)
        // times.
        let mut freq = vec![0usize; SPECIALS.len()];
        freq.extend((0..200).map(|i| 1000 / (i + 1)));
        let rates = rare_rates(&freq);
        assert!(rates[..SPECIALS.len()].iter().all(|&r| r == 0.0));
        let total: usize = freq.iter().sum();
        let share: f64 = freq
            .iter()
            .zip(&rates)
            .map(|(&n, &r)| n as f64 * r)
            .sum::<f64>()
            / total as f64;
        assert!((share - MASK_RATE).abs() < 1e-9, "{share}");
        let (most, rare) = (SPECIALS.len(), SPECIALS.len() + 199);
        assert!(rates[most] < 0.05 && rates[rare] > 0.3, "{rates:?}");
        assert!(rates.iter().all(|&r| r <= 1.0));
        // On a token stream with those counts the chosen share is 15% and
        // the 80/10/10 rule holds among the chosen.
        let ids: Vec<usize> = freq
            .iter()
            .enumerate()
            .flat_map(|(i, &n)| std::iter::repeat_n(i, 40 * n))
            .collect();
        let mut rng = crate::algos::rng(2);
        let m = mask_tokens_with(&ids, freq.len(), |i| rates[i], &mut rng);
        let chosen = m.targets.len() as f64;
        assert!((chosen / ids.len() as f64 - 0.15).abs() < 0.005);
        assert!((m.counts[0] as f64 / chosen - 0.8).abs() < 0.01);
        let of_most = m.targets.iter().filter(|t| t.1 == most).count() as f64;
        let seen_most = ids.iter().filter(|&&i| i == most).count() as f64;
        assert!((of_most / seen_most - rates[most]).abs() < 0.01);
    }

    #[test]
    fn pairs_get_cls_sep_and_segments_and_fit_max_len() {
        let (ids, seg) = encode_pair(&[10, 11], Some(&[12]), 16);
        assert_eq!(ids, vec![CLS, 10, 11, SEP, 12, SEP]);
        assert_eq!(seg, vec![0, 0, 0, 0, 1, 1]);
        let long: Vec<usize> = (10..40).collect();
        let (ids, seg) = encode_pair(&long, Some(&long), 12);
        assert_eq!(ids.len(), 12);
        assert_eq!(seg.iter().filter(|&&s| s == 1).count(), 5);
        let (ids, _) = encode_pair(&long, None, 8);
        assert_eq!(ids, vec![CLS, 10, 11, 12, 13, 14, 15, SEP]);
    }

    fn tiny(extra: &[(&str, &str)]) -> BertParams {
        let mut given = vec![
            ("vocab", "60"),
            ("layers", "1"),
            ("heads", "2"),
            ("d_model", "8"),
            ("d_ff", "16"),
            ("max_len", "16"),
            ("pretrain_steps", "4"),
            ("finetune_steps", "2"),
            ("repeats", "1"),
            ("held_out", "10"),
        ];
        given.extend_from_slice(extra);
        params::<BertLab>(&given).unwrap()
    }

    #[test]
    fn a_tiny_run_has_every_part() {
        let o = run_quiet(&tiny(&[])).unwrap();
        let input = o.tables.iter().find(|t| t.key == "input").unwrap();
        assert_eq!(input.rows[0][1], Cell::from("[CLS]"));
        let maps: Vec<_> = o.heatmaps.iter().map(|h| h.key.as_str()).collect();
        assert_eq!(
            maps,
            [
                "input_token",
                "input_segment",
                "input_position",
                "input_sum"
            ]
        );
        // The sum is the sum of the three parts.
        let h = |k: &str| &o.heatmaps.iter().find(|h| h.key == k).unwrap().values;
        for i in 0..h("input_sum").len() {
            let s = h("input_token")[i] + h("input_segment")[i] + h("input_position")[i];
            assert!((s - h("input_sum")[i]).abs() < 1e-5);
        }
        let labels = o.charts.iter().find(|c| c.key == "labels").unwrap();
        assert_eq!(labels.series.len(), 2);
        assert_eq!(labels.series[0].points.len(), 4, "50, 100, 200, 400 labels");
        // The paired gain's mean is the difference of the two means.
        let f = |k: &str| o.find_figure(k).unwrap();
        let d = f("accuracy_pretrained_50") - f("accuracy_scratch_50");
        assert!((f("gain_50") - d).abs() < 1e-9);
        assert_eq!(f("gain_std_50"), 0.0, "one subset: no spread");
        let m = o.find_figure("mask_share").unwrap();
        assert!(m > 0.5 && m < 1.0, "{m}");
        assert!(o.notices.len() >= 4);
        assert_eq!(o.done, o.total);
    }

    /// Gradient of the token-embedding row of a word that is only a
    /// masked-LM target, never in the input.
    fn target_row_grad(tie: &str) -> f32 {
        let p = tiny(&[("tie", tie)]);
        let (model, mut ps) = Bert::new(3, &p, 20).unwrap();
        let mut g = Graph::new(0);
        let batch = vec![(vec![CLS, MASK, 9, SEP], vec![0; 4], vec![(1, 7)])];
        ps.zero_grad();
        let (loss, _, n) = model.mlm_loss(&mut g, &mut ps, &batch).unwrap().unwrap();
        assert_eq!(n, 1);
        g.backward(loss, &mut ps).unwrap();
        let grad = ps.grad(model.enc.tokens.table).unwrap();
        (0..p.d_model).map(|j| grad[[7, j]].abs()).sum()
    }

    #[test]
    fn a_tied_head_scores_words_with_their_input_embeddings() {
        // Tied, the target word's own embedding gets a gradient from the
        // output side; untied, only the words in the input do.
        assert!(target_row_grad("yes") > 1e-6);
        assert_eq!(target_row_grad("no"), 0.0);
    }

    #[test]
    fn fine_tuning_modes_freeze_what_they_say() {
        let p = tiny(&[]);
        let (_, ps) = Bert::new(1, &p, 20).unwrap();
        let frozen = |mode: &str| {
            let mut q = ps.clone();
            freeze(&mut q, mode).unwrap();
            let mut names: Vec<String> = q
                .iter()
                .filter(|x| !x.trainable)
                .map(|x| x.name.clone())
                .collect();
            names.sort();
            names
        };
        assert!(frozen("all").is_empty());
        assert_eq!(
            frozen("encoder"),
            ["bert.pos.weight", "bert.seg.weight", "bert.tok.weight"]
        );
        let probe = frozen("probe");
        assert!(probe.iter().all(|n| !n.starts_with("cls.")));
        assert_eq!(probe.len() + 2, ps.len(), "all but cls weight and bias");
    }

    #[test]
    fn reviews_pretrain_on_three_corpora_and_repeats_give_a_spread() {
        let o = run_quiet(&tiny(&[
            ("pretrain_text", "reviews"),
            ("repeats", "2"),
            ("tie", "yes"),
            ("finetune", "encoder"),
        ]))
        .unwrap();
        assert!(
            o.dataset.contains("2000 sentences of sentiment_imdb"),
            "{}",
            o.dataset
        );
        let t = o.tables.iter().find(|t| t.key == "labels").unwrap();
        assert_eq!(t.columns[4], "gain std");
        assert!(o.find_figure("gain_std_50").unwrap() >= 0.0);
        assert_eq!(mean_std(&[1.0, 3.0]), (2.0, 2f64.sqrt()));
        let o = run_quiet(&tiny(&[("labels", "uci"), ("mask_choice", "rare")])).unwrap();
        assert!(
            o.notices.iter().any(|n| n
                .text
                .en
                .starts_with("mask_choice = rare: the most frequent word")),
            "{:?}",
            o.notices
        );
        assert!(
            o.dataset
                .starts_with("sentiment_amazon + sentiment_imdb + sentiment_yelp: labels from 2990 sentences, 10 held out"),
            "{}",
            o.dataset
        );
    }

    #[test]
    fn bad_settings_are_refused_with_reasons() {
        let e = run_quiet(&tiny(&[("heads", "3")])).unwrap_err();
        assert!(
            e.to_string()
                .contains("heads = 3 does not divide d_model = 8"),
            "{e}"
        );
        assert!(params::<BertLab>(&[("pair", "2999")]).is_err());
        let e = run_quiet(&tiny(&[("pair", "999")])).unwrap_err();
        assert!(e.to_string().contains("has 1000"), "{e}");
        let e = run_quiet(&tiny(&[("labels", "uci"), ("pretrain_text", "reviews")])).unwrap_err();
        assert!(e.to_string().contains("labels = uci"), "{e}");
    }
}
