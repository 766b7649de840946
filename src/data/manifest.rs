//! `datasets/datasets.yaml`: what each bundled file is. Embedded at build time.

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

mod generated {
    include!(concat!(env!("OUT_DIR"), "/embedded_datasets.rs"));
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetInfo {
    pub name: String,
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_file: Option<String>,
    pub kind: DatasetKind,
    pub task: String,
    pub rows: usize,
    pub features: usize,
    pub target: String,
    pub columns: String,
    pub description: String,
    pub source: String,
    pub licence: String,
    #[serde(default)]
    pub topics: Vec<String>,
}

/// What a bundled file holds, spelled in the manifest (and in
/// `mlwb datasets --json`) as `tabular`, `text`, `sequence`, `conll`,
/// `hmm-model` or `graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetKind {
    /// A CSV of numeric features and a class column.
    Tabular,
    /// A CSV of one free-text column and a class column.
    Text,
    /// Observation sequences with hidden states (the casino rolls).
    Sequence,
    /// A CoNLL corpus of tagged sentences.
    Conll,
    /// An HMM written down (startprob, transmat, emissionprob).
    HmmModel,
    /// A graph (edge list).
    Graph,
    /// A discrete Bayesian network in YAML (`mlwb bayesnet`).
    BayesNet,
    /// Sentences with gold word segmentation (words separated by spaces).
    Segmented,
    /// Sentences with entity spans and relational triples
    /// (`crate::seq::relations`).
    Relations,
}

impl DatasetKind {
    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DatasetKind::Tabular => "tabular",
            DatasetKind::Text => "text",
            DatasetKind::Sequence => "sequence",
            DatasetKind::Conll => "conll",
            DatasetKind::HmmModel => "hmm-model",
            DatasetKind::Graph => "graph",
            DatasetKind::BayesNet => "bayes-net",
            DatasetKind::Segmented => "segmented",
            DatasetKind::Relations => "relations",
        }
    }

    /// A table or a text corpus: what the classifiers and clusterers take.
    pub fn is_table(self) -> bool {
        matches!(self, DatasetKind::Tabular | DatasetKind::Text)
    }

    /// Tagged or hidden-state sequences: what the HMM and the CRF take.
    pub fn is_sequence(self) -> bool {
        matches!(self, DatasetKind::Sequence | DatasetKind::Conll)
    }

    /// Something `mlwb run` can run an algorithm on.
    pub fn is_runnable(self) -> bool {
        self.is_table() || self.is_sequence()
    }
}

impl fmt::Display for DatasetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format: u32,
    datasets: Vec<DatasetInfo>,
}

/// The bytes of a bundled data file (`iris.csv`, ...).
pub fn bundled_file(name: &str) -> Option<&'static [u8]> {
    generated::FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, b)| *b)
}

/// The bundled manifest. A broken manifest is a build defect caught by the
/// tests; at run time it degrades to an empty list rather than a panic.
pub fn manifest() -> &'static [DatasetInfo] {
    static M: OnceLock<Vec<DatasetInfo>> = OnceLock::new();
    M.get_or_init(|| {
        bundled_file("datasets.yaml")
            .and_then(|b| serde_yaml::from_slice::<Manifest>(b).ok())
            .filter(|m| m.format == 1)
            .map(|m| m.datasets)
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_parses_and_every_file_is_bundled() {
        let bytes = bundled_file("datasets.yaml").expect("manifest bundled");
        let m: Manifest = serde_yaml::from_slice(bytes).expect("manifest parses");
        assert_eq!(m.format, 1);
        assert_eq!(manifest().len(), m.datasets.len());
        assert!(m.datasets.len() >= 12);
        for d in &m.datasets {
            assert!(bundled_file(&d.file).is_some(), "{} missing", d.file);
            if let Some(t) = &d.test_file {
                assert!(bundled_file(t).is_some(), "{t} missing");
            }
            assert!(!d.licence.is_empty() && !d.source.is_empty());
        }
    }

    #[test]
    fn kinds_keep_their_manifest_spelling() {
        for k in [
            DatasetKind::Tabular,
            DatasetKind::Text,
            DatasetKind::Sequence,
            DatasetKind::Conll,
            DatasetKind::HmmModel,
            DatasetKind::Graph,
            DatasetKind::BayesNet,
            DatasetKind::Segmented,
            DatasetKind::Relations,
        ] {
            let json = serde_json::to_string(&k).expect("json");
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            let back: DatasetKind = serde_yaml::from_str(k.as_str()).expect("yaml");
            assert_eq!(back, k);
        }
        assert!(serde_yaml::from_str::<DatasetKind>("table").is_err());
        assert_eq!(format!("{:<10}|", DatasetKind::HmmModel), "hmm-model |");
    }
}
