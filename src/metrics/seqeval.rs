//! Entity-level evaluation of sequence labelling, identical to seqeval 1.2.2
//! (`pip install seqeval`), the usual NER scorer.
//!
//! An entity is `(type, start, end)`: a predicted entity is correct only when
//! its type and BOTH boundaries equal those of a true entity. Per type,
//! precision = correct / predicted, recall = correct / true, F1 = 2PR/(P+R),
//! each 0 when undefined. Checked case by case against seqeval by
//! `tests/all/seqeval_parity.rs` (reference made by
//! `tests/reference/make_seqeval_reference.py`).
//!
//! # Two ways of reading entities ([`Mode`])
//!
//! [`Mode::Default`] is seqeval's default, compatible with the CoNLL shared
//! task's `conlleval` script and lenient with malformed sequences. A tag is
//! split into its first character (the prefix) and a type (what follows the
//! first `-` after it, or the rest if there is no `-`; `_` if empty), and:
//! - `B-X` and `S-X` always begin an entity; `I-X` and `E-X` begin one
//!   after `O`, `E-` or `S-` (so an `I-` without `B-` is an entity, as in
//!   IOB1), and any non-`O` tag begins one when its type differs from the
//!   previous tag's (a type change mid-entity starts a new entity);
//! - an entity ends before `B-`, `S-` and `O`, after `E-` and `S-`, and
//!   where the type changes.
//!
//! The rules are seqeval's `end_of_chunk`/`start_of_chunk`, reproduced
//! verbatim, including for strings that are no valid tag (`PER`, `B_PER`,
//! `X-PER`: their first character acts as an unknown prefix). Over several
//! sentences seqeval joins them with an `O` after each one; so do we, so an
//! entity never crosses a sentence boundary (with valid tags).
//!
//! [`Mode::Strict`] is seqeval's `mode="strict"` with an explicit scheme: an
//! entity must be written exactly as the scheme says (IOB2: `B- I- I-`;
//! IOBES: `B- I- E-` or `S-`; ...); anything else yields no entity (an
//! `I-PER` after `O` is no entity in strict IOB2, an IOBES `B- I-` without
//! its `E-` neither). A tag whose prefix the scheme does not allow (`E-X` in
//! IOB2) is an error, as seqeval raises one. Strict entities are per
//! sentence; their type is the text after the prefix with `-` trimmed from
//! both ends.
//!
//! # Averages ([`EntityReport`])
//!
//! As seqeval's `classification_report`: types are sorted (by Unicode code
//! point); the micro average pools the counts of all types; the macro
//! average is the plain mean over the types that occur in the truth or the
//! prediction; the weighted average weights by the number of true entities.
//! Sums follow numpy's pairwise summation, so the figures equal seqeval's to
//! the last bit in the parity cases.
//!
//! Differences from seqeval, where seqeval has no number: with no entity at
//! all, seqeval's macro average is NaN, ours is 0; with no token, seqeval's
//! `accuracy_score` divides by zero, ours is 0; seqeval fails on an empty
//! string as a tag, ours reads it as `O` in the default mode and rejects it in
//! the strict mode.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::{Avg, ConfusionMatrix};
use crate::seq::conll::{sort_tags, Scheme};

/// `(type, start, end)`, token positions, `end` INCLUSIVE (seqeval's
/// `get_entities` convention).
pub type Entity = (String, usize, usize);

/// How entities are read from tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Mode {
    /// seqeval's default, conlleval-compatible lenient rules.
    Default,
    /// seqeval's `mode="strict"` with this scheme (`Scheme::Bio` is IOB2).
    Strict(Scheme),
}

