//! Regression metrics, as scikit-learn 1.7's `r2_score`,
//! `root_mean_squared_error`, `mean_absolute_error` and
//! `mean_absolute_percentage_error`, with one difference: MAPE is `None`
//! when a true value is 0 (scikit-learn divides by machine epsilon there and
//! returns a meaningless huge number).

use serde::Serialize;

use super::error::MetricsError;

/// The scores of predictions against true values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RegressionMetrics {
    /// Coefficient of determination `1 - SS_res / SS_tot`. When the true
    /// values are all equal (SS_tot = 0) it is 1 for a perfect fit and 0
    /// otherwise (scikit-learn's `force_finite=True`).
    pub r2: f64,
    pub rmse: f64,
    pub mae: f64,
    /// Mean of `|y - ŷ| / |y|`, as a fraction (0.1 = 10%); `None` when any
    /// true value is 0.
    pub mape: Option<f64>,
    pub n: usize,
}

fn check(truth: &[f64], pred: &[f64]) -> Result<(), MetricsError> {
    if truth.len() != pred.len() {
        return Err(MetricsError::LengthMismatch {
            what: "true and predicted values",
            left: truth.len(),
            right: pred.len(),
        });
    }
    if truth.is_empty() {
        return Err(MetricsError::Empty("regression metrics need values"));
    }
    if let Some((index, &value)) = truth
        .iter()
        .chain(pred)
        .enumerate()
        .find(|(_, v)| !v.is_finite())
    {
        return Err(MetricsError::NonFiniteScore {
            index: index % truth.len(),
            value,
        });
    }
    Ok(())
}

/// R² (see [`RegressionMetrics::r2`]).
pub fn r2(truth: &[f64], pred: &[f64]) -> Result<f64, MetricsError> {
    check(truth, pred)?;
    let n = truth.len() as f64;
    let mean = truth.iter().sum::<f64>() / n;
    let ss_tot: f64 = truth.iter().map(|t| (t - mean).powi(2)).sum();
    let ss_res: f64 = truth.iter().zip(pred).map(|(t, p)| (t - p).powi(2)).sum();
    Ok(if ss_tot == 0.0 {
        if ss_res == 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        1.0 - ss_res / ss_tot
    })
}

/// R², RMSE, MAE and MAPE of `pred` against `truth`.
pub fn regression_metrics(truth: &[f64], pred: &[f64]) -> Result<RegressionMetrics, MetricsError> {
    let r2 = r2(truth, pred)?;
    let n = truth.len() as f64;
    let mse = truth
        .iter()
        .zip(pred)
        .map(|(t, p)| (t - p).powi(2))
        .sum::<f64>()
        / n;
    let mae = truth
        .iter()
        .zip(pred)
        .map(|(t, p)| (t - p).abs())
        .sum::<f64>()
        / n;
    let mape = (!truth.contains(&0.0)).then(|| {
        truth
            .iter()
            .zip(pred)
            .map(|(t, p)| ((t - p) / t).abs())
            .sum::<f64>()
            / n
    });
    Ok(RegressionMetrics {
        r2,
        rmse: mse.sqrt(),
        mae,
        mape,
        n: truth.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// sklearn: r2_score([3,-0.5,2,7],[2.5,0,2,8]) = 0.9486081370449679,
    /// mean_absolute_error = 0.5, root_mean_squared_error = 0.6123724356957945,
    /// mean_absolute_percentage_error = 0.3273809523809524.
    #[test]
    fn matches_the_sklearn_docstring_example() {
        let m = regression_metrics(&[3.0, -0.5, 2.0, 7.0], &[2.5, 0.0, 2.0, 8.0]).expect("ok");
        assert!((m.r2 - 0.948_608_137_044_967_9).abs() < 1e-12);
        assert!((m.mae - 0.5).abs() < 1e-12);
        assert!((m.rmse - 0.612_372_435_695_794_5).abs() < 1e-12);
        assert!((m.mape.expect("no zero") - 0.327_380_952_380_952_4).abs() < 1e-12);
    }

    #[test]
    fn mape_is_absent_with_a_zero_truth_and_constant_truth_is_finite() {
        let m = regression_metrics(&[0.0, 1.0], &[0.5, 1.0]).expect("ok");
        assert_eq!(m.mape, None);
        assert_eq!(r2(&[2.0, 2.0], &[2.0, 2.0]), Ok(1.0));
        assert_eq!(r2(&[2.0, 2.0], &[2.0, 3.0]), Ok(0.0));
        assert!(regression_metrics(&[1.0], &[]).is_err());
        assert!(regression_metrics(&[1.0], &[f64::NAN]).is_err());
    }
}
