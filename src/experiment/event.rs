//! The events of a running experiment. A leaf beside the run code: it knows
//! only the step type and the finished [`Report`].

use super::error::ExperimentError;
use super::report::Report;
use crate::algos::Step;

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
    Finished(Box<Report>),
    Failed(ExperimentError),
}