/// Why a report could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeqevalError {
    #[error("the truth has {truth} sentences but the prediction has {pred}")]
    SentenceCount { truth: usize, pred: usize },
    #[error("sentence {sentence}: the truth has {truth} tags but the prediction has {pred}")]
    SentenceLength {
        /// 0-based.
        sentence: usize,
        truth: usize,
        pred: usize,
    },
    /// Strict mode only: a tag the scheme does not allow.
    #[error(
        "{side}, sentence {sentence}, token {token}: tag `{tag}` is not allowed in strict \
         {scheme} mode; expected one of the prefixes {allowed} followed by `-` and the type"
    )]
    InvalidTag {
        /// "truth" or "prediction".
        side: &'static str,
        /// 0-based sentence and token.
        sentence: usize,
        token: usize,
        tag: String,
        scheme: Scheme,
        allowed: &'static str,
    },
}

// ----------------------------------------------------------------------
// Default mode: seqeval.metrics.sequence_labeling.get_entities

/// seqeval's `(tag, type_)` of a chunk: first character and the text after
/// the first `-` that follows it (all of it without a `-`), `_` if empty.
/// An empty string reads as `O`.
fn default_parts(chunk: &str) -> (char, &str) {
    let mut chars = chunk.chars();
    let Some(tag) = chars.next() else {
        return ('O', "_");
    };
    let rest = chars.as_str();
    let ty = match rest.split_once('-') {
        Some((_, after)) => after,
        None => rest,
    };
    (tag, if ty.is_empty() { "_" } else { ty })
}

fn end_of_chunk(prev_tag: char, tag: char, prev_type: &str, ty: &str) -> bool {
    matches!(prev_tag, 'E' | 'S')
        || (matches!(prev_tag, 'B' | 'I') && matches!(tag, 'B' | 'S' | 'O'))
        || (prev_tag != 'O' && prev_tag != '.' && prev_type != ty)
}

fn start_of_chunk(prev_tag: char, tag: char, prev_type: &str, ty: &str) -> bool {
    matches!(tag, 'B' | 'S')
        || (matches!(prev_tag, 'E' | 'S' | 'O') && matches!(tag, 'E' | 'I'))
        || (tag != 'O' && tag != '.' && prev_type != ty)
}

/// The chunks of `seq` followed by one `O`, as borrowed `(type, start, end)`.
fn default_chunks<'a>(seq: impl Iterator<Item = &'a str>) -> Vec<(&'a str, usize, usize)> {
    let mut prev_tag = 'O';
    let mut prev_type: &str = "";
    let mut begin = 0usize;
    let mut chunks = Vec::new();
    for (i, chunk) in seq.chain(std::iter::once("O")).enumerate() {
        let (tag, ty) = default_parts(chunk);
        if end_of_chunk(prev_tag, tag, prev_type, ty) {
            chunks.push((prev_type, begin, i.saturating_sub(1)));
        }
        if start_of_chunk(prev_tag, tag, prev_type, ty) {
            begin = i;
        }
        prev_tag = tag;
        prev_type = ty;
    }
    chunks
}

/// The entities of one tag sequence in the default mode: seqeval's
/// `get_entities(seq)`, end inclusive.
///
/// ```
/// use mlwb::metrics::seqeval::get_entities;
/// let e = get_entities(&["B-PER", "I-PER", "O", "I-LOC", "B-ORG", "I-PER"]);
/// assert_eq!(e, [("PER".to_string(), 0, 1), ("LOC".into(), 3, 3),
///                ("ORG".into(), 4, 4), ("PER".into(), 5, 5)]);
/// ```
pub fn get_entities<S: AsRef<str>>(tags: &[S]) -> Vec<Entity> {
    default_chunks(tags.iter().map(AsRef::as_ref))
        .into_iter()
        .map(|(t, s, e)| (t.to_string(), s, e))
        .collect()
}

/// seqeval's `get_entities` on a list of sentences: they are joined with an
/// `O` after each, and positions are in that joined sequence (sentence `k`
/// starts at the sum of the lengths of the sentences before it, plus `k`).
pub fn get_entities_joined<S: AsRef<str>>(sentences: &[Vec<S>]) -> Vec<Entity> {
    default_chunks(joined(sentences))
        .into_iter()
        .map(|(t, s, e)| (t.to_string(), s, e))
        .collect()
}

