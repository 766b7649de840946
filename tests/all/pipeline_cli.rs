//! The table route through the binary: `inspect`, runs on the bundled
//! mixed-type sets, `--test FILE`, `--predict FILE --out FILE`, bounded reads.

use crate::common;
use common::{json, mlwb};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fixture(rel: &str) -> String {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    p.to_str().expect("utf-8 path").to_string()
}

#[test]
fn inspect_reports_kinds_and_the_task() {
    let v = json(&["inspect", "credit_g", "--json"]);
    assert_eq!(v["rows"], 1000);
    assert_eq!(v["task"], "classification");
    let cols = v["columns"].as_array().expect("columns");
    assert_eq!(cols.len(), 21);
    let kind = |name: &str| {
        cols.iter()
            .find(|c| c["name"] == name)
            .map(|c| c["kind"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    assert_eq!(kind("checking_status"), "categorical");
    assert_eq!(kind("credit_amount"), "numeric");
    assert_eq!(kind("foreign_worker"), "boolean");
    let n_cat = cols
        .iter()
        .filter(|c| c["kind"] == "categorical" && c["role"] == "feature")
        .count();
    assert_eq!(n_cat, 12, "13 categorical columns, one of them yes/no");
    let v = json(&["inspect", "diabetes", "--json"]);
    assert_eq!(v["task"], "regression");
    let v = json(&["inspect", &fixture("tables/titanic_train.csv"), "--json"]);
    let cols = v["columns"].as_array().expect("columns");
    assert_eq!(cols[0]["kind"], "id");
    assert_eq!(cols[0]["role"], "excluded");
    assert_eq!(cols[3]["name"], "age");
    assert!(cols[3]["missing"].as_u64().unwrap_or(0) > 0);
    let text = mlwb(&["inspect", "soybean"]);
    assert!(text.status.success());
    assert!(String::from_utf8_lossy(&text.stdout).contains("categorical"));
}

#[test]
fn mixed_bundled_sets_run() {
    let v = json(&[
        "run",
        "--json",
        "--algo",
        "random-forest",
        "--dataset",
        "credit_g",
        "--param",
        "n_trees=20",
        "--encode",
        "onehot",
    ]);
    assert_eq!(
        v["n_features"], 60,
        "7 numeric + 1 yes/no + 52 one-hot columns"
    );
    let acc = v["metrics"]["accuracy"].as_f64().expect("accuracy");
    assert!(acc > 0.7, "{acc}");
    assert!(v["notes"]
        .to_string()
        .contains("one-hot over 4 training level(s)"));
    // Soybean has gaps: refused with the fix named, then imputed.
    let o = mlwb(&["run", "--algo", "random-forest", "--dataset", "soybean"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--missing auto"), "{}", stderr(&o));
    let v = json(&[
        "run",
        "--json",
        "--algo",
        "decision-tree",
        "--dataset",
        "soybean",
        "--missing",
        "auto",
        "--cv",
        "3",
    ]);
    let acc = v["metrics"]["accuracy"].as_f64().expect("accuracy");
    assert!(acc > 0.8, "{acc}");
    assert_eq!(v["cv"]["folds"], 3);
    assert!(v["notes"]
        .to_string()
        .contains("missing filled with the most frequent training level"));
}

#[test]
fn held_out_test_file() {
    let v = json(&[
        "run",
        "--json",
        "--algo",
        "logistic-regression",
        "--dataset",
        &fixture("tables/titanic_train.csv"),
        "--missing",
        "auto",
        "--test",
        &fixture("tables/titanic_labelled.csv"),
    ]);
    assert_eq!(v["n_train"], 160);
    assert_eq!(v["n_test"], 40);
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("class `2` never seen in training"),
        "{notes}"
    );
    assert!(notes.contains("`PassengerId`: ID-like"), "{notes}");
    assert_eq!(v["classes"].as_array().map(Vec::len), Some(3));
    // A file without the target column cannot be evaluated: the message
    // points to --predict.
    let o = mlwb(&[
        "run",
        "--algo",
        "logistic-regression",
        "--dataset",
        &fixture("tables/titanic_train.csv"),
        "--missing",
        "auto",
        "--test",
        &fixture("tables/titanic_test.csv"),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--predict"), "{}", stderr(&o));
}

#[test]
fn predict_writes_a_submission_whole_or_not_at_all() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("submission.csv");
    let out_s = out.to_str().expect("utf-8");
    let train = fixture("tables/titanic_train.csv");
    let test = fixture("tables/titanic_test.csv");
    let v = json(&[
        "run",
        "--json",
        "--algo",
        "random-forest",
        "--param",
        "n_trees=20",
        "--dataset",
        &train,
        "--missing",
        "auto",
        "--predict",
        &test,
        "--out",
        out_s,
    ]);
    assert_eq!(v["rows"], 40);
    assert!(v["notes"]
        .to_string()
        .contains("column `embarked`: 1 row(s) with a level never seen"));
    let text = std::fs::read_to_string(&out).expect("written");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "PassengerId,survived");
    assert_eq!(lines.len(), 41);
    assert!(lines[1].starts_with("161,"));
    assert!(lines[1..]
        .iter()
        .all(|l| l.ends_with(",0") || l.ends_with(",1")));
    // Probabilities: one column per class, rows summing to 1.
    let v = json(&[
        "run",
        "--json",
        "--algo",
        "gaussian-nb",
        "--dataset",
        &train,
        "--missing",
        "auto",
        "--predict",
        &test,
        "--out",
        out_s,
        "--proba",
    ]);
    assert_eq!(v["header"], serde_json::json!(["PassengerId", "0", "1"]));
    let text = std::fs::read_to_string(&out).expect("written");
    for l in text.lines().skip(1) {
        let p: Vec<f64> = l
            .split(',')
            .skip(1)
            .map(|x| x.parse().expect("number"))
            .collect();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-5, "{l}");
    }
    // A test file lacking training columns: a clear message, OUT untouched.
    let before = std::fs::read(&out).expect("read");
    let o = mlwb(&[
        "run",
        "--algo",
        "gaussian-nb",
        "--dataset",
        &train,
        "--missing",
        "auto",
        "--predict",
        &fixture("bad/test_lacks_columns.csv"),
        "--out",
        out_s,
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("`fare`, `embarked` are not in this file"), "{e}");
    assert_eq!(std::fs::read(&out).expect("read"), before);
    let fresh = dir.path().join("never.csv");
    let o = mlwb(&[
        "run",
        "--algo",
        "gaussian-nb",
        "--dataset",
        &train,
        "--missing",
        "auto",
        "--predict",
        &fixture("bad/test_lacks_columns.csv"),
        "--out",
        fresh.to_str().expect("utf-8"),
    ]);
    assert!(!o.status.success());
    assert!(!fresh.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("ls").count(),
        1,
        "no temporary file left"
    );
}

#[test]
fn stray_text_in_a_number_column_is_located() {
    let o = mlwb(&[
        "run",
        "--algo",
        "gaussian-nb",
        "--dataset",
        &fixture("bad/stray_text_in_numbers.csv"),
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("stray_text_in_numbers.csv:4:2") && e.contains("--categorical b"),
        "{e}"
    );
}

#[test]
fn bounded_reads() {
    let dir = tempfile::tempdir().expect("dir");
    let big = dir.path().join("big.csv");
    std::fs::write(&big, "a,t\n".to_string() + &"1,x\n2,y\n".repeat(200)).expect("write");
    let o = mlwb(&[
        "run",
        "--algo",
        "gaussian-nb",
        "--dataset",
        big.to_str().expect("p"),
        "--max-bytes",
        "1k",
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("over the read limit of 1024 bytes"),
        "{}",
        stderr(&o)
    );
    #[cfg(unix)]
    {
        let o = mlwb(&["run", "--algo", "gaussian-nb", "--dataset", "/dev/zero"]);
        assert!(
            stderr(&o).contains("not a regular file (a character device)"),
            "{}",
            stderr(&o)
        );
        let fifo = dir.path().join("pipe.csv");
        let made = Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if made {
            let o = mlwb(&["inspect", fifo.to_str().expect("p")]);
            assert!(stderr(&o).contains("FIFO"), "{}", stderr(&o));
        }
    }
}

/// The loader and the column pipeline both mention a left-out ID column;
/// the report says each thing once.
#[test]
fn each_note_is_said_once() {
    let v = json(&[
        "run",
        "--json",
        "--algo",
        "logistic-regression",
        "--dataset",
        &fixture("tables/titanic_train.csv"),
        "--missing",
        "auto",
    ]);
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    let id = notes.iter().filter(|n| n.contains("ID-like")).count();
    assert_eq!(id, 1, "{notes:?}");
    let mut unique = notes.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), notes.len(), "{notes:?}");
}
