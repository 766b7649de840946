//! `--encode onehot|ordinal|auto`: tree models get one ordinal column per
//! category under auto, the others one-hot columns; one-hot stays sparse for
//! the models that take sparse rows when the levels are many; the report
//! says per column what was done.

use crate::common;
use common::{json, mlwb};

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use mlwb::experiment::{self, Config};

fn fixture(rel: &str) -> String {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    p.to_str().expect("utf-8 path").to_string()
}

#[test]
fn auto_gives_trees_ordinal_codes_and_the_rest_one_hot() {
    let run = |algo: &str, encode: &str| {
        json(&[
            "run",
            "--json",
            "--algo",
            algo,
            "--param",
            "max_depth=4",
            "--dataset",
            "credit_g",
            "--encode",
            encode,
        ])
    };
    let tree = run("decision-tree", "auto");
    // 20 feature columns, one each.
    assert_eq!(tree["n_features"], 20);
    let notes = tree["notes"].to_string();
    assert!(
        notes.contains(
            "`checking_status`: categorical, ordinal codes 0..3 over 4 training level(s)"
        ),
        "{notes}"
    );
    assert!(notes.contains("reserved code -1"), "{notes}");
    let one_hot = run("decision-tree", "onehot");
    assert!(one_hot["n_features"].as_u64().expect("n") > 50);
    assert!(one_hot["notes"]
        .to_string()
        .contains("`checking_status`: categorical, one-hot over 4 training level(s)"));
    let o = mlwb(&[
        "run",
        "--json",
        "--algo",
        "logistic-regression",
        "--dataset",
        "credit_g",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        v["n_features"], one_hot["n_features"],
        "auto: one-hot for the rest"
    );
    // Asked for, a linear model takes ordinal codes too.
    let o = mlwb(&[
        "run",
        "--json",
        "--algo",
        "logistic-regression",
        "--dataset",
        "credit_g",
        "--encode",
        "ordinal",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["n_features"], 20);
    let o = mlwb(&[
        "run",
        "--algo",
        "gbdt",
        "--dataset",
        "credit_g",
        "--encode",
        "binary",
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("expected onehot, ordinal or auto"));
}

#[test]
fn a_level_unseen_at_prediction_gets_the_reserved_code() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("sub.csv");
    let v = json(&[
        "run",
        "--json",
        "--algo",
        "random-forest",
        "--param",
        "n_trees=10",
        "--dataset",
        &fixture("tables/titanic_train.csv"),
        "--missing",
        "auto",
        "--predict",
        &fixture("tables/titanic_test.csv"),
        "--out",
        out.to_str().expect("p"),
    ]);
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("column `embarked`: 1 row(s) with a level never seen in training (first `X`), encoded as the reserved code -1"),
        "{notes}"
    );
    let v = json(&[
        "run",
        "--json",
        "--algo",
        "random-forest",
        "--param",
        "n_trees=10",
        "--dataset",
        &fixture("tables/titanic_train.csv"),
        "--missing",
        "auto",
        "--predict",
        &fixture("tables/titanic_test.csv"),
        "--out",
        out.to_str().expect("p"),
        "--encode",
        "onehot",
    ]);
    assert!(v["notes"]
        .to_string()
        .contains("(first `X`), encoded as all zeros"));
}

/// Categorical columns only (so `--scale maxabs` leaves the 0/1 columns as
/// they are): `many` with 80 levels, `few` with 3; the class leans on both.
fn many_levels(dir: &Path) -> String {
    let mut s = String::from("many,few,y\n");
    let mut state = 7u64;
    for _ in 0..900 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let m = (state >> 33) % 66;
        let f = (state >> 20) % 3;
        let noise = (state >> 45).is_multiple_of(10);
        let y = u8::from(m.is_multiple_of(3) ^ (f == 1) ^ noise);
        s.push_str(&format!("L{m},f{f},{y}\n"));
    }
    let p = dir.join("levels.csv");
    std::fs::write(&p, s).expect("write");
    p.to_str().expect("utf-8").to_string()
}

