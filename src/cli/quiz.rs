//! `mlwb quiz`: the cards, non-interactively (list, show, check an answer).

use std::io::Write;
use std::process::ExitCode;

use super::out::{error, fail, print_json, FAILED, USAGE};
use crate::content::{CardKind, Library};
use crate::mathtext;
use crate::quiz::{self, generators, schedule};

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct QuizArgs {
    #[command(subcommand)]
    pub action: Option<QuizAction>,
    /// Interview drills on derivation cards: spot (find the wrong step and
    /// the kind of error), gap (type the hidden steps' expressions), derive
    /// (write the derivation; each line is checked), mock (a timed mixed
    /// interview with follow-ups). With --show CARD / --answer CARD ANSWER
    /// / --list / --json: for scripts; else the interactive session.
    #[arg(long, value_name = "spot|gap|derive|mock")]
    pub mode: Option<String>,
    /// Spot: which authored fault to show (1-based; default from --seed).
    #[arg(long, value_name = "N")]
    pub fault: Option<usize>,
    /// Derive: the written lines, one step a line (`-`: standard input).
    #[arg(long, value_name = "FILE|-")]
    pub lines: Option<std::path::PathBuf>,
    /// Derive: hints taken (each costs a grade).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub hints: usize,
    /// Mock: number of questions in the plan.
    #[arg(long, value_name = "N")]
    pub questions: Option<usize>,
    /// With --mode and --answer: record the suggested grade in the FSRS
    /// schedule (saved at once).
    #[arg(long)]
    pub record: bool,
    /// Mock: run the interview on standard input, one answer a line (spot
    /// `STEP,KIND`; gap `EXPR; EXPR`; cloze, choice and numeric answers as
    /// with --answer; derivation, open and follow-up questions: a self-grade
    /// 1-4 after the model answer is shown); saved to the progress file.
    #[arg(long)]
    pub stdin: bool,
    /// List the cards: id, topic, kind, prompt.
    #[arg(long)]
    pub list: bool,
    /// Only cards of this topic and its subtopics.
    #[arg(long, value_name = "ID")]
    pub topic: Option<String>,
    /// Only cards of this kind: derivation, cloze, numeric, choice, open.
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// Show one card (a numeric card draws an instance from --seed; with
    /// --mode: the drill's view of it).
    #[arg(long, value_name = "CARD")]
    pub show: Option<String>,
    /// Check an answer to a cloze, choice (option number, 1-based) or numeric card.
    /// With --mode: spot `STEP,KIND` (`2,sign`), gap `EXPR` (several: `EXPR; EXPR`),
    /// derive (the lines come from --lines).
    #[arg(long, value_name = "CARD")]
    pub answer: Option<String>,
    /// The answer to check with --answer (may start with `-`, as in `-inf`).
    #[arg(value_name = "ANSWER", allow_hyphen_values = true)]
    pub given: Option<String>,
    /// Record a review of CARD with the grade given as ANSWER (again, hard, good, easy),
    /// scheduled by FSRS and saved at once.
    #[arg(long, value_name = "CARD")]
    pub grade: Option<String>,
    /// Reviews, new/learning/review counts, a 14-day due forecast, recall
    /// per week, cards due today and mastery per topic.
    #[arg(long)]
    pub stats: bool,
    /// Take CARD out of every queue until --unsuspend (kept in the progress file).
    #[arg(long, value_name = "CARD")]
    pub suspend: Option<String>,
    /// Put a suspended CARD back into the queues.
    #[arg(long, value_name = "CARD")]
    pub unsuspend: Option<String>,
    /// Skip CARD for the rest of today (local time).
    #[arg(long, value_name = "CARD")]
    pub bury: Option<String>,
    /// Where progress is kept (default: MLWB_DATA_DIR, else the platform data directory).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<std::path::PathBuf>,
    /// Seed of a numeric card's instance; with --mode, also which fault (spot),
    /// which gaps (gap) and the topic order of the mock plan.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Language of the cards: zh, en or both (default: the saved setting,
    /// else the locale; --json: English strings unless given).
    #[arg(long, value_name = "zh|en|both")]
    pub lang: Option<crate::settings::Lang>,
    /// Print JSON instead of text (the list, the card, the check, the stats);
    /// a failure is a JSON line on stderr.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum QuizAction {
    /// Export cards to Markdown or an Anki deck (.apkg).
    Export(super::interview::ExportArgs),
}

fn kind(s: &str) -> Result<CardKind, String> {
    match s {
        "derivation" => Ok(CardKind::Derivation),
        "cloze" => Ok(CardKind::Cloze),
        "numeric" => Ok(CardKind::Numeric),
        "choice" => Ok(CardKind::Choice),
        "open" => Ok(CardKind::Open),
        o => Err(format!(
            "--kind `{o}`: expected derivation, cloze, numeric, choice or open"
        )),
    }
}