fn joined<S: AsRef<str>>(sentences: &[Vec<S>]) -> impl Iterator<Item = &str> {
    sentences
        .iter()
        .flat_map(|s| s.iter().map(AsRef::as_ref).chain(std::iter::once("O")))
}

// ----------------------------------------------------------------------
// Strict mode: seqeval.scheme

const P_I: u8 = 1;
const P_O: u8 = 2;
const P_B: u8 = 4;
const P_E: u8 = 8;
const P_S: u8 = 16;
const P_U: u8 = 32;
const P_L: u8 = 64;
const ANY: u8 = 127;

#[derive(Clone, Copy, PartialEq)]
enum Cond {
    Any,
    Same,
    Diff,
}

/// `(previous prefixes, current prefixes, type condition)`.
type Pattern = (u8, u8, Cond);

struct Rules {
    allowed: u8,
    allowed_text: &'static str,
    start: &'static [Pattern],
    inside: &'static [Pattern],
    end: &'static [Pattern],
}

const IOB1: Rules = Rules {
    allowed: P_I | P_O | P_B,
    allowed_text: "I, O, B",
    start: &[
        (P_O, P_I, Cond::Any),
        (P_I, P_I, Cond::Diff),
        (P_B, P_I, Cond::Any),
        (P_I, P_B, Cond::Same),
        (P_B, P_B, Cond::Same),
    ],
    inside: &[(P_B, P_I, Cond::Same), (P_I, P_I, Cond::Same)],
    end: &[
        (P_I, P_I, Cond::Diff),
        (P_I, P_O, Cond::Any),
        (P_I, P_B, Cond::Any),
        (P_B, P_O, Cond::Any),
        (P_B, P_I, Cond::Diff),
        (P_B, P_B, Cond::Same),
    ],
};

const IOB2: Rules = Rules {
    allowed: P_I | P_O | P_B,
    allowed_text: "I, O, B",
    start: &[(ANY, P_B, Cond::Any)],
    inside: &[(P_B, P_I, Cond::Same), (P_I, P_I, Cond::Same)],
    end: &[
        (P_I, P_O, Cond::Any),
        (P_I, P_I, Cond::Diff),
        (P_I, P_B, Cond::Any),
        (P_B, P_O, Cond::Any),
        (P_B, P_I, Cond::Diff),
        (P_B, P_B, Cond::Any),
    ],
};

const IOBES: Rules = Rules {
    allowed: P_I | P_O | P_B | P_E | P_S,
    allowed_text: "I, O, B, E, S",
    start: &[(ANY, P_B, Cond::Any), (ANY, P_S, Cond::Any)],
    inside: &[
        (P_B, P_I, Cond::Same),
        (P_B, P_E, Cond::Same),
        (P_I, P_I, Cond::Same),
        (P_I, P_E, Cond::Same),
    ],
    end: &[(P_S, ANY, Cond::Any), (P_E, ANY, Cond::Any)],
};

const BILOU: Rules = Rules {
    allowed: P_B | P_I | P_L | P_O | P_U,
    allowed_text: "B, I, L, O, U",
    start: &[(ANY, P_B, Cond::Any), (ANY, P_U, Cond::Any)],
    inside: &[
        (P_B, P_I, Cond::Same),
        (P_B, P_L, Cond::Same),
        (P_I, P_I, Cond::Same),
        (P_I, P_L, Cond::Same),
    ],
    end: &[(P_U, ANY, Cond::Any), (P_L, ANY, Cond::Any)],
};

fn rules(scheme: Scheme) -> &'static Rules {
    match scheme {
        Scheme::Bio => &IOB2,
        Scheme::Iob1 => &IOB1,
        Scheme::Bioes => &IOBES,
        Scheme::Bilou => &BILOU,
    }
}

/// seqeval's `Token`: prefix bit and type.
#[derive(Clone, Copy)]
struct Tok<'a> {
    prefix: u8,
    ty: &'a str,
}

