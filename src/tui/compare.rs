//! The compare view's state: every algorithm of the task on the setup's
//! dataset (`mlwb compare` in the background), rows filling in as each
//! algorithm finishes, the best highlighted, the significantly worse
//! marked, sortable by a column. Drawn by `panes::experiment::compare`.

use crate::experiment::compare::{
    best_index, AlgoRow, CompareConfig, CompareEvent, CompareReport, CompareTask,
};
use crate::experiment::Config;

/// The column the rows are sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    /// The registry's order (the order they run in).
    Order,
    /// The first metric, best first (accuracy, R²).
    Metric0,
    /// The second metric, best first (macro-F1 high, RMSE low).
    Metric1,
    /// Fit time, fastest first.
    Fit,
}

impl SortBy {
    pub fn next(self) -> SortBy {
        match self {
            SortBy::Order => SortBy::Metric0,
            SortBy::Metric0 => SortBy::Metric1,
            SortBy::Metric1 => SortBy::Fit,
            SortBy::Fit => SortBy::Order,
        }
    }
}

pub struct CompareView {
    /// The id of the comparison shown (its events carry it).
    pub run: u64,
    pub dataset: String,
    pub folds: usize,
    pub repeats: usize,
    pub task: Option<CompareTask>,
    pub algos: Vec<String>,
    /// Folds finished per algorithm.
    pub done: Vec<usize>,
    pub rows: Vec<Option<AlgoRow>>,
    /// The final report (with the t-tests) once every algorithm has run.
    pub report: Option<Box<CompareReport>>,
    pub error: Option<String>,
    pub sort: SortBy,
    pub scroll: usize,
}

/// One line of the table: the algorithm, its row when done, folds done.
pub struct Line<'a> {
    pub algo: &'a str,
    pub row: Option<&'a AlgoRow>,
    pub done: usize,
    /// The best so far (the final best once finished).
    pub best: bool,
}

impl CompareView {
    /// The comparison for the pane's setup: its dataset, CSV options,
    /// scaling and seed; every algorithm of the task; the setup's CV folds
    /// when set, else 5, repeated twice.
    pub fn config(setup: &Config) -> CompareConfig {
        CompareConfig {
            base: Config {
                params: Vec::new(),
                ..setup.clone()
            },
            folds: setup.cv.filter(|&k| k >= 2).unwrap_or(5),
            repeats: 2,
            ..CompareConfig::default()
        }
    }

    pub fn new(run: u64, cfg: &CompareConfig) -> CompareView {
        CompareView {
            run,
            dataset: cfg.base.dataset.clone(),
            folds: cfg.folds,
            repeats: cfg.repeats,
            task: None,
            algos: Vec::new(),
            done: Vec::new(),
            rows: Vec::new(),
            report: None,
            error: None,
            sort: SortBy::Order,
            scroll: 0,
        }
    }

    pub fn is_running(&self) -> bool {
        self.report.is_none() && self.error.is_none()
    }

    /// An event of comparison `run` (late events of an older one are dropped).
    pub fn on_event(&mut self, run: u64, event: CompareEvent) {
        if run != self.run {
            return;
        }
        match event {
            CompareEvent::Started {
                dataset,
                task,
                algos,
                folds: _,
            } => {
                self.dataset = dataset;
                self.task = Some(task);
                self.done = vec![0; algos.len()];
                self.rows = vec![None; algos.len()];
                self.algos = algos;
            }
            CompareEvent::Fold { algo, done } => {
                if let Some(d) = self.done.get_mut(algo) {
                    *d = (*d).max(done);
                }
            }
            CompareEvent::Row { algo, row } => {
                if let Some(r) = self.rows.get_mut(algo) {
                    *r = Some(*row);
                }
            }
            CompareEvent::Finished(report) => {
                self.rows = report.rows.iter().cloned().map(Some).collect();
                self.report = Some(report);
            }
            CompareEvent::Failed(e) => {
                self.error = Some(if e.is_cancelled() {
                    "cancelled".into()
                } else {
                    e.to_string()
                })
            }
        }
    }

