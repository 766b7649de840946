//! Why a metric could not be computed, and the label check every metric
//! shares. A leaf: the metric files import it, it imports none of them.

/// Why a metric could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricsError {
    /// Two inputs that must pair up element by element have different lengths.
    #[error("{what}: lengths differ ({left} vs {right})")]
    LengthMismatch {
        what: &'static str,
        left: usize,
        right: usize,
    },
    /// A class index is not in `0..n_classes`.
    #[error("label {label} at sample {index} is out of range: there are {n_classes} classes")]
    LabelOutOfRange {
        index: usize,
        label: usize,
        n_classes: usize,
    },
    /// The input has no samples where at least one is needed.
    #[error("no samples: {0}")]
    Empty(&'static str),
    /// A score is NaN or infinite (scikit-learn rejects these too).
    #[error("score at sample {index} is not finite ({value})")]
    NonFiniteScore { index: usize, value: f64 },
    /// Array shapes that do not fit together (inertia).
    #[error("shape mismatch: {0}")]
    Shape(String),
}

/// Checks that every label is `< n_classes`.
pub(super) fn check_labels(y: &[usize], n_classes: usize) -> Result<(), MetricsError> {
    match y.iter().enumerate().find(|(_, &l)| l >= n_classes) {
        Some((index, &label)) => Err(MetricsError::LabelOutOfRange {
            index,
            label,
            n_classes,
        }),
        None => Ok(()),
    }
}
