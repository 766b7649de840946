//! Relation-extraction corpora: sentences with typed entity spans and the
//! relational triples between them, the entity BIO tags a pipeline's NER
//! step learns, and the joint tagging scheme of Zheng et al. (2017) that
//! puts entities and relations into one tag per token.
//!
//! # File format (`datasets/relations_*.txt`)
//! One sentence per line, three tab-separated fields; `#` starts a comment
//! line, blank lines are skipped:
//!
//! ```text
//! Grace Fischer founded Orion Software in 1998 .<TAB>0-2:PER 3-5:ORG<TAB>1>founded_by>0
//! ```
//!
//! tokens separated by single spaces; entities as `start-end:TYPE` (token
//! offsets, end exclusive, no overlap); triples as `head>relation>tail`
//! (indices into the entity list), or `-` for none. Errors name the file,
//! line and column.
//!
//! # The joint tags
//! A token outside every triple is `O`; a token of an entity that takes part
//! in a triple is `P-REL-R`: `P` its position in the entity (`B`egin,
//! `I`nside, `E`nd, `S`ingle), `REL` the relation, `R` the role (`1` head,
//! `2` tail). One tag per token means one triple per entity: a triple whose
//! entity already carries a tag of another triple cannot be written down
//! ([`JointEncoding::dropped`]; Zheng et al.'s "overlapping triples").
//! Decoding pairs each role-1 entity with the nearest role-2 entity of the
//! same relation.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// A typed entity mention: tokens `start..end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub start: usize,
    pub end: usize,
    pub kind: String,
}

/// A relation between two entities of a sentence (indices into its list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Triple {
    pub head: usize,
    pub relation: String,
    pub tail: usize,
}

/// A triple by token spans, as extractions are scored: head span, relation
/// and tail span must all match.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpanTriple {
    pub head: (usize, usize),
    pub relation: String,
    pub tail: (usize, usize),
}

/// One annotated sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct RelSentence {
    pub tokens: Vec<String>,
    pub entities: Vec<Entity>,
    pub triples: Vec<Triple>,
    /// 1-based line in its file.
    pub line: usize,
}

/// A malformed relations file: where and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RelError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for RelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for RelError {}

/// Parses a relations file (see the module docs). `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Vec<RelSentence>, RelError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let err = |col: usize, message: String| RelError {
            file: file.to_string(),
            line: Some(line),
            column: Some(col),
            message,
        };
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = raw.split('\t').collect();
        if fields.len() != 3 {
            return Err(err(
                1,
                format!(
                    "expected 3 tab-separated fields (tokens, entities, triples), found {}",
                    fields.len()
                ),
            ));
        }
        let tokens: Vec<String> = fields[0].split(' ').map(str::to_string).collect();
        if tokens.iter().any(String::is_empty) {
            return Err(err(
                1,
                "empty token (tokens are separated by single spaces)".into(),
            ));
        }
        let ent_col = fields[0].chars().count() + 2;
        let mut entities: Vec<Entity> = Vec::new();
        let mut col = ent_col;
        for item in fields[1].split(' ').filter(|s| !s.is_empty()) {
            let bad = |what: &str| {
                err(
                    col,
                    format!("entity `{item}`: {what} (expected start-end:TYPE)"),
                )
            };
            let (span, kind) = item.split_once(':').ok_or_else(|| bad("no `:TYPE`"))?;
            let (a, b) = span.split_once('-').ok_or_else(|| bad("no `start-end`"))?;
            let start: usize = a.parse().map_err(|_| bad("start is not a number"))?;
            let end: usize = b.parse().map_err(|_| bad("end is not a number"))?;
            if start >= end || end > tokens.len() || kind.is_empty() {
                return Err(bad(&format!(
                    "span must satisfy start < end <= {} tokens and have a type",
                    tokens.len()
                )));
            }
            if entities.iter().any(|e| start < e.end && e.start < end) {
                return Err(bad("overlaps an earlier entity"));
            }
            entities.push(Entity {
                start,
                end,
                kind: kind.to_string(),
            });
            col += item.chars().count() + 1;
        }
        let mut col = ent_col + fields[1].chars().count() + 1;
        let mut triples = Vec::new();
        if fields[2].trim() != "-" {
            for item in fields[2].split(' ').filter(|s| !s.is_empty()) {
                let bad = |what: String| err(col, format!("triple `{item}`: {what}"));
                let parts: Vec<&str> = item.split('>').collect();
                if parts.len() != 3 || parts[1].is_empty() {
                    return Err(bad("expected head>relation>tail".into()));
                }
                let idx = |s: &str| -> Result<usize, RelError> {
                    let k: usize = s
                        .parse()
                        .map_err(|_| bad(format!("`{s}` is not an entity index")))?;
                    if k >= entities.len() {
                        return Err(bad(format!(
                            "entity {k} does not exist (the line has {})",
                            entities.len()
                        )));
                    }
                    Ok(k)
                };
                let (head, tail) = (idx(parts[0])?, idx(parts[2])?);
                if head == tail {
                    return Err(bad("head and tail are the same entity".into()));
                }
                triples.push(Triple {
                    head,
                    relation: parts[1].to_string(),
                    tail,
                });
                col += item.chars().count() + 1;
            }
        }
        out.push(RelSentence {
            tokens,
            entities,
            triples,
            line,
        });
    }
    if out.is_empty() {
        return Err(RelError {
            file: file.to_string(),
            line: None,
            column: None,
            message: "no sentences".into(),
        });
    }
    Ok(out)
}

