//! The `relation-extraction` and `gen-vs-disc` labs on the command line
//! (`--json`) and in the TUI (opened with `e` from their notes, drawn at
//! 80x24). Tiny settings: these run in the debug build.

use crate::common;
use common::{figure, json, mlwb, open_experiment as open, screen};

use mlwb::content::{Library, TopicSource};
use mlwb::tui::Msg;

fn bilingual(v: &serde_json::Value) {
    let notices = v["notices"].as_array().expect("notices");
    assert!(!notices.is_empty());
    for n in notices {
        let zh = n["text"]["zh"].as_str().expect("zh");
        assert!(n["text"]["en"].is_string());
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{zh}"
        );
    }
}

const TINY_RE: [&str; 8] = [
    "--param",
    "train_sentences=100",
    "--param",
    "crf_iter=10",
    "--param",
    "epochs=1",
    "--param",
    "hidden=6",
];

#[test]
fn relation_extraction_json() {
    let mut args = vec!["run", "--algo", "relation-extraction", "--json"];
    args.extend(TINY_RE);
    let v = json(&args);
    for k in [
        "lr_micro_f1",
        "lr_macro_f1",
        "nn_micro_f1",
        "ner_f1",
        "pipeline_micro_f1",
        "joint_micro_f1",
        "joint_encodable",
    ] {
        let x = figure(&v, k);
        assert!((0.0..=1.0).contains(&x), "{k} = {x}");
    }
    // 5 relations + micro + macro rows; two confusion maps of 6 x 6.
    assert_eq!(v["tables"][0]["rows"].as_array().map(Vec::len), Some(7));
    assert_eq!(v["heatmaps"][0]["rows"], 6);
    assert_eq!(v["heatmaps"][1]["group"], "confusion");
    bilingual(&v);
    // Another dataset is refused with a message, not a panic.
    let o = mlwb(&["run", "--algo", "relation-extraction", "--dataset", "iris"]);
    assert!(!o.status.success());
}

#[test]
fn gen_vs_disc_json() {
    let v = json(&[
        "run",
        "--algo",
        "gen-vs-disc",
        "--dataset",
        "wine",
        "--param",
        "repeats=2",
        "--json",
    ]);
    let chart = &v["charts"][0];
    assert_eq!(chart["key"], "error_wine");
    assert_eq!(chart["series"].as_array().map(Vec::len), Some(2));
    assert!(figure(&v, "lr_error_wine") < 0.1);
    bilingual(&v);
}

#[test]
fn algos_lists_both_labs_and_their_topics_offer_them() {
    let v = json(&["algos", "--json"]);
    let names: Vec<&str> = v
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    for n in ["relation-extraction", "gen-vs-disc"] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    let lib = Library::load(TopicSource::Bundled);
    for (topic, lab) in [
        ("relation-extraction", "relation-extraction"),
        ("joint-extraction", "relation-extraction"),
        ("generative-vs-discriminative", "gen-vs-disc"),
    ] {
        let i = lib.index_of(topic).expect("topic");
        let offered = mlwb::tui::app::experiments_for(&lib, i);
        assert!(offered.iter().any(|e| e.algo == lab), "{topic}: {lab}");
    }
}

#[test]
fn relation_lab_opens_from_its_note_and_draws() {
    let mut app = open("joint-extraction", 80, 24);
    let exp = app.exp.as_mut().expect("pane");
    assert_eq!(exp.config.algo, "relation-extraction");
    for (k, v) in [
        ("train_sentences", "60"),
        ("crf_iter", "5"),
        ("epochs", "1"),
        ("hidden", "4"),
    ] {
        exp.config.params.push((k.into(), v.into()));
    }
    app.send(Msg::Run);
    assert!(
        app.wait_idle(std::time::Duration::from_secs(120)),
        "run finished"
    );
    let exp = app.exp.as_ref().expect("pane");
    assert!(exp.error.is_none(), "{:?}", exp.error);
    let s = screen(&app);
    assert!(s.contains("relation"), "{s}");
    insta::assert_snapshot!("relation_extraction_80x24", s);
}
