//! The `calibration` lab: are the probabilities right, not only the
//! answers? (metrics-beyond-accuracy, and label smoothing from
//! loss-functions.) Six models on one split of a bundled table: logistic
//! regression, Gaussian naive Bayes, a random forest, an MLP trained on hard
//! targets, the same MLP with label smoothing, and the hard-target MLP after
//! temperature scaling (T fitted on validation rows held out of the
//! training rows). For each: accuracy, log loss, multi-class Brier score,
//! ECE over 10 bins, ROC AUC one-vs-rest (macro) and one-vs-one (macro);
//! the reliability diagram; the logit gap that label smoothing keeps finite.

use ndarray::{Array2, Axis};

use super::nndata::{self, Split};
use super::{bi, Cell, LabContext, LabError, LabOutcome, RunLab, Table};
use crate::algos::algorithm::{
    float, int, AlgoSpec, Algorithm, FitData, Implementation, ParamError, ParamSpec, ParamValues,
    Task, TrainClassifier,
};
use crate::algos::{forest, logistic, naive_bayes, Progress};
use crate::data::split::stratified_split;
use crate::metrics::calibration::{
    auc_ovo, auc_ovr, brier, ece, fit_temperature, log_loss, reliability, softmax_t, Bin,
};
use crate::nn::{self, Activation, Graph, Layer, MlpSpec, ParamStore, WeightInit};

pub const SMOOTHING: ParamSpec = float(
    "label_smoothing",
    0.0,
    0.9,
    true,
    "0.1",
    "ε of the smoothed MLP: targets (1 − ε)·one-hot + ε/K",
);
pub const EPOCHS: ParamSpec = int(
    "epochs",
    1,
    500,
    "60",
    "passes of both MLPs over the training rows (long, so the hard-target one grows over-confident)",
);
pub const WIDTH: ParamSpec = int("width", 1, 1024, "128", "units of the MLPs' hidden layer");
pub const VALIDATION: ParamSpec = float(
    "validation",
    0.0,
    0.5,
    true,
    "0.2",
    "share of the training rows held out to fit the temperature T",
);

const DATASETS: &[&str] = &["digits", "breast_cancer", "wine", "iris"];

/// Reliability-diagram bins.
const BINS: usize = 10;

pub struct Calibration;

#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationParams {
    pub smoothing: f64,
    pub epochs: usize,
    pub width: usize,
    pub validation: f64,
}

impl Algorithm for Calibration {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "calibration",
        title: "Calibration, Brier, ECE, multi-class AUC, temperature scaling, label smoothing (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "our classifiers' probabilities scored with our metrics::calibration (checked against scikit-learn)",
        topics: &["metrics-beyond-accuracy", "loss-functions"],
        params: &[SMOOTHING, EPOCHS, WIDTH, VALIDATION],
    };
    type Params = CalibrationParams;

    fn params(v: &ParamValues) -> Result<CalibrationParams, ParamError> {
        Ok(CalibrationParams {
            smoothing: v.float(&SMOOTHING)?,
            epochs: v.usize(&EPOCHS)?,
            width: v.usize(&WIDTH)?,
            validation: v.float(&VALIDATION)?,
        })
    }
}

/// One model's test-set probabilities and scores.
struct Scored {
    name: String,
    /// The reliability diagram (ECE, confidence and accuracy come from it).
    bins: Vec<Bin>,
    accuracy: f64,
    log_loss: f64,
    brier: f64,
    ece: f64,
    mean_confidence: f64,
    auc_ovr: f64,
    auc_ovo: f64,
}

fn score(name: &str, probs: Array2<f64>, y: &[usize]) -> Result<Scored, LabError> {
    let m = |e: crate::metrics::MetricsError| LabError::setup(format!("{name}: {e}"));
    let bins = reliability(y, probs.view(), BINS).map_err(m)?;
    let n = y.len().max(1) as f64;
    let hits: usize = bins
        .iter()
        .map(|b| (b.accuracy * b.count as f64).round() as usize)
        .sum();
    let mean_confidence = bins
        .iter()
        .map(|b| b.confidence * b.count as f64)
        .sum::<f64>()
        / n;
    Ok(Scored {
        name: name.to_string(),
        accuracy: hits as f64 / n,
        log_loss: log_loss(y, probs.view()).map_err(m)?,
        brier: brier(y, probs.view()).map_err(m)?,
        ece: ece(&bins),
        mean_confidence,
        auc_ovr: auc_ovr(y, probs.view(), false).map_err(m)?,
        auc_ovo: auc_ovo(y, probs.view()).map_err(m)?,
        bins,
    })
}

