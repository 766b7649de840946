//! The sequence labs through their public faces: `mlwb run --algo
//! rnn-memory | seq2seq | attention --json` with tiny settings, `mlwb
//! attention` (the same lab with flags), and the attention lab opened with
//! `e` from its note and drawn at 80x24 and 120x40.

use crate::common;
use common::{mlwb, screen};
use std::process::Output;

use mlwb::content::{Library, TopicSource};
use mlwb::tui::{App, Headless, Msg};

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
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

fn bilingual_notices(v: &serde_json::Value) -> usize {
    let n = v["notices"].as_array().expect("notices");
    assert!(n.iter().all(|n| {
        n["text"]["en"].as_str().is_some_and(|s| !s.is_empty())
            && n["text"]["zh"].as_str().is_some_and(|s| !s.is_empty())
    }));
    n.len()
}

#[test]
fn rnn_memory_runs_from_the_cli() {
    let v = json(&mlwb(&[
        "run",
        "--algo",
        "rnn-memory",
        "--param",
        "length=6",
        "--param",
        "hidden=6",
        "--param",
        "steps=20",
        "--json",
    ]));
    assert_eq!(v["task"], "lab");
    for k in ["rnn", "lstm", "gru"] {
        let a = figure(&v, &format!("{k}_accuracy"));
        assert!((0.0..=1.0).contains(&a));
    }
    let charts = v["charts"].as_array().expect("charts");
    let grad = charts
        .iter()
        .find(|c| c["key"] == "grad")
        .expect("grad chart");
    assert_eq!(grad["log_y"], true);
    assert_eq!(grad["series"].as_array().expect("series").len(), 6);
    let heat = v["heatmaps"].as_array().expect("heatmaps");
    assert_eq!(heat.iter().filter(|h| h["group"] == "gates").count(), 3);
    assert_eq!(bilingual_notices(&v), 4);
}

#[test]
fn seq2seq_runs_from_the_cli() {
    let v = json(&mlwb(&[
        "run",
        "--algo",
        "seq2seq",
        "--param",
        "max_len=4",
        "--param",
        "train=100",
        "--param",
        "test=10",
        "--param",
        "hidden=6",
        "--param",
        "epochs=1",
        "--param",
        "task=sort",
        "--json",
    ]));
    for k in ["plain_bleu_beam", "attention_exact_greedy"] {
        assert!((0.0..=1.0).contains(&figure(&v, k)));
    }
    let heat = v["heatmaps"].as_array().expect("heatmaps");
    assert_eq!(heat[0]["key"], "attention");
    assert!(bilingual_notices(&v) >= 3);
    // Bad settings: a clear message, no panic.
    let o = mlwb(&[
        "run",
        "--algo",
        "seq2seq",
        "--param",
        "max_len=3",
        "--param",
        "train=900",
    ]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("distinct strings"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn attention_subcommand_is_the_lab() {
    let a = json(&mlwb(&[
        "attention",
        "--seq",
        "5",
        "--d-k",
        "3",
        "--heads",
        "2",
        "--mask",
        "causal",
        "--json",
    ]));
    let b = json(&mlwb(&[
        "run",
        "--algo",
        "attention",
        "--param",
        "seq=5",
        "--param",
        "d_k=3",
        "--param",
        "heads=2",
        "--param",
        "mask=causal",
        "--json",
    ]));
    for k in ["figures", "tables", "heatmaps", "charts", "notices"] {
        assert_eq!(a[k], b[k], "{k}");
    }
    assert_eq!(figure(&a, "d_model"), 6.0);
    let unscaled = json(&mlwb(&["attention", "--no-scale", "--json"]));
    assert!(figure(&unscaled, "entropy_unscaled_512") < figure(&unscaled, "entropy_scaled_512"));
    // Text output names the steps; bad settings are refused with a message.
    let o = mlwb(&["attention", "--mask", "padding", "--pad", "1"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("split heads") && text.contains("softmax"),
        "{text}"
    );
    let o = mlwb(&["attention", "--seq", "4", "--mask", "padding", "--pad", "4"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("pad = 4"));
}

#[test]
fn the_attention_lab_opens_from_its_note() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut app = App::new(Library::load(TopicSource::Bundled), w, h);
        app.lang = mlwb::settings::Lang::En;
        let mut app = Headless::new(app);
        let i = app.lib.index_of("attention").expect("topic");
        app.reveal(i);
        app.send(Msg::ToggleExperiment);
        let exp = app.exp.as_mut().expect("pane");
        assert_eq!(exp.config.algo, "attention");
        exp.config.params.push(("mask".into(), "causal".into()));
        app.send(Msg::Run);
        assert!(app.wait_idle(std::time::Duration::from_secs(20)));
        let exp = app.exp.as_mut().expect("pane");
        assert!(exp.error.is_none(), "{:?}", exp.error);
        exp.report.as_mut().expect("report").fit_seconds = 0.0123;
        let first = screen(&app);
        insta::assert_snapshot!(format!("attention_lab_{w}x{h}"), first);
        let panels = app.exp.as_ref().expect("pane").lab_panels().len();
        let mut pages = Vec::new();
        for n in 1..=panels.min(9) as u8 {
            app.send(Msg::Digit(n));
            pages.push(screen(&app));
        }
        // Panels: the chart, then the heat-map groups head1, heads, output.
        assert!(
            pages[0].contains("head1") && pages[0].contains("heads"),
            "{}",
            pages[0]
        );
        insta::assert_snapshot!(format!("attention_lab_head1_{w}x{h}"), pages[1]);
        insta::assert_snapshot!(format!("attention_lab_heads_{w}x{h}"), pages[2]);
        // The notices, then the figures panel last.
        let notes = &pages[pages.len() - 2];
        assert!(notes.contains("What to notice"), "{notes}");
        insta::assert_snapshot!(format!("attention_lab_notices_{w}x{h}"), notes);
    }
}
