//! Linear-chain conditional random field (CRF) for sequence labelling (NER, POS),
//! trained like CRFsuite's `lbfgs` trainer. Our own: linfa has no CRF.
//!
//! # Model
//! For a sentence `x = x_1..x_n` and labels `y = y_1..y_n`,
//!
//! `score(x, y) = sum_t sum_{a in A(x, t)} w_state[a, y_t] + sum_{t>1} w_trans[y_{t-1}, y_t]`,
//! `p(y | x) = exp(score(x, y)) / Z(x)`,
//!
//! where `A(x, t)` is the set of *attributes* of token `t` (strings from the
//! templates below, each with value 1). As in CRFsuite's CRF1d there are no
//! start/end transition weights: the first token's context is covered by the
//! `BOS` attribute, the last one's by `EOS`.
//!
//! # Feature templates ([`token_attributes`])
//! For token `w = x_t` (characters are Unicode scalar values):
//! * `bias` (always);
//! * `word=<w>` and `lower=<w lower-cased>` (`str::to_lowercase`);
//! * `prefix{k}=<first k chars>` and `suffix{k}=<last k chars>` for k = 1, 2, 3,
//!   only when `w` has at least k characters;
//! * `shape=<s>`: each character mapped to `X` (upper case), `x` (lower case),
//!   `d` (ASCII digit) or itself, a run of the same shape character cut after 4
//!   ("Washington" → `Xxxxx`, "1999" → `dddd`, "U.S." → `X.X.`, "5-year" → `d-xxxx`);
//! * flags, present only when true: `is_title` (first character upper case, no
//!   other character upper case), `is_upper` (some upper-case character, no
//!   lower-case one), `is_digit` (non-empty, ASCII digits only), `has_hyphen`
//!   (contains `-`);
//! * previous word: `-1:word=`, `-1:lower=`, `-1:is_title`, `-1:is_upper` (same
//!   definitions), or `BOS` for the first token; next word: `+1:word=`,
//!   `+1:lower=`, `+1:is_title`, `+1:is_upper`, or `EOS` for the last token.
//!
//! "Upper case" / "lower case" are Unicode's derived `Uppercase` / `Lowercase`
//! properties (`char::is_uppercase`; the reference script uses Python's
//! `str.isupper` / `str.islower` on one character, which agree on the bundled data).
//! tests/reference/make_crf_reference.py builds exactly these strings and hands
//! them to python-crfsuite as plain string attributes (value 1); the parity test
//! checks the strings of a whole sentence and the attribute and feature counts.
//!
//! # Feature index (CRFsuite's defaults)
//! Built from the training data only, like CRFsuite with `feature.minfreq = 0`,
//! `feature.possible_states = 0` and `feature.possible_transitions = 0`:
//! * a **state feature** `(attribute, label)` exists only if that attribute occurs
//!   on a token with that label somewhere in training;
//! * a **transition feature** `(label, label')` exists only if `label'` follows
//!   `label` somewhere in training.
//!
//! Any other pair has a fixed weight of 0 (it is not a parameter). At prediction
//! time attributes never seen in training are ignored. Labels are numbered in
//! order of first appearance (CRFsuite's order); attributes likewise.
//!
//! # Training objective (CRFsuite's definition of `c2`)
//! `F(w) = -sum_i log p(y_i | x_i) + c2 * ||w||^2`,
//!
//! exactly CRFsuite's (`train_lbfgs.c`, `lbfgs_evaluate`: `f += c2 * norm`,
//! `g += 2 c2 w`); note: `c2 ||w||^2`, **not** `c2/2 ||w||^2`. Its gradient is
//! expected minus empirical feature counts plus `2 c2 w`. `log Z` and the marginals
//! come from forward–backward (see "Numerics"). L1 (`c1`) is not
//! supported (CRFsuite switches to OWL-QN for it).
//!
//! Minimised from `w = 0` by the shared L-BFGS ([`crate::algos::optim::lbfgs`]) with
//! CRFsuite's defaults ([`lbfgs::Options::crfsuite`]): memory 6, stop when
//! `||g|| / max(1, ||w||) <= epsilon = 1e-5`, or when the objective fell by less
//! than `delta = 1e-5` (relative) over the last `period = 10` iterations, or after
//! `max_iter` iterations; Moré–Thuente line search with libLBFGS's constants and at
//! most 20 evaluations. The objective (CRFsuite's "Loss") is reported after every
//! iteration as `progress.report(iter, max_iter, "objective", F)`; a cancel stops
//! the fit with [`AlgoError::Cancelled`]. Deterministic (no randomness at all).
//!
//! # Decoding
//! [`CrfModel::predict`]: Viterbi (max-sum), ties to the lower label index.
//! [`CrfModel::marginals`]: per-token label probabilities from forward–backward.
//!
//! # Numerics and speed
//! Forward–backward runs per sentence with per-position scaling, CRFsuite's
//! approach, kept in the log domain where it matters: emission scores are shifted
//! by their maximum per token and transition scores by their overall maximum
//! before exponentiation, the forward and backward vectors are renormalised at
//! every position, and `log Z` is the sum of the logarithms of the scale factors
//! plus the shifts. If a scale factor is not a normal positive `f64` (weights with
//! a dynamic range beyond ~700 nats) that sentence is redone by the plain
//! log-space recursions `alpha_t(j) = e_t(j) + log sum_i exp(alpha_{t-1}(i) +
//! T(i, j))` (with log-sum-exp), so log Z and the marginals stay finite for any
//! finite weights. The unit tests check both passes against brute-force
//! enumeration of all label paths (log Z, token and pair marginals).
//!
//! Cost of one objective-and-gradient evaluation: O(tokens x active attributes x
//! labels per attribute) for the state part (emission sums and expected counts)
//! and O(tokens x labels^2) multiply-adds plus O(tokens x labels) exponentials and
//! one logarithm per token for the chain. Attributes are mapped to ids once per fit;
//! the state features of an attribute are one contiguous index range (CSR), so
//! emission scores and expected counts are index walks. Empirical counts are
//! computed once. One thread.
//!
//! # Parity with CRFsuite (tests/crf_parity.rs)
//! On datasets/ner_synthetic and ner_chatbot with c2 = 1, max_iter = 100, our fit
//! builds CRFsuite's feature set exactly (5,613 and 1,626 features), stops by the
//! delta test after the same number of iterations (59 and 35), ends on the same
//! objective to the 6 decimals CRFsuite logs (434.891823, 185.186637) and tags
//! every test token as CRFsuite does (entity micro-F1 0.9296 and 0.9603). Our
//! objective at CRFsuite's own weights equals its logged loss (ignored test
//! `objective_at_crfsuites_weights`). Training is about as fast as CRFsuite's C
//! code (benches/compare_crfsuite.py).

use std::collections::HashMap;

use serde::Serialize;

use crate::algos::core::{AlgoError, Progress};
use crate::algos::optim::lbfgs;

// ---------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------

/// Parameters of [`fit`]; defaults are CRFsuite's (`c2 = 1`, memory 6,
/// `epsilon = 1e-5`, `period = 10`, `delta = 1e-5`) with `max_iter = 100`
/// (CRFsuite's own default is unlimited).
#[derive(Debug, Clone, PartialEq)]
pub struct CrfParams {
    /// L2 coefficient: the penalty is `c2 * ||w||^2` (CRFsuite's definition; >= 0).
    pub c2: f64,
    /// Maximum number of L-BFGS iterations (>= 1).
    pub max_iter: usize,
    /// L-BFGS memory (CRFsuite's `num_memories`; 1..=1000).
    pub memory: usize,
    /// Stop when `||g|| / max(1, ||w||) <= epsilon` (>= 0).
    pub epsilon: f64,
    /// Window of the `delta` test in iterations (CRFsuite's `period`; 0 = off).
    pub period: usize,
    /// Stop when the objective fell by less than `delta` (relative) over the last
    /// `period` iterations (>= 0).
    pub delta: f64,
}

impl Default for CrfParams {
    fn default() -> Self {
        CrfParams {
            c2: 1.0,
            max_iter: 100,
            memory: 6,
            epsilon: 1e-5,
            period: 10,
            delta: 1e-5,
        }
    }
}

