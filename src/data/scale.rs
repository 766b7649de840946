//! The four scalers of the map's Normalization section (linfa-preprocessing),
//! fitted on training rows and applied to any rows.
//!
//! linfa-preprocessing does not check its input: a NaN passes through, and a
//! column whose mean, standard deviation or range overflows (values near
//! 1e308) gets an infinite offset or a zero scale, which turns it into NaN or
//! zeros without a word. [`FittedScaler::fit`] refuses both, naming the
//! feature, before any model sees the result.

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
    /// A feature the scaler cannot use: `feature 2 (`age`)` and why.
    #[error("{feature}: {message}")]
    Feature { feature: String, message: String },
}

/// `feature 3 (`petal_width`)`, or `feature 3` when the name is not known.
fn feature(j: usize, names: &[String]) -> String {
    match names.get(j) {
        Some(n) => format!("feature {j} (`{n}`)"),
        None => format!("feature {j}"),
    }
}

/// The largest absolute value of column `j`, for messages.
fn largest(x: ArrayView2<'_, f64>, j: usize) -> f64 {
    x.column(j).iter().fold(0.0f64, |m, v| m.max(v.abs()))
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
    /// Fit `scale` on the training rows. `names` are the feature names for
    /// messages (may be empty). Non-finite values, and columns (or rows,
    /// for the normalizer) whose statistics overflow, are refused.
    pub fn fit(
        scale: Scale,
        x_train: ArrayView2<'_, f64>,
        names: &[String],
    ) -> Result<FittedScaler, ScaleError> {
        if let Some(((r, j), v)) = x_train.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(ScaleError::Feature {
                feature: feature(j, names),
                message: format!("row {r}: {v} is not a finite number"),
            });
        }
        let ds = DatasetBase::from(x_train.to_owned());
        let err = |e: linfa_preprocessing::PreprocessingError| ScaleError::Linfa(e.to_string());
        let linear = match scale {
            Scale::Standard => LinearScaler::standard().fit(&ds).map_err(err)?,
            Scale::MinMax => LinearScaler::min_max().fit(&ds).map_err(err)?,
            Scale::MaxAbs => LinearScaler::max_abs().fit(&ds).map_err(err)?,
            Scale::Normalize => {
                if x_train.rows().into_iter().any(|r| !r.dot(&r).is_finite()) {
                    let j = (0..x_train.ncols())
                        .map(|j| (j, largest(x_train, j)))
                        .fold((0, 0.0), |best, c| if c.1 > best.1 { c } else { best })
                        .0;
                    return Err(ScaleError::Feature {
                        feature: feature(j, names),
                        message: format!(
                            "values as large as {:e} make a row's length overflow, and \
                             normalize would turn that row into zeros; use --scale maxabs",
                            largest(x_train, j)
                        ),
                    });
                }
                return Ok(FittedScaler::Norm(NormScaler::l2()));
            }
        };
        // Overflow shows as an infinite offset (the mean) or a zero scale
        // (one over an infinite standard deviation or range).
        let bad = linear
            .offsets()
            .iter()
            .zip(linear.scales())
            .position(|(o, s)| !(o.is_finite() && s.is_finite() && *s > 0.0));
        if let Some(j) = bad {
            return Err(ScaleError::Feature {
                feature: feature(j, names),
                message: format!(
                    "{} scaling overflows on it (values as large as {:e}); --scale maxabs \
                     keeps such a column finite",
                    scale.name(),
                    largest(x_train, j)
                ),
            });
        }
        Ok(FittedScaler::Linear(linear))
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
        let s = FittedScaler::fit(Scale::Standard, x.view(), &[])
            .expect("fit")
            .transform(x.view());
        for c in 0..2 {
            let col = s.column(c);
            assert!(col.mean().expect("mean").abs() < 1e-12);
            assert!((col.std(0.0) - 1.0).abs() < 1e-12);
        }
        let m = FittedScaler::fit(Scale::MinMax, x.view(), &[])
            .expect("fit")
            .transform(x.view());
        assert_eq!(m.column(0).to_vec(), vec![0.0, 0.5, 1.0]);
        let a = FittedScaler::fit(Scale::MaxAbs, x.view(), &[])
            .expect("fit")
            .transform(x.view());
        assert_eq!(a.column(1).to_vec(), vec![-0.5, 0.0, 1.0]);
        let z = array![[3.0, 4.0], [0.0, 0.0]];
        let n = FittedScaler::fit(Scale::Normalize, z.view(), &[])
            .expect("fit")
            .transform(z.view());
        assert_eq!(n.row(0).to_vec(), vec![0.6, 0.8]);
        assert_eq!(n.row(1).to_vec(), vec![0.0, 0.0], "zero rows stay zero");
    }

    #[test]
    fn non_finite_values_and_overflow_are_refused_with_the_feature_named() {
        let names = ["a".to_string(), "b".to_string()];
        let nan = array![[1.0, 2.0], [f64::NAN, 3.0]];
        for s in [
            Scale::Standard,
            Scale::MinMax,
            Scale::MaxAbs,
            Scale::Normalize,
        ] {
            let e = FittedScaler::fit(s, nan.view(), &names).err();
            let msg = e.map(|e| e.to_string()).unwrap_or_default();
            assert_eq!(msg, "feature 0 (`a`): row 1: NaN is not a finite number");
        }
        // ±1e308: the standard deviation and the range overflow; the mean of
        // 1e308s overflows too. maxabs divides by 1e308 and is fine.
        let huge = array![[1.0, 1e308], [2.0, -1e308], [3.0, 1e308], [4.0, -1e308]];
        for s in [Scale::Standard, Scale::MinMax] {
            let msg = FittedScaler::fit(s, huge.view(), &names)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                msg.starts_with(&format!(
                    "feature 1 (`b`): {} scaling overflows on it (values as large as 1e308)",
                    s.name()
                )),
                "{msg}"
            );
        }
        let same = array![[1e308], [1e308], [1e308]];
        assert!(FittedScaler::fit(Scale::Standard, same.view(), &[]).is_err());
        let m = FittedScaler::fit(Scale::MaxAbs, huge.view(), &names).expect("maxabs");
        let t = m.transform(huge.view());
        assert!(
            t.column(1).iter().all(|v| (v.abs() - 1.0).abs() < 1e-15),
            "{t}"
        );
        let msg = FittedScaler::fit(Scale::Normalize, huge.view(), &names)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            msg.starts_with(
                "feature 1 (`b`): values as large as 1e308 make a row's length overflow"
            ),
            "{msg}"
        );
        // Constant columns are fine (scale 1), as before.
        let flat = array![[1.0, 1.0], [1.0, 1.0]];
        for s in [Scale::Standard, Scale::MinMax, Scale::MaxAbs] {
            assert!(FittedScaler::fit(s, flat.view(), &names).is_ok());
        }
    }
}
