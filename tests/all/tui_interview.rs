//! The interview drills in the reader, driven headless by messages (the
//! keys map to them through the one bindings table): spot the error, fill
//! the gap, derive, and a mock interview with follow-ups, each with
//! snapshots at 80x24 and 120x40.

use crate::common;
use common::screen;
use mlwb::content::{Library, TopicSource};
use mlwb::quiz::interview::Mode as Drill;
use mlwb::tui::keys::{map_key, Context};
use mlwb::tui::quiz::{Drill as State, Phase};
use mlwb::tui::{App, Effect, Headless, Mode, Msg, Now};

/// A reader at a fixed clock (the drills draw their fault and gaps from
/// it), with its progress in `dir`.
fn app_at(dir: &std::path::Path, w: u16, h: u16) -> Headless {
    let mut app = App::new(Library::load(TopicSource::Bundled), w, h);
    app.color = false;
    app.lang = mlwb::settings::Lang::En;
    app.data_dir = Some(dir.to_path_buf());
    app.now = Now {
        mono: std::time::Instant::now(),
        utc: "2026-01-05T10:00:00Z".parse().expect("time"),
    };
    Headless::new(app)
}

fn start(app: &mut Headless, topic: &str, mode: Option<Drill>) {
    app.run(vec![Effect::StartQuiz {
        topic: Some(topic.into()),
        kind: None,
        mode,
    }]);
    assert!(app.quiz.is_some(), "{}", screen(app));
}

fn send(app: &mut Headless, msgs: &[Msg]) {
    for m in msgs {
        app.send(m.clone());
    }
}

fn typed(app: &mut Headless, text: &str) {
    assert_eq!(app.mode, Mode::QuizInput);
    for c in text.chars() {
        app.send(Msg::InputChar(c));
    }
}

fn card_id(app: &Headless) -> String {
    app.quiz
        .as_ref()
        .and_then(|q| q.current())
        .map(|(_, c)| c.id.clone())
        .expect("a card")
}

#[test]
fn the_drill_keys_are_in_the_table() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let ctx = [Context::QuizQuestion, Context::Note, Context::Global];
    let key = |c: char| map_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE), &ctx);
    assert_eq!(key('s'), Some(Msg::StartDrill(Drill::Spot)));
    assert_eq!(key('f'), Some(Msg::StartDrill(Drill::Gap)));
    assert_eq!(key('d'), Some(Msg::StartDrill(Drill::Derive)));
    assert_eq!(key('H'), Some(Msg::Hint));
    assert_eq!(key('I'), Some(Msg::StartMock));
}

#[test]
fn spot_the_error_picks_the_step_then_the_kind_and_grades() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let dir = tempfile::tempdir().expect("tmp");
        let mut app = app_at(dir.path(), w, h);
        start(&mut app, "logistic-regression", Some(Drill::Spot));
        let q = app.quiz.as_ref().expect("quiz");
        let (_, card) = q.current().expect("card").clone();
        let Some(State::Spot { fault, .. }) = q.drill.clone() else {
            panic!("a spot drill");
        };
        let f = card.faults[fault].clone();
        assert!(screen(&app).contains("One step is wrong"));
        insta::assert_snapshot!(format!("spot_question_{w}x{h}"), screen(&app));
        // The arrows move to the wrong step; Enter picks it.
        for _ in 0..f.step {
            send(&mut app, &[Msg::Down]);
        }
        send(&mut app, &[Msg::Enter]);
        assert!(screen(&app).contains("What is wrong with it?"));
        let k = mlwb::content::ErrorKind::ALL
            .iter()
            .position(|k| *k == f.error)
            .expect("kind");
        send(&mut app, &[Msg::Digit(k as u8 + 1)]);
        let q = app.quiz.as_ref().expect("quiz");
        assert_eq!(q.phase, Phase::Answer);
        assert_eq!(q.verdict, Some(true));
        assert_eq!(q.suggested_grade(), Some(3));
        let s = screen(&app);
        assert!(s.contains("right step, right reason"), "{s}");
        assert!(s.contains("(suggested: 3)"), "{s}");
        insta::assert_snapshot!(format!("spot_answer_{w}x{h}"), s);
        let id = card_id(&app);
        send(&mut app, &[Msg::Digit(3)]);
        let saved = std::fs::read_to_string(dir.path().join("progress.json")).expect("saved");
        assert!(saved.contains(&id), "graded into the schedule");
    }
}

#[test]
fn a_wrong_step_is_told_with_the_right_one_and_the_explanation() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut app = app_at(dir.path(), 120, 40);
    start(&mut app, "logistic-regression", Some(Drill::Spot));
    let q = app.quiz.as_ref().expect("quiz");
    let Some(State::Spot { fault, .. }) = q.drill.clone() else {
        panic!("spot");
    };
    let step = q.current().expect("card").1.faults[fault].step;
    let other = if step == 0 { 2 } else { 1 };
    send(&mut app, &[Msg::Digit(other as u8), Msg::Digit(1)]);
    let q = app.quiz.as_ref().expect("quiz");
    assert_eq!(q.verdict, Some(false));
    assert_eq!(q.suggested_grade(), Some(1));
    assert!(screen(&app).contains("not that step"));
}

