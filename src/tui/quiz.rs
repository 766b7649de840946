//! Quiz mode: one card at a time, answered with the keyboard, graded
//! Again/Hard/Good/Easy, scheduled by FSRS and saved at once. The session's
//! UI state only: which cards come and when is `quiz::schedule`.

use chrono::{DateTime, Utc};
use rand::seq::SliceRandom as _;

use crate::content::{Card, CardKind, ErrorKind, Library};
use crate::quiz::generators::{self, Problem};
use crate::quiz::interview::{
    self, Answer, DeriveReport, GapResult, InterviewRecord, LineStatus, MockItem, Mode, SpotResult,
};
use crate::quiz::store::{CardProgress, Progress, Store};
use crate::quiz::{cloze_correct, deck, schedule};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Question,
    Answer,
}

/// An interview drill on the current card.
#[derive(Debug, Clone)]
pub enum Drill {
    /// Spot the error: fault `fault` is shown; `cursor` moves over the
    /// steps, then over the error kinds once `step` (0-based) is picked.
    Spot {
        fault: usize,
        cursor: usize,
        step: Option<usize>,
        result: Option<SpotResult>,
    },
    /// Fill the gap: the hidden gaps (indices into `card.gaps`) and the
    /// verdicts so far, one per typed gap.
    Gap {
        hidden: Vec<usize>,
        results: Vec<GapResult>,
    },
    /// Derive: the lines kept (each followed from the one before), the
    /// last rejected line with the reason, hints taken, the latest check.
    Derive {
        kept: Vec<String>,
        rejected: Option<(String, String)>,
        hints: usize,
        report: DeriveReport,
        gave_up: bool,
    },
}

/// A mock interview in progress.
#[derive(Debug, Clone)]
pub struct Mock {
    pub plan: Vec<MockItem>,
    pub deadline: DateTime<Utc>,
    pub scope: Option<String>,
    pub answers: Vec<Answer>,
    /// The follow-up being asked (index into the card's `follow_ups`).
    pub follow_up: Option<usize>,
    /// The session as saved when it ended.
    pub record: Option<InterviewRecord>,
}

/// What a grade, bury or suspend changed, to put back on `u` (undo).
#[derive(Debug, Clone)]
pub struct Undo {
    pub card_id: String,
    /// The card's schedule before the grade (`None`: it was new).
    pub before: Option<CardProgress>,
    pub index: usize,
    pub graded: usize,
    pub correct: usize,
    /// A bury or suspend took this card out of the queue at `index`: put
    /// it back, and the card's earlier bury/suspend state with it.
    pub set_aside: Option<SetAside>,
}

#[derive(Debug, Clone)]
pub struct SetAside {
    pub removed: (String, Card),
    pub was_buried: Option<chrono::NaiveDate>,
    pub was_suspended: bool,
}

/// One line of the end-of-session list: what happened to a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub card: String,
    /// 1-4 for a grade; `None` for a bury or suspend.
    pub grade: Option<u8>,
    /// `next review …`, `buried until tomorrow`, `suspended`.
    pub outcome: String,
}

pub struct QuizSession {
    pub title: String,
    /// The interview drill of the session (`None`: the classic quiz).
    pub mode: Option<Mode>,
    pub drill: Option<Drill>,
    pub mock: Option<Mock>,
    pub queue: Vec<(String, Card)>,
    pub index: usize,
    pub phase: Phase,
    /// Derivation: steps revealed so far.
    pub revealed: usize,
    /// Derivation, order-the-steps: the shuffled order shown (step indices).
    pub shuffled: Option<Vec<usize>>,
    /// Typed text: a cloze or numeric answer, or an order of steps.
    pub input: String,
    pub verdict: Option<bool>,
    /// The drawn instance of a numeric card.
    pub problem: Option<Problem>,
    pub store: Option<Store>,
    pub progress: Progress,
    pub notices: Vec<String>,
    pub graded: usize,
    pub correct: usize,
    pub started: DateTime<Utc>,
    pub finished: bool,
    /// When the session finished (for the summary's time and next due).
    pub ended: Option<DateTime<Utc>>,
    pub message: Option<String>,
    /// The grades of this session that can be undone, the last one last.
    pub undo: Vec<Undo>,
    /// Every card graded, buried or suspended this session, in order.
    pub log: Vec<LogEntry>,
}

