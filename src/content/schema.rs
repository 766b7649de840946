//! The YAML schema of a topics file. Unknown fields are rejected so that a
//! typo in a key is an error, not silently lost content.

use serde::{Deserialize, Serialize};

/// The format version this build reads. Bump it when the schema changes
/// incompatibly, and keep reading the old one where that is possible.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicFile {
    pub format: u32,
    pub topics: Vec<RawTopic>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTopic {
    pub id: String,
    #[serde(default)]
    pub parent: Option<String>,
    pub title: Title,
    pub body: String,
    #[serde(default)]
    pub formulas: Vec<Formula>,
    pub interview: String,
    #[serde(default)]
    pub refs: Vec<Reference>,
    #[serde(default)]
    pub experiments: Vec<ExperimentRef>,
    #[serde(default)]
    pub cards: Vec<Card>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Title {
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Formula {
    pub label: String,
    pub tex: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub title: String,
    pub url: String,
}

/// An experiment a topic offers: an algorithm on a bundled dataset, with
/// optional parameters and scaling. Checked against the registry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentRef {
    pub algo: String,
    pub dataset: String,
    #[serde(default)]
    pub params: std::collections::BTreeMap<String, Scalar>,
    #[serde(default)]
    pub scale: Option<String>,
}

/// A YAML scalar (string, number or bool) kept as text: `c: 1` and `c: "1"`
/// mean the same parameter value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        match serde_yaml::Value::deserialize(d)? {
            serde_yaml::Value::String(s) => Ok(Scalar(s)),
            serde_yaml::Value::Number(n) => Ok(Scalar(n.to_string())),
            serde_yaml::Value::Bool(b) => Ok(Scalar(b.to_string())),
            _ => Err(serde::de::Error::custom("expected a string or a number")),
        }
    }
}

impl std::ops::Deref for Scalar {
    type Target = String;
    fn deref(&self) -> &String {
        &self.0
    }
}

/// The kinds of quiz card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CardKind {
    /// Ordered steps of a derivation, each a line of math and a why.
    Derivation,
    /// A statement with one blank (`___`) to type.
    Cloze,
    /// A generated computation checked with a tolerance.
    Numeric,
    /// Multiple choice.
    Choice,
    /// An open question with a model answer; self-graded.
    Open,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub math: String,
    pub why: String,
}

/// A quiz card. Which fields are required depends on `kind`; `mlwb check`
/// enforces it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Card {
    pub id: String,
    pub kind: CardKind,
    pub prompt: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}
