//! The graph and representation labs (`gcn`, `node-embedding`,
//! `contrastive`, `multimodal`) on the command line (`--json` and text) and
//! in the TUI: the GCN opened with `e` from its note, its live scatter panel
//! drawn at 80x24; a synthetic scatter with three groups.

use crate::common;
use common::{figure, json, mlwb, open_experiment as open, screen};

use mlwb::content::{Library, TopicSource};
use mlwb::labs::{bi, LabOutcome, Scatter};
use mlwb::tui::Msg;

fn bilingual(v: &serde_json::Value) {
    let notices = v["notices"].as_array().expect("notices");
    assert!(!notices.is_empty());
    for n in notices {
        let zh = n["text"]["zh"].as_str().expect("zh");
        assert!(n["text"]["en"].is_string() && !zh.is_empty());
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{zh}"
        );
    }
}

#[test]
fn gcn_json_and_text() {
    let v = json(&[
        "run",
        "--algo",
        "gcn",
        "--dataset",
        "karate",
        "--param",
        "epochs=60",
        "--json",
    ]);
    assert_eq!(v["algo"], "gcn");
    assert!(figure(&v, "gcn_accuracy") > figure(&v, "mlp_accuracy"));
    let sc = &v["scatters"][0];
    let pts: usize = sc["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["points"].as_array().expect("points").len())
        .sum();
    assert_eq!(pts, 34);
    bilingual(&v);
    let o = mlwb(&["run", "--algo", "gcn", "--param", "epochs=20"]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("scatter: GCN hidden layer, epoch 20"), "{s}");
    assert!(
        s.contains("o Mr. Hi (16), x Officer (16), + labelled (0, 33) (2)"),
        "{s}"
    );
    let o = mlwb(&["run", "--algo", "gcn", "--dataset", "iris"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a graph"));
}

#[test]
fn node_embedding_json() {
    let v = json(&[
        "run",
        "--algo",
        "node-embedding",
        "--param",
        "epochs=2",
        "--param",
        "walks_per_node=4",
        "--json",
    ]);
    assert!(figure(&v, "nn_same_faction") > figure(&v, "nn_same_faction_untrained"));
    assert_eq!(v["heatmaps"][0]["rows"], 34);
    bilingual(&v);
}

#[test]
fn contrastive_and_multimodal_json() {
    let v = json(&[
        "run",
        "--algo",
        "contrastive",
        "--param",
        "epochs=1",
        "--param",
        "batch=512",
        "--param",
        "labels=20",
        "--json",
    ]);
    assert_eq!(v["tables"][0]["rows"].as_array().expect("rows").len(), 4);
    assert!(figure(&v, "probe_accuracy") > 0.2);
    bilingual(&v);
    let o = mlwb(&["run", "--algo", "contrastive", "--dataset", "digits"]);
    assert!(
        !o.status.success(),
        "a lab on its own data takes no dataset"
    );
    let v = json(&[
        "run",
        "--algo",
        "multimodal",
        "--param",
        "epochs=1",
        "--param",
        "hidden=8",
        "--json",
    ]);
    for k in [
        "recall1_l2r",
        "recall5_l2r",
        "recall1_r2l",
        "recall5_r2l",
        "tensor_accuracy",
    ] {
        assert!(figure(&v, k) >= 0.0, "{k}");
    }
    assert_eq!(v["heatmaps"][0]["rows"], 10);
    bilingual(&v);
}

#[test]
fn algos_lists_the_four_labs() {
    let v = json(&["algos", "--json"]);
    let names: Vec<&str> = v
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    for n in ["gcn", "node-embedding", "contrastive", "multimodal"] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
}

#[test]
fn gcn_opens_from_its_note_and_draws_the_scatter() {
    let mut app = open("graph-neural-networks", 80, 24);
    let exp = app.exp.as_mut().expect("pane");
    assert_eq!(exp.config.algo, "gcn");
    exp.config.params.push(("epochs".into(), "40".into()));
    app.send(Msg::Run);
    assert!(
        app.wait_idle(std::time::Duration::from_secs(30)),
        "run finished"
    );
    let exp = app.exp.as_ref().expect("pane");
    assert!(exp.error.is_none(), "{:?}", exp.error);
    // Panels: loss, accuracy, the scatter, Â, the table, the notices, the
    // figures.
    assert_eq!(exp.lab_panels().len(), 7);
    app.send(Msg::Digit(3));
    let s = screen(&app);
    assert!(
        s.contains("o Mr. Hi (16)") && s.contains("x Officer (16)"),
        "{s}"
    );
    insta::assert_snapshot!("gcn_scatter_80x24", s);
}

#[test]
fn every_lab_topic_offers_a_lab() {
    let lib = Library::load(TopicSource::Bundled);
    for (topic, lab) in [
        ("graph-neural-networks", "gcn"),
        ("graph-embedding", "node-embedding"),
        ("self-supervised-learning", "contrastive"),
        ("contrastive-learning", "contrastive"),
        ("learning-paradigms", "contrastive"),
        ("multimodal", "multimodal"),
        ("multimodal-fusion", "multimodal"),
        ("multimodal-representation", "multimodal"),
        ("cross-modal-retrieval", "multimodal"),
    ] {
        let i = lib.index_of(topic).expect("topic");
        let offered = mlwb::tui::app::experiments_for(&lib, i);
        assert!(offered.iter().any(|e| e.algo == lab), "{topic}: {lab}");
    }
}

#[test]
fn a_synthetic_scatter_renders() {
    let mut app = open("graph-embedding", 80, 24);
    let mut o = LabOutcome {
        done: 1,
        total: 1,
        dataset: "synthetic".into(),
        ..LabOutcome::default()
    };
    let mut s = Scatter::new("pts", bi("Three groups", "三组"), "x", "y");
    for k in 0..12 {
        let t = f64::from(k) / 12.0 * std::f64::consts::TAU;
        s.push("ring", t.cos(), t.sin());
        s.push("centre", 0.1 * t.cos(), 0.1 * t.sin());
    }
    s.push("outlier", 2.0, -1.5);
    o.scatters.push(s);
    app.exp.as_mut().expect("pane").lab_live = Some(Box::new(o));
    let screen = screen(&app);
    assert!(
        screen.contains("o ring (12)")
            && screen.contains("x centre (12)")
            && screen.contains("+ outlier (1)"),
        "{screen}"
    );
    insta::assert_snapshot!("synthetic_scatter_80x24", screen);
}