/// Reads a bundled relations file (`relations_train.txt`).
pub fn load_bundled(name: &str) -> Result<Vec<RelSentence>, RelError> {
    let bytes = crate::data::bundled_file(name).ok_or_else(|| RelError {
        file: name.to_string(),
        line: None,
        column: None,
        message: "not a bundled data file".into(),
    })?;
    let text = std::str::from_utf8(bytes).map_err(|e| RelError {
        file: name.to_string(),
        line: None,
        column: None,
        message: format!("not UTF-8: {e}"),
    })?;
    parse(text, name)
}

/// Reads a relations file from disk.
pub fn load(path: &Path) -> Result<Vec<RelSentence>, RelError> {
    let shown = path.display().to_string();
    let bytes = crate::data::bounded::read_bounded(path).map_err(|e| RelError {
        file: shown.clone(),
        line: None,
        column: None,
        message: e.to_string(),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| RelError {
        file: shown.clone(),
        line: None,
        column: None,
        message: format!("not UTF-8: {e}"),
    })?;
    parse(&text, &shown)
}

impl RelSentence {
    /// The gold triples by span.
    pub fn span_triples(&self) -> Vec<SpanTriple> {
        self.triples
            .iter()
            .map(|t| {
                let (h, r) = (&self.entities[t.head], &self.entities[t.tail]);
                SpanTriple {
                    head: (h.start, h.end),
                    relation: t.relation.clone(),
                    tail: (r.start, r.end),
                }
            })
            .collect()
    }

    /// The relation from entity `head` to entity `tail`, if any.
    pub fn relation(&self, head: usize, tail: usize) -> Option<&str> {
        self.triples
            .iter()
            .find(|t| t.head == head && t.tail == tail)
            .map(|t| t.relation.as_str())
    }

    /// BIO2 entity tags (`B-PER`, `I-PER`, `O`), what the NER step learns.
    pub fn bio_tags(&self) -> Vec<String> {
        let mut tags = vec!["O".to_string(); self.tokens.len()];
        for e in &self.entities {
            for (k, t) in tags.iter_mut().enumerate().take(e.end).skip(e.start) {
                let p = if k == e.start { 'B' } else { 'I' };
                *t = format!("{p}-{}", e.kind);
            }
        }
        tags
    }

    /// Sentences whose triples share an entity (two triples touch one
    /// mention): Zeng et al.'s SingleEntityOverlap and EntityPairOverlap.
    pub fn has_overlap(&self) -> bool {
        let mut seen = std::collections::HashSet::new();
        self.triples
            .iter()
            .flat_map(|t| [t.head, t.tail])
            .any(|e| !seen.insert(e))
    }
}

/// Entities read back from BIO2 (or IOB1-like) tags; an `I-X` after
/// anything but `B-X`/`I-X` starts a new entity.
pub fn entities_from_bio(tags: &[String]) -> Vec<Entity> {
    let mut out: Vec<Entity> = Vec::new();
    let mut open: Option<Entity> = None;
    for (k, t) in tags.iter().enumerate() {
        let (p, kind) = match t.split_once('-') {
            Some((p, kind)) if p == "B" || p == "I" => (p, kind),
            _ => {
                out.extend(open.take());
                continue;
            }
        };
        match &mut open {
            Some(e) if p == "I" && e.kind == kind => e.end = k + 1,
            _ => {
                out.extend(open.take());
                open = Some(Entity {
                    start: k,
                    end: k + 1,
                    kind: kind.to_string(),
                });
            }
        }
    }
    out.extend(open);
    out
}

/// A sentence's joint tags and how many of its triples they could not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct JointEncoding {
    pub tags: Vec<String>,
    /// Triples left out because one of their entities already carried the
    /// tag of an earlier triple.
    pub dropped: usize,
}