fn to_f64(t: &nn::Tensor) -> Result<Array2<f64>, LabError> {
    let a = t
        .mapv(f64::from)
        .into_dimensionality::<ndarray::Ix2>()
        .map_err(|e| LabError::setup(format!("expected a table of rows: {e}")))?;
    Ok(a)
}

/// Logits of `model` for the rows `x` (eval mode).
fn logits(model: &dyn Layer, ps: &mut ParamStore, x: &nn::Tensor) -> Result<Array2<f64>, LabError> {
    let mut g = Graph::new(0);
    g.train = false;
    let v = g.constant(x.clone());
    let z = model.forward(&mut g, ps, v)?;
    to_f64(g.value(z)?)
}

/// Mean over rows of z_y − z_k over the classes k ≠ y.
fn mean_logit_gap(z: &Array2<f64>, y: &[usize]) -> f64 {
    let k = z.ncols();
    if k < 2 || y.is_empty() {
        return 0.0;
    }
    let total: f64 = y
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            (0..k)
                .filter(|&j| j != c)
                .map(|j| z[[i, c]] - z[[i, j]])
                .sum::<f64>()
                / (k - 1) as f64
        })
        .sum();
    total / y.len() as f64
}

/// An algorithm's parameters at their defaults.
fn defaults<A: Algorithm>() -> Result<A::Params, LabError> {
    A::SPEC
        .values(&[])
        .and_then(|v| A::params(&v))
        .map_err(|e| LabError::setup(format!("{}: {e}", A::SPEC.name)))
}

fn fit_algo(
    train: &dyn TrainClassifier,
    x: &Array2<f64>,
    y: &[usize],
    k: usize,
    names: &[String],
    seed: u64,
    what: &str,
) -> Result<Box<dyn crate::algos::Classifier>, LabError> {
    train
        .fit(
            FitData {
                x: x.view(),
                names,
                y,
                n_classes: k,
            },
            seed,
            &mut Progress::none(),
        )
        .map_err(|e| LabError::setup(format!("{what}: {e}")))
}

