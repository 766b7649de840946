//! The CLI, driven as a user would: the real binary, real arguments.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mlwb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlwb"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run mlwb")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(p)
}

fn topics_json(args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["topics", "--json"];
    all.extend_from_slice(args);
    let o = mlwb(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("topics --json is JSON")
}

/// `[text](url)` links of a Markdown text, images (`![..](..)`) excluded.
fn markdown_links(md: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let b = md.as_bytes();
    let mut i = 0;
    while let Some(off) = md[i..].find('[') {
        let start = i + off;
        i = start + 1;
        if start > 0 && b[start - 1] == b'!' {
            continue;
        }
        let Some(close) = md[start..].find("](") else {
            break;
        };
        let text = &md[start + 1..start + close];
        if text.contains('[') || text.contains('\n') {
            continue;
        }
        let url_start = start + close + 2;
        let Some(end) = md[url_start..].find(')') else {
            break;
        };
        out.push((
            text.trim().to_string(),
            md[url_start..url_start + end].trim().to_string(),
        ));
        i = url_start + end;
    }
    out
}

/// The map's links: from the seed when it is next to the repo, else from the
/// copy kept in the repo. When both exist they must agree.
fn seed_links() -> Vec<(String, String)> {
    let copy: Vec<(String, String)> = std::fs::read_to_string(fixture("seed_links.tsv"))
        .expect("seed_links.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (t, u) = l.split_once('\t').expect("title<TAB>url");
            (t.to_string(), u.to_string())
        })
        .collect();
    let seed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seed/000_1e2e03af92af964d.txt");
    if let Ok(md) = std::fs::read_to_string(seed) {
        let mut from_seed = Vec::new();
        for l in markdown_links(&md) {
            if !from_seed.contains(&l) {
                from_seed.push(l);
            }
        }
        assert_eq!(
            from_seed, copy,
            "tests/fixtures/seed_links.tsv is out of date with the seed"
        );
    }
    copy
}

#[test]
fn every_seed_link_is_attached_with_its_original_title() {
    let links = seed_links();
    let urls: HashSet<&str> = links.iter().map(|(_, u)| u.as_str()).collect();
    assert_eq!(urls.len(), 79, "the map has 79 distinct reference links");
    let topics = topics_json(&[]);
    let mut have = HashSet::new();
    for t in &topics {
        for r in t["refs"].as_array().expect("refs array") {
            have.insert((
                r["title"].as_str().expect("title").to_string(),
                r["url"].as_str().expect("url").to_string(),
            ));
        }
    }
    for (title, url) in &links {
        assert!(
            have.contains(&(title.clone(), url.clone())),
            "missing ref [{title}]({url})"
        );
    }
}