/// The joint tags of a sentence (see the module docs); triples are written
/// in file order, first come first served.
pub fn joint_tags(s: &RelSentence) -> JointEncoding {
    let mut tags = vec!["O".to_string(); s.tokens.len()];
    let mut used = vec![false; s.entities.len()];
    let mut dropped = 0;
    for t in &s.triples {
        if used[t.head] || used[t.tail] {
            dropped += 1;
            continue;
        }
        for (e, role) in [(t.head, 1), (t.tail, 2)] {
            used[e] = true;
            let ent = &s.entities[e];
            for (k, tag) in tags.iter_mut().enumerate().take(ent.end).skip(ent.start) {
                let p = if ent.end - ent.start == 1 {
                    'S'
                } else if k == ent.start {
                    'B'
                } else if k + 1 == ent.end {
                    'E'
                } else {
                    'I'
                };
                *tag = format!("{p}-{}-{role}", t.relation);
            }
        }
    }
    JointEncoding { tags, dropped }
}

/// Splits `P-REL-R` into position, relation and role.
fn split_joint(tag: &str) -> Option<(char, &str, u8)> {
    let (rest, role) = tag.rsplit_once('-')?;
    let (p, rel) = rest.split_once('-')?;
    let p = p.chars().next().filter(|c| "BIES".contains(*c))?;
    let role = match role {
        "1" => 1,
        "2" => 2,
        _ => return None,
    };
    (!rel.is_empty()).then_some((p, rel, role))
}

