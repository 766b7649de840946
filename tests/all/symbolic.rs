//! Bayesian networks, Chinese word segmentation and relation extraction on
//! the command line (`mlwb bayesnet`, `mlwb segment`, `mlwb run --algo
//! bayesnet|segment|...`) and one lab drawn headless at 80x24.

use crate::common;
use common::screen;
use std::process::{Command, Output};

use mlwb::content::{Library, TopicSource};
use mlwb::tui::{App, Headless, Msg};

fn mlwb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlwb"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run mlwb")
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

fn reference() -> serde_json::Value {
    serde_json::from_str(include_str!("../reference/bayesnet_reference.json")).expect("reference")
}

#[test]
fn bayesnet_query_gives_0_284_by_every_method() {
    for method in ["enum", "ve", "gibbs"] {
        let v = json(&mlwb(&[
            "bayesnet",
            "query",
            "--net",
            "alarm",
            "--query",
            "Burglary",
            "--evidence",
            "JohnCalls=true,MaryCalls=true",
            "--method",
            method,
            "--samples",
            "50000",
            "--json",
        ]));
        let p = v["distribution"]["true"].as_f64().expect("p");
        if method == "gibbs" {
            assert!((p - 0.284).abs() < 0.02, "{p}");
            assert!(v["max_abs_error"].as_f64().expect("err") < 0.02);
        } else {
            assert_eq!(format!("{p:.3}"), "0.284", "{method}");
        }
        assert_eq!(v["method"], method);
    }
}

#[test]
fn bayesnet_queries_on_a_user_network_match_the_reference() {
    let r = reference();
    for q in r["student"]["queries"].as_array().expect("queries") {
        let ev: Vec<String> = q["evidence"]
            .as_object()
            .expect("evidence")
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().expect("state")))
            .collect();
        let ev = ev.join(",");
        let v = json(&mlwb(&[
            "bayesnet",
            "query",
            "--net",
            "tests/fixtures/bayesnet/student.yaml",
            "--query",
            q["query"].as_str().expect("query"),
            "--evidence",
            &ev,
            "--method",
            "ve",
            "--json",
        ]));
        let got = v["probabilities"].as_array().expect("p");
        for (a, b) in got.iter().zip(q["distribution"].as_array().expect("d")) {
            let (a, b) = (a.as_f64().expect("a"), b.as_f64().expect("b"));
            assert!((a - b).abs() < 1e-12, "{q}: {a} vs {b}");
        }
    }
}

#[test]
fn bayesnet_blanket_lists_parents_children_and_co_parents() {
    let v = json(&mlwb(&["bayesnet", "blanket", "--node", "Alarm", "--json"]));
    assert_eq!(
        v["blanket"],
        serde_json::json!(["Burglary", "Earthquake", "JohnCalls", "MaryCalls"])
    );
    let v = json(&mlwb(&[
        "bayesnet",
        "blanket",
        "--net",
        "tests/fixtures/bayesnet/student.yaml",
        "--node",
        "Difficulty",
        "--json",
    ]));
    assert_eq!(v["children"], serde_json::json!(["Grade"]));
    assert_eq!(v["co_parents"], serde_json::json!(["Intelligence"]));
}

