//! The CLI, driven as a user would: the real binary, real arguments.

use crate::common;
use common::mlwb;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
            "注意力机制",
            "Transformer",
            "文本分类",
            "经典模型",
            "多模态",
            "问答",
            "其他",
            "术语表"
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
    // References are numbered, each link on a line of its own.
    assert!(
        basics.contains("[1] 计算机视觉基本任务综述\n    https://zhuanlan.zhihu.com/p/262697114\n"),
        "{basics}"
    );
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
        ("bad_version.yaml", "1:1: unsupported format version 3 (this mlwb reads versions 1 and 2)", 0),
        ("missing_field.yaml", "9:5: topic `beta`: missing field `interview`", 1),
        ("duplicate_id.yaml", "15:1: duplicate topic id `alpha` (first defined at", 2),
        ("missing_parent.yaml", "9:1: topic `beta` has parent `nowhere`, which does not exist", 2),
        ("bad_id.yaml", "3:9: topic `Info_Theory`: id must be kebab-case", 1),
        ("bad_url.yaml", "11:14: topic `alpha`: reference url `zhihu.com/p/1` is not an http(s) URL", 1),
        ("unknown_latex.yaml", "11:15: topic `alpha`: formula `Mystery`: unknown LaTeX command `\\frobnicate`", 1),
        ("unclosed_dollar.yaml", "7:13: topic `alpha`: body: `$` opens math that is never closed", 1),
        ("empty.yaml", "1:1: empty file: expected `format: 2` and `topics:`", 0),
        ("not_utf8.yaml", "4:17: file is not valid UTF-8", 0),
        ("cycle.yaml", "10:1: topic `beta` has parent `alpha`, which makes a cycle", 2),
        ("wrong_type.yaml", "4:12: topic `alpha`: title: invalid type: string \"just a string\", expected struct Title", 0),
        // Format 2: bilingual text.
        ("unknown_language.yaml", "8:7: topic `alpha`: body: unknown field `fr`, expected `en` or `zh`", 0),
        ("empty_zh.yaml", "8:7: topic `alpha`: body: the Chinese (zh) text is empty", 1),
        ("cloze_zh_no_blank.yaml", "10:76: topic `alpha`: card `alpha-cloze`: prompt: the Chinese (zh) prompt of a cloze card needs exactly one ___ blank", 1),
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
fn untranslated_text_in_a_format_2_file_is_an_error() {
    let path = fixture("bad/plain_english_body.yaml");
    let path = path.to_str().expect("path");
    let o = mlwb(&["check", "--topics", path]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "every bundled file is bilingual: an error"
    );
    assert!(
        stdout(&o).contains(&format!(
            "{path}:5:5: topic `alpha`: body: missing Chinese (zh): a plain string is shown in both languages"
        )),
        "{}",
        stdout(&o)
    );
    // The same plain string in a format-1 file is fine: no new warnings.
    let dir = tempfile::tempdir().expect("tmp");
    let f1 = dir.path().join("f1.yaml");
    let text = std::fs::read_to_string(path).expect("read");
    std::fs::write(&f1, text.replace("format: 2", "format: 1")).expect("write");
    let o = mlwb(&["check", "--topics", f1.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!stdout(&o).contains("missing Chinese"), "{}", stdout(&o));
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
        vec!["my-notes", "entropy-card", "kl-card", "cross-entropy"],
        "tree order across files"
    );
    assert_eq!(topics[2]["parent"], "my-notes");
    let o = mlwb(&["check", "--topics", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        !stdout(&o).contains("Chinese"),
        "the bilingual fixture is fully translated:\n{}",
        stdout(&o)
    );
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

// ---- languages ----

/// mlwb with a language environment of its own: no locale variables but
/// those given, and `data` as the data directory (where settings.json is).
fn mlwb_lang(args: &[&str], data: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlwb"));
    c.args(args)
        .env("NO_COLOR", "1")
        .env("MLWB_DATA_DIR", data)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run mlwb")
}

fn good_dir() -> String {
    fixture("good").to_str().expect("path").to_string()
}

const ZH_HEADING: &str = "为什么用它做分类损失";
const EN_HEADING: &str = "Why it is the classification loss";

#[test]
fn show_prints_the_note_in_the_chosen_language() {
    let data = tempfile::tempdir().expect("tmp");
    let good = good_dir();
    let show = |lang: &str| {
        let o = mlwb_lang(
            &["show", "cross-entropy", "--topics", &good, "--lang", lang],
            data.path(),
            &[],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let zh = show("zh");
    assert!(zh.contains(ZH_HEADING) && !zh.contains(EN_HEADING), "{zh}");
    assert!(
        zh.contains("• 交叉熵\n"),
        "formula labels in Chinese:\n{zh}"
    );
    assert!(
        zh.contains("分类为什么不用均方误差"),
        "interview in Chinese:\n{zh}"
    );
    assert!(
        zh.contains("设计的编码去编码服从"),
        "Chinese lines join without a space:\n{zh}"
    );
    assert!(
        zh.contains("交叉熵 · Cross-entropy"),
        "titles stay bilingual"
    );
    let en = show("en");
    assert!(en.contains(EN_HEADING) && !en.contains(ZH_HEADING), "{en}");
    assert!(en.contains("• Cross-entropy\n"), "{en}");
    let both = show("both");
    let (z, e) = (
        both.find(ZH_HEADING).expect("zh"),
        both.find(EN_HEADING).expect("en"),
    );
    assert!(z < e, "Chinese first:\n{both}");
    assert!(
        both.contains(&"─".repeat(80)),
        "a rule between them:\n{both}"
    );
    assert!(
        both.contains("• 交叉熵\n  Cross-entropy\n"),
        "short fields on two lines:\n{both}"
    );
    // Chinese wraps within the width, counting CJK as two columns.
    for w in ["20", "33", "47"] {
        let o = mlwb_lang(
            &[
                "show",
                "cross-entropy",
                "--topics",
                &good,
                "--lang",
                "zh",
                "--width",
                w,
            ],
            data.path(),
            &[],
        );
        for line in stdout(&o).lines() {
            assert!(mlwb::text::width(line) <= w.parse().expect("n"), "{line}");
        }
    }
    // Format-1 content reads the same in every language.
    let kl = |lang: &str| {
        stdout(&mlwb_lang(
            &["show", "kl-card", "--topics", &good, "--lang", lang],
            data.path(),
            &[],
        ))
    };
    // Only the section headings follow the language.
    let unhead = |s: String| {
        s.replace("面试怎么问 · Interview angle", "Interview angle")
            .replace("面试怎么问", "Interview angle")
    };
    assert_eq!(unhead(kl("zh")), kl("en"));
    assert_eq!(unhead(kl("zh")), unhead(kl("both")));
    let o = mlwb_lang(&["show", "kl-card", "--lang", "fr"], data.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("expected zh, en or both"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_language_comes_from_the_flag_then_settings_then_the_locale() {
    let data = tempfile::tempdir().expect("tmp");
    let good = good_dir();
    let show = |env: &[(&str, &str)], extra: &[&str]| {
        let mut args = vec!["show", "cross-entropy", "--topics", &good];
        args.extend_from_slice(extra);
        let o = mlwb_lang(&args, data.path(), env);
        assert!(o.status.success(), "{}", stderr(&o));
        (stdout(&o), stderr(&o))
    };
    let is_zh = |s: &str| s.contains(ZH_HEADING) && !s.contains(EN_HEADING);
    let is_en = |s: &str| s.contains(EN_HEADING) && !s.contains(ZH_HEADING);
    // No settings file: the locale.
    assert!(is_en(&show(&[], &[]).0));
    assert!(is_zh(&show(&[("LANG", "zh_CN.UTF-8")], &[]).0));
    assert!(is_zh(
        &show(&[("LC_MESSAGES", "zh_TW"), ("LANG", "en_US")], &[]).0
    ));
    assert!(is_en(
        &show(&[("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")], &[]).0
    ));
    // The saved setting beats the locale; the flag beats both.
    let settings = data.path().join("settings.json");
    std::fs::write(&settings, r#"{"lang": "en"}"#).expect("write");
    assert!(is_en(&show(&[("LANG", "zh_CN.UTF-8")], &[]).0));
    assert!(is_zh(&show(&[], &["--lang", "zh"]).0));
    // A corrupt settings file is reported and ignored, never fatal.
    std::fs::write(&settings, "{ \"lang\": ").expect("write");
    let (out, err) = show(&[("LANG", "zh_CN.UTF-8")], &[]);
    assert!(is_zh(&out), "the locale decides:\n{out}");
    assert!(
        err.contains("settings.json:1:") && err.contains("ignored"),
        "{err}"
    );
    // A --lang is used once, not saved.
    assert_eq!(
        std::fs::read_to_string(&settings).expect("read"),
        "{ \"lang\": "
    );
}

#[test]
fn topics_titles_follow_lang_and_json_stays_stable() {
    let data = tempfile::tempdir().expect("tmp");
    let good = good_dir();
    let list = |extra: &[&str]| {
        let mut args = vec!["topics", "--topics", &good];
        args.extend_from_slice(extra);
        stdout(&mlwb_lang(&args, data.path(), &[("LANG", "zh_CN.UTF-8")]))
    };
    assert!(list(&[]).contains("cross-entropy  交叉熵 · Cross-entropy  ("));
    assert!(list(&["--lang", "both"]).contains("cross-entropy  交叉熵 · Cross-entropy  ("));
    assert!(list(&["--lang", "zh"]).contains("cross-entropy  交叉熵  ("));
    assert!(list(&["--lang", "en"]).contains("cross-entropy  Cross-entropy  ("));
    let json: Vec<serde_json::Value> =
        serde_json::from_str(&list(&["--json", "--lang", "zh"])).expect("json");
    let t = json
        .iter()
        .find(|t| t["id"] == "cross-entropy")
        .expect("topic");
    assert_eq!(t["title"]["en"], "Cross-entropy");
    assert_eq!(t["title"]["zh"], "交叉熵");
    assert_eq!(t["words"], 79, "words of the English note");
}

#[test]
fn quiz_cards_in_each_language_and_stable_json() {
    let data = tempfile::tempdir().expect("tmp");
    let good = good_dir();
    let run = |extra: &[&str]| {
        let mut args = vec!["quiz", "--topics", &good];
        args.extend_from_slice(extra);
        // A Chinese locale: JSON must still default to English.
        let o = mlwb_lang(&args, data.path(), &[("LANG", "zh_CN.UTF-8")]);
        (o.status.code(), stdout(&o), stderr(&o))
    };
    let cards = |extra: &[&str]| -> Vec<serde_json::Value> {
        let mut args = vec!["--json"];
        args.extend_from_slice(extra);
        serde_json::from_str(&run(&args).1).expect("json")
    };
    let find = |cards: &[serde_json::Value], id: &str| {
        cards.iter().find(|c| c["id"] == id).expect("card").clone()
    };
    // --json without --lang: English strings where there were strings.
    let en = find(&cards(&[]), "cross-entropy-sigmoid-choice");
    assert_eq!(
        en["prompt"],
        "What is the derivative of the sigmoid $\\sigma(z)$?"
    );
    assert_eq!(en["options"][2], "it has no closed form");
    assert_eq!(en["options"][0], "$\\sigma(z)(1-\\sigma(z))$");
    assert!(en["explanation"].is_string());
    let zh = find(&cards(&["--lang", "zh"]), "cross-entropy-sigmoid-choice");
    assert_eq!(zh["prompt"], "sigmoid 函数 $\\sigma(z)$ 的导数是什么？");
    assert_eq!(zh["options"][2], "没有闭式表达");
    // both: {en, zh} where the languages differ, a string where they do not.
    let both = find(&cards(&["--lang", "both"]), "cross-entropy-sigmoid-choice");
    assert_eq!(both["prompt"]["zh"], zh["prompt"]);
    assert_eq!(both["prompt"]["en"], en["prompt"]);
    assert_eq!(both["options"][0], en["options"][0]);
    let d = find(
        &cards(&["--lang", "both"]),
        "cross-entropy-softmax-gradient",
    );
    assert_eq!(d["steps"][2]["why"]["zh"], "标签之和为 1");
    // --list and --show follow --lang (else the setting, else the locale).
    let (_, list, _) = run(&["--list"]);
    assert!(
        list.contains("推导 softmax 交叉熵对 logits 的梯度"),
        "{list}"
    );
    let (_, list, _) = run(&["--list", "--lang", "en"]);
    assert!(list.contains("Derive the gradient of softmax"), "{list}");
    let (code, show, err) = run(&["--show", "cross-entropy-softmax-gradient", "--lang", "zh"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(show.contains("    because 标签之和为 1"), "{show}");
    assert!(!show.contains('$'), "{show}");
    let (_, show, _) = run(&["--show", "cross-entropy-sigmoid-choice", "--lang", "both"]);
    assert!(
        show.contains(
            "sigmoid 函数 σ(z) 的导数是什么？\nWhat is the derivative of the sigmoid σ(z)?\n"
        ),
        "{show}"
    );
    assert!(
        show.contains("  3) 没有闭式表达\n     it has no closed form\n"),
        "{show}"
    );
}

#[test]
fn cloze_answers_are_accepted_in_either_language() {
    let data = tempfile::tempdir().expect("tmp");
    let good = good_dir();
    let answer = |given: &str, lang: &str| {
        let o = mlwb_lang(
            &[
                "quiz",
                "--topics",
                &good,
                "--lang",
                lang,
                "--answer",
                "cross-entropy-nll-cloze",
                given,
            ],
            data.path(),
            &[],
        );
        (o.status.code(), stdout(&o))
    };
    for lang in ["zh", "en"] {
        for ok in [
            "likelihood",
            "Likelihood",
            "似然",
            "似然函数",
            "likelihood function",
        ] {
            assert_eq!(answer(ok, lang).0, Some(0), "{ok} ({lang})");
        }
        assert_eq!(answer("probability", lang).0, Some(1));
    }
    assert_eq!(answer("x", "zh").1, "wrong — answer: 似然\n");
    assert_eq!(answer("x", "en").1, "wrong — answer: likelihood\n");
    assert_eq!(answer("x", "both").1, "wrong — answer: 似然 / likelihood\n");
}