#[test]
fn fill_the_gap_previews_while_typing_and_checks_numerically() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let dir = tempfile::tempdir().expect("tmp");
        let mut app = app_at(dir.path(), w, h);
        start(&mut app, "logistic-regression", None);
        assert_eq!(card_id(&app), "lr-logloss-gradient");
        // `f` on a derivation card: its gaps are hidden and typing starts.
        send(&mut app, &[Msg::StartDrill(Drill::Gap)]);
        assert_eq!(app.mode, Mode::QuizInput);
        typed(&mut app, "sigma(z) - sigma(z)^2");
        let s = screen(&app);
        assert!(s.contains("preview: σ(z) − σ(z)²"), "{s}");
        insta::assert_snapshot!(format!("gap_typing_{w}x{h}"), s);
        send(&mut app, &[Msg::InputSubmit]);
        assert_eq!(app.mode, Mode::QuizInput, "the next gap");
        typed(&mut app, "y_i - \\sigma(z_i)");
        send(&mut app, &[Msg::InputSubmit]);
        let q = app.quiz.as_ref().expect("quiz");
        assert_eq!(q.phase, Phase::Answer);
        assert_eq!(q.verdict, Some(false));
        assert_eq!(q.suggested_grade(), Some(2));
        let s = screen(&app);
        assert!(s.contains("equivalent"), "{s}");
        assert!(s.contains("not equivalent at y_i="), "{s}");
        insta::assert_snapshot!(format!("gap_answer_{w}x{h}"), s);
    }
}

#[test]
fn derive_checks_each_line_and_hints_cost_a_grade() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let dir = tempfile::tempdir().expect("tmp");
        let mut app = app_at(dir.path(), w, h);
        start(&mut app, "logistic-regression", None);
        send(&mut app, &[Msg::StartDrill(Drill::Derive)]);
        typed(&mut app, "s'(z) = sigma(z)(1 - sigma(z))");
        send(&mut app, &[Msg::InputSubmit]);
        typed(&mut app, "dL/dz_i = z_i");
        send(&mut app, &[Msg::InputSubmit]);
        let s = screen(&app);
        assert!(
            s.contains("this does not follow from the previous line"),
            "{s}"
        );
        insta::assert_snapshot!(format!("derive_wrong_line_{w}x{h}"), s);
        // Stop typing, take a hint, type the goal.
        send(&mut app, &[Msg::Close, Msg::Hint]);
        assert!(screen(&app).contains("hint 1: step 5 is"));
        send(&mut app, &[Msg::Enter]);
        typed(&mut app, "sigma(z_i) - y_i");
        send(&mut app, &[Msg::InputSubmit]);
        let q = app.quiz.as_ref().expect("quiz");
        assert_eq!(q.phase, Phase::Answer);
        assert_eq!(q.verdict, Some(true));
        assert_eq!(q.suggested_grade(), Some(2), "one hint: good becomes hard");
        let s = screen(&app);
        assert!(s.contains("goal reached"), "{s}");
        insta::assert_snapshot!(format!("derive_done_{w}x{h}"), s);
    }
}

/// Answer whatever the mock interview asks, right where it can.
fn answer_mock_item(app: &mut Headless) {
    let q = app.quiz.as_ref().expect("quiz");
    if q.follow_up().is_some() {
        // A digit is not an answer to a follow-up question (nor a spot pick).
        send(app, &[Msg::Digit(1), Msg::Down]);
        let q = app.quiz.as_ref().expect("quiz");
        assert!(q.follow_up().is_some() && q.phase == Phase::Question);
        send(app, &[Msg::Enter]);
        assert!(screen(app).contains("Model answer"));
        send(app, &[Msg::Digit(2)]);
        return;
    }
    let (_, card) = q.current().expect("card").clone();
    match q.drill.clone() {
        Some(State::Spot { fault, .. }) => {
            let f = &card.faults[fault];
            let k = mlwb::content::ErrorKind::ALL
                .iter()
                .position(|k| *k == f.error)
                .expect("kind");
            send(
                app,
                &[Msg::Digit(f.step as u8 + 1), Msg::Digit(k as u8 + 1)],
            );
        }
        Some(State::Gap { hidden, .. }) => {
            send(app, &[Msg::Enter]);
            for g in hidden {
                typed(app, &card.gaps[g].expr);
                send(app, &[Msg::InputSubmit]);
            }
        }
        None if matches!(
            card.kind,
            mlwb::content::CardKind::Numeric | mlwb::content::CardKind::Cloze
        ) =>
        {
            let text = match &q.problem {
                Some(p) => p
                    .answer
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                None => card
                    .answer
                    .as_ref()
                    .map(|a| a.en().to_string())
                    .unwrap_or_default(),
            };
            send(app, &[Msg::Enter]);
            typed(app, &text);
            send(app, &[Msg::InputSubmit]);
        }
        _ => {
            for _ in 0..12 {
                if app.quiz.as_ref().expect("quiz").phase == Phase::Answer {
                    break;
                }
                send(app, &[Msg::Enter]);
                if app.mode == Mode::QuizInput {
                    send(app, &[Msg::InputSubmit]);
                }
                if card.kind == mlwb::content::CardKind::Choice {
                    send(app, &[Msg::Digit(1)]);
                }
            }
        }
    }
    assert_eq!(
        app.quiz.as_ref().expect("quiz").phase,
        Phase::Answer,
        "{}",
        card.id
    );
    send(app, &[Msg::Digit(3)]);
}