impl QuizSession {
    /// A session over `topic`'s subtree (or everything due when `None`).
    pub fn start(
        lib: &Library,
        topic: Option<&str>,
        kind: Option<CardKind>,
        mode: Option<Mode>,
        data_dir: Option<&std::path::Path>,
        now: DateTime<Utc>,
    ) -> Result<QuizSession, String> {
        let mut cards = deck(lib, topic, kind)?;
        if let Some(m) = mode {
            cards.retain(|c| m.fits(c.card));
        }
        let fitting = cards.len();
        let (store, progress, notices) =
            match crate::quiz::store::data_dir(data_dir).and_then(|d| Store::open(&d)) {
                Ok((s, p)) => {
                    let n = s.notices.clone();
                    (Some(s), p, n)
                }
                Err(e) => (
                    None,
                    Progress::default(),
                    vec![format!("progress not available: {e}")],
                ),
            };
        let cards: Vec<(String, Card)> = cards
            .into_iter()
            .map(|c| (c.topic.to_string(), c.card.clone()))
            .collect();
        // A daily limit on new cards for the "everything due" queue; a topic
        // quiz shows all of the topic's cards.
        let mut mock = None;
        let due = if mode == Some(Mode::Mock) {
            let dc: Vec<crate::quiz::DeckCard> = cards
                .iter()
                .map(|(t, c)| crate::quiz::DeckCard { topic: t, card: c })
                .collect();
            let plan = interview::plan_mock(
                &dc,
                &progress,
                now,
                interview::MOCK_QUESTIONS,
                now.timestamp_subsec_nanos().into(),
            );
            let q: Vec<(String, Card)> = plan
                .iter()
                .filter_map(|m| cards.iter().find(|(_, c)| c.id == m.card).cloned())
                .collect();
            mock = Some(Mock {
                plan,
                deadline: now + chrono::Duration::minutes(interview::MOCK_MINUTES),
                scope: topic.map(str::to_string),
                answers: Vec::new(),
                follow_up: None,
                record: None,
            });
            q
        } else {
            schedule::due_queue(
                cards,
                |(_, c)| c.id.as_str(),
                &progress,
                now,
                topic.is_none() && mode.is_none(),
            )
        };
        if fitting == 0 && mode.is_some_and(|m| m != Mode::Mock) {
            return Err(if mode == Some(Mode::Spot) {
                "nothing to drill here: spot the error needs derivation cards with faults".into()
            } else {
                "nothing to drill here: this drill needs derivation cards with gaps (checkable steps)"
                    .into()
            });
        }
        if due.is_empty() {
            return Err("nothing due: every card here is scheduled for later".into());
        }
        let mut s = QuizSession {
            title: match (mode, topic, kind) {
                (Some(Mode::Mock), t, _) => {
                    format!("mock interview · {}", t.unwrap_or("the whole map"))
                }
                (Some(m), t, _) => format!(
                    "{} · {}",
                    match m {
                        Mode::Spot => "spot the error",
                        Mode::Gap => "fill the gap",
                        _ => "derive",
                    },
                    t.unwrap_or("everything due")
                ),
                (None, Some(t), _) => format!("topic {t}"),
                (None, None, Some(k)) => format!("{k:?} cards due").to_lowercase(),
                (None, None, None) => "everything due".into(),
            },
            mode,
            drill: None,
            mock,
            queue: due,
            index: 0,
            phase: Phase::Question,
            revealed: 0,
            shuffled: None,
            input: String::new(),
            verdict: None,
            problem: None,
            store,
            progress,
            notices,
            graded: 0,
            correct: 0,
            started: now,
            finished: false,
            ended: None,
            message: None,
            undo: Vec::new(),
            log: Vec::new(),
        };
        s.prepare(now);
        Ok(s)
    }

    pub fn current(&self) -> Option<&(String, Card)> {
        self.queue.get(self.index)
    }

