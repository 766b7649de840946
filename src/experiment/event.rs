//! The events of a running experiment. A leaf beside the run code: it knows
//! only the step type and the finished [`Report`].

use super::error::ExperimentError;
use super::report::Report;
use crate::algos::Step;
use crate::labs::LabOutcome;

/// What a running experiment tells its listener.
#[derive(Debug, Clone)]
pub enum Event {
    Started {
        algo: String,
        dataset: String,
        n_train: usize,
        n_test: usize,
    },
    Progress(Step),
    /// What the run is doing before its fit reports steps (preparing the
    /// features: encoding columns, vectorising text), for a status line.
    Stage(String),
    /// Bytes of the dataset file parsed so far, of its size (a progress
    /// bar while a big CSV loads).
    Loading {
        done: u64,
        total: u64,
    },
    /// A lab's partial outcome so far (drawn live).
    Lab(Box<LabOutcome>),
    Finished(Box<Report>),
    Failed(ExperimentError),
}
