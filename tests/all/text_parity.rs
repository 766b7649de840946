//! The sparse text path against scikit-learn 1.7.2 on the same split of
//! sentiment_amazon (tests/reference/make_text_reference.py): vocabulary
//! size, test predictions and the most indicative words of multinomial NB,
//! logistic regression and the linear SVM, with default TF-IDF and with
//! bigrams + min_df = 2.

use std::sync::atomic::AtomicBool;

use mlwb::data::text::DocFreq;
use mlwb::experiment::{self, Config, Event};
use serde_json::Value;

#[test]
fn text_classifiers_agree_with_scikit_learn() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/text_reference.json"
    ))
    .expect("reference file");
    let r: Value = serde_json::from_str(&text).expect("json");
    let rows = |k: &str| -> Vec<usize> {
        r[k].as_array()
            .expect("rows")
            .iter()
            .map(|v| v.as_u64().expect("row") as usize)
            .collect()
    };
    let (train, test) = (rows("train"), rows("test"));
    for case in r["cases"].as_array().expect("cases") {
        let algo = case["algo"].as_str().expect("algo");
        let setting = case["setting"].as_str().expect("setting");
        let mut config = Config {
            algo: algo.into(),
            dataset: "sentiment_amazon".into(),
            split: Some((train.clone(), test.clone())),
            ..Config::default()
        };
        if setting == "bigrams_min_df2" {
            config.ngram_range = (1, 2);
            config.min_df = DocFreq::Count(2);
        }
        let report =
            experiment::run(&config, &mut |_: Event| {}, &AtomicBool::new(false)).expect("run");
        let c = report.classification().expect("classification");
        let t = c.text.as_ref().expect("text summary");
        assert_eq!(
            t.vocabulary_size as u64,
            case["vocabulary_size"].as_u64().expect("size"),
            "{setting} {algo}"
        );
        let want: Vec<usize> = case["predictions"]
            .as_array()
            .expect("predictions")
            .iter()
            .map(|v| v.as_u64().expect("class") as usize)
            .collect();
        let differ = want
            .iter()
            .zip(&c.test_pred)
            .filter(|(a, b)| a != b)
            .count();
        // NB is closed-form; logistic regression is solved to the same
        // tolerance; the linear SVM's coordinate order is random on both
        // sides (different generators), its tolerance 1e-4.
        let allowed = match algo {
            "multinomial-nb" => 0,
            "logistic-regression" => 1,
            _ => 4,
        };
        assert!(
            differ <= allowed,
            "{setting} {algo}: {differ} of 250 test predictions differ"
        );
        for cw in &t.indicative {
            let ours: Vec<&str> = cw.words.iter().map(|(w, _)| w.as_str()).collect();
            let theirs: Vec<&str> = case["top_words"][cw.class.as_str()]
                .as_array()
                .expect("words")
                .iter()
                .map(|w| w.as_str().expect("word"))
                .collect();
            let shared = ours.iter().filter(|w| theirs.contains(w)).count();
            let need = if algo == "linear-svm" { 8 } else { 10 };
            assert!(
                shared >= need,
                "{setting} {algo} {}: {ours:?} vs {theirs:?}",
                cw.class
            );
        }
    }
}