impl RunLab for CalibrationParams {
    fn datasets(&self) -> &'static [&'static str] {
        DATASETS
    }

    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        let name = ctx.dataset.unwrap_or(DATASETS[0]);
        let data = nndata::load_split(name, None, ctx.seed)?;
        nndata::check_epochs(self.epochs)?;
        let k = data.n_classes;
        // Training rows into fit and validation (for T), stratified.
        let (fit_rows, val_rows) =
            stratified_split(&data.y_train, k, self.validation, ctx.seed ^ 0xca1)
                .map_err(|e| LabError::setup(format!("validation rows: {e}")))?;
        let pick = |rows: &[usize]| -> (nn::Tensor, Vec<usize>) {
            (
                data.x_train.select(Axis(0), rows),
                rows.iter().map(|&r| data.y_train[r]).collect(),
            )
        };
        let (x_fit, y_fit) = pick(&fit_rows);
        let (x_val, y_val) = pick(&val_rows);
        nndata::check_batch(32.min(y_fit.len()), y_fit.len())?;
        let mut outcome = LabOutcome {
            total: self.epochs,
            dataset: format!(
                "{} ({} fit / {} validation / {} test rows, {k} classes)",
                data.dataset,
                y_fit.len(),
                y_val.len(),
                data.y_test.len()
            ),
            ..Default::default()
        };

        // The two MLPs, trained in lockstep from the same weights.
        let spec = MlpSpec {
            hidden: vec![self.width],
            activation: Activation::Relu,
            init: WeightInit::GlorotUniform,
            dropout: 0.0,
        };
        let eps = self.smoothing as f32;
        let mut nets = Vec::new();
        for smooth in [0.0f32, eps] {
            let mut ps = ParamStore::new(ctx.seed);
            let model = nn::mlp(&mut ps, data.n_features, k, &spec)?;
            let opt = nndata::optimizer("adam", 0.001)?;
            nets.push((smooth, model, ps, opt));
        }
        let mut rng = crate::rng::rng(ctx.seed ^ 0x5eed);
        let mut g = Graph::new(ctx.seed);
        for epoch in 1..=self.epochs {
            let order: Vec<Vec<usize>> = nndata::batches(y_fit.len(), 32, &mut rng).collect();
            for (smooth, model, ps, opt) in nets.iter_mut() {
                let loss = nndata::train_batches(
                    &*model,
                    ps,
                    opt.as_mut(),
                    &mut g,
                    (&x_fit, &y_fit),
                    &order,
                    *smooth,
                    ("MLP", epoch),
                    ctx,
                    |_, _| Ok(()),
                )?;
                ctx.check()?;
                let label = if *smooth > 0.0 {
                    format!("MLP+LS {}", self.smoothing)
                } else {
                    "MLP".to_string()
                };
                outcome
                    .chart_mut(
                        "loss",
                        bi(
                            "training loss (against each net's own targets)",
                            "训练损失（各自的目标分布）",
                        ),
                        "epoch",
                        "loss",
                    )
                    .push(&label, epoch as f64, loss);
            }
            outcome.done = epoch;
            ctx.update(&outcome)?;
        }

        // The classic models on the fit rows (the same rows as the MLPs).
        let xf = to_f64(&x_fit)?;
        let xt = to_f64(&data.x_test)?;
        let names: Vec<String> = (0..data.n_features).map(|j| format!("x{j}")).collect();
        let mut scored = Vec::new();
        let classic: [(&str, Box<dyn TrainClassifier>); 3] = [
            ("logistic", Box::new(defaults::<logistic::LogisticLbfgs>()?)),
            (
                "Gaussian NB",
                Box::new(defaults::<naive_bayes::GaussianNb>()?),
            ),
            ("forest", Box::new(defaults::<forest::Forest>()?)),
        ];
        for (what, algo) in classic {
            let model = fit_algo(algo.as_ref(), &xf, &y_fit, k, &names, ctx.seed, what)?;
            let probs = model
                .scores(xt.view())
                .ok_or_else(|| LabError::setup(format!("{what} gave no probabilities")))?;
            scored.push(score(what, probs, &data.y_test)?);
            ctx.check()?;
        }
        let (_, hard, hard_ps, _) = &mut nets[0];
        let z_test = logits(hard, hard_ps, &data.x_test)?;
        let z_val = logits(hard, hard_ps, &x_val)?;
        let z_fit_hard = logits(hard, hard_ps, &x_fit)?;
        let t = fit_temperature(&y_val, z_val.view())
            .map_err(|e| LabError::setup(format!("temperature: {e}")))?;
        scored.push(score("MLP", softmax_t(z_test.view(), 1.0), &data.y_test)?);
        let (_, smooth_net, smooth_ps, _) = &mut nets[1];
        let z_smooth = logits(smooth_net, smooth_ps, &data.x_test)?;
        let z_fit_smooth = logits(smooth_net, smooth_ps, &x_fit)?;
        scored.push(score(
            &format!("MLP+LS {}", self.smoothing),
            softmax_t(z_smooth.view(), 1.0),
            &data.y_test,
        )?);
        scored.push(score(
            &format!("MLP/T {t:.2}"),
            softmax_t(z_test.view(), t),
            &data.y_test,
        )?);
        let gaps = (
            mean_logit_gap(&z_fit_hard, &y_fit),
            mean_logit_gap(&z_fit_smooth, &y_fit),
        );
        self.report(&mut outcome, &scored, t, gaps, &data, y_val.len())?;
        Ok(outcome)
    }
}