#[test]
fn many_one_hot_levels_stay_sparse_with_the_same_model() {
    let dir = tempfile::tempdir().expect("dir");
    let data = many_levels(dir.path());
    for algo in ["logistic-regression", "multinomial-nb", "linear-svm"] {
        let run = |scale: Option<&str>| {
            let config = Config {
                algo: algo.into(),
                dataset: data.clone(),
                csv: mlwb::data::CsvOptions {
                    categorical: vec!["many".into(), "few".into()],
                    ..Default::default()
                },
                scale: scale.map(|s| s.parse().expect("scale")),
                ..Config::default()
            };
            experiment::run(&config, &mut |_| {}, &AtomicBool::new(false))
                .unwrap_or_else(|e| panic!("{algo}: {e}"))
        };
        let sparse = run(None);
        let dense = run(Some("maxabs"));
        let said = sparse.notes.join("\n");
        assert!(
            said.contains("features kept sparse:") && said.contains("one-hot), "),
            "{algo}: {said}"
        );
        assert!(!dense.notes.join("\n").contains("kept sparse"));
        // Max-abs scaling leaves 0/1 columns unchanged: the same problem,
        // dense. The fitted models agree on (nearly) every test row.
        let (a, b) = (sparse.test_pred(), dense.test_pred());
        assert_eq!(a.len(), b.len());
        let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
        assert!(same + 2 >= a.len(), "{algo}: {same} of {} agree", a.len());
        let acc = sparse.metrics().expect("metrics").accuracy;
        assert!(acc > 0.6, "{algo}: accuracy {acc}");
    }
}

/// A run says what it is doing before its fit reports steps: the TUI's
/// status line shows these stages (vectorising, fitting on a sparse matrix).
#[test]
fn a_run_reports_its_stages() {
    let config = Config {
        algo: "multinomial-nb".into(),
        dataset: "sentiment_amazon".into(),
        ..Config::default()
    };
    let mut stages = Vec::new();
    experiment::run(
        &config,
        &mut |e| {
            if let experiment::Event::Stage(s) = e {
                stages.push(s);
            }
        },
        &AtomicBool::new(false),
    )
    .expect("run");
    assert_eq!(stages.len(), 3, "{stages:?}");
    assert_eq!(stages[0], "loading sentiment_amazon");
    assert!(stages[1].starts_with("vectorising "), "{stages:?}");
    assert!(
        stages[2].starts_with("fitting on ") && stages[2].contains("(sparse, "),
        "{stages:?}"
    );
}

/// The loading events of a run on `file`: (bytes parsed, file size).
fn loading_events(file: &std::path::Path, missing: mlwb::data::Missing) -> Vec<(u64, u64)> {
    let mut config = Config {
        algo: "logistic-regression".into(),
        dataset: file.to_string_lossy().into_owned(),
        ..Config::default()
    };
    config.csv.missing = missing;
    let mut seen = Vec::new();
    experiment::run(
        &config,
        &mut |e| {
            if let experiment::Event::Loading { done, total } = e {
                seen.push((done, total));
            }
        },
        &AtomicBool::new(false),
    )
    .expect("run");
    seen
}

