//! Statements a line-by-line review found wrong, pinned so they cannot come
//! back: each entry is a phrase that must not appear in the topic files,
//! with the reason. Plus numbers that must agree between a note and its cards.

use std::path::Path;

fn all_topics_text() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("topics");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("topics/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read topic file"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// (phrase that must not appear, why it is wrong)
const WRONG: &[(&str, &str)] = &[
    (
        "whose blankets do not overlap",
        "a–b: blankets {b},{a} do not overlap yet a and b cannot be sampled together; the rule is: not in each other's blankets",
    ),
    (
        "faithfully represents the distribution the two coincide",
        "blankets are not unique (any superset is one); under faithfulness parents+children+co-parents is the minimal one",
    ),
    (
        "directions are trained separately",
        "ELMo's two directions share one joint objective, the token layer and the softmax",
    ),
    (
        "separately trained directional",
        "ELMo's two directions share one joint objective, the token layer and the softmax",
    ),
    (
        "LSTM LMs separately",
        "ELMo's two directions share one joint objective, the token layer and the softmax",
    ),
    (
        "about as much as the forward pass",
        "backward costs about twice the forward pass; a training step about three",
    ),
    (
        "early sign of the degradation problem",
        "VGG19 vs VGG16 is accuracy saturating; degradation is training error rising with depth",
    ),
    (
        "ungated special case",
        "ResNet equals a highway network only up to scale (a fixed gate gives 0.5(H(x)+x))",
    ),
    (
        "means inside the margin or misclassified",
        "α_i = C means on or inside the margin (ξ_i ≥ 0)",
    ),
    (
        "unaffected by any monotonic",
        "trees are unaffected by any strictly monotonic transform",
    ),
    (
        "has norm 2.350",
        "the worked TF-IDF norm is √5.5249 = 2.3505…, written 2.351 in the note and the card",
    ),
    (
        "\\exp(e_i)",
        "bag attention scores are u_i = x_i A r (Lin et al. 2016); e names entities",
    ),
    (
        "shrinks gradients at least fourfold per layer",
        "only the activation factor is at most 1/4; the weights can scale the gradient back up",
    ),
];

#[test]
fn statements_found_wrong_in_review_stay_fixed() {
    let text = all_topics_text();
    let found: Vec<String> = WRONG
        .iter()
        .filter(|(phrase, _)| text.contains(phrase))
        .map(|(phrase, why)| format!("`{phrase}`: {why}"))
        .collect();
    assert!(
        found.is_empty(),
        "wrong statements are back:\n{}",
        found.join("\n")
    );
}

/// The TF-IDF worked example: the L2 norm of (1, 1.693, 1.288) is quoted in
/// the note and in a card; both must say the correctly rounded value.
#[test]
fn the_tf_idf_worked_norm_is_the_same_everywhere() {
    let norm = (1.0f64 + 1.693f64.powi(2) + 1.288f64.powi(2)).sqrt();
    let shown = format!("{norm:.3}");
    assert_eq!(shown, "2.351");
    let text = all_topics_text();
    assert!(
        text.matches(&shown).count() >= 2,
        "note and card both quote {shown}"
    );
}
