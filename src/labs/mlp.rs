//! The `mlp` lab: a multi-layer perceptron on a bundled table (digits by
//! default) with scikit-learn's `MLPClassifier` settings (hidden layers,
//! activation, solver, learning rate, epochs, batch size, L2 `alpha`) plus
//! dropout. Live loss and accuracy curves, the confusion matrix, what the
//! first hidden units look at (8×8 weight images on digits), and notices
//! computed from the run.

use super::classify::{self, load_split, train_live};
use super::{bi, Heatmap, LabContext, LabError, LabOutcome, RunLab};
use crate::algos::algorithm::{
    choice, float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues,
    Task,
};
use crate::nn::{self, Activation, MlpSpec, ParamStore, TrainConfig, WeightInit};

pub const LAYERS: ParamSpec = int("layers", 1, 4, "1", "number of hidden layers");
pub const WIDTH: ParamSpec = int(
    "width",
    1,
    1024,
    "64",
    "units in each hidden layer (scikit-learn's hidden_layer_sizes = (width,) * layers)",
);
pub const ACTIVATION: ParamSpec = choice(
    "activation",
    &["relu", "tanh", "sigmoid"],
    "relu",
    "activation of the hidden units",
);
pub const OPTIMIZER: ParamSpec = choice(
    "optimizer",
    &["adam", "sgd", "momentum"],
    "adam",
    "adam, plain SGD, or SGD with momentum 0.9",
);
pub const LEARNING_RATE: ParamSpec = float("learning_rate", 0.0, 10.0, true, "0.001", "step size");
pub const EPOCHS: ParamSpec = int("epochs", 1, 500, "20", "passes over the training rows");
pub const BATCH_SIZE: ParamSpec = int("batch_size", 1, 100_000, "32", "rows per mini-batch");
pub const ALPHA: ParamSpec = float(
    "alpha",
    0.0,
    10.0,
    false,
    "0.0001",
    "L2 penalty on the weights, as scikit-learn's alpha",
);
pub const DROPOUT: ParamSpec = float(
    "dropout",
    0.0,
    0.9,
    false,
    "0",
    "share of hidden units dropped at each training step (0 = none)",
);

/// Bundled datasets the lab takes (any CSV path of numbers works too).
const DATASETS: &[&str] = &["digits", "iris", "wine", "breast_cancer"];

pub struct Mlp;

#[derive(Debug, Clone, PartialEq)]
pub struct MlpParams {
    pub hidden: Vec<usize>,
    pub activation: &'static str,
    pub optimizer: &'static str,
    pub learning_rate: f64,
    pub epochs: usize,
    pub batch_size: usize,
    pub alpha: f64,
    pub dropout: f64,
}

impl Algorithm for Mlp {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "mlp",
        title: "Multi-layer perceptron (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "on our neural engine (crate::nn): live curves, cancel, weight images",
        topics: &["representation-learning", "end-to-end-learning"],
        params: &[
            LAYERS,
            WIDTH,
            ACTIVATION,
            OPTIMIZER,
            LEARNING_RATE,
            EPOCHS,
            BATCH_SIZE,
            ALPHA,
            DROPOUT,
        ],
    };
    type Params = MlpParams;

    fn params(v: &ParamValues) -> Result<MlpParams, ParamError> {
        Ok(MlpParams {
            hidden: vec![v.usize(&WIDTH)?; v.usize(&LAYERS)?],
            activation: v.choice(&ACTIVATION)?,
            optimizer: v.choice(&OPTIMIZER)?,
            learning_rate: v.float(&LEARNING_RATE)?,
            epochs: v.usize(&EPOCHS)?,
            batch_size: v.usize(&BATCH_SIZE)?,
            alpha: v.float(&ALPHA)?,
            dropout: v.float(&DROPOUT)?,
        })
    }
}

/// How many first-layer units to draw as 8×8 weight images.
const UNITS_SHOWN: usize = 8;