#[test]
fn a_mock_interview_chains_follow_ups_scores_topics_and_is_saved() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let dir = tempfile::tempdir().expect("tmp");
        let mut app = app_at(dir.path(), w, h);
        let i = app.lib.index_of("logistic-regression").expect("topic");
        app.reveal(i);
        send(&mut app, &[Msg::StartMock]);
        let q = app.quiz.as_ref().expect("a mock interview");
        assert!(q.mock.is_some());
        let n = q.queue.len();
        assert!(n >= 5, "{n} questions");
        let s = screen(&app);
        assert!(s.contains("mock interview"), "{s}");
        assert!(s.contains("20:00 left"), "{s}");
        insta::assert_snapshot!(format!("mock_question_{w}x{h}"), s);
        let mut follow_ups = 0;
        for _ in 0..40 {
            if app.quiz.as_ref().expect("quiz").finished {
                break;
            }
            if app.quiz.as_ref().expect("quiz").follow_up().is_some() {
                follow_ups += 1;
                if follow_ups == 1 {
                    insta::assert_snapshot!(format!("mock_follow_up_{w}x{h}"), screen(&app));
                }
            }
            answer_mock_item(&mut app);
        }
        let q = app.quiz.as_ref().expect("quiz");
        assert!(q.finished);
        assert!(follow_ups >= 2, "the logistic cards have follow-ups");
        let s = screen(&app);
        assert!(s.contains("score per topic"), "{s}");
        insta::assert_snapshot!(format!("mock_summary_{w}x{h}"), s);
        let p: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("progress.json")).expect("saved"),
        )
        .expect("json");
        let rec = &p["interviews"][0];
        assert_eq!(rec["scope"], "logistic-regression");
        assert_eq!(
            rec["answers"].as_array().expect("answers").len(),
            n + follow_ups
        );
        // Follow-ups were graded hard (2): below a perfect score.
        let score = rec["topics"][0]["score"].as_f64().expect("score");
        assert!(score > 0.3 && score < 0.7, "{score}");
    }
}

#[test]
fn weak_topics_of_the_last_interview_are_marked_in_the_tree() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut app = app_at(dir.path(), 120, 40);
    let i = app.lib.index_of("svm").expect("topic");
    app.reveal(i);
    send(&mut app, &[Msg::StartMock]);
    // Grade everything "again": every topic asked is weak.
    for _ in 0..40 {
        let q = app.quiz.as_ref().expect("quiz");
        if q.finished {
            break;
        }
        if q.phase == Phase::Question {
            if q.follow_up().is_some() || q.drill.is_none() {
                send(&mut app, &[Msg::Enter]);
                if app.mode == Mode::QuizInput {
                    send(&mut app, &[Msg::InputSubmit]);
                }
            }
            let q = app.quiz.as_ref().expect("quiz");
            if q.phase == Phase::Question {
                if let Some(State::Gap { .. }) = q.drill {
                    send(&mut app, &[Msg::Enter]);
                    for _ in 0..2 {
                        if app.mode == Mode::QuizInput {
                            typed(&mut app, "0");
                            send(&mut app, &[Msg::InputSubmit]);
                        }
                    }
                } else {
                    send(&mut app, &[Msg::Digit(1), Msg::Digit(1)]);
                    for _ in 0..10 {
                        if app.quiz.as_ref().expect("quiz").phase == Phase::Answer {
                            break;
                        }
                        send(&mut app, &[Msg::Enter]);
                    }
                }
            }
        }
        send(&mut app, &[Msg::Digit(1)]);
    }
    assert!(app.quiz.as_ref().expect("quiz").finished);
    assert!(app.weak.contains(&i), "svm is weak");
    send(&mut app, &[Msg::Close]);
    assert!(screen(&app).contains("⚠ 支持向量机"), "{}", screen(&app));
}

#[test]
fn a_drill_over_topics_without_its_material_says_so() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut app = app_at(dir.path(), 120, 40);
    app.run(vec![Effect::StartQuiz {
        topic: Some("basics-resources".into()),
        kind: None,
        mode: Some(Drill::Spot),
    }]);
    assert!(app.quiz.is_none());
    assert!(screen(&app).contains("nothing to drill here"));
    // `s` on a card without faults is refused with the reason.
    start(&mut app, "basics-resources", None);
    send(&mut app, &[Msg::StartDrill(Drill::Spot)]);
    let q = app.quiz.as_ref().expect("quiz");
    assert!(q.drill.is_none());
    assert!(q
        .message
        .as_deref()
        .is_some_and(|m| m.contains("authored faults")));
}
