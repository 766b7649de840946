//! Quiz content counts and the non-interactive `mlwb quiz`.

use crate::common;
use common::mlwb;

use std::process::Command;

fn cards() -> Vec<serde_json::Value> {
    let o = mlwb(&["quiz", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice::<Vec<serde_json::Value>>(&o.stdout).expect("JSON")
}

#[test]
fn the_content_counts_hold() {
    let cards = cards();
    assert!(cards.len() >= 200, "{} cards", cards.len());
    let derivations = cards.iter().filter(|c| c["kind"] == "derivation").count();
    assert!(derivations >= 30, "{derivations} derivation cards");
    for kind in ["derivation", "cloze", "numeric", "choice", "open"] {
        assert!(cards.iter().any(|c| c["kind"] == kind), "no {kind} card");
    }
    // Every leaf topic has at least 3 cards (the glossary is a list of terms, not a lesson).
    let topics: Vec<serde_json::Value> =
        serde_json::from_slice(&mlwb(&["topics", "--json"]).stdout).expect("topics");
    for t in topics {
        if t["children"].as_array().is_some_and(|c| c.is_empty()) && t["id"] != "glossary" {
            let id = t["id"].as_str().expect("id");
            let n = cards.iter().filter(|c| c["topic"] == id).count();
            assert!(n >= 3, "{id} has {n} cards");
        }
    }
}

#[test]
fn every_numeric_card_draws_an_instance_and_checks_answers() {
    for c in cards().iter().filter(|c| c["kind"] == "numeric") {
        let id = c["id"].as_str().expect("id");
        let o = mlwb(&["quiz", "--show", id, "--seed", "5"]);
        assert!(o.status.success(), "{id}");
        let o = mlwb(&["quiz", "--answer", id, "--seed", "5", "not-a-number"]);
        assert_eq!(o.status.code(), Some(2), "{id}: a non-number is refused");
    }
}

#[test]
fn choice_and_cloze_answers_are_checked() {
    let all = cards();
    let choice = all
        .iter()
        .find(|c| c["kind"] == "choice")
        .expect("a choice card");
    let id = choice["id"].as_str().expect("id");
    let right = (choice["correct"].as_u64().expect("correct") + 1).to_string();
    assert_eq!(
        mlwb(&["quiz", "--answer", id, &right]).status.code(),
        Some(0)
    );
    let n = choice["options"].as_array().expect("options").len() as u64;
    let wrong = (choice["correct"].as_u64().expect("c") + 1) % n + 1;
    assert_eq!(
        mlwb(&["quiz", "--answer", id, &wrong.to_string()])
            .status
            .code(),
        Some(1)
    );
    let cloze = all
        .iter()
        .find(|c| c["kind"] == "cloze")
        .expect("a cloze card");
    let id = cloze["id"].as_str().expect("id");
    let ans = cloze["answer"].as_str().expect("answer");
    assert_eq!(
        mlwb(&["quiz", "--answer", id, ans]).status.code(),
        Some(0),
        "{id}: {ans}"
    );
}

/// Answers as a learner types them: a leading minus (not a flag), the
/// Unicode minus our renderer prints, a hyphenated singular for a plural.
#[test]
fn typed_variants_of_cloze_answers_are_accepted() {
    for (card, typed, code) in [
        ("attn-mask-cloze", "-inf", 0),
        ("attn-mask-cloze", "\u{2212}∞", 0),
        ("attn-mask-cloze", "−inf", 0),
        ("attn-mask-cloze", "+inf", 1),
        ("sp-hmm-linear-cloze", "log-probability", 0),
        ("sp-hmm-linear-cloze", "Log Probabilities", 0),
        ("sp-hmm-linear-cloze", "probabilities", 1),
    ] {
        let o = mlwb(&["quiz", "--answer", card, typed]);
        assert_eq!(
            o.status.code(),
            Some(code),
            "{card} {typed}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn derivations_show_every_step() {
    let all = cards();
    let d = all
        .iter()
        .find(|c| c["kind"] == "derivation")
        .expect("a derivation");
    let o = mlwb(&["quiz", "--show", d["id"].as_str().expect("id")]);
    let s = String::from_utf8_lossy(&o.stdout);
    let steps = d["steps"].as_array().expect("steps").len();
    assert!(s.contains(&format!("{steps:>2}. ")), "{s}");
    assert!(s.contains("because"), "{s}");
    assert!(!s.contains('$'), "math rendered: {s}");
}

#[test]
fn bad_cards_are_caught_by_check() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = dir.path().join("cards.yaml");
    std::fs::write(
        &f,
        "format: 1\ntopics:\n  - id: t\n    title: {zh: 甲, en: T}\n    body: b\n    interview: i\n    cards:\n      - id: c1\n        kind: choice\n        prompt: 'Pick'\n        options: ['a', 'b']\n        correct: 5\n      - id: c1\n        kind: numeric\n        prompt: 'Compute'\n        generator: nope\n      - id: c3\n        kind: cloze\n        prompt: 'no blank'\n        answer: x\n",
    )
    .expect("write");
    let o = mlwb(&["check", "--topics", f.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(1));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("card `c1`: a choice card needs 3 to 6 options"),
        "{s}"
    );
    assert!(
        s.contains("card `c1`: a choice card needs a correct index among the options"),
        "{s}"
    );
    assert!(s.contains("card id `c1` is used twice"), "{s}");
    assert!(
        s.contains("numeric cards need a generator, one of: conv-output-size"),
        "{s}"
    );
    assert!(
        s.contains("card `c3`: a cloze card needs exactly one ___ blank in the prompt"),
        "{s}"
    );
}

fn first_card() -> String {
    cards()[0]["id"].as_str().expect("id").to_string()
}

#[test]
fn grades_are_saved_and_stats_count_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path().to_str().expect("path");
    let id = first_card();
    for g in ["good", "again", "easy"] {
        let o = mlwb(&["quiz", "--data-dir", d, "--grade", &id, g]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains("next review"));
    }
    let s: serde_json::Value =
        serde_json::from_slice(&mlwb(&["quiz", "--data-dir", d, "--stats", "--json"]).stdout)
            .expect("json");
    assert_eq!(s["reviews"], 3);
    // One card reviewed, just graded easy: not due within a day; every other
    // card is new, not due (it once said "320 due" after two reviews).
    let total = s["cards"].as_u64().expect("cards");
    assert_eq!(s["due_today"], 0, "{s}");
    assert_eq!(s["new"].as_u64(), Some(total - 1), "{s}");
    assert_eq!(s["new_today"].as_u64(), Some(19.min(total - 1)), "{s}");
    let o = mlwb(&["quiz", "--data-dir", d, "--stats"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("0 due in the next 24 h") && text.contains(&format!("{} new", total - 1)),
        "{text}"
    );
    assert!((s["retention"].as_f64().expect("r") - 2.0 / 3.0).abs() < 1e-9);
    // Times are local, with their offset: TZ decides (a POSIX rule, UTC+8: no tzdata needed).
    let o = Command::new(env!("CARGO_BIN_EXE_mlwb"))
        .args(["quiz", "--data-dir", d, "--grade", &id, "good"])
        .env("TZ", "CST-8")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("next review") && text.contains("+08:00"),
        "{text}"
    );
    let o = mlwb(&["quiz", "--data-dir", d, "--grade", &id, "perfect"]);
    assert_eq!(o.status.code(), Some(2));
    // The environment variable works like the flag.
    let o = Command::new(env!("CARGO_BIN_EXE_mlwb"))
        .args(["quiz", "--stats", "--json"])
        .env("MLWB_DATA_DIR", d)
        .output()
        .expect("run");
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(s["reviews"], 4, "three grades and the one in local time");
}

/// `--suspend`, `--unsuspend`, `--bury` from the command line, and the
/// stats' state counts, due forecast and recall per week.
#[test]
fn cards_can_be_set_aside_and_stats_show_states_forecast_and_recall() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path().to_str().expect("path");
    let ids: Vec<String> = cards()
        .iter()
        .take(3)
        .map(|c| c["id"].as_str().expect("id").to_string())
        .collect();
    let ok = |args: &[&str]| {
        let o = mlwb(args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    ok(&["quiz", "--data-dir", d, "--grade", &ids[0], "again"]);
    ok(&["quiz", "--data-dir", d, "--grade", &ids[1], "good"]);
    ok(&["quiz", "--data-dir", d, "--grade", &ids[1], "good"]);
    assert!(ok(&["quiz", "--data-dir", d, "--suspend", &ids[2]]).contains("suspended"));
    assert!(ok(&["quiz", "--data-dir", d, "--bury", &ids[0]]).contains("buried until tomorrow"));
    let stats = || -> serde_json::Value {
        serde_json::from_str(&ok(&["quiz", "--data-dir", d, "--stats", "--json"])).expect("json")
    };
    let s = stats();
    let total = s["cards"].as_u64().expect("cards");
    assert_eq!(s["suspended"], 1, "{s}");
    assert_eq!(s["buried"], 1, "{s}");
    let c = &s["counts"];
    let by_state = c["new"].as_u64().unwrap_or(0)
        + c["learning"].as_u64().unwrap_or(0)
        + c["review"].as_u64().unwrap_or(0);
    assert_eq!(by_state, total - 1, "every card but the suspended one: {s}");
    assert_eq!(c["new"].as_u64(), Some(total - 3), "{s}");
    let forecast = s["forecast"].as_array().expect("forecast");
    assert_eq!(forecast.len(), 14);
    let due: u64 = forecast.iter().filter_map(|f| f["due"].as_u64()).sum();
    assert!(due <= 2, "only the two reviewed cards can be due: {s}");
    let weeks = s["retention_by_week"].as_array().expect("weeks");
    assert_eq!(weeks.len(), 8);
    let recall: u64 = weeks.iter().filter_map(|w| w["reviews"].as_u64()).sum();
    assert_eq!(recall, 1, "only the second review of a card is recall: {s}");
    let text = ok(&["quiz", "--data-dir", d, "--stats"]);
    assert!(
        text.contains("1 suspended, 1 buried today") && text.contains("due forecast"),
        "{text}"
    );
    assert!(ok(&["quiz", "--data-dir", d, "--unsuspend", &ids[2]]).contains("back in the queues"));
    assert_eq!(stats()["suspended"], 0);
    // An unknown card is refused with the usage code.
    assert_eq!(
        mlwb(&["quiz", "--data-dir", d, "--bury", "no-such-card"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn a_corrupt_progress_file_is_moved_aside_and_reported() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path().to_str().expect("path");
    std::fs::write(dir.path().join("progress.json"), "{ not json").expect("write");
    let o = mlwb(&["quiz", "--data-dir", d, "--stats"]);
    assert!(o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("progress.json:1:3") && e.contains("moved to"),
        "{e}"
    );
    let kept = std::fs::read_dir(dir.path())
        .expect("ls")
        .flatten()
        .any(|f| f.file_name().to_string_lossy().contains("corrupt"));
    assert!(kept);
}

/// Kill graders at random moments: whatever was graded before stays, and
/// the file always parses.
#[test]
fn killing_the_process_never_loses_what_was_already_graded() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path().to_str().expect("path");
    let id = first_card();
    let mut completed = 0usize;
    for i in 0..40u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mlwb"))
            .args(["quiz", "--data-dir", d, "--grade", &id, "good"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        if i % 2 == 1 {
            std::thread::sleep(std::time::Duration::from_micros(300 * (i % 7)));
            let _ = child.kill();
        }
        if child.wait().expect("wait").success() {
            completed += 1;
        }
        let text = std::fs::read_to_string(dir.path().join("progress.json"))
            .or_else(|_| std::fs::read_to_string(dir.path().join("progress.json.bak")))
            .unwrap_or_default();
        if !text.is_empty() {
            let p: serde_json::Value = serde_json::from_str(&text).expect("never half-written");
            let n = p["cards"][&id]["reviews"].as_array().map_or(0, Vec::len);
            assert!(
                n >= completed.saturating_sub(1),
                "{n} reviews stored, {completed} graders finished"
            );
        }
    }
    let s: serde_json::Value =
        serde_json::from_slice(&mlwb(&["quiz", "--data-dir", d, "--stats", "--json"]).stdout)
            .expect("json");
    assert!(
        s["reviews"].as_u64().expect("reviews") as usize >= completed,
        "every finished grade is kept"
    );
}
