//! The BiLSTM-CRF tagger and held-out CoNLL test files through the binary:
//! `mlwb run --algo bilstm-crf`, and `--test FILE` for every tagger.

use crate::common;
use common::{json, mlwb};

use std::path::Path;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/conll/heldout")
        .join(name)
        .to_str()
        .expect("utf-8")
        .to_string()
}

/// A small, fast setting of the BiLSTM-CRF for debug-build tests.
const SMALL: [&str; 8] = [
    "--param",
    "epochs=3",
    "--param",
    "embedding_dim=8",
    "--param",
    "hidden_size=8",
    "--param",
    "batch_size=16",
];

fn bilstm(dataset: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "run",
        "--algo",
        "bilstm-crf",
        "--dataset",
        dataset,
        "--json",
    ];
    args.extend(SMALL);
    args.extend(extra);
    json(&args)
}

#[test]
fn bilstm_crf_tags_the_bundled_corpus_with_its_transitions() {
    let r = bilstm("ner_chatbot", &[]);
    let t = &r["tagging"];
    assert_eq!(r["algo"], "bilstm-crf");
    let f1 = t["entities"]["micro"]["f1"].as_f64().expect("f1");
    assert!((0.0..=1.0).contains(&f1));
    // One loss per epoch, going down.
    let hist: Vec<f64> = r["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["value"].as_f64().expect("v"))
        .collect();
    assert_eq!(hist.len(), 3);
    assert!(hist[2] < hist[0], "{hist:?}");
    // The learned transition matrix: tags × tags scores.
    let tags = t["transitions"]["tags"].as_array().expect("tags").len();
    let scores = t["transitions"]["scores"].as_array().expect("scores");
    assert!(tags > 2);
    assert_eq!(scores.len(), tags * tags);
    assert!(scores.iter().any(|s| s.as_f64().expect("num") != 0.0));
}

#[test]
fn bilstm_crf_is_deterministic_per_seed() {
    let train = fixture("train.conll");
    let test = fixture("test_unseen_tag.conll");
    let a = bilstm(&train, &["--seed", "5", "--test", &test]);
    let b = bilstm(&train, &["--seed", "5", "--test", &test]);
    let c = bilstm(&train, &["--seed", "6", "--test", &test]);
    assert_eq!(a["history"], b["history"]);
    assert_eq!(a["tagging"]["entities"], b["tagging"]["entities"]);
    assert_ne!(a["history"], c["history"]);
}

#[test]
fn a_held_out_conll_file_with_an_unseen_tag_and_unseen_words() {
    let train = fixture("train.conll");
    let test = fixture("test_unseen_tag.conll");
    for algo in ["crf", "hmm"] {
        let r = json(&[
            "run",
            "--algo",
            algo,
            "--dataset",
            &train,
            "--test",
            &test,
            "--json",
        ]);
        assert_eq!(r["n_train"], 10, "{algo}");
        assert_eq!(r["n_test"], 2, "{algo}");
        let notes: Vec<&str> = r["notes"]
            .as_array()
            .expect("notes")
            .iter()
            .map(|n| n.as_str().expect("note"))
            .collect();
        let all = notes.join("\n");
        assert!(all.contains("trained on all of"), "{all}");
        assert!(
            all.contains("10 sentences") && all.contains("2 sentences"),
            "{all}"
        );
        assert!(
            all.contains("B-EVENT") && all.contains("test_unseen_tag.conll:6"),
            "{all}"
        );
        assert!(all.contains("never seen in training"), "{all}");
        let unseen = &r["tagging"]["unknown_test_tags"];
        assert_eq!(unseen[0][1], "B-EVENT");
        // The EVENT entity is in the truth and can never be predicted.
        let support: u64 = r["tagging"]["entities"]["per_type"]
            .as_array()
            .expect("per type")
            .iter()
            .filter(|x| x["type"] == "EVENT")
            .map(|x| x["support"].as_u64().expect("support"))
            .sum();
        assert_eq!(support, 1, "{algo}");
    }
    let r = bilstm(&train, &["--test", &test]);
    assert_eq!(r["n_test"], 2);
    let pred_tags = r["tagging"]["transitions"]["tags"]
        .as_array()
        .expect("tags")
        .len();
    assert!(pred_tags > 0);
}

#[test]
fn the_bundled_corpus_name_trains_on_its_training_file() {
    let test = fixture("test_unseen_tag.conll");
    let r = json(&[
        "run",
        "--algo",
        "crf",
        "--dataset",
        "ner_synthetic",
        "--test",
        &test,
        "--json",
    ]);
    assert_eq!(r["n_train"], 600);
    assert_eq!(r["n_test"], 2);
}

#[test]
fn a_missing_or_bad_test_file_is_a_clear_error() {
    let train = fixture("train.conll");
    let o = mlwb(&[
        "run",
        "--algo",
        "crf",
        "--dataset",
        &train,
        "--test",
        "/nonexistent/test.conll",
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("/nonexistent/test.conll"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let bad = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/conll/bad/ragged.conll")
        .to_str()
        .expect("utf-8")
        .to_string();
    let o = mlwb(&["run", "--algo", "crf", "--dataset", &train, "--test", &bad]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("ragged.conll:"), "{err}");
}

#[test]
fn bilstm_crf_settings_are_checked() {
    let o = mlwb(&[
        "run",
        "--algo",
        "bilstm-crf",
        "--dataset",
        "ner_chatbot",
        "--param",
        "dropout=1.5",
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("dropout"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A training file without a sentence is refused with a message naming
/// the file, not a panic.
#[test]
fn an_empty_training_file_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("empty.conll");
    std::fs::write(&path, "\n\n").expect("write");
    let o = mlwb(&[
        "run",
        "--algo",
        "bilstm-crf",
        "--dataset",
        path.to_str().expect("utf-8"),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("empty.conll"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// The learning curve's BiLSTM-CRF line (the `L` view of the TUI) on a
/// small file: one F1 per point, beside the HMM's and the CRF's.
#[test]
fn the_learning_curve_can_include_the_bilstm_crf() {
    let train = fixture("train.conll");
    let never = std::sync::atomic::AtomicBool::new(false);
    let c =
        mlwb::experiment::tagging::learning_curve(&train, &[0.5, 1.0], true, &mut |_| {}, &never)
            .expect("curve");
    assert_eq!(c.bilstm_f1.len(), 2);
    assert_eq!(c.hmm_f1.len(), 2);
    assert!(c.bilstm_f1.iter().all(|f| (0.0..=1.0).contains(f)));
    // Fewer epochs on large parts, the default 12 on small ones.
    assert_eq!(mlwb::experiment::tagging::curve_bilstm_epochs(30, 12), 12);
    assert_eq!(mlwb::experiment::tagging::curve_bilstm_epochs(600, 12), 4);
    assert_eq!(
        mlwb::experiment::tagging::curve_bilstm_epochs(10_000, 12),
        4
    );
}
