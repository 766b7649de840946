//! The fitted CRF: labels, attributes, feature index and weights; decoding,
//! marginals, the objective on labelled data, the strongest weights, and a
//! model from given weights (e.g. CRFsuite's).

use std::collections::HashMap;

use serde::Serialize;

use super::features::{
    check_data, emissions, token_attributes, transition_matrix, Corpus, FeatureIndex, NO_FEATURE,
};
use super::lattice::{viterbi, Lattice};
use super::train::nll_and_expectations;
use crate::algos::core::AlgoError;

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
    pub(super) labels: Vec<String>,
    pub(super) attr_names: Vec<String>,
    pub(super) attr_ids: HashMap<String, u32>,
    pub(super) feats: FeatureIndex,
    /// State weights (CSR order), then transition weights.
    pub(super) weights: Vec<f64>,
    /// Dense transition matrix (L x L), 0 where no feature.
    pub(super) trans: Vec<f64>,
    pub(super) summary: TrainingSummary,
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
    pub(super) fn encode(&self, tokens: &[String], corpus: &mut Corpus) {
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

    pub(super) fn emissions_of(&self, tokens: &[String]) -> Vec<f64> {
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
        if tokens.is_empty() {
            return Vec::new();
        }
        let e = self.emissions_of(tokens);
        viterbi(&e, &self.trans, tokens.len(), self.labels.len())
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