const OUTSIDE: Tok<'static> = Tok {
    prefix: P_O,
    ty: "_",
};

/// `None` when the first character is no prefix seqeval knows (it raises
/// `KeyError`; `IndexError` for an empty string).
fn strict_token(tag: &str) -> Option<Tok<'_>> {
    let mut chars = tag.chars();
    let prefix = match chars.next()? {
        'I' => P_I,
        'O' => P_O,
        'B' => P_B,
        'E' => P_E,
        'S' => P_S,
        'U' => P_U,
        'L' => P_L,
        _ => return None,
    };
    let ty = chars.as_str().trim_matches('-');
    Some(Tok {
        prefix,
        ty: if ty.is_empty() { "_" } else { ty },
    })
}

fn matches(patterns: &[Pattern], prev: Tok<'_>, cur: Tok<'_>) -> bool {
    patterns.iter().any(|&(pp, cp, cond)| {
        prev.prefix & pp != 0
            && cur.prefix & cp != 0
            && match cond {
                Cond::Any => true,
                Cond::Same => prev.ty == cur.ty,
                Cond::Diff => prev.ty != cur.ty,
            }
    })
}

/// seqeval's `Tokens(...).entities` on validated tokens: `(type, start,
/// end exclusive)`.
fn strict_chunks<'a>(tokens: &[Tok<'a>], r: &Rules) -> Vec<(&'a str, usize, usize)> {
    let at = |i: usize| tokens.get(i).copied().unwrap_or(OUTSIDE);
    let n_ext = tokens.len() + 1; // with the trailing O
    let mut out = Vec::new();
    let mut i = 0usize;
    let mut prev = OUTSIDE;
    while i < n_ext {
        let tok = at(i);
        if matches(r.start, prev, tok) {
            // _forward: the first position that is not inside.
            let mut end = i + 1;
            let mut p = tok;
            while end < n_ext && matches(r.inside, p, at(end)) {
                p = at(end);
                end += 1;
            }
            if matches(r.end, at(end - 1), at(end)) {
                out.push((tok.ty, i, end));
            }
            i = end;
        } else {
            i += 1;
        }
        prev = at(i - 1);
    }
    out
}

/// Parses and validates one sentence for `scheme` in seqeval's order (an
/// unknown prefix anywhere in the sentence first, then the first prefix the
/// scheme does not allow).
fn strict_tokens<'a, S: AsRef<str>>(
    tags: &'a [S],
    r: &Rules,
    scheme: Scheme,
    side: &'static str,
    sentence: usize,
) -> Result<Vec<Tok<'a>>, SeqevalError> {
    let bad = |token: usize, tag: &str| SeqevalError::InvalidTag {
        side,
        sentence,
        token,
        tag: tag.to_string(),
        scheme,
        allowed: r.allowed_text,
    };
    let mut toks = Vec::with_capacity(tags.len());
    for (k, tag) in tags.iter().enumerate() {
        match strict_token(tag.as_ref()) {
            Some(t) => toks.push(t),
            None => return Err(bad(k, tag.as_ref())),
        }
    }
    if let Some(k) = toks.iter().position(|t| t.prefix & r.allowed == 0) {
        let tag = tags.get(k).map_or("", AsRef::as_ref);
        return Err(bad(k, tag));
    }
    Ok(toks)
}

/// The entities of one sentence in strict mode for `scheme` (seqeval's
/// `Tokens(tags, scheme).entities`), converted to an INCLUSIVE end like
/// [`get_entities`]. Errors: a tag whose prefix the scheme does not allow
/// (reported with sentence 0).
pub fn get_entities_strict<S: AsRef<str>>(
    tags: &[S],
    scheme: Scheme,
) -> Result<Vec<Entity>, SeqevalError> {
    let r = rules(scheme);
    let toks = strict_tokens(tags, r, scheme, "tags", 0)?;
    Ok(strict_chunks(&toks, r)
        .into_iter()
        .map(|(t, s, e)| (t.to_string(), s, e - 1))
        .collect())
}

