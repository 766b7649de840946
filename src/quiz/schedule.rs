//! What a quiz session shows and when a card is learnt: the queue of due and
//! new cards, the daily limit on new cards, and the mastery rule. The FSRS
//! arithmetic itself (next interval after a grade) is `store::Progress::grade`
//! (rs-fsrs); this file only reads the schedule it produced.

use chrono::{DateTime, Utc};

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

/// Cards reviewed for the first time on `now`'s (UTC) day.
pub fn introduced_today(progress: &Progress, now: DateTime<Utc>) -> usize {
    let today = now.date_naive();
    progress
        .cards
        .values()
        .filter(|c| {
            c.reviews
                .first()
                .is_some_and(|r| r.at.date_naive() == today)
        })
        .count()
}

/// The queue of a session, from `cards` in deck order (`id` gives a card's
/// id): first the cards due at `now`, the longest overdue first, then the
/// new cards (never reviewed) in deck order. Cards scheduled for later are
/// left out. With `daily_limit` (the "everything due" queue) at most
/// [`NEW_PER_DAY`] new cards a day are introduced, counting those already
/// introduced today; a topic quiz shows all of its new cards.
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
}
