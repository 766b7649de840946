//! Validation of loaded topics: the rules `mlwb check` enforces beyond the
//! schema itself. Every problem is located at the offending text.

use std::collections::{HashMap, HashSet};

use super::load::{locate, next_id_line};
use super::{Library, Problem, Severity, Topic};
use crate::mathtext;

/// The minimum length of a leaf note, in words. A content-quality rule, so a
/// warning: a user's own short notes are still valid.
pub const MIN_LEAF_WORDS: usize = 150;

/// Generators a numeric card may name (the quiz computes their instances).
pub const GENERATORS: &[&str] = &[
    "conv-output-size",
    "conv-params",
    "entropy",
    "mutual-information",
    "information-gain",
    "gini-split",
    "precision-recall-f1",
    "bayes-posterior",
    "viterbi-step",
    "softmax",
    "tf-idf",
    "kmeans-update",
    "attention-shapes",
    "mha-params",
];

pub(super) fn check_topics(lib: &Library, texts: &HashMap<&str, &str>, out: &mut Vec<Problem>) {
    // Card ids are unique across the whole map: progress is keyed on them.
    let mut card_ids: HashMap<&str, (&str, usize)> = HashMap::new();
    for topic in &lib.topics {
        let text = texts.get(topic.source.file.as_str()).copied().unwrap_or("");
        for card in &topic.cards {
            let (line, col) = locate(
                text,
                topic.source.line,
                next_id_line(text, topic.source.line),
                &format!("id: {}", card.id),
            )
            .unwrap_or((topic.source.line, 1));
            if let Some((f, l)) = card_ids.get(card.id.as_str()) {
                out.push(Problem {
                    file: topic.source.file.clone(),
                    line,
                    col,
                    severity: Severity::Error,
                    message: format!("card id `{}` is used twice (first at {f}:{l})", card.id),
                });
            } else {
                card_ids.insert(&card.id, (&topic.source.file, line));
            }
        }
    }
    for topic in &lib.topics {
        let text = texts.get(topic.source.file.as_str()).copied().unwrap_or("");
        let end = next_id_line(text, topic.source.line);
        let mut c = Ctx {
            topic,
            text,
            end,
            out,
        };
        c.run();
    }
}

struct Ctx<'a> {
    topic: &'a Topic,
    text: &'a str,
    /// One past the last line of this topic's block.
    end: usize,
    out: &'a mut Vec<Problem>,
}