#[test]
fn topics_json_has_the_documented_shape() {
    let topics = topics_json(&[]);
    assert!(topics.len() >= 60, "{} topics", topics.len());
    let ids: HashSet<&str> = topics
        .iter()
        .map(|t| t["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), topics.len(), "ids are unique");
    let mut roots = Vec::new();
    for t in &topics {
        assert!(t["title"]["en"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(t["title"]["zh"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(t["words"].as_u64().is_some());
        assert!(t["refs"].is_array());
        match &t["parent"] {
            serde_json::Value::Null => roots.push(t["title"]["zh"].as_str().expect("zh")),
            p => assert!(ids.contains(p.as_str().expect("parent is a string or null"))),
        }
    }
    // The map's sections, in the map's order (TEMP is empty and skipped).
    assert_eq!(
        roots,
        vec![
            "基础",
            "基础概念",
            "经典算法",
            "NER",
            "关系抽取",
            "attention",
            "Transformer",
            "文本分类",
            "经典模型",
            "多模态",
            "问答",
            "Others"
        ]
    );
    // The map's sub-sections are where the map puts them.
    let parent_of = |id: &str| {
        topics
            .iter()
            .find(|t| t["id"] == id)
            .and_then(|t| t["parent"].as_str().map(str::to_string))
    };
    assert_eq!(parent_of("information-theory").as_deref(), Some("basics"));
    assert_eq!(parent_of("normalization").as_deref(), Some("concepts"));
    assert_eq!(parent_of("hmm").as_deref(), Some("top-ten-algorithms"));
    assert_eq!(
        parent_of("random-forest").as_deref(),
        Some("other-algorithms")
    );
    assert_eq!(parent_of("vgg16").as_deref(), Some("classic-models"));
}

#[test]
fn every_leaf_has_a_real_note() {
    for t in topics_json(&[]) {
        if t["children"].as_array().is_some_and(|c| c.is_empty()) {
            let words = t["words"].as_u64().unwrap_or(0);
            assert!(words >= 150, "{} has {words} words", t["id"]);
        }
    }
}

#[test]
fn bundled_content_passes_check_without_warnings() {
    let o = mlwb(&["check"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "", "no problems, not even warnings");
    assert!(stderr(&o).contains("0 error(s), 0 warning(s)"));
}

#[test]
fn show_renders_formulas_as_unicode() {
    let o = mlwb(&["show", "information-theory"]);
    assert!(o.status.success());
    let s = stdout(&o);
    for want in [
        "信息论 · Information theory",
        "I(X;Y) = I(Y;X) = H(Y) − H(Y | X) = H(X) − H(X | Y)",
        "H(X) + H(Y) = H(X,Y) + I(X;Y)",
        "I(X;Y) = H(X) + H(Y) − H(X,Y)",
        "Interview angle",
    ] {
        assert!(s.contains(want), "missing {want:?} in\n{s}");
    }
    assert!(
        !s.contains('$') && !s.contains("\\frac") && !s.contains("\\sum"),
        "raw TeX left:\n{s}"
    );
    let basics = stdout(&mlwb(&["show", "basics"]));
    assert!(
        basics.contains('⌊') && basics.contains('⌋'),
        "conv output size uses floor:\n{basics}"
    );
    assert!(basics.contains("[1] 计算机视觉基本任务综述 https://zhuanlan.zhihu.com/p/262697114"));
    // Wrapping respects the width, counting CJK as two columns.
    for line in stdout(&mlwb(&["show", "hmm", "--width", "40"])).lines() {
        let w = mlwb::text::width(line);
        assert!(w <= 40, "too wide ({w}): {line}");
    }
}

#[test]
fn show_unknown_id_is_a_clear_error() {
    let o = mlwb(&["show", "no-such-topic"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no topic with id `no-such-topic`"),
        "{}",
        stderr(&o)
    );
    let o = mlwb(&["show", "viterb"]);
    assert!(
        stderr(&o).contains("did you mean: viterbi"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn check_reports_each_bad_fixture_with_file_line_and_column() {
    // (fixture, expected "line:col: message" of the error, topics still loaded)
    let cases: &[(&str, &str, usize)] = &[
        ("syntax.yaml", "7:1: found unexpected end of stream, while scanning a quoted scalar at line 5 column 11", 0),
        ("tab_indent.yaml", "4:1: found a tab character that violates indentation", 0),
        ("unknown_field.yaml", "15:5: topic `beta`: unknown field `colour`, expected one of", 2),
        ("bad_version.yaml", "1:1: unsupported format version 2 (this mlwb reads version 1)", 0),
        ("missing_field.yaml", "9:5: topic `beta`: missing field `interview`", 1),
        ("duplicate_id.yaml", "15:1: duplicate topic id `alpha` (first defined at", 2),
        ("missing_parent.yaml", "9:1: topic `beta` has parent `nowhere`, which does not exist", 2),
        ("bad_id.yaml", "3:9: topic `Info_Theory`: id must be kebab-case", 1),
        ("bad_url.yaml", "11:14: topic `alpha`: reference url `zhihu.com/p/1` is not an http(s) URL", 1),
        ("unknown_latex.yaml", "11:15: topic `alpha`: formula `Mystery`: unknown LaTeX command `\\frobnicate`", 1),
        ("unclosed_dollar.yaml", "7:7: topic `alpha`: body: `$` opens math that is never closed", 1),
        ("empty.yaml", "1:1: empty file: expected `format: 1` and `topics:`", 0),
        ("not_utf8.yaml", "4:17: file is not valid UTF-8", 0),
        ("cycle.yaml", "10:1: topic `beta` has parent `alpha`, which makes a cycle", 2),
        ("wrong_type.yaml", "4:12: topic `alpha`: title: invalid type: string \"just a string\", expected struct Title", 0),
    ];
    for (file, want, loaded) in cases {
        let path = fixture(&format!("bad/{file}"));
        let path_s = path.to_str().expect("utf-8 path");
        let o = mlwb(&["check", "--topics", path_s]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{file}: exit status\n{}",
            stdout(&o)
        );
        let expected = format!("{path_s}:{want}");
        assert!(
            stdout(&o).lines().any(|l| l.starts_with(&expected)),
            "{file}: expected a line starting with\n  {expected}\ngot\n{}",
            stdout(&o)
        );
        assert!(
            stderr(&o).starts_with(&format!("{loaded} topics,")),
            "{file}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn short_notes_are_warnings_not_errors() {
    let o = mlwb(&[
        "check",
        "--topics",
        fixture("bad/short_note.yaml").to_str().expect("path"),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("5:5: warning: topic `alpha`: note has 6 words"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_users_own_topics_directory_works() {
    let dir = fixture("good");
    let dir = dir.to_str().expect("path");
    let topics = topics_json(&["--topics", dir]);
    let ids: Vec<&str> = topics
        .iter()
        .map(|t| t["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        vec!["my-notes", "entropy-card", "kl-card"],
        "tree order across files"
    );
    assert_eq!(topics[2]["parent"], "my-notes");
    let o = mlwb(&["check", "--topics", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let s = stdout(&mlwb(&["show", "kl-card", "--topics", dir]));
    assert!(s.contains("KL(p ‖ q) = ∑ₓ p(x) log p(x)/q(x) ≥ 0"), "{s}");
}

#[test]
fn a_missing_topics_directory_is_reported() {
    let o = mlwb(&["check", "--topics", "/nonexistent/topics"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("/nonexistent/topics:1:1: cannot read:"),
        "{}",
        stdout(&o)
    );
    // Other commands still run and say what went wrong.
    let o = mlwb(&["topics", "--topics", "/nonexistent/topics"]);
    assert!(
        stderr(&o).contains("problem(s) in the topics"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_tui_refuses_politely_without_a_terminal() {
    let o = mlwb(&[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("needs a terminal"), "{}", stderr(&o));
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["topics", "show", "check"] {
        let o = mlwb(&[sub, "--help"]);
        assert!(o.status.success(), "{sub} --help");
        assert!(stdout(&o).contains("--topics"), "{sub}: {}", stdout(&o));
    }
}