// ----------------------------------------------------------------------
// Report

/// Scores of one entity type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeMetrics {
    #[serde(rename = "type")]
    pub entity_type: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// True entities of this type.
    pub support: usize,
    /// Predicted entities of this type.
    pub predicted: usize,
    /// Predicted entities equal to a true one (type and both ends).
    pub correct: usize,
}

/// seqeval's `classification_report`, plus token accuracy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityReport {
    pub mode: Mode,
    /// One row per type found in the truth or the prediction, sorted.
    pub per_type: Vec<TypeMetrics>,
    /// Counts pooled over types.
    pub micro: Avg,
    /// Mean over `per_type` (0 when there is no type; seqeval gives NaN).
    pub macro_avg: Avg,
    /// Mean weighted by support (0 when there is no true entity).
    pub weighted_avg: Avg,
    /// True entities (seqeval's support of the average rows).
    pub support: usize,
    pub predicted: usize,
    pub correct: usize,
    /// Tokens whose predicted tag equals the true one / tokens
    /// (seqeval's `accuracy_score`; 0 with no token).
    pub token_accuracy: f64,
    pub n_tokens: usize,
}

fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

/// numpy's pairwise summation (`np.add.reduce` on a contiguous float64
/// array): blocks of 8 partial sums up to 128 elements, halves above.
fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &v in a {
            res += v;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// `np.sum` of a float64 array: the identity 0 plus the pairwise sum.
fn np_sum(a: &[f64]) -> f64 {
    0.0 + pairwise_sum(a)
}

/// precision, recall, F1 as seqeval computes them from counts.
fn prf(correct: usize, predicted: usize, support: usize) -> (f64, f64, f64) {
    let p = ratio(correct as f64, predicted as f64);
    let r = ratio(correct as f64, support as f64);
    let denom = p + r;
    let f = if denom == 0.0 {
        0.0
    } else {
        2.0 * p * r / denom
    };
    (p, r, f)
}

fn check_lengths<S: AsRef<str>, T: AsRef<str>>(
    truth: &[Vec<S>],
    pred: &[Vec<T>],
) -> Result<(), SeqevalError> {
    if truth.len() != pred.len() {
        return Err(SeqevalError::SentenceCount {
            truth: truth.len(),
            pred: pred.len(),
        });
    }
    for (k, (t, p)) in truth.iter().zip(pred).enumerate() {
        if t.len() != p.len() {
            return Err(SeqevalError::SentenceLength {
                sentence: k,
                truth: t.len(),
                pred: p.len(),
            });
        }
    }
    Ok(())
}

/// Entities keyed `(sentence, start, end)` (sentence 0 in the default
/// mode, whose positions are in the joined sequence).
type Keyed<'a> = Vec<(&'a str, (usize, usize, usize))>;

fn keyed<'a, S: AsRef<str>>(
    sentences: &'a [Vec<S>],
    mode: Mode,
    side: &'static str,
) -> Result<Keyed<'a>, SeqevalError> {
    match mode {
        Mode::Default => Ok(default_chunks(joined(sentences))
            .into_iter()
            .map(|(t, s, e)| (t, (0, s, e)))
            .collect()),
        Mode::Strict(scheme) => {
            let r = rules(scheme);
            let mut out = Vec::new();
            for (k, s) in sentences.iter().enumerate() {
                let toks = strict_tokens(s, r, scheme, side, k)?;
                out.extend(
                    strict_chunks(&toks, r)
                        .into_iter()
                        .map(|(t, a, b)| (t, (k, a, b))),
                );
            }
            Ok(out)
        }
    }
}