impl CrfParams {
    /// Validates every parameter range (the error names the parameter).
    pub fn check(&self) -> Result<(), AlgoError> {
        if !(self.c2.is_finite() && self.c2 >= 0.0) {
            return Err(AlgoError::param(
                "c2",
                format!("must be a finite number >= 0, got {}", self.c2),
            ));
        }
        self.lbfgs_options().check()
    }

    fn lbfgs_options(&self) -> lbfgs::Options {
        lbfgs::Options {
            memory: self.memory,
            epsilon: self.epsilon,
            past: self.period,
            delta: self.delta,
            ..lbfgs::Options::crfsuite(self.max_iter)
        }
    }
}

// ---------------------------------------------------------------------------
// Feature templates
// ---------------------------------------------------------------------------

fn is_title(w: &str) -> bool {
    let mut chars = w.chars();
    match chars.next() {
        Some(c) if c.is_uppercase() => !chars.any(char::is_uppercase),
        _ => false,
    }
}

fn is_upper(w: &str) -> bool {
    w.chars().any(char::is_uppercase) && !w.chars().any(char::is_lowercase)
}

fn is_digit(w: &str) -> bool {
    !w.is_empty() && w.chars().all(|c| c.is_ascii_digit())
}

/// Word shape: `X` upper case, `x` lower case, `d` ASCII digit, other characters
/// kept; a run of one shape character is cut after 4.
pub fn word_shape(w: &str) -> String {
    let mut out = String::new();
    let mut last = None;
    let mut run = 0;
    for c in w.chars() {
        let s = if c.is_uppercase() {
            'X'
        } else if c.is_lowercase() {
            'x'
        } else if c.is_ascii_digit() {
            'd'
        } else {
            c
        };
        if Some(s) == last {
            run += 1;
        } else {
            last = Some(s);
            run = 1;
        }
        if run <= 4 {
            out.push(s);
        }
    }
    out
}

/// The attributes of token `i` of `tokens` (see the module docs for the
/// templates), in a fixed order. Empty if `i` is out of range.
pub fn token_attributes(tokens: &[String], i: usize) -> Vec<String> {
    let Some(w) = tokens.get(i) else {
        return Vec::new();
    };
    let mut a = Vec::with_capacity(24);
    a.push("bias".to_string());
    a.push(format!("word={w}"));
    a.push(format!("lower={}", w.to_lowercase()));
    let chars: Vec<char> = w.chars().collect();
    for k in 1..=3 {
        if chars.len() >= k {
            a.push(format!(
                "prefix{k}={}",
                chars[..k].iter().collect::<String>()
            ));
        }
    }
    for k in 1..=3 {
        if chars.len() >= k {
            let s: String = chars[chars.len() - k..].iter().collect();
            a.push(format!("suffix{k}={s}"));
        }
    }
    a.push(format!("shape={}", word_shape(w)));
    if is_title(w) {
        a.push("is_title".to_string());
    }
    if is_upper(w) {
        a.push("is_upper".to_string());
    }
    if is_digit(w) {
        a.push("is_digit".to_string());
    }
    if w.contains('-') {
        a.push("has_hyphen".to_string());
    }
    let neighbours = [
        (i.checked_sub(1), "-1", "BOS"),
        (Some(i + 1).filter(|&j| j < tokens.len()), "+1", "EOS"),
    ];
    for (j, tag, edge) in neighbours {
        match j.and_then(|j| tokens.get(j)) {
            Some(v) => {
                a.push(format!("{tag}:word={v}"));
                a.push(format!("{tag}:lower={}", v.to_lowercase()));
                if is_title(v) {
                    a.push(format!("{tag}:is_title"));
                }
                if is_upper(v) {
                    a.push(format!("{tag}:is_upper"));
                }
            }
            None => a.push(edge.to_string()),
        }
    }
    a
}

// ---------------------------------------------------------------------------
// Feature index and encoded data
// ---------------------------------------------------------------------------

const NO_FEATURE: u32 = u32::MAX;

/// Which (attribute, label) and (label, label) pairs are features, and their
/// weight indices: state features first (attribute-major, CSR), then transitions.
#[derive(Debug, Clone, PartialEq)]
struct FeatureIndex {
    n_labels: usize,
    /// State features of attribute `a`: weight indices `attr_start[a]..attr_start[a+1]`.
    attr_start: Vec<usize>,
    /// Label of each state feature.
    state_label: Vec<u16>,
    /// `n_labels x n_labels`: weight index of transition (i, j) or NO_FEATURE.
    trans_id: Vec<u32>,
    /// The (from, to) pair of each transition feature, in weight order.
    trans_pairs: Vec<(u16, u16)>,
}

impl FeatureIndex {
    fn n_state(&self) -> usize {
        self.state_label.len()
    }

    fn n_features(&self) -> usize {
        self.state_label.len() + self.trans_pairs.len()
    }
}

/// Sentences as attribute ids and label ids (flat arrays).
#[derive(Debug, Default)]
struct Corpus {
    /// Token range of sentence s: `sent_start[s]..sent_start[s+1]`.
    sent_start: Vec<usize>,
    /// Attribute range of token t: `tok_start[t]..tok_start[t+1]`.
    tok_start: Vec<usize>,
    attrs: Vec<u32>,
    /// Label id of every token (empty when unlabelled).
    labels: Vec<u16>,
    max_len: usize,
}

impl Corpus {
    fn new() -> Corpus {
        Corpus {
            sent_start: vec![0],
            tok_start: vec![0],
            ..Corpus::default()
        }
    }

    fn n_sentences(&self) -> usize {
        self.sent_start.len() - 1
    }

    fn end_sentence(&mut self) {
        let start = self.sent_start.last().copied().unwrap_or(0);
        let end = self.tok_start.len() - 1;
        self.max_len = self.max_len.max(end - start);
        self.sent_start.push(end);
    }

    fn end_token(&mut self) {
        self.tok_start.push(self.attrs.len());
    }
}

fn check_data(sentences: &[Vec<String>], tags: &[Vec<String>]) -> Result<(), AlgoError> {
    if sentences.len() != tags.len() {
        return Err(AlgoError::BadData(format!(
            "{} sentences but {} tag sequences",
            sentences.len(),
            tags.len()
        )));
    }
    for (i, (s, t)) in sentences.iter().zip(tags).enumerate() {
        if s.len() != t.len() {
            return Err(AlgoError::BadData(format!(
                "sentence {} (0-based) has {} tokens but {} tags",
                i,
                s.len(),
                t.len()
            )));
        }
    }
    if sentences.iter().all(|s| s.is_empty()) {
        return Err(AlgoError::BadData("no training tokens".into()));
    }
    Ok(())
}

/// Builds labels, attributes, the feature index and the encoded corpus from
/// training data (see the module docs), and the empirical feature counts.
struct Built {
    labels: Vec<String>,
    attr_names: Vec<String>,
    attr_ids: HashMap<String, u32>,
    feats: FeatureIndex,
    corpus: Corpus,
    empirical: Vec<f64>,
}