impl RunLab for MlpParams {
    fn datasets(&self) -> &'static [&'static str] {
        DATASETS
    }

    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        let name = ctx.dataset.unwrap_or(DATASETS[0]);
        let split = load_split(name, ctx.seed, None)?;
        let n_classes = split.classes.len();
        let mut ps = ParamStore::new(ctx.seed);
        let spec = MlpSpec {
            hidden: self.hidden.clone(),
            activation: Activation::parse(self.activation)?,
            init: WeightInit::GlorotUniform,
            dropout: self.dropout as f32,
        };
        let net = nn::mlp(&mut ps, split.n_features, n_classes, &spec)?;
        let mut opt = classify::optimizer(self.optimizer, self.learning_rate)?;
        let cfg = TrainConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            l2: self.alpha as f32,
            seed: ctx.seed,
            ..Default::default()
        };
        let mut outcome = LabOutcome {
            total: self.epochs,
            dataset: format!(
                "{} ({} train / {} test rows, {})",
                split.name,
                split.y_train.len(),
                split.y_test.len(),
                split.scaling
            ),
            ..Default::default()
        };
        let t = train_live(ctx, &mut outcome, &net, &mut ps, opt.as_mut(), &split, &cfg)?;
        let n_params = ps.n_trainable();
        classify::training_figures(&mut outcome, &t, n_params);
        classify::fit_notices(&mut outcome, &t, "batch-normalization");
        let n_train = split.y_train.len();
        let sizes: Vec<String> = std::iter::once(split.n_features)
            .chain(self.hidden.iter().copied())
            .chain(std::iter::once(n_classes))
            .map(|s| s.to_string())
            .collect();
        let per_row = n_params as f64 / n_train as f64;
        // The layer with the most weights: fan-in × fan-out + biases.
        let dims: Vec<usize> = std::iter::once(split.n_features)
            .chain(self.hidden.iter().copied())
            .chain(std::iter::once(n_classes))
            .collect();
        let (big, big_n) = dims
            .windows(2)
            .enumerate()
            .map(|(i, w)| (i, w[0] * w[1] + w[1]))
            .max_by_key(|&(i, n)| (n, std::cmp::Reverse(i)))
            .unwrap_or((0, 0));
        let big_name = if big == self.hidden.len() {
            "output".to_string()
        } else {
            format!("fc{}", big + 1)
        };
        let share = 100.0 * big_n as f64 / n_params.max(1) as f64;
        outcome.notice(
            bi(
                format!(
                    "The {} net has {n_params} weights and biases for {n_train} training rows ({per_row:.1} per row). A layer holds fan-in × fan-out weights: {big_name} ({} × {}) alone has {big_n}, {share:.0}% of them.",
                    sizes.join("-"), dims[big], dims[big + 1]
                ),
                format!(
                    "这个 {} 的网络有 {n_params} 个权重和偏置，而训练样本只有 {n_train} 个（每个样本 {per_row:.1} 个参数）。一层的权重数是扇入 × 扇出：仅 {big_name}（{} × {}）就有 {big_n} 个，占 {share:.0}%。",
                    sizes.join("-"), dims[big], dims[big + 1]
                ),
            ),
            Some("representation-learning"),
        );
        if split.name == "digits" && split.n_features == 64 {
            outcome.heatmaps = unit_images(&ps, UNITS_SHOWN)?;
            if !outcome.heatmaps.is_empty() {
                outcome.notice(
                    bi(
                        "The 8×8 pictures are the input weights of the first hidden units with the largest weights: each unit is a learned stroke detector (bright = pixels that excite it, dark = pixels that inhibit it), not a hand-made feature.",
                        "这些 8×8 图是第一隐藏层中权重最大的几个单元的输入权重：每个单元都是学出来的笔画检测器（亮处是让它激活的像素，暗处是抑制它的像素），而不是人工设计的特征。",
                    ),
                    Some("representation-learning"),
                );
            }
        }
        Ok(outcome)
    }
}

