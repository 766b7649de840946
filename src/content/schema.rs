//! The YAML schema of a topics file. Unknown fields are rejected so that a
//! typo in a key is an error, not silently lost content.

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::settings::Lang;

/// The format version this build writes about and reads. Bump it when the
/// schema changes incompatibly, and keep reading the old one where that is
/// possible. Version 2 made prose bilingual ([`Text`]).
pub const FORMAT_VERSION: u32 = 2;

/// The oldest format version still read, unchanged: version 1 files are
/// version 2 files whose prose fields are all plain strings.
pub const OLDEST_FORMAT_VERSION: u32 = 1;

/// Prose in Chinese and English.
///
/// In YAML either a map `{en: ..., zh: ...}` (format 2; both keys required,
/// any other key is an error) or a plain string, which means the same text
/// in both languages: how format-1 files are read, and right for text
/// without words (a number, a formula). `mlwb check` warns about a plain
/// string with words in a format-2 file.
///
/// Serialized as the plain string, or as `{"en": ..., "zh": ...}`; see
/// [`Text::project`] for output in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// One text for both languages.
    Same(String),
    /// A text per language.
    Both { en: String, zh: String },
}

impl Text {
    pub fn en(&self) -> &str {
        match self {
            Text::Same(s) => s,
            Text::Both { en, .. } => en,
        }
    }

    pub fn zh(&self) -> &str {
        match self {
            Text::Same(s) => s,
            Text::Both { zh, .. } => zh,
        }
    }

    /// Written as a plain string (the same in both languages)?
    pub fn is_plain(&self) -> bool {
        matches!(self, Text::Same(_))
    }

    /// The text in `lang` (`Both` reads the English, e.g. for a
    /// one-line listing; use [`Text::parts`] to show both).
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => self.zh(),
            Lang::En | Lang::Both => self.en(),
        }
    }

    /// What to show for `lang`, in order: one text, or for `Both` the
    /// Chinese then the English. A text that has one language (a plain
    /// string, or equal texts) is shown once whatever the setting.
    pub fn parts(&self, lang: Lang) -> Vec<&str> {
        match (self, lang) {
            (Text::Both { en, zh }, Lang::Both) if en != zh => vec![zh, en],
            _ => vec![self.get(lang)],
        }
    }

    /// Every distinct text (for search and for accepting answers).
    pub fn all(&self) -> Vec<&str> {
        match self {
            Text::Both { en, zh } if en != zh => vec![en, zh],
            _ => vec![self.en()],
        }
    }

    /// Is the text (in every language) only whitespace?
    pub fn is_blank(&self) -> bool {
        self.all().iter().all(|s| s.trim().is_empty())
    }

    /// This text for output in `lang`: a plain string in one language, or
    /// (for `Both`) as it is. JSON output goes through here.
    pub fn project(&self, lang: Lang) -> Text {
        match lang {
            Lang::Zh => Text::Same(self.zh().to_string()),
            Lang::En => Text::Same(self.en().to_string()),
            Lang::Both => self.clone(),
        }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::Same(s.to_string())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::Same(s)
    }
}

