//! The regression task through the binary: every regressor on diabetes
//! (`run --json` and text), cross-validation, the task decided by the
//! target, `algos --json` listing each entry's tasks, and the refusals.

use crate::common;
use common::mlwb;

fn run_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["run", "--json", "--dataset", "diabetes"];
    all.extend_from_slice(args);
    let o = mlwb(&all);
    assert!(
        o.status.success(),
        "mlwb {}: {}",
        all.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("run --json prints JSON")
}

#[test]
fn every_regressor_runs_on_diabetes_with_its_figures() {
    for (algo, extra, min_r2) in [
        ("linear-regression", vec![], 0.3),
        ("ridge", vec![], 0.3),
        ("lasso", vec![], 0.3),
        ("elastic-net", vec!["--param", "alpha=0.1"], 0.3),
        ("decision-tree", vec!["--param", "max_depth=3"], -0.5),
        ("random-forest", vec!["--param", "n_trees=10"], 0.0),
        ("knn", vec!["--scale", "standard"], 0.0),
        ("svm", vec!["--scale", "standard", "--param", "c=100"], 0.0),
    ] {
        let mut args = vec!["--algo", algo];
        args.extend(extra);
        let j = run_json(&args);
        assert_eq!(j["task"], "regression", "{algo}");
        assert_eq!(j["n_train"].as_u64(), Some(331), "{algo}");
        assert_eq!(j["n_test"].as_u64(), Some(111), "{algo}");
        let r2 = j["metrics"]["r2"].as_f64().expect("r2");
        assert!(r2 > min_r2 && r2 < 1.0, "{algo}: R² {r2}");
        for k in ["rmse", "mae", "mape"] {
            assert!(
                j["metrics"][k].as_f64().is_some_and(|v| v > 0.0),
                "{algo} {k}"
            );
        }
        assert!(!j["learning_curve"].as_array().expect("curve").is_empty());
        let linear = ["linear-regression", "ridge", "lasso", "elastic-net"].contains(&algo);
        assert_eq!(j.get("coefficients").is_some(), linear, "{algo}");
        assert_eq!(j.get("lasso_path").is_some(), linear, "{algo}");
    }
    let ols = run_json(&["--algo", "linear-regression"]);
    let rows = ols["coefficients"].as_array().expect("rows");
    assert_eq!(rows.len(), 11);
    assert_eq!(rows[0]["name"], "(intercept)");
    assert!(rows.iter().all(|r| r["std_err"].as_f64().is_some()));
    // Same seed, same numbers.
    assert_eq!(
        run_json(&[
            "--algo",
            "random-forest",
            "--param",
            "n_trees=5",
            "--seed",
            "3"
        ])["metrics"],
        run_json(&[
            "--algo",
            "random-forest",
            "--param",
            "n_trees=5",
            "--seed",
            "3"
        ])["metrics"]
    );
}

#[test]
fn cross_validation_reports_every_fold_and_text_output_has_the_table() {
    let j = run_json(&["--algo", "ridge", "--cv", "5"]);
    assert_eq!(j["cv"]["folds"], 5);
    assert_eq!(j["cv"]["r2"].as_array().expect("r2").len(), 5);
    let mean = j["cv"]["mean_r2"].as_f64().expect("mean");
    assert!(mean > 0.3 && mean < 0.7, "{mean}");
    let o = mlwb(&[
        "run",
        "--algo",
        "linear-regression",
        "--dataset",
        "diabetes",
        "--cv",
        "3",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    for want in [
        "test   R²",
        "3-fold CV R²",
        "std. error",
        "(intercept)",
        "bmi",
        "lasso path",
    ] {
        assert!(text.contains(want), "{want} missing in:\n{text}");
    }
}

#[test]
fn the_target_decides_the_task_and_algos_lists_both() {
    let o = mlwb(&["run", "--algo", "gaussian-nb", "--dataset", "diabetes"]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("not a regression algorithm") && e.contains("ridge"),
        "{e}"
    );
    let o = mlwb(&["run", "--algo", "ridge", "--dataset", "iris"]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("is a regression algorithm"), "{e}");
    let a: serde_json::Value =
        serde_json::from_slice(&mlwb(&["algos", "--json"]).stdout).expect("json");
    let tasks = |name: &str| {
        a.as_array()
            .expect("array")
            .iter()
            .find(|x| x["name"] == name)
            .map(|x| x["tasks"].clone())
            .expect(name)
    };
    assert_eq!(
        tasks("knn"),
        serde_json::json!(["classification", "regression"])
    );
    assert_eq!(
        tasks("svm"),
        serde_json::json!(["classification", "regression"])
    );
    assert_eq!(tasks("lasso"), serde_json::json!(["regression"]));
    assert_eq!(tasks("gaussian-nb"), serde_json::json!(["classification"]));
}

#[test]
fn a_rank_deficient_design_is_refused_with_the_column_named() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("dup.csv");
    let mut s = String::from("a,b,twice_a,y\n");
    for i in 0..40 {
        let a = f64::from(i) * 0.5;
        s.push_str(&format!(
            "{a},{},{},{}\n",
            (i * 7) % 5,
            2.0 * a,
            a * 1.5 + f64::from(i % 3)
        ));
    }
    std::fs::write(&p, s).expect("write");
    let o = mlwb(&[
        "run",
        "--algo",
        "linear-regression",
        "--dataset",
        p.to_str().expect("path"),
    ]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("`twice_a`") && e.contains("ridge"), "{e}");
    let o = mlwb(&[
        "run",
        "--algo",
        "ridge",
        "--dataset",
        p.to_str().expect("path"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
