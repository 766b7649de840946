//! The interview drills on derivation cards, terminal-free (the TUI and
//! the CLI both call these):
//!
//! - **spot the error**: one authored fault replaces its step; the learner
//!   names the wrong step and the kind of error ([`grade_spot`]);
//! - **fill the gap**: one or two steps with `gaps:` metadata are hidden;
//!   the typed expression is compared numerically ([`check_gap`]);
//! - **derive on your own**: the learner writes lines, each checked against
//!   the chain of checkable steps ([`check_derivation`], rule below);
//! - **mock interview**: a planned mix of cards ([`plan_mock`]) scored per
//!   topic ([`score_topics`]) and kept in the progress file
//!   ([`InterviewRecord`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::content::{Card, CardKind, ErrorKind, Gap, Text};
use crate::mathexpr::{self, Verdict};

use super::store::Progress;
use super::DeckCard;

/// Points sampled per comparison, and the seed of the sampler: the same
/// typed answer always gets the same verdict.
pub const POINTS: usize = 25;
pub const SEED: u64 = 11;

/// The drills (and the classic reveal quiz) a session can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Spot,
    Gap,
    Derive,
    Mock,
}

impl Mode {
    pub fn parse(s: &str) -> Result<Mode, String> {
        match s.trim().to_lowercase().as_str() {
            "spot" => Ok(Mode::Spot),
            "gap" => Ok(Mode::Gap),
            "derive" => Ok(Mode::Derive),
            "mock" => Ok(Mode::Mock),
            o => Err(format!("--mode `{o}`: expected spot, gap, derive or mock")),
        }
    }

    /// Can `card` be drilled this way?
    pub fn fits(self, card: &Card) -> bool {
        match self {
            Mode::Spot => card.kind == CardKind::Derivation && !card.faults.is_empty(),
            Mode::Gap | Mode::Derive => card.kind == CardKind::Derivation && !card.gaps.is_empty(),
            Mode::Mock => true,
        }
    }
}

// ---------------------------------------------------------------- spot

/// Which of the card's faults a session shows: the `seed`-th, cycling.
pub fn pick_fault(card: &Card, seed: u64) -> Option<usize> {
    let n = card.faults.len();
    (n > 0).then(|| (seed % n as u64) as usize)
}

/// The steps' math as shown with fault `fault` substituted.
pub fn spot_steps(card: &Card, fault: usize) -> Vec<&str> {
    let f = card.faults.get(fault);
    card.steps
        .iter()
        .enumerate()
        .map(|(i, s)| match f {
            Some(f) if f.step == i => f.math.as_str(),
            _ => s.math.as_str(),
        })
        .collect()
}

/// An error kind by its name (`sign`, `dropped-term`) or its 1-based number
/// in [`ErrorKind::ALL`].
pub fn parse_kind(s: &str) -> Result<ErrorKind, String> {
    let t = s.trim().to_lowercase().replace('_', "-");
    if let Ok(n) = t.parse::<usize>() {
        if (1..=ErrorKind::ALL.len()).contains(&n) {
            return Ok(ErrorKind::ALL[n - 1]);
        }
    }
    ErrorKind::ALL
        .into_iter()
        .find(|k| kind_name(*k) == t)
        .ok_or_else(|| {
            let names: Vec<&str> = ErrorKind::ALL.into_iter().map(kind_name).collect();
            format!(
                "error kind `{s}`: expected one of {} (or its number 1-{})",
                names.join(", "),
                ErrorKind::ALL.len()
            )
        })
}

/// The kebab-case name of a kind, as in the YAML.
pub fn kind_name(k: ErrorKind) -> &'static str {
    match k {
        ErrorKind::Sign => "sign",
        ErrorKind::Index => "index",
        ErrorKind::Distribution => "distribution",
        ErrorKind::Jacobian => "jacobian",
        ErrorKind::Transpose => "transpose",
        ErrorKind::DroppedTerm => "dropped-term",
        ErrorKind::WrongRule => "wrong-rule",
        ErrorKind::WrongConstant => "wrong-constant",
        ErrorKind::InequalityDirection => "inequality-direction",
    }
}

