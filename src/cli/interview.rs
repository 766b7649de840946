//! `mlwb quiz --mode spot|gap|derive|mock ...` (the interview drills, for
//! scripts) and `mlwb quiz export` (Markdown and Anki).

use std::io::{Read as _, Write};
use std::process::ExitCode;

use super::out::{error, fail, print_json, FAILED, USAGE};
use super::quiz::QuizArgs;
use crate::content::{ErrorKind, Library};
use crate::mathtext;
use crate::quiz::interview::{self, Mode};
use crate::quiz::{self, export};
use crate::settings::Lang;

/// `mlwb quiz export`: a topic's cards (or all) to Markdown or Anki.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The cards of this topic and its subtopics.
    #[arg(long, value_name = "ID", conflicts_with = "all")]
    pub topic: Option<String>,
    /// Every card of the map.
    #[arg(long)]
    pub all: bool,
    /// md (Markdown: derivations as numbered steps, formulas in Unicode and
    /// LaTeX) or apkg (an Anki deck: one note per card, MathJax formulas).
    #[arg(long, value_name = "md|apkg")]
    pub format: String,
    /// The file to write (replaced atomically: never half-written).
    #[arg(long, value_name = "FILE")]
    pub out: std::path::PathBuf,
    /// Language of the prose: zh, en or both (default both).
    #[arg(long, value_name = "zh|en|both")]
    pub lang: Option<Lang>,
}

pub fn export_command(
    lib: &Library,
    a: &ExportArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<ExitCode> {
    if a.topic.is_none() && !a.all {
        return fail(err, "say which cards: --topic ID or --all", USAGE);
    }
    let format = match export::Format::parse(&a.format) {
        Ok(f) => f,
        Err(e) => return fail(err, e, USAGE),
    };
    let lang = a.lang.unwrap_or(Lang::Both);
    let topic = a.topic.as_deref();
    let bytes = match format {
        export::Format::Markdown => export::markdown(lib, topic, lang).map(String::into_bytes),
        export::Format::Apkg => export::apkg(lib, topic, lang),
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => return fail(err, e, USAGE),
    };
    if let Err(e) = export::write_atomic(&a.out, &bytes) {
        return fail(err, e, FAILED);
    }
    let n = export::cards(lib, topic).map(|c| c.len()).unwrap_or(0);
    writeln!(out, "wrote {} ({n} card(s))", a.out.display())?;
    Ok(ExitCode::SUCCESS)
}

fn kinds_list() -> Vec<serde_json::Value> {
    ErrorKind::ALL
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            let d = k.describe();
            serde_json::json!({ "number": i + 1, "kind": interview::kind_name(k),
                "en": d.en(), "zh": d.zh() })
        })
        .collect()
}

