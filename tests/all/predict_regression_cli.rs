//! `--predict FILE --out FILE` with a numeric target: the model is fitted on
//! all of the training file and one predicted value per row is written under
//! the target's name; bad prediction files and `--proba` are refused with a
//! message and leave OUT as it was.

use crate::common;
use common::mlwb;

use std::path::{Path, PathBuf};
use std::process::Output;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn cpu_vendor() -> String {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cpu_vendor.csv");
    p.to_str().expect("utf-8 path").to_string()
}

/// The first `n` rows of cpu_vendor without the target, behind an id column
/// `machine` (m1, m2, ...), and a row with a vendor never seen in training.
fn predict_file(dir: &Path, n: usize) -> (PathBuf, Vec<f64>) {
    let text = std::fs::read_to_string(cpu_vendor()).expect("fixture");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let cols: Vec<&str> = header.split(',').collect();
    assert_eq!(cols.last(), Some(&"target"));
    let mut out = format!("machine,{}\n", cols[..cols.len() - 1].join(","));
    let mut truth = Vec::new();
    for (i, l) in lines.take(n).enumerate() {
        let cells: Vec<&str> = l.split(',').collect();
        out.push_str(&format!(
            "m{},{}\n",
            i + 1,
            cells[..cells.len() - 1].join(",")
        ));
        truth.push(cells[cells.len() - 1].parse().expect("target"));
    }
    out.push_str("m999,newvendor,100,1000,4000,8,1,4\n");
    let p = dir.join("cpu_test.csv");
    std::fs::write(&p, out).expect("write");
    (p, truth)
}

#[test]
fn a_regressor_writes_one_value_per_row_under_the_target_name() {
    let dir = tempfile::tempdir().expect("dir");
    let (test, truth) = predict_file(dir.path(), 12);
    let out = dir.path().join("sub.csv");
    let o = mlwb(&[
        "run",
        "--json",
        "--algo",
        "decision-tree",
        "--dataset",
        &cpu_vendor(),
        "--predict",
        test.to_str().expect("p"),
        "--out",
        out.to_str().expect("p"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["rows"], 13);
    assert_eq!(v["n_train"], 209);
    assert_eq!(v["header"], serde_json::json!(["machine", "target"]));
    let notes = v["notes"].to_string();
    assert!(
        notes.contains(
            "column `vendor`: 1 row(s) with a level never seen in training (first `newvendor`)"
        ),
        "{notes}"
    );
    let text = std::fs::read_to_string(&out).expect("written");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "machine,target");
    assert_eq!(lines.len(), 14);
    // A fully grown tree fitted on every row gives a training row (these
    // have no twin with another target) its own target back.
    for (i, want) in truth.iter().enumerate() {
        let (id, val) = lines[i + 1].split_once(',').expect("two cells");
        assert_eq!(id, format!("m{}", i + 1));
        let got: f64 = val.parse().expect("a number");
        assert!((got - want).abs() < 1e-9, "row {}: {got} vs {want}", i + 1);
    }
    assert!(lines[13].starts_with("m999,"));

    // A linear model: the numbers are its fit on all rows. Its text output
    // says what was written.
    let o = mlwb(&[
        "run",
        "--algo",
        "ridge",
        "--dataset",
        &cpu_vendor(),
        "--predict",
        test.to_str().expect("p"),
        "--out",
        out.to_str().expect("p"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.contains("wrote 13 rows to")
            && said.contains("(machine,target), ridge fitted on all 209 rows"),
        "{said}"
    );
    let text = std::fs::read_to_string(&out).expect("written");
    let preds: Vec<f64> = text
        .lines()
        .skip(1)
        .map(|l| l.split_once(',').expect("cells").1.parse().expect("num"))
        .collect();
    assert_eq!(preds.len(), 13);
    // Ridge shrinks: close to the truth in aggregate, not equal row by row.
    let mean_abs: f64 = preds
        .iter()
        .zip(&truth)
        .map(|(p, t)| (p - t).abs())
        .sum::<f64>()
        / truth.len() as f64;
    assert!(mean_abs > 1e-6 && mean_abs < 150.0, "{mean_abs}");
}

#[test]
fn bad_prediction_files_and_proba_are_refused_and_out_is_untouched() {
    let dir = tempfile::tempdir().expect("dir");
    let (test, _) = predict_file(dir.path(), 5);
    let out = dir.path().join("sub.csv");
    std::fs::write(&out, "machine,target\nold,1\n").expect("write");
    let before = std::fs::read(&out).expect("read");
    let run = |file: &Path, extra: &[&str]| {
        let mut args = vec![
            "run",
            "--algo",
            "random-forest",
            "--param",
            "n_trees=5",
            "--dataset",
        ];
        let ds = cpu_vendor();
        args.push(&ds);
        args.extend(["--predict", file.to_str().expect("p")]);
        args.extend(["--out", out.to_str().expect("p")]);
        args.extend(extra);
        mlwb(&args)
    };
    // --proba with a numeric target.
    let o = run(&test, &["--proba"]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("--proba writes class probabilities") && e.contains("numeric target"),
        "{e}"
    );
    // A training column missing from the file.
    let lacking = dir.path().join("lacking.csv");
    std::fs::write(
        &lacking,
        "machine,vendor,myct,mmin,mmax,cach,chmin\nm1,amdahl,29,8000,32000,32,8\n",
    )
    .expect("write");
    let o = run(&lacking, &[]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("lacking.csv:1") && e.contains("`chmax` are not in this file"),
        "{e}"
    );
    // A cell that is not a number in a numeric column: file, line, column.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "machine,vendor,myct,mmin,mmax,cach,chmin,chmax\nm1,amdahl,29,8000,32000,32,8,32\nm2,amdahl,fast,8000,32000,32,8,32\n",
    )
    .expect("write");
    let o = run(&bad, &[]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("bad.csv:3:3") && e.contains("`myct`"), "{e}");
    // A ragged row.
    let ragged = dir.path().join("ragged.csv");
    std::fs::write(
        &ragged,
        "machine,vendor,myct,mmin,mmax,cach,chmin,chmax\nm1,amdahl,29,8000\n",
    )
    .expect("write");
    let o = run(&ragged, &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("ragged.csv:2"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&out).expect("read"), before);
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("ls").count(),
        5,
        "no temporary file left"
    );
    // A classifier with no regression form, and a regressor on classes.
    let o = mlwb(&[
        "run",
        "--algo",
        "gaussian-nb",
        "--dataset",
        &cpu_vendor(),
        "--predict",
        test.to_str().expect("p"),
        "--out",
        out.to_str().expect("p"),
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("not a regression algorithm"),
        "{}",
        stderr(&o)
    );
    let o = mlwb(&[
        "run",
        "--algo",
        "ridge",
        "--dataset",
        "iris",
        "--predict",
        test.to_str().expect("p"),
        "--out",
        out.to_str().expect("p"),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("has a class target"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&out).expect("read"), before);
}
