//! The neural labs through their public faces: the `mlp` lab against
//! scikit-learn's committed reference (through `experiment::run`, as the CLI
//! and the TUI run it), and the CLI of `mlwb arch` and the `cnn` lab.

mod common;
use common::mlwb;

use std::sync::atomic::AtomicBool;

use mlwb::experiment::{self, Config};

fn usizes(v: &serde_json::Value) -> Vec<usize> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|i| i.as_u64().expect("index") as usize)
        .collect()
}

/// `mlwb run --algo mlp` on digits with scikit-learn's settings of the
/// reference (one hidden layer of 64 ReLU units, Adam, lr 1e-3, batch 32,
/// alpha 1e-4, 10 epochs) is within 2 points of `MLPClassifier`'s mean test
/// accuracy over random_state 0..9 (tests/reference/mlp_reference.json,
/// made by tests/reference/make_mlp_reference.py on the same split).
#[test]
fn mlp_lab_on_digits_within_two_points_of_scikit_learn() {
    let r: serde_json::Value =
        serde_json::from_str(include_str!("reference/mlp_reference.json")).expect("reference");
    let p = &r["params"];
    assert_eq!(p["solver"], "adam");
    assert_eq!(p["activation"], "relu");
    let hidden = usizes(&p["hidden_layer_sizes"]);
    assert_eq!(hidden.len(), 1);
    let set = |k: &str, v: String| (k.to_string(), v);
    let config = Config {
        algo: "mlp".into(),
        dataset: "digits".into(),
        params: vec![
            set("layers", "1".into()),
            set("width", hidden[0].to_string()),
            set("activation", "relu".into()),
            set("optimizer", "adam".into()),
            set("learning_rate", p["learning_rate_init"].to_string()),
            set("batch_size", p["batch_size"].to_string()),
            set("alpha", p["alpha"].to_string()),
            set("epochs", p["max_iter"].to_string()),
        ],
        seed: r["split"]["seed"].as_u64().expect("seed"),
        ..Config::default()
    };
    let report = experiment::run(&config, &mut |_| {}, &AtomicBool::new(false)).expect("run");
    let lab = report.lab().expect("a lab outcome");
    let c = lab.classification.as_ref().expect("classification");
    // The lab trained and tested on the reference's rows.
    let test_rows: usize = c.confusion_matrix.counts.iter().flatten().sum();
    assert_eq!(test_rows, usizes(&r["split"]["test"]).len());
    assert!(
        lab.dataset.contains("1347 train / 450 test"),
        "{}",
        lab.dataset
    );
    let ours = lab.find_figure("test_accuracy").expect("figure");
    let theirs = r["test_accuracy"]["mean"].as_f64().expect("mean");
    eprintln!("mlp lab on digits: ours {ours:.4}, scikit-learn mean {theirs:.4}");
    assert!(
        (ours - theirs).abs() <= 0.02,
        "ours {ours:.4} vs scikit-learn {theirs:.4}"
    );
}