/// The entity-level report of `pred` against `truth` (one tag list per
/// sentence), as seqeval's `classification_report(truth, pred)` in the
/// default mode, or with `mode="strict", scheme=...`.
///
/// Errors: different numbers of sentences or of tags in a sentence; in
/// strict mode a tag whose prefix the scheme does not allow (the truth is
/// checked first, sentence by sentence, as seqeval does).
pub fn entity_report<S: AsRef<str>, T: AsRef<str>>(
    truth: &[Vec<S>],
    pred: &[Vec<T>],
    mode: Mode,
) -> Result<EntityReport, SeqevalError> {
    check_lengths(truth, pred)?;
    let true_ents = keyed(truth, mode, "truth")?;
    let pred_ents = keyed(pred, mode, "prediction")?;

    type Sets = (
        HashSet<(usize, usize, usize)>,
        HashSet<(usize, usize, usize)>,
    );
    let mut by_type: HashMap<&str, Sets> = HashMap::new();
    for (t, key) in true_ents {
        by_type.entry(t).or_default().0.insert(key);
    }
    for (t, key) in pred_ents {
        by_type.entry(t).or_default().1.insert(key);
    }
    let mut names: Vec<&str> = by_type.keys().copied().collect();
    names.sort_unstable();

    let mut per_type = Vec::with_capacity(names.len());
    for name in names {
        let Some((t, p)) = by_type.get(name) else {
            continue;
        };
        let correct = t.intersection(p).count();
        let (precision, recall, f1) = prf(correct, p.len(), t.len());
        per_type.push(TypeMetrics {
            entity_type: name.to_string(),
            precision,
            recall,
            f1,
            support: t.len(),
            predicted: p.len(),
            correct,
        });
    }

    let support: usize = per_type.iter().map(|m| m.support).sum();
    let predicted: usize = per_type.iter().map(|m| m.predicted).sum();
    let correct: usize = per_type.iter().map(|m| m.correct).sum();
    let (precision, recall, f1) = prf(correct, predicted, support);
    let micro = Avg {
        precision,
        recall,
        f1,
    };

    let column = |f: fn(&TypeMetrics) -> f64| -> Vec<f64> { per_type.iter().map(f).collect() };
    let (ps, rs, fs) = (
        column(|m| m.precision),
        column(|m| m.recall),
        column(|m| m.f1),
    );
    let n_types = per_type.len() as f64;
    let macro_avg = Avg {
        precision: ratio(np_sum(&ps), n_types),
        recall: ratio(np_sum(&rs), n_types),
        f1: ratio(np_sum(&fs), n_types),
    };
    let weights: Vec<f64> = per_type.iter().map(|m| m.support as f64).collect();
    let weighted_avg = if support == 0 {
        Avg {
            precision: 0.0,
            recall: 0.0,
            f1: 0.0,
        }
    } else {
        let scl = np_sum(&weights);
        let wmean = |v: &[f64]| {
            let prod: Vec<f64> = v.iter().zip(&weights).map(|(a, w)| a * w).collect();
            np_sum(&prod) / scl
        };
        Avg {
            precision: wmean(&ps),
            recall: wmean(&rs),
            f1: wmean(&fs),
        }
    };

    let n_tokens: usize = truth.iter().map(Vec::len).sum();
    let same = truth
        .iter()
        .zip(pred)
        .flat_map(|(t, p)| t.iter().zip(p))
        .filter(|(a, b)| a.as_ref() == b.as_ref())
        .count();

    Ok(EntityReport {
        mode,
        per_type,
        micro,
        macro_avg,
        weighted_avg,
        support,
        predicted,
        correct,
        token_accuracy: ratio(same as f64, n_tokens as f64),
        n_tokens,
    })
}

impl EntityReport {
    /// The micro-averaged figures with their counts, e.g.
    /// `precision = correct/predicted = 41/44 = 0.932, recall = correct/true
    /// = 41/47 = 0.872, f1 = 0.901`.
    pub fn explain_micro(&self) -> String {
        format!(
            "precision = correct/predicted = {c}/{p} = {:.3}, recall = correct/true = {c}/{t} = \
             {:.3}, f1 = 2PR/(P+R) = {:.3} (an entity is correct only if its type and both \
             boundaries match)",
            self.micro.precision,
            self.micro.recall,
            self.micro.f1,
            c = self.correct,
            p = self.predicted,
            t = self.support,
        )
    }
}