/// Triples read back from joint tags: spans are cut by position and label
/// (a `B` or `S`, or a change of relation or role, starts a new span; an
/// `E` or `S` closes it), then each role-1 span is paired with the nearest
/// role-2 span of the same relation (ties: the earlier one).
pub fn decode_joint(tags: &[String]) -> Vec<SpanTriple> {
    // (start, end, relation, role)
    let mut spans: Vec<(usize, usize, String, u8)> = Vec::new();
    let mut open: Option<(usize, usize, String, u8)> = None;
    for (k, t) in tags.iter().enumerate() {
        let Some((p, rel, role)) = split_joint(t) else {
            spans.extend(open.take());
            continue;
        };
        let continues =
            matches!(&open, Some((_, _, r, o)) if r == rel && *o == role) && (p == 'I' || p == 'E');
        if continues {
            if let Some(o) = &mut open {
                o.1 = k + 1;
            }
        } else {
            spans.extend(open.take());
            open = Some((k, k + 1, rel.to_string(), role));
        }
        if p == 'E' || p == 'S' {
            spans.extend(open.take());
        }
    }
    spans.extend(open);
    type Spans = Vec<(usize, usize)>;
    // Per relation: the role-1 spans and the role-2 spans.
    let mut by_rel: BTreeMap<&str, (Spans, Spans)> = BTreeMap::new();
    for (a, b, rel, role) in &spans {
        let e = by_rel.entry(rel.as_str()).or_default();
        if *role == 1 {
            e.0.push((*a, *b));
        } else {
            e.1.push((*a, *b));
        }
    }
    let mut out = Vec::new();
    for (rel, (heads, tails)) in by_rel {
        for h in heads {
            let dist = |t: &(usize, usize)| {
                if t.0 >= h.1 {
                    t.0 - h.1
                } else {
                    h.0.saturating_sub(t.1)
                }
            };
            if let Some(t) = tails.iter().min_by_key(|t| (dist(t), t.0)) {
                out.push(SpanTriple {
                    head: h,
                    relation: rel.to_string(),
                    tail: *t,
                });
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str =
        "Ana Silva , born in Porto , works for Zentrix .\t0-2:PER 5-6:LOC 9-10:ORG\t0>born_in>1 0>works_for>2\n";

    #[test]
    fn parses_and_tags() {
        let s = &parse(LINE, "x").unwrap()[0];
        assert_eq!(s.tokens.len(), 11);
        assert_eq!(s.entities.len(), 3);
        assert_eq!(s.relation(0, 2), Some("works_for"));
        assert_eq!(s.relation(2, 0), None);
        assert!(s.has_overlap());
        let bio = s.bio_tags();
        assert_eq!(&bio[..3], &["B-PER", "I-PER", "O"]);
        assert_eq!(entities_from_bio(&bio), s.entities);
    }

    #[test]
    fn joint_tags_drop_overlapping_triples_and_decode_back() {
        let s = &parse(LINE, "x").unwrap()[0];
        let enc = joint_tags(s);
        assert_eq!(enc.dropped, 1, "Ana Silva is in both triples");
        assert_eq!(enc.tags[0], "B-born_in-1");
        assert_eq!(enc.tags[1], "E-born_in-1");
        assert_eq!(enc.tags[5], "S-born_in-2");
        assert_eq!(enc.tags[9], "O");
        let got = decode_joint(&enc.tags);
        assert_eq!(got, vec![s.span_triples()[0].clone()]);
    }

    #[test]
    fn decoding_pairs_the_nearest_tail() {
        let t = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        let tags = t("S-r-2 O O S-r-1 O S-r-2 O B-q-1 I-q-1");
        let got = decode_joint(&tags);
        assert_eq!(got.len(), 1, "q has no tail: {got:?}");
        assert_eq!(got[0].head, (3, 4));
        assert_eq!(got[0].tail, (5, 6), "distance 1 beats distance 2");
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("# c\na b\t0-3:PER\t-\n", "f.txt").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(5)));
        assert!(
            e.to_string().starts_with("f.txt:2:5: entity `0-3:PER`"),
            "{e}"
        );
        let e = parse("a b\t0-1:X 1-2:Y\t0>r>2\n", "f").unwrap_err();
        assert!(e.to_string().contains("entity 2 does not exist"), "{e}");
        let e = parse("a b\t0-1:X\n", "f").unwrap_err();
        assert!(e.to_string().contains("3 tab-separated"), "{e}");
        assert!(parse("# only a comment\n", "f").is_err());
    }

    #[test]
    fn bundled_corpus_loads() {
        let train = load_bundled("relations_train.txt").unwrap();
        let test = load_bundled("relations_test.txt").unwrap();
        assert_eq!((train.len(), test.len()), (600, 200));
        assert!(train.iter().any(RelSentence::has_overlap));
    }
}
