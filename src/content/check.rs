//! Validation of loaded topics: the rules `mlwb check` enforces beyond the
//! schema itself. Every problem is located at the offending text.

use std::collections::{HashMap, HashSet};

use super::{Library, Problem, Severity, Text, Topic};
use crate::mathtext;

/// The minimum length of a leaf note, in words. A content-quality rule, so a
/// warning: a user's own short notes are still valid.
pub const MIN_LEAF_WORDS: usize = 150;

/// How untranslated prose in a format-2 file is reported: a plain string
/// with words where `{en, zh}` is expected ("missing Chinese (zh)"), or a
/// `zh` text with no Chinese characters. Every bundled file is bilingual,
/// so this is an error: `mlwb check` (and so CI) refuses untranslated text.
/// Format-1 files (English only, still read) are never checked for this.
pub const UNTRANSLATED: Severity = Severity::Error;

/// Math-like names that are not words to translate: `log K`, `sqrt(p)`,
/// `alpha|V|` read the same in Chinese.
const MATH_NAMES: &[&str] = &[
    "log", "exp", "sqrt", "max", "min", "argmax", "argmin", "softmax", "sigmoid", "tanh", "relu",
    "sin", "cos", "tan", "det", "diag", "sup", "inf", "lim", "mod", "alpha", "beta", "gamma",
    "delta", "epsilon", "lambda", "sigma", "theta", "omega",
];

/// The prose of `text` outside `$…$` and `$$…$$` math (an unclosed `$`
/// leaves the rest as prose).
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('$') {
        let delim = if rest[start..].starts_with("$$") {
            "$$"
        } else {
            "$"
        };
        let after = &rest[start + delim.len()..];
        let Some(end) = after.find(delim) else { break };
        out.push_str(&rest[..start]);
        out.push(' ');
        rest = &after[end + delim.len()..];
    }
    out.push_str(rest);
    out
}

/// Does `text` have words to translate? A word is a run of three or more
/// Latin letters outside math with a lower-case letter in it, other than a
/// math name: `p`, `KL`, `BERT`, `O(n)`, `sqrt(p)` and numbers are not
/// words. (The writers' validator counts runs of three letters; this is
/// never stricter than it.)
pub fn has_words(text: &str) -> bool {
    prose(text)
        .split(|c: char| !c.is_ascii_alphabetic())
        .any(|w| {
            w.len() >= 3
                && w.chars().any(|c| c.is_ascii_lowercase())
                && !MATH_NAMES.contains(&w.to_ascii_lowercase().as_str())
        })
}

/// Does `text` contain a Chinese (Han) character?
pub fn has_han(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c as u32,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFD)
    })
}

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
    // Split each file into lines once: every lookup below then starts at
    // its line in O(1) (scanning from the top of a 100 KB file for each of
    // thousands of fields made loading the map take a quarter of a second).
    let split: HashMap<&str, Vec<&str>> = texts
        .iter()
        .map(|(f, t)| (*f, t.lines().collect()))
        .collect();
    let no_lines: Vec<&str> = Vec::new();
    // Card ids are unique across the whole map: progress is keyed on them.
    let mut card_ids: HashMap<&str, (&str, usize)> = HashMap::new();
    for topic in &lib.topics {
        let lines = split.get(topic.source.file.as_str()).unwrap_or(&no_lines);
        let end = topic_end(lines, topic.source.line);
        for card in &topic.cards {
            let (line, col) = locate(lines, topic.source.line, end, &format!("id: {}", card.id))
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
        let lines = split.get(topic.source.file.as_str()).unwrap_or(&no_lines);
        let end = topic_end(lines, topic.source.line);
        let mut c = Ctx {
            lib,
            topic,
            lines,
            end,
            out,
        };
        c.run();
    }
}

struct Ctx<'a> {
    lib: &'a Library,
    topic: &'a Topic,
    /// The topic's file, split into lines.
    lines: &'a [&'a str],
    /// One past the last line of this topic's block.
    end: usize,
    out: &'a mut Vec<Problem>,
}