    fn prepare(&mut self, now: DateTime<Utc>) {
        self.phase = Phase::Question;
        self.revealed = 0;
        self.shuffled = None;
        self.input.clear();
        self.verdict = None;
        self.problem = None;
        self.drill = None;
        let seed = (self.graded as u64) ^ (now.timestamp() as u64);
        if let Some((_, c)) = self.current() {
            if c.kind == CardKind::Numeric {
                self.problem = c
                    .generator
                    .as_deref()
                    .and_then(|g| generators::generate(g, seed));
            }
        }
        let planned = self
            .mock
            .as_ref()
            .and_then(|m| m.plan.get(self.index))
            .map(|p| p.drill);
        let mode = match (self.mode, planned) {
            (Some(Mode::Mock), Some(interview::Drill::Spot)) => Some(Mode::Spot),
            (Some(Mode::Mock), Some(interview::Drill::Gap)) => Some(Mode::Gap),
            (Some(Mode::Mock), _) => None,
            (m, _) => m,
        };
        if let Some(m) = mode {
            self.start_drill(m, seed);
        }
    }

    /// Drill the current derivation card: spot, gap or derive (`s`, `f`,
    /// `d` in the quiz, or the session's mode). False if it cannot be.
    pub fn start_drill(&mut self, mode: Mode, seed: u64) -> bool {
        let Some((_, card)) = self.current().cloned() else {
            return false;
        };
        let card = &card;
        if self.phase != Phase::Question || !mode.fits(card) || self.follow_up().is_some() {
            return false;
        }
        self.shuffled = None;
        self.revealed = 0;
        self.input.clear();
        self.drill = match mode {
            Mode::Spot => Some(Drill::Spot {
                fault: interview::pick_fault(card, seed).unwrap_or(0),
                cursor: 0,
                step: None,
                result: None,
            }),
            Mode::Gap => Some(Drill::Gap {
                hidden: interview::hidden_gaps(card, seed),
                results: Vec::new(),
            }),
            Mode::Derive => Some(Drill::Derive {
                kept: Vec::new(),
                rejected: None,
                hints: 0,
                report: interview::check_derivation(card, &[], 0),
                gave_up: false,
            }),
            Mode::Mock => None,
        };
        self.drill.is_some()
    }

    /// Is a follow-up question being asked (mock interview)?
    pub fn follow_up(&self) -> Option<&crate::content::FollowUp> {
        let i = self.mock.as_ref()?.follow_up?;
        self.current()?.1.follow_ups.get(i)
    }

    /// Spot the error: move the cursor over the steps or the kinds.
    pub fn move_cursor(&mut self, down: bool) -> bool {
        let n_steps = self.current().map_or(0, |(_, c)| c.steps.len());
        if self.phase != Phase::Question || self.follow_up().is_some() {
            return false;
        }
        let Some(Drill::Spot { cursor, step, .. }) = &mut self.drill else {
            return false;
        };
        let n = if step.is_some() {
            ErrorKind::ALL.len()
        } else {
            n_steps
        };
        *cursor = if down {
            (*cursor + 1).min(n.saturating_sub(1))
        } else {
            cursor.saturating_sub(1)
        };
        true
    }

    /// Spot the error: pick step or kind `n` (1-based).
    fn spot_pick(&mut self, n: usize) {
        let Some((_, card)) = self.current().cloned() else {
            return;
        };
        let Some(Drill::Spot {
            fault,
            cursor,
            step,
            result,
        }) = &mut self.drill
        else {
            return;
        };
        match *step {
            None if (1..=card.steps.len()).contains(&n) => {
                *step = Some(n - 1);
                *cursor = 0;
            }
            Some(s) if (1..=ErrorKind::ALL.len()).contains(&n) => {
                match interview::grade_spot(&card, *fault, s + 1, ErrorKind::ALL[n - 1]) {
                    Ok(r) => {
                        self.verdict = Some(r.kind_correct);
                        *result = Some(r);
                        self.phase = Phase::Answer;
                    }
                    Err(e) => self.message = Some(e),
                }
            }
            _ => {}
        }
    }

