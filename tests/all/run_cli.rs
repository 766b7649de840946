//! `mlwb datasets`, `mlwb algos` and `mlwb run`, driven through the binary.

use crate::common;
use common::mlwb;

use std::path::{Path, PathBuf};
use std::process::Output;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn csv(name: &str) -> String {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/csv")
        .join(name);
    p.to_str().expect("utf-8 path").to_string()
}

fn run_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["run", "--json"];
    all.extend_from_slice(args);
    let o = mlwb(&all);
    assert!(o.status.success(), "mlwb {}: {}", all.join(" "), stderr(&o));
    serde_json::from_slice(&o.stdout).expect("run --json prints JSON")
}

#[test]
fn datasets_and_algos_list_everything() {
    let d: serde_json::Value =
        serde_json::from_slice(&mlwb(&["datasets", "--json"]).stdout).expect("json");
    let names: Vec<&str> = d
        .as_array()
        .expect("array")
        .iter()
        .map(|x| x["name"].as_str().expect("name"))
        .collect();
    for want in [
        "iris",
        "wine",
        "breast_cancer",
        "digits",
        "moons",
        "circles",
        "blobs",
        "casino",
        "sentiment_amazon",
    ] {
        assert!(names.contains(&want), "{want} missing");
    }
    for x in d.as_array().expect("array") {
        assert!(x["licence"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(x["source"].as_str().is_some_and(|s| !s.is_empty()));
    }
    let a: serde_json::Value =
        serde_json::from_slice(&mlwb(&["algos", "--json"]).stdout).expect("json");
    let algos = a.as_array().expect("array");
    assert!(algos.len() >= 10);
    let svm = algos.iter().find(|x| x["name"] == "svm").expect("svm");
    let kernel = svm["params"]
        .as_array()
        .expect("params")
        .iter()
        .find(|p| p["name"] == "kernel")
        .expect("kernel");
    assert_eq!(kernel["default"], "rbf");
    assert_eq!(
        kernel["options"],
        serde_json::json!(["rbf", "linear", "poly"])
    );
    let text = stdout(&mlwb(&["algos"]));
    assert!(text.contains("svm") && text.contains("kernel"));
}

#[test]
fn run_json_has_the_documented_fields_and_is_reproducible() {
    let a = run_json(&[
        "--algo",
        "decision-tree",
        "--dataset",
        "iris",
        "--seed",
        "7",
    ]);
    for key in [
        "algo",
        "dataset",
        "params",
        "seed",
        "fit_seconds",
        "predict_seconds",
        "metrics",
        "confusion_matrix",
    ] {
        assert!(!a[key].is_null(), "missing {key}");
    }
    assert!(a["metrics"]["accuracy"].as_f64().is_some());
    assert!(a["metrics"]["macro_avg"]["f1"].as_f64().is_some());
    let per = a["metrics"]["per_class"].as_array().expect("per class");
    assert_eq!(per.len(), 3);
    for c in per {
        for k in ["label", "precision", "recall", "f1", "support"] {
            assert!(!c[k].is_null(), "per_class.{k}");
        }
    }
    let cm = &a["confusion_matrix"];
    assert_eq!(
        cm["labels"],
        serde_json::json!(["setosa", "versicolor", "virginica"])
    );
    // Rows are the truth: each row sums to that class's test support.
    for (row, c) in cm["counts"].as_array().expect("counts").iter().zip(per) {
        let sum: u64 = row
            .as_array()
            .expect("row")
            .iter()
            .map(|v| v.as_u64().expect("count"))
            .sum();
        assert_eq!(sum, c["support"].as_u64().expect("support"));
    }
    let b = run_json(&[
        "--algo",
        "decision-tree",
        "--dataset",
        "iris",
        "--seed",
        "7",
    ]);
    assert_eq!(a["metrics"], b["metrics"], "same seed, same numbers");
    assert_eq!(a["confusion_matrix"], b["confusion_matrix"]);
}

#[test]
fn binary_tasks_get_roc_and_pr_curves() {
    let r = run_json(&[
        "--algo",
        "logistic-regression",
        "--dataset",
        "breast_cancer",
        "--scale",
        "standard",
    ]);
    let auc = r["roc"]["auc"].as_f64().expect("roc auc");
    assert!(auc > 0.95 && auc <= 1.0, "{auc}");
    assert!(r["pr"]["auc"].as_f64().expect("average precision") > 0.9);
}

#[test]
fn clustering_reports_inertia_and_ari() {
    let r = run_json(&["--algo", "kmeans", "--dataset", "blobs", "--param", "k=3"]);
    assert!(r["inertia"].as_f64().expect("inertia") > 0.0);
    let ari = r["ari"].as_f64().expect("ari");
    assert!((-1.0..=1.0).contains(&ari));
    let g = run_json(&["--algo", "gmm", "--dataset", "blobs"]);
    let hist: Vec<f64> = g["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["value"].as_f64().expect("v"))
        .collect();
    assert!(hist.len() >= 2);
    for w in hist.windows(2) {
        assert!(
            w[1] >= w[0] - 1e-9 * w[0].abs().max(1.0),
            "EM log-likelihood decreased: {w:?}"
        );
    }
}

#[test]
fn text_corpus_runs_with_tfidf_and_counts() {
    let r = run_json(&["--algo", "multinomial-nb", "--dataset", "sentiment_amazon"]);
    assert!(r["metrics"]["accuracy"].as_f64().expect("acc") > 0.75);
    let c = run_json(&[
        "--algo",
        "multinomial-nb",
        "--dataset",
        "sentiment_amazon",
        "--text",
        "counts",
    ]);
    assert!(c["metrics"]["accuracy"].as_f64().expect("acc") > 0.75);
}

#[test]
fn cross_validation_reports_every_fold() {
    let r = run_json(&["--algo", "gaussian-nb", "--dataset", "wine", "--cv", "5"]);
    assert_eq!(r["cv"]["accuracy"].as_array().expect("folds").len(), 5);
    assert!(r["cv"]["mean"].as_f64().expect("mean") > 0.9);
}

#[test]
fn a_users_csv_works_with_target_and_features() {
    let good = csv("good.csv");
    // A text column is categorical: one-hot encoded, fitted on the training rows.
    let o = mlwb(&["run", "--algo", "gaussian-nb", "--dataset", &good]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("`colour`: categorical, one-hot"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let r = run_json(&[
        "--algo",
        "gaussian-nb",
        "--dataset",
        &good,
        "--features",
        "height,weight",
    ]);
    assert_eq!(r["classes"], serde_json::json!(["ant", "bee", "cat"]));
    assert!(r["metrics"]["accuracy"].as_f64().expect("acc") > 0.8);
    let r = run_json(&[
        "--algo",
        "decision-tree",
        "--dataset",
        &good,
        "--target",
        "colour",
        "--features",
        "height,weight",
    ]);
    assert_eq!(r["classes"], serde_json::json!(["blue", "red"]));
}

#[test]
fn bad_csvs_get_located_errors() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("missing.csv", &[], ":3:2: column `b`: 2 missing value(s): `a` 1 (first at line 5), `b` 1 (first at line 3); fill them with --missing auto"),
        ("nonnumeric.csv", &[], ":3:2: column `b`: `high` is not a number, but most of this column is"),
        ("ragged.csv", &[], ":3: ragged row: 2 fields, but the header has 3 columns"),
        ("empty.csv", &[], ": empty file: expected a header row and data rows"),
        ("single_class.csv", &[], ": column `label`: only one class (`x`) in the target column"),
        ("inf.csv", &[], ":3:2: column `b`: `inf` is not a finite number"),
        ("nan.csv", &[], ":3:1: column `a`: 1 missing value(s)"),
        ("header_only.csv", &[], ":1: no data rows after the header"),
        ("good.csv", &["--target", "kind"], ":1: no target column `kind`; the columns are: height, weight, colour, species"),
    ];
    for (file, extra, want) in cases {
        let path = csv(file);
        let mut args = vec!["run", "--algo", "gaussian-nb", "--dataset", path.as_str()];
        args.extend_from_slice(extra);
        let o = mlwb(&args);
        assert_eq!(o.status.code(), Some(1), "{file}");
        let expected = format!("mlwb: {path}{want}");
        assert!(
            stderr(&o).starts_with(&expected),
            "{file}:\n  want {expected}\n  got  {}",
            stderr(&o)
        );
    }
    // --missing lets the user go on.
    let m = csv("missing.csv");
    let r = run_json(&[
        "--algo",
        "gaussian-nb",
        "--dataset",
        &m,
        "--missing",
        "mean",
        "--test-size",
        "0.5",
    ]);
    assert_eq!(r["n_rows"], 7);
    let r = run_json(&[
        "--algo",
        "gaussian-nb",
        "--dataset",
        &m,
        "--missing",
        "drop",
        "--test-size",
        "0.5",
    ]);
    assert_eq!(r["n_rows"], 5);
}

#[test]
fn bad_parameters_and_names_are_refused_clearly() {
    let o = mlwb(&[
        "run",
        "--algo",
        "svm",
        "--dataset",
        "iris",
        "--param",
        "c=-1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("invalid parameter `c`: must be greater than 0"),
        "{}",
        stderr(&o)
    );
    let o = mlwb(&["run", "--algo", "nope", "--dataset", "iris"]);
    assert!(
        stderr(&o).contains("no algorithm `nope`; the algorithms are:"),
        "{}",
        stderr(&o)
    );
    let o = mlwb(&["run", "--algo", "svm", "--dataset", "nowhere"]);
    assert!(
        stderr(&o).contains("not a bundled dataset (bundled: iris"),
        "{}",
        stderr(&o)
    );
    let o = mlwb(&["run", "--algo", "svm", "--dataset", "iris", "--param", "c"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("expected NAME=VALUE"));
    let o = mlwb(&["run", "--algo", "svm", "--dataset", "casino"]);
    assert!(stderr(&o).contains("sequence data"), "{}", stderr(&o));
    let o = mlwb(&["run", "--algo", "multinomial-nb", "--dataset", "moons"]);
    assert!(
        stderr(&o).contains("non-negative features"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn text_output_is_readable() {
    let o = mlwb(&["run", "--algo", "svm", "--dataset", "moons"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(s.contains("svm on moons"));
    assert!(s.contains("confusion matrix (rows = truth, columns = predicted)"));
    assert!(s.contains("ROC AUC"));
}

/// linfa-bayes 0.8.1's Gaussian NB panicked on both files (an `unwrap` on an
/// undefined ordering of NaN log-likelihoods); ours fits the first and
/// refuses the second with the column named.
#[test]
fn gaussian_nb_fits_zero_variance_and_refuses_an_overflowing_column() {
    let zero = csv("zero_variance.csv");
    for extra in [&[][..], &["--cv", "4"], &["--scale", "standard"]] {
        let mut args = vec!["--algo", "gaussian-nb", "--dataset", zero.as_str()];
        args.extend_from_slice(extra);
        let r = run_json(&args);
        assert_eq!(r["n_rows"], 8);
        // The features say nothing: the (equal) priors decide, ties go to
        // the first class, and the probabilities stay finite.
        assert_eq!(r["metrics"]["accuracy"], 0.5, "{extra:?}");
        assert_eq!(r["roc"]["auc"], 0.5, "{extra:?}");
    }
    let o = mlwb(&["run", "--algo", "gaussian-nb", "--dataset", &zero]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("accuracy 0.5000"));

    let huge = csv("huge_values.csv");
    for json in [false, true] {
        let mut args = vec!["run", "--algo", "gaussian-nb", "--dataset", huge.as_str()];
        if json {
            args.push("--json");
        }
        let o = mlwb(&args);
        assert_eq!(o.status.code(), Some(1), "a failure, not a panic (101)");
        let err = stderr(&o);
        let want = "feature 0 (`a`): its variance overflows (values as large as 1e308)";
        let lead = if json { "{\"error\":\"" } else { "mlwb: " };
        assert!(err.starts_with(&format!("{lead}{want}")), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(o.stdout.is_empty());
    }
    // What the message suggests works.
    let r = run_json(&[
        "--algo",
        "gaussian-nb",
        "--dataset",
        &huge,
        "--scale",
        "maxabs",
    ]);
    assert_eq!(r["metrics"]["accuracy"], 1.0);
    let r = run_json(&[
        "--algo",
        "gaussian-nb",
        "--dataset",
        &huge,
        "--features",
        "b",
    ]);
    assert_eq!(r["n_features"], 1);
}

/// The linfa-backed steps do not check their input: an overflowing scaler
/// or kernel would feed NaN or zeros on without a word. They refuse, with
/// the column named, and exit 1 (never a panic).
#[test]
fn scalers_and_linfa_models_refuse_overflow_with_the_column_named() {
    let huge = csv("huge_values.csv");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--algo", "gaussian-nb", "--scale", "standard"],
            "feature 0 (`a`): standard scaling overflows on it (values as large as 1e308)",
        ),
        (
            &["--algo", "decision-tree-linfa", "--scale", "minmax"],
            "feature 0 (`a`): minmax scaling overflows on it",
        ),
        (
            &["--algo", "logistic-regression", "--scale", "normalize"],
            "feature 0 (`a`): values as large as 1e308 make a row's length overflow",
        ),
        (
            &["--algo", "svm-linfa"],
            "feature 0 (`a`) has values as large as 1e308, so linfa-svm's rbf kernel overflows",
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec!["run", "--dataset", huge.as_str()];
        args.extend_from_slice(extra);
        let o = mlwb(&args);
        assert_eq!(o.status.code(), Some(1), "{extra:?}: {}", stderr(&o));
        assert!(
            stderr(&o).starts_with(&format!("mlwb: {want}")),
            "{extra:?}: {}",
            stderr(&o)
        );
    }
    // A tree has no kernel and no arithmetic on the values: it runs.
    let r = run_json(&["--algo", "decision-tree-linfa", "--dataset", &huge]);
    assert_eq!(r["n_rows"], 8);
}

// ---- for scripters (issue 13 item 14) ----

/// `--json` failures: stdout empty, one JSON line on stderr, the same exit
/// status as without `--json`.
fn json_failure(args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let plain: Vec<&str> = args.iter().copied().filter(|a| *a != "--json").collect();
    let text = mlwb(&plain);
    let o = mlwb(args);
    assert_eq!(o.status.code(), text.status.code(), "same exit status");
    assert!(!o.status.success());
    assert!(o.stdout.is_empty(), "stdout: {}", stdout(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    let v: serde_json::Value = serde_json::from_str(&err).expect("stderr is JSON");
    assert_eq!(v["code"].as_i64().map(|c| c as i32), o.status.code());
    (o.status.code(), v)
}

#[test]
fn json_errors_are_json_with_their_location() {
    let (code, v) = json_failure(&["run", "--json", "--algo", "svn", "--dataset", "iris"]);
    assert_eq!(code, Some(1));
    let e = v["error"].as_str().expect("error");
    assert!(e.contains("did you mean `svm`?"), "{e}");
    assert!(v["file"].is_null() && v["line"].is_null() && v["column"].is_null());

    let (_, v) = json_failure(&["run", "--json", "--algo", "svm", "--dataset", "irsi"]);
    assert!(v["error"]
        .as_str()
        .expect("error")
        .contains("did you mean `iris`?"));

    let path = csv("nonnumeric.csv");
    let (code, v) = json_failure(&["run", "--json", "--algo", "gaussian-nb", "--dataset", &path]);
    assert_eq!(code, Some(1));
    assert_eq!(v["file"], path.as_str());
    assert_eq!(
        (v["line"].as_u64(), v["column"].as_u64()),
        (Some(3), Some(2))
    );
    assert!(v["error"]
        .as_str()
        .expect("error")
        .starts_with("column `b`: `high` is not a number"));

    // clap's own refusals (usage errors, status 2) too.
    let (code, v) = json_failure(&["run", "--json", "--algo", "svm", "--bogus"]);
    assert_eq!(code, Some(2));
    assert!(v["error"].as_str().expect("error").contains("--bogus"));
    let (code, _) = json_failure(&[
        "run",
        "--json",
        "--algo",
        "svm",
        "--dataset",
        "iris",
        "--param",
        "c",
    ]);
    assert_eq!(code, Some(2));

    // hmm files: located as well.
    let dir = tempfile::tempdir().expect("tmp");
    let model = dir.path().join("m.json");
    std::fs::write(&model, "{\"startprob\": [0.5, 0.5],\n \"transmat\": [[1.5, 0.5], [0.5, 0.5]],\n \"emissionprob\": [[0.5, 0.5], [0.5, 0.5]]}\n").expect("write");
    let obs = dir.path().join("o.txt");
    std::fs::write(&obs, "0\n1\n").expect("write");
    let (m, o) = (model.to_str().expect("p"), obs.to_str().expect("p"));
    let (code, v) = json_failure(&["hmm", "decode", "--json", "--model", m, "--obs", o]);
    assert_eq!(code, Some(1));
    assert_eq!(v["file"], m);
}

#[test]
fn csv_delimiters_are_sniffed_or_given() {
    let good = std::fs::read_to_string(csv("good.csv")).expect("good.csv");
    let dir = tempfile::tempdir().expect("tmp");
    let features = ["--features", "height,weight"];
    let mut args = vec!["--algo", "gaussian-nb", "--dataset"];
    let good_path = csv("good.csv");
    args.push(&good_path);
    args.extend(features);
    let reference = run_json(&args);
    for (name, sep) in [("semi.csv", ";"), ("tabs.tsv", "\t"), ("pipes.csv", "|")] {
        let p = dir.path().join(name);
        std::fs::write(&p, good.replace(',', sep)).expect("write");
        let p = p.to_str().expect("path");
        let mut args = vec!["--algo", "gaussian-nb", "--dataset", p];
        args.extend(features);
        if sep == "|" {
            // Not sniffed: one column, refused with a hint.
            let o = mlwb(&["run", "--algo", "gaussian-nb", "--dataset", p]);
            assert_eq!(o.status.code(), Some(1));
            args.extend(["--delimiter", "|"]);
        }
        let r = run_json(&args);
        assert_eq!(r["n_features"], reference["n_features"], "{name}");
        assert_eq!(r["metrics"], reference["metrics"], "{name}");
    }
    // Forcing the wrong separator says which one was used.
    let p = dir.path().join("semi.csv");
    let o = mlwb(&[
        "run",
        "--algo",
        "gaussian-nb",
        "--dataset",
        p.to_str().expect("path"),
        "--delimiter",
        "tab",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let o = mlwb(&[
        "run",
        "--algo",
        "svm",
        "--dataset",
        "iris",
        "--delimiter",
        "ab",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("expected one character"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn topics_flag_only_where_topics_are_read() {
    let o = mlwb(&["run", "--help"]);
    assert!(!stdout(&o).contains("--topics"), "{}", stdout(&o));
    assert!(stdout(&o).contains("--delimiter"));
    let o = mlwb(&["--topics", "x", "run", "--algo", "svm", "--dataset", "iris"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`run` does not read topics"),
        "{}",
        stderr(&o)
    );
    for sub in ["topics", "show", "check", "quiz"] {
        let o = mlwb(&[sub, "--help"]);
        assert!(stdout(&o).contains("--topics"), "{sub}");
    }
}

#[test]
fn history_prints_counts_as_integers() {
    let o = mlwb(&["run", "--algo", "decision-tree", "--dataset", "iris"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    let line = s
        .lines()
        .find(|l| l.starts_with("leaves: "))
        .expect("history line");
    let first = line["leaves: ".len()..].split(' ').next().expect("value");
    assert!(first.parse::<u64>().is_ok(), "an integer: {line}");
}

#[test]
fn knn_runs_from_the_cli_and_refuses_more_neighbours_than_rows() {
    let r = run_json(&["--algo", "knn", "--dataset", "iris"]);
    assert_eq!(r["algo"], "knn");
    assert_eq!(r["params"]["n_neighbors"], 5);
    assert_eq!(r["params"]["algorithm"], "auto");
    assert!(r["metrics"]["accuracy"].as_f64().expect("acc") > 0.9);
    // A binary set: the vote proportions give ROC and PR curves.
    let b = run_json(&[
        "--algo",
        "knn",
        "--dataset",
        "breast_cancer",
        "--scale",
        "standard",
        "--param",
        "weights=distance",
        "--param",
        "metric=manhattan",
    ]);
    assert!(b["roc"]["points"].as_array().is_some_and(|p| p.len() > 2));
    // 150 iris rows, 25% held out: 112 training rows.
    let o = mlwb(&[
        "run",
        "--algo",
        "knn",
        "--dataset",
        "iris",
        "--param",
        "n_neighbors=200",
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("n_neighbors") && e.contains("only 112 training rows"),
        "{e}"
    );
}