fn build(sentences: &[Vec<String>], tags: &[Vec<String>]) -> Result<Built, AlgoError> {
    let mut label_ids: HashMap<&str, u16> = HashMap::new();
    let mut labels: Vec<String> = Vec::new();
    let mut attr_ids: HashMap<String, u32> = HashMap::new();
    let mut attr_names: Vec<String> = Vec::new();
    let mut corpus = Corpus::new();
    for (s, (sent, tag)) in sentences.iter().zip(tags).enumerate() {
        for (i, t) in tag.iter().enumerate() {
            let id = match label_ids.get(t.as_str()) {
                Some(&id) => id,
                None => {
                    let id = u16::try_from(labels.len()).map_err(|_| {
                        AlgoError::BadData(format!(
                            "more than 65535 distinct tags (sentence {s}, token {i}: {t:?})"
                        ))
                    })?;
                    label_ids.insert(t.as_str(), id);
                    labels.push(t.clone());
                    id
                }
            };
            corpus.labels.push(id);
            for a in token_attributes(sent, i) {
                let next = attr_names.len();
                let id = *attr_ids.entry(a).or_insert_with_key(|k| {
                    attr_names.push(k.clone());
                    next as u32
                });
                corpus.attrs.push(id);
            }
            corpus.end_token();
        }
        corpus.end_sentence();
    }
    if labels.len() < 2 {
        return Err(AlgoError::BadData(format!(
            "the tags contain only {:?}; a CRF needs at least 2 distinct tags",
            labels.first().map(String::as_str).unwrap_or("")
        )));
    }
    let n_labels = labels.len();
    // Observed (attribute, label) pairs, as a bitset per attribute.
    let n_attr = attr_names.len();
    let mut seen = vec![false; n_attr * n_labels];
    let mut trans_seen = vec![false; n_labels * n_labels];
    for s in 0..corpus.n_sentences() {
        for t in corpus.sent_start[s]..corpus.sent_start[s + 1] {
            let y = corpus.labels[t] as usize;
            for &a in &corpus.attrs[corpus.tok_start[t]..corpus.tok_start[t + 1]] {
                seen[a as usize * n_labels + y] = true;
            }
            if t > corpus.sent_start[s] {
                trans_seen[corpus.labels[t - 1] as usize * n_labels + y] = true;
            }
        }
    }
    let mut attr_start = Vec::with_capacity(n_attr + 1);
    let mut state_label = Vec::new();
    attr_start.push(0);
    for a in 0..n_attr {
        for y in 0..n_labels {
            if seen[a * n_labels + y] {
                state_label.push(y as u16);
            }
        }
        attr_start.push(state_label.len());
    }
    let n_state = state_label.len();
    let mut trans_id = vec![NO_FEATURE; n_labels * n_labels];
    let mut trans_pairs = Vec::new();
    for i in 0..n_labels {
        for j in 0..n_labels {
            if trans_seen[i * n_labels + j] {
                trans_id[i * n_labels + j] = (n_state + trans_pairs.len()) as u32;
                trans_pairs.push((i as u16, j as u16));
            }
        }
    }
    let feats = FeatureIndex {
        n_labels,
        attr_start,
        state_label,
        trans_id,
        trans_pairs,
    };
    let empirical = empirical_counts(&feats, &corpus);
    Ok(Built {
        labels,
        attr_names,
        attr_ids,
        feats,
        corpus,
        empirical,
    })
}

/// Finds the state feature (attribute a, label y), if any.
fn state_feature(feats: &FeatureIndex, a: usize, y: u16) -> Option<usize> {
    let (lo, hi) = (feats.attr_start[a], feats.attr_start[a + 1]);
    feats.state_label[lo..hi]
        .binary_search(&y)
        .ok()
        .map(|k| lo + k)
}

fn empirical_counts(feats: &FeatureIndex, corpus: &Corpus) -> Vec<f64> {
    let l = feats.n_labels;
    let mut emp = vec![0.0; feats.n_features()];
    for s in 0..corpus.n_sentences() {
        for t in corpus.sent_start[s]..corpus.sent_start[s + 1] {
            let y = corpus.labels[t];
            for &a in &corpus.attrs[corpus.tok_start[t]..corpus.tok_start[t + 1]] {
                if let Some(f) = state_feature(feats, a as usize, y) {
                    emp[f] += 1.0;
                }
            }
            if t > corpus.sent_start[s] {
                let id = feats.trans_id[corpus.labels[t - 1] as usize * l + y as usize];
                if id != NO_FEATURE {
                    emp[id as usize] += 1.0;
                }
            }
        }
    }
    emp
}

// ---------------------------------------------------------------------------
// Forward-backward, objective and gradient
// ---------------------------------------------------------------------------