    /// Derive: reveal the next checkable step (costs a grade).
    pub fn hint(&mut self) -> bool {
        let Some((_, card)) = self.current().cloned() else {
            return false;
        };
        let Some(Drill::Derive {
            kept,
            hints,
            report,
            ..
        }) = &mut self.drill
        else {
            return false;
        };
        match interview::hint(&card, report) {
            Some((step, math)) => {
                *hints += 1;
                let lines: Vec<&str> = kept.iter().map(String::as_str).collect();
                *report = interview::check_derivation(&card, &lines, *hints);
                self.message = Some(format!(
                    "hint {}: step {step} is {}",
                    *hints,
                    crate::mathtext::to_unicode(&math)
                ));
                true
            }
            None => false,
        }
    }

    /// Derive: stop and show the model derivation.
    pub fn give_up(&mut self) -> bool {
        let n = self.current().map_or(0, |(_, c)| c.steps.len());
        if let Some(Drill::Derive { gave_up, .. }) = &mut self.drill {
            if self.phase == Phase::Question {
                *gave_up = true;
                self.revealed = n;
                self.verdict = Some(false);
                self.phase = Phase::Answer;
                return true;
            }
        }
        false
    }

    /// The grade a drill suggests for the current answer.
    pub fn suggested_grade(&self) -> Option<u8> {
        match &self.drill {
            Some(Drill::Spot {
                result: Some(r), ..
            }) => Some(r.grade),
            Some(Drill::Gap { results, .. }) if self.phase == Phase::Answer => {
                Some(interview::gap_grade(results))
            }
            Some(Drill::Derive {
                report, gave_up, ..
            }) if self.phase == Phase::Answer => Some(if *gave_up { 1 } else { report.grade }),
            _ => None,
        }
    }

    /// Submit typed text to a gap or derive drill. True if it was one.
    fn drill_submit(&mut self) -> bool {
        let Some((_, card)) = self.current().cloned() else {
            return false;
        };
        let typed = self.input.trim().to_string();
        match &mut self.drill {
            Some(Drill::Gap { hidden, results }) => {
                if typed.is_empty() {
                    self.message = Some("type the expression, then Enter".into());
                    return true;
                }
                if let Some(&g) = hidden.get(results.len()) {
                    results.push(interview::check_gap(&card.gaps[g], &typed));
                }
                self.input.clear();
                if results.len() >= hidden.len() {
                    self.verdict = Some(results.iter().all(|r| r.equivalent));
                    self.revealed = card.steps.len();
                    self.phase = Phase::Answer;
                }
                true
            }
            Some(Drill::Derive {
                kept,
                rejected,
                hints,
                report,
                ..
            }) => {
                if typed.is_empty() {
                    return true;
                }
                let mut lines: Vec<&str> = kept.iter().map(String::as_str).collect();
                lines.push(&typed);
                let r = interview::check_derivation(&card, &lines, *hints);
                match r.lines.last().map(|l| &l.status) {
                    Some(LineStatus::DoesNotFollow { reason }) => {
                        *rejected = Some((typed.clone(), reason.clone()));
                    }
                    _ => {
                        kept.push(typed.clone());
                        *rejected = None;
                        *report = r;
                    }
                }
                self.input.clear();
                if report.reached_goal {
                    self.verdict = Some(true);
                    self.revealed = card.steps.len();
                    self.phase = Phase::Answer;
                }
                true
            }
            _ => false,
        }
    }

    /// Does the current card expect typed text right now?
    pub fn wants_text(&self) -> bool {
        if self.follow_up().is_some() {
            return false;
        }
        if let Some(d) = &self.drill {
            return self.phase == Phase::Question && !matches!(d, Drill::Spot { .. });
        }
        self.phase == Phase::Question
            && (self.shuffled.is_some()
                || self
                    .current()
                    .is_some_and(|(_, c)| matches!(c.kind, CardKind::Cloze | CardKind::Numeric)))
    }

