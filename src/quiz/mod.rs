//! Quiz cards: the deck gathered from the topics, and the numeric card
//! generators. (Scheduling and the progress store come next.)

pub mod generators;
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

/// Normalise a typed cloze answer for comparison: case, spacing, and a few
/// equivalent LaTeX spellings.
pub fn normalise_answer(s: &str) -> String {
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
    ] {
        t = t.replace(a, b);
    }
    t.chars()
        .filter(|c| !c.is_whitespace() && *c != '{' && *c != '}')
        .collect()
}

/// Is `input` an accepted answer of a cloze card? The answer in either
/// language and every alternative are accepted, whatever language is shown.
pub fn cloze_correct(card: &Card, input: &str) -> bool {
    let given = normalise_answer(input);
    card.answer
        .iter()
        .flat_map(|a| a.all())
        .chain(card.alternatives.iter().map(String::as_str))
        .any(|a| normalise_answer(a) == given)
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
        };
        assert!(cloze_correct(&card, " \\dfrac{1}{2} "));
        assert!(cloze_correct(&card, "$\\frac 1 2$"));
        assert!(cloze_correct(&card, "0.5"));
        assert!(!cloze_correct(&card, "1/3"));
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
