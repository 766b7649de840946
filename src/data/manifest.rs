//! `datasets/datasets.yaml`: what each bundled file is. Embedded at build time.

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
    /// tabular | text | sequence | conll | hmm-model | graph
    pub kind: String,
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
}
