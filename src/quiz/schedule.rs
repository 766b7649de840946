//! What a quiz session shows and when a card is learnt: the queue of due and
//! new cards, the daily limit on new cards, and the mastery rule. The FSRS
//! arithmetic itself (next interval after a grade) is `store::Progress::grade`
//! (rs-fsrs); this file only reads the schedule it produced.

use chrono::{DateTime, NaiveDate, Utc};
use rs_fsrs::State;
use serde::Serialize;

use super::store::{CardProgress, Progress};

/// New cards introduced per day in the "everything due" queue.
pub const NEW_PER_DAY: usize = 20;

/// A card counts as mastered once FSRS puts its stability (the interval, in
/// days, after which recall falls to 90%) at a week or more.
pub const MASTERED_STABILITY_DAYS: f64 = 7.0;

/// The mastery rule, for the tree's badges and `mlwb quiz --stats`.
pub fn is_mastered(card: &CardProgress) -> bool {
    card.fsrs.stability >= MASTERED_STABILITY_DAYS
}

/// Is `card_id` known to `progress` and mastered?
pub fn mastered(progress: &Progress, card_id: &str) -> bool {
    progress.cards.get(card_id).is_some_and(is_mastered)
}

/// The day `t` falls on in the machine's local time zone (`TZ`, else
/// /etc/localtime): the day a learner means by "today".
pub fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&chrono::Local).date_naive()
}

/// Cards reviewed for the first time on `now`'s local day.
pub fn introduced_today(progress: &Progress, now: DateTime<Utc>) -> usize {
    let today = local_day(now);
    progress
        .cards
        .values()
        .filter(|c| c.reviews.first().is_some_and(|r| local_day(r.at) == today))
        .count()
}

/// Is the card out of today's queues (suspended, or buried today)?
pub fn set_aside(progress: &Progress, card_id: &str, now: DateTime<Utc>) -> bool {
    progress.is_suspended(card_id) || progress.is_buried(card_id, local_day(now))
}

/// A queue's cards by state, as Anki counts them above a review.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Never reviewed.
    pub new: usize,
    /// In (re)learning steps: failed or just introduced, due again within a day.
    pub learning: usize,
    /// Graduated cards whose interval is up.
    pub review: usize,
}

/// Count `ids` (a queue, or what is left of one) by state.
pub fn counts<'a>(ids: impl IntoIterator<Item = &'a str>, progress: &Progress) -> Counts {
    let mut c = Counts::default();
    for id in ids {
        match progress.cards.get(id).map(|p| p.fsrs.state) {
            None | Some(State::New) => c.new += 1,
            Some(State::Learning | State::Relearning) => c.learning += 1,
            Some(State::Review) => c.review += 1,
        }
    }
    c
}

/// `ids` by state, leaving suspended cards out, with how many are
/// suspended and how many buried today: the header of `quiz --stats` and of
/// the card browser.
pub fn state_summary<'a>(
    ids: impl IntoIterator<Item = &'a str> + Clone,
    progress: &Progress,
    now: DateTime<Utc>,
) -> (Counts, usize, usize) {
    let today = local_day(now);
    let active = ids
        .clone()
        .into_iter()
        .filter(|id| !progress.is_suspended(id));
    let by_state = counts(active, progress);
    let (mut suspended, mut buried) = (0, 0);
    for id in ids {
        suspended += usize::from(progress.is_suspended(id));
        buried += usize::from(progress.is_buried(id, today));
    }
    (by_state, suspended, buried)
}

/// How many of `ids` (cards already reviewed, not suspended) fall due on
/// each of the `days` local days from today; today's count includes every
/// overdue card.
pub fn forecast<'a>(
    ids: impl IntoIterator<Item = &'a str>,
    progress: &Progress,
    now: DateTime<Utc>,
    days: usize,
) -> Vec<(NaiveDate, usize)> {
    let today = local_day(now);
    let mut out: Vec<(NaiveDate, usize)> = (0..days)
        .map(|d| (today + chrono::Days::new(d as u64), 0))
        .collect();
    for id in ids {
        if progress.is_suspended(id) {
            continue;
        }
        let Some(p) = progress.cards.get(id) else {
            continue;
        };
        let day = local_day(p.fsrs.due).max(today);
        let offset = (day - today).num_days();
        if let Some(slot) = usize::try_from(offset).ok().and_then(|i| out.get_mut(i)) {
            slot.1 += 1;
        }
    }
    out
}

/// Retention per week: of the reviews of cards seen before (a card's first
/// review is learning, not recall), the share graded good or easy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WeekRetention {
    /// Monday of the week (local time).
    pub week: NaiveDate,
    pub reviews: usize,
    pub passed: usize,
}