#[test]
fn loading_a_file_reports_bytes_read_on_both_paths() {
    let dir = tempfile::tempdir().expect("tmp");
    // A plain numeric file (the streaming path) and a mixed one with a gap
    // (the typed path): both report the parse position, ending at the size.
    let mut numeric = String::from("a,b,y\n");
    let mut mixed = String::from("a,colour,y\n");
    for i in 0..3000 {
        numeric.push_str(&format!("{},{},{}\n", i % 17, (i * 7) % 11, i % 2));
        let a = if i == 5 {
            String::new()
        } else {
            (i % 13).to_string()
        };
        let colour = ["red", "green", "blue"][i % 3];
        mixed.push_str(&format!("{a},{colour},{}\n", (i / 3) % 2));
    }
    for (name, text, missing) in [
        ("numeric.csv", numeric, mlwb::data::Missing::Refuse),
        ("mixed.csv", mixed, mlwb::data::Missing::Auto),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &text).expect("write");
        let size = text.len() as u64;
        let seen = loading_events(&path, missing);
        assert!(seen.len() >= 10, "{name}: {} events", seen.len());
        assert!(seen.len() <= 102, "{name}: {} events", seen.len());
        assert!(
            seen.iter().all(|&(d, t)| t == size && d <= t),
            "{name}: {size} bytes, {seen:?}"
        );
        assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{name}");
        assert_eq!(seen.last(), Some(&(size, size)), "{name}");
    }
}

/// `--predict` and `--test` encode as `mlwb run` does: sparse one-hot rows
/// for a sparse-capable model when the levels are many, and the same
/// predictions as the dense encoding of the same problem.
#[test]
fn predict_and_test_files_stay_sparse_with_the_same_predictions() {
    let dir = tempfile::tempdir().expect("dir");
    let data = many_levels(dir.path());
    let text = std::fs::read_to_string(&data).expect("read");
    // The last 300 rows as an unlabelled file with an id column, and as a
    // labelled test file.
    let rows: Vec<&str> = text.lines().skip(1).collect();
    let (train, held) = rows.split_at(600);
    let train_path = dir.path().join("train.csv");
    let test_path = dir.path().join("test.csv");
    let predict_path = dir.path().join("predict.csv");
    std::fs::write(&train_path, format!("many,few,y\n{}\n", train.join("\n"))).expect("write");
    std::fs::write(&test_path, format!("many,few,y\n{}\n", held.join("\n"))).expect("write");
    let unlabelled: Vec<String> = held
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{},{}", 1000 + i, r.rsplit_once(',').expect("a row").0))
        .collect();
    std::fs::write(
        &predict_path,
        format!("id,many,few\n{}\n", unlabelled.join("\n")),
    )
    .expect("write");
    let s = |p: &Path| p.to_str().expect("utf-8").to_string();
    let (train_s, test_s, predict_s) = (s(&train_path), s(&test_path), s(&predict_path));
    for algo in ["logistic-regression", "multinomial-nb", "linear-svm"] {
        let base = [
            "run",
            "--json",
            "--algo",
            algo,
            "--dataset",
            &train_s,
            "--categorical",
            "many,few",
        ];
        let submit = |scale: &[&str], out: &str| {
            let out = dir.path().join(out);
            let mut args = base.to_vec();
            args.extend_from_slice(&["--predict", &predict_s, "--out"]);
            let out_s = s(&out);
            args.push(&out_s);
            args.extend_from_slice(scale);
            let v = json(&args);
            let written = std::fs::read_to_string(&out).expect("submission");
            (v, written)
        };
        let (sparse, a) = submit(&[], "sparse.csv");
        let (dense, b) = submit(&["--scale", "maxabs"], "dense.csv");
        assert!(
            sparse["notes"]
                .to_string()
                .contains("features kept sparse:"),
            "{algo}: {}",
            sparse["notes"]
        );
        assert!(
            !dense["notes"].to_string().contains("kept sparse"),
            "{algo}"
        );
        let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
        assert_eq!(a.len(), 301, "{algo}");
        assert_eq!(a[0], "id,y");
        let same = a.iter().zip(&b).filter(|(x, y)| x == y).count();
        assert!(same + 2 >= a.len(), "{algo}: {same} of {} agree", a.len());
        // The labelled file: evaluated on sparse rows too.
        let v = json(&[&base[..], &["--test", &test_s]].concat());
        assert!(
            v["notes"].to_string().contains("features kept sparse:"),
            "{algo}"
        );
        let acc = v["metrics"]["accuracy"].as_f64().expect("accuracy");
        assert!(acc > 0.6, "{algo}: accuracy {acc}");
    }
}