    /// The job ended without a last word (it should not happen).
    pub fn on_ended(&mut self, run: u64) {
        if run == self.run && self.is_running() {
            self.error = Some("the comparison stopped".into());
        }
    }

    /// Folds in all (k × repeats).
    pub fn total_folds(&self) -> usize {
        self.folds * self.repeats
    }

    /// The lines in the chosen order; unfinished rows keep their place at
    /// the end when sorting by a column.
    pub fn lines(&self) -> Vec<Line<'_>> {
        let done: Vec<AlgoRow> = self.rows.iter().flatten().cloned().collect();
        let best_algo = match &self.report {
            Some(r) => r.best.map(|b| r.rows[b].algo.clone()),
            None => best_index(&done).map(|b| done[b].algo.clone()),
        };
        let mut lines: Vec<Line<'_>> = self
            .algos
            .iter()
            .enumerate()
            .map(|(i, a)| Line {
                algo: a,
                row: self.rows.get(i).and_then(Option::as_ref),
                done: self.done.get(i).copied().unwrap_or(0),
                best: best_algo.as_deref() == Some(a.as_str()),
            })
            .collect();
        let lower_better = self.task == Some(CompareTask::Regression);
        let key = |l: &Line<'_>| -> Option<f64> {
            let r = l.row.filter(|r| r.is_ok())?;
            Some(match self.sort {
                SortBy::Order => 0.0,
                SortBy::Metric0 => -r.mean[0],
                SortBy::Metric1 if lower_better => r.mean[1],
                SortBy::Metric1 => -r.mean[1],
                SortBy::Fit => r.fit_ms,
            })
        };
        if self.sort != SortBy::Order {
            // Stable: ties keep the registry order.
            lines.sort_by(|a, b| match (key(a), key(b)) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            });
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::compare::RowStatus;

    fn row(algo: &str, m0: f64, m1: f64, fit: f64) -> AlgoRow {
        AlgoRow {
            algo: algo.into(),
            params: Vec::new(),
            status: RowStatus::Ok,
            scores: [vec![m0, m0], vec![m1, m1]],
            mean: [m0, m1],
            std: [0.0, 0.0],
            fit_ms: fit,
            predict_ms: 1.0,
            vs_best: None,
            best: false,
            worse: false,
        }
    }

    #[test]
    fn rows_fill_in_and_sort_with_the_unfinished_last() {
        let cfg = CompareConfig::default();
        let mut v = CompareView::new(3, &cfg);
        v.on_event(
            3,
            CompareEvent::Started {
                dataset: "iris".into(),
                task: CompareTask::Classification,
                algos: vec!["a".into(), "b".into(), "c".into()],
                folds: 10,
            },
        );
        v.on_event(
            3,
            CompareEvent::Row {
                algo: 0,
                row: Box::new(row("a", 0.8, 0.7, 5.0)),
            },
        );
        v.on_event(
            3,
            CompareEvent::Row {
                algo: 1,
                row: Box::new(row("b", 0.9, 0.6, 1.0)),
            },
        );
        v.on_event(3, CompareEvent::Fold { algo: 2, done: 4 });
        // A late event of an older comparison changes nothing.
        v.on_event(2, CompareEvent::Fold { algo: 2, done: 9 });
        let names = |v: &CompareView| {
            v.lines()
                .iter()
                .map(|l| l.algo.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&v), ["a", "b", "c"]);
        assert!(v.lines()[1].best);
        assert_eq!(v.lines()[2].done, 4);
        v.sort = SortBy::Metric0;
        assert_eq!(names(&v), ["b", "a", "c"]);
        v.sort = SortBy::Metric1;
        assert_eq!(names(&v), ["a", "b", "c"]);
        v.sort = SortBy::Fit;
        assert_eq!(names(&v), ["b", "a", "c"]);
        assert!(v.is_running());
    }
}