    /// Space / Enter: reveal the next step, submit typed text, or show the answer.
    pub fn advance(&mut self) {
        let Some((_, card)) = self.current().cloned() else {
            return;
        };
        if self.phase == Phase::Answer {
            return;
        }
        if self.follow_up().is_some() {
            self.phase = Phase::Answer;
            return;
        }
        if let Some(Drill::Spot { cursor, .. }) = &self.drill {
            let n = *cursor + 1;
            self.spot_pick(n);
            return;
        }
        if self.drill_submit() {
            return;
        }
        match card.kind {
            CardKind::Derivation if self.shuffled.is_some() => self.check_order(&card),
            CardKind::Derivation => {
                self.revealed += 1;
                if self.revealed >= card.steps.len() {
                    self.phase = Phase::Answer;
                }
            }
            CardKind::Cloze => {
                self.verdict = Some(cloze_correct(&card, &self.input));
                self.phase = Phase::Answer;
            }
            CardKind::Numeric => match &self.problem {
                Some(p) => match generators::check(p, &self.input) {
                    Ok(ok) => {
                        self.verdict = Some(ok);
                        self.phase = Phase::Answer;
                    }
                    Err(e) => self.message = Some(e),
                },
                None => self.phase = Phase::Answer,
            },
            CardKind::Open | CardKind::Choice => self.phase = Phase::Answer,
        }
    }

    /// Order-the-steps: shuffle the steps; the user types their order.
    pub fn toggle_order_mode(&mut self, now: DateTime<Utc>) {
        let Some((_, card)) = self.current() else {
            return;
        };
        if card.kind != CardKind::Derivation || self.phase != Phase::Question {
            return;
        }
        if self.shuffled.is_some() {
            self.shuffled = None;
            return;
        }
        let mut order: Vec<usize> = (0..card.steps.len()).collect();
        let mut r = crate::algos::rng(now.timestamp_subsec_nanos().into());
        while order.len() > 1 && order.windows(2).all(|w| w[0] < w[1]) {
            order.shuffle(&mut r);
        }
        self.shuffled = Some(order);
        self.input.clear();
    }

    fn check_order(&mut self, card: &Card) {
        let Some(shown) = &self.shuffled else { return };
        let picks: Result<Vec<usize>, _> = self
            .input
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(str::parse::<usize>)
            .collect();
        match picks {
            Ok(p)
                if p.len() == card.steps.len() && p.iter().all(|&i| i >= 1 && i <= shown.len()) =>
            {
                let order: Vec<usize> = p.iter().map(|&i| shown[i - 1]).collect();
                let ok = order.iter().enumerate().all(|(k, &s)| k == s);
                let wrong = order.iter().enumerate().filter(|(k, s)| k != *s).count();
                self.verdict = Some(ok);
                self.message = (!ok).then(|| {
                    format!("{wrong} step(s) out of place; the right order is shown below")
                });
                self.revealed = card.steps.len();
                self.phase = Phase::Answer;
            }
            _ => {
                self.message = Some(format!(
                    "type the {} shown numbers in the right order, e.g. 2 1 3",
                    card.steps.len()
                ))
            }
        }
    }

    /// A choice card answered with its number key.
    pub fn choose(&mut self, n: usize) {
        if self.follow_up().is_some() {
            return;
        }
        if matches!(self.drill, Some(Drill::Spot { .. })) && self.phase == Phase::Question {
            self.spot_pick(n);
            return;
        }
        let Some((_, card)) = self.current() else {
            return;
        };
        if card.kind != CardKind::Choice
            || self.phase != Phase::Question
            || n == 0
            || n > card.options.len()
        {
            return;
        }
        self.verdict = Some(card.correct == Some(n - 1));
        self.input = n.to_string();
        self.phase = Phase::Answer;
    }