/// The last `weeks` weeks of recall, oldest first (weeks without reviews
/// are kept, with zero reviews).
pub fn retention_by_week(
    progress: &Progress,
    now: DateTime<Utc>,
    weeks: usize,
) -> Vec<WeekRetention> {
    use chrono::Datelike;
    let monday =
        |d: NaiveDate| d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()));
    let this_week = monday(local_day(now));
    let first = this_week - chrono::Days::new(7 * weeks.saturating_sub(1) as u64);
    let mut out: Vec<WeekRetention> = (0..weeks)
        .map(|w| WeekRetention {
            week: first + chrono::Days::new(7 * w as u64),
            reviews: 0,
            passed: 0,
        })
        .collect();
    for card in progress.cards.values() {
        for r in card.reviews.iter().skip(1) {
            let w = monday(local_day(r.at));
            if w < first {
                continue;
            }
            let i = ((w - first).num_days() / 7) as usize;
            if let Some(slot) = out.get_mut(i) {
                slot.reviews += 1;
                slot.passed += usize::from(r.grade >= 3);
            }
        }
    }
    out
}

/// The queue of a session, from `cards` in deck order (`id` gives a card's
/// id): first the cards due at `now`, the longest overdue first, then the
/// new cards (never reviewed) in deck order. Cards scheduled for later are
/// left out. With `daily_limit` (the "everything due" queue) at most
/// [`NEW_PER_DAY`] new cards a day are introduced, counting those already
/// introduced today; a topic quiz shows all of its new cards. Suspended
/// cards and cards buried today are left out.
pub fn due_queue<T>(
    cards: Vec<T>,
    id: impl Fn(&T) -> &str,
    progress: &Progress,
    now: DateTime<Utc>,
    daily_limit: bool,
) -> Vec<T> {
    let mut due: Vec<T> = Vec::new();
    let mut new: Vec<T> = Vec::new();
    for c in cards {
        if set_aside(progress, id(&c), now) {
            continue;
        }
        match progress.cards.get(id(&c)) {
            Some(p) if p.fsrs.due <= now => due.push(c),
            Some(_) => {}
            None => new.push(c),
        }
    }
    due.sort_by_key(|c| progress.cards.get(id(c)).map(|p| p.fsrs.due));
    if daily_limit {
        new.truncate(NEW_PER_DAY.saturating_sub(introduced_today(progress, now)));
    }
    due.extend(new);
    due
}

/// A time as the user reads it: in the machine's local time zone (chrono
/// reads `TZ`, else /etc/localtime), with its offset so it is never
/// ambiguous: `2026-12-08 20:00 +08:00`.
pub fn local_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M %:z")
        .to_string()
}

/// An interval as a grade button shows it: `<10m`, `5h`, `2d`, `3.5mo`,
/// `1.2y` (under an hour rounded up to the minute, with `<`).
pub fn short_interval(d: chrono::Duration) -> String {
    let secs = d.num_seconds().max(0) as f64;
    let days = secs / 86_400.0;
    if secs < 3_600.0 {
        format!("<{}m", ((secs / 60.0).ceil() as i64).max(1))
    } else if days < 1.0 {
        format!("{}h", (secs / 3_600.0).round() as i64)
    } else if days < 30.0 {
        format!("{}d", days.round() as i64)
    } else if days < 365.0 {
        format!("{:.1}mo", days / 30.0)
    } else {
        format!("{:.1}y", days / 365.0)
    }
}

