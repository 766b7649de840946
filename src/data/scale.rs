//! The four scalers of the map's Normalization section (linfa-preprocessing),
//! fitted on training rows and applied to any rows.

use linfa::prelude::*;
use linfa::DatasetBase;
use linfa_preprocessing::linear_scaling::LinearScaler;
use linfa_preprocessing::norm_scaling::NormScaler;
use ndarray::{Array2, ArrayView2};

/// Why a scaler could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScaleError {
    /// linfa-preprocessing refused the data (e.g. no rows).
    #[error("scaler: {0}")]
    Linfa(String),
}

/// The four scalers of the map's Normalization section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// StandardScaler: zero mean, unit variance per column.
    Standard,
    /// MinMaxScaler: each column into [0, 1].
    MinMax,
    /// MaxAbsScaler: each column divided by its largest absolute value.
    MaxAbs,
    /// Normalizer: each ROW scaled to unit L2 norm.
    Normalize,
}

impl Scale {
    pub const NAMES: &'static [&'static str] = &["standard", "minmax", "maxabs", "normalize"];

    pub fn name(self) -> &'static str {
        match self {
            Scale::Standard => "standard",
            Scale::MinMax => "minmax",
            Scale::MaxAbs => "maxabs",
            Scale::Normalize => "normalize",
        }
    }
}

impl std::str::FromStr for Scale {
    type Err = String;
    fn from_str(s: &str) -> Result<Scale, String> {
        match s {
            "standard" => Ok(Scale::Standard),
            "minmax" => Ok(Scale::MinMax),
            "maxabs" => Ok(Scale::MaxAbs),
            "normalize" | "normalizer" => Ok(Scale::Normalize),
            other => Err(format!(
                "`{other}`: expected standard, minmax, maxabs or normalize"
            )),
        }
    }
}

/// A scaler fitted on training rows, applied to any rows.
pub enum FittedScaler {
    Linear(LinearScaler<f64>),
    Norm(NormScaler),
}

impl FittedScaler {
    pub fn fit(scale: Scale, x_train: ArrayView2<'_, f64>) -> Result<FittedScaler, ScaleError> {
        let ds = DatasetBase::from(x_train.to_owned());
        let err = |e: linfa_preprocessing::PreprocessingError| ScaleError::Linfa(e.to_string());
        Ok(match scale {
            Scale::Standard => {
                FittedScaler::Linear(LinearScaler::standard().fit(&ds).map_err(err)?)
            }
            Scale::MinMax => FittedScaler::Linear(LinearScaler::min_max().fit(&ds).map_err(err)?),
            Scale::MaxAbs => FittedScaler::Linear(LinearScaler::max_abs().fit(&ds).map_err(err)?),
            Scale::Normalize => FittedScaler::Norm(NormScaler::l2()),
        })
    }

    pub fn transform(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        match self {
            FittedScaler::Linear(s) => s.transform(x.to_owned()),
            FittedScaler::Norm(s) => {
                // linfa divides a zero row by its zero norm (NaN); scikit-learn
                // leaves zero rows as they are, and so do we.
                let mut out = s.transform(x.to_owned());
                out.mapv_inplace(|v| if v.is_nan() { 0.0 } else { v });
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn scalers_do_what_the_map_says() {
        let x = array![[1.0, -2.0], [3.0, 0.0], [5.0, 4.0]];
        let s = FittedScaler::fit(Scale::Standard, x.view())
            .expect("fit")
            .transform(x.view());
        for c in 0..2 {
            let col = s.column(c);
            assert!(col.mean().expect("mean").abs() < 1e-12);
            assert!((col.std(0.0) - 1.0).abs() < 1e-12);
        }
        let m = FittedScaler::fit(Scale::MinMax, x.view())
            .expect("fit")
            .transform(x.view());
        assert_eq!(m.column(0).to_vec(), vec![0.0, 0.5, 1.0]);
        let a = FittedScaler::fit(Scale::MaxAbs, x.view())
            .expect("fit")
            .transform(x.view());
        assert_eq!(a.column(1).to_vec(), vec![-0.5, 0.0, 1.0]);
        let z = array![[3.0, 4.0], [0.0, 0.0]];
        let n = FittedScaler::fit(Scale::Normalize, z.view())
            .expect("fit")
            .transform(z.view());
        assert_eq!(n.row(0).to_vec(), vec![0.6, 0.8]);
        assert_eq!(n.row(1).to_vec(), vec![0.0, 0.0], "zero rows stay zero");
    }
}
