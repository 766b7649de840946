//! The knowledge map: topics loaded from YAML, validated, arranged as a tree.
//!
//! Terminal-free: the TUI and the CLI are two faces on this module.

pub mod check;
mod embedded;
mod load;
pub mod note;
pub mod schema;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

pub use check::MIN_LEAF_WORDS;
pub use schema::{
    Card, CardKind, ErrorKind, ExperimentRef, Fault, FollowUp, Formula, Gap, Reference, Scalar,
    Step, Term, Text, Title, VarRange,
};

/// How serious a problem is: errors make `mlwb check` fail; warnings are
/// content-quality rules (such as the minimum note length) that a user's own
/// notes may break without being invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem in the content, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "",
            Severity::Warning => "warning: ",
        };
        write!(
            f,
            "{}:{}:{}: {}{}",
            self.file, self.line, self.col, sev, self.message
        )
    }
}

/// Where a topic was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub file: String,
    /// Line of the topic's `id:` key.
    pub line: usize,
    /// The file's `format:` version (1 or 2).
    pub format: u32,
}

/// One node of the knowledge map.
#[derive(Debug, Clone)]
pub struct Topic {
    pub id: String,
    pub parent: Option<String>,
    pub title: Title,
    pub body: Text,
    pub formulas: Vec<Formula>,
    pub interview: Text,
    pub refs: Vec<Reference>,
    pub experiments: Vec<ExperimentRef>,
    pub cards: Vec<Card>,
    /// Glossary entries (only the glossary topic has them).
    pub terms: Vec<Term>,
    pub source: Source,
    /// Indices of children in [`Library::topics`], in file order.
    pub children: Vec<usize>,
    /// Index of the parent in [`Library::topics`] once the tree is built.
    pub parent_index: Option<usize>,
}

impl Topic {
    /// Length of the English note body in words (whitespace-separated
    /// tokens).
    pub fn words(&self) -> usize {
        self.body.en().split_whitespace().count()
    }

    pub fn is_leaf(&self) -> bool {
        self.children.is_empty()
    }
}

/// Where a search query was found in a topic (the best place), in rank order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HitKind {
    Title,
    /// A glossary term that this topic explains.
    Term,
    /// The note, its formulas or its interview notes.
    Body,
    Reference,
}

impl HitKind {
    pub fn label(self) -> &'static str {
        match self {
            HitKind::Title => "title",
            HitKind::Term => "glossary",
            HitKind::Body => "note",
            HitKind::Reference => "reference",
        }
    }
}

/// One topic a search found, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchHit {
    pub topic: usize,
    pub kind: HitKind,
}

/// The loaded map: every valid topic plus the problems met on the way.
#[derive(Debug, Clone, Default)]
pub struct Library {
    pub topics: Vec<Topic>,
    /// Indices of top-level topics, in file order.
    pub roots: Vec<usize>,
    /// Problems found while loading and checking; topics they concern that
    /// could not be read at all are skipped, the rest are kept.
    pub problems: Vec<Problem>,
    index: HashMap<String, usize>,
    /// The source files (name, text) while the content checks have not run
    /// yet ([`Library::load_deferred`]); `None` once they have.
    unchecked: Option<Vec<(String, String)>>,
}

/// Where topics come from.
#[derive(Debug, Clone)]
pub enum TopicSource<'a> {
    /// The topics bundled into the binary at build time (`topics/`).
    Bundled,
    /// A directory of `*.yaml` files, or a single file.
    Path(&'a Path),
}

impl Library {
    /// Load and check topics. Never fails: unreadable files and invalid
    /// topics become [`Problem`]s and are left out.
    pub fn load(source: TopicSource<'_>) -> Library {
        let mut lib = Library::load_deferred(source);
        lib.check();
        lib
    }