#[test]
fn arch_vgg16_json_has_every_layer_and_the_published_total() {
    let o = mlwb(&["arch", "vgg16", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["model"], "vgg16");
    assert_eq!(v["params"], 138_357_544u64);
    assert_eq!(v["input"], serde_json::json!([3, 224, 224]));
    let layers = v["layers"].as_array().expect("layers");
    let convs = layers
        .iter()
        .filter(|l| l["kind"].as_str().is_some_and(|k| k.starts_with("conv")))
        .count();
    assert_eq!(convs, 13);
    let sum: u64 = layers
        .iter()
        .map(|l| l["params"].as_u64().expect("n"))
        .sum();
    assert_eq!(sum, 138_357_544);
    assert_eq!(v["blocks"].as_array().expect("blocks").len(), 9);
}

#[test]
fn arch_text_table_and_errors() {
    let o = mlwb(&["arch", "resnet50"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("25,557,032"), "{text}");
    assert!(text.contains("layer4.2.conv3"), "{text}");
    let o = mlwb(&["arch", "vgg17"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no model `vgg17`") && err.contains("vgg16"),
        "{err}"
    );
    let o = mlwb(&["arch", "vgg16", "--input", "16"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("smaller than"));
}

#[test]
fn cnn_lab_runs_from_the_cli() {
    let o = mlwb(&[
        "run",
        "--algo",
        "cnn",
        "--param",
        "epochs=1",
        "--param",
        "channels=4",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["task"], "lab");
    let tables = v["tables"].as_array().expect("tables");
    assert!(tables.iter().any(|t| t["key"] == "layers"));
    let acc = v["figures"]
        .as_array()
        .expect("figures")
        .iter()
        .find(|f| f["key"] == "test_accuracy")
        .and_then(|f| f["value"].as_f64())
        .expect("test accuracy");
    assert!(acc > 0.3, "{acc}");
}

fn figure(v: &serde_json::Value, key: &str) -> f64 {
    v["figures"]
        .as_array()
        .expect("figures")
        .iter()
        .find(|f| f["key"] == key)
        .and_then(|f| f["value"].as_f64())
        .unwrap_or_else(|| panic!("figure {key}"))
}

/// A tiny `transformer` lab through the CLI: figures, the per-head
/// attention maps of each block, the position matrix, the comparison.
#[test]
fn transformer_lab_runs_from_the_cli() {
    let mut args = vec!["run", "--algo", "transformer", "--json"];
    for p in [
        "length=4",
        "layers=1",
        "heads=2",
        "d_model=8",
        "d_ff=8",
        "epochs=1",
        "sequences=64",
        "compare_steps=4",
        "compare_layers=1",
    ] {
        args.extend(["--param", p]);
    }
    let o = mlwb(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["task"], "lab");
    let acc = figure(&v, "test_token_accuracy");
    assert!((0.0..=1.0).contains(&acc));
    let maps = v["heatmaps"].as_array().expect("heatmaps");
    let att = maps
        .iter()
        .filter(|m| {
            m["group"]
                .as_str()
                .is_some_and(|g| g.starts_with("attention"))
        })
        .count();
    assert_eq!(att, 2, "one map per head of the one block");
    assert!(maps.iter().any(|m| m["key"] == "positions"));
    let charts = v["charts"].as_array().expect("charts");
    let cmp = charts
        .iter()
        .find(|c| c["key"] == "compare")
        .expect("compare");
    assert_eq!(cmp["series"].as_array().map(Vec::len), Some(4));
    // A setting the model cannot have is refused with the reason.
    let o = mlwb(&[
        "run",
        "--algo",
        "transformer",
        "--param",
        "heads=3",
        "--param",
        "d_model=8",
    ]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("heads = 3 does not divide d_model = 8"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A tiny `bert` lab through the CLI: the input table starts with [CLS],
/// the 80/10/10 shares are reported, and both fine-tuning curves are there.
#[test]
fn bert_lab_runs_from_the_cli() {
    let mut args = vec!["run", "--algo", "bert", "--json"];
    for p in [
        "vocab=40",
        "layers=1",
        "heads=2",
        "d_model=8",
        "d_ff=8",
        "max_len=12",
        "pretrain_steps=3",
        "finetune_steps=2",
        "repeats=1",
        "held_out=10",
    ] {
        args.extend(["--param", p]);
    }
    let o = mlwb(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let input = v["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["key"] == "input")
        .expect("input table");
    assert_eq!(input["rows"][0][1], "[CLS]");
    let m = figure(&v, "mask_share");
    assert!(m > 0.4 && m <= 1.0, "{m}");
    let labels = v["charts"]
        .as_array()
        .expect("charts")
        .iter()
        .find(|c| c["key"] == "labels")
        .expect("labels chart");
    assert_eq!(labels["series"].as_array().map(Vec::len), Some(2));
}
