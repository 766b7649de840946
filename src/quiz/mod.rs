//! Quiz cards: the deck gathered from the topics, the numeric card
//! generators, the session queue and mastery rule (`schedule`), and the
//! progress store with FSRS grading (`store`), the interview drills
//! (`interview`: spot the error, fill the gap, derive, mock interview) and
//! the export to Markdown and Anki (`export`).

pub mod export;
pub mod generators;
pub mod interview;
pub mod schedule;
pub mod store;

use serde::Serialize;

use crate::content::{Card, CardKind, Library};

/// A card with the topic it belongs to.
#[derive(Debug, Clone, Serialize)]
pub struct DeckCard<'a> {
    pub topic: &'a str,
    #[serde(flatten)]
    pub card: &'a Card,
}

/// Every card of the library in tree order, optionally only those of one
/// topic's subtree and/or of one kind.
pub fn deck<'a>(
    lib: &'a Library,
    topic: Option<&str>,
    kind: Option<CardKind>,
) -> Result<Vec<DeckCard<'a>>, String> {
    let root = match topic {
        Some(id) => Some(
            lib.index_of(id)
                .ok_or_else(|| format!("no topic with id `{id}`"))?,
        ),
        None => None,
    };
    let mut out = Vec::new();
    for (i, _) in lib.walk() {
        if let Some(r) = root {
            if !lib.path_to(i).contains(&r) {
                continue;
            }
        }
        let t = &lib.topics[i];
        for c in &t.cards {
            if kind.is_none_or(|k| k == c.kind) {
                out.push(DeckCard {
                    topic: &t.id,
                    card: c,
                });
            }
        }
    }
    Ok(out)
}

/// Normalise a typed cloze answer for comparison: case, spacing, the
/// Unicode minus our renderer prints, and a few equivalent LaTeX spellings.
pub fn normalise_answer(s: &str) -> String {
    words(s).concat()
}

/// The answer as lower-case words: `\left`/`\right` and braces dropped,
/// `\cdot`/`\times` as `*`, U+2212 and the other dashes as `-`, and a dash
/// between two letters as a space (`log-probability` = `log probability`).
fn words(s: &str) -> Vec<String> {
    let mut t = s.trim().trim_matches('$').to_lowercase();
    for (a, b) in [
        ("\\left", ""),
        ("\\right", ""),
        ("\\cdot", "*"),
        ("\\times", "*"),
        ("\\leq", "\\le"),
        ("\\geq", "\\ge"),
        ("\\dfrac", "\\frac"),
        ("\\tfrac", "\\frac"),
        ("\\infty", "∞"),
        ("\u{2212}", "-"),
        ("\u{2010}", "-"),
        ("\u{2011}", "-"),
        ("\u{2013}", "-"),
        ("\u{2014}", "-"),
    ] {
        t = t.replace(a, b);
    }
    let chars: Vec<char> = t.chars().filter(|c| *c != '{' && *c != '}').collect();
    let mut out = String::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        let between_letters = c == '-'
            && i > 0
            && chars[i - 1].is_alphabetic()
            && chars.get(i + 1).is_some_and(|n| n.is_alphabetic());
        out.push(if between_letters { ' ' } else { c });
    }
    out.split_whitespace()
        .map(|w| match w {
            "inf" | "infinity" => "∞".to_string(),
            "-inf" | "-infinity" => "-∞".to_string(),
            _ => w.to_string(),
        })
        .collect()
}

/// The forms a word may take in the singular: `probabilities` ->
/// `probability`, `biases` -> `bias`, `means` -> `mean`. Only plain
/// alphabetic words of four letters or more; anything else is itself.
fn stems(w: &str) -> Vec<String> {
    let mut out = vec![w.to_string()];
    if w.len() < 4 || !w.chars().all(|c| c.is_ascii_alphabetic()) {
        return out;
    }
    if let Some(b) = w.strip_suffix("ies") {
        out.push(format!("{b}y"));
    }
    if let Some(b) = w.strip_suffix("es") {
        out.push(b.to_string());
    }
    if let Some(b) = w.strip_suffix('s') {
        if !b.ends_with('s') {
            out.push(b.to_string());
        }
    }
    out
}