fn log_sum_exp(v: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = v.clone().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + v.map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// Emission scores `e[t*L + y]` of one sentence (tokens `t0..t1`).
fn emissions(
    feats: &FeatureIndex,
    corpus: &Corpus,
    w: &[f64],
    t0: usize,
    t1: usize,
    e: &mut [f64],
) {
    let l = feats.n_labels;
    for (t, row) in (t0..t1).zip(e.chunks_exact_mut(l)) {
        row.fill(0.0);
        for &a in &corpus.attrs[corpus.tok_start[t]..corpus.tok_start[t + 1]] {
            let (lo, hi) = (
                feats.attr_start[a as usize],
                feats.attr_start[a as usize + 1],
            );
            for (&y, &wv) in feats.state_label[lo..hi].iter().zip(&w[lo..hi]) {
                row[y as usize] += wv;
            }
        }
    }
}

/// Transition weights of a model as a dense `L x L` matrix (0 where no feature).
fn transition_matrix(feats: &FeatureIndex, w: &[f64]) -> Vec<f64> {
    feats
        .trans_id
        .iter()
        .map(|&id| {
            if id == NO_FEATURE {
                0.0
            } else {
                w[id as usize]
            }
        })
        .collect()
}

/// Scratch buffers for one sentence's forward-backward.
///
/// Two passes compute the same quantities:
/// * [`Lattice::scaled_pass`] (used first): probabilities scaled per position,
///   `psi_t(j) = exp(e_t(j) - max_j e_t)`, `M(i, j) = exp(T(i, j) - max T)`,
///   `ah_t = (ah_{t-1} M) .* psi_t / s_t` normalised to sum 1, `bh` likewise, and
///   `log Z = sum_t (ln s_t + max e_t) + (n - 1) max T`; marginals are
///   `ah_t(j) bh_t(j)`. O(L) exponentials and one logarithm per token.
/// * [`Lattice::log_pass`] (fallback when a scale factor `s_t` is not a normal
///   positive number, i.e. the dynamic range of the weights exceeds what `f64`
///   holds): the recursions on log values, `alpha_t(j) = e_t(j) + log sum_i
///   exp(alpha_{t-1}(i) + T(i, j))`, each sum taken as `m + log sum_i exp(. - m)`
///   and, if that under- or overflows, by a full log-sum-exp.
struct Lattice {
    l: usize,
    /// Transition scores (L x L), their maximum, and `exp(T - max T)`.
    trans: Vec<f64>,
    tmax: f64,
    exp_trans: Vec<f64>,
    /// Emission scores (n x L).
    emit: Vec<f64>,
    /// Log pass: log alpha and log beta (n x L).
    alpha: Vec<f64>,
    beta: Vec<f64>,
    /// Scaled pass: psi, scaled alpha and beta (n x L), scale factors (n).
    psi: Vec<f64>,
    ah: Vec<f64>,
    bh: Vec<f64>,
    scale: Vec<f64>,
    /// Whether the last pass was the scaled one.
    scaled: bool,
    tmp: Vec<f64>,
}

impl Lattice {
    fn new(l: usize, max_len: usize, trans: Vec<f64>) -> Lattice {
        let tmax = trans.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exp_trans = trans.iter().map(|v| (v - tmax).exp()).collect();
        let nl = max_len * l;
        Lattice {
            l,
            trans,
            tmax,
            exp_trans,
            emit: vec![0.0; nl],
            alpha: vec![0.0; nl],
            beta: vec![0.0; nl],
            psi: vec![0.0; nl],
            ah: vec![0.0; nl],
            bh: vec![0.0; nl],
            scale: vec![0.0; max_len],
            scaled: false,
            tmp: vec![0.0; l],
        }
    }

    /// Forward-backward over the first `n` rows of `emit`; returns log Z.
    fn run(&mut self, n: usize) -> f64 {
        match self.scaled_pass(n) {
            Some(log_z) => {
                self.scaled = true;
                log_z
            }
            None => {
                self.scaled = false;
                self.log_pass(n)
            }
        }
    }

    /// `p(y_t = y | x)` after [`Lattice::run`].
    fn marginals_at(&self, t: usize, log_z: f64, out: &mut [f64]) {
        let l = self.l;
        let r = t * l..(t + 1) * l;
        if self.scaled {
            for ((o, a), b) in out.iter_mut().zip(&self.ah[r.clone()]).zip(&self.bh[r]) {
                *o = a * b;
            }
        } else {
            for ((o, a), b) in out
                .iter_mut()
                .zip(&self.alpha[r.clone()])
                .zip(&self.beta[r])
            {
                *o = (a + b - log_z).exp();
            }
        }
    }

    /// The scaled pass; `None` if a scale factor is not a normal positive number.
    fn scaled_pass(&mut self, n: usize) -> Option<f64> {
        let l = self.l;
        if !self.tmax.is_finite() {
            return None;
        }
        let mut log_z = (n as f64 - 1.0) * self.tmax;
        for t in 0..n {
            let e = &self.emit[t * l..(t + 1) * l];
            let m = e.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if !m.is_finite() {
                return None;
            }
            log_z += m;
            let psi = &mut self.psi[t * l..(t + 1) * l];
            for (p, &ev) in psi.iter_mut().zip(e) {
                *p = (ev - m).exp();
            }
            let (before, rest) = self.ah.split_at_mut(t * l);
            let cur = &mut rest[..l];
            if t == 0 {
                cur.copy_from_slice(psi);
            } else {
                let prev = &before[(t - 1) * l..];
                cur.fill(0.0);
                for (i, &a) in prev.iter().enumerate() {
                    let row = &self.exp_trans[i * l..(i + 1) * l];
                    for (c, &mv) in cur.iter_mut().zip(row) {
                        *c += a * mv;
                    }
                }
                for (c, &p) in cur.iter_mut().zip(psi.iter()) {
                    *c *= p;
                }
            }
            let s: f64 = cur.iter().sum();
            if !s.is_normal() {
                return None;
            }
            let inv = 1.0 / s;
            for c in cur.iter_mut() {
                *c *= inv;
            }
            self.scale[t] = s;
            log_z += s.ln();
        }
        self.bh[(n - 1) * l..n * l].fill(1.0);
        for t in (0..n.saturating_sub(1)).rev() {
            let (head, next) = self.bh.split_at_mut((t + 1) * l);
            let cur = &mut head[t * l..];
            let next = &next[..l];
            let psi = &self.psi[(t + 1) * l..(t + 2) * l];
            let inv = 1.0 / self.scale[t + 1];
            for ((v, &p), &b) in self.tmp.iter_mut().zip(psi).zip(next) {
                *v = p * b * inv;
            }
            for (i, c) in cur.iter_mut().enumerate() {
                let row = &self.exp_trans[i * l..(i + 1) * l];
                *c = row.iter().zip(&self.tmp).map(|(a, b)| a * b).sum();
            }
            if cur.iter().any(|v| !v.is_finite()) {
                return None;
            }
        }
        Some(log_z)
    }

    /// The log-space pass (see the type docs); fills alpha and beta, returns log Z.
    fn log_pass(&mut self, n: usize) -> f64 {
        let l = self.l;
        let tmax = self.tmax;
        self.alpha[..l].copy_from_slice(&self.emit[..l]);
        for t in 1..n {
            let (prev, cur) = self.alpha[(t - 1) * l..(t + 1) * l].split_at_mut(l);
            let m = prev.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for (u, &p) in self.tmp.iter_mut().zip(prev.iter()) {
                *u = (p - m).exp();
            }
            let emit = &self.emit[t * l..(t + 1) * l];
            for j in 0..l {
                let mut s = 0.0;
                for i in 0..l {
                    s += self.tmp[i] * self.exp_trans[i * l + j];
                }
                cur[j] = emit[j]
                    + if s.is_normal() && tmax.is_finite() {
                        m + tmax + s.ln()
                    } else {
                        log_sum_exp((0..l).map(|i| prev[i] + self.trans[i * l + j]))
                    };
            }
        }
        let last = &self.alpha[(n - 1) * l..n * l];
        let log_z = log_sum_exp(last.iter().copied());
        self.beta[(n - 1) * l..n * l].fill(0.0);
        for t in (0..n.saturating_sub(1)).rev() {
            let (cur, next) = self.beta[t * l..(t + 2) * l].split_at_mut(l);
            let emit = &self.emit[(t + 1) * l..(t + 2) * l];
            let mut m = f64::NEG_INFINITY;
            for j in 0..l {
                m = m.max(emit[j] + next[j]);
            }
            for j in 0..l {
                self.tmp[j] = (emit[j] + next[j] - m).exp();
            }
            for (i, c) in cur.iter_mut().enumerate() {
                let row = &self.exp_trans[i * l..(i + 1) * l];
                let s: f64 = row.iter().zip(&self.tmp).map(|(a, b)| a * b).sum();
                *c = if s.is_normal() && tmax.is_finite() {
                    m + tmax + s.ln()
                } else {
                    log_sum_exp((0..l).map(|j| self.trans[i * l + j] + emit[j] + next[j]))
                };
            }
        }
        log_z
    }

    /// Adds `p(y_{t-1} = i, y_t = j | x)` for every transition feature `(i, j)`
    /// (`pairs`) into `g` (after [`Lattice::run`]; `t >= 1`). `v` is scratch.
    fn add_pair_marginals(
        &self,
        t: usize,
        log_z: f64,
        pairs: &[(u16, u16)],
        v: &mut [f64],
        g: &mut [f64],
    ) {
        let l = self.l;
        if self.scaled {
            // ah_{t-1}(i) M(i, j) psi_t(j) bh_t(j) / s_t
            let prev = &self.ah[(t - 1) * l..t * l];
            let inv = 1.0 / self.scale[t];
            let (psi, b) = (&self.psi[t * l..(t + 1) * l], &self.bh[t * l..(t + 1) * l]);
            for ((vj, &p), &bj) in v.iter_mut().zip(psi).zip(b) {
                *vj = p * bj * inv;
            }
            for (gk, &(i, j)) in g.iter_mut().zip(pairs) {
                let (i, j) = (i as usize, j as usize);
                *gk += prev[i] * self.exp_trans[i * l + j] * v[j];
            }
        } else {
            let prev = &self.alpha[(t - 1) * l..t * l];
            let (e, b) = (
                &self.emit[t * l..(t + 1) * l],
                &self.beta[t * l..(t + 1) * l],
            );
            for (gk, &(i, j)) in g.iter_mut().zip(pairs) {
                let (i, j) = (i as usize, j as usize);
                *gk += (prev[i] + self.trans[i * l + j] + e[j] + b[j] - log_z).exp();
            }
        }
    }
}

/// Negative log-likelihood of the labelled `corpus` (no penalty); when `grad` is
/// given, adds the expected feature counts into it (the caller subtracts the
/// empirical ones and adds the penalty).
fn nll_and_expectations(
    feats: &FeatureIndex,
    corpus: &Corpus,
    w: &[f64],
    mut grad: Option<&mut [f64]>,
) -> f64 {
    let l = feats.n_labels;
    let n_state = feats.n_state();
    let mut lat = Lattice::new(l, corpus.max_len, transition_matrix(feats, w));
    let mut v = vec![0.0; l];
    let mut marg = vec![0.0; l];
    let mut nll = 0.0;
    for s in 0..corpus.n_sentences() {
        let (t0, t1) = (corpus.sent_start[s], corpus.sent_start[s + 1]);
        let n = t1 - t0;
        if n == 0 {
            continue;
        }
        emissions(feats, corpus, w, t0, t1, &mut lat.emit[..n * l]);
        let log_z = lat.run(n);
        // Score of the gold path.
        let mut gold = 0.0;
        for t in 0..n {
            let y = corpus.labels[t0 + t] as usize;
            gold += lat.emit[t * l + y];
            if t > 0 {
                gold += lat.trans[corpus.labels[t0 + t - 1] as usize * l + y];
            }
        }
        nll += log_z - gold;
        let Some(g) = grad.as_deref_mut() else {
            continue;
        };
        for t in 0..n {
            lat.marginals_at(t, log_z, &mut marg);
            let tok = t0 + t;
            for &at in &corpus.attrs[corpus.tok_start[tok]..corpus.tok_start[tok + 1]] {
                let (lo, hi) = (
                    feats.attr_start[at as usize],
                    feats.attr_start[at as usize + 1],
                );
                for (gv, &y) in g[lo..hi].iter_mut().zip(&feats.state_label[lo..hi]) {
                    *gv += marg[y as usize];
                }
            }
            if t > 0 {
                lat.add_pair_marginals(t, log_z, &feats.trans_pairs, &mut v, &mut g[n_state..]);
            }
        }
    }
    nll
}

/// `F(w) = NLL + c2 ||w||^2` and its gradient.
fn objective_and_gradient(
    feats: &FeatureIndex,
    corpus: &Corpus,
    empirical: &[f64],
    c2: f64,
    w: &[f64],
    g: &mut [f64],
) -> f64 {
    g.fill(0.0);
    let nll = nll_and_expectations(feats, corpus, w, Some(g));
    let mut norm = 0.0;
    for ((gv, &e), &wv) in g.iter_mut().zip(empirical).zip(w) {
        *gv += 2.0 * c2 * wv - e;
        norm += wv * wv;
    }
    nll + c2 * norm
}

// ---------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------

/// How the fit ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingSummary {
    /// L-BFGS iterations done.
    pub iterations: usize,
    /// Objective evaluations (forward-backward passes over the data).
    pub evaluations: usize,
    /// Final objective `NLL + c2 ||w||^2` (CRFsuite's "Loss").
    pub objective: f64,
    /// Why it stopped: "epsilon", "delta", "max_iter", "line search", ...
    pub stop: String,
}

