//! Quiz mode: one card at a time, answered with the keyboard, graded
//! Again/Hard/Good/Easy, scheduled by FSRS and saved at once. The session's
//! UI state only: which cards come and when is `quiz::schedule`.

use chrono::{DateTime, Utc};
use rand::seq::SliceRandom as _;

use crate::content::{Card, CardKind, Library};
use crate::quiz::generators::{self, Problem};
use crate::quiz::store::{Progress, Store};
use crate::quiz::{cloze_correct, deck, schedule};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Question,
    Answer,
}

pub struct QuizSession {
    pub title: String,
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
}

impl QuizSession {
    /// A session over `topic`'s subtree (or everything due when `None`).
    pub fn start(
        lib: &Library,
        topic: Option<&str>,
        kind: Option<CardKind>,
        data_dir: Option<&std::path::Path>,
        now: DateTime<Utc>,
    ) -> Result<QuizSession, String> {
        let cards = deck(lib, topic, kind)?;
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
        let due = schedule::due_queue(
            cards,
            |(_, c)| c.id.as_str(),
            &progress,
            now,
            topic.is_none(),
        );
        if due.is_empty() {
            return Err("nothing due: every card here is scheduled for later".into());
        }
        let mut s = QuizSession {
            title: match (topic, kind) {
                (Some(t), _) => format!("topic {t}"),
                (None, Some(k)) => format!("{k:?} cards due").to_lowercase(),
                (None, None) => "everything due".into(),
            },
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
        let seed = (self.graded as u64) ^ (now.timestamp() as u64);
        if let Some((_, c)) = self.current() {
            if c.kind == CardKind::Numeric {
                self.problem = c
                    .generator
                    .as_deref()
                    .and_then(|g| generators::generate(g, seed));
            }
        }
    }

    /// Does the current card expect typed text right now?
    pub fn wants_text(&self) -> bool {
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
        let Some((_, card)) = self.current().cloned() else {
            return false;
        };
        if let Err(e) = self.progress.grade(&card.id, grade, now) {
            self.message = Some(e);
            return false;
        }
        self.graded += 1;
        if grade >= 3 {
            self.correct += 1;
        }
        self.index += 1;
        if self.index >= self.queue.len() {
            self.finish(now);
        } else {
            self.prepare(now);
        }
        true
    }

    /// End the session (last card graded, or Esc).
    pub fn finish(&mut self, now: DateTime<Utc>) {
        self.finished = true;
        self.ended.get_or_insert(now);
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
        let next = self
            .progress
            .cards
            .values()
            .map(|c| c.fsrs.due)
            .filter(|d| *d > now)
            .min();
        vec![
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
                Some(d) => format!("next review due {}", d.format("%Y-%m-%d %H:%M UTC")),
                None => "no reviews scheduled".into(),
            },
        ]
    }
}