/// Read `--lines FILE` (`-`: standard input).
fn read_lines(path: &std::path::Path) -> Result<String, String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("standard input: {e}"))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// `--mode ...` with `--show`, `--answer`, `--list` or the mock plan.
/// Interactive sessions (no such flag) go to the TUI in the caller.
pub fn mode_command(
    lib: &Library,
    a: &QuizArgs,
    mode: Mode,
    lang: Lang,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<ExitCode> {
    let deck = match quiz::deck(lib, a.topic.as_deref(), None) {
        Ok(d) => d,
        Err(e) => return fail(err, e, USAGE),
    };
    if mode == Mode::Mock {
        let progress = crate::quiz::store::data_dir(a.data_dir.as_deref())
            .and_then(|d| crate::quiz::store::Store::open_read_only(&d))
            .map(|(_, p)| p)
            .unwrap_or_default();
        let n = a.questions.unwrap_or(interview::MOCK_QUESTIONS);
        let plan = interview::plan_mock(&deck, &progress, chrono::Utc::now(), n, a.seed);
        if a.stdin {
            let stdin = std::io::stdin();
            let mut input = stdin.lock();
            // With --json the questions go to standard error and the
            // record alone to standard output.
            let done = if a.json {
                let mut shown = std::io::stderr();
                mock_on_stdin(&deck, &plan, a, lang, &mut input, &mut shown, err)?
            } else {
                mock_on_stdin(&deck, &plan, a, lang, &mut input, out, err)?
            };
            return match done {
                Ok(record) => {
                    if a.json {
                        print_json(out, &record)?;
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(code) => Ok(code),
            };
        }
        if a.json {
            print_json(
                out,
                &serde_json::json!({ "scope": a.topic, "minutes": interview::MOCK_MINUTES,
                    "questions": plan }),
            )?;
        } else {
            for (i, m) in plan.iter().enumerate() {
                writeln!(
                    out,
                    "{:>2}. {:<40} {:<28} {:<5} {:<6} {} follow-up(s)",
                    i + 1,
                    m.card,
                    m.topic,
                    format!("{:?}", m.drill).to_lowercase(),
                    m.why,
                    m.follow_ups
                )?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let id = a.show.as_ref().or(a.answer.as_ref());
    let Some(id) = id else {
        // --list (or --json alone): the cards this drill can use.
        let fit: Vec<_> = deck.iter().filter(|c| mode.fits(c.card)).collect();
        if a.json {
            let v: Vec<serde_json::Value> = fit
                .iter()
                .map(|c| {
                    serde_json::json!({ "id": c.card.id, "topic": c.topic,
                    "faults": c.card.faults.len(), "gaps": c.card.gaps.len() })
                })
                .collect();
            print_json(out, &v)?;
        } else {
            for c in &fit {
                writeln!(out, "{:<40} {}", c.card.id, c.topic)?;
            }
            writeln!(err, "{} card(s)", fit.len())?;
        }
        return Ok(ExitCode::SUCCESS);
    };
    let Some(c) = deck.iter().find(|c| &c.card.id == id) else {
        return fail(
            err,
            format!("no card `{id}` (list them with `mlwb quiz --list`)"),
            USAGE,
        );
    };
    let card = c.card;
    if !mode.fits(card) {
        let what = match mode {
            Mode::Spot => "authored faults (`faults:`)",
            _ => "checkable steps (`gaps:`)",
        };
        return fail(
            err,
            format!(
                "card `{id}` has no {what}; list the cards that do with `mlwb quiz --mode {} --list`",
                format!("{mode:?}").to_lowercase()
            ),
            USAGE,
        );
    }
    let fault = match a.fault {
        Some(0) => return fail(err, "--fault counts from 1", USAGE),
        Some(n) if n > card.faults.len() => {
            return fail(
                err,
                format!("card `{id}` has {} fault(s)", card.faults.len()),
                USAGE,
            )
        }
        Some(n) => n - 1,
        None => interview::pick_fault(card, a.seed).unwrap_or(0),
    };
    let hidden = interview::hidden_gaps(card, a.seed);
    let prompt = card.prompt.parts(lang).join(" / ");
    if a.show.is_some() {
        match mode {
            Mode::Spot => {
                let steps = interview::spot_steps(card, fault);
                if a.json {
                    print_json(
                        out,
                        &serde_json::json!({ "card": id, "fault": fault + 1,
                            "prompt": card.prompt.project(lang),
                            "steps": steps, "kinds": kinds_list() }),
                    )?;
                } else {
                    writeln!(
                        out,
                        "{}\nOne step is wrong. Which, and why?",
                        plain(&prompt)
                    )?;
                    for (i, s) in steps.iter().enumerate() {
                        writeln!(out, "{:>2}. {}", i + 1, mathtext::to_unicode(s))?;
                    }
                    writeln!(out, "error kinds:")?;
                    for (i, k) in ErrorKind::ALL.into_iter().enumerate() {
                        writeln!(
                            out,
                            "  {}) {:<22} {}",
                            i + 1,
                            interview::kind_name(k),
                            k.describe().parts(lang).join(" / ")
                        )?;
                    }
                }
            }
            Mode::Gap => {
                let steps: Vec<serde_json::Value> = card
                    .steps
                    .iter()
                    .enumerate()
                    .map(
                        |(i, s)| match hidden.iter().find(|&&g| card.gaps[g].step == i) {
                            Some(&g) => serde_json::json!({ "step": i + 1, "hidden": true,
                            "show": card.gaps[g].show,
                            "variables": card.gaps[g].vars.keys().collect::<Vec<_>>() }),
                            None => serde_json::json!({ "step": i + 1, "math": s.math }),
                        },
                    )
                    .collect();
                if a.json {
                    print_json(
                        out,
                        &serde_json::json!({ "card": id, "prompt": card.prompt.project(lang),
                            "steps": steps }),
                    )?;
                } else {
                    writeln!(out, "{}", plain(&prompt))?;
                    for (i, s) in card.steps.iter().enumerate() {
                        match hidden.iter().find(|&&g| card.gaps[g].step == i) {
                            Some(&g) => {
                                let gap = &card.gaps[g];
                                let vars: Vec<&str> = gap.vars.keys().map(String::as_str).collect();
                                writeln!(
                                    out,
                                    "{:>2}. {} ___   (variables: {})",
                                    i + 1,
                                    mathtext::to_unicode(&gap.show),
                                    vars.join(", ")
                                )?
                            }
                            None => {
                                writeln!(out, "{:>2}. {}", i + 1, mathtext::to_unicode(&s.math))?
                            }
                        }
                    }
                }
            }
            Mode::Derive | Mode::Mock => {
                let chain = interview::chain(card);
                let goal = chain.last().map(|g| g.show.clone()).unwrap_or_default();
                if a.json {
                    let steps: Vec<serde_json::Value> = chain
                        .iter()
                        .map(|g| {
                            serde_json::json!({ "step": g.step + 1, "show": g.show,
                            "variables": g.vars.keys().collect::<Vec<_>>() })
                        })
                        .collect();
                    print_json(
                        out,
                        &serde_json::json!({ "card": id, "prompt": card.prompt.project(lang),
                            "goal": goal, "checkable": steps }),
                    )?;
                } else {
                    writeln!(out, "{}", plain(&prompt))?;
                    writeln!(out, "goal: {} ...", mathtext::to_unicode(&goal))?;
                    for g in &chain {
                        let vars: Vec<&str> = g.vars.keys().map(String::as_str).collect();
                        writeln!(
                            out,
                            "checked: step {} ({}), variables {}",
                            g.step + 1,
                            mathtext::to_unicode(&g.show),
                            vars.join(", ")
                        )?;
                    }
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    // --answer
    let given = a.given.clone().unwrap_or_default();
    let (ok, grade, value): (bool, u8, serde_json::Value) = match mode {
        Mode::Spot => {
            let Some((step, kind)) = given.split_once(',') else {
                return fail(
                    err,
                    "the answer is STEP,KIND, e.g. `3,sign` (kinds: `mlwb quiz --mode spot --show CARD`)",
                    USAGE,
                );
            };
            let step = match step.trim().parse::<usize>() {
                Ok(s) => s,
                Err(_) => return fail(err, format!("step `{step}` is not a number"), USAGE),
            };
            let kind = match interview::parse_kind(kind) {
                Ok(k) => k,
                Err(e) => return fail(err, e, USAGE),
            };
            let r = match interview::grade_spot(card, fault, step, kind) {
                Ok(r) => r,
                Err(e) => return fail(err, e, USAGE),
            };
            if !a.json {
                writeln!(
                    out,
                    "{} — the wrong step is {} ({}): {}",
                    match (r.step_correct, r.kind_correct) {
                        (true, true) => "correct",
                        (true, false) => "right step, wrong kind",
                        _ => "wrong step",
                    },
                    r.wrong_step,
                    interview::kind_name(r.error),
                    r.why.parts(lang).join(" / ")
                )?;
                writeln!(out, "shown:   {}", mathtext::to_unicode(&r.shown))?;
                writeln!(out, "correct: {}", mathtext::to_unicode(&r.correct))?;
            }
            let mut v = serde_json::to_value(&r).unwrap_or_default();
            v["why"] = serde_json::to_value(r.why.project(lang)).unwrap_or_default();
            (r.kind_correct, r.grade, v)
        }
        Mode::Gap => {
            let parts: Vec<&str> = given.split(';').map(str::trim).collect();
            if parts.len() != hidden.len() {
                return fail(
                    err,
                    format!(
                        "{} step(s) are hidden (steps {}): give {} expression(s) separated by `;`",
                        hidden.len(),
                        hidden
                            .iter()
                            .map(|&g| (card.gaps[g].step + 1).to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                        hidden.len()
                    ),
                    USAGE,
                );
            }
            let results: Vec<_> = hidden
                .iter()
                .zip(&parts)
                .map(|(&g, t)| interview::check_gap(&card.gaps[g], t))
                .collect();
            if !a.json {
                for r in &results {
                    writeln!(
                        out,
                        "step {}: {}\n  expected {}\n  yours    {}",
                        r.step, r.message, r.expected_unicode, r.given_unicode
                    )?;
                }
            }
            let grade = interview::gap_grade(&results);
            let ok = results.iter().all(|r| r.equivalent);
            (
                ok,
                grade,
                serde_json::json!({ "card": id, "gaps": results, "grade": grade }),
            )
        }
        Mode::Derive | Mode::Mock => {
            let Some(path) = &a.lines else {
                return fail(
                    err,
                    "give the lines with --lines FILE (or - for standard input)",
                    USAGE,
                );
            };
            let text = match read_lines(path) {
                Ok(t) => t,
                Err(e) => return fail(err, e, USAGE),
            };
            let lines: Vec<&str> = text.lines().collect();
            let r = interview::check_derivation(card, &lines, a.hints);
            if !a.json {
                for l in &r.lines {
                    let s = match &l.status {
                        interview::LineStatus::Matches { step } => format!("✓ step {step}"),
                        interview::LineStatus::Repeats { step } => format!("= step {step} again"),
                        interview::LineStatus::Note => "  (note)".into(),
                        interview::LineStatus::DoesNotFollow { reason } => format!("✗ {reason}"),
                        interview::LineStatus::Unchecked => "  (not checked)".into(),
                    };
                    writeln!(out, "{:>3}: {}\n     {s}", l.line, l.text)?;
                }
                writeln!(
                    out,
                    "{} (checkable steps {:?}, reached {:?})",
                    if r.reached_goal {
                        "goal reached"
                    } else {
                        "goal not reached"
                    },
                    r.checkable,
                    r.matched
                )?;
            }
            (
                r.reached_goal,
                r.grade,
                serde_json::to_value(&r).unwrap_or_default(),
            )
        }
    };
    if a.record {
        let opened = crate::quiz::store::data_dir(a.data_dir.as_deref())
            .and_then(|d| crate::quiz::store::Store::open(&d));
        match opened {
            Ok((store, mut progress)) => {
                for n in &store.notices {
                    error(err, n)?;
                }
                let saved = progress
                    .grade(id, grade, chrono::Utc::now())
                    .map(|_| ())
                    .and_then(|()| store.save(&progress));
                if let Err(e) = saved {
                    return fail(err, e, FAILED);
                }
            }
            Err(e) => return fail(err, e, FAILED),
        }
    }
    if a.json {
        print_json(out, &value)?;
    } else {
        writeln!(
            out,
            "grade {grade}{}",
            if a.record { " (recorded)" } else { "" }
        )?;
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILED)
    })
}

fn plain(s: &str) -> String {
    mathtext::split_inline(s)
        .into_iter()
        .map(|(_, t)| t)
        .collect()
}

/// Read one answer line; `None` at the end of the input.
fn read_answer(input: &mut dyn std::io::BufRead) -> std::io::Result<Option<String>> {
    let mut line = String::new();
    Ok((input.read_line(&mut line)? > 0).then(|| line.trim().to_string()))
}

/// A self-grade 1-4 (or again/hard/good/easy); anything else is "again".
fn self_grade(s: &str) -> u8 {
    crate::quiz::store::parse_grade(s).unwrap_or(1)
}

/// The mock interview on standard input and output: each planned question
/// is printed, one line is read as the answer and graded, follow-ups are
/// chained; the scores per topic end it and the session is saved (FSRS
/// grades of the cards and the interview record).
fn mock_on_stdin(
    deck: &[quiz::DeckCard<'_>],
    plan: &[interview::MockItem],
    a: &QuizArgs,
    lang: Lang,
    input: &mut dyn std::io::BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<Result<interview::InterviewRecord, ExitCode>> {
    use crate::content::CardKind;
    use crate::quiz::store::{data_dir, Store};
    let (store, mut progress) = match data_dir(a.data_dir.as_deref()).and_then(|d| Store::open(&d))
    {
        Ok(x) => x,
        Err(e) => return fail(err, e, FAILED).map(Err),
    };
    for n in &store.notices {
        error(err, n)?;
    }
    let started = chrono::Utc::now();
    let deadline = started + chrono::Duration::minutes(interview::MOCK_MINUTES);
    let text = |t: &crate::content::Text| plain(&t.parts(lang).join(" / "));
    let mut answers: Vec<interview::Answer> = Vec::new();
    'items: for (i, item) in plan.iter().enumerate() {
        if chrono::Utc::now() >= deadline {
            writeln!(out, "time is up")?;
            break;
        }
        let Some(c) = deck.iter().find(|c| c.card.id == item.card) else {
            continue;
        };
        let card = c.card;
        writeln!(
            out,
            "\n[{}/{}] {} ({})",
            i + 1,
            plan.len(),
            card.id,
            c.topic
        )?;
        writeln!(out, "{}", text(&card.prompt))?;
        let seed = a.seed.wrapping_add(i as u64);
        let grade = match item.drill {
            interview::Drill::Spot => {
                let fault = interview::pick_fault(card, seed).unwrap_or(0);
                for (k, m) in interview::spot_steps(card, fault).iter().enumerate() {
                    writeln!(out, "{:>2}. {}", k + 1, mathtext::to_unicode(m))?;
                }
                writeln!(
                    out,
                    "which step is wrong, and why? STEP,KIND (kinds: {})",
                    ErrorKind::ALL
                        .into_iter()
                        .map(interview::kind_name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )?;
                let Some(line) = read_answer(input)? else {
                    break 'items;
                };
                let graded = line.split_once(',').and_then(|(s, k)| {
                    let s = s.trim().parse::<usize>().ok()?;
                    let k = interview::parse_kind(k).ok()?;
                    interview::grade_spot(card, fault, s, k).ok()
                });
                let f = &card.faults[fault];
                writeln!(
                    out,
                    "the wrong step is {} ({}): {}",
                    f.step + 1,
                    interview::kind_name(f.error),
                    text(&f.why)
                )?;
                graded.map_or(1, |r| r.grade)
            }
            interview::Drill::Gap => {
                let hidden = interview::hidden_gaps(card, seed);
                for (k, st) in card.steps.iter().enumerate() {
                    match hidden.iter().find(|&&g| card.gaps[g].step == k) {
                        Some(&g) => writeln!(
                            out,
                            "{:>2}. {} ___",
                            k + 1,
                            mathtext::to_unicode(&card.gaps[g].show)
                        )?,
                        None => writeln!(out, "{:>2}. {}", k + 1, mathtext::to_unicode(&st.math))?,
                    }
                }
                writeln!(out, "the hidden expression(s), separated by `;`:")?;
                let Some(line) = read_answer(input)? else {
                    break 'items;
                };
                let parts: Vec<&str> = line.split(';').map(str::trim).collect();
                let results: Vec<_> = hidden
                    .iter()
                    .enumerate()
                    .map(|(k, &g)| {
                        interview::check_gap(&card.gaps[g], parts.get(k).copied().unwrap_or(""))
                    })
                    .collect();
                for r in &results {
                    writeln!(
                        out,
                        "step {}: {} (expected {})",
                        r.step, r.message, r.expected_unicode
                    )?;
                }
                interview::gap_grade(&results)
            }
            interview::Drill::Card => {
                let problem = card
                    .generator
                    .as_deref()
                    .and_then(|g| quiz::generators::generate(g, seed));
                match card.kind {
                    CardKind::Choice => {
                        for (k, o) in card.options.iter().enumerate() {
                            writeln!(out, "  {}) {}", k + 1, text(o))?;
                        }
                    }
                    CardKind::Numeric => {
                        if let Some(p) = &problem {
                            writeln!(out, "{}", p.prompt)?;
                        }
                    }
                    CardKind::Derivation | CardKind::Open => {
                        writeln!(out, "(answer aloud, then grade yourself 1-4 against the model answer below)")?;
                    }
                    CardKind::Cloze => {}
                }
                let model = || -> String {
                    match card.kind {
                        CardKind::Derivation => card
                            .steps
                            .iter()
                            .enumerate()
                            .map(|(k, s)| {
                                format!("{:>2}. {}", k + 1, mathtext::to_unicode(&s.math))
                            })
                            .collect::<Vec<_>>()
                            .join("\n"),
                        _ => card.answer.as_ref().map(text).unwrap_or_default(),
                    }
                };
                if matches!(card.kind, CardKind::Derivation | CardKind::Open) {
                    writeln!(out, "{}", model())?;
                }
                let Some(line) = read_answer(input)? else {
                    break 'items;
                };
                let right = match card.kind {
                    CardKind::Cloze => Some(quiz::cloze_correct(card, &line)),
                    CardKind::Choice => {
                        Some(line.parse::<usize>().ok() == card.correct.map(|k| k + 1))
                    }
                    CardKind::Numeric => problem
                        .as_ref()
                        .map(|p| quiz::generators::check(p, &line) == Ok(true)),
                    _ => None,
                };
                match right {
                    Some(ok) => {
                        let answer = match (&problem, card.kind) {
                            (Some(p), CardKind::Numeric) => p.solution.clone(),
                            (_, CardKind::Choice) => {
                                card.correct.map_or(String::new(), |k| (k + 1).to_string())
                            }
                            _ => model(),
                        };
                        writeln!(out, "{} — {answer}", if ok { "correct" } else { "wrong" })?;
                        if ok {
                            3
                        } else {
                            1
                        }
                    }
                    None => self_grade(&line),
                }
            }
        };
        writeln!(out, "grade {grade}")?;
        if let Err(e) = progress.grade(&card.id, grade, chrono::Utc::now()) {
            return fail(err, e, FAILED).map(Err);
        }
        answers.push(interview::Answer {
            topic: c.topic.to_string(),
            card: card.id.clone(),
            follow_up: None,
            grade,
        });
        for (k, f) in card.follow_ups.iter().enumerate() {
            writeln!(out, "follow-up: {}", text(&f.prompt))?;
            writeln!(out, "model answer: {}", text(&f.answer))?;
            writeln!(out, "(grade yourself 1-4)")?;
            let Some(line) = read_answer(input)? else {
                break 'items;
            };
            answers.push(interview::Answer {
                topic: c.topic.to_string(),
                card: card.id.clone(),
                follow_up: Some(k),
                grade: self_grade(&line),
            });
        }
    }
    if answers.is_empty() {
        return fail(err, "no answers: nothing to score or save", USAGE).map(Err);
    }
    let ended = chrono::Utc::now();
    let record = interview::InterviewRecord {
        started,
        seconds: (ended - started).num_seconds().max(0),
        scope: a.topic.clone(),
        topics: interview::score_topics(&answers),
        answers,
    };
    progress.interviews.push(record.clone());
    if let Err(e) = store.save(&progress) {
        return fail(err, e, FAILED).map(Err);
    }
    {
        writeln!(out, "\nscore per topic (weakest first):")?;
        for t in &record.topics {
            writeln!(
                out,
                "{} {:<30} {:>3.0}%  ({} answer(s))",
                if t.score < interview::WEAK_SCORE {
                    "⚠"
                } else {
                    " "
                },
                t.topic,
                100.0 * t.score,
                t.answers
            )?;
        }
        writeln!(out, "saved to {}", store.path().display())?;
    }
    Ok(Ok(record))
}
