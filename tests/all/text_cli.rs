//! Text corpora from the command line: sparse TF-IDF settings, the report's
//! vocabulary and indicative words, and `--test FILE`.

use crate::common;
use common::mlwb;

use std::path::Path;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/csv")
        .join(name)
        .to_str()
        .expect("utf-8 path")
        .to_string()
}

fn run_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["run", "--json"];
    all.extend_from_slice(args);
    let o = mlwb(&all);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

#[test]
fn held_out_text_file_is_scored_and_an_unseen_class_is_reported() {
    let train = fixture("text_train.csv");
    let test = fixture("text_test.csv");
    for algo in ["multinomial-nb", "logistic-regression", "linear-svm"] {
        let r = run_json(&["--algo", algo, "--dataset", &train, "--test", &test]);
        assert_eq!(r["n_train"], 12, "{algo}");
        assert_eq!(r["n_test"], 5, "{algo}");
        // the training classes, then the class only the test file has
        assert_eq!(
            r["classes"],
            serde_json::json!(["negative", "positive", "neutral"])
        );
        let t = &r["text"];
        assert_eq!(
            t["unseen_test_classes"],
            serde_json::json!([["neutral", 1]])
        );
        assert!(r["notes"].as_array().expect("notes").iter().any(|n| n
            .as_str()
            .is_some_and(|n| n.contains("never seen in training"))));
        // the four known messages are easy; the neutral one cannot be right
        let acc = r["metrics"]["accuracy"].as_f64().expect("accuracy");
        assert!((acc - 0.8).abs() < 1e-9, "{algo}: accuracy {acc}");
        assert!(t["sparse"].as_bool().expect("sparse"));
        let pos = &t["indicative"][1];
        assert_eq!(pos["class"], "positive");
        let words: Vec<&str> = pos["words"]
            .as_array()
            .expect("words")
            .iter()
            .map(|w| w[0].as_str().expect("word"))
            .collect();
        assert!(words.contains(&"great"), "{algo}: {words:?}");
    }
}

#[test]
fn ngram_and_document_frequency_flags_shape_the_vocabulary() {
    let train = fixture("text_train.csv");
    let base = run_json(&[
        "--algo",
        "multinomial-nb",
        "--dataset",
        &train,
        "--test-size",
        "0.5",
    ]);
    let big = run_json(&[
        "--algo",
        "multinomial-nb",
        "--dataset",
        &train,
        "--test-size",
        "0.5",
        "--ngram-range",
        "1,2",
    ]);
    let small = run_json(&[
        "--algo",
        "multinomial-nb",
        "--dataset",
        &train,
        "--test-size",
        "0.5",
        "--min-df",
        "2",
    ]);
    let v = |r: &serde_json::Value| r["text"]["vocabulary_size"].as_u64().expect("size");
    assert!(v(&big) > v(&base) && v(&small) < v(&base));
    assert_eq!(big["text"]["ngram_range"], serde_json::json!([1, 2]));
    assert!(small["text"]["pruned_terms"].as_u64().expect("pruned") > 0);
    // bad values are refused with the flag named
    for (flag, value) in [
        ("--ngram-range", "3,1"),
        ("--min-df", "1.5"),
        ("--max-df", "x"),
    ] {
        let o = mlwb(&[
            "run",
            "--algo",
            "multinomial-nb",
            "--dataset",
            &train,
            flag,
            value,
        ]);
        assert!(!o.status.success());
        assert!(String::from_utf8_lossy(&o.stderr).contains(flag), "{flag}");
    }
    // nothing left after pruning: a message, not a panic
    let o = mlwb(&[
        "run",
        "--algo",
        "multinomial-nb",
        "--dataset",
        &train,
        "--min-df",
        "0.99",
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no terms remain"));
    let o = mlwb(&[
        "run",
        "--algo",
        "multinomial-nb",
        "--dataset",
        &train,
        "--min-df",
        "50",
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("fewer documents than min_df"));
}

#[test]
fn a_table_as_test_file_for_a_corpus_is_refused_clearly() {
    let o = mlwb(&[
        "run",
        "--algo",
        "multinomial-nb",
        "--dataset",
        &fixture("text_train.csv"),
        "--test",
        "iris",
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("reads as a table"), "{err}");
}
