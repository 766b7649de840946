//! Feature templates (the attributes of a token), the feature index built from
//! training data (state features in CSR order, then transitions), sentences
//! encoded as attribute and label ids, and the emission and transition scores
//! of a weight vector.

use std::collections::HashMap;

use crate::algos::core::AlgoError;

// ---------------------------------------------------------------------------
// Feature templates
// ---------------------------------------------------------------------------

pub(super) fn is_title(w: &str) -> bool {
    let mut chars = w.chars();
    match chars.next() {
        Some(c) if c.is_uppercase() => !chars.any(char::is_uppercase),
        _ => false,
    }
}

pub(super) fn is_upper(w: &str) -> bool {
    w.chars().any(char::is_uppercase) && !w.chars().any(char::is_lowercase)
}

pub(super) fn is_digit(w: &str) -> bool {
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

pub(super) const NO_FEATURE: u32 = u32::MAX;

/// Which (attribute, label) and (label, label) pairs are features, and their
/// weight indices: state features first (attribute-major, CSR), then transitions.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FeatureIndex {
    pub(super) n_labels: usize,
    /// State features of attribute `a`: weight indices `attr_start[a]..attr_start[a+1]`.
    pub(super) attr_start: Vec<usize>,
    /// Label of each state feature.
    pub(super) state_label: Vec<u16>,
    /// `n_labels x n_labels`: weight index of transition (i, j) or NO_FEATURE.
    pub(super) trans_id: Vec<u32>,
    /// The (from, to) pair of each transition feature, in weight order.
    pub(super) trans_pairs: Vec<(u16, u16)>,
}

impl FeatureIndex {
    pub(super) fn n_state(&self) -> usize {
        self.state_label.len()
    }

    pub(super) fn n_features(&self) -> usize {
        self.state_label.len() + self.trans_pairs.len()
    }
}

/// Sentences as attribute ids and label ids (flat arrays).
#[derive(Debug, Default)]
pub(super) struct Corpus {
    /// Token range of sentence s: `sent_start[s]..sent_start[s+1]`.
    pub(super) sent_start: Vec<usize>,
    /// Attribute range of token t: `tok_start[t]..tok_start[t+1]`.
    pub(super) tok_start: Vec<usize>,
    pub(super) attrs: Vec<u32>,
    /// Label id of every token (empty when unlabelled).
    pub(super) labels: Vec<u16>,
    pub(super) max_len: usize,
}

impl Corpus {
    pub(super) fn new() -> Corpus {
        Corpus {
            sent_start: vec![0],
            tok_start: vec![0],
            ..Corpus::default()
        }
    }

    pub(super) fn n_sentences(&self) -> usize {
        self.sent_start.len() - 1
    }

    pub(super) fn end_sentence(&mut self) {
        let start = self.sent_start.last().copied().unwrap_or(0);
        let end = self.tok_start.len() - 1;
        self.max_len = self.max_len.max(end - start);
        self.sent_start.push(end);
    }

    pub(super) fn end_token(&mut self) {
        self.tok_start.push(self.attrs.len());
    }
}

pub(super) fn check_data(sentences: &[Vec<String>], tags: &[Vec<String>]) -> Result<(), AlgoError> {
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
pub(super) struct Built {
    pub(super) labels: Vec<String>,
    pub(super) attr_names: Vec<String>,
    pub(super) attr_ids: HashMap<String, u32>,
    pub(super) feats: FeatureIndex,
    pub(super) corpus: Corpus,
    pub(super) empirical: Vec<f64>,
}

pub(super) fn build(sentences: &[Vec<String>], tags: &[Vec<String>]) -> Result<Built, AlgoError> {
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
pub(super) fn state_feature(feats: &FeatureIndex, a: usize, y: u16) -> Option<usize> {
    let (lo, hi) = (feats.attr_start[a], feats.attr_start[a + 1]);
    feats.state_label[lo..hi]
        .binary_search(&y)
        .ok()
        .map(|k| lo + k)
}

pub(super) fn empirical_counts(feats: &FeatureIndex, corpus: &Corpus) -> Vec<f64> {
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

/// Emission scores `e[t*L + y]` of one sentence (tokens `t0..t1`).
pub(super) fn emissions(
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
pub(super) fn transition_matrix(feats: &FeatureIndex, w: &[f64]) -> Vec<f64> {
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