    /// Grade the answered card (1 again .. 4 easy): schedule, next.
    /// Returns true when the progress changed and should be saved (the
    /// event loop saves it: `Effect::SaveProgress`).
    pub fn grade(&mut self, grade: u8, now: DateTime<Utc>) -> bool {
        if self.phase != Phase::Answer || self.finished {
            return false;
        }
        let Some((topic, card)) = self.current().cloned() else {
            return false;
        };
        if !(1..=4).contains(&grade) {
            return false;
        }
        let mut chained = None;
        if let Some(m) = &mut self.mock {
            m.answers.push(Answer {
                topic: topic.clone(),
                card: card.id.clone(),
                follow_up: m.follow_up,
                grade,
            });
            let on_card = m.follow_up.is_none();
            // Chain the next follow-up question to this answer.
            let next = m.follow_up.map_or(0, |i| i + 1);
            m.follow_up = (next < card.follow_ups.len()).then_some(next);
            if !on_card {
                if m.follow_up.is_some() {
                    self.phase = Phase::Question;
                    return false;
                }
                return self.next_card(now);
            }
            chained = m.follow_up;
        }
        if chained.is_some() {
            if let Err(e) = self.progress.grade(&card.id, grade, now) {
                self.message = Some(e);
            }
            self.count(grade);
            self.phase = Phase::Question;
            self.message = None;
            return true;
        }
        let undo = Undo {
            card_id: card.id.clone(),
            before: self.progress.cards.get(&card.id).cloned(),
            index: self.index,
            graded: self.graded,
            correct: self.correct,
            set_aside: None,
        };
        let due = match self.progress.grade(&card.id, grade, now) {
            Ok(c) => c.fsrs.due,
            Err(e) => {
                self.message = Some(e);
                return false;
            }
        };
        if self.mock.is_none() {
            self.log.push(LogEntry {
                card: card.id.clone(),
                grade: Some(grade),
                outcome: format!("next review {}", schedule::local_time(due)),
            });
        }
        // A mock interview's answers and record are not undone: only the
        // classic quiz keeps what `u` needs.
        if self.mock.is_none() {
            self.undo.push(undo);
        }
        self.count(grade);
        self.next_card(now);
        true
    }

    /// Undo the session's last grade: the card's schedule goes back to what
    /// it was (a new card becomes new again), and the card is asked again.
    /// True: the progress changed and should be saved.
    pub fn undo(&mut self, now: DateTime<Utc>) -> bool {
        if self.mock.is_some() {
            self.message = Some("a mock interview's grades cannot be undone".into());
            return false;
        }
        let Some(u) = self.undo.pop() else {
            self.message = Some("nothing to undo in this session".into());
            return false;
        };
        self.log.pop();
        if let Some(a) = u.set_aside {
            match a.was_buried {
                Some(d) => self.progress.buried.insert(u.card_id.clone(), d),
                None => self.progress.buried.remove(&u.card_id),
            };
            if !a.was_suspended {
                self.progress.suspended.remove(&u.card_id);
            }
            let at = u.index.min(self.queue.len());
            self.queue.insert(at, a.removed);
            self.index = at;
            self.finished = false;
            self.ended = None;
            self.prepare(now);
            self.message = Some(format!("undone: {} is back in the queue", u.card_id));
            return true;
        }
        match u.before {
            Some(c) => {
                self.progress.cards.insert(u.card_id.clone(), c);
            }
            None => {
                self.progress.cards.remove(&u.card_id);
            }
        }
        self.index = u.index;
        self.graded = u.graded;
        self.correct = u.correct;
        self.finished = false;
        self.ended = None;
        self.prepare(now);
        self.message = Some(format!("undone: the grade of {}", u.card_id));
        true
    }

    /// Take the current card out of the session: `suspend` out of every
    /// queue until unsuspended (`mlwb quiz --unsuspend`), else buried for
    /// the rest of the local day. Undone with `u`. True: save the progress.
    pub fn set_aside(&mut self, suspend: bool, now: DateTime<Utc>) -> bool {
        if self.finished {
            return false;
        }
        if self.mock.is_some() {
            self.message = Some("a mock interview's questions cannot be set aside".into());
            return false;
        }
        if self.index >= self.queue.len() {
            return false;
        }
        let removed = self.queue.remove(self.index);
        let id = removed.1.id.clone();
        let was_buried = self.progress.buried.get(&id).copied();
        let was_suspended = self.progress.is_suspended(&id);
        let outcome = if suspend {
            self.progress.suspended.insert(id.clone());
            "suspended (mlwb quiz --unsuspend to bring it back)"
        } else {
            self.progress
                .buried
                .insert(id.clone(), schedule::local_day(now));
            "buried until tomorrow"
        };
        self.undo.push(Undo {
            card_id: id.clone(),
            before: self.progress.cards.get(&id).cloned(),
            index: self.index,
            graded: self.graded,
            correct: self.correct,
            set_aside: Some(SetAside {
                removed,
                was_buried,
                was_suspended,
            }),
        });
        self.log.push(LogEntry {
            card: id.clone(),
            grade: None,
            outcome: outcome.to_string(),
        });
        self.message = Some(format!("{id}: {outcome} · u undoes"));
        if self.index >= self.queue.len() {
            self.finish(now);
        } else {
            self.prepare(now);
        }
        true
    }