/// The grading of one spot-the-error answer.
#[derive(Debug, Clone, Serialize)]
pub struct SpotResult {
    pub card: String,
    /// 1-based, as shown.
    pub picked_step: usize,
    pub picked_kind: ErrorKind,
    pub wrong_step: usize,
    pub error: ErrorKind,
    pub step_correct: bool,
    pub kind_correct: bool,
    /// The faulty math shown and the right one.
    pub shown: String,
    pub correct: String,
    /// The authored explanation.
    pub why: Text,
    /// Suggested grade: 3 both right, 2 the step only, 1 the step missed.
    pub grade: u8,
}

/// Grade a pick of step `picked` (1-based) and kind for fault `fault`.
pub fn grade_spot(
    card: &Card,
    fault: usize,
    picked: usize,
    kind: ErrorKind,
) -> Result<SpotResult, String> {
    let f = card
        .faults
        .get(fault)
        .ok_or_else(|| format!("card `{}` has no fault {}", card.id, fault + 1))?;
    if picked == 0 || picked > card.steps.len() {
        return Err(format!(
            "step {picked}: the derivation has steps 1-{}",
            card.steps.len()
        ));
    }
    let step_correct = picked == f.step + 1;
    let kind_correct = step_correct && kind == f.error;
    Ok(SpotResult {
        card: card.id.clone(),
        picked_step: picked,
        picked_kind: kind,
        wrong_step: f.step + 1,
        error: f.error,
        step_correct,
        kind_correct,
        shown: f.math.clone(),
        correct: card.steps[f.step].math.clone(),
        why: f.why.clone(),
        grade: match (step_correct, kind_correct) {
            (true, true) => 3,
            (true, false) => 2,
            _ => 1,
        },
    })
}

// ---------------------------------------------------------------- gap

/// The gaps (indices into `card.gaps`) a session hides: all of them when
/// there are one or two, else two drawn by `seed`, in step order.
pub fn hidden_gaps(card: &Card, seed: u64) -> Vec<usize> {
    let n = card.gaps.len();
    let mut v: Vec<usize> = if n <= 2 {
        (0..n).collect()
    } else {
        let a = (seed % n as u64) as usize;
        let b = (a + 1 + (seed / n as u64) as usize % (n - 1)) % n;
        vec![a, b]
    };
    v.sort_by_key(|&g| card.gaps[g].step);
    v
}

/// The variable ranges of a gap as the checker takes them.
pub fn ranges(g: &Gap) -> BTreeMap<String, (f64, f64)> {
    g.vars
        .iter()
        .map(|(k, r)| (k.clone(), (r.0[0], r.0[1])))
        .collect()
}

/// Live preview of typed input: LaTeX rendered to Unicode; plain input
/// too (`x^2`, `w_j`, Greek names such as `sigma` become symbols).
pub fn preview(typed: &str) -> String {
    if typed.contains('\\') {
        return crate::mathtext::to_unicode(typed);
    }
    const GREEK: &[&str] = &[
        "epsilon", "lambda", "alpha", "gamma", "delta", "theta", "omega", "sigma", "beta", "eta",
        "rho", "tau", "phi", "psi", "mu", "nu", "pi",
    ];
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if GREEK.contains(&word.as_str()) {
            out.push('\\');
        }
        out.push_str(word);
        word.clear();
    };
    for c in typed.chars() {
        if c.is_ascii_alphabetic() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    crate::mathtext::to_unicode(&out.replace('*', "\\cdot "))
}

/// The verdict on one typed gap.
#[derive(Debug, Clone, Serialize)]
pub struct GapResult {
    /// 1-based step.
    pub step: usize,
    pub expected: String,
    pub expected_unicode: String,
    pub given: String,
    pub given_unicode: String,
    pub equivalent: bool,
    /// "equivalent", or where they differ, or why the input was not read.
    pub message: String,
    /// Where they differ: the variables, the expected and the typed value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<Counterexample>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Counterexample {
    pub at: BTreeMap<String, f64>,
    pub expected: f64,
    pub got: f64,
}

