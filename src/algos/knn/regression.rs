//! k-NN regression (scikit-learn's `KNeighborsRegressor`): the same
//! neighbour search as the classifier ([`KnnModel::neighbours`]), and the
//! prediction is the mean of the neighbours' targets, or their
//! 1/distance-weighted mean (`weights=distance`; rows at distance 0 take
//! all the weight).

use ndarray::ArrayView2;

use super::{fit_knn, KnnConfig, KnnModel, Weights};
use crate::algos::core::{AlgoError, Regressor};

pub struct KnnRegressor {
    model: KnnModel,
    y: Vec<f64>,
    weights: Weights,
}

/// Keep the rows (and build the search tree) for regression on `y`.
pub fn fit_knn_regressor(
    x: ArrayView2<'_, f64>,
    y: &[f64],
    cfg: KnnConfig,
) -> Result<KnnRegressor, AlgoError> {
    if let Some((r, v)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(AlgoError::BadData(format!(
            "target row {r}: {v} is not a finite number"
        )));
    }
    // The search ignores labels: one class for every row.
    let labels = vec![0usize; y.len()];
    let model = fit_knn(x, &labels, 1, cfg)?;
    Ok(KnnRegressor {
        model,
        y: y.to_vec(),
        weights: cfg.weights,
    })
}

impl Regressor for KnnRegressor {
    fn n_features(&self) -> usize {
        crate::algos::core::Classifier::n_features(&self.model)
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        if x.ncols() != self.n_features() {
            return Vec::new();
        }
        x.rows()
            .into_iter()
            .map(|q| {
                let nb = self.model.neighbours(q);
                let exact = nb.iter().any(|&(_, d)| d == 0.0);
                let (mut s, mut ws) = (0.0, 0.0);
                for &(i, d) in &nb {
                    let w = match self.weights {
                        Weights::Uniform => 1.0,
                        Weights::Distance if exact => f64::from(u8::from(d == 0.0)),
                        Weights::Distance => 1.0 / d,
                    };
                    s += w * self.y[i];
                    ws += w;
                }
                if ws > 0.0 {
                    s / ws
                } else {
                    f64::NAN
                }
            })
            .collect()
    }
}

use crate::algos::algorithm::{RegressData, TrainRegressor};
use crate::algos::core::Progress;

impl TrainRegressor for KnnConfig {
    fn fit(
        &self,
        d: RegressData<'_>,
        _seed: u64,
        _progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Regressor>, AlgoError> {
        Ok(Box::new(fit_knn_regressor(d.x, d.y, *self)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algos::knn::{Metric, Search};
    use ndarray::array;

    #[test]
    fn predicts_the_mean_or_the_weighted_mean_of_the_neighbours() {
        let x = array![[0.0], [1.0], [3.0], [10.0]];
        let y = [0.0, 2.0, 6.0, 100.0];
        let cfg = |weights| KnnConfig {
            k: 2,
            weights,
            metric: Metric::Euclidean,
            search: Search::Brute,
        };
        let m = fit_knn_regressor(x.view(), &y, cfg(Weights::Uniform)).expect("fit");
        assert_eq!(m.predict(array![[0.4]].view()), vec![1.0]);
        let m = fit_knn_regressor(x.view(), &y, cfg(Weights::Distance)).expect("fit");
        // neighbours 0 (d 0.5) and 1 (d 0.5): weights equal -> 1.0; at 2.0:
        // rows 1 (d 1, y 2) and 2 (d 1, y 6) -> 4.
        assert_eq!(
            m.predict(array![[0.5], [2.0], [3.0]].view()),
            vec![1.0, 4.0, 6.0]
        );
    }
}
