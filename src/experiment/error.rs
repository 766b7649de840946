//! Why a run did not produce a report. Each part's typed error is kept
//! (`#[from]`), with its own text (file:line:col for data, CoNLL and model
//! files); the CLI and the TUI turn it into text at the edge.

use crate::algos::AlgoError;
use crate::data::scale::ScaleError;
use crate::data::split::SplitError;
use crate::data::DataError;
use crate::labs::LabError;
use crate::metrics::seqeval::SeqevalError;
use crate::metrics::MetricsError;
use crate::registry::ParamError;
use crate::seq::conll::ConllError;
use crate::seq::hmm::HmmError;
use crate::seq::hmm_io::IoError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExperimentError {
    /// The user (or the UI) cancelled the run.
    #[error("cancelled")]
    Cancelled,
    /// A setting that cannot run (unknown algorithm, a task the dataset
    /// does not fit, a test size out of range, ...).
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The fit failed (never [`AlgoError::Cancelled`]: that becomes
    /// [`ExperimentError::Cancelled`]).
    #[error(transparent)]
    Algo(AlgoError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Scale(#[from] ScaleError),
    #[error(transparent)]
    Split(#[from] SplitError),
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    #[error(transparent)]
    Seqeval(#[from] SeqevalError),
    #[error(transparent)]
    Conll(#[from] ConllError),
    #[error(transparent)]
    Hmm(HmmError),
    #[error(transparent)]
    HmmFile(#[from] IoError),
    #[error(transparent)]
    Shape(#[from] ndarray::ShapeError),
    /// A lab refused its settings or failed (never [`LabError::Cancelled`]).
    #[error(transparent)]
    Lab(LabError),
}

impl ExperimentError {
    pub fn setup(message: impl Into<String>) -> ExperimentError {
        ExperimentError::Setup(message.into())
    }

    pub fn is_cancelled(&self) -> bool {
        matches!(self, ExperimentError::Cancelled)
    }
}

impl From<AlgoError> for ExperimentError {
    fn from(e: AlgoError) -> ExperimentError {
        match e {
            AlgoError::Cancelled => ExperimentError::Cancelled,
            other => ExperimentError::Algo(other),
        }
    }
}

impl From<LabError> for ExperimentError {
    fn from(e: LabError) -> ExperimentError {
        match e {
            LabError::Cancelled => ExperimentError::Cancelled,
            other => ExperimentError::Lab(other),
        }
    }
}

impl From<HmmError> for ExperimentError {
    fn from(e: HmmError) -> ExperimentError {
        match e {
            HmmError::Cancelled => ExperimentError::Cancelled,
            other => ExperimentError::Hmm(other),
        }
    }
}
