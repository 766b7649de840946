//! Quiz progress: the user's data, kept safe.
//!
//! - One JSON file, `progress.json`, in the data directory (flag, then
//!   `MLWB_DATA_DIR`, then the platform data dir).
//! - Every change is written at once and atomically: a temporary file in
//!   the same directory, fsync, then rename over the old one; the previous
//!   good version is kept as `progress.json.bak`. A crash at any moment
//!   leaves either the old or the new file, never half of one.
//! - A lock file stops two running instances from overwriting each other:
//!   the second one opens read-only and says so.
//! - A file that cannot be read is moved aside (`progress.json.corrupt-…`)
//!   and reported, never silently replaced; the backup is used if it reads.
//! - Progress is keyed by card id, so a card removed from the YAML leaves
//!   its history untouched.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use rs_fsrs::{Card as FsrsCard, Rating, FSRS};
use serde::{Deserialize, Serialize};

pub const FORMAT: u32 = 1;
const FILE: &str = "progress.json";
const BACKUP: &str = "progress.json.bak";
const LOCK: &str = "progress.lock";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Review {
    pub at: DateTime<Utc>,
    /// 1 again, 2 hard, 3 good, 4 easy.
    pub grade: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CardProgress {
    pub fsrs: FsrsCard,
    pub reviews: Vec<Review>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Progress {
    pub format: u32,
    pub cards: BTreeMap<String, CardProgress>,
    /// Mock interviews, oldest first. Optional in the file, so files
    /// written before interviews existed still read (same format).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interviews: Vec<super::interview::InterviewRecord>,
    /// Cards taken out of every queue until unsuspended (Anki's suspend).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub suspended: BTreeSet<String>,
    /// Cards skipped for the rest of a (local) day: card → that day
    /// (Anki's bury). A burial on an earlier day no longer counts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub buried: BTreeMap<String, NaiveDate>,
}

impl Default for Progress {
    fn default() -> Progress {
        Progress {
            format: FORMAT,
            cards: BTreeMap::new(),
            interviews: Vec::new(),
            suspended: BTreeSet::new(),
            buried: BTreeMap::new(),
        }
    }
}

/// Grades of a review.
pub fn rating(grade: u8) -> Option<Rating> {
    match grade {
        1 => Some(Rating::Again),
        2 => Some(Rating::Hard),
        3 => Some(Rating::Good),
        4 => Some(Rating::Easy),
        _ => None,
    }
}

pub fn parse_grade(s: &str) -> Result<u8, String> {
    match s.trim().to_lowercase().as_str() {
        "1" | "again" => Ok(1),
        "2" | "hard" => Ok(2),
        "3" | "good" => Ok(3),
        "4" | "easy" => Ok(4),
        o => Err(format!(
            "grade `{o}`: expected again, hard, good or easy (1-4)"
        )),
    }
}

impl Progress {
    /// Schedule `card_id` after a review with `grade` at `now` (FSRS).
    pub fn grade(
        &mut self,
        card_id: &str,
        grade: u8,
        now: DateTime<Utc>,
    ) -> Result<&CardProgress, String> {
        let r = rating(grade).ok_or_else(|| format!("grade {grade} is not 1-4"))?;
        let entry = self
            .cards
            .entry(card_id.to_string())
            .or_insert_with(|| CardProgress {
                fsrs: fresh(now),
                reviews: Vec::new(),
            });
        entry.fsrs = FSRS::default().next(entry.fsrs.clone(), now, r).card;
        entry.reviews.push(Review { at: now, grade });
        Ok(entry)
    }

    /// When `card_id` would next be due after each grade (again, hard,
    /// good, easy) at `now`: the same FSRS step as [`Progress::grade`],
    /// computed on a copy, so nothing changes.
    pub fn preview(&self, card_id: &str, now: DateTime<Utc>) -> [DateTime<Utc>; 4] {
        let card = self
            .cards
            .get(card_id)
            .map_or_else(|| fresh(now), |c| c.fsrs.clone());
        let fsrs = FSRS::default();
        [Rating::Again, Rating::Hard, Rating::Good, Rating::Easy]
            .map(|r| fsrs.next(card.clone(), now, r).card.due)
    }

    /// Is `card_id` buried on `today` (a local date)?
    pub fn is_buried(&self, card_id: &str, today: NaiveDate) -> bool {
        self.buried.get(card_id) == Some(&today)
    }

    /// Is `card_id` suspended?
    pub fn is_suspended(&self, card_id: &str) -> bool {
        self.suspended.contains(card_id)
    }

    /// Is `card_id` due at `now` (new cards are due)?
    pub fn is_due(&self, card_id: &str, now: DateTime<Utc>) -> bool {
        self.cards.get(card_id).is_none_or(|c| c.fsrs.due <= now)
    }
}

/// The FSRS state of a card never reviewed, met at `now`.
fn fresh(now: DateTime<Utc>) -> FsrsCard {
    FsrsCard {
        due: now,
        last_review: now,
        ..FsrsCard::default()
    }
}

/// Where progress and settings live: see [`crate::settings::data_dir`].
pub use crate::settings::data_dir;

/// An open progress store.
pub struct Store {
    dir: PathBuf,
    /// Held for as long as the store is open (when not read-only).
    _lock: Option<File>,
    pub read_only: bool,
    /// What happened on opening, for the user (lock held elsewhere,
    /// corrupt file moved aside, restored from backup).
    pub notices: Vec<String>,
}

fn parse(path: &Path) -> Result<Option<Progress>, String> {
    match fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: cannot read: {e}", path.display())),
        Ok(bytes) => match serde_json::from_slice::<Progress>(&bytes) {
            Ok(p) if p.format == FORMAT => Ok(Some(p)),
            Ok(p) => Err(format!(
                "{}: format {} is not {FORMAT}",
                path.display(),
                p.format
            )),
            Err(e) => Err(format!(
                "{}:{}:{}: {e}",
                path.display(),
                e.line(),
                e.column()
            )),
        },
    }
}

/// The progress in `dir`, with `open`'s rules for a file that cannot be
/// read: it is reported, moved aside (unless `read_only`) and the backup
/// used if it reads. A missing file is empty progress.
fn load(dir: &Path, read_only: bool, notices: &mut Vec<String>) -> Result<Progress, String> {
    let main = dir.join(FILE);
    let progress = match parse(&main) {
        Ok(Some(p)) => p,
        Ok(None) => Progress::default(),
        Err(e) => {
            if read_only {
                notices.push(format!("{e}; the file is left as it is (read-only here)"));
            } else {
                // Never replace it silently: move it aside and say so.
                let aside = dir.join(format!(
                    "{FILE}.corrupt-{}",
                    Utc::now().format("%Y%m%dT%H%M%S")
                ));
                fs::rename(&main, &aside)
                    .map_err(|er| format!("{e}; and it cannot be moved aside: {er}"))?;
                notices.push(format!("{e}; the file was moved to {}", aside.display()));
            }
            match parse(&dir.join(BACKUP)) {
                Ok(Some(p)) => {
                    notices.push(format!(
                        "restored the previous version from {}",
                        dir.join(BACKUP).display()
                    ));
                    p
                }
                _ => Progress::default(),
            }
        }
    };
    Ok(progress)
}

impl Store {
    /// Open (creating the directory) and load the progress.
    pub fn open(dir: &Path) -> Result<(Store, Progress), String> {
        fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
        let mut notices = Vec::new();
        let lock_file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK))
            .map_err(|e| {
                format!(
                    "{}: cannot open the lock file: {e}",
                    dir.join(LOCK).display()
                )
            })?;
        let (lock, read_only) = match lock_file.try_lock() {
            Ok(()) => (Some(lock_file), false),
            Err(_) => {
                notices.push(format!(
                    "another mlwb is using {}; this one is read-only (reviews here are not saved)",
                    dir.display()
                ));
                (None, true)
            }
        };
        let progress = load(dir, read_only, &mut notices)?;
        Ok((
            Store {
                dir: dir.to_path_buf(),
                _lock: lock,
                read_only,
                notices,
            },
            progress,
        ))
    }

    /// Load the progress without taking the lock or changing anything on
    /// disk (nothing created, nothing moved aside): for showing mastery.
    /// A file that cannot be read is reported in `notices` and the backup
    /// used, as in [`Store::open`]; saving through this store is refused.
    pub fn open_read_only(dir: &Path) -> Result<(Store, Progress), String> {
        let mut notices = Vec::new();
        let progress = load(dir, true, &mut notices)?;
        Ok((
            Store {
                dir: dir.to_path_buf(),
                _lock: None,
                read_only: true,
                notices,
            },
            progress,
        ))
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    /// Write `progress` atomically, keeping the previous version as a backup.
    pub fn save(&self, progress: &Progress) -> Result<(), String> {
        if self.read_only {
            return Err("progress is read-only here (another mlwb holds the lock)".into());
        }
        let json = serde_json::to_vec_pretty(progress).map_err(|e| e.to_string())?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)
            .map_err(|e| format!("{}: {e}", self.dir.display()))?;
        tmp.write_all(&json).map_err(|e| e.to_string())?;
        tmp.as_file().sync_all().map_err(|e| e.to_string())?;
        let main = self.path();
        if main.exists() {
            // Keep the previous good version. A crash right after this
            // leaves no progress.json but a good .bak, which open() restores.
            fs::copy(&main, self.dir.join(BACKUP)).map_err(|e| format!("backup: {e}"))?;
        }
        tmp.persist(&main)
            .map_err(|e| format!("{}: {e}", main.display()))?;
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fsrs_matches_its_published_definitions() {
        // FSRS: R(t, S) = (1 + 19/81 · t/S)^(-1/2), so R = 0.9 when t = S
        // (stability is the interval at 90% recall).
        let r = rs_fsrs::Parameters::forgetting_curve(10.0, 10.0);
        assert!((r - 0.9).abs() < 1e-12, "{r}");
        // The first review of a new card sets stability to w[grade-1].
        let p = rs_fsrs::Parameters::default();
        let now = Utc::now();
        let mut progress = Progress::default();
        for (grade, w) in [(1u8, p.w[0]), (2, p.w[1]), (3, p.w[2]), (4, p.w[3])] {
            let id = format!("c{grade}");
            let c = progress.grade(&id, grade, now).expect("grade");
            assert!(
                (c.fsrs.stability - w).abs() < 1e-9,
                "grade {grade}: {} vs {w}",
                c.fsrs.stability
            );
        }
        // Easy schedules a new card later than good, good later than again.
        let due = |id: &str| progress.cards[id].fsrs.due;
        assert!(due("c4") > due("c3") && due("c3") > due("c1"));
    }

    #[test]
    fn saves_atomically_keeps_a_backup_and_reloads() {
        let dir = tempfile::tempdir().expect("tmp");
        let (store, mut p) = Store::open(dir.path()).expect("open");
        p.grade("a", 3, Utc::now()).expect("grade");
        store.save(&p).expect("save");
        p.grade("b", 1, Utc::now()).expect("grade");
        store.save(&p).expect("save");
        assert!(dir.path().join(BACKUP).exists());
        let back: Progress =
            serde_json::from_slice(&fs::read(dir.path().join(BACKUP)).expect("bak"))
                .expect("bak json");
        assert_eq!(back.cards.len(), 1, "the backup is the previous version");
        drop(store);
        let (_, again) = Store::open(dir.path()).expect("reopen");
        assert_eq!(again.cards.len(), 2);
        // No temporary files left behind.
        let stray = fs::read_dir(dir.path())
            .expect("ls")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
            .count();
        assert_eq!(stray, 0);
    }

    #[test]
    fn interviews_are_kept_and_older_files_without_them_still_read() {
        let dir = tempfile::tempdir().expect("tmp");
        fs::write(dir.path().join(FILE), br#"{"format": 1, "cards": {}}"#).expect("old file");
        let (store, mut p) = Store::open(dir.path()).expect("open");
        assert!(p.interviews.is_empty() && store.notices.is_empty());
        let answers = vec![super::super::interview::Answer {
            topic: "svm".into(),
            card: "c".into(),
            follow_up: None,
            grade: 2,
        }];
        p.interviews.push(super::super::interview::InterviewRecord {
            started: Utc::now(),
            seconds: 61,
            scope: Some("svm".into()),
            topics: super::super::interview::score_topics(&answers),
            answers,
        });
        store.save(&p).expect("save");
        drop(store);
        let (_, again) = Store::open(dir.path()).expect("reopen");
        assert_eq!(again.interviews, p.interviews);
        assert_eq!(super::super::interview::weak_topics(&again), vec!["svm"]);
    }

    #[test]
    fn a_second_instance_is_read_only() {
        let dir = tempfile::tempdir().expect("tmp");
        let (first, p) = Store::open(dir.path()).expect("open");
        let (second, _) = Store::open(dir.path()).expect("open again");
        assert!(!first.read_only);
        assert!(second.read_only);
        assert!(second.notices[0].contains("read-only"));
        assert!(second.save(&p).is_err());
        drop(first);
        drop(second);
        let (third, _) = Store::open(dir.path()).expect("open after");
        assert!(
            !third.read_only,
            "the lock goes with the process that held it"
        );
    }

    #[test]
    fn a_read_only_load_takes_no_lock_and_changes_nothing() {
        let dir = tempfile::tempdir().expect("tmp");
        let missing = dir.path().join("not-yet");
        let (_, p) = Store::open_read_only(&missing).expect("load");
        assert!(p.cards.is_empty());
        assert!(!missing.exists(), "nothing created");
        {
            let (store, mut p) = Store::open(dir.path()).expect("open");
            p.grade("a", 3, Utc::now()).expect("grade");
            store.save(&p).expect("save");
            p.grade("b", 3, Utc::now()).expect("grade");
            store.save(&p).expect("save");
        }
        let (ro, p) = Store::open_read_only(dir.path()).expect("load");
        assert_eq!(p.cards.len(), 2);
        assert!(ro.read_only && ro.save(&p).is_err());
        let (rw, _) = Store::open(dir.path()).expect("open");
        assert!(!rw.read_only, "a read-only load holds no lock");
        drop(rw);
        let bad = b"{\"format\": 1, \"cards\": {tru";
        fs::write(dir.path().join(FILE), bad).expect("corrupt");
        let (ro, p) = Store::open_read_only(dir.path()).expect("load");
        assert_eq!(p.cards.len(), 1, "the backup is shown");
        assert!(ro.notices[0].contains("left as it is"), "{:?}", ro.notices);
        assert_eq!(
            fs::read(dir.path().join(FILE)).expect("still there"),
            bad,
            "the damaged file is not moved"
        );
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_and_the_backup_used() {
        let dir = tempfile::tempdir().expect("tmp");
        {
            let (store, mut p) = Store::open(dir.path()).expect("open");
            p.grade("a", 3, Utc::now()).expect("grade");
            store.save(&p).expect("save");
            p.grade("b", 3, Utc::now()).expect("grade");
            store.save(&p).expect("save");
        }
        fs::write(dir.path().join(FILE), b"{\"format\": 1, \"cards\": {tru").expect("corrupt");
        let (store, p) = Store::open(dir.path()).expect("open");
        assert_eq!(p.cards.len(), 1, "restored from the backup");
        assert!(
            store.notices.iter().any(|n| n.contains("moved to")),
            "{:?}",
            store.notices
        );
        let aside = fs::read_dir(dir.path())
            .expect("ls")
            .flatten()
            .any(|e| e.file_name().to_string_lossy().contains(".corrupt-"));
        assert!(aside, "the corrupt file is kept");
    }
}