fn plain(s: &str) -> String {
    mathtext::split_inline(s)
        .into_iter()
        .map(|(_, t)| t)
        .collect()
}

use crate::content::Text;
use crate::settings::Lang;

/// A prose field on one line in `lang` (both languages: `中文 / English`).
fn one_line(t: &Text, lang: Lang) -> String {
    t.parts(lang)
        .into_iter()
        .map(plain)
        .collect::<Vec<_>>()
        .join(" / ")
}

/// A prose field in `lang`: `first` before the first line, and every
/// further language on its own line indented to match.
fn lines(t: &Text, lang: Lang, first: &str) -> String {
    let pad = " ".repeat(crate::text::width(first));
    t.parts(lang)
        .into_iter()
        .enumerate()
        .map(|(i, p)| format!("{}{}", if i == 0 { first } else { &pad }, plain(p)))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn run(
    lib: &Library,
    a: &QuizArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<ExitCode> {
    if let Some(QuizAction::Export(e)) = &a.action {
        return super::interview::export_command(lib, e, out, err);
    }
    let mode = match a.mode.as_deref().map(crate::quiz::interview::Mode::parse) {
        None => None,
        Some(Ok(m)) => Some(m),
        Some(Err(e)) => return fail(err, e, USAGE),
    };
    let k = match a.kind.as_deref().map(kind).transpose() {
        Ok(k) => k,
        Err(e) => {
            return fail(err, e, USAGE);
        }
    };
    let deck = match quiz::deck(lib, a.topic.as_deref(), k) {
        Ok(d) => d,
        Err(e) => {
            return fail(err, e, USAGE);
        }
    };
    let find = |id: &str| deck.iter().find(|c| c.card.id == id);
    if let Some(m) = mode {
        let lang = if a.json {
            a.lang.unwrap_or(Lang::En)
        } else {
            crate::settings::resolve_lang(a.lang, a.data_dir.as_deref()).0
        };
        let scripted = a.show.is_some() || a.answer.is_some() || a.list || a.json;
        let plan_only =
            m == crate::quiz::interview::Mode::Mock && (a.questions.is_some() || a.stdin);
        if scripted || plan_only {
            return super::interview::mode_command(lib, a, m, lang, out, err);
        }
        if let Some(t) = &a.topic {
            if lib.index_of(t).is_none() {
                return fail(err, format!("no topic with id `{t}`"), USAGE);
            }
        }
        return match crate::tui::run_quiz(
            lib.clone(),
            a.topic.clone(),
            k,
            a.data_dir.clone(),
            lang,
            Some(m),
        ) {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(e) => {
                error(err, format!("{e:#}"))?;
                Ok(ExitCode::FAILURE)
            }
        };
    }
    let lang = if a.json {
        a.lang.unwrap_or(Lang::En)
    } else {
        let (lang, notices) = crate::settings::resolve_lang(a.lang, a.data_dir.as_deref());
        for n in notices {
            writeln!(err, "mlwb: {n}")?;
        }
        lang
    };
    if let Some(id) = &a.show {
        let Some(c) = find(id) else {
            return fail(
                err,
                format!("no card `{id}` (list them with `mlwb quiz --list`)"),
                USAGE,
            );
        };
        writeln!(out, "{} [{:?}] in {}", c.card.id, c.card.kind, c.topic)?;
        writeln!(out, "{}", lines(&c.card.prompt, lang, ""))?;
        match c.card.kind {
            CardKind::Derivation => {
                for (i, s) in c.card.steps.iter().enumerate() {
                    writeln!(
                        out,
                        "{:>2}. {}\n{}",
                        i + 1,
                        mathtext::to_unicode(&s.math),
                        lines(&s.why, lang, "    because ")
                    )?;
                }
            }
            CardKind::Choice => {
                for (i, o) in c.card.options.iter().enumerate() {
                    writeln!(out, "{}", lines(o, lang, &format!("  {}) ", i + 1)))?;
                }
            }
            CardKind::Numeric => {
                if let Some(p) = c
                    .card
                    .generator
                    .as_deref()
                    .and_then(|g| generators::generate(g, a.seed))
                {
                    writeln!(out, "{}", p.prompt)?;
                }
            }
            CardKind::Cloze | CardKind::Open => {}
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(id) = &a.answer {
        let Some(c) = find(id) else {
            return fail(err, format!("no card `{id}`"), USAGE);
        };
        let given = a.given.clone().unwrap_or_default();
        let verdict: Result<(bool, String), String> = match c.card.kind {
            CardKind::Cloze => Ok((
                quiz::cloze_correct(c.card, &given),
                format!(
                    "answer: {}",
                    c.card
                        .answer
                        .as_ref()
                        .map(|t| one_line(t, lang))
                        .unwrap_or_default()
                ),
            )),
            CardKind::Choice => match given.trim().parse::<usize>() {
                Ok(n) if n >= 1 && n <= c.card.options.len() => Ok((
                    Some(n - 1) == c.card.correct,
                    format!("answer: {}", c.card.correct.map_or(0, |i| i + 1)),
                )),
                _ => Err(format!("give an option number 1..{}", c.card.options.len())),
            },
            CardKind::Numeric => match c
                .card
                .generator
                .as_deref()
                .and_then(|g| generators::generate(g, a.seed))
            {
                Some(p) => generators::check(&p, &given).map(|ok| (ok, p.solution.clone())),
                None => Err("this card has no generator".into()),
            },
            CardKind::Derivation | CardKind::Open => {
                Err("derivation and open cards are self-graded in the quiz; use --show".into())
            }
        };
        return match verdict {
            Ok((ok, why)) => {
                writeln!(out, "{} — {why}", if ok { "correct" } else { "wrong" })?;
                Ok(if ok {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(FAILED)
                })
            }
            Err(e) => fail(err, e, USAGE),
        };
    }
    if a.grade.is_some()
        || a.stats
        || a.suspend.is_some()
        || a.unsuspend.is_some()
        || a.bury.is_some()
    {
        return progress_command(&deck, a, out, err);
    }
    if a.json {
        // Prose as English strings unless --lang asks for another language
        // (`both`: `{"en", "zh"}` where the two differ).
        let cards: Vec<crate::content::Card> = deck.iter().map(|c| c.card.project(lang)).collect();
        let projected: Vec<quiz::DeckCard> = deck
            .iter()
            .zip(&cards)
            .map(|(c, card)| quiz::DeckCard {
                topic: c.topic,
                card,
            })
            .collect();
        print_json(out, &projected)?;
        return Ok(ExitCode::SUCCESS);
    }
    if a.list {
        for c in &deck {
            writeln!(
                out,
                "{:<36} {:<28} {:<10} {}",
                c.card.id,
                c.topic,
                format!("{:?}", c.card.kind).to_lowercase(),
                crate::text::truncate(&one_line(&c.card.prompt, lang), 70)
            )?;
        }
        writeln!(err, "{} card(s)", deck.len())?;
        return Ok(ExitCode::SUCCESS);
    }
    // No listing flag: the interactive quiz.
    if let Some(t) = &a.topic {
        if lib.index_of(t).is_none() {
            return fail(err, format!("no topic with id `{t}`"), USAGE);
        }
    }
    match crate::tui::run_quiz(
        lib.clone(),
        a.topic.clone(),
        k,
        a.data_dir.clone(),
        lang,
        None,
    ) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            error(err, format!("{e:#}"))?;
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Days in the `--stats` due forecast.
const FORECAST_DAYS: usize = 14;
/// Weeks of recall in `--stats`.
const RETENTION_WEEKS: usize = 8;

fn progress_command(
    deck: &[quiz::DeckCard<'_>],
    a: &QuizArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<ExitCode> {
    use crate::quiz::store::{data_dir, parse_grade, Store};
    let opened = data_dir(a.data_dir.as_deref()).and_then(|d| Store::open(&d));
    let (store, mut progress) = match opened {
        Ok(x) => x,
        Err(e) => {
            return fail(err, e, FAILED);
        }
    };
    for n in &store.notices {
        error(err, n)?;
    }
    let now = chrono::Utc::now();
    let set_aside = [
        (&a.suspend, "suspend"),
        (&a.unsuspend, "unsuspend"),
        (&a.bury, "bury"),
    ];
    if let Some((Some(id), what)) = set_aside.into_iter().find(|(id, _)| id.is_some()) {
        if !deck.iter().any(|c| &c.card.id == id) {
            return fail(
                err,
                format!("no card `{id}` (list them with `mlwb quiz --list`)"),
                USAGE,
            );
        }
        let said = match what {
            "suspend" => {
                progress.suspended.insert(id.clone());
                format!("{id}: suspended (out of every queue until --unsuspend {id})")
            }
            "unsuspend" => {
                if progress.suspended.remove(id) {
                    format!("{id}: back in the queues")
                } else {
                    format!("{id}: was not suspended")
                }
            }
            _ => {
                progress.buried.insert(id.clone(), schedule::local_day(now));
                format!("{id}: buried until tomorrow")
            }
        };
        if let Err(e) = store.save(&progress) {
            return fail(err, e, FAILED);
        }
        writeln!(out, "{said}")?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(id) = &a.grade {
        if !deck.iter().any(|c| &c.card.id == id) {
            return fail(
                err,
                format!("no card `{id}` (list them with `mlwb quiz --list`)"),
                USAGE,
            );
        }
        let grade = match parse_grade(a.given.as_deref().unwrap_or("")) {
            Ok(g) => g,
            Err(e) => {
                return fail(err, e, USAGE);
            }
        };
        let due = match progress.grade(id, grade, now) {
            Ok(c) => c.fsrs.due,
            Err(e) => {
                return fail(err, e, USAGE);
            }
        };
        if let Err(e) = store.save(&progress) {
            return fail(err, e, FAILED);
        }
        writeln!(out, "{id}: next review {}", schedule::local_time(due))?;
        return Ok(ExitCode::SUCCESS);
    }
    // Stats.
    let reviews: usize = progress.cards.values().map(|c| c.reviews.len()).sum();
    let passed: usize = progress
        .cards
        .values()
        .flat_map(|c| &c.reviews)
        .filter(|r| r.grade >= 3)
        .count();
    // Due counts only cards already reviewed; never-reviewed cards are new,
    // of which a session introduces at most the daily limit.
    let horizon = now + chrono::Duration::hours(24);
    let due_today = deck
        .iter()
        .filter(|c| {
            progress
                .cards
                .get(&c.card.id)
                .is_some_and(|p| p.fsrs.due <= horizon)
        })
        .count();
    let new_cards = deck
        .iter()
        .filter(|c| !progress.cards.contains_key(&c.card.id))
        .count();
    let new_today = new_cards
        .min(schedule::NEW_PER_DAY.saturating_sub(schedule::introduced_today(&progress, now)));
    let mut per_topic: Vec<serde_json::Value> = Vec::new();
    let mut topics: Vec<&str> = deck.iter().map(|c| c.topic).collect();
    topics.dedup();
    for t in topics {
        let ids: Vec<&str> = deck
            .iter()
            .filter(|c| c.topic == t)
            .map(|c| c.card.id.as_str())
            .collect();
        let learned = ids
            .iter()
            .filter(|id| schedule::mastered(&progress, id))
            .count();
        per_topic.push(
            serde_json::json!({ "topic": t, "cards": ids.len(), "mastered": learned,
            "mastery": learned as f64 / ids.len().max(1) as f64 }),
        );
    }
    let retention = if reviews > 0 {
        passed as f64 / reviews as f64
    } else {
        0.0
    };
    let ids = || deck.iter().map(|c| c.card.id.as_str());
    let (by_state, suspended, buried) = schedule::state_summary(ids(), &progress, now);
    let forecast = schedule::forecast(ids(), &progress, now, FORECAST_DAYS);
    let weeks = schedule::retention_by_week(&progress, now, RETENTION_WEEKS);
    if a.json {
        let o = serde_json::json!({ "reviews": reviews, "retention": retention, "due_today": due_today,
            "new": new_cards, "new_today": new_today, "cards": deck.len(),
            "counts": by_state, "suspended": suspended, "buried": buried,
            "forecast": forecast.iter().map(|(d, n)| serde_json::json!({"day": d, "due": n})).collect::<Vec<_>>(),
            "retention_by_week": weeks,
            "mastery": per_topic, "file": store.path() });
        print_json(out, &o)?;
    } else {
        writeln!(
            out,
            "{} cards, {reviews} reviews, retention {:.1}%, {due_today} due in the next 24 h, \
             {new_cards} new ({new_today} to introduce today, limit {} a day)",
            deck.len(),
            retention * 100.0,
            schedule::NEW_PER_DAY
        )?;
        writeln!(
            out,
            "by state: {} new · {} learning · {} review; {suspended} suspended, {buried} buried today",
            by_state.new, by_state.learning, by_state.review
        )?;
        let peak = forecast.iter().map(|d| d.1).max().unwrap_or(0).max(1);
        writeln!(out, "due forecast (local days; today includes overdue):")?;
        for (day, n) in &forecast {
            let line = format!(
                "  {} {:>4} {}",
                day.format("%a %m-%d"),
                n,
                "█".repeat((n * 30).div_ceil(peak))
            );
            writeln!(out, "{}", line.trim_end())?;
        }
        writeln!(
            out,
            "recall per week (reviews after a card's first; good or easy):"
        )?;
        for w in &weeks {
            let share = if w.reviews > 0 {
                format!("{:>5.1}%", 100.0 * w.passed as f64 / w.reviews as f64)
            } else {
                "     -".to_string()
            };
            writeln!(
                out,
                "  week of {} {share}  ({} of {})",
                w.week.format("%m-%d"),
                w.passed,
                w.reviews
            )?;
        }
        for t in &per_topic {
            writeln!(
                out,
                "  {:<30} {}/{} mastered",
                t["topic"].as_str().unwrap_or(""),
                t["mastered"],
                t["cards"]
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