#[test]
fn bad_networks_and_queries_are_located_json_errors() {
    let cases = [
        ("syntax.yaml", Some(5), "did not find expected"),
        ("row_sum.yaml", Some(6), "CPT row 2 (Rain=false) sums to"),
        ("rows.yaml", Some(9), "expected 4"),
        ("cycle.yaml", Some(7), "B → C → A → B"),
        ("unknown_parent.yaml", Some(3), "parent `Burglar`"),
    ];
    for (file, line, text) in cases {
        let path = format!("tests/fixtures/bad/bayesnet/{file}");
        let o = mlwb(&[
            "bayesnet", "query", "--net", &path, "--query", "A", "--json",
        ]);
        assert_eq!(o.status.code(), Some(1), "{file}");
        assert!(o.stdout.is_empty());
        let e: serde_json::Value = serde_json::from_slice(&o.stderr).expect("json error");
        assert_eq!(e["file"], path.as_str());
        assert_eq!(e["line"].as_u64().map(|l| l as usize), line, "{file}: {e}");
        assert!(
            e["error"].as_str().expect("msg").contains(text),
            "{file}: {e}"
        );
    }
    let o = mlwb(&["bayesnet", "query", "--query", "Burglar"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no variable `Burglar`"));
}

#[test]
fn the_bayesnet_lab_runs_from_the_cli() {
    let v = json(&mlwb(&[
        "run",
        "--algo",
        "bayesnet",
        "--param",
        "samples=3000",
        "--json",
    ]));
    assert_eq!(v["task"], "lab");
    let figs = v["figures"].as_array().expect("figures");
    let exact = figs.iter().find(|f| f["key"] == "exact").expect("exact");
    assert_eq!(
        format!("{:.3}", exact["value"].as_f64().expect("v")),
        "0.284"
    );
    let algos = json(&mlwb(&["algos", "--json"]));
    assert!(algos
        .as_array()
        .expect("algos")
        .iter()
        .any(|a| a["name"] == "bayesnet" && a["task"] == "lab"));
}

/// `e` on the markov-blanket note opens the bayesnet lab; run, wait, draw.
#[test]
fn the_bayesnet_lab_opens_from_its_note_at_80x24() {
    let mut app = Headless::new(App::new(Library::load(TopicSource::Bundled), 80, 24));
    app.lang = mlwb::settings::Lang::En;
    app.color = false;
    let i = app.lib.index_of("markov-blanket").expect("topic");
    app.reveal(i);
    app.send(Msg::ToggleExperiment);
    let exp = app.exp.as_mut().expect("pane");
    assert_eq!(exp.config.algo, "bayesnet");
    exp.config.params.push(("samples".into(), "2000".into()));
    app.send(Msg::Run);
    assert!(app.wait_idle(std::time::Duration::from_secs(20)));
    let exp = app.exp.as_mut().expect("pane");
    assert!(exp.error.is_none(), "{:?}", exp.error);
    exp.report.as_mut().expect("report").fit_seconds = 0.0123;
    let s = screen(&app);
    assert!(s.contains("0.284"), "{s}");
    insta::assert_snapshot!("bayesnet_lab_80x24", s);
}

fn segment_reference() -> serde_json::Value {
    serde_json::from_str(include_str!("../reference/segment_reference.json")).expect("reference")
}

#[test]
fn segment_cuts_like_jieba_finalseg() {
    let r = segment_reference();
    for s in r["extra"].as_array().expect("extra") {
        let v = json(&mlwb(&[
            "segment",
            s["text"].as_str().expect("text"),
            "--json",
        ]));
        assert_eq!(v["words"], s["hmm"], "{}", s["text"]);
        assert_eq!(v["method"], "hmm");
    }
    let v = json(&mlwb(&["segment", "我来到北京清华大学", "--json"]));
    assert_eq!(v["runs"][0]["tags"], "BESBEBMME");
    let o = mlwb(&["segment", "我来到北京清华大学"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("我来 / 到 / 北京 / 清华大学\n"), "{text}");
    assert!(text.contains("jieba's default cut first matches a word dictionary"));
    let v = json(&mlwb(&[
        "segment",
        "我们明天去公园",
        "--method",
        "fmm",
        "--json",
    ]));
    assert_eq!(
        v["words"],
        serde_json::json!(["我们", "明天", "去", "公园"])
    );
    let o = mlwb(&["segment", " ", "--json"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_segment_lab_scores_match_the_python_reference() {
    let r = segment_reference();
    let v = json(&mlwb(&["run", "--algo", "segment", "--json"]));
    let figs = v["figures"].as_array().expect("figures");
    for k in ["hmm", "fmm"] {
        let f = figs
            .iter()
            .find(|f| f["key"] == format!("{k}_f1").as_str())
            .expect("figure");
        let want = r["test_scores"][k]["f1"].as_f64().expect("f1");
        assert!(
            (f["value"].as_f64().expect("v") - want).abs() < 1e-12,
            "{k}"
        );
    }
    let v = json(&mlwb(&[
        "run",
        "--algo",
        "segment",
        "--param",
        "sentence=结巴分词的隐马尔可夫模型能识别未登录词",
        "--json",
    ]));
    assert_eq!(
        v["tables"][0]["rows"][0][1],
        r["extra"][4]["hmm"]
            .as_array()
            .expect("words")
            .iter()
            .map(|w| w.as_str().expect("w"))
            .collect::<Vec<_>>()
            .join(" / ")
            .as_str()
    );
}