    /// Load topics (parse errors, duplicate ids and broken parents are
    /// problems already) but leave the content checks — formulas render,
    /// links, experiments, cards, ... — for [`Library::check`]. The reader
    /// starts this way: its first frame does not wait for checks that only
    /// `mlwb check` and the problems list need (the bundled map passes them,
    /// which `cargo test` asserts).
    pub fn load_deferred(source: TopicSource<'_>) -> Library {
        let inputs = match source {
            TopicSource::Bundled => embedded::files(),
            TopicSource::Path(path) => match load::read_path(path) {
                Ok(inputs) => inputs,
                Err(problem) => {
                    return Library {
                        problems: vec![problem],
                        ..Library::default()
                    }
                }
            },
        };
        let mut problems = Vec::new();
        let mut topics = Vec::new();
        let mut texts = Vec::new();
        for input in inputs {
            match input {
                load::Input::Text { name, text } => {
                    let (mut t, mut p) = load::parse_file(&name, &text);
                    topics.append(&mut t);
                    problems.append(&mut p);
                    texts.push((name, text));
                }
                load::Input::Unreadable(p) => problems.push(p),
            }
        }
        let mut lib = Library::build(topics, &mut problems);
        lib.problems = problems;
        lib.sort_problems();
        lib.unchecked = Some(texts);
        lib
    }

    /// Run the content checks if they have not run yet; their problems join
    /// [`Library::problems`].
    pub fn check(&mut self) {
        let Some(texts) = self.unchecked.take() else {
            return;
        };
        let by_name: HashMap<&str, &str> = texts
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let mut problems = Vec::new();
        check::check_topics(self, &by_name, &mut problems);
        self.problems.append(&mut problems);
        self.sort_problems();
    }

    /// Have the content checks run (so `problems` is complete)?
    pub fn is_checked(&self) -> bool {
        self.unchecked.is_none()
    }

    fn sort_problems(&mut self) {
        self.problems.sort_by(|a, b| {
            (a.file.as_str(), a.line, a.col).cmp(&(b.file.as_str(), b.line, b.col))
        });
    }

    /// Arrange topics into a tree. Duplicate ids keep the first; topics whose
    /// parent is missing (or that form a cycle) become roots so that nothing
    /// loaded is hidden, and each gets a problem.
    fn build(raw: Vec<Topic>, problems: &mut Vec<Problem>) -> Library {
        let mut lib = Library::default();
        for topic in raw {
            if let Some(&first) = lib.index.get(&topic.id) {
                let f = &lib.topics[first].source;
                problems.push(Problem {
                    file: topic.source.file.clone(),
                    line: topic.source.line,
                    col: 1,
                    severity: Severity::Error,
                    message: format!(
                        "duplicate topic id `{}` (first defined at {}:{}); this one is skipped",
                        topic.id, f.file, f.line
                    ),
                });
                continue;
            }
            lib.index.insert(topic.id.clone(), lib.topics.len());
            lib.topics.push(topic);
        }
        for i in 0..lib.topics.len() {
            let parent = lib.topics[i].parent.clone();
            let pi = match parent {
                None => None,
                Some(p) => match lib.index.get(&p) {
                    Some(&pi) if !lib.is_ancestor_or_self(i, pi) => Some(pi),
                    Some(_) => {
                        let t = &lib.topics[i];
                        problems.push(Problem {
                            file: t.source.file.clone(),
                            line: t.source.line,
                            col: 1,
                            severity: Severity::Error,
                            message: format!(
                                "topic `{}` has parent `{p}`, which makes a cycle; shown at the top level",
                                t.id
                            ),
                        });
                        None
                    }
                    None => {
                        let t = &lib.topics[i];
                        problems.push(Problem {
                            file: t.source.file.clone(),
                            line: t.source.line,
                            col: 1,
                            severity: Severity::Error,
                            message: format!(
                                "topic `{}` has parent `{p}`, which does not exist; shown at the top level",
                                t.id
                            ),
                        });
                        None
                    }
                },
            };
            lib.topics[i].parent_index = pi;
            match pi {
                Some(pi) => lib.topics[pi].children.push(i),
                None => lib.roots.push(i),
            }
        }
        lib
    }

    /// Is `candidate` (following already-linked parent indices) `i` itself or
    /// below it? Used to refuse links that would close a cycle.
    fn is_ancestor_or_self(&self, i: usize, candidate: usize) -> bool {
        let mut cur = Some(candidate);
        let mut steps = 0;
        while let Some(c) = cur {
            if c == i {
                return true;
            }
            steps += 1;
            if steps > self.topics.len() {
                return true;
            }
            cur = self.topics[c].parent_index;
        }
        false
    }