impl Ctx<'_> {
    fn at(&self, needle: &str) -> (usize, usize) {
        locate(self.text, self.topic.source.line, self.end, needle)
            .unwrap_or((self.topic.source.line, 1))
    }

    fn push(&mut self, (line, col): (usize, usize), severity: Severity, message: String) {
        self.out.push(Problem {
            file: self.topic.source.file.clone(),
            line,
            col,
            severity,
            message: format!("topic `{}`: {message}", self.topic.id),
        });
    }

    fn run(&mut self) {
        let t = self.topic;
        if !is_kebab(&t.id) {
            let loc = self.at(&t.id);
            self.push(
                loc,
                Severity::Error,
                "id must be kebab-case: lowercase letters and digits joined by single '-'".into(),
            );
        }
        for (key, value) in [("zh", &t.title.zh), ("en", &t.title.en)] {
            if value.trim().is_empty() {
                let loc = self.at(&format!("{key}:"));
                self.push(loc, Severity::Error, format!("title.{key} is empty"));
            }
        }
        if t.body.trim().is_empty() {
            let loc = self.at("body:");
            self.push(loc, Severity::Error, "body is empty".into());
        } else if t.is_leaf() && t.words() < MIN_LEAF_WORDS {
            let loc = self.at("body:");
            self.push(
                loc,
                Severity::Warning,
                format!(
                    "note has {} words; a leaf topic should have at least {MIN_LEAF_WORDS}",
                    t.words()
                ),
            );
        }
        if t.interview.trim().is_empty() {
            let loc = self.at("interview:");
            self.push(loc, Severity::Warning, "interview angle is empty".into());
        }
        self.check_experiments();
        self.check_cards();
        self.check_math("body", &t.body);
        self.check_math("interview", &t.interview);
        for f in &t.formulas {
            if f.label.trim().is_empty() {
                let loc = self.at("label:");
                self.push(loc, Severity::Error, "formula label is empty".into());
            }
            if f.tex.trim().is_empty() {
                let loc = self.at("tex:");
                self.push(loc, Severity::Error, "formula tex is empty".into());
                continue;
            }
            self.check_tex(&format!("formula `{}`", f.label), &f.tex);
        }
        let mut seen = HashSet::new();
        for r in &t.refs {
            if r.title.trim().is_empty() {
                let loc = self.at(&r.url);
                self.push(loc, Severity::Error, "reference title is empty".into());
            }
            if !is_url(&r.url) {
                let loc = self.at(r.url.split_whitespace().next().unwrap_or("url:"));
                self.push(
                    loc,
                    Severity::Error,
                    format!("reference url `{}` is not an http(s) URL", r.url),
                );
            }
            if !seen.insert((&r.title, &r.url)) {
                let loc = self.at(&r.url);
                self.push(loc, Severity::Warning, "reference listed twice".into());
            }
        }
    }

    fn check_cards(&mut self) {
        use super::CardKind;
        for card in &self.topic.cards {
            let loc = self.at(&format!("id: {}", card.id));
            let bad = |c: &mut Self, msg: String| {
                c.push(loc, Severity::Error, format!("card `{}`: {msg}", card.id))
            };
            if !is_kebab(&card.id) {
                bad(self, "id must be kebab-case".into());
            }
            if card.prompt.trim().is_empty() {
                bad(self, "prompt is empty".into());
            }
            let kind = match card.kind {
                CardKind::Derivation => "derivation",
                CardKind::Cloze => "cloze",
                CardKind::Numeric => "numeric",
                CardKind::Choice => "choice",
                CardKind::Open => "open",
            };
            let has = |b: bool, what: &str, c: &mut Self| {
                if !b {
                    c.push(
                        loc,
                        Severity::Error,
                        format!("card `{}`: a {kind} card needs {what}", card.id),
                    );
                }
            };
            match card.kind {
                CardKind::Derivation => {
                    has(card.steps.len() >= 3, "at least 3 steps", self);
                    for (i, s) in card.steps.iter().enumerate() {
                        if s.math.trim().is_empty() || s.why.trim().is_empty() {
                            bad(self, format!("step {} needs both math and why", i + 1));
                        }
                        self.check_tex(&format!("card `{}` step {}", card.id, i + 1), &s.math);
                        self.check_math("why", &s.why);
                    }
                }
                CardKind::Cloze => {
                    has(
                        card.prompt.matches("___").count() == 1,
                        "exactly one ___ blank in the prompt",
                        self,
                    );
                    has(
                        card.answer.as_deref().is_some_and(|a| !a.trim().is_empty()),
                        "an answer",
                        self,
                    );
                }
                CardKind::Choice => {
                    has(
                        (3..=6).contains(&card.options.len()),
                        "3 to 6 options",
                        self,
                    );
                    has(
                        card.correct.is_some_and(|c| c < card.options.len()),
                        "a correct index among the options",
                        self,
                    );
                }
                CardKind::Open => {
                    has(
                        card.answer.as_deref().is_some_and(|a| !a.trim().is_empty()),
                        "a model answer",
                        self,
                    );
                }
                CardKind::Numeric => {
                    let ok = card
                        .generator
                        .as_deref()
                        .is_some_and(|g| GENERATORS.contains(&g));
                    if !ok {
                        bad(
                            self,
                            format!(
                                "numeric cards need a generator, one of: {}",
                                GENERATORS.join(", ")
                            ),
                        );
                    }
                }
            }
            self.check_math("prompt", &card.prompt);
            for t in card
                .answer
                .iter()
                .chain(&card.options)
                .chain(&card.explanation)
            {
                self.check_math("card text", t);
            }
        }
    }

    fn check_experiments(&mut self) {
        for e in &self.topic.experiments {
            let loc = self.at(&format!("algo: {}", e.algo));
            let Some(spec) = crate::algos::registry::find(&e.algo) else {
                self.push(
                    loc,
                    Severity::Error,
                    format!("experiment: no algorithm `{}` (see `mlwb algos`)", e.algo),
                );
                continue;
            };
            let runnable = crate::data::manifest().iter().any(|d| {
                d.name == e.dataset
                    && matches!(d.kind.as_str(), "tabular" | "text" | "conll" | "sequence")
            });
            if !runnable {
                let loc = self.at(&format!("dataset: {}", e.dataset));
                self.push(
                    loc,
                    Severity::Error,
                    format!(
                        "experiment: no bundled dataset `{}` to run (see `mlwb datasets`)",
                        e.dataset
                    ),
                );
            }
            let given: Vec<(String, String)> = e
                .params
                .iter()
                .map(|(k, v)| (k.clone(), v.0.clone()))
                .collect();
            if let Err(err) = spec.params(&given) {
                self.push(
                    loc,
                    Severity::Error,
                    format!("experiment `{}`: {err}", e.algo),
                );
            }
            if let Some(s) = &e.scale {
                if s.parse::<crate::algos::linfa_models::Scale>().is_err() {
                    self.push(loc, Severity::Error, format!("experiment: scale `{s}`: expected standard, minmax, maxabs or normalize"));
                }
            }
        }
    }

    fn check_math(&mut self, field: &str, text: &str) {
        match mathtext::math_fragments(text) {
            Err(offset) => {
                // Point at the line of the field plus the line of the `$`.
                let before = &text[..offset];
                let rel = before.matches('\n').count();
                let (fl, _) = self.at(&format!("{field}:"));
                let line = fl + 1 + rel;
                let col = before.rsplit('\n').next().map_or(0, |s| s.chars().count()) + 1;
                self.push(
                    (line, col),
                    Severity::Error,
                    format!("{field}: `$` opens math that is never closed"),
                );
            }
            Ok(frags) => {
                for frag in frags {
                    self.check_tex(field, frag);
                }
            }
        }
    }

    fn check_tex(&mut self, what: &str, tex: &str) {
        let r = mathtext::render(tex);
        if r.unknown.is_empty() && r.problems.is_empty() {
            return;
        }
        let first_line = tex.lines().next().unwrap_or(tex);
        let loc = self.at(first_line.trim());
        for u in &r.unknown {
            self.push(
                loc,
                Severity::Error,
                format!("{what}: unknown LaTeX command `\\{u}` in `{}`", tex.trim()),
            );
        }
        for p in &r.problems {
            self.push(
                loc,
                Severity::Error,
                format!("{what}: {p} in `{}`", tex.trim()),
            );
        }
    }
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

fn is_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| {
        !r.is_empty() && !r.starts_with('/') && !url.chars().any(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab() {
        assert!(is_kebab("svm"));
        assert!(is_kebab("top-ten-algorithms"));
        assert!(is_kebab("f1-score"));
        for bad in ["", "SVM", "a--b", "-a", "a-", "a_b", "a b", "信息论"] {
            assert!(!is_kebab(bad), "{bad}");
        }
    }

    #[test]
    fn urls() {
        assert!(is_url("https://zhuanlan.zhihu.com/p/262697114"));
        assert!(is_url(
            "http://nlp.seas.harvard.edu/2018/04/03/attention.html"
        ));
        for bad in [
            "",
            "zhihu.com",
            "ftp://x",
            "https://",
            "https:///x",
            "https://a b",
        ] {
            assert!(!is_url(bad), "{bad}");
        }
    }
}
