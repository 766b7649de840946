//! Fitted sequence taggers: the supervised HMM over words and the CRF,
//! behind one [`Tagger`] enum the tagging experiments evaluate.

use std::collections::HashMap;

use crate::algos::{AlgoError, Progress};
use crate::seq::conll::Corpus;
use crate::seq::crf::CrfModel;
use crate::seq::hmm::{fit_supervised, Hmm};

/// Typed parameters that fit a sequence tagger on a CoNLL corpus (the
/// tagging counterpart of `algos::algorithm::TrainClassifier`; it lives
/// here because its types are the sequence models').
pub trait TrainTagger: Send + Sync {
    /// `seed` drives whatever is random in the fit (the HMM and the CRF
    /// are deterministic and ignore it).
    fn fit(
        &self,
        train: &Corpus,
        seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Tagger, AlgoError>;
    /// The HMM's parameters, when this tagger can also learn the casino.
    fn casino(&self) -> Option<&crate::seq::hmm::HmmParams> {
        None
    }
}

/// A supervised HMM tagger: states are tags, symbols are lower-cased words;
/// words seen once in training are mapped to `<unk>` so the model learns
/// what an unknown word looks like.
pub struct HmmTagger {
    pub hmm: Hmm,
    pub tags: Vec<String>,
    vocab: HashMap<String, usize>,
}

impl HmmTagger {
    fn symbol(&self, w: &str) -> usize {
        let w = w.to_lowercase();
        self.vocab.get(&w).copied().unwrap_or(self.vocab.len())
    }

    pub fn predict(&self, tokens: &[String]) -> Vec<String> {
        let obs: Vec<usize> = tokens.iter().map(|t| self.symbol(t)).collect();
        match self.hmm.viterbi(&obs) {
            Ok((path, _)) => path.into_iter().map(|s| self.tags[s].clone()).collect(),
            Err(_) => vec!["O".to_string(); tokens.len()],
        }
    }
}

pub fn fit_hmm_tagger(train: &Corpus, smoothing: f64) -> Result<HmmTagger, AlgoError> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for s in &train.sentences {
        for t in &s.tokens {
            *counts.entry(t.to_lowercase()).or_insert(0) += 1;
        }
    }
    let mut words: Vec<&String> = counts
        .iter()
        .filter(|(_, &c)| c > 1)
        .map(|(w, _)| w)
        .collect();
    words.sort();
    let vocab: HashMap<String, usize> = words
        .iter()
        .enumerate()
        .map(|(i, w)| ((*w).clone(), i))
        .collect();
    let tags = train.tag_set();
    let tag_index: HashMap<&str, usize> = tags
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let unk = vocab.len();
    let obs: Vec<Vec<usize>> = train
        .sentences
        .iter()
        .map(|s| {
            s.tokens
                .iter()
                .map(|t| vocab.get(&t.to_lowercase()).copied().unwrap_or(unk))
                .collect()
        })
        .collect();
    let states: Vec<Vec<usize>> = train
        .sentences
        .iter()
        .map(|s| {
            s.tags
                .iter()
                .map(|t| tag_index.get(t.as_str()).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    let hmm = fit_supervised(&obs, &states, tags.len(), vocab.len() + 1, smoothing)?;
    Ok(HmmTagger { hmm, tags, vocab })
}

/// A tagger built outside `seq` (the neural taggers of `seqnn`, which
/// sit above the engine they are made of).
pub trait SequenceTagger: Send + Sync {
    fn predict(&self, tokens: &[String]) -> Vec<String>;
    /// The learned tag-to-tag transition scores, if the model has them.
    fn transitions(&self) -> Option<Transitions> {
        None
    }
}

/// Learned scores of tag `from` followed by tag `to` (`scores[from *
/// tags.len() + to]`), for the tagging report's picture.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Transitions {
    pub tags: Vec<String>,
    pub scores: Vec<f64>,
}

/// A fitted tagger.
pub enum Tagger {
    Hmm(HmmTagger),
    Crf(CrfModel),
    Other(Box<dyn SequenceTagger>),
}

impl Tagger {
    pub fn predict(&self, tokens: &[String]) -> Vec<String> {
        match self {
            Tagger::Hmm(h) => h.predict(tokens),
            Tagger::Crf(c) => c.predict(tokens),
            Tagger::Other(t) => t.predict(tokens),
        }
    }

    /// The learned transition scores: the CRF's weights (0 for a pair never
    /// seen in training, which has no feature) or a neural CRF layer's.
    pub fn transitions(&self) -> Option<Transitions> {
        match self {
            Tagger::Hmm(_) => None,
            Tagger::Crf(c) => {
                let tags = c.labels().to_vec();
                let scores = tags
                    .iter()
                    .flat_map(|a| tags.iter().map(|b| c.transition(a, b).unwrap_or(0.0)))
                    .collect();
                Some(Transitions { tags, scores })
            }
            Tagger::Other(t) => t.transitions(),
        }
    }
}
