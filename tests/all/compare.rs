//! `mlwb compare`: the Student-t p-values and whole small comparisons
//! against scipy / scikit-learn on mlwb's own folds (figures from
//! tests/reference/make_compare_reference.py), every bundled table and text
//! dataset through the binary, the exports, and the refusals.

use crate::common;
use common::mlwb;

use std::sync::atomic::AtomicBool;

use mlwb::experiment::compare::{self, CompareConfig};
use mlwb::experiment::ttest;
use mlwb::experiment::Config;
use serde_json::Value;

fn reference() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/compare_reference.json"
    ))
    .expect("reference file");
    serde_json::from_str(&text).expect("reference JSON")
}

fn f(v: &Value) -> f64 {
    v.as_f64().expect("number")
}

#[test]
fn student_t_matches_scipy() {
    let r = reference();
    let grid = r["student_t"].as_array().expect("grid");
    assert!(grid.len() > 50);
    for g in grid {
        let (t, df) = (f(&g["t"]), f(&g["df"]));
        let p = ttest::student_t_two_sided(t, df);
        let c = ttest::student_t_cdf(t, df);
        assert!(
            (p - f(&g["p_two_sided"])).abs() < 1e-10,
            "t={t} df={df}: p {p} vs {}",
            g["p_two_sided"]
        );
        assert!(
            (c - f(&g["cdf"])).abs() < 1e-10,
            "t={t} df={df}: cdf {c} vs {}",
            g["cdf"]
        );
    }
}

/// Parse the `--algos a,b --cv K --repeats R --seed S --param a.k=v` the
/// script passed to the binary into a configuration.
fn config_of(dataset: &str, args: &[Value]) -> CompareConfig {
    let args: Vec<&str> = args.iter().map(|a| a.as_str().expect("arg")).collect();
    let mut cfg = CompareConfig {
        base: Config {
            dataset: dataset.into(),
            ..Config::default()
        },
        threads: 2,
        ..CompareConfig::default()
    };
    for w in args.chunks(2) {
        match w[0] {
            "--algos" => cfg.algos = w[1].split(',').map(String::from).collect(),
            "--cv" => cfg.folds = w[1].parse().expect("cv"),
            "--repeats" => cfg.repeats = w[1].parse().expect("repeats"),
            "--seed" => cfg.base.seed = w[1].parse().expect("seed"),
            "--param" => {
                let (lhs, v) = w[1].split_once('=').expect("k=v");
                let (a, k) = lhs.split_once('.').expect("algo.k");
                cfg.params.push((a.into(), k.into(), v.into()));
            }
            o => panic!("unexpected argument {o}"),
        }
    }
    cfg
}

#[test]
fn per_fold_scores_and_t_tests_match_scikit_learn_on_the_same_folds() {
    let r = reference();
    let never = AtomicBool::new(false);
    for case in r["comparisons"].as_array().expect("comparisons") {
        let dataset = case["dataset"].as_str().expect("dataset");
        let cfg = config_of(dataset, case["args"].as_array().expect("args"));
        let ours = compare::compare(&cfg, &|_| {}, &never).expect("compare");
        // The folds the reference replayed are the ones we make.
        let folds: Vec<Vec<usize>> =
            serde_json::from_value(case["fold_test_rows"].clone()).expect("folds");
        assert_eq!(ours.fold_test_rows, folds, "{dataset}");
        assert!((ours.test_train_ratio - f(&case["test_train_ratio"])).abs() < 1e-12);
        let best = ours.best.map(|b| ours.rows[b].algo.as_str());
        assert_eq!(best, case["best"].as_str(), "{dataset}");
        for row in &ours.rows {
            let want = &case["rows"][&row.algo];
            assert!(row.is_ok(), "{dataset} {}: {:?}", row.algo, row.status);
            for m in 0..2 {
                let w: Vec<f64> =
                    serde_json::from_value(want["scores"][m].clone()).expect("scores");
                assert_eq!(row.scores[m].len(), w.len());
                for (k, (a, b)) in row.scores[m].iter().zip(&w).enumerate() {
                    assert!(
                        (a - b).abs() < 1e-8 * (1.0 + b.abs()),
                        "{dataset} {} metric {m} fold {k}: {a} vs scikit-learn {b}",
                        row.algo
                    );
                }
            }
            match (&row.vs_best, want.get("vs_best")) {
                (None, None) => assert!(row.best),
                (Some(t), Some(w)) => {
                    assert_eq!(t.df as u64, w["df"].as_u64().expect("df"));
                    assert!(
                        (t.t - f(&w["t"])).abs() < 1e-6 * (1.0 + t.t.abs()),
                        "{dataset} {}: t {} vs {}",
                        row.algo,
                        t.t,
                        w["t"]
                    );
                    assert!(
                        (t.p - f(&w["p"])).abs() < 1e-8,
                        "{dataset} {}: p {} vs {}",
                        row.algo,
                        t.p,
                        w["p"]
                    );
                    assert_eq!(row.worse, f(&w["p"]) < 0.05 && f(&w["mean_diff"]) > 0.0);
                }
                (a, b) => panic!("{dataset} {}: t-test {a:?} vs reference {b:?}", row.algo),
            }
        }
    }
}