/// Do two answers say the same thing, up to normalisation and plurals?
pub fn same_answer(a: &str, b: &str) -> bool {
    let (wa, wb) = (words(a), words(b));
    if wa.concat() == wb.concat() {
        return true;
    }
    wa.len() == wb.len()
        && wa.iter().zip(&wb).all(|(x, y)| {
            let (sx, sy) = (stems(x), stems(y));
            sx.iter().any(|s| sy.contains(s))
        })
}

/// Is `input` an accepted answer of a cloze card? The answer in either
/// language and every alternative are accepted, whatever language is shown.
pub fn cloze_correct(card: &Card, input: &str) -> bool {
    card.answer
        .iter()
        .flat_map(|a| a.all())
        .chain(card.alternatives.iter().map(String::as_str))
        .any(|a| same_answer(a, input))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloze_answers_compare_after_normalising() {
        let card = Card {
            id: "x".into(),
            kind: CardKind::Cloze,
            prompt: "a ___".into(),
            steps: Vec::new(),
            answer: Some("\\frac{1}{2}".into()),
            alternatives: vec!["0.5".into()],
            options: Vec::new(),
            correct: None,
            generator: None,
            explanation: None,
            faults: Vec::new(),
            gaps: Vec::new(),
            follow_ups: Vec::new(),
        };
        assert!(cloze_correct(&card, " \\dfrac{1}{2} "));
        assert!(cloze_correct(&card, "$\\frac 1 2$"));
        assert!(cloze_correct(&card, "0.5"));
        assert!(!cloze_correct(&card, "1/3"));
    }

    #[test]
    fn minus_signs_dashes_and_plurals_are_normalised() {
        assert!(same_answer("-inf", "\u{2212}∞"));
        assert!(same_answer("-inf", "−∞"));
        assert!(same_answer("-\\infty", "-inf"));
        assert!(same_answer("-inf", "-infinity"));
        assert!(!same_answer("-inf", "inf"));
        assert!(same_answer("minus ∞", "minus infinity"));
        assert!(!same_answer("information", "∞ormation"));
        assert!(same_answer("log-probabilities", "log-probability"));
        assert!(same_answer("log-probabilities", "log probability"));
        assert!(same_answer("log\u{2011}probabilities", "Log Probabilities"));
        assert!(same_answer("biases", "bias"));
        assert!(same_answer("means", "mean"));
        assert!(!same_answer("log-probabilities", "probabilities"));
        assert!(!same_answer("variance", "variances of the mean"));
        // A minus before a number or a command is a sign, not a hyphen.
        assert!(!same_answer("-1", "1"));
        assert!(same_answer("x-1", "x - 1"));
    }

    #[test]
    fn cloze_answers_are_accepted_in_either_language() {
        let card = Card {
            id: "x".into(),
            kind: CardKind::Cloze,
            prompt: crate::content::Text::Both {
                en: "the method of ___ multipliers".into(),
                zh: "___乘子法".into(),
            },
            steps: Vec::new(),
            answer: Some(crate::content::Text::Both {
                en: "Lagrange".into(),
                zh: "拉格朗日".into(),
            }),
            alternatives: vec!["Lagrangian".into(), "拉格朗日乘子".into()],
            options: Vec::new(),
            correct: None,
            generator: None,
            explanation: None,
            faults: Vec::new(),
            gaps: Vec::new(),
            follow_ups: Vec::new(),
        };
        for ok in [
            "lagrange",
            " LAGRANGE ",
            "拉格朗日",
            "拉格朗日 ",
            "lagrangian",
            "拉格朗日乘子",
        ] {
            assert!(cloze_correct(&card, ok), "{ok}");
        }
        for wrong in ["", "拉格", "Laplace"] {
            assert!(!cloze_correct(&card, wrong), "{wrong}");
        }
    }
}
