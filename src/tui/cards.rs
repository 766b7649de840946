//! The card browser (`C`): every card with its state and next due date,
//! filtered by words and `kind:` / `topic:` / `is:` terms; suspend and bury
//! from the list; above it the counts, the due forecast and recall per week
//! (`quiz::schedule`). Opening reads the progress store; a change is saved
//! at once by the event loop (`Effect::SaveCards`).

use chrono::{DateTime, Utc};

use crate::content::Library;
use crate::quiz::schedule::{self, Counts, WeekRetention};
use crate::quiz::store::{Progress, Store};

/// Days of the due forecast shown.
pub const FORECAST_DAYS: usize = 14;
/// Weeks of recall shown.
pub const RECALL_WEEKS: usize = 8;

/// Where a card stands, as the list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    New,
    Learning,
    Review,
    Suspended,
    Buried,
}

impl RowState {
    pub fn name(self) -> &'static str {
        match self {
            RowState::New => "new",
            RowState::Learning => "learning",
            RowState::Review => "review",
            RowState::Suspended => "suspended",
            RowState::Buried => "buried",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CardRow {
    pub id: String,
    pub topic: String,
    pub kind: String,
    /// The English prompt on one line (searched, not shown).
    pub prompt: String,
}

pub struct Browser {
    pub store: Option<Store>,
    pub progress: Progress,
    pub rows: Vec<CardRow>,
    /// The filter as typed.
    pub filter: String,
    /// Indices into `rows` that pass the filter.
    pub shown: Vec<usize>,
    /// Index into `shown`.
    pub cursor: usize,
    pub message: Option<String>,
}

impl Browser {
    /// Every card of the map, with the progress read from `data_dir` (or a
    /// read-only view with a notice when the store cannot be opened for
    /// writing, e.g. another instance holds it).
    pub fn open(
        lib: &Library,
        data_dir: Option<&std::path::Path>,
        now: DateTime<Utc>,
    ) -> Result<Browser, String> {
        let deck = crate::quiz::deck(lib, None, None)?;
        let rows = deck
            .iter()
            .map(|c| CardRow {
                id: c.card.id.clone(),
                topic: c.topic.to_string(),
                kind: format!("{:?}", c.card.kind).to_lowercase(),
                prompt: c.card.prompt.en().replace('\n', " "),
            })
            .collect();
        let (store, progress, message) =
            match crate::quiz::store::data_dir(data_dir).and_then(|d| Store::open(&d)) {
                Ok((s, p)) => {
                    let n = s.notices.first().cloned();
                    (Some(s), p, n)
                }
                Err(e) => (
                    None,
                    Progress::default(),
                    Some(format!("progress not available: {e}")),
                ),
            };
        let mut b = Browser {
            store,
            progress,
            rows,
            filter: String::new(),
            shown: Vec::new(),
            cursor: 0,
            message,
        };
        b.refilter(now);
        Ok(b)
    }

    pub fn state(&self, id: &str, now: DateTime<Utc>) -> RowState {
        if self.progress.is_suspended(id) {
            return RowState::Suspended;
        }
        if self.progress.is_buried(id, schedule::local_day(now)) {
            return RowState::Buried;
        }
        let c = schedule::counts([id], &self.progress);
        if c.new == 1 {
            RowState::New
        } else if c.learning == 1 {
            RowState::Learning
        } else {
            RowState::Review
        }
    }

    pub fn due(&self, id: &str) -> Option<DateTime<Utc>> {
        self.progress.cards.get(id).map(|c| c.fsrs.due)
    }

    /// Apply `filter`: every term must match. `kind:K`, `topic:T` (prefix
    /// of the topic id), `is:new|learning|review|suspended|buried|due`;
    /// other words match the id, topic or prompt, case-insensitively.
    pub fn refilter(&mut self, now: DateTime<Utc>) {
        let terms: Vec<String> = self
            .filter
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let keep = |i: usize| {
            let r = &self.rows[i];
            terms.iter().all(|t| {
                if let Some(k) = t.strip_prefix("kind:") {
                    r.kind.starts_with(k)
                } else if let Some(p) = t.strip_prefix("topic:") {
                    r.topic.starts_with(p)
                } else if let Some(s) = t.strip_prefix("is:") {
                    if s == "due" {
                        self.progress.is_due(&r.id, now)
                            && !schedule::set_aside(&self.progress, &r.id, now)
                            && self.progress.cards.contains_key(&r.id)
                    } else {
                        self.state(&r.id, now).name().starts_with(s)
                    }
                } else {
                    r.id.to_lowercase().contains(t.as_str())
                        || r.topic.contains(t.as_str())
                        || r.prompt.to_lowercase().contains(t.as_str())
                }
            })
        };
        self.shown = (0..self.rows.len()).filter(|&i| keep(i)).collect();
        self.cursor = self.cursor.min(self.shown.len().saturating_sub(1));
    }

    /// The card under the cursor.
    pub fn selected(&self) -> Option<&CardRow> {
        self.shown.get(self.cursor).map(|&i| &self.rows[i])
    }

    pub fn move_cursor(&mut self, by: isize) {
        let last = self.shown.len().saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(by).min(last);
    }

    /// Suspend / unsuspend (`suspend`), or bury / unbury the selected card.
    /// True: the progress changed (save it).
    pub fn toggle(&mut self, suspend: bool, now: DateTime<Utc>) -> bool {
        if self.store.is_none() {
            self.message = Some("read-only: the progress store is not open".into());
            return false;
        }
        let Some(id) = self.selected().map(|r| r.id.clone()) else {
            return false;
        };
        let today = schedule::local_day(now);
        let said = if suspend {
            if self.progress.suspended.remove(&id) {
                "unsuspended"
            } else {
                self.progress.suspended.insert(id.clone());
                "suspended"
            }
        } else if self.progress.is_buried(&id, today) {
            self.progress.buried.remove(&id);
            "unburied"
        } else {
            self.progress.buried.insert(id.clone(), today);
            "buried until tomorrow"
        };
        self.message = Some(format!("{id}: {said}"));
        self.refilter(now);
        true
    }

    pub fn save(&self) -> Result<(), String> {
        match &self.store {
            Some(s) => s.save(&self.progress).map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }

    /// Counts of the cards not suspended, and how many are set aside.
    pub fn counts(&self, now: DateTime<Utc>) -> (Counts, usize, usize) {
        schedule::state_summary(self.rows.iter().map(|r| r.id.as_str()), &self.progress, now)
    }

    pub fn forecast(&self, now: DateTime<Utc>) -> Vec<(chrono::NaiveDate, usize)> {
        schedule::forecast(
            self.rows.iter().map(|r| r.id.as_str()),
            &self.progress,
            now,
            FORECAST_DAYS,
        )
    }

    pub fn recall(&self, now: DateTime<Utc>) -> Vec<WeekRetention> {
        schedule::retention_by_week(&self.progress, now, RECALL_WEEKS)
    }
}

/// One bar per value, eight heights (`▁`…`█`), a space for zero.
pub fn sparkline(values: &[f64]) -> String {
    let peak = values.iter().copied().fold(0.0f64, f64::max);
    values
        .iter()
        .map(|&v| {
            if v <= 0.0 || peak <= 0.0 {
                ' '
            } else {
                let bars = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
                let i = ((v / peak) * 7.0).round() as usize;
                bars[i.min(7)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn browser(now: DateTime<Utc>) -> Browser {
        let rows = [
            ("a-cloze", "svm", "cloze", "the margin is 2/|w|"),
            ("b-deriv", "svm", "derivation", "derive the dual"),
            ("c-num", "hmm", "numeric", "forward probability"),
        ]
        .map(|(id, topic, kind, prompt)| CardRow {
            id: id.into(),
            topic: topic.into(),
            kind: kind.into(),
            prompt: prompt.into(),
        })
        .to_vec();
        let mut progress = Progress::default();
        progress.grade("b-deriv", 1, now).expect("grade");
        let mut b = Browser {
            store: None,
            progress,
            rows,
            filter: String::new(),
            shown: Vec::new(),
            cursor: 0,
            message: None,
        };
        b.refilter(now);
        b
    }

    #[test]
    fn filters_combine_words_and_terms() {
        let now = Utc::now();
        let mut b = browser(now);
        let ids = |b: &Browser| -> Vec<String> {
            b.shown.iter().map(|&i| b.rows[i].id.clone()).collect()
        };
        assert_eq!(b.shown.len(), 3);
        b.filter = "topic:svm".into();
        b.refilter(now);
        assert_eq!(ids(&b), ["a-cloze", "b-deriv"]);
        b.filter = "topic:svm kind:cl".into();
        b.refilter(now);
        assert_eq!(ids(&b), ["a-cloze"]);
        b.filter = "is:learning".into();
        b.refilter(now);
        assert_eq!(ids(&b), ["b-deriv"]);
        b.filter = "is:new FORWARD".into();
        b.refilter(now);
        assert_eq!(ids(&b), ["c-num"]);
        b.filter = "nothing-like-this".into();
        b.refilter(now);
        assert!(b.shown.is_empty() && b.selected().is_none());
    }

    #[test]
    fn a_read_only_browser_changes_nothing() {
        let now = Utc::now();
        let mut b = browser(now);
        assert!(!b.toggle(true, now));
        assert!(b.progress.suspended.is_empty());
        assert!(b
            .message
            .as_deref()
            .is_some_and(|m| m.contains("read-only")));
    }

    #[test]
    fn sparklines_scale_to_the_peak() {
        assert_eq!(sparkline(&[0.0, 1.0, 2.0, 4.0]), " ▃▅█");
        assert_eq!(sparkline(&[0.0, 0.0]), "  ");
    }
}