    /// What is left of the queue (this card on), by state.
    pub fn remaining(&self) -> schedule::Counts {
        schedule::counts(
            self.queue
                .iter()
                .skip(self.index)
                .map(|(_, c)| c.id.as_str()),
            &self.progress,
        )
    }

    fn count(&mut self, grade: u8) {
        self.graded += 1;
        if grade >= 3 {
            self.correct += 1;
        }
    }

    /// Move to the next card, or finish (also when a mock interview's time
    /// is up). True: the progress changed (always, here: the caller graded).
    fn next_card(&mut self, now: DateTime<Utc>) -> bool {
        self.index += 1;
        let out_of_time = self.mock.as_ref().is_some_and(|m| now >= m.deadline);
        if self.index >= self.queue.len() || out_of_time {
            self.finish(now);
        } else {
            self.prepare(now);
        }
        true
    }

    /// Time left in a mock interview, in seconds.
    pub fn seconds_left(&self, now: DateTime<Utc>) -> Option<i64> {
        self.mock
            .as_ref()
            .map(|m| (m.deadline - now).num_seconds().max(0))
    }

    /// End the session (last card graded, or Esc).
    /// A mock interview also scores its topics and keeps the record in the
    /// progress (true: save it).
    pub fn finish(&mut self, now: DateTime<Utc>) -> bool {
        if self.finished {
            return false;
        }
        self.finished = true;
        let ended = *self.ended.get_or_insert(now);
        if let Some(m) = &mut self.mock {
            if m.record.is_none() && !m.answers.is_empty() {
                let r = InterviewRecord {
                    started: self.started,
                    seconds: (ended - self.started).num_seconds().max(0),
                    scope: m.scope.clone(),
                    answers: m.answers.clone(),
                    topics: interview::score_topics(&m.answers),
                };
                self.progress.interviews.push(r.clone());
                m.record = Some(r);
                return true;
            }
        }
        false
    }

    /// Save the progress through the session's store (event loop only).
    pub fn save(&self) -> Result<(), String> {
        match &self.store {
            Some(store) => store.save(&self.progress).map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }

    /// The summary: cards done, accuracy, time, next due.
    pub fn summary(&self) -> Vec<String> {
        let now = self.ended.unwrap_or(self.started);
        if let Some(r) = self.mock.as_ref().and_then(|m| m.record.as_ref()) {
            let mut v = vec![format!(
                "mock interview: {} answer(s) in {} min {} s",
                r.answers.len(),
                r.seconds / 60,
                r.seconds % 60
            )];
            v.push("score per topic (weakest first):".into());
            for t in &r.topics {
                v.push(format!(
                    "{} {:<28} {:>3.0}%  ({} answer(s))",
                    if t.score < interview::WEAK_SCORE {
                        "⚠"
                    } else {
                        " "
                    },
                    t.topic,
                    100.0 * t.score,
                    t.answers
                ));
            }
            v.push("saved to the progress file; ⚠ marks the weak topics in the tree".into());
            return v;
        }
        let next = self
            .progress
            .cards
            .values()
            .map(|c| c.fsrs.due)
            .filter(|d| *d > now)
            .min();
        let names = ["again", "hard", "good", "easy"];
        let per_card = self.log.iter().map(|e| {
            let grade = e
                .grade
                .and_then(|g| names.get(usize::from(g).wrapping_sub(1)))
                .copied()
                .unwrap_or("—");
            format!("{grade:<5} {} · {}", e.card, e.outcome)
        });
        let mut v = vec![
            format!(
                "{} card(s) graded, {} good or easy ({:.0}%)",
                self.graded,
                self.correct,
                100.0 * self.correct as f64 / self.graded.max(1) as f64
            ),
            format!(
                "time {:.0} s",
                (now - self.started).num_milliseconds().max(0) as f64 / 1000.0
            ),
            match next {
                Some(d) => format!("next review due {}", schedule::local_time(d)),
                None => "no reviews scheduled".into(),
            },
        ];
        if !self.log.is_empty() {
            v.push("per card:".into());
            v.extend(per_card);
        }
        v
    }
}