fn show_point(at: &BTreeMap<String, f64>) -> String {
    at.iter()
        .map(|(k, v)| format!("{k}={v:.3}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compare `typed` with gap `g` over its declared ranges.
pub fn check_gap(g: &Gap, typed: &str) -> GapResult {
    let verdict = match mathexpr::parse(&g.expr) {
        Ok(e) => mathexpr::equivalent(&e, typed, &ranges(g), POINTS, SEED),
        Err(e) => Verdict::Unreadable(e),
    };
    let mut counterexample = None;
    let (equivalent, message) = match verdict {
        Verdict::Equivalent => (true, "equivalent".to_string()),
        Verdict::Differs { at, expected, got } => {
            let m = format!(
                "not equivalent at {}: expected {expected:.4}, yours {got:.4}",
                show_point(&at)
            );
            counterexample = Some(Counterexample { at, expected, got });
            (false, m)
        }
        Verdict::UnknownVariable { name, known } => (
            false,
            format!(
                "`{name}` is not a variable of this step (it has {})",
                known.join(", ")
            ),
        ),
        Verdict::Unreadable(e) => (false, format!("cannot read it: {e}")),
        Verdict::Undecided => (
            false,
            "could not be evaluated at any point of the ranges".to_string(),
        ),
    };
    GapResult {
        step: g.step + 1,
        expected: g.expr.clone(),
        expected_unicode: preview(&g.expr),
        given: typed.to_string(),
        given_unicode: preview(typed),
        equivalent,
        message,
        counterexample,
    }
}

/// Suggested grade of a gap drill: 3 all right, 2 some, 1 none.
pub fn gap_grade(results: &[GapResult]) -> u8 {
    let ok = results.iter().filter(|r| r.equivalent).count();
    if ok == results.len() && ok > 0 {
        3
    } else if ok > 0 {
        2
    } else {
        1
    }
}

// ---------------------------------------------------------------- derive

/// What one written line was found to be.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum LineStatus {
    /// Equal to the expression of model step `step` (1-based).
    Matches { step: usize },
    /// Equal to a step already reached (allowed, not progress).
    Repeats { step: usize },
    /// Blank, or a comment (`#` ...): not checked.
    Note,
    /// The first line that matches no later step of the chain.
    DoesNotFollow { reason: String },
    /// After the first wrong line: not checked.
    Unchecked,
}

#[derive(Debug, Clone, Serialize)]
pub struct LineVerdict {
    /// 1-based line number.
    pub line: usize,
    pub text: String,
    #[serde(flatten)]
    pub status: LineStatus,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeriveReport {
    pub card: String,
    pub lines: Vec<LineVerdict>,
    /// The model steps that can be checked (1-based), in order; the last is
    /// the goal.
    pub checkable: Vec<usize>,
    /// The checkable steps the lines reached.
    pub matched: Vec<usize>,
    pub reached_goal: bool,
    pub hints: usize,
    /// Suggested grade: goal reached 3, less one per hint (at least 1);
    /// goal not reached 1.
    pub grade: u8,
}

/// The chain a derivation is checked against: the card's gaps in step
/// order (each step with `gaps:` metadata has a machine-checkable
/// expression and its variables).
pub fn chain(card: &Card) -> Vec<&Gap> {
    let mut v: Vec<&Gap> = card.gaps.iter().collect();
    v.sort_by_key(|g| g.step);
    v
}

/// The expression a line states: the text after its last `=` (so
/// `dL/dz = sigma(z) - y` states `sigma(z) - y`), or the whole line.
pub fn stated(line: &str) -> &str {
    let t = line.trim();
    match t.rfind('=') {
        Some(i) => t[i + 1..].trim(),
        None => t,
    }
}

/// Check the lines of a derivation written from scratch.
///
/// The matching rule: the model chain is [`chain`]`(card)`. A cursor starts
/// at its first step. Each line (blank lines and `#` comments are skipped)
/// states an expression ([`stated`]); it *matches* the earliest chain step
/// at or after the cursor whose expression it equals numerically over that
/// step's variable ranges (skipping ahead is allowed: an interviewer does
/// not insist on every intermediate line), and the cursor moves past it. A
/// line equal to a step already passed *repeats* it. Any other line is
/// where the derivation goes wrong: "this does not follow from the previous
/// line", and the lines after it are not checked. The goal is the last
/// chain step; `hints` is how many next steps were revealed.
pub fn check_derivation(card: &Card, lines: &[&str], hints: usize) -> DeriveReport {
    let chain = chain(card);
    let mut cursor = 0;
    let mut matched = Vec::new();
    let mut out = Vec::new();
    let mut wrong = false;
    for (n, raw) in lines.iter().enumerate() {
        let text = raw.trim();
        let status = if wrong {
            LineStatus::Unchecked
        } else if text.is_empty() || text.starts_with('#') {
            LineStatus::Note
        } else {
            let expr = stated(text);
            let same = |g: &Gap| match mathexpr::parse(&g.expr) {
                Ok(e) => matches!(
                    mathexpr::equivalent(&e, expr, &ranges(g), POINTS, SEED),
                    Verdict::Equivalent
                ),
                Err(_) => false,
            };
            if let Some(j) = (cursor..chain.len()).find(|&j| same(chain[j])) {
                cursor = j + 1;
                matched.push(chain[j].step + 1);
                LineStatus::Matches {
                    step: chain[j].step + 1,
                }
            } else if let Some(j) = (0..cursor).rev().find(|&j| same(chain[j])) {
                LineStatus::Repeats {
                    step: chain[j].step + 1,
                }
            } else {
                wrong = true;
                LineStatus::DoesNotFollow {
                    reason: why_not(chain.get(cursor).copied(), expr),
                }
            }
        };
        out.push(LineVerdict {
            line: n + 1,
            text: text.to_string(),
            status,
        });
    }
    let reached_goal = !chain.is_empty() && cursor == chain.len();
    let grade = if reached_goal {
        3u8.saturating_sub(hints.min(2) as u8).max(1)
    } else {
        1
    };
    DeriveReport {
        card: card.id.clone(),
        lines: out,
        checkable: chain.iter().map(|g| g.step + 1).collect(),
        matched,
        reached_goal,
        hints,
        grade,
    }
}

/// Why a line does not follow, measured against the next step expected.
fn why_not(next: Option<&Gap>, expr: &str) -> String {
    const BASE: &str = "this does not follow from the previous line";
    let Some(g) = next else {
        return format!("{BASE} (the goal was already reached)");
    };
    let r = check_gap(g, expr);
    format!(
        "{BASE}: it matches no step from step {} on (against step {}: {})",
        g.step + 1,
        g.step + 1,
        r.message
    )
}

/// The next hint: the first checkable step not reached yet, as (1-based
/// step, its math).
pub fn hint(card: &Card, report: &DeriveReport) -> Option<(usize, String)> {
    chain(card)
        .into_iter()
        .find(|g| !report.matched.contains(&(g.step + 1)))
        .map(|g| (g.step + 1, card.steps[g.step].math.clone()))
}

// ---------------------------------------------------------------- mock

/// How a card is asked in a mock interview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Drill {
    Spot,
    Gap,
    /// The card as the ordinary quiz asks it.
    Card,
}

#[derive(Debug, Clone, Serialize)]
pub struct MockItem {
    pub topic: String,
    pub card: String,
    pub drill: Drill,
    /// Why it was picked: `due`, `new` or `later`.
    pub why: &'static str,
    pub follow_ups: usize,
}

/// Questions in a mock interview, and its length.
pub const MOCK_QUESTIONS: usize = 8;
pub const MOCK_MINUTES: i64 = 20;

/// Plan a mock interview over `cards` (deck order): rank every card by
/// FSRS due-ness (overdue first, the longest overdue first; then new cards;
/// then the rest, the soonest due first), then take the ranked cards round
/// robin over topics (each topic's best card in rank order, then each
/// topic's second, ...), so `n` questions spread over as many topics as
/// possible; topics tied in rank (say, all new) come in an order drawn
/// from `seed`, so a whole-map interview does not always start with the
/// first section. Derivations are drilled: spot the error where they have
/// faults, fill the gap where they have only gaps (both: alternating).
pub fn plan_mock(
    cards: &[DeckCard<'_>],
    progress: &Progress,
    now: DateTime<Utc>,
    n: usize,
    seed: u64,
) -> Vec<MockItem> {
    // (class, key): class 0 due, 1 new, 2 later; key orders within it.
    let rank = |c: &DeckCard<'_>| -> (u8, i64) {
        match progress.cards.get(&c.card.id) {
            Some(p) if p.fsrs.due <= now => (0, p.fsrs.due.timestamp()),
            None => (1, 0),
            Some(p) => (2, p.fsrs.due.timestamp()),
        }
    };
    let mut ranked: Vec<(usize, &DeckCard<'_>)> = cards.iter().enumerate().collect();
    let shuffle = |t: &str| {
        // FNV-1a of the topic id, mixed with the seed.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for b in t.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h
    };
    ranked.sort_by_key(|(i, c)| (rank(c).0, rank(c).1, shuffle(c.topic), *i));
    let mut by_topic: Vec<(&str, Vec<&DeckCard<'_>>)> = Vec::new();
    for (_, c) in &ranked {
        match by_topic.iter_mut().find(|(t, _)| *t == c.topic) {
            Some((_, v)) => v.push(c),
            None => by_topic.push((c.topic, vec![c])),
        }
    }
    let mut out = Vec::new();
    let mut round = 0;
    while out.len() < n {
        let mut any = false;
        for (_, v) in &by_topic {
            if let Some(c) = v.get(round) {
                any = true;
                if out.len() < n {
                    let card = c.card;
                    let drill = match (card.faults.is_empty(), card.gaps.is_empty()) {
                        (false, false) if out.len() % 2 == 1 => Drill::Gap,
                        (false, _) => Drill::Spot,
                        (true, false) => Drill::Gap,
                        (true, true) => Drill::Card,
                    };
                    out.push(MockItem {
                        topic: c.topic.to_string(),
                        card: card.id.clone(),
                        drill,
                        why: ["due", "new", "later"][usize::from(rank(c).0)],
                        follow_ups: card.follow_ups.len(),
                    });
                }
            }
        }
        if !any {
            break;
        }
        round += 1;
    }
    out
}

/// One answer in a mock interview: a card's grade (1-4) or a follow-up
/// (self-graded: 3 got it, 1 missed it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub topic: String,
    pub card: String,
    /// `None` for the card itself, `Some(i)` for its i-th follow-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<usize>,
    pub grade: u8,
}

/// A topic's score in a session: the mean of `(grade - 1) / 3` over its
/// answers (again 0, hard ⅓, good ⅔, easy 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicScore {
    pub topic: String,
    pub answers: usize,
    pub score: f64,
}

/// Scores per topic, the weakest first (ties: topic id).
pub fn score_topics(answers: &[Answer]) -> Vec<TopicScore> {
    let mut acc: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    for a in answers {
        let e = acc.entry(a.topic.as_str()).or_insert((0, 0.0));
        e.0 += 1;
        e.1 += f64::from(a.grade.clamp(1, 4) - 1) / 3.0;
    }
    let mut v: Vec<TopicScore> = acc
        .into_iter()
        .map(|(t, (n, s))| TopicScore {
            topic: t.to_string(),
            answers: n,
            score: s / n as f64,
        })
        .collect();
    v.sort_by(|a, b| a.score.total_cmp(&b.score).then(a.topic.cmp(&b.topic)));
    v
}

/// Topics scoring below this are "weak" (highlighted).
pub const WEAK_SCORE: f64 = 0.5;

/// A finished (or ended) mock interview, as kept in the progress file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterviewRecord {
    pub started: DateTime<Utc>,
    pub seconds: i64,
    /// The topic whose subtree was asked, or `None` for the whole map.
    #[serde(default)]
    pub scope: Option<String>,
    pub answers: Vec<Answer>,
    pub topics: Vec<TopicScore>,
}

/// The weak topics of the latest interview in `progress` (below
/// [`WEAK_SCORE`]), for a mark in the tree.
pub fn weak_topics(progress: &Progress) -> Vec<String> {
    progress
        .interviews
        .last()
        .map(|r| {
            r.topics
                .iter()
                .filter(|t| t.score < WEAK_SCORE)
                .map(|t| t.topic.clone())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{Fault, Step, VarRange};

    fn card() -> Card {
        let step = |m: &str| Step {
            math: m.into(),
            why: "w".into(),
        };
        Card {
            id: "c".into(),
            kind: CardKind::Derivation,
            prompt: "derive".into(),
            steps: vec![
                step("a"),
                step("\\sigma^{\\prime}(z)"),
                step("b"),
                step("p - y"),
            ],
            answer: None,
            alternatives: Vec::new(),
            options: Vec::new(),
            correct: None,
            generator: None,
            explanation: None,
            faults: vec![Fault {
                step: 1,
                math: "-\\sigma(z)".into(),
                error: ErrorKind::Sign,
                why: "sign".into(),
            }],
            gaps: vec![
                Gap {
                    step: 3,
                    show: "x".into(),
                    expr: "sigma(z) - y".into(),
                    vars: [
                        ("z".into(), VarRange([-3.0, 3.0])),
                        ("y".into(), VarRange([0.0, 1.0])),
                    ]
                    .into(),
                },
                Gap {
                    step: 1,
                    show: "x".into(),
                    expr: "sigma(z)(1 - sigma(z))".into(),
                    vars: [("z".into(), VarRange([-3.0, 3.0]))].into(),
                },
            ],
            follow_ups: Vec::new(),
        }
    }

    #[test]
    fn spot_grades_step_then_kind() {
        let c = card();
        assert_eq!(spot_steps(&c, 0)[1], "-\\sigma(z)");
        assert_eq!(spot_steps(&c, 0)[0], "a");
        let r = grade_spot(&c, 0, 2, ErrorKind::Sign).expect("ok");
        assert!(r.step_correct && r.kind_correct && r.grade == 3);
        let r = grade_spot(&c, 0, 2, ErrorKind::Index).expect("ok");
        assert!(r.step_correct && !r.kind_correct && r.grade == 2);
        let r = grade_spot(&c, 0, 3, ErrorKind::Sign).expect("ok");
        assert!(!r.step_correct && !r.kind_correct && r.grade == 1);
        assert!(grade_spot(&c, 0, 9, ErrorKind::Sign).is_err());
        assert!(grade_spot(&c, 4, 1, ErrorKind::Sign).is_err());
        assert_eq!(parse_kind("dropped_term"), Ok(ErrorKind::DroppedTerm));
        assert_eq!(parse_kind("1"), Ok(ErrorKind::Sign));
        assert!(parse_kind("10").is_err() && parse_kind("nope").is_err());
        for k in ErrorKind::ALL {
            assert_eq!(parse_kind(kind_name(k)), Ok(k));
        }
    }

    #[test]
    fn gaps_are_checked_numerically_with_a_counterexample() {
        let c = card();
        let g = &c.gaps[1];
        assert!(check_gap(g, "sigma(z) - sigma(z)^2").equivalent);
        assert!(check_gap(g, "\\sigma(z)\\left(1-\\sigma(z)\\right)").equivalent);
        let r = check_gap(g, "sigma(z)");
        assert!(!r.equivalent);
        assert!(
            r.message.starts_with("not equivalent at z="),
            "{}",
            r.message
        );
        assert!(r.counterexample.is_some());
        assert!(check_gap(g, "sigma(w)").message.contains("not a variable"));
        assert!(check_gap(g, "sigma(").message.starts_with("cannot read"));
        assert_eq!(hidden_gaps(&c, 0), vec![1, 0], "in step order");
        assert_eq!(preview("sigma(z)^2 * x_1"), "σ(z)² · x₁");
        assert_eq!(
            preview("\\frac{a}{b}"),
            crate::mathtext::to_unicode("\\frac{a}{b}")
        );
    }

    #[test]
    fn a_derivation_is_checked_line_by_line_against_the_chain() {
        let c = card();
        let r = check_derivation(
            &c,
            &[
                "# the sigmoid's derivative",
                "s'(z) = sigma(z)(1 - sigma(z))",
                "= sigma(z) - sigma(z)^2",
                "",
                "dL/dz = sigma(z) - y",
            ],
            0,
        );
        let s: Vec<&LineStatus> = r.lines.iter().map(|l| &l.status).collect();
        assert_eq!(s[0], &LineStatus::Note);
        assert_eq!(s[1], &LineStatus::Matches { step: 2 });
        assert_eq!(s[2], &LineStatus::Repeats { step: 2 });
        assert_eq!(s[4], &LineStatus::Matches { step: 4 });
        assert!(r.reached_goal && r.grade == 3);
        assert_eq!(r.checkable, vec![2, 4]);
        // A wrong line stops the check there; later lines are not judged.
        let r = check_derivation(&c, &["sigma(z)", "sigma(z) - y"], 1);
        match &r.lines[0].status {
            LineStatus::DoesNotFollow { reason } => {
                assert!(reason.starts_with("this does not follow from the previous line"))
            }
            o => panic!("{o:?}"),
        }
        assert_eq!(r.lines[1].status, LineStatus::Unchecked);
        assert!(!r.reached_goal && r.grade == 1);
        // Skipping ahead is allowed; hints cost grade.
        let r = check_derivation(&c, &["2 sigma(z) - sigma(z) - y"], 1);
        assert!(r.reached_goal && r.grade == 2, "{r:?}");
        assert_eq!(hint(&c, &r).map(|h| h.0), Some(2));
    }

    #[test]
    fn mock_plan_spreads_topics_and_puts_due_cards_first() {
        let mut a = card();
        a.id = "a1".into();
        let mut a2 = card();
        a2.id = "a2".into();
        let mut b = card();
        b.id = "b1".into();
        b.faults.clear();
        let mut c = card();
        c.id = "c1".into();
        c.kind = CardKind::Open;
        c.faults.clear();
        c.gaps.clear();
        let deck = vec![
            DeckCard {
                topic: "A",
                card: &a,
            },
            DeckCard {
                topic: "A",
                card: &a2,
            },
            DeckCard {
                topic: "B",
                card: &b,
            },
            DeckCard {
                topic: "C",
                card: &c,
            },
        ];
        let now = Utc::now();
        let mut p = Progress::default();
        p.grade("a2", 1, now - chrono::Duration::days(30))
            .expect("grade");
        p.grade("c1", 4, now).expect("grade");
        let plan = plan_mock(&deck, &p, now, 4, 0);
        let ids: Vec<&str> = plan.iter().map(|m| m.card.as_str()).collect();
        // a2 is overdue: topic A first with it; then the new cards of B;
        // C's card is scheduled later; A's second card comes last.
        assert_eq!(ids, ["a2", "b1", "c1", "a1"]);
        assert_eq!(plan[0].why, "due");
        assert_eq!(plan[1].drill, Drill::Gap);
        assert_eq!(plan[2].drill, Drill::Card);
        assert_eq!(plan_mock(&deck, &p, now, 2, 0).len(), 2);
        // The same seed, the same plan.
        let ids = |s| {
            plan_mock(&deck, &p, now, 4, s)
                .into_iter()
                .map(|m| m.card)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(5), ids(5));
        let scores = score_topics(&[
            Answer {
                topic: "A".into(),
                card: "a".into(),
                follow_up: None,
                grade: 4,
            },
            Answer {
                topic: "B".into(),
                card: "b".into(),
                follow_up: None,
                grade: 1,
            },
            Answer {
                topic: "A".into(),
                card: "a".into(),
                follow_up: Some(0),
                grade: 1,
            },
        ]);
        assert_eq!(scores[0].topic, "B");
        assert_eq!(scores[0].score, 0.0);
        assert!((scores[1].score - 0.5).abs() < 1e-12);
    }
}