/// The grade line's labels for `card_id` at `now`: each grade with the
/// interval FSRS would give it (`1 again <10m`), without grading.
pub fn grade_previews(progress: &Progress, card_id: &str, now: DateTime<Utc>) -> [String; 4] {
    let due = progress.preview(card_id, now);
    let names = ["again", "hard", "good", "easy"];
    std::array::from_fn(|i| format!("{} {} {}", i + 1, names[i], short_interval(due[i] - now)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn due_first_most_overdue_first_then_new_up_to_the_daily_limit() {
        let now = Utc::now();
        let mut p = Progress::default();
        // Reviewed long ago with "again": due again soon after, so overdue now.
        p.grade("old", 1, now - Duration::days(30)).expect("grade");
        p.grade("older", 1, now - Duration::days(40))
            .expect("grade");
        // Reviewed "easy" just now: scheduled for later.
        p.grade("later", 4, now).expect("grade");
        let ids: Vec<String> = ["n1", "old", "later", "n2", "older"]
            .into_iter()
            .chain((0..30).map(|_| "n"))
            .map(String::from)
            .collect();
        let q = due_queue(ids.clone(), |s| s.as_str(), &p, now, false);
        assert_eq!(&q[..4], ["older", "old", "n1", "n2"]);
        assert_eq!(
            q.len(),
            ids.len() - 1,
            "only the card scheduled later is left out"
        );
        // "later" was introduced today: one fewer new card allowed.
        let q = due_queue(ids, |s| s.as_str(), &p, now, true);
        assert_eq!(q.len(), 2 + NEW_PER_DAY - 1);
    }

    #[test]
    fn mastered_means_a_stability_of_a_week() {
        let t0 = Utc::now() - Duration::days(60);
        let mut p = Progress::default();
        p.grade("a", 4, t0).expect("grade");
        p.grade("a", 4, t0 + Duration::days(20)).expect("grade");
        p.grade("b", 1, t0).expect("grade");
        assert!(p.cards["a"].fsrs.stability >= MASTERED_STABILITY_DAYS);
        assert!(mastered(&p, "a"));
        assert!(!mastered(&p, "b"));
        assert!(!mastered(&p, "never seen"));
    }

    #[test]
    fn previews_match_the_grade_and_change_nothing() {
        let t0 = Utc::now() - Duration::days(10);
        let mut p = Progress::default();
        p.grade("a", 3, t0).expect("grade");
        let now = t0 + Duration::days(5);
        let before = serde_json::to_string(&p).expect("json");
        let due = p.preview("a", now);
        assert_eq!(serde_json::to_string(&p).expect("json"), before);
        for g in 1..=4u8 {
            let mut q = p.clone();
            let real = q.grade("a", g, now).expect("grade").fsrs.due;
            assert_eq!(due[usize::from(g - 1)], real, "grade {g}");
        }
        assert!(due[0] < due[1] && due[1] < due[2] && due[2] < due[3]);
        // A new card: previewed as a first review.
        let labels = grade_previews(&p, "new", now);
        assert!(labels[0].starts_with("1 again <"), "{labels:?}");
        assert!(!p.cards.contains_key("new"));
    }

    #[test]
    fn intervals_read_like_anki() {
        assert_eq!(short_interval(Duration::minutes(10)), "<10m");
        assert_eq!(short_interval(Duration::seconds(20)), "<1m");
        assert_eq!(short_interval(Duration::hours(5)), "5h");
        assert_eq!(short_interval(Duration::days(2)), "2d");
        assert_eq!(short_interval(Duration::days(105)), "3.5mo");
        assert_eq!(short_interval(Duration::days(438)), "1.2y");
    }

    #[test]
    fn buried_cards_wait_a_day_suspended_ones_until_unsuspended() {
        let now = Utc::now();
        let mut p = Progress::default();
        p.buried.insert("b".into(), local_day(now));
        p.suspended.insert("s".into());
        let ids: Vec<String> = ["a", "b", "s"].map(String::from).to_vec();
        let q = due_queue(ids.clone(), |s| s.as_str(), &p, now, false);
        assert_eq!(q, ["a"]);
        // Two days later the burial is over; the suspension is not.
        let later = now + Duration::days(2);
        let q = due_queue(ids, |s| s.as_str(), &p, later, false);
        assert_eq!(q, ["a", "b"]);
        // The file format keeps both, and an old file without them reads.
        let json = serde_json::to_string(&p).expect("json");
        let back: Progress = serde_json::from_str(&json).expect("read");
        assert!(back.is_suspended("s") && back.is_buried("b", local_day(now)));
        let old: Progress = serde_json::from_str(r#"{"format":1,"cards":{}}"#).expect("old file");
        assert!(old.suspended.is_empty() && old.buried.is_empty());
    }

    #[test]
    fn counts_forecast_and_retention() {
        let now = Utc::now();
        let mut p = Progress::default();
        // "l": failed once just now: learning. "r": good twice, weeks
        // apart: a review card. "n": never seen.
        p.grade("l", 1, now).expect("grade");
        let t0 = now - Duration::days(30);
        p.grade("r", 3, t0).expect("grade");
        p.grade("r", 3, t0 + Duration::days(3)).expect("grade");
        p.grade("r", 1, now - Duration::days(1)).expect("grade");
        p.grade("r", 3, now - Duration::hours(1)).expect("grade");
        let c = counts(["l", "r", "n"], &p);
        assert_eq!(c.new, 1);
        assert_eq!(c.new + c.learning + c.review, 3);
        assert_eq!(
            c.learning,
            1 + usize::from(p.cards["r"].fsrs.state != State::Review)
        );
        // Forecast: every reviewed card lands on exactly one day of 30.
        let f = forecast(["l", "r", "n"], &p, now, 30);
        assert_eq!(f.len(), 30);
        assert_eq!(f.iter().map(|d| d.1).sum::<usize>(), 2);
        assert_eq!(f[0].0, local_day(now));
        p.suspended.insert("l".into());
        assert_eq!(
            forecast(["l", "r"], &p, now, 30)
                .iter()
                .map(|d| d.1)
                .sum::<usize>(),
            1
        );
        // Retention: r's 2nd, 3rd and 4th reviews count (its first does
        // not; l has only a first): 2 of 3 passed, spread over the weeks.
        let w = retention_by_week(&p, now, 8);
        assert_eq!(w.len(), 8);
        assert_eq!(w.iter().map(|x| x.reviews).sum::<usize>(), 3);
        assert_eq!(w.iter().map(|x| x.passed).sum::<usize>(), 2);
        assert!(w
            .windows(2)
            .all(|p| (p[1].week - p[0].week).num_days() == 7));
    }
}