/// A transition weight (`from` followed by `to`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransitionWeight {
    pub from: String,
    pub to: String,
    pub weight: f64,
}

/// A state-feature weight (`attribute` on a token labelled `label`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateWeight {
    pub attribute: String,
    pub label: String,
    pub weight: f64,
}

/// A fitted linear-chain CRF.
#[derive(Debug, Clone, PartialEq)]
pub struct CrfModel {
    labels: Vec<String>,
    attr_names: Vec<String>,
    attr_ids: HashMap<String, u32>,
    feats: FeatureIndex,
    /// State weights (CSR order), then transition weights.
    weights: Vec<f64>,
    /// Dense transition matrix (L x L), 0 where no feature.
    trans: Vec<f64>,
    summary: TrainingSummary,
}

impl CrfModel {
    /// Label names; label ids are indices into this (first appearance in training).
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Number of features = parameters (state + transition); CRFsuite's
    /// "Number of features".
    pub fn n_features(&self) -> usize {
        self.feats.n_features()
    }

    /// Number of state features (attribute x label pairs seen in training).
    pub fn n_state_features(&self) -> usize {
        self.feats.n_state()
    }

    /// Number of transition features (label bigrams seen in training).
    pub fn n_transition_features(&self) -> usize {
        self.feats.trans_pairs.len()
    }

    /// Number of distinct attributes seen in training.
    pub fn n_attributes(&self) -> usize {
        self.attr_names.len()
    }

    /// How training ended (iterations, final objective, stop reason).
    pub fn training(&self) -> &TrainingSummary {
        &self.summary
    }

    /// The transition weight from label `from` to label `to` (0 when that pair
    /// is not a feature); `None` for an unknown label.
    pub fn transition(&self, from: &str, to: &str) -> Option<f64> {
        let l = self.labels.len();
        let i = self.labels.iter().position(|x| x == from)?;
        let j = self.labels.iter().position(|x| x == to)?;
        Some(self.trans[i * l + j])
    }

    /// The `k` transition features with the largest absolute weights (ties in
    /// feature order), strongest first: positive = likely, negative = unlikely.
    pub fn top_transitions(&self, k: usize) -> Vec<TransitionWeight> {
        let n_state = self.feats.n_state();
        let mut idx: Vec<usize> = (0..self.feats.trans_pairs.len()).collect();
        idx.sort_by(|&a, &b| {
            self.weights[n_state + b]
                .abs()
                .total_cmp(&self.weights[n_state + a].abs())
                .then(a.cmp(&b))
        });
        idx.into_iter()
            .take(k)
            .map(|f| {
                let (i, j) = self.feats.trans_pairs[f];
                TransitionWeight {
                    from: self.labels[i as usize].clone(),
                    to: self.labels[j as usize].clone(),
                    weight: self.weights[n_state + f],
                }
            })
            .collect()
    }

    /// The `k` state features with the largest absolute weights (ties in
    /// feature order), strongest first.
    pub fn top_state_features(&self, k: usize) -> Vec<StateWeight> {
        let n_state = self.feats.n_state();
        let mut idx: Vec<usize> = (0..n_state).collect();
        idx.sort_by(|&a, &b| {
            self.weights[b]
                .abs()
                .total_cmp(&self.weights[a].abs())
                .then(a.cmp(&b))
        });
        idx.truncate(k);
        idx.into_iter()
            .map(|f| {
                // The attribute owning state feature f (attr_start is sorted).
                let a = self.feats.attr_start.partition_point(|&s| s <= f) - 1;
                StateWeight {
                    attribute: self.attr_names[a].clone(),
                    label: self.labels[self.feats.state_label[f] as usize].clone(),
                    weight: self.weights[f],
                }
            })
            .collect()
    }

    /// Encodes one sentence with this model's attributes (unknown ones dropped).
    fn encode(&self, tokens: &[String], corpus: &mut Corpus) {
        for i in 0..tokens.len() {
            for a in token_attributes(tokens, i) {
                if let Some(&id) = self.attr_ids.get(&a) {
                    corpus.attrs.push(id);
                }
            }
            corpus.end_token();
        }
        corpus.end_sentence();
    }

    fn emissions_of(&self, tokens: &[String]) -> Vec<f64> {
        let mut c = Corpus::new();
        self.encode(tokens, &mut c);
        let mut e = vec![0.0; tokens.len() * self.labels.len()];
        emissions(&self.feats, &c, &self.weights, 0, tokens.len(), &mut e);
        e
    }

    /// The most likely tag sequence (Viterbi); empty for an empty sentence.
    pub fn predict(&self, tokens: &[String]) -> Vec<String> {
        self.predict_ids(tokens)
            .into_iter()
            .map(|y| self.labels[y].clone())
            .collect()
    }

    /// [`CrfModel::predict`] as label ids (indices into [`CrfModel::labels`]).
    pub fn predict_ids(&self, tokens: &[String]) -> Vec<usize> {
        let n = tokens.len();
        let l = self.labels.len();
        if n == 0 {
            return Vec::new();
        }
        let e = self.emissions_of(tokens);
        let mut delta = e[..l].to_vec();
        let mut next = vec![0.0; l];
        let mut back = vec![0usize; n * l];
        for t in 1..n {
            for j in 0..l {
                let mut best = 0;
                let mut best_v = f64::NEG_INFINITY;
                for (i, &d) in delta.iter().enumerate() {
                    let v = d + self.trans[i * l + j];
                    if v > best_v {
                        best_v = v;
                        best = i;
                    }
                }
                next[j] = best_v + e[t * l + j];
                back[t * l + j] = best;
            }
            std::mem::swap(&mut delta, &mut next);
        }
        let mut y = 0;
        let mut best_v = f64::NEG_INFINITY;
        for (j, &d) in delta.iter().enumerate() {
            if d > best_v {
                best_v = d;
                y = j;
            }
        }
        let mut path = vec![0; n];
        for t in (0..n).rev() {
            path[t] = y;
            y = back[t * l + y];
        }
        path
    }

    /// Per-token label probabilities `p(y_t = j | x)` (rows sum to 1), columns
    /// in [`CrfModel::labels`] order.
    pub fn marginals(&self, tokens: &[String]) -> Vec<Vec<f64>> {
        let n = tokens.len();
        let l = self.labels.len();
        if n == 0 {
            return Vec::new();
        }
        let mut lat = Lattice::new(l, n, self.trans.clone());
        lat.emit = self.emissions_of(tokens);
        let log_z = lat.run(n);
        (0..n)
            .map(|t| {
                let mut row = vec![0.0; l];
                lat.marginals_at(t, log_z, &mut row);
                row
            })
            .collect()
    }

    /// `-sum log p(tags | sentence) + c2 ||w||^2` of this model on labelled data
    /// (the training objective when it is the training data). Attributes unknown
    /// to the model are ignored; a tag unknown to the model is an error.
    pub fn objective(
        &self,
        sentences: &[Vec<String>],
        tags: &[Vec<String>],
        c2: f64,
    ) -> Result<f64, AlgoError> {
        check_data(sentences, tags)?;
        let mut corpus = Corpus::new();
        for (s, (sent, tag)) in sentences.iter().zip(tags).enumerate() {
            for (i, t) in tag.iter().enumerate() {
                let y = self.labels.iter().position(|x| x == t).ok_or_else(|| {
                    AlgoError::BadData(format!(
                        "sentence {s}, token {i}: tag {t:?} is not one of the model's labels"
                    ))
                })?;
                corpus.labels.push(y as u16);
            }
            self.encode(sent, &mut corpus);
        }
        let nll = nll_and_expectations(&self.feats, &corpus, &self.weights, None);
        let norm: f64 = self.weights.iter().map(|w| w * w).sum();
        Ok(nll + c2 * norm)
    }

