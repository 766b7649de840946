//! The interview modes on the CLI (`mlwb quiz --mode spot|gap|derive|mock`)
//! and the export (`mlwb quiz export`), driven as a script would; and every
//! authored fault of the map graded through the drill.

use std::io::{Read as _, Write as _};
use std::process::{Command, Output, Stdio};

use mlwb::content::{CardKind, Library, TopicSource};
use mlwb::quiz::interview;

fn mlwb_in(args: &[&str], data: &std::path::Path, stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlwb"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("MLWB_DATA_DIR", data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mlwb");
    if let Some(s) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(s.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("output")
}

fn mlwb(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("tmp");
    mlwb_in(args, dir.path(), None)
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

const CARD: &str = "lr-softmax-ce-gradient";

#[test]
fn every_authored_fault_is_graded_by_its_step_and_kind() {
    let lib = Library::load(TopicSource::Bundled);
    let mut n = 0;
    for card in lib.topics.iter().flat_map(|t| &t.cards) {
        if card.kind != CardKind::Derivation {
            continue;
        }
        for (i, f) in card.faults.iter().enumerate() {
            n += 1;
            let shown = interview::spot_steps(card, i);
            let differ: Vec<usize> = (0..card.steps.len())
                .filter(|&k| shown[k] != card.steps[k].math)
                .collect();
            assert_eq!(differ, vec![f.step], "{}: fault {i}", card.id);
            let right = interview::grade_spot(card, i, f.step + 1, f.error).expect("grade");
            assert!(right.kind_correct && right.grade == 3, "{}", card.id);
            let other = mlwb::content::ErrorKind::ALL
                .into_iter()
                .find(|k| *k != f.error)
                .expect("another kind");
            let half = interview::grade_spot(card, i, f.step + 1, other).expect("grade");
            assert!(half.step_correct && !half.kind_correct && half.grade == 2);
            let wrong_step = if f.step == 0 { 2 } else { 1 };
            let miss = interview::grade_spot(card, i, wrong_step, f.error).expect("grade");
            assert!(!miss.step_correct && miss.grade == 1);
        }
    }
    assert!(n >= 80, "{n} faults");
}

#[test]
fn every_gap_chain_can_be_derived_and_a_wrong_line_is_caught() {
    let lib = Library::load(TopicSource::Bundled);
    for card in lib.topics.iter().flat_map(|t| &t.cards) {
        if card.gaps.is_empty() {
            continue;
        }
        let chain = interview::chain(card);
        let lines: Vec<String> = chain.iter().map(|g| format!("= {}", g.expr)).collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let r = interview::check_derivation(card, &refs, 0);
        assert!(r.reached_goal && r.grade == 3, "{}: {r:?}", card.id);
        let wrong = format!("({}) + 1", chain[0].expr);
        let r = interview::check_derivation(card, &[&wrong], 0);
        assert!(
            matches!(
                r.lines[0].status,
                interview::LineStatus::DoesNotFollow { .. }
            ),
            "{}: {wrong}",
            card.id
        );
    }
}

#[test]
fn spot_on_the_cli_shows_the_faulty_derivation_and_grades_an_answer() {
    let o = mlwb(&[
        "quiz", "--mode", "spot", "--show", CARD, "--fault", "1", "--json",
    ]);
    assert!(o.status.success());
    let v = json(&o);
    assert_eq!(v["kinds"].as_array().expect("kinds").len(), 9);
    assert!(v["steps"][1]
        .as_str()
        .expect("step")
        .contains("z_k + \\log"));
    // Fault 1 of this card is step 2, a sign error.
    let o = mlwb(&[
        "quiz", "--mode", "spot", "--answer", CARD, "2,sign", "--fault", "1", "--json",
    ]);
    assert!(o.status.success());
    let v = json(&o);
    assert_eq!(v["grade"], 3);
    assert_eq!(v["wrong_step"], 2);
    assert!(v["why"].as_str().expect("why").contains("quotient"));
    let o = mlwb(&[
        "quiz", "--mode", "spot", "--answer", CARD, "3,sign", "--fault", "1",
    ]);
    assert_eq!(o.status.code(), Some(1), "a wrong answer fails");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with("wrong step — the wrong step is 2 (sign)"),
        "{text}"
    );
    for bad in ["2", "x,sign", "2,nonsense", "99,sign"] {
        let o = mlwb(&["quiz", "--mode", "spot", "--answer", CARD, bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(!o.stderr.is_empty());
    }
}

#[test]
fn gap_on_the_cli_accepts_equal_forms_and_shows_where_a_miss_differs() {
    let o = mlwb(&["quiz", "--mode", "gap", "--show", CARD, "--json"]);
    let v = json(&o);
    let hidden: Vec<u64> = v["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter(|s| s["hidden"] == true)
        .map(|s| s["step"].as_u64().expect("n"))
        .collect();
    assert_eq!(hidden, vec![3, 5]);
    let o = mlwb(&[
        "quiz",
        "--mode",
        "gap",
        "--answer",
        CARD,
        "sigma(z_1 - z_2); \\frac{e^{z_1}}{e^{z_1}+e^{z_2}} - 1",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(json(&o)["grade"], 3);
    let o = mlwb(&[
        "quiz",
        "--mode",
        "gap",
        "--answer",
        CARD,
        "sigma(z_1); sigma(z_1)",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let msg = v["gaps"][0]["message"].as_str().expect("message");
    assert!(msg.starts_with("not equivalent at z_1="), "{msg}");
    assert!(v["gaps"][0]["counterexample"]["at"]["z_2"].is_number());
    let o = mlwb(&["quiz", "--mode", "gap", "--answer", CARD, "sigma(z_1)"]);
    assert_eq!(o.status.code(), Some(2), "two gaps need two answers");
}

#[test]
fn derive_on_the_cli_reads_lines_from_stdin_and_records_the_grade() {
    let data = tempfile::tempdir().expect("tmp");
    let lines =
        "# K = 2\nd/dz_1 lse = exp(z_1)/(exp(z_1)+exp(z_2))\n\ndL/dz_1 = sigma(z_1 - z_2) - 1\n";
    let o = mlwb_in(
        &[
            "quiz", "--mode", "derive", "--answer", CARD, "--lines", "-", "--json", "--record",
        ],
        data.path(),
        Some(lines),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(v["reached_goal"], true);
    assert_eq!(v["lines"][1]["status"], "matches");
    assert_eq!(v["lines"][3]["step"], 5);
    let saved = std::fs::read_to_string(data.path().join("progress.json")).expect("saved");
    assert!(saved.contains(CARD));
    // A line that does not follow stops the check there.
    let o = mlwb_in(
        &[
            "quiz", "--mode", "derive", "--answer", CARD, "--lines", "-", "--hints", "1",
        ],
        data.path(),
        Some("z_1 + z_2\nsigma(z_1 - z_2) - 1\n"),
    );
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("✗ this does not follow from the previous line"),
        "{text}"
    );
    assert!(text.contains("(not checked)"), "{text}");
    let o = mlwb(&["quiz", "--mode", "derive", "--answer", CARD]);
    assert_eq!(o.status.code(), Some(2), "--lines is required");
}

#[test]
fn mock_on_the_cli_lists_a_plan_spread_over_topics() {
    let o = mlwb(&["quiz", "--mode", "mock", "--json", "--questions", "6"]);
    assert!(o.status.success());
    let v = json(&o);
    let q = v["questions"].as_array().expect("questions");
    assert_eq!(q.len(), 6);
    let mut topics: Vec<&str> = q.iter().map(|m| m["topic"].as_str().expect("t")).collect();
    topics.sort_unstable();
    topics.dedup();
    assert_eq!(topics.len(), 6, "six different topics");
    assert_eq!(v["minutes"], 20);
    let o = mlwb(&["quiz", "--mode", "nope", "--list"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_mock_interview_runs_on_stdin_and_is_saved() {
    let data = tempfile::tempdir().expect("tmp");
    // The plan for this topic and seed: see the JSON plan. Answer every
    // line with "3" (a self-grade, or a wrong drill answer: graded again).
    let plan = mlwb_in(
        &[
            "quiz",
            "--mode",
            "mock",
            "--topic",
            "logistic-regression",
            "--json",
            "--questions",
            "2",
        ],
        data.path(),
        None,
    );
    let plan = json(&plan);
    let first = plan["questions"][0]["card"]
        .as_str()
        .expect("card")
        .to_string();
    let o = mlwb_in(
        &[
            "quiz",
            "--mode",
            "mock",
            "--topic",
            "logistic-regression",
            "--stdin",
            "--json",
            "--questions",
            "2",
        ],
        data.path(),
        Some(&"3\n".repeat(12)),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let shown = String::from_utf8_lossy(&o.stderr);
    assert!(shown.contains(&format!("[1/2] {first}")), "{shown}");
    assert!(shown.contains("follow-up: "), "{shown}");
    let rec = json(&o);
    assert_eq!(rec["scope"], "logistic-regression");
    let answers = rec["answers"].as_array().expect("answers");
    assert!(answers.len() >= 3, "two cards and their follow-ups");
    assert!(answers.iter().any(|a| a["follow_up"] == 0));
    let saved: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data.path().join("progress.json")).expect("saved"),
    )
    .expect("json");
    assert_eq!(saved["interviews"].as_array().expect("kept").len(), 1);
    assert!(saved["cards"][&first].is_object(), "the card was scheduled");
    // No answers at all: nothing is saved, and it says so.
    let o = mlwb_in(
        &["quiz", "--mode", "mock", "--topic", "svm", "--stdin"],
        data.path(),
        Some(""),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no answers"));
}

#[test]
fn a_card_without_faults_is_refused_for_spot() {
    let o = mlwb(&[
        "quiz",
        "--mode",
        "spot",
        "--show",
        "basics-conv-params-cloze",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("has no authored faults"));
}

#[test]
fn markdown_export_lists_steps_in_unicode_and_latex() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("lr.md");
    let o = mlwb(&[
        "quiz",
        "export",
        "--topic",
        "logistic-regression",
        "--format",
        "md",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(&out).expect("written");
    assert!(md.contains("### lr-logloss-gradient (derivation)"));
    assert!(md.contains("1. σ(z) = 1/(1 + e⁻ᶻ)"), "Unicode step");
    assert!(
        md.contains("$$\\sigma(z) = \\frac{1}{1 + e^{-z}}"),
        "LaTeX step"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("ls").count(),
        1,
        "no temporaries"
    );
    let o = mlwb(&["quiz", "export", "--format", "md", "--out", "x.md"]);
    assert_eq!(o.status.code(), Some(2), "--topic or --all is required");
}

#[test]
fn anki_export_is_a_zip_with_a_collection_of_notes_and_cards() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("lr.apkg");
    let o = mlwb(&[
        "quiz",
        "export",
        "--topic",
        "logistic-regression",
        "--format",
        "apkg",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lib = Library::load(TopicSource::Bundled);
    let n = mlwb::quiz::deck(&lib, Some("logistic-regression"), None)
        .expect("deck")
        .len();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).expect("open")).expect("a zip");
    let names: Vec<String> = (0..zip.len())
        .map(|i| zip.by_index(i).expect("entry").name().to_string())
        .collect();
    assert!(names.contains(&"collection.anki2".to_string()), "{names:?}");
    assert!(names.contains(&"media".to_string()));
    let mut media = String::new();
    zip.by_name("media")
        .expect("media")
        .read_to_string(&mut media)
        .expect("read");
    assert_eq!(media.trim(), "{}");
    let mut db = Vec::new();
    zip.by_name("collection.anki2")
        .expect("collection")
        .read_to_end(&mut db)
        .expect("read");
    let path = dir.path().join("collection.anki2");
    std::fs::write(&path, db).expect("write");
    let conn = rusqlite::Connection::open(&path).expect("SQLite");
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    assert_eq!(count("SELECT count(*) FROM col"), 1);
    assert_eq!(count("SELECT count(*) FROM notes"), n as i64);
    assert_eq!(count("SELECT count(*) FROM cards"), n as i64);
    let guid: String = conn
        .query_row(
            "SELECT guid FROM notes WHERE flds LIKE '%lr-logloss-gradient'",
            [],
            |r| r.get(0),
        )
        .expect("the card's note");
    assert_eq!(guid, "mlwb:lr-logloss-gradient");
    let decks: String = conn
        .query_row("SELECT decks FROM col", [], |r| r.get(0))
        .expect("decks");
    assert!(decks.contains("mlwb::logistic-regression"), "{decks}");
}
