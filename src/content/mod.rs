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
        let mut texts: HashMap<&str, &str> = HashMap::new();
        for input in &inputs {
            match input {
                load::Input::Text { name, text } => {
                    let (mut t, mut p) = load::parse_file(name, text);
                    topics.append(&mut t);
                    problems.append(&mut p);
                    texts.insert(name, text);
                }
                load::Input::Unreadable(p) => problems.push(p.clone()),
            }
        }
        let mut lib = Library::build(topics, &mut problems);
        check::check_topics(&lib, &texts, &mut problems);
        problems.sort_by(|a, b| {
            (a.file.as_str(), a.line, a.col).cmp(&(b.file.as_str(), b.line, b.col))
        });
        lib.problems = problems;
        lib
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

    /// Case-insensitive search over titles, bodies, formulas and interview
    /// notes, each in both languages. Returns topic indices in tree order,
    /// titles matches first.
    pub fn search(&self, query: &str) -> Vec<usize> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        let mut title_hits = Vec::new();
        let mut body_hits = Vec::new();
        for (i, _) in self.walk() {
            let t = &self.topics[i];
            let in_title = t.title.en.to_lowercase().contains(&q)
                || t.title.zh.to_lowercase().contains(&q)
                || t.id.contains(&q);
            if in_title {
                title_hits.push(i);
            } else if [&t.body, &t.interview]
                .into_iter()
                .chain(t.formulas.iter().map(|f| &f.label))
                .flat_map(Text::all)
                .any(|s| s.to_lowercase().contains(&q))
                || t.refs.iter().any(|r| r.title.to_lowercase().contains(&q))
            {
                body_hits.push(i);
            }
        }
        // A glossary term in either language finds the topics that explain
        // it, right after the title hits (`/交叉熵` finds information theory).
        let mut term_hits = Vec::new();
        for t in &self.topics {
            for term in &t.terms {
                if term.zh.to_lowercase().contains(&q) || term.en.to_lowercase().contains(&q) {
                    for id in &term.topics {
                        if let Some(j) = self.index_of(id) {
                            if !title_hits.contains(&j) && !term_hits.contains(&j) {
                                term_hits.push(j);
                            }
                        }
                    }
                }
            }
        }
        body_hits.retain(|i| !term_hits.contains(i));
        title_hits.extend(term_hits);
        title_hits.extend(body_hits);
        title_hits
    }
}
