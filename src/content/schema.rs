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