impl Ctx<'_> {
    fn at(&self, needle: &str) -> (usize, usize) {
        locate(self.lines, self.topic.source.line, self.end, needle)
            .unwrap_or((self.topic.source.line, 1))
    }

    /// The first `needle` at or after `from` in this topic's block.
    fn find(&self, from: (usize, usize), needle: &str) -> Option<(usize, usize)> {
        find_from(self.lines, from, self.end, needle, false)
    }

    /// The first YAML key `key:` at or after `from` in this topic's block.
    fn key(&self, from: (usize, usize), key: &str) -> Option<(usize, usize)> {
        find_from(self.lines, from, self.end, &format!("{key}:"), true)
    }

    /// The `n`-th (0-based) key `key:` at or after `from`.
    fn nth_key(&self, from: (usize, usize), key: &str, n: usize) -> Option<(usize, usize)> {
        let mut at = self.key(from, key)?;
        for _ in 0..n {
            at = self.key((at.0, at.1 + 1), key)?;
        }
        Some(at)
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
        let start = (t.source.line, 1);
        let body_at = self.key(start, "body").unwrap_or(start);
        let interview_at = self.key(start, "interview").unwrap_or(start);
        if t.body.is_blank() {
            self.push(body_at, Severity::Error, "body is empty".into());
        } else if t.is_leaf() && t.words() < MIN_LEAF_WORDS {
            let loc = body_at;
            self.push(
                loc,
                Severity::Warning,
                format!(
                    "note has {} words; a leaf topic should have at least {MIN_LEAF_WORDS}",
                    t.words()
                ),
            );
        }
        if t.interview.is_blank() {
            self.push(
                interview_at,
                Severity::Warning,
                "interview angle is empty".into(),
            );
        }
        self.check_experiments();
        self.check_cards();
        self.check_terms();
        self.check_text("body", &t.body, body_at, false);
        self.check_text("interview", &t.interview, interview_at, false);
        let formulas_at = self.key(start, "formulas").unwrap_or(start);
        for (i, f) in t.formulas.iter().enumerate() {
            let label_at = self.nth_key(formulas_at, "label", i).unwrap_or(formulas_at);
            if f.label.is_blank() {
                self.push(label_at, Severity::Error, "formula label is empty".into());
            } else {
                self.check_text("formula label", &f.label, label_at, false);
                // `d_k`, `y_{T+1}` outside `$…$` would be shown as typed.
                for part in f.label.all() {
                    if let Some(raw) = raw_tex(part) {
                        self.push(
                            label_at,
                            Severity::Warning,
                            format!("formula label: `{raw}` is TeX outside $…$ and would be shown raw; write ${raw}$"),
                        );
                    }
                }
            }
            if f.tex.trim().is_empty() {
                let loc = self.at("tex:");
                self.push(loc, Severity::Error, "formula tex is empty".into());
                continue;
            }
            self.check_tex(&format!("formula `{}`", f.label.en()), &f.tex, start);
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
            let field = |c: &Self, key: &str| c.key(loc, key).unwrap_or(loc);
            let bad = |c: &mut Self, msg: String| {
                c.push(loc, Severity::Error, format!("card `{}`: {msg}", card.id))
            };
            if !is_kebab(&card.id) {
                bad(self, "id must be kebab-case".into());
            }
            if card.prompt.is_blank() {
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
                    let steps_at = field(self, "steps");
                    for (i, s) in card.steps.iter().enumerate() {
                        if s.math.trim().is_empty() || s.why.is_blank() {
                            bad(self, format!("step {} needs both math and why", i + 1));
                        }
                        self.check_tex(&format!("card `{}` step {}", card.id, i + 1), &s.math, loc);
                        let why_at = self.nth_key(steps_at, "why", i).unwrap_or(steps_at);
                        self.check_text(
                            &format!("card `{}`: step {} why", card.id, i + 1),
                            &s.why,
                            why_at,
                            false,
                        );
                    }
                }
                CardKind::Cloze => {
                    has(
                        card.prompt.en().matches("___").count() == 1,
                        "exactly one ___ blank in the prompt",
                        self,
                    );
                    has(
                        card.answer.as_ref().is_some_and(|a| !a.is_blank()),
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
                        card.answer.as_ref().is_some_and(|a| !a.is_blank()),
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
            let name = |what: &str| format!("card `{}`: {what}", card.id);
            let cloze = card.kind == CardKind::Cloze;
            self.check_text(&name("prompt"), &card.prompt, field(self, "prompt"), cloze);
            if let Some(a) = &card.answer {
                self.check_text(&name("answer"), a, field(self, "answer"), false);
            }
            if let Some(e) = &card.explanation {
                self.check_text(&name("explanation"), e, field(self, "explanation"), false);
            }
            let (options_at, items) = if card.options.is_empty() {
                (loc, Vec::new())
            } else {
                let at = field(self, "options");
                (at, list_items(self.lines, at, self.end))
            };
            for (i, o) in card.options.iter().enumerate() {
                let at = items.get(i).copied().unwrap_or(options_at);
                self.check_text(&name(&format!("option {}", i + 1)), o, at, false);
            }
            self.check_interview_drills(card, loc);
            self.check_follow_ups(card, loc);
        }
    }

    /// `follow_ups`: each a question and a model answer, both written in
    /// both languages (they are prose), neither blank.
    fn check_follow_ups(&mut self, card: &super::Card, loc: (usize, usize)) {
        if card.follow_ups.is_empty() {
            return;
        }
        let mut cursor = self.key(loc, "follow_ups").unwrap_or(loc);
        for (i, f) in card.follow_ups.iter().enumerate() {
            let at = self.key(cursor, "prompt").unwrap_or(cursor);
            cursor = (at.0, at.1 + 1);
            for (what, t) in [("question", &f.prompt), ("answer", &f.answer)] {
                let name = format!("card `{}`: follow-up {} {what}", card.id, i + 1);
                if t.is_blank() {
                    self.push(at, Severity::Error, format!("{name} is empty"));
                } else if t.is_plain() {
                    self.push(
                        at,
                        Severity::Error,
                        format!("{name} needs both languages (`en:` and `zh:`)"),
                    );
                } else {
                    self.check_text(&name, t, at, false);
                }
            }
        }
    }

    /// `faults` (spot the error) and `gaps` (fill the gap) of a derivation
    /// card: step indices in range, a wrong step that differs from the right
    /// one, LaTeX that renders, and a gap expression that parses, names only
    /// variables with finite ranges and can be evaluated in them.
    fn check_interview_drills(&mut self, card: &super::Card, loc: (usize, usize)) {
        use super::CardKind;
        if card.faults.is_empty() && card.gaps.is_empty() {
            return;
        }
        let bad = |c: &mut Self, at: (usize, usize), msg: String| {
            c.push(at, Severity::Error, format!("card `{}`: {msg}", card.id))
        };
        if card.kind != CardKind::Derivation {
            bad(
                self,
                loc,
                "faults and gaps belong on derivation cards".into(),
            );
            return;
        }
        let n = card.steps.len();
        let faults_at = self.key(loc, "faults").unwrap_or(loc);
        let mut cursor = faults_at;
        for (i, f) in card.faults.iter().enumerate() {
            let at = self.key(cursor, "step").unwrap_or(cursor);
            cursor = (at.0, at.1 + 1);
            let what = format!("fault {}", i + 1);
            if f.step >= n {
                bad(
                    self,
                    at,
                    format!(
                        "{what}: step {} is out of range 0..{}",
                        f.step,
                        n.saturating_sub(1)
                    ),
                );
                continue;
            }
            if f.math.trim().is_empty() {
                bad(self, at, format!("{what}: the wrong math is empty"));
            } else if f.math.trim() == card.steps[f.step].math.trim() {
                bad(
                    self,
                    at,
                    format!("{what}: the wrong math equals step {}'s", f.step),
                );
            }
            self.check_tex(&format!("card `{}` {what}", card.id), &f.math, at);
            let why_at = self.key(at, "why").unwrap_or(at);
            self.check_text(
                &format!("card `{}`: {what} why", card.id),
                &f.why,
                why_at,
                false,
            );
        }
        let gaps_at = self.key(loc, "gaps").unwrap_or(loc);
        let mut cursor = gaps_at;
        for (i, g) in card.gaps.iter().enumerate() {
            let at = self.key(cursor, "step").unwrap_or(cursor);
            cursor = (at.0, at.1 + 1);
            let what = format!("gap {}", i + 1);
            if g.step >= n {
                bad(
                    self,
                    at,
                    format!(
                        "{what}: step {} is out of range 0..{}",
                        g.step,
                        n.saturating_sub(1)
                    ),
                );
                continue;
            }
            self.check_tex(&format!("card `{}` {what} show", card.id), &g.show, at);
            let expr_at = self.key(at, "expr").unwrap_or(at);
            let e = match crate::mathexpr::parse(&g.expr) {
                Ok(e) => e,
                Err(err) => {
                    bad(
                        self,
                        expr_at,
                        format!("{what}: expr `{}` does not parse: {err}", g.expr),
                    );
                    continue;
                }
            };
            let vars = e.variables();
            let missing: Vec<&String> = vars.iter().filter(|v| !g.vars.contains_key(*v)).collect();
            if !missing.is_empty() {
                let list: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
                bad(
                    self,
                    expr_at,
                    format!("{what}: no range for {}", list.join(", ")),
                );
                continue;
            }
            let unused: Vec<&str> = g
                .vars
                .keys()
                .filter(|k| !vars.contains(k))
                .map(String::as_str)
                .collect();
            if !unused.is_empty() {
                bad(
                    self,
                    expr_at,
                    format!("{what}: ranges for unused variables {}", unused.join(", ")),
                );
            }
            let ranges: std::collections::BTreeMap<String, (f64, f64)> = g
                .vars
                .iter()
                .map(|(k, r)| (k.clone(), (r.0[0], r.0[1])))
                .collect();
            if let Some((k, _)) = ranges
                .iter()
                .find(|(_, (lo, hi))| !(lo.is_finite() && hi.is_finite() && lo <= hi))
            {
                bad(
                    self,
                    expr_at,
                    format!("{what}: the range of {k} must be finite with lo <= hi"),
                );
                continue;
            }
            // The expression must compare equal with itself: finite at the
            // sampled points of its ranges.
            if !matches!(
                crate::mathexpr::equivalent(&e, &g.expr, &ranges, 20, 0),
                crate::mathexpr::Verdict::Equivalent
            ) {
                bad(
                    self,
                    expr_at,
                    format!("{what}: expr `{}` is not finite in its ranges", g.expr),
                );
            }
        }
    }

    /// Glossary entries: both names, a definition in both languages, and
    /// topics that exist.
    fn check_terms(&mut self) {
        let start = (self.topic.source.line, 1);
        let terms_at = self.key(start, "terms").unwrap_or(start);
        // A running cursor: each term's `zh:` is found from the previous one
        // (looking each up from the list's start made loading quadratic).
        let mut cursor = terms_at;
        for (i, t) in self.topic.terms.iter().enumerate() {
            let at = self.key(cursor, "zh").unwrap_or(cursor);
            cursor = (at.0, at.1 + 1);
            if t.zh.trim().is_empty() || t.en.trim().is_empty() {
                self.push(
                    at,
                    Severity::Error,
                    format!("term {}: both zh and en are needed", i + 1),
                );
            }
            let def_at = self.key(at, "def").unwrap_or(at);
            self.check_text(&format!("term `{}`", t.en), &t.def, def_at, false);
            if t.topics.is_empty() {
                self.push(
                    at,
                    Severity::Error,
                    format!("term `{}` names no topic", t.en),
                );
            }
            for id in &t.topics {
                if self.lib.index_of(id).is_none() {
                    let loc = self.find(at, id).unwrap_or(at);
                    self.push(
                        loc,
                        Severity::Error,
                        format!("term `{}`: no topic `{id}`", t.en),
                    );
                }
            }
        }
    }

    /// The rules for one prose field whose key is at `key_at`: per-language
    /// emptiness, translation (format 2), a cloze prompt's blank in each
    /// language, and the math of every language.
    fn check_text(&mut self, name: &str, text: &Text, key_at: (usize, usize), cloze: bool) {
        let format2 = self.topic.source.format >= 2;
        match text {
            Text::Same(s) => {
                if format2 && has_words(s) {
                    self.push(
                        key_at,
                        UNTRANSLATED,
                        format!(
                            "{name}: missing Chinese (zh): a plain string is shown in both languages; write {{en: ..., zh: ...}}"
                        ),
                    );
                }
                self.check_math(name, s, key_at);
            }
            Text::Both { en, zh } => {
                let en_at = self.key(key_at, "en").unwrap_or(key_at);
                let zh_at = self.key(key_at, "zh").unwrap_or(key_at);
                if !text.is_blank() {
                    for (lang, s, at) in [("English (en)", en, en_at), ("Chinese (zh)", zh, zh_at)]
                    {
                        if s.trim().is_empty() {
                            self.push(
                                at,
                                Severity::Error,
                                format!("{name}: the {lang} text is empty"),
                            );
                        }
                    }
                }
                if format2 && !zh.trim().is_empty() && !has_han(zh) && has_words(zh) {
                    self.push(
                        zh_at,
                        UNTRANSLATED,
                        format!("{name}: the Chinese (zh) text has no Chinese characters"),
                    );
                }
                if cloze && !zh.trim().is_empty() && zh.matches("___").count() != 1 {
                    self.push(
                        zh_at,
                        Severity::Error,
                        format!("{name}: the Chinese (zh) prompt of a cloze card needs exactly one ___ blank"),
                    );
                }
                self.check_math(&format!("{name} (en)"), en, en_at);
                self.check_math(&format!("{name} (zh)"), zh, zh_at);
            }
        }
    }

    fn check_experiments(&mut self) {
        for e in &self.topic.experiments {
            let loc = self.at(&format!("algo: {}", e.algo));
            let Some(spec) = crate::registry::find(&e.algo) else {
                self.push(
                    loc,
                    Severity::Error,
                    format!("experiment: no algorithm `{}` (see `mlwb algos`)", e.algo),
                );
                continue;
            };
            let given: Vec<(String, String)> = e
                .params
                .iter()
                .map(|(k, v)| (k.clone(), v.0.clone()))
                .collect();
            if spec.task == crate::registry::Task::Lab {
                self.check_lab(e, &given);
                continue;
            }
            let runnable = crate::data::manifest()
                .iter()
                .any(|d| d.name == e.dataset && d.kind.is_runnable());
            if e.dataset.is_empty() {
                self.push(
                    loc,
                    Severity::Error,
                    format!(
                        "experiment `{}`: needs a dataset (`dataset: NAME`, see `mlwb datasets`)",
                        e.algo
                    ),
                );
            } else if !runnable {
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
            if let Err(err) = spec.values(&given) {
                self.push(
                    loc,
                    Severity::Error,
                    format!("experiment `{}`: {err}", e.algo),
                );
            }
            if let Some(s) = &e.scale {
                if s.parse::<crate::data::scale::Scale>().is_err() {
                    self.push(loc, Severity::Error, format!("experiment: scale `{s}`: expected standard, minmax, maxabs or normalize"));
                }
            }
        }
    }

    /// A lab preset: its parameters, and a dataset only if the lab takes
    /// one (and that one).
    fn check_lab(&mut self, e: &crate::content::ExperimentRef, given: &[(String, String)]) {
        let loc = self.at(&format!("algo: {}", e.algo));
        let Some(registered) = crate::registry::lookup(&e.algo) else {
            return;
        };
        let lab = match registered.prepare(given) {
            Ok((_, crate::registry::Prepared::Lab(lab))) => lab,
            Ok(_) => return,
            Err(err) => {
                self.push(
                    loc,
                    Severity::Error,
                    format!("experiment `{}`: {err}", e.algo),
                );
                return;
            }
        };
        if let Some(s) = &e.scale {
            self.push(
                loc,
                Severity::Error,
                format!("experiment `{}`: a lab takes no scale (got `{s}`)", e.algo),
            );
        }
        if e.dataset.is_empty() {
            return;
        }
        let accepted = lab.datasets();
        let loc = self.at(&format!("dataset: {}", e.dataset));
        if accepted.is_empty() {
            self.push(
                loc,
                Severity::Error,
                format!(
                    "experiment `{}`: this lab makes its own data and takes no dataset (got `{}`)",
                    e.algo, e.dataset
                ),
            );
        } else if !accepted.contains(&e.dataset.as_str()) {
            self.push(
                loc,
                Severity::Error,
                format!(
                    "experiment `{}`: dataset `{}` is not one this lab runs on ({})",
                    e.algo,
                    e.dataset,
                    accepted.join(", ")
                ),
            );
        }
    }

    /// The file (line, col) of the end of `before`, a prefix of the value
    /// whose key is at `key_at`: a block scalar (`|`, `>`) starts on the line
    /// after its key, at the block's indentation; a quoted or plain value on
    /// the key's line, after the key (columns past its first line are
    /// approximate: quoting and folding move text).
    fn value_position(&self, key_at: (usize, usize), before: &str) -> (usize, usize) {
        let lines = self.lines;
        let rel = before.matches('\n').count();
        let rel_col = before.rsplit('\n').next().map_or(0, |s| s.chars().count());
        let indent = |l: &str| l.chars().take_while(|c| *c == ' ').count();
        let key_line: Vec<char> = lines
            .get(key_at.0.saturating_sub(1))
            .map_or(Vec::new(), |l| l.chars().collect());
        let colon = key_line
            .iter()
            .skip(key_at.1.saturating_sub(1))
            .position(|&c| c == ':')
            .map_or(key_line.len(), |p| key_at.1 - 1 + p);
        let after: String = key_line.iter().skip(colon + 1).collect();
        let value = after.trim_start();
        if value.is_empty() || value.starts_with(['|', '>']) {
            let line = key_at.0 + 1 + rel;
            let block_indent = lines
                .iter()
                .skip(key_at.0)
                .find(|l| !l.trim().is_empty())
                .map_or(0, |l| indent(l));
            return (line, block_indent + rel_col + 1);
        }
        if rel > 0 {
            let line = key_at.0 + rel;
            let ind = lines.get(line - 1).map_or(0, |l| indent(l));
            return (line, ind + rel_col + 1);
        }
        let quote = usize::from(value.starts_with(['\'', '"']));
        let value_col = colon + 1 + (after.chars().count() - value.chars().count()) + quote;
        (key_at.0, value_col + rel_col + 1)
    }

    /// Check the math of a prose value whose key is at `key_at`.
    fn check_math(&mut self, field: &str, text: &str, key_at: (usize, usize)) {
        match mathtext::math_fragments(text) {
            Err(offset) => {
                let loc = self.value_position(key_at, &text[..offset]);
                self.push(
                    loc,
                    Severity::Error,
                    format!("{field}: `$` opens math that is never closed"),
                );
            }
            Ok(frags) => {
                for frag in frags {
                    self.check_tex(field, frag, key_at);
                }
            }
        }
    }

    /// Check one piece of TeX; a problem is located at the TeX's first
    /// line, searched from `from`.
    fn check_tex(&mut self, what: &str, tex: &str, from: (usize, usize)) {
        let r = mathtext::render(tex);
        if r.unknown.is_empty() && r.problems.is_empty() {
            return;
        }
        let first_line = tex.lines().next().unwrap_or(tex);
        let loc = self
            .find(from, first_line.trim())
            .unwrap_or_else(|| self.at(first_line.trim()));
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

/// One past the last line of the topic whose `id:` key is on `line`: the
/// first later line indented less than the topic's keys (the next `- id:`
/// of a topic, or a top-level key). Card ids, deeper, stay inside.
/// 1-based (line, col) of the first `needle` on lines `from..to`.
fn locate(lines: &[&str], from: usize, to: usize, needle: &str) -> Option<(usize, usize)> {
    lines
        .iter()
        .enumerate()
        .skip(from.saturating_sub(1))
        .take(to.saturating_sub(from))
        .find_map(|(i, line)| {
            line.find(needle)
                .map(|b| (i + 1, line[..b].chars().count() + 1))
        })
}

fn topic_end(lines: &[&str], line: usize) -> usize {
    let Some(id_line) = lines.get(line.saturating_sub(1)) else {
        return lines.len() + 1;
    };
    let key_indent = id_line.find("id:").unwrap_or(0);
    lines
        .iter()
        .enumerate()
        .skip(line)
        .find(|(_, l)| {
            let t = l.trim_start();
            !t.is_empty() && !t.starts_with('#') && l.len() - t.len() < key_indent
        })
        .map_or(lines.len() + 1, |(i, _)| i + 1)
}

/// 1-based (line, col), col in characters, of the first `needle` at or after
/// `from` and before line `end`. With `as_key`, only where a YAML key can
/// start: after indentation, `- `, `{` or `, `.
fn find_from(
    lines: &[&str],
    from: (usize, usize),
    end: usize,
    needle: &str,
    as_key: bool,
) -> Option<(usize, usize)> {
    for (i, line) in lines
        .iter()
        .enumerate()
        .skip(from.0.saturating_sub(1))
        .take(end.saturating_sub(from.0))
    {
        let skip_chars = if i + 1 == from.0 {
            from.1.saturating_sub(1)
        } else {
            0
        };
        let start = line
            .char_indices()
            .nth(skip_chars)
            .map_or(line.len(), |(b, _)| b);
        let mut pos = start;
        while let Some(off) = line[pos..].find(needle) {
            let b = pos + off;
            let ok = !as_key || {
                let before = line[..b].trim_end();
                before.is_empty()
                    || before.ends_with(['{', ',', '-']) && line[..b].ends_with([' ', '{'])
            };
            if ok {
                return Some((i + 1, line[..b].chars().count() + 1));
            }
            pos = b + needle.len();
        }
    }
    None
}

/// The (line, col) of each item of the YAML list whose key is at `key_at`:
/// a flow list `[a, 'b', {en: c, zh: d}]` on the key's line, or block items
/// `- ...` on the following lines. Empty when neither shape is found.
fn list_items(lines: &[&str], key_at: (usize, usize), end: usize) -> Vec<(usize, usize)> {
    let Some(key_line) = lines.get(key_at.0.saturating_sub(1)) else {
        return Vec::new();
    };
    let chars: Vec<char> = key_line.chars().collect();
    let after: usize = key_at.1.saturating_sub(1);
    let Some(colon) = chars.iter().skip(after).position(|&c| c == ':') else {
        return Vec::new();
    };
    let mut i = after + colon + 1;
    while chars.get(i) == Some(&' ') {
        i += 1;
    }
    let mut out = Vec::new();
    if chars.get(i) == Some(&'[') {
        // A flow list on one line: scan items, skipping quoted text and maps.
        i += 1;
        loop {
            while chars.get(i) == Some(&' ') {
                i += 1;
            }
            match chars.get(i) {
                None | Some(']') => break,
                Some(_) => out.push((key_at.0, i + 1)),
            }
            let mut depth = 0usize;
            while let Some(&c) = chars.get(i) {
                match c {
                    '\'' => {
                        i += 1;
                        while let Some(&q) = chars.get(i) {
                            i += 1;
                            if q == '\'' {
                                if chars.get(i) == Some(&'\'') {
                                    i += 1;
                                } else {
                                    break;
                                }
                            }
                        }
                        continue;
                    }
                    '"' => {
                        i += 1;
                        while let Some(&q) = chars.get(i) {
                            i += 1;
                            if q == '\\' {
                                i += 1;
                            } else if q == '"' {
                                break;
                            }
                        }
                        continue;
                    }
                    '{' | '[' => depth += 1,
                    '}' => depth = depth.saturating_sub(1),
                    ']' if depth == 0 => break,
                    ']' => depth -= 1,
                    ',' if depth == 0 => {
                        i += 1;
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        return out;
    }
    if chars.get(i).is_some() {
        return out;
    }
    // Block items: `- ` at the indentation of the first one.
    let mut indent = None;
    for (n, line) in lines
        .iter()
        .enumerate()
        .take(end.saturating_sub(1))
        .skip(key_at.0)
    {
        let ind = line.len() - line.trim_start().len();
        if line.trim().is_empty() {
            continue;
        }
        let item = line.trim_start().starts_with("- ") || line.trim() == "-";
        match indent {
            None if item => indent = Some(ind),
            None => break,
            Some(d) if ind < d || ind == d && !item => break,
            _ => {}
        }
        if item && Some(ind) == indent {
            out.push((n + 1, line[..ind].chars().count() + 3));
        }
    }
    out
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
    fn words_outside_math() {
        for w in [
            "the same",
            "Entropy",
            "log-probabilities",
            "$x$ is large",
            "month",
            "Group",
        ] {
            assert!(has_words(w), "{w}");
        }
        for n in [
            "$\\sigma(z)(1-\\sigma(z))$",
            "0.5",
            "p",
            "KL",
            "BERT",
            "[SEP]",
            "sqrt(p)",
            "log K",
            "alpha|V|",
            "O(n^2)",
            "$$ \\frac{a}{b} $$",
            "熵越大，不确定性越大",
            "",
        ] {
            assert!(!has_words(n), "{n}");
        }
        assert!(has_han("熵"));
        assert!(
            !has_han("（）：，。"),
            "full-width punctuation is not Chinese text"
        );
    }

    #[test]
    fn an_unclosed_dollar_is_located_in_the_file() {
        let text = "format: 2\ntopics:\n  - id: a\n    title: {zh: 甲, en: A}\n    body:\n      en: |\n        First line.\n        Costs $5.\n      zh: '第一行，花了 $5。'\n    interview: {en: '- q', zh: '- 问'}\n";
        let (topics, problems) = super::super::load::parse_file("x.yaml", text);
        assert!(problems.is_empty(), "{problems:?}");
        let lib = super::super::Library::build(topics, &mut Vec::new());
        let mut out = Vec::new();
        check_topics(&lib, &HashMap::from([("x.yaml", text)]), &mut out);
        let at: Vec<(usize, usize, &str)> = out
            .iter()
            .filter(|p| p.message.contains("never closed"))
            .map(|p| (p.line, p.col, p.message.as_str()))
            .collect();
        assert_eq!(
            at,
            vec![
                (
                    8,
                    15,
                    "topic `a`: body (en): `$` opens math that is never closed"
                ),
                (
                    9,
                    19,
                    "topic `a`: body (zh): `$` opens math that is never closed"
                ),
            ]
        );
        assert_eq!(&text.lines().nth(7).expect("line")[14..15], "$");
        assert_eq!(
            text.lines().nth(8).expect("line").chars().nth(18),
            Some('$')
        );
    }

    #[test]
    fn follow_ups_need_both_languages_and_no_blank() {
        let text = "format: 2\ntopics:\n  - id: a\n    title: {zh: 甲, en: A}\n    body: {en: 'Some words here.', zh: '一些文字。'}\n    interview: {en: '- q', zh: '- 问'}\n    cards:\n      - id: c\n        kind: open\n        prompt: {en: 'Why?', zh: '为什么？'}\n        answer: {en: 'Because.', zh: '因为。'}\n        follow_ups:\n          - prompt: {en: 'And then?', zh: '然后呢？'}\n            answer: {en: 'Then this.', zh: '然后是这样。'}\n          - prompt: 'Only English here'\n            answer: {en: ' ', zh: ' '}\n";
        let (topics, problems) = super::super::load::parse_file("x.yaml", text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(topics[0].cards[0].follow_ups.len(), 2);
        let lib = super::super::Library::build(topics, &mut Vec::new());
        let mut out = Vec::new();
        check_topics(&lib, &HashMap::from([("x.yaml", text)]), &mut out);
        let msgs: Vec<(usize, &str)> = out
            .iter()
            .filter(|p| p.message.contains("follow-up"))
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(
            msgs,
            vec![
                (
                    15,
                    "topic `a`: card `c`: follow-up 2 question needs both languages (`en:` and `zh:`)"
                ),
                (15, "topic `a`: card `c`: follow-up 2 answer is empty"),
            ]
        );
    }

    #[test]
    fn a_topic_block_ends_at_the_next_topic_not_at_a_card() {
        let text = "topics:\n  - id: a\n    cards:\n      - id: c\n        prompt: p\n\n  - id: b\n    body: x\n";
        let text: Vec<&str> = text.lines().collect();
        let text = text.as_slice();
        assert_eq!(topic_end(text, 2), 7);
        assert_eq!(topic_end(text, 7), 9);
    }

    #[test]
    fn keys_and_list_items_are_located() {
        let text = "a:\n  prompt: {en: 'then: x', zh: '甲'}\n  options: ['a, b', \"c\", {en: d, zh: 乙}, 3]\n  steps:\n    - math: x\n      why: y\n    - math: z\n      why: w\nb:\n  options:\n    - one\n    - en: two\n      zh: 二\n    - three\n  next: 1\n";
        let text: Vec<&str> = text.lines().collect();
        let text = text.as_slice();
        assert_eq!(find_from(text, (1, 1), 20, "en:", true), Some((2, 12)));
        assert_eq!(find_from(text, (1, 1), 20, "zh:", true), Some((2, 27)));
        assert_eq!(find_from(text, (2, 13), 20, "en:", true), Some((3, 27)));
        assert_eq!(
            list_items(text, (3, 3), 20),
            vec![(3, 13), (3, 21), (3, 26), (3, 42)]
        );
        assert_eq!(
            list_items(text, (10, 3), 20),
            vec![(11, 7), (12, 7), (14, 7)]
        );
        assert!(list_items(text, (2, 3), 20).is_empty(), "not a list");
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

/// The first word of `s` outside `$…$` that is TeX: a sub- or superscript
/// (`d_k`, `y_{T+1}`, `x^2`) or a command (`\alpha`).
fn raw_tex(s: &str) -> Option<String> {
    crate::mathtext::split_inline(s)
        .into_iter()
        .filter(|(math, _)| !math)
        .flat_map(|(_, text)| {
            text.split(|c: char| c.is_whitespace() || "（）(),，;；:：".contains(c))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .find(|w| {
            let b = w.as_bytes();
            let script = b.windows(2).any(|p| {
                (p[0] == b'_' || p[0] == b'^') && (p[1].is_ascii_alphanumeric() || p[1] == b'{')
            });
            let command = w.starts_with('\\') && w.len() > 1;
            script || command
        })
}

#[cfg(test)]
mod raw_tex_tests {
    use super::raw_tex;

    #[test]
    fn raw_tex_outside_dollars_is_found() {
        assert_eq!(raw_tex("Parameter count (d_k = d_v)"), Some("d_k".into()));
        assert_eq!(
            raw_tex("path score (y_{T+1} = END)"),
            Some("y_{T+1}".into())
        );
        assert_eq!(raw_tex("Parameter count ($d_k = d_v$)"), None);
        assert_eq!(
            raw_tex("snake_case is fine? no: e_x"),
            Some("snake_case".into())
        );
        assert_eq!(raw_tex("plain words"), None);
    }
}