impl CalibrationParams {
    fn report(
        &self,
        outcome: &mut LabOutcome,
        s: &[Scored],
        t: f64,
        (gap_hard, gap_smooth): (f64, f64),
        data: &Split,
        n_val: usize,
    ) -> Result<(), LabError> {
        let y = &data.y_test;
        let k = data.n_classes as f64;
        // Two narrow tables rather than one wide one (80 columns).
        let cells = |cols: &[fn(&Scored) -> f64]| -> Vec<Vec<Cell>> {
            s.iter()
                .map(|m| {
                    std::iter::once(Cell::from(m.name.clone()))
                        .chain(cols.iter().map(|f| Cell::from(f(m))))
                        .collect()
                })
                .collect()
        };
        outcome.tables.push(Table {
            key: "probabilities".into(),
            title: bi(
                format!("the {} test rows: how good are the probabilities", y.len()),
                format!("{} 个测试样本：概率的质量", y.len()),
            ),
            columns: ["model", "acc", "log loss", "Brier", "ECE"]
                .map(String::from)
                .to_vec(),
            rows: cells(&[|m| m.accuracy, |m| m.log_loss, |m| m.brier, |m| m.ece]),
        });
        outcome.tables.push(Table {
            key: "auc".into(),
            title: bi(
                "ranking: multi-class ROC AUC (macro)",
                "排序能力：多分类 ROC AUC（宏平均）",
            ),
            columns: ["model", "acc", "AUC ovr", "AUC ovo"]
                .map(String::from)
                .to_vec(),
            rows: cells(&[|m| m.accuracy, |m| m.auc_ovr, |m| m.auc_ovo]),
        });
        let chart = outcome.chart_mut(
            "reliability",
            bi(
                format!("reliability diagram ({BINS} bins): accuracy against confidence"),
                format!("可靠性图（{BINS} 个分箱）：准确率随置信度的变化"),
            ),
            "confidence",
            "accuracy",
        );
        chart.push("perfect", 0.0, 0.0);
        chart.push("perfect", 1.0, 1.0);
        for m in s {
            for b in m.bins.iter().filter(|b| b.count > 0) {
                chart.push(&m.name, b.confidence, b.accuracy);
            }
        }
        let (mlp, smooth, scaled) = (&s[3], &s[4], &s[5]);
        outcome.figure("ece_mlp", bi("MLP: ECE", "MLP：ECE"), mlp.ece, "");
        outcome.figure(
            "ece_temperature",
            bi(
                "MLP after temperature scaling: ECE",
                "温度缩放后的 MLP：ECE",
            ),
            scaled.ece,
            "",
        );
        outcome.figure(
            "temperature",
            bi("fitted temperature T", "拟合出的温度 T"),
            t,
            "",
        );
        // Over- or under-confident by more than half a point, else calibrated
        // on average.
        let gap = mlp.mean_confidence - mlp.accuracy;
        let (en_state, zh_state, en_side, zh_side) = if gap > 0.005 {
            ("over-confident", "过度自信", "below", "下方")
        } else if gap < -0.005 {
            ("under-confident", "信心不足", "above", "上方")
        } else {
            ("calibrated on average", "平均而言是校准的", "near", "附近")
        };
        outcome.notice(
            bi(
                format!(
                    "Trained on hard targets, the MLP is {en_state}: mean confidence {:.3} against accuracy {:.3} on the test rows (ECE {:.3}); its points sit {en_side} the diagonal.",
                    mlp.mean_confidence, mlp.accuracy, mlp.ece,
                ),
                format!(
                    "用硬标签训练的 MLP {zh_state}：测试集上平均置信度 {:.3}，准确率 {:.3}（ECE {:.3}）；它的点落在对角线{zh_side}。",
                    mlp.mean_confidence, mlp.accuracy, mlp.ece,
                ),
            ),
            Some("metrics-beyond-accuracy"),
        );
        outcome.notice(
            bi(
                format!(
                    "Temperature scaling: T = {t:.2}, fitted on {n_val} validation rows, takes ECE from {:.3} to {:.3} and log loss from {:.3} to {:.3}; accuracy stays {:.3} → {:.3}, since dividing every logit by one T > 0 cannot change the argmax.",
                    mlp.ece, scaled.ece, mlp.log_loss, scaled.log_loss, mlp.accuracy, scaled.accuracy
                ),
                format!(
                    "温度缩放：在 {n_val} 个验证样本上拟合出 T = {t:.2}，ECE 从 {:.3} 降到 {:.3}，对数损失从 {:.3} 变为 {:.3}；准确率 {:.3} → {:.3} 不变，因为所有 logit 除以同一个正数 T 不会改变 argmax。",
                    mlp.ece, scaled.ece, mlp.log_loss, scaled.log_loss, mlp.accuracy, scaled.accuracy
                ),
            ),
            Some("metrics-beyond-accuracy"),
        );
        let eps = self.smoothing;
        if eps > 0.0 {
            let optimum = ((1.0 - eps + eps / k) / (eps / k)).ln();
            let (near_en, near_zh) = if (gap_smooth - optimum).abs() <= 0.1 * optimum {
                ("near", "接近")
            } else if gap_smooth < optimum {
                ("still short of", "尚未达到")
            } else {
                ("past", "已超过")
            };
            let (past_en, past_zh) = if gap_hard > optimum {
                (", past the smoothed optimum", "，已超过平滑后的最优值")
            } else {
                (
                    ", not yet trained long enough to pass it",
                    "，训练还不够久，尚未超过它",
                )
            };
            outcome.figure(
                "logit_gap_smoothing",
                bi(
                    "smoothed MLP: mean logit gap (training rows)",
                    "标签平滑 MLP：平均 logit 差距（训练样本）",
                ),
                gap_smooth,
                "",
            );
            outcome.figure(
                "logit_gap_optimum",
                bi(
                    "optimal gap log((1−ε+ε/K)/(ε/K))",
                    "最优差距 log((1−ε+ε/K)/(ε/K))",
                ),
                optimum,
                "",
            );
            outcome.figure(
                "logit_gap_hard",
                bi(
                    "hard-target MLP: mean logit gap",
                    "硬标签 MLP：平均 logit 差距",
                ),
                gap_hard,
                "",
            );
            outcome.notice(
                bi(
                    format!(
                        "Label smoothing ε = {eps}: on the training rows the true class's logit leads the others by {gap_smooth:.2} on average, {near_en} the optimum log((1 − ε + ε/K)/(ε/K)) = {optimum:.2} for K = {k}; with hard targets nothing stops the gap ({gap_hard:.2} here{past_en}). Test ECE {:.3} vs {:.3}, log loss {:.3} vs {:.3}.",
                        smooth.ece, mlp.ece, smooth.log_loss, mlp.log_loss
                    ),
                    format!(
                        "标签平滑 ε = {eps}：训练样本上真实类别的 logit 平均领先其他类别 {gap_smooth:.2}，{near_zh}最优值 log((1 − ε + ε/K)/(ε/K)) = {optimum:.2}（K = {k}）；用硬标签时没有什么能阻止这个差距增大（这里是 {gap_hard:.2}{past_zh}）。测试集 ECE {:.3} 对 {:.3}，对数损失 {:.3} 对 {:.3}。",
                        smooth.ece, mlp.ece, smooth.log_loss, mlp.log_loss
                    ),
                ),
                Some("loss-functions"),
            );
        }
        // The model whose ranking is best but whose probabilities are worst.
        let worst = s
            .iter()
            .max_by(|a, b| a.ece.total_cmp(&b.ece))
            .map(|m| (m.name.clone(), m.ece, m.auc_ovr, m.accuracy));
        if let Some((name, e, auc, acc)) = worst {
            outcome.notice(
                bi(
                    format!(
                        "AUC ranks, it does not calibrate: {name} has the worst ECE ({e:.3}) yet a one-vs-rest AUC of {auc:.3} at accuracy {acc:.3}. Brier and log loss, both proper scoring rules, see both sides."
                    ),
                    format!(
                        "AUC 只看排序，不看校准：{name} 的 ECE 最差（{e:.3}），但一对其余 AUC 仍有 {auc:.3}，准确率 {acc:.3}。Brier 分数和对数损失都是严格适当的评分规则，两方面都能反映。"
                    ),
                ),
                Some("metrics-beyond-accuracy"),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(given: &[(&str, &str)], dataset: Option<&str>) -> Result<LabOutcome, LabError> {
        crate::labs::testing::run_on(
            &crate::labs::testing::params::<Calibration>(given).unwrap(),
            dataset,
        )
    }

    #[test]
    fn temperature_scaling_and_smoothing_on_digits() {
        let o = run(&[("epochs", "30"), ("width", "64")], None).unwrap();
        let table = &o.tables[0];
        assert_eq!(table.rows.len(), 6);
        assert_eq!(o.tables[1].columns, ["model", "acc", "AUC ovr", "AUC ovo"]);
        let num = |r: usize, c: usize| match &table.rows[r][c] {
            Cell::Num(v) => *v,
            other => panic!("{other:?}"),
        };
        // Temperature scaling keeps the accuracy (T fitted on other rows
        // may move the test loss a little either way).
        assert_eq!(num(3, 1), num(5, 1));
        assert!(
            num(5, 2) <= num(3, 2) + 0.02,
            "{} vs {}",
            num(5, 2),
            num(3, 2)
        );
        let t = o.find_figure("temperature").unwrap();
        assert!(t > 0.2 && t < 5.0, "T = {t}");
        // Label smoothing holds the logit gap near its finite optimum; hard
        // targets push it further.
        let gap = o.find_figure("logit_gap_smoothing").unwrap();
        let optimum = o.find_figure("logit_gap_optimum").unwrap();
        assert!((optimum - 91f64.ln()).abs() < 1e-9);
        assert!((gap - optimum).abs() < 0.3 * optimum, "{gap} vs {optimum}");
        assert!(o.find_figure("logit_gap_hard").unwrap() > gap);
        let rel = o.charts.iter().find(|c| c.key == "reliability").unwrap();
        assert_eq!(rel.series.len(), 7);
        assert!(o.notices.len() >= 4);
    }

    #[test]
    fn bad_settings_get_clear_messages() {
        assert!(Calibration::SPEC
            .values(&[("label_smoothing".into(), "1".into())])
            .is_err());
        let e = run(&[], Some("no-such-file.csv")).unwrap_err();
        assert!(e.to_string().contains("not a bundled dataset"), "{e}");
    }

    #[test]
    fn cancel_stops_the_lab() {
        let p = crate::labs::testing::params::<Calibration>(&[]).unwrap();
        assert_eq!(
            crate::labs::testing::run_cancelled(&p).unwrap_err(),
            LabError::Cancelled
        );
    }
}