    pub fn get(&self, id: &str) -> Option<&Topic> {
        self.index.get(id).map(|&i| &self.topics[i])
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Indices from the root down to `i` (inclusive).
    pub fn path_to(&self, i: usize) -> Vec<usize> {
        let mut path = vec![i];
        let mut cur = self.topics[i].parent_index;
        while let Some(p) = cur {
            path.push(p);
            cur = self.topics[p].parent_index;
        }
        path.reverse();
        path
    }

    /// All topics depth-first in tree order, with their depth.
    pub fn walk(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::with_capacity(self.topics.len());
        let mut stack: Vec<(usize, usize)> = self.roots.iter().rev().map(|&r| (r, 0)).collect();
        while let Some((i, d)) = stack.pop() {
            out.push((i, d));
            for &c in self.topics[i].children.iter().rev() {
                stack.push((c, d + 1));
            }
        }
        out
    }

    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }

    /// Case-insensitive search over titles, glossary terms, bodies,
    /// formulas, interview notes and reference titles, each in both
    /// languages. Returns topic indices, best first (see [`Library::search_hits`]).
    pub fn search(&self, query: &str) -> Vec<usize> {
        self.search_hits(query)
            .into_iter()
            .map(|h| h.topic)
            .collect()
    }

    /// The topics a query finds, ranked: title (or id) hits first — an exact
    /// title before one that starts with the query before one that contains
    /// it —, then topics a glossary term explains, then note text (the topic
    /// that uses the query most often first), then reference titles. Ties
    /// keep tree order.
    pub fn search_hits(&self, query: &str) -> Vec<SearchHit> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        // (kind, closeness, -(occurrences), tree position) per topic.
        type Rank = (HitKind, usize, std::cmp::Reverse<usize>, usize);
        let mut best: Vec<Option<Rank>> = vec![None; self.topics.len()];
        let mut offer = |i: usize, key: Rank| {
            if let Some(slot) = best.get_mut(i) {
                if slot.as_ref().is_none_or(|old| key < *old) {
                    *slot = Some(key);
                }
            }
        };
        let closeness = |s: &str| -> Option<usize> {
            let s = s.to_lowercase();
            if s == q {
                Some(0)
            } else if s.starts_with(&q) {
                Some(1)
            } else if s.contains(&q) {
                Some(2)
            } else {
                None
            }
        };
        let walk = self.walk();
        for (pos, &(i, _)) in walk.iter().enumerate() {
            let t = &self.topics[i];
            let title = [t.title.zh.as_str(), t.title.en.as_str(), t.id.as_str()]
                .into_iter()
                .filter_map(closeness)
                .min();
            if let Some(c) = title {
                offer(i, (HitKind::Title, c, std::cmp::Reverse(0), pos));
            }
            let uses: usize = [&t.body, &t.interview]
                .into_iter()
                .chain(t.formulas.iter().map(|f| &f.label))
                .flat_map(Text::all)
                .map(|s| s.to_lowercase().matches(&q).count())
                .sum();
            if uses > 0 {
                offer(i, (HitKind::Body, 0, std::cmp::Reverse(uses), pos));
            }
            if t.refs.iter().any(|r| r.title.to_lowercase().contains(&q)) {
                offer(i, (HitKind::Reference, 0, std::cmp::Reverse(0), pos));
            }
            // A glossary term in either language finds the topics that
            // explain it (`/交叉熵` finds information theory).
            for term in &t.terms {
                // A query that contains a term also finds it: `/信息熵`
                // (information entropy) holds the term 熵.
                let inside = |name: &str, min_chars: usize| {
                    let name = name.trim().to_lowercase();
                    name.chars().count() >= min_chars && q.contains(&name)
                };
                let Some(c) = [term.zh.as_str(), term.en.as_str()]
                    .into_iter()
                    .filter_map(closeness)
                    .min()
                    .or_else(|| (inside(&term.zh, 1) || inside(&term.en, 3)).then_some(3))
                else {
                    continue;
                };
                for id in &term.topics {
                    if let Some(j) = self.index_of(id) {
                        let jpos = walk.iter().position(|&(k, _)| k == j).unwrap_or(usize::MAX);
                        offer(j, (HitKind::Term, c, std::cmp::Reverse(0), jpos));
                    }
                }
            }
        }
        let mut hits: Vec<(HitKind, usize, std::cmp::Reverse<usize>, usize, usize)> = best
            .into_iter()
            .enumerate()
            .filter_map(|(i, k)| k.map(|(a, b, c, d)| (a, b, c, d, i)))
            .collect();
        hits.sort();
        hits.into_iter()
            .map(|(kind, _, _, _, topic)| SearchHit { topic, kind })
            .collect()
    }
}