/// Every bundled table and text corpus, with a small configuration (two
/// quick algorithms, 3 folds, 1 repeat) so the debug build stays fast.
#[test]
fn every_bundled_dataset_compares_through_the_binary() {
    let cases: &[(&str, &str, &[&str], &str)] = &[
        ("iris", "gaussian-nb,decision-tree", &[], "accuracy"),
        ("wine", "gaussian-nb,decision-tree", &[], "accuracy"),
        (
            "breast_cancer",
            "gaussian-nb,decision-tree",
            &[],
            "accuracy",
        ),
        ("digits", "gaussian-nb,decision-tree", &[], "accuracy"),
        ("moons", "gaussian-nb,knn", &[], "accuracy"),
        ("circles", "gaussian-nb,knn", &[], "accuracy"),
        ("blobs", "gaussian-nb,knn", &[], "accuracy"),
        (
            "credit_g",
            "gaussian-nb,decision-tree",
            &["--missing", "auto"],
            "accuracy",
        ),
        (
            "soybean",
            "gaussian-nb,decision-tree",
            &["--missing", "auto"],
            "accuracy",
        ),
        (
            "sentiment_amazon",
            "multinomial-nb,linear-svm",
            &[],
            "accuracy",
        ),
        ("diabetes", "linear-regression,decision-tree", &[], "r2"),
        // Not OLS: a fold's training rows can miss a vendor, whose one-hot
        // column is then all zeros (its row says so; ridge copes).
        ("cpu_vendor", "ridge,decision-tree", &[], "r2"),
    ];
    for (dataset, algos, extra, metric) in cases {
        let mut args = vec![
            "compare",
            "--json",
            "--dataset",
            dataset,
            "--algos",
            algos,
            "--cv",
            "3",
            "--repeats",
            "1",
        ];
        args.extend_from_slice(extra);
        let o = mlwb(&args);
        assert!(
            o.status.success(),
            "{}: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr)
        );
        let j: Value = serde_json::from_slice(&o.stdout).expect("JSON");
        assert_eq!(j["metrics"][0], *metric, "{dataset}");
        let rows = j["rows"].as_array().expect("rows");
        assert_eq!(rows.len(), 2, "{dataset}");
        for r in rows {
            assert_eq!(r["status"], "ok", "{dataset}: {r}");
            assert_eq!(
                r["scores"][0].as_array().map(Vec::len),
                Some(3),
                "{dataset}"
            );
            let m = f(&r["mean"][0]);
            assert!(m.is_finite() && m <= 1.0, "{dataset}: {m}");
        }
        assert_eq!(
            rows.iter().filter(|r| r["best"] == true).count(),
            1,
            "{dataset}"
        );
    }
}

#[test]
fn the_table_marks_the_best_and_the_exports_are_written_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv_path = dir.path().join("results.csv");
    let csv_s = csv_path.to_str().expect("path");
    let o = mlwb(&[
        "compare",
        "--dataset",
        "moons",
        "--algos",
        "multinomial-nb,gaussian-nb,knn",
        "--cv",
        "3",
        "--repeats",
        "2",
        "--out",
        csv_s,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("moons (400 rows, 2 classes): 3-fold CV × 2 repeats"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("knn") && l.contains("best")),
        "{text}"
    );
    // Multinomial NB refuses negative features: its row says so, the rest run.
    assert!(
        text.lines()
            .any(|l| l.starts_with("multinomial-nb") && l.contains("failed")),
        "{text}"
    );
    assert!(text.contains("  multinomial-nb: fold 1 of 6:"), "{text}");
    let csv = std::fs::read_to_string(&csv_path).expect("csv written");
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .is_some_and(|h| h.starts_with("algo,status,accuracy_mean,accuracy_std,macro_f1_mean")));
    assert_eq!(lines.count(), 3);
    assert!(csv.contains("\nmultinomial-nb,failed,"));

    let json_path = dir.path().join("r.json");
    let o = mlwb(&[
        "compare",
        "--dataset",
        "diabetes",
        "--algos",
        "linear-regression,knn",
        "--cv",
        "3",
        "--repeats",
        "1",
        "--out",
        json_path.to_str().expect("path"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("json")).expect("json");
    assert_eq!(j["task"], "regression");
    assert_eq!(j["metrics"], serde_json::json!(["r2", "rmse"]));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("R²") && text.contains("RMSE"), "{text}");
}

#[test]
fn bad_settings_are_refused_with_the_reason() {
    for (args, needle, code) in [
        (
            vec!["--algos", "gausian-nb"],
            "did you mean `gaussian-nb`",
            1,
        ),
        (vec!["--param", "k=3"], "name the algorithm too", 2),
        (
            vec!["--algos", "knn", "--param", "knn.kk=3"],
            "`knn`: invalid parameter `kk`",
            1,
        ),
        (
            vec!["--algos", "knn", "--param", "svm.c=3"],
            "not among the compared",
            1,
        ),
        (vec!["--cv", "1"], "--cv 1", 1),
        (vec!["--out", "x.txt"], "name a .csv or a .json file", 2),
        (
            vec!["--algos", "linear-regression"],
            "is not a classification algorithm",
            1,
        ),
    ] {
        let mut all = vec!["compare", "--dataset", "iris"];
        all.extend(args.iter().copied());
        let o = mlwb(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{}: {err}", all.join(" "));
        assert!(err.contains(needle), "{}: {err}", all.join(" "));
    }
    let o = mlwb(&["compare", "--dataset", "ner_synthetic"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("sequence data"));
}