    /// A model with given weights, e.g. one trained by CRFsuite: `state` lists
    /// (attribute, label, weight), `transitions` (from, to, weight). Pairs not
    /// listed are not features (weight 0). Errors on an unknown label or a pair
    /// listed twice. The training summary is empty.
    pub fn from_weights(
        labels: Vec<String>,
        state: &[(String, String, f64)],
        transitions: &[(String, String, f64)],
    ) -> Result<CrfModel, AlgoError> {
        let l = labels.len();
        if l == 0 || l > u16::MAX as usize {
            return Err(AlgoError::BadData(format!(
                "a CRF needs 1..=65535 labels, got {l}"
            )));
        }
        let label_id = |name: &str, what: &str| -> Result<u16, AlgoError> {
            labels
                .iter()
                .position(|x| x == name)
                .map(|y| y as u16)
                .ok_or_else(|| {
                    AlgoError::BadData(format!("{what}: label {name:?} is not in the label list"))
                })
        };
        let mut attr_ids: HashMap<String, u32> = HashMap::new();
        let mut attr_names: Vec<String> = Vec::new();
        let mut per_attr: Vec<Vec<(u16, f64)>> = Vec::new();
        for (k, (a, y, w)) in state.iter().enumerate() {
            let y = label_id(y, &format!("state weight {k} ({a:?})"))?;
            let id = *attr_ids.entry(a.clone()).or_insert_with(|| {
                attr_names.push(a.clone());
                per_attr.push(Vec::new());
                (attr_names.len() - 1) as u32
            }) as usize;
            per_attr[id].push((y, *w));
        }
        let mut attr_start = vec![0];
        let mut state_label = Vec::new();
        let mut weights = Vec::new();
        for (a, mut v) in per_attr.into_iter().enumerate() {
            v.sort_by_key(|p| p.0);
            if v.windows(2).any(|p| p[0].0 == p[1].0) {
                return Err(AlgoError::BadData(format!(
                    "state weight for attribute {:?} listed twice for one label",
                    attr_names[a]
                )));
            }
            for (y, w) in v {
                state_label.push(y);
                weights.push(w);
            }
            attr_start.push(state_label.len());
        }
        let n_state = state_label.len();
        let mut trans_id = vec![NO_FEATURE; l * l];
        let mut trans_pairs = Vec::new();
        let mut tw = Vec::new();
        let mut sorted: Vec<(u16, u16, f64)> = Vec::new();
        for (k, (a, b, w)) in transitions.iter().enumerate() {
            let what = format!("transition weight {k}");
            sorted.push((label_id(a, &what)?, label_id(b, &what)?, *w));
        }
        sorted.sort_by_key(|p| (p.0, p.1));
        for (i, j, w) in sorted {
            let cell = &mut trans_id[i as usize * l + j as usize];
            if *cell != NO_FEATURE {
                return Err(AlgoError::BadData(format!(
                    "transition {:?} -> {:?} listed twice",
                    labels[i as usize], labels[j as usize]
                )));
            }
            *cell = (n_state + trans_pairs.len()) as u32;
            trans_pairs.push((i, j));
            tw.push(w);
        }
        weights.extend(tw);
        let feats = FeatureIndex {
            n_labels: l,
            attr_start,
            state_label,
            trans_id,
            trans_pairs,
        };
        let trans = transition_matrix(&feats, &weights);
        Ok(CrfModel {
            labels,
            attr_names,
            attr_ids,
            feats,
            weights,
            trans,
            summary: TrainingSummary {
                iterations: 0,
                evaluations: 0,
                objective: f64::NAN,
                stop: "not trained here".into(),
            },
        })
    }
}

fn stop_name(s: lbfgs::Stop) -> &'static str {
    match s {
        lbfgs::Stop::Gradient => "gradient",
        lbfgs::Stop::Epsilon => "epsilon",
        lbfgs::Stop::Ftol => "ftol",
        lbfgs::Stop::Delta => "delta",
        lbfgs::Stop::MaxIter => "max_iter",
        lbfgs::Stop::LineSearch => "line search",
    }
}