/// Token-level confusion matrix of the tags: true tag on rows, predicted on
/// columns. Labels are all tags seen in either, ordered as
/// [`crate::seq::conll::sort_tags`] (`O`, then `B-LOC, I-LOC, B-PER, ...`).
pub fn tag_confusion<S: AsRef<str>, T: AsRef<str>>(
    truth: &[Vec<S>],
    pred: &[Vec<T>],
) -> Result<ConfusionMatrix, SeqevalError> {
    check_lengths(truth, pred)?;
    let mut labels: Vec<String> = truth
        .iter()
        .flatten()
        .map(AsRef::as_ref)
        .chain(pred.iter().flatten().map(AsRef::as_ref))
        .collect::<HashSet<&str>>()
        .into_iter()
        .map(str::to_string)
        .collect();
    sort_tags(&mut labels);
    let index: HashMap<&str, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let n = labels.len();
    let mut counts = vec![vec![0usize; n]; n];
    for (t, p) in truth.iter().zip(pred) {
        for (a, b) in t.iter().zip(p) {
            if let (Some(&i), Some(&j)) = (index.get(a.as_ref()), index.get(b.as_ref())) {
                if let Some(c) = counts.get_mut(i).and_then(|row| row.get_mut(j)) {
                    *c += 1;
                }
            }
        }
    }
    Ok(ConfusionMatrix { labels, counts })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn e(t: &str, a: usize, b: usize) -> Entity {
        (t.to_string(), a, b)
    }

    #[test]
    fn default_entities_lenient_rules() {
        // seqeval docstring.
        assert_eq!(
            get_entities(&["B-PER", "I-PER", "O", "B-LOC"]),
            [e("PER", 0, 1), e("LOC", 3, 3)]
        );
        // I- after O starts an entity; a type change mid-entity starts another.
        assert_eq!(
            get_entities(&["O", "I-PER", "I-PER", "I-LOC", "B-LOC", "I-LOC"]),
            [e("PER", 1, 2), e("LOC", 3, 3), e("LOC", 4, 5)]
        );
        // E- without B-, S- inside.
        assert_eq!(
            get_entities(&["E-PER", "B-PER", "S-PER", "I-PER", "E-PER"]),
            [
                e("PER", 0, 0),
                e("PER", 1, 1),
                e("PER", 2, 2),
                e("PER", 3, 4)
            ]
        );
        assert!(get_entities::<&str>(&[]).is_empty());
        assert!(get_entities(&["O", ""]).is_empty());
    }

    #[test]
    fn strict_entities() {
        let tags = ["I-PER", "B-PER", "I-PER", "O", "B-LOC", "I-ORG"];
        assert_eq!(
            get_entities_strict(&tags, Scheme::Bio).unwrap(),
            [e("PER", 1, 2), e("LOC", 4, 4)]
        );
        assert_eq!(
            get_entities_strict(&["B-X", "I-X", "O", "S-Y"], Scheme::Bioes).unwrap(),
            [e("Y", 3, 3)]
        );
        assert_eq!(
            get_entities_strict(&["I-X", "I-X", "B-X", "O"], Scheme::Iob1).unwrap(),
            [e("X", 0, 1), e("X", 2, 2)]
        );
        assert_eq!(
            get_entities_strict(&["B-X", "L-X", "U-Y"], Scheme::Bilou).unwrap(),
            [e("X", 0, 1), e("Y", 2, 2)]
        );
        let err = get_entities_strict(&["B-X", "E-X"], Scheme::Bio).unwrap_err();
        assert!(matches!(err, SeqevalError::InvalidTag { token: 1, .. }));
        assert!(err
            .to_string()
            .contains("`E-X` is not allowed in strict IOB2"));
        assert!(get_entities_strict(&["PER"], Scheme::Bio).is_err());
        assert!(get_entities_strict(&[""], Scheme::Bio).is_err());
    }

    #[test]
    fn report_seqeval_docstring() {
        // seqeval README: classification_report(y_true, y_pred)
        let t = vec![
            s(&["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"]),
            s(&["B-PER", "I-PER", "O"]),
        ];
        let p = vec![
            s(&["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"]),
            s(&["B-PER", "I-PER", "O"]),
        ];
        let r = entity_report(&t, &p, Mode::Default).unwrap();
        assert_eq!(r.per_type.len(), 2);
        assert_eq!(r.per_type[0].entity_type, "MISC");
        assert_eq!(r.per_type[0].f1, 0.0);
        assert_eq!(r.per_type[1].f1, 1.0);
        assert_eq!(r.micro.f1, 0.5);
        assert_eq!(r.macro_avg.f1, 0.5);
        assert_eq!(r.weighted_avg.f1, 0.5);
        assert_eq!(r.support, 2);
        assert_eq!(r.token_accuracy, 0.8);
        assert!(r.explain_micro().starts_with(
            "precision = correct/predicted = 1/2 = 0.500, recall = correct/true = 1/2 = 0.500"
        ));
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"type\":\"MISC\""), "{json}");
        assert!(json.contains("\"mode\":\"Default\""), "{json}");
        let strict = entity_report(&t, &p, Mode::Strict(Scheme::Bio)).unwrap();
        assert_eq!(strict.micro.f1, 0.5);
        let json = serde_json::to_string(&strict).unwrap();
        assert!(json.contains("\"mode\":{\"Strict\":\"Bio\"}"), "{json}");
    }

    #[test]
    fn report_errors_and_empty() {
        let t = vec![s(&["O"])];
        assert!(matches!(
            entity_report(&t, &[s(&["O"]), s(&[])], Mode::Default),
            Err(SeqevalError::SentenceCount { .. })
        ));
        assert!(matches!(
            entity_report(&t, &[s(&["O", "O"])], Mode::Default),
            Err(SeqevalError::SentenceLength { sentence: 0, .. })
        ));
        let err = entity_report(&t, &[s(&["S-X"])], Mode::Strict(Scheme::Bio)).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("prediction, sentence 0, token 0"));
        let none: Vec<Vec<String>> = vec![];
        let r = entity_report(&none, &none, Mode::Default).unwrap();
        assert_eq!(
            (r.token_accuracy, r.macro_avg.f1, r.micro.f1),
            (0.0, 0.0, 0.0)
        );
    }

    #[test]
    fn pairwise_sum_matches_numpy_grouping() {
        // Values where summation order changes the result.
        let v: Vec<f64> = (0..300).map(|i| 1.0 / (i as f64 + 1.0)).collect();
        let naive: f64 = v.iter().sum();
        let pw = np_sum(&v);
        assert!((naive - pw).abs() < 1e-12);
        // np.sum(1/np.arange(1, 301)) == 6.282663880299504 (numpy 2.4.6)
        assert_eq!(pw, 6.282663880299504);
        assert_eq!(np_sum(&[]), 0.0);
    }

    #[test]
    fn confusion_of_tags() {
        let t = vec![s(&["B-PER", "I-PER", "O"]), s(&["B-LOC"])];
        let p = vec![s(&["B-PER", "O", "O"]), s(&["B-PER"])];
        let cm = tag_confusion(&t, &p).unwrap();
        assert_eq!(cm.labels, ["O", "B-LOC", "B-PER", "I-PER"]);
        // truth on rows
        assert_eq!(cm.cell(3, 0), 1); // I-PER predicted O
        assert_eq!(cm.cell(1, 2), 1); // B-LOC predicted B-PER
        assert_eq!(cm.total(), 4);
        assert_eq!(cm.correct(), 2);
    }
}