/// The input weights of the `k` first-layer units with the largest weight
/// norm, each as an 8×8 picture (digits pixels).
fn unit_images(ps: &ParamStore, k: usize) -> Result<Vec<Heatmap>, LabError> {
    let Some(id) = ps.get("fc1.weight") else {
        return Ok(Vec::new());
    };
    let w = ps.value(id)?;
    let (n_in, h) = match w.shape() {
        [a, b] => (*a, *b),
        _ => return Ok(Vec::new()),
    };
    if n_in != 64 {
        return Ok(Vec::new());
    }
    let col = |j: usize| -> Vec<f64> { (0..n_in).map(|i| w[[i, j]] as f64).collect() };
    let mut units: Vec<(usize, f64)> = (0..h)
        .map(|j| (j, col(j).iter().map(|v| v * v).sum::<f64>()))
        .collect();
    units.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(units
        .iter()
        .take(k)
        .map(|&(j, _)| Heatmap {
            key: format!("unit{}", j + 1),
            title: bi(
                format!("hidden unit {}", j + 1),
                format!("隐藏单元 {}", j + 1),
            ),
            rows: 8,
            cols: 8,
            values: col(j),
            row_labels: Vec::new(),
            col_labels: Vec::new(),
            group: "fc1 weights".into(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    fn run(given: &[(&str, &str)], dataset: Option<&str>) -> Result<LabOutcome, LabError> {
        let given: Vec<(String, String)> = given
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let v = Mlp::SPEC.values(&given).unwrap();
        let p = Mlp::params(&v).unwrap();
        let flag = AtomicBool::new(false);
        let mut snapshots = 0;
        let mut sink = |o: &LabOutcome| {
            assert!(o.done <= o.total);
            snapshots += 1;
        };
        let mut ctx = LabContext::new(0, dataset, &mut sink, &flag);
        let r = p.run(&mut ctx);
        if let Ok(o) = &r {
            assert_eq!(snapshots, o.total, "one snapshot per epoch");
        }
        r
    }

    #[test]
    fn digits_learns_with_curves_confusion_matrix_and_weight_images() {
        let o = run(
            &[("epochs", "2"), ("width", "16"), ("learning_rate", "0.01")],
            None,
        )
        .unwrap();
        let acc = o.find_figure("test_accuracy").unwrap();
        assert!(acc > 0.7, "{acc}");
        // 64·16 + 16 + 16·10 + 10
        assert_eq!(o.find_figure("parameters"), Some(1210.0));
        let loss = o.charts.iter().find(|c| c.key == "loss").unwrap();
        assert_eq!(loss.series.len(), 2);
        assert_eq!(loss.series[0].points.len(), 2);
        let c = o.classification.as_ref().unwrap();
        let total: usize = c.confusion_matrix.counts.iter().flatten().sum();
        assert_eq!(total, 450);
        assert_eq!(o.heatmaps.len(), UNITS_SHOWN);
        assert!(o.heatmaps.iter().all(|h| h.values.len() == 64));
        assert!(o.notices.len() >= 3);
        assert!(o.dataset.starts_with("digits (1347 train / 450 test rows"));
    }

    #[test]
    fn other_tables_are_standardised_and_have_no_pictures() {
        let o = run(
            &[
                ("epochs", "3"),
                ("width", "8"),
                ("layers", "2"),
                ("batch_size", "16"),
            ],
            Some("iris"),
        )
        .unwrap();
        assert!(o.heatmaps.is_empty());
        assert!(o.dataset.contains("standardised"));
        // 4·8+8 + 8·8+8 + 8·3+3
        assert_eq!(o.find_figure("parameters"), Some(139.0));
    }

    #[test]
    fn bad_settings_get_clear_messages() {
        let e = run(&[("batch_size", "5000")], Some("iris")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid parameter `batch_size`: 5000 is larger than the 112 training rows"
        );
        let e = run(
            &[
                ("learning_rate", "10"),
                ("optimizer", "momentum"),
                ("layers", "4"),
                ("width", "256"),
            ],
            None,
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with("diverged at epoch 1 ")
                && e.to_string().ends_with("try a smaller learning rate"),
            "{e}"
        );
        assert!(Mlp::SPEC
            .values(&[("learning_rate".into(), "NaN".into())])
            .is_err());
        let e = run(&[], Some("no-such-file.csv")).unwrap_err();
        assert!(e.to_string().contains("not a bundled dataset"), "{e}");
    }

    #[test]
    fn cancel_stops_the_lab() {
        let v = Mlp::SPEC.values(&[]).unwrap();
        let p = Mlp::params(&v).unwrap();
        let flag = AtomicBool::new(true);
        let mut sink = |_: &LabOutcome| {};
        let mut ctx = LabContext::new(0, None, &mut sink, &flag);
        assert_eq!(p.run(&mut ctx).unwrap_err(), LabError::Cancelled);
    }
}