/// Trains a linear-chain CRF on tokenised, tagged sentences (see the module
/// docs for features, objective and optimiser). Reports the objective after every
/// L-BFGS iteration as metric "objective"; a cancel returns
/// [`AlgoError::Cancelled`].
///
/// Errors: invalid parameters; `sentences` and `tags` of different lengths or a
/// sentence whose token and tag counts differ; no tokens; fewer than 2 distinct
/// tags. Empty sentences are allowed (they contribute nothing).
pub fn fit(
    sentences: &[Vec<String>],
    tags: &[Vec<String>],
    params: &CrfParams,
    progress: &mut Progress<'_>,
) -> Result<CrfModel, AlgoError> {
    params.check()?;
    check_data(sentences, tags)?;
    let b = build(sentences, tags)?;
    let opts = params.lbfgs_options();
    let max_iter = params.max_iter;
    let c2 = params.c2;
    let m = lbfgs::minimize(
        vec![0.0; b.feats.n_features()],
        &opts,
        |w, g| {
            Ok(objective_and_gradient(
                &b.feats,
                &b.corpus,
                &b.empirical,
                c2,
                w,
                g,
            ))
        },
        |it| progress.report(it.iter, max_iter, "objective", it.f),
    )?;
    let trans = transition_matrix(&b.feats, &m.x);
    Ok(CrfModel {
        labels: b.labels,
        attr_names: b.attr_names,
        attr_ids: b.attr_ids,
        feats: b.feats,
        weights: m.x,
        trans,
        summary: TrainingSummary {
            iterations: m.iterations,
            evaluations: m.evaluations,
            objective: m.f,
            stop: stop_name(m.stop).to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algos::core::Step;
    use rand::Rng as _;

    fn s(words: &str) -> Vec<String> {
        words.split_whitespace().map(String::from).collect()
    }

    fn toy() -> (Vec<Vec<String>>, Vec<Vec<String>>) {
        let sents = vec![
            s("John lives in Paris"),
            s("Mary visited London"),
            s("Paris is big"),
            s("John and Mary"),
            s("He went to London today"),
        ];
        let tags = vec![
            s("B-PER O O B-LOC"),
            s("B-PER O B-LOC"),
            s("B-LOC O O"),
            s("B-PER O B-PER"),
            s("O O O B-LOC O"),
        ];
        (sents, tags)
    }

    fn fit_default(sents: &[Vec<String>], tags: &[Vec<String>]) -> CrfModel {
        fit(sents, tags, &CrfParams::default(), &mut Progress::none()).unwrap()
    }

    // ---- parameters ---------------------------------------------------------

    #[test]
    fn defaults_are_crfsuites() {
        let p = CrfParams::default();
        assert_eq!(
            (p.c2, p.max_iter, p.memory, p.epsilon, p.period, p.delta),
            (1.0, 100, 6, 1e-5, 10, 1e-5)
        );
        assert!(p.check().is_ok());
    }

    #[test]
    fn invalid_params_are_named() {
        let name = |p: CrfParams| match p.check() {
            Err(AlgoError::InvalidParam { name, .. }) => name,
            other => panic!("{other:?}"),
        };
        let d = CrfParams::default;
        assert_eq!(name(CrfParams { c2: -1.0, ..d() }), "c2");
        assert_eq!(
            name(CrfParams {
                c2: f64::NAN,
                ..d()
            }),
            "c2"
        );
        assert_eq!(name(CrfParams { max_iter: 0, ..d() }), "max_iter");
        assert_eq!(name(CrfParams { memory: 0, ..d() }), "memory");
        assert_eq!(
            name(CrfParams {
                epsilon: -1.0,
                ..d()
            }),
            "epsilon"
        );
        assert_eq!(name(CrfParams { delta: -1.0, ..d() }), "delta");
        let (x, y) = toy();
        let r = fit(
            &x,
            &y,
            &CrfParams { c2: -1.0, ..d() },
            &mut Progress::none(),
        );
        assert!(matches!(r, Err(AlgoError::InvalidParam { .. })));
    }

    #[test]
    fn bad_data_is_an_error() {
        let (x, y) = toy();
        let none = &mut Progress::none();
        let p = CrfParams::default();
        assert!(matches!(
            fit(&x[..2], &y, &p, none),
            Err(AlgoError::BadData(_))
        ));
        let mut y2 = y.clone();
        y2[1].pop();
        match fit(&x, &y2, &p, none) {
            Err(AlgoError::BadData(m)) => assert!(m.contains("sentence 1"), "{m}"),
            other => panic!("{other:?}"),
        }
        let one = vec![s("O O O"), s("O")];
        assert!(matches!(
            fit(&[s("a b c"), s("d")], &one, &p, none),
            Err(AlgoError::BadData(_))
        ));
        assert!(matches!(
            fit(&[], &[], &p, none),
            Err(AlgoError::BadData(_))
        ));
        assert!(matches!(
            fit(&[vec![]], &[vec![]], &p, none),
            Err(AlgoError::BadData(_))
        ));
    }

    // ---- features -------------------------------------------------------------

    #[test]
    fn templates_of_a_token() {
        let sent = s("In New-York 1999");
        assert_eq!(
            token_attributes(&sent, 1),
            vec![
                "bias",
                "word=New-York",
                "lower=new-york",
                "prefix1=N",
                "prefix2=Ne",
                "prefix3=New",
                "suffix1=k",
                "suffix2=rk",
                "suffix3=ork",
                "shape=Xxx-Xxxx",
                "has_hyphen",
                "-1:word=In",
                "-1:lower=in",
                "-1:is_title",
                "+1:word=1999",
                "+1:lower=1999",
            ]
        );
        let a0 = token_attributes(&sent, 0);
        assert!(a0.contains(&"BOS".to_string()) && a0.contains(&"is_title".to_string()));
        let a2 = token_attributes(&sent, 2);
        assert!(a2.contains(&"EOS".to_string()) && a2.contains(&"is_digit".to_string()));
        assert!(!a2.iter().any(|a| a == "is_title" || a == "is_upper"));
        assert!(token_attributes(&sent, 3).is_empty());
        // Short words: no prefix/suffix longer than the word.
        let a = token_attributes(&s("a"), 0);
        assert!(
            a.contains(&"prefix1=a".to_string()) && !a.iter().any(|x| x.starts_with("prefix2"))
        );
        assert!(a.contains(&"BOS".to_string()) && a.contains(&"EOS".to_string()));
    }

    #[test]
    fn shapes_and_flags() {
        assert_eq!(word_shape("Washington"), "Xxxxx");
        assert_eq!(word_shape("1999"), "dddd");
        assert_eq!(word_shape("123456"), "dddd");
        assert_eq!(word_shape("U.S."), "X.X.");
        assert_eq!(word_shape("5-year"), "d-xxxx");
        assert_eq!(word_shape("straße"), "xxxx");
        assert_eq!(word_shape("NASA"), "XXXX");
        assert!(is_title("Paris") && is_title("A") && !is_title("NASA") && !is_title("paris"));
        assert!(is_title("Ökonom") && !is_title("McDonald"));
        assert!(is_upper("NASA") && is_upper("U.S.") && is_upper("A") && !is_upper("1999"));
        assert!(!is_upper("NaSA"));
        assert!(is_digit("2024") && !is_digit("") && !is_digit("1.5") && !is_digit("٣"));
    }

    #[test]
    fn feature_index_only_holds_observed_pairs() {
        let (x, y) = toy();
        let b = build(&x, &y).unwrap();
        assert_eq!(b.labels, vec!["B-PER", "O", "B-LOC"]);
        // "bias" occurs with all three labels; "word=Paris" only with B-LOC.
        let bias = b.attr_ids["bias"] as usize;
        let paris = b.attr_ids["word=Paris"] as usize;
        let l = |f: &FeatureIndex, a: usize| {
            f.state_label[f.attr_start[a]..f.attr_start[a + 1]].to_vec()
        };
        assert_eq!(l(&b.feats, bias), vec![0, 1, 2]);
        assert_eq!(l(&b.feats, paris), vec![2]);
        // Transitions seen: PER->O, O->O, O->LOC, LOC->O, O->PER, ... but never LOC->PER.
        let t = |i: usize, j: usize| b.feats.trans_id[i * 3 + j] != NO_FEATURE;
        assert!(t(0, 1) && t(1, 1) && t(1, 2) && t(2, 1) && t(1, 0));
        assert!(!t(2, 0) && !t(0, 0) && !t(0, 2) && !t(2, 2));
        // Empirical counts: "bias" with O = number of O tokens.
        let n_o = y.iter().flatten().filter(|t| *t == "O").count() as f64;
        let f = state_feature(&b.feats, bias, 1).unwrap();
        assert_eq!(b.empirical[f], n_o);
        let total_tokens: usize = x.iter().map(Vec::len).sum();
        let bias_total: f64 = (0..3)
            .map(|y| b.empirical[state_feature(&b.feats, bias, y).unwrap()])
            .sum();
        assert_eq!(bias_total, total_tokens as f64);
    }

    // ---- inference against brute force -------------------------------------

    /// A random model over `l` labels and the attributes of `sents`.
    fn random_model(sents: &[Vec<String>], tags: &[Vec<String>], seed: u64) -> (Built, Vec<f64>) {
        let b = build(sents, tags).unwrap();
        let mut r = crate::algos::core::rng(seed);
        let w = (0..b.feats.n_features())
            .map(|_| r.gen_range(-1.5..1.5))
            .collect();
        (b, w)
    }

    /// All label sequences of length n over l labels.
    fn all_paths(n: usize, l: usize) -> Vec<Vec<usize>> {
        let mut out = vec![vec![]];
        for _ in 0..n {
            out = out
                .into_iter()
                .flat_map(|p| {
                    (0..l).map(move |y| {
                        let mut q = p.clone();
                        q.push(y);
                        q
                    })
                })
                .collect();
        }
        out
    }

    fn path_score(e: &[f64], trans: &[f64], l: usize, path: &[usize]) -> f64 {
        let mut sc = 0.0;
        for (t, &y) in path.iter().enumerate() {
            sc += e[t * l + y];
            if t > 0 {
                sc += trans[path[t - 1] * l + y];
            }
        }
        sc
    }

    fn model_from(b: Built, w: Vec<f64>) -> CrfModel {
        let trans = transition_matrix(&b.feats, &w);
        CrfModel {
            labels: b.labels,
            attr_names: b.attr_names,
            attr_ids: b.attr_ids,
            feats: b.feats,
            weights: w,
            trans,
            summary: TrainingSummary {
                iterations: 0,
                evaluations: 0,
                objective: 0.0,
                stop: String::new(),
            },
        }
    }

    #[test]
    fn log_z_marginals_and_viterbi_match_brute_force() {
        let (x, y) = toy();
        for seed in 0..4 {
            let (b, w) = random_model(&x, &y, seed);
            let model = model_from(b, w);
            let l = model.labels.len();
            for sent in x.iter().chain([&s("Unknown words here"), &s("Paris")]) {
                let n = sent.len();
                let e = model.emissions_of(sent);
                let paths = all_paths(n, l);
                let scores: Vec<f64> = paths
                    .iter()
                    .map(|p| path_score(&e, &model.trans, l, p))
                    .collect();
                let log_z = log_sum_exp(scores.iter().copied());
                // log Z and marginals through both passes of the lattice.
                let mut lat = Lattice::new(l, n, model.trans.clone());
                lat.emit = e.clone();
                let scaled = lat.scaled_pass(n).unwrap();
                assert!((scaled - log_z).abs() < 1e-10, "{scaled} vs {log_z}");
                lat.scaled = true;
                let mut m_scaled = vec![0.0; n * l];
                for t in 0..n {
                    lat.marginals_at(t, log_z, &mut m_scaled[t * l..(t + 1) * l]);
                }
                assert!((lat.log_pass(n) - log_z).abs() < 1e-10);
                lat.scaled = false;
                for t in 0..n {
                    let mut row = vec![0.0; l];
                    lat.marginals_at(t, log_z, &mut row);
                    for (a, b) in row.iter().zip(&m_scaled[t * l..(t + 1) * l]) {
                        assert!((a - b).abs() < 1e-12);
                    }
                }
                // Pair marginals: both passes against brute force.
                for t in 1..n {
                    let pairs: Vec<(u16, u16)> = (0..l)
                        .flat_map(|i| (0..l).map(move |j| (i as u16, j as u16)))
                        .collect();
                    let want: Vec<f64> = pairs
                        .iter()
                        .map(|&(i, j)| {
                            paths
                                .iter()
                                .zip(&scores)
                                .filter(|(p, _)| p[t - 1] == i as usize && p[t] == j as usize)
                                .map(|(_, sc)| (sc - log_z).exp())
                                .sum::<f64>()
                        })
                        .collect();
                    for scaled in [false, true] {
                        if scaled {
                            lat.scaled_pass(n).unwrap();
                        } else {
                            lat.log_pass(n);
                        }
                        lat.scaled = scaled;
                        let mut g = vec![0.0; pairs.len()];
                        let mut v = vec![0.0; l];
                        lat.add_pair_marginals(t, log_z, &pairs, &mut v, &mut g);
                        for (a, b) in g.iter().zip(&want) {
                            assert!((a - b).abs() < 1e-10, "t={t} scaled={scaled}");
                        }
                    }
                }
                // marginals
                let marg = model.marginals(sent);
                for t in 0..n {
                    for (yv, &got) in marg[t].iter().enumerate() {
                        let p: f64 = paths
                            .iter()
                            .zip(&scores)
                            .filter(|(p, _)| p[t] == yv)
                            .map(|(_, sc)| (sc - log_z).exp())
                            .sum();
                        assert!((got - p).abs() < 1e-10, "{t} {yv}");
                    }
                    assert!((marg[t].iter().sum::<f64>() - 1.0).abs() < 1e-12);
                }
                // Viterbi
                let best = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let pred = model.predict_ids(sent);
                assert!((path_score(&e, &model.trans, l, &pred) - best).abs() < 1e-10);
            }
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (x, y) = toy();
        let (b, w) = random_model(&x, &y, 7);
        let c2 = 0.3;
        let d = b.feats.n_features();
        let mut g = vec![0.0; d];
        objective_and_gradient(&b.feats, &b.corpus, &b.empirical, c2, &w, &mut g);
        let mut scratch = vec![0.0; d];
        let h = 1e-6;
        for i in 0..d {
            let mut wp = w.clone();
            wp[i] += h;
            let fp =
                objective_and_gradient(&b.feats, &b.corpus, &b.empirical, c2, &wp, &mut scratch);
            wp[i] -= 2.0 * h;
            let fm =
                objective_and_gradient(&b.feats, &b.corpus, &b.empirical, c2, &wp, &mut scratch);
            let fd = (fp - fm) / (2.0 * h);
            assert!(
                (fd - g[i]).abs() <= 1e-6 * (1.0 + g[i].abs()),
                "feature {i}: analytic {} vs finite difference {fd}",
                g[i]
            );
        }
    }

    #[test]
    fn objective_at_zero_is_n_log_labels_and_model_objective_agrees() {
        let (x, y) = toy();
        let b = build(&x, &y).unwrap();
        let d = b.feats.n_features();
        let mut g = vec![0.0; d];
        let f0 = objective_and_gradient(
            &b.feats,
            &b.corpus,
            &b.empirical,
            1.0,
            &vec![0.0; d],
            &mut g,
        );
        let tokens: usize = x.iter().map(Vec::len).sum();
        assert!((f0 - tokens as f64 * 3f64.ln()).abs() < 1e-10);
        let m = fit_default(&x, &y);
        let f = m.objective(&x, &y, 1.0).unwrap();
        assert!(
            (f - m.training().objective).abs() < 1e-9 * f,
            "{f} {:?}",
            m.training()
        );
        assert!(f < f0);
        assert!(m.objective(&x, &[s("B-PER X O B-LOC")], 1.0).is_err());
    }

    #[test]
    fn stable_for_huge_weights() {
        let (x, y) = toy();
        let (b, mut w) = random_model(&x, &y, 3);
        for v in w.iter_mut() {
            *v *= 2000.0;
        }
        let model = model_from(b, w);
        // Weights this large defeat the scaled pass: the log pass takes over.
        let l = model.labels.len();
        let fallbacks = x
            .iter()
            .filter(|sent| {
                let mut lat = Lattice::new(l, sent.len(), model.trans.clone());
                lat.emit = model.emissions_of(sent);
                lat.scaled_pass(sent.len()).is_none()
            })
            .count();
        assert!(fallbacks > 0);
        for sent in &x {
            let marg = model.marginals(sent);
            for row in &marg {
                assert!(row.iter().all(|p| p.is_finite()));
                assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{row:?}");
            }
            assert_eq!(model.predict(sent).len(), sent.len());
        }
        let f = model.objective(&x, &y, 1.0).unwrap();
        assert!(f.is_finite());
    }

    // ---- training -------------------------------------------------------------

    #[test]
    fn learns_the_toy_data_and_reports_progress() {
        let (x, y) = toy();
        let mut steps = Vec::new();
        let mut sink = |st: Step| {
            steps.push(st);
            true
        };
        let params = CrfParams {
            c2: 0.01,
            ..CrfParams::default()
        };
        let m = fit(&x, &y, &params, &mut Progress::new(&mut sink)).unwrap();
        for (sent, tag) in x.iter().zip(&y) {
            assert_eq!(&m.predict(sent), tag);
        }
        assert_eq!(m.predict(&s("Mary lives in London")), s("B-PER O O B-LOC"));
        assert!(m.predict(&[]).is_empty());
        assert_eq!(steps.len(), m.training().iterations);
        for (i, st) in steps.iter().enumerate() {
            assert_eq!((st.iter, st.total, st.metric), (i + 1, 100, "objective"));
        }
        assert!(steps.windows(2).all(|w| w[1].value <= w[0].value));
        assert_eq!(steps.last().map(|s| s.value), Some(m.training().objective));
        // What it learned: LOC -> PER never seen, so not a feature.
        assert_eq!(m.transition("B-LOC", "B-PER"), Some(0.0));
        assert_eq!(m.transition("B-LOC", "nope"), None);
        let top = m.top_transitions(100);
        assert_eq!(top.len(), m.n_transition_features());
        assert!(top
            .windows(2)
            .all(|w| w[0].weight.abs() >= w[1].weight.abs()));
        let st = m.top_state_features(5);
        assert_eq!(st.len(), 5);
        assert!(st
            .windows(2)
            .all(|w| w[0].weight.abs() >= w[1].weight.abs()));
        for f in &st {
            // Each reported weight is really the weight of that (attribute, label).
            let a = m.attr_ids[&f.attribute] as usize;
            let yl = m.labels.iter().position(|l| *l == f.label).unwrap() as u16;
            assert_eq!(m.weights[state_feature(&m.feats, a, yl).unwrap()], f.weight);
        }
        assert_eq!(
            m.n_features(),
            m.n_state_features() + m.n_transition_features()
        );
    }

    #[test]
    fn cancel_stops_the_fit() {
        let (x, y) = toy();
        let mut calls = 0;
        let mut sink = |_s: Step| {
            calls += 1;
            calls < 2
        };
        let r = fit(&x, &y, &CrfParams::default(), &mut Progress::new(&mut sink));
        assert_eq!(r, Err(AlgoError::Cancelled));
        assert_eq!(calls, 2);
    }

    #[test]
    fn deterministic() {
        let (x, y) = toy();
        assert_eq!(fit_default(&x, &y), fit_default(&x, &y));
    }

    #[test]
    fn from_weights_round_trips_a_model() {
        let (x, y) = toy();
        let m = fit_default(&x, &y);
        let n_state = m.feats.n_state();
        let mut state = Vec::new();
        for a in 0..m.attr_names.len() {
            for f in m.feats.attr_start[a]..m.feats.attr_start[a + 1] {
                let lab = m.labels[m.feats.state_label[f] as usize].clone();
                state.push((m.attr_names[a].clone(), lab, m.weights[f]));
            }
        }
        let trans: Vec<_> = m
            .feats
            .trans_pairs
            .iter()
            .enumerate()
            .map(|(k, &(i, j))| {
                (
                    m.labels[i as usize].clone(),
                    m.labels[j as usize].clone(),
                    m.weights[n_state + k],
                )
            })
            .collect();
        let m2 = CrfModel::from_weights(m.labels.clone(), &state, &trans).unwrap();
        assert_eq!(m2.n_features(), m.n_features());
        for sent in &x {
            assert_eq!(m2.predict(sent), m.predict(sent));
        }
        let (f1, f2) = (
            m.objective(&x, &y, 1.0).unwrap(),
            m2.objective(&x, &y, 1.0).unwrap(),
        );
        assert!((f1 - f2).abs() < 1e-9 * f1);
        let bad =
            CrfModel::from_weights(m.labels.clone(), &[("bias".into(), "X".into(), 1.0)], &[]);
        assert!(matches!(bad, Err(AlgoError::BadData(_))));
        let twice = vec![("O".to_string(), "O".to_string(), 1.0); 2];
        assert!(CrfModel::from_weights(m.labels.clone(), &[], &twice).is_err());
    }
}