/// The map form of a [`Text`]: derived so that an unknown key (`fr:`) or a
/// missing one is reported by serde at the key, with its line and column.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextMap {
    en: String,
    zh: String,
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string, or a map with `en` and `zh`")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Text, E> {
                Ok(Text::Same(s.to_string()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Text, E> {
                Ok(Text::Same(s))
            }
            // Unquoted YAML scalars were read as strings before format 2
            // (`answer: 12`); they still are.
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Text, E> {
                Ok(Text::Same(n.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Text, E> {
                Ok(Text::Same(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Text, E> {
                Ok(Text::Same(n.to_string()))
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Text, E> {
                Ok(Text::Same(b.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Text, A::Error> {
                let m = TextMap::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Text::Both { en: m.en, zh: m.zh })
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Text::Same(t) => s.serialize_str(t),
            Text::Both { en, zh } => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("en", en)?;
                m.serialize_entry("zh", zh)?;
                m.end()
            }
        }
    }
}

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
    pub body: Text,
    #[serde(default)]
    pub formulas: Vec<Formula>,
    pub interview: Text,
    #[serde(default)]
    pub refs: Vec<Reference>,
    #[serde(default)]
    pub experiments: Vec<ExperimentRef>,
    #[serde(default)]
    pub cards: Vec<Card>,
    /// Glossary entries (the glossary topic): a term in both languages, its
    /// definition and the topics that explain it. Search finds those topics
    /// by either language's term.
    #[serde(default)]
    pub terms: Vec<Term>,
}

/// One glossary entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub zh: String,
    pub en: String,
    pub def: Text,
    /// Ids of the topics that explain the term, the best first.
    pub topics: Vec<String>,
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
    pub label: Text,
    pub tex: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub title: String,
    pub url: String,
}

/// An experiment a topic offers: an algorithm on a bundled dataset (a lab
/// may omit it), with optional parameters and scaling. Checked against the
/// registry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentRef {
    pub algo: String,
    /// Empty for a lab on its own data (`{algo: init}`); required otherwise.
    #[serde(default)]
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
    pub why: Text,
}

/// A quiz card. Which fields are required depends on `kind`; `mlwb check`
/// enforces it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Card {
    pub id: String,
    pub kind: CardKind,
    pub prompt: Text,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// A cloze card's blank, or an open card's model answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Text>,
    /// Other accepted cloze answers, in either language.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Text>,
    /// Derivation cards: authored wrong versions of one step each ("spot
    /// the error").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<Fault>,
    /// Derivation cards: steps a learner may be asked to write ("fill the
    /// gap"), checked numerically.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<Gap>,
    /// Questions an interviewer asks next, once the card is answered ("now
    /// with L1?"): asked in the mock interview, each with a model answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follow_ups: Vec<FollowUp>,
}

/// A follow-up question chained to a card, with its model answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUp {
    pub prompt: Text,
    pub answer: Text,
}

/// The kinds of mistake a faulty derivation step makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    Sign,
    Index,
    Distribution,
    Jacobian,
    Transpose,
    DroppedTerm,
    WrongRule,
    WrongConstant,
    InequalityDirection,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 9] = [
        ErrorKind::Sign,
        ErrorKind::Index,
        ErrorKind::Distribution,
        ErrorKind::Jacobian,
        ErrorKind::Transpose,
        ErrorKind::DroppedTerm,
        ErrorKind::WrongRule,
        ErrorKind::WrongConstant,
        ErrorKind::InequalityDirection,
    ];

    /// How the kind is offered as a choice ("what is wrong?").
    pub fn describe(self) -> Text {
        let (en, zh) = match self {
            ErrorKind::Sign => ("a sign is wrong", "符号错误"),
            ErrorKind::Index => ("a wrong index or subscript", "下标/指标错误"),
            ErrorKind::Distribution => (
                "an expectation or sum under the wrong distribution",
                "期望（或求和）取在了错误的分布下",
            ),
            ErrorKind::Jacobian => (
                "a missing Jacobian / chain-rule factor",
                "漏了雅可比（链式法则中的一个因子）",
            ),
            ErrorKind::Transpose => (
                "a transposed or misordered matrix",
                "矩阵转置或乘法顺序错误",
            ),
            ErrorKind::DroppedTerm => ("a term is dropped", "漏掉了一项"),
            ErrorKind::WrongRule => ("a rule applied that does not hold here", "用错了法则或定理"),
            ErrorKind::WrongConstant => ("a wrong constant or factor", "常数或系数错误"),
            ErrorKind::InequalityDirection => {
                ("an inequality points the wrong way", "不等号方向反了")
            }
        };
        Text::Both {
            en: en.into(),
            zh: zh.into(),
        }
    }
}

/// A wrong version of one step of a derivation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// 0-based index of the step it replaces.
    pub step: usize,
    /// The wrong math shown in place of the step's.
    pub math: String,
    pub error: ErrorKind,
    /// What is wrong, and a quick way to catch it.
    pub why: Text,
}

/// A step a learner may be asked to write, with what makes it checkable.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Gap {
    /// 0-based index of the hidden step.
    pub step: usize,
    /// LaTeX shown before the blank (what is asked).
    pub show: String,
    /// The expected expression, in [`crate::mathexpr`]'s syntax.
    pub expr: String,
    /// The range `[lo, hi]` of every variable of `expr`.
    pub vars: std::collections::BTreeMap<String, VarRange>,
}

/// `[lo, hi]`: where a variable is drawn from when expressions are compared.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
pub struct VarRange(pub [f64; 2]);

// Ranges are checked finite by `mlwb check`; bitwise equality is enough.
impl Eq for VarRange {}

impl Card {
    /// Every prose field as it should be output in `lang` (see
    /// [`Text::project`]); ids, kinds, math and indices unchanged.
    pub fn project(&self, lang: Lang) -> Card {
        let p = |t: &Text| t.project(lang);
        Card {
            prompt: p(&self.prompt),
            steps: self
                .steps
                .iter()
                .map(|s| Step {
                    math: s.math.clone(),
                    why: p(&s.why),
                })
                .collect(),
            answer: self.answer.as_ref().map(p),
            options: self.options.iter().map(p).collect(),
            explanation: self.explanation.as_ref().map(p),
            faults: self
                .faults
                .iter()
                .map(|f| Fault {
                    why: p(&f.why),
                    ..f.clone()
                })
                .collect(),
            follow_ups: self
                .follow_ups
                .iter()
                .map(|f| FollowUp {
                    prompt: p(&f.prompt),
                    answer: p(&f.answer),
                })
                .collect(),
            ..self.clone()
        }
    }
}
