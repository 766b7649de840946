//! Sequence models through the binary: `mlwb run --algo hmm|crf` on CoNLL
//! data and the casino, and `mlwb hmm decode|score|fit` on user files.

use crate::common;
use common::{json, mlwb};

use std::path::Path;
use std::process::Output;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn path(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .to_str()
        .expect("utf-8")
        .to_string()
}

#[test]
fn crf_and_hmm_on_the_bundled_ner_corpus() {
    let crf = json(&[
        "run",
        "--algo",
        "crf",
        "--dataset",
        "ner_synthetic",
        "--json",
    ]);
    let t = &crf["tagging"];
    for key in ["token_accuracy", "entities", "tag_confusion"] {
        assert!(!t[key].is_null(), "missing tagging.{key}");
    }
    assert!(crf["fit_seconds"].as_f64().is_some() && crf["predict_seconds"].as_f64().is_some());
    let micro = t["entities"]["micro"]["f1"].as_f64().expect("micro f1");
    assert!(micro > 0.9, "CRF entity F1 {micro}");
    let types: Vec<&str> = t["entities"]["per_type"]
        .as_array()
        .expect("per type")
        .iter()
        .map(|x| x["type"].as_str().expect("type"))
        .collect();
    assert_eq!(types, vec!["LOC", "MISC", "ORG", "PER"]);
    // The objective is reported per L-BFGS iteration and goes down.
    let hist: Vec<f64> = crf["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["value"].as_f64().expect("v"))
        .collect();
    assert!(hist.len() > 5 && hist.last() < hist.first());
    let hmm = json(&[
        "run",
        "--algo",
        "hmm",
        "--dataset",
        "ner_synthetic",
        "--json",
    ]);
    let f = hmm["tagging"]["entities"]["micro"]["f1"]
        .as_f64()
        .expect("f1");
    assert!(f > 0.6 && f < micro, "HMM {f} vs CRF {micro}");
}

#[test]
fn a_users_conll_file_is_split_by_sentence() {
    let file = path("datasets/ner_chatbot_test.conll");
    let r = json(&[
        "run",
        "--algo",
        "crf",
        "--dataset",
        &file,
        "--json",
        "--seed",
        "3",
    ]);
    assert_eq!(
        r["n_train"].as_u64().expect("train") + r["n_test"].as_u64().expect("test"),
        106
    );
    assert!(r["notes"][0]
        .as_str()
        .expect("note")
        .contains("split by sentence"));
}

#[test]
fn bad_conll_files_are_reported_with_their_line() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conll/bad");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures") {
        let p = entry.expect("entry").path();
        let s = p.to_str().expect("utf-8");
        let o = mlwb(&["run", "--algo", "crf", "--dataset", s]);
        assert_eq!(o.status.code(), Some(1), "{s}");
        let e = stderr(&o);
        assert!(
            e.starts_with("mlwb: ")
                && e.contains(p.file_name().and_then(|f| f.to_str()).expect("name")),
            "{s}: {e}"
        );
        n += 1;
    }
    assert!(n >= 5, "{n} bad fixtures");
}

#[test]
fn sequence_data_needs_a_sequence_model() {
    let o = mlwb(&["run", "--algo", "svm", "--dataset", "ner_synthetic"]);
    assert!(
        stderr(&o).contains("sequence data: run it with a sequence model"),
        "{}",
        stderr(&o)
    );
    let o = mlwb(&["run", "--algo", "crf", "--dataset", "casino"]);
    assert!(stderr(&o).contains("--algo hmm"), "{}", stderr(&o));
}

#[test]
fn the_casino_is_decoded_by_the_hmm() {
    let r = json(&["run", "--algo", "hmm", "--dataset", "casino", "--json"]);
    let acc = r["metrics"]["accuracy"].as_f64().expect("accuracy");
    assert!(acc > 0.7, "die accuracy {acc}");
    assert_eq!(
        r["confusion_matrix"]["labels"],
        serde_json::json!(["fair", "loaded"])
    );
}

fn casino_obs(dir: &Path, n: usize) -> String {
    let csv = std::fs::read_to_string(path("datasets/casino.csv")).expect("casino");
    let rolls: Vec<&str> = csv
        .lines()
        .skip(1)
        .take(n)
        .map(|l| l.split(',').next().expect("roll"))
        .collect();
    let p = dir.join("obs.txt");
    std::fs::write(&p, format!("roll\n{}\n", rolls.join("\n"))).expect("write");
    p.to_str().expect("utf-8").to_string()
}

#[test]
fn hmm_subcommands_decode_score_and_fit() {
    let dir = tempfile::tempdir().expect("tmp");
    let obs = casino_obs(dir.path(), 12);
    let model = path("datasets/casino_model.json");
    let d = json(&["hmm", "decode", "--model", &model, "--obs", &obs, "--json"]);
    assert_eq!(d["path"].as_array().expect("path").len(), 12);
    assert!(d["log_prob"].as_f64().expect("log_prob") < 0.0);
    let s = json(&["hmm", "score", "--model", &model, "--obs", &obs, "--json"]);
    let ll = s["log_likelihood"].as_f64().expect("ll");
    assert!(
        ll >= d["log_prob"].as_f64().expect("lp"),
        "P(O) >= P(O, best path)"
    );
    let f = json(&[
        "hmm", "fit", "--init", &model, "--obs", &obs, "--iter", "5", "--json",
    ]);
    let hist: Vec<f64> = f["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|v| v.as_f64().expect("f"))
        .collect();
    assert!(
        (hist[0] - ll).abs() < 1e-9,
        "history starts at the initial model's likelihood"
    );
    for w in hist.windows(2) {
        assert!(w[1] >= w[0] - 1e-9, "Baum-Welch decreased: {w:?}");
    }
    // The fitted model is written in the same format and loads again.
    let fitted = dir.path().join("fitted.json");
    std::fs::write(&fitted, serde_json::to_string(&f["model"]).expect("model")).expect("write");
    let again = json(&[
        "hmm",
        "score",
        "--model",
        fitted.to_str().expect("p"),
        "--obs",
        &obs,
        "--json",
    ]);
    assert!(again["log_likelihood"].as_f64().expect("ll") >= hist[hist.len() - 1] - 1e-9);
    let t = mlwb(&[
        "hmm",
        "decode",
        "--model",
        &model,
        "--obs",
        &obs,
        "--trellis",
    ]);
    let out = String::from_utf8_lossy(&t.stdout);
    assert!(
        out.contains("δ_t(j)") && out.contains("loaded") && out.contains('*'),
        "{out}"
    );
}

#[test]
fn bad_hmm_files_are_refused_clearly() {
    let dir = tempfile::tempdir().expect("tmp");
    let obs = casino_obs(dir.path(), 5);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"startprob": [0.5, 0.5], "transmat": [[0.9, 0.1], [0.5, 0.4]], "emissionprob": [[0.5, 0.5], [0.5, 0.5]]}"#).expect("write");
    let o = mlwb(&[
        "hmm",
        "score",
        "--model",
        bad.to_str().expect("p"),
        "--obs",
        &obs,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("transmat row"), "{}", stderr(&o));
    let o = mlwb(&[
        "hmm",
        "decode",
        "--model",
        &path("datasets/casino_model.json"),
        "--obs",
        "/nonexistent/obs.txt",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("/nonexistent/obs.txt"),
        "{}",
        stderr(&o)
    );
}
