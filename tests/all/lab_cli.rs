//! Labs on the command line: `mlwb run --algo init` without `--dataset`,
//! as JSON and as text; `mlwb algos` lists them; `mlwb check` on lab
//! presets in topic files.

use crate::common;
use common::mlwb;

use std::process::{Command, Output};

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const SMALL: [&str; 6] = [
    "--param", "depth=5", "--param", "width=24", "--param", "batch=40",
];

#[test]
fn init_runs_without_a_dataset_and_prints_json() {
    let mut args = vec!["run", "--algo", "init", "--json"];
    args.extend(SMALL);
    let o = mlwb(&args);
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["task"], "lab");
    assert_eq!(v["algo"], "init");
    assert_eq!(v["done"], 3);
    assert_eq!(v["total"], 3);
    assert_eq!(v["charts"].as_array().expect("charts").len(), 2);
    assert_eq!(v["histograms"].as_array().expect("histograms").len(), 15);
    let notices = v["notices"].as_array().expect("notices");
    assert!(!notices.is_empty());
    assert!(notices
        .iter()
        .all(|n| n["text"]["en"].is_string() && n["text"]["zh"].is_string()));
    assert!(v["dataset"]
        .as_str()
        .expect("dataset")
        .starts_with("digits: 40"));
    // Same seed, same numbers.
    let again: serde_json::Value = serde_json::from_slice(&mlwb(&args).stdout).expect("json");
    for k in ["figures", "charts", "tables", "histograms", "notices"] {
        assert_eq!(v[k], again[k], "{k}");
    }
}

#[test]
fn init_text_output_is_readable() {
    let mut args = vec!["run", "--algo", "init", "--param", "activation=relu"];
    args.extend(SMALL);
    let o = mlwb(&args);
    assert!(o.status.success(), "{}", err(&o));
    let s = out(&o);
    for want in [
        "init on digits: 40 standardised",
        "Xavier std L5",
        "He zero L5",
        "chart: Std per layer (ReLU activations) (std against layer, log scale)",
        "  series  points  first",
        "table: Per layer",
        "  init    layer",
        "histograms: He (5 of them",
        "what to notice:",
        "(see `mlwb show representation-learning`)",
    ] {
        assert!(s.contains(want), "missing {want:?}:\n{s}");
    }
    // Tables are aligned: every row of the per-layer table is as wide as
    // its header once trailing spaces go.
    let table: Vec<&str> = s
        .lines()
        .skip_while(|l| !l.starts_with("table: Per layer"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(table.len(), 16, "{s}");
    let layer_col = table[0].find("layer").expect("layer column") + "layer".len();
    for row in &table[1..] {
        let cell = &row[..layer_col];
        assert!(
            cell.trim_end().len() == layer_col,
            "layer right-aligned under its header: {row:?}"
        );
    }
}

#[test]
fn a_dataset_is_required_for_non_labs_and_refused_by_this_lab() {
    let o = mlwb(&["run", "--algo", "svm"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("`svm` needs a dataset: add --dataset NAME"),
        "{}",
        err(&o)
    );
    let o = mlwb(&["run", "--algo", "init", "--dataset", "iris"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("makes its own data; it takes no dataset"),
        "{}",
        err(&o)
    );
    let o = mlwb(&["run", "--algo", "init", "--param", "depth=0"]);
    assert!(!o.status.success());
    assert!(err(&o).contains("invalid parameter `depth`"), "{}", err(&o));
    let o = mlwb(&["run", "--algo", "no-such-lab"]);
    assert!(
        err(&o).contains("no algorithm `no-such-lab`"),
        "{}",
        err(&o)
    );
}

#[test]
fn algos_lists_the_lab_with_its_task_and_topics() {
    let s = out(&mlwb(&["algos"]));
    let line = s
        .lines()
        .find(|l| l.starts_with("init "))
        .expect("init listed");
    assert!(line.contains("[own, lab]"), "{line}");
    assert!(line.contains("topics: representation-learning"), "{line}");
    let v: serde_json::Value =
        serde_json::from_slice(&mlwb(&["algos", "--json"]).stdout).expect("json");
    let init = v
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["name"] == "init")
        .expect("init");
    assert_eq!(init["task"], "lab");
    assert!(init["topics"].as_array().expect("topics").len() >= 2);
}

/// `mlwb check` on presets: a lab without a dataset is fine; an unknown
/// lab, a bad lab parameter, a dataset or a scale given to a lab that takes
/// none, and a table algorithm without a dataset are errors at their line.
#[test]
fn check_validates_lab_presets() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = std::fs::read_to_string("tests/fixtures/good/01-root.yaml").expect("fixture");
    std::fs::write(dir.path().join("01-root.yaml"), root).expect("write");
    let topic = "format: 1
topics:
  - id: lab-presets
    parent: my-notes
    experiments:
      - {algo: init}
      - {algo: init, params: {activation: relu, depth: 4}}
      - {algo: inti}
      - {algo: init, params: {activation: softplus}}
      - {algo: init, dataset: digits}
      - {algo: init, scale: standard}
      - {algo: svm}
    title: {zh: 实验预设, en: Lab presets}
    body: |
      Lab presets, good and bad.
    interview: |
      - Which are refused? The bad ones.
";
    std::fs::write(dir.path().join("02-labs.yaml"), topic).expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_mlwb"))
        .args(["check", "--topics"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("run mlwb");
    let text = format!("{}{}", out(&o), err(&o));
    assert!(!o.status.success(), "{text}");
    // Entries that repeat `algo: init` are located at its first use; the
    // others at their own line.
    for (line, want) in [
        (Some(8), "experiment: no algorithm `inti`"),
        (None, "invalid parameter `activation`"),
        (
            Some(10),
            "this lab makes its own data and takes no dataset (got `digits`)",
        ),
        (None, "a lab takes no scale (got `standard`)"),
        (Some(12), "experiment `svm`: needs a dataset"),
    ] {
        let hit = text
            .lines()
            .find(|l| l.contains(want))
            .unwrap_or_else(|| panic!("missing {want:?}:\n{text}"));
        if let Some(line) = line {
            assert!(hit.contains(&format!("02-labs.yaml:{line}:")), "{hit}");
        }
    }
    let errors = text
        .lines()
        .filter(|l| l.contains("02-labs.yaml:") && l.contains("experiment"))
        .count();
    assert_eq!(errors, 5, "the two good presets pass:\n{text}");
}
