//! The `adversarial` lab: adversarial training with FGM and PGD, as the
//! adversarial-training note derives them. Three copies of one small MLP
//! start from the same weights: one trained normally, one with FGM (each
//! step trains on the clean batch and on the batch pushed by
//! r = ε·g/‖g‖₂), one with PGD (K projected ascent steps of size α inside
//! the ε-ball, then the clean gradients plus the last adversarial ones).
//! Every epoch each net is scored on the clean test rows and on the same
//! rows attacked by a 10-step PGD of size ε (white box: the attack uses the
//! net's own gradients). At the end: accuracy against the attack size, a
//! table of clean / FGM-attacked / PGD-attacked accuracy and the time per
//! epoch (FGM costs two forward–backward passes, PGD K + 1), and on digits
//! one test digit, the perturbation and the perturbed digit.
//!
//! The perturbation is on the input rows (pixels, or standardised
//! features), L2-normalised per row; the note's NLP form perturbs the word
//! embeddings instead, with the same formulas.

use std::time::Instant;

use ndarray::{Axis, Ix2};

use super::nndata::{self, Split};
use super::{bi, Cell, Heatmap, LabContext, LabError, LabOutcome, RunLab, Table};
use crate::algos::algorithm::{
    float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues, Task,
};
use crate::nn::{self, Activation, Graph, Layer, MlpSpec, NnError, ParamStore, Tensor, WeightInit};

pub const EPSILON: ParamSpec = float(
    "epsilon",
    0.0,
    100.0,
    true,
    "0.5",
    "L2 radius ε of the perturbation of one input row, in training and in the attack",
);
pub const PGD_STEPS: ParamSpec = int(
    "pgd_steps",
    1,
    20,
    "3",
    "K, the ascent steps of PGD training (each of size α = 2.5·ε/K, projected onto the ε-ball)",
);
pub const EPOCHS: ParamSpec = int("epochs", 1, 200, "15", "passes over the training rows");
pub const WIDTH: ParamSpec = int("width", 1, 512, "64", "units of the one hidden layer");
pub const LEARNING_RATE: ParamSpec = float(
    "learning_rate",
    0.0,
    1.0,
    true,
    "0.002",
    "Adam step size (all three nets)",
);
pub const BATCH_SIZE: ParamSpec = int("batch_size", 1, 100_000, "32", "rows per mini-batch");

/// Bundled tables the lab takes.
const DATASETS: &[&str] = &["digits", "breast_cancer", "wine", "iris"];

/// Ascent steps of the attack that scores every net (stronger than the
/// training PGD, so the robust accuracy is not flattered).
const ATTACK_STEPS: usize = 10;

/// The attack sizes of the final chart, as multiples of ε.
const EPS_GRID: &[f64] = &[0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0];

pub struct Adversarial;

#[derive(Debug, Clone, PartialEq)]
pub struct AdversarialParams {
    pub epsilon: f64,
    pub pgd_steps: usize,
    pub epochs: usize,
    pub width: usize,
    pub learning_rate: f64,
    pub batch_size: usize,
}

impl Algorithm for Adversarial {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "adversarial",
        title: "Adversarial training: FGM and PGD (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "input gradients from the own neural engine's tape; three nets trained side by side",
        topics: &["adversarial-training"],
        params: &[EPSILON, PGD_STEPS, EPOCHS, WIDTH, LEARNING_RATE, BATCH_SIZE],
    };
    type Params = AdversarialParams;

    fn params(v: &ParamValues) -> Result<AdversarialParams, ParamError> {
        Ok(AdversarialParams {
            epsilon: v.float(&EPSILON)?,
            pgd_steps: v.usize(&PGD_STEPS)?,
            epochs: v.usize(&EPOCHS)?,
            width: v.usize(&WIDTH)?,
            learning_rate: v.float(&LEARNING_RATE)?,
            batch_size: v.usize(&BATCH_SIZE)?,
        })
    }
}

/// How a net is trained.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Method {
    Standard,
    Fgm,
    Pgd,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Standard => "standard",
            Method::Fgm => "FGM",
            Method::Pgd => "PGD",
        }
    }

    fn name_zh(self) -> &'static str {
        match self {
            Method::Standard => "正常训练",
            Method::Fgm => "FGM 对抗训练",
            Method::Pgd => "PGD 对抗训练",
        }
    }
}

const METHODS: [Method; 3] = [Method::Standard, Method::Fgm, Method::Pgd];

/// One of the three nets with its own weights and optimiser.
struct Net {
    method: Method,
    model: nn::Sequential,
    ps: ParamStore,
    opt: Box<dyn nn::Optimizer>,
    ms: Vec<f64>,
}

/// The loss of `model` on `x` (rows) and the gradient of that loss with
/// respect to each input row. The parameters' gradients are added to `ps`
/// as in any backward pass; callers zero them when they only want the input
/// gradient.
fn loss_and_input_grad(
    model: &dyn Layer,
    ps: &mut ParamStore,
    g: &mut Graph,
    x: &Tensor,
    y: &[usize],
) -> Result<(f64, Tensor), LabError> {
    g.reset();
    let xv = g.input(x.clone());
    let logits = model.forward(g, ps, xv)?;
    let loss = g.cross_entropy(logits, y, 0.0)?;
    let l = g.value(loss)?.iter().next().copied().unwrap_or(f32::NAN) as f64;
    g.backward(loss, ps)?;
    let grad = g
        .grad(xv)
        .cloned()
        .ok_or_else(|| LabError::Nn(NnError::Data("no gradient reached the input".into())))?;
    Ok((l, grad))
}

/// Each row of `g` scaled to length `size` (rows with no gradient stay 0).
fn unit_rows(g: &Tensor, size: f64) -> Result<Tensor, LabError> {
    let mut out = g
        .clone()
        .into_dimensionality::<Ix2>()
        .map_err(|e| LabError::Nn(NnError::Data(format!("input gradient: {e}"))))?;
    for mut row in out.rows_mut() {
        let norm = row.iter().map(|v| (*v as f64).powi(2)).sum::<f64>().sqrt();
        let f = if norm > 1e-12 { size / norm } else { 0.0 };
        row.mapv_inplace(|v| (v as f64 * f) as f32);
    }
    Ok(out.into_dyn())
}

/// Rows of `r` longer than `eps` rescaled to length `eps` (projection onto
/// the L2 ball).
fn project(r: &mut Tensor, eps: f64) {
    for mut row in r.axis_iter_mut(Axis(0)) {
        let norm = row.iter().map(|v| (*v as f64).powi(2)).sum::<f64>().sqrt();
        if norm > eps && norm > 0.0 {
            let f = eps / norm;
            row.mapv_inplace(|v| (v as f64 * f) as f32);
        }
    }
}

/// The PGD perturbation of `x` after `steps` ascent steps of size `alpha`
/// inside the `eps`-ball (one step of size `eps` is FGM). The parameters'
/// gradients are left zeroed.
#[allow(clippy::too_many_arguments)]
fn pgd(
    model: &dyn Layer,
    ps: &mut ParamStore,
    g: &mut Graph,
    x: &Tensor,
    y: &[usize],
    eps: f64,
    steps: usize,
    alpha: f64,
) -> Result<Tensor, LabError> {
    let mut r = Tensor::zeros(x.raw_dim());
    for _ in 0..steps {
        let (_, grad) = loss_and_input_grad(model, ps, g, &(x + &r), y)?;
        ps.zero_grad();
        r = r + unit_rows(&grad, alpha)?;
        project(&mut r, eps);
    }
    Ok(r)
}

/// Share of rows of `x` that `model` classifies right.
fn accuracy(
    model: &dyn Layer,
    ps: &mut ParamStore,
    x: &Tensor,
    y: &[usize],
) -> Result<f64, LabError> {
    let pred = nn::predict(model, ps, x)?;
    let hits = pred.iter().zip(y).filter(|(p, t)| p == t).count();
    Ok(hits as f64 / y.len().max(1) as f64)
}

/// Accuracy on `x` attacked by PGD of size `eps` (ATTACK_STEPS steps), or by
/// FGM when `fgm` is set.
fn attacked_accuracy(
    model: &dyn Layer,
    ps: &mut ParamStore,
    x: &Tensor,
    y: &[usize],
    eps: f64,
    fgm: bool,
) -> Result<f64, LabError> {
    if eps <= 0.0 {
        return accuracy(model, ps, x, y);
    }
    let mut g = Graph::new(0);
    g.train = false;
    let r = if fgm {
        pgd(model, ps, &mut g, x, y, eps, 1, eps)?
    } else {
        pgd(
            model,
            ps,
            &mut g,
            x,
            y,
            eps,
            ATTACK_STEPS,
            2.5 * eps / ATTACK_STEPS as f64,
        )?
    };
    accuracy(model, ps, &(x + &r), y)
}

/// The gradients of every parameter (to put back after the PGD steps).
fn grads(ps: &ParamStore) -> Result<Vec<(nn::ParamId, Tensor)>, LabError> {
    ps.ids()
        .map(|id| Ok((id, ps.grad(id)?.clone())))
        .collect::<Result<_, NnError>>()
        .map_err(LabError::Nn)
}

impl AdversarialParams {
    /// One epoch of `net`'s training method; returns the mean clean loss.
    fn train_epoch(
        &self,
        net: &mut Net,
        data: &Split,
        rng: &mut impl rand::Rng,
        epoch: usize,
        ctx: &LabContext<'_>,
    ) -> Result<f64, LabError> {
        let mut g = Graph::new(0);
        g.train = true;
        let rows = data.y_train.len();
        let eps = self.epsilon;
        let k = self.pgd_steps.max(1);
        let alpha = 2.5 * eps / k as f64;
        let mut loss_sum = 0.0;
        for idx in nndata::batches(rows, self.batch_size, rng) {
            let xb = data.x_train.select(Axis(0), &idx);
            let yb: Vec<usize> = idx.iter().map(|&i| data.y_train[i]).collect();
            net.ps.zero_grad();
            // The clean pass: its parameter gradients stay in the store.
            let (l, grad) = loss_and_input_grad(&net.model, &mut net.ps, &mut g, &xb, &yb)?;
            nndata::check_loss(net.method.name(), epoch, l)?;
            loss_sum += l * idx.len() as f64;
            let r = match net.method {
                Method::Standard => None,
                // r = ε g / ‖g‖ from the clean pass's input gradient.
                Method::Fgm => Some(unit_rows(&grad, eps)?),
                Method::Pgd => {
                    // Back up the clean gradients; the K − 1 further ascent
                    // steps (the first reuses the clean gradient) must not
                    // add theirs.
                    let clean = grads(&net.ps)?;
                    let mut r = unit_rows(&grad, alpha)?;
                    project(&mut r, eps);
                    for _ in 1..k {
                        let (_, gr) =
                            loss_and_input_grad(&net.model, &mut net.ps, &mut g, &(&xb + &r), &yb)?;
                        r = r + unit_rows(&gr, alpha)?;
                        project(&mut r, eps);
                    }
                    for (id, t) in clean {
                        net.ps.param_mut(id)?.grad = t;
                    }
                    Some(r)
                }
            };
            if let Some(r) = r {
                // The adversarial pass adds its gradients to the clean ones:
                // the step follows L(x) + L(x + r).
                let (la, _) =
                    loss_and_input_grad(&net.model, &mut net.ps, &mut g, &(&xb + &r), &yb)?;
                nndata::check_loss(net.method.name(), epoch, la)?;
            }
            net.opt.step(&mut net.ps)?;
            ctx.check()?;
        }
        Ok(loss_sum / rows.max(1) as f64)
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", 100.0 * v)
}

impl RunLab for AdversarialParams {
    fn datasets(&self) -> &'static [&'static str] {
        DATASETS
    }

    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        let name = ctx.dataset.unwrap_or(DATASETS[0]);
        let data = nndata::load_split(name, None, ctx.seed)?;
        nndata::check_learning_rate(self.learning_rate)?;
        nndata::check_batch(self.batch_size, data.y_train.len())?;
        nndata::check_epochs(self.epochs)?;
        if !(self.epsilon.is_finite() && self.epsilon > 0.0) {
            return Err(LabError::setup(format!(
                "epsilon must be a positive number, got {}",
                self.epsilon
            )));
        }
        let spec = MlpSpec {
            hidden: vec![self.width],
            activation: Activation::Relu,
            init: WeightInit::GlorotUniform,
            dropout: 0.0,
        };
        // Same seed for every store: the three nets start from the same weights.
        let mut nets = Vec::new();
        for method in METHODS {
            let mut ps = ParamStore::new(ctx.seed);
            let model = nn::mlp(&mut ps, data.n_features, data.n_classes, &spec)?;
            let opt = nndata::optimizer("adam", self.learning_rate)?;
            nets.push(Net {
                method,
                model,
                ps,
                opt,
                ms: Vec::new(),
            });
        }
        let eps = self.epsilon;
        let norms: Vec<f64> = data
            .x_test
            .axis_iter(Axis(0))
            .map(|r| r.iter().map(|v| (*v as f64).powi(2)).sum::<f64>().sqrt())
            .collect();
        let median_norm = super::classify::median(&norms);
        let mut outcome = LabOutcome {
            total: self.epochs,
            dataset: format!(
                "{} ({} train / {} test rows; median input length {:.2}, ε = {eps})",
                data.dataset,
                data.y_train.len(),
                data.y_test.len(),
                median_norm
            ),
            ..Default::default()
        };
        let mut rngs: Vec<_> = (0..3).map(|_| crate::rng::rng(ctx.seed ^ 0xad5)).collect();
        for epoch in 1..=self.epochs {
            for (net, rng) in nets.iter_mut().zip(rngs.iter_mut()) {
                let t0 = Instant::now();
                let loss = self.train_epoch(net, &data, rng, epoch, ctx)?;
                net.ms.push(t0.elapsed().as_secs_f64() * 1e3);
                let clean = accuracy(&net.model, &mut net.ps, &data.x_test, &data.y_test)?;
                let robust = attacked_accuracy(
                    &net.model,
                    &mut net.ps,
                    &data.x_test,
                    &data.y_test,
                    eps,
                    false,
                )?;
                let m = net.method.name();
                outcome
                    .chart_mut(
                        "loss",
                        bi("training loss (clean rows)", "训练损失（干净样本）"),
                        "epoch",
                        "loss",
                    )
                    .push(m, epoch as f64, loss);
                outcome
                    .chart_mut(
                        "clean",
                        bi("test accuracy, clean rows", "测试准确率（干净样本）"),
                        "epoch",
                        "accuracy",
                    )
                    .push(m, epoch as f64, clean);
                outcome
                    .chart_mut(
                        "robust",
                        bi(
                            format!(
                                "test accuracy under a {ATTACK_STEPS}-step PGD attack, ε = {eps}"
                            ),
                            format!("{ATTACK_STEPS} 步 PGD 攻击下的测试准确率，ε = {eps}"),
                        ),
                        "epoch",
                        "accuracy",
                    )
                    .push(m, epoch as f64, robust);
            }
            outcome.done = epoch;
            ctx.update(&outcome)?;
        }
        self.finish(&mut outcome, &mut nets, &data, median_norm)?;
        Ok(outcome)
    }
}

impl AdversarialParams {
    fn finish(
        &self,
        outcome: &mut LabOutcome,
        nets: &mut [Net],
        data: &Split,
        median_norm: f64,
    ) -> Result<(), LabError> {
        let eps = self.epsilon;
        let (x, y) = (&data.x_test, &data.y_test);
        let mut rows = Vec::new();
        // [clean, fgm, pgd] accuracy and median ms per epoch, per net.
        let mut res = Vec::new();
        for net in nets.iter_mut() {
            let clean = accuracy(&net.model, &mut net.ps, x, y)?;
            let fgm = attacked_accuracy(&net.model, &mut net.ps, x, y, eps, true)?;
            // Accuracy against the attack size; the grid holds ε itself (f = 1).
            let mut grid = Vec::with_capacity(EPS_GRID.len());
            for &f in EPS_GRID {
                grid.push(attacked_accuracy(
                    &net.model,
                    &mut net.ps,
                    x,
                    y,
                    f * eps,
                    false,
                )?);
            }
            let pgd_acc = EPS_GRID
                .iter()
                .position(|&f| f == 1.0)
                .map_or(f64::NAN, |i| grid[i]);
            let ms = super::classify::median(&net.ms);
            let m = net.method.name();
            for (&f, &a) in EPS_GRID.iter().zip(&grid) {
                outcome
                    .chart_mut(
                        "attack_size",
                        bi(
                            format!("test accuracy against the PGD attack's size ({ATTACK_STEPS} steps)"),
                            format!("测试准确率随 PGD 攻击半径的变化（{ATTACK_STEPS} 步）"),
                        ),
                        "ε",
                        "accuracy",
                    )
                    .push(m, f * eps, a);
            }
            // Four key numbers; the table holds the rest.
            let key = m.to_lowercase();
            if net.method == Method::Standard {
                outcome.figure(
                    "clean_accuracy_standard",
                    bi("standard: clean test accuracy", "正常训练：干净测试准确率"),
                    clean,
                    "",
                );
            }
            outcome.figure(
                &format!("pgd_accuracy_{key}"),
                bi(
                    format!("{m}: accuracy under PGD, ε = {eps}"),
                    format!("{}：PGD 攻击下准确率，ε = {eps}", net.method.name_zh()),
                ),
                pgd_acc,
                "",
            );
            rows.push(vec![
                Cell::from(m),
                Cell::from(clean),
                Cell::from(fgm),
                Cell::from(pgd_acc),
                Cell::from(ms),
            ]);
            res.push((clean, fgm, pgd_acc, ms));
        }
        outcome.tables.push(Table {
            key: "summary".into(),
            title: bi(
                format!(
                    "accuracy on the {} test rows, attack size ε = {eps}",
                    y.len()
                ),
                format!("{} 个测试样本上的准确率，攻击半径 ε = {eps}", y.len()),
            ),
            columns: ["training", "clean", "FGM attack", "PGD attack", "ms/epoch"]
                .map(String::from)
                .to_vec(),
            rows,
        });
        let (s_clean, _, s_pgd, s_ms) = res[0];
        let (f_clean, f_fgm, f_pgd, f_ms) = res[1];
        let (p_clean, _, p_pgd, p_ms) = res[2];
        let rel = 100.0 * eps / median_norm.max(1e-12);
        outcome.notice(
            bi(
                format!(
                    "Trained normally, the net gets {} of the clean test rows right but only {} after a {ATTACK_STEPS}-step PGD attack of L2 size ε = {eps}, {rel:.0}% of a typical input's length.",
                    pct(s_clean), pct(s_pgd)
                ),
                format!(
                    "正常训练的网络在干净测试样本上准确率为 {}，但经过 L2 半径 ε = {eps}（约为典型输入长度的 {rel:.0}%）的 {ATTACK_STEPS} 步 PGD 攻击后只剩 {}。",
                    pct(s_clean), pct(s_pgd)
                ),
            ),
            Some("adversarial-training"),
        );
        let best = if p_pgd >= f_pgd {
            ("PGD", p_pgd)
        } else {
            ("FGM", f_pgd)
        };
        let (en_verb, zh_verb) = if best.1 > s_pgd + 0.02 {
            ("raises", "提高到")
        } else {
            ("hardly changes", "几乎没有改变")
        };
        outcome.notice(
            bi(
                format!(
                    "Adversarial training {en_verb} the accuracy under that attack: FGM {}, PGD {} (standard {}). Clean accuracy: FGM {}, PGD {} against {} — {}.",
                    pct(f_pgd), pct(p_pgd), pct(s_pgd), pct(f_clean), pct(p_clean), pct(s_clean),
                    if p_clean.min(f_clean) < s_clean - 0.005 {
                        "robustness was paid for with some clean accuracy"
                    } else {
                        "here it cost no clean accuracy (the regularising effect the note describes)"
                    }
                ),
                format!(
                    "对抗训练把该攻击下的准确率{zh_verb}：FGM {}，PGD {}（正常训练 {}）。干净准确率：FGM {}，PGD {}，正常训练 {}——{}。",
                    pct(f_pgd), pct(p_pgd), pct(s_pgd), pct(f_clean), pct(p_clean), pct(s_clean),
                    if p_clean.min(f_clean) < s_clean - 0.005 {
                        "鲁棒性是用一部分干净准确率换来的"
                    } else {
                        "这里没有损失干净准确率（即笔记所说的正则化作用）"
                    }
                ),
            ),
            Some("adversarial-training"),
        );
        let k = self.pgd_steps;
        outcome.notice(
            bi(
                format!(
                    "Cost per epoch, measured: FGM {:.1}x and PGD (K = {k}) {:.1}x the standard training — two and K + 1 = {} forward–backward passes per batch.",
                    f_ms / s_ms.max(1e-9), p_ms / s_ms.max(1e-9), k + 1
                ),
                format!(
                    "实测每轮耗时：FGM 是正常训练的 {:.1} 倍，PGD（K = {k}）是 {:.1} 倍——每个批次分别要做 2 次和 K + 1 = {} 次前向-反向传播。",
                    f_ms / s_ms.max(1e-9), p_ms / s_ms.max(1e-9), k + 1
                ),
            ),
            Some("adversarial-training"),
        );
        if f_fgm > f_pgd + 0.02 {
            outcome.notice(
                bi(
                    format!(
                        "The FGM-trained net resists the one-step FGM attack better ({}) than the {ATTACK_STEPS}-step PGD attack ({}): one linearised step underestimates the worst case inside the ball.",
                        pct(f_fgm), pct(f_pgd)
                    ),
                    format!(
                        "FGM 训练的网络抵御单步 FGM 攻击（{}）强于抵御 {ATTACK_STEPS} 步 PGD 攻击（{}）：一步线性化低估了球内最坏的扰动。",
                        pct(f_fgm), pct(f_pgd)
                    ),
                ),
                Some("adversarial-training"),
            );
        }
        if data.dataset == "digits" && data.n_features == 64 {
            self.digit_pictures(outcome, &mut nets[0], data)?;
        }
        Ok(())
    }

    /// The first test digit the standard net gets right and the attack
    /// flips: the digit, the perturbation and the perturbed digit.
    fn digit_pictures(
        &self,
        outcome: &mut LabOutcome,
        net: &mut Net,
        data: &Split,
    ) -> Result<(), LabError> {
        let eps = self.epsilon;
        let mut g = Graph::new(0);
        g.train = false;
        let x = &data.x_test;
        let r = pgd(
            &net.model,
            &mut net.ps,
            &mut g,
            x,
            &data.y_test,
            eps,
            ATTACK_STEPS,
            2.5 * eps / ATTACK_STEPS as f64,
        )?;
        let xr = x + &r;
        let before = nn::predict(&net.model, &mut net.ps, x)?;
        let after = nn::predict(&net.model, &mut net.ps, &xr)?;
        let Some(i) = (0..data.y_test.len())
            .find(|&i| before[i] == data.y_test[i] && after[i] != data.y_test[i])
        else {
            return Ok(());
        };
        let share = 100.0 * eps
            / x.index_axis(Axis(0), i)
                .iter()
                .map(|v| (*v as f64).powi(2))
                .sum::<f64>()
                .sqrt()
                .max(1e-12);
        let row = |t: &Tensor| -> Vec<f64> {
            t.index_axis(Axis(0), i).iter().map(|v| *v as f64).collect()
        };
        let pics = [
            (
                "digit",
                bi(
                    format!("test digit, predicted {}", before[i]),
                    format!("测试数字，预测为 {}", before[i]),
                ),
                row(x),
            ),
            (
                "perturbation",
                bi(
                    format!("perturbation r, ‖r‖ = {eps}"),
                    format!("扰动 r，‖r‖ = {eps}"),
                ),
                row(&r),
            ),
            (
                "perturbed",
                bi(
                    format!("digit + r, predicted {}", after[i]),
                    format!("数字 + r，预测为 {}", after[i]),
                ),
                row(&xr),
            ),
        ];
        for (key, title, values) in pics {
            outcome.heatmaps.push(Heatmap {
                key: key.into(),
                title,
                rows: 8,
                cols: 8,
                values,
                row_labels: Vec::new(),
                col_labels: Vec::new(),
                group: "PGD attack on the standard net".into(),
            });
        }
        outcome.notice(
            bi(
                format!(
                    "The pictures: a {} that the standard net reads correctly becomes a {} after adding r, a change of {share:.0}% of this digit's length spread over all 64 pixels; the stroke is still plain to see.",
                    data.y_test[i], after[i]
                ),
                format!(
                    "图中：标准网络原本能正确识别的数字 {}，加上扰动 r 后被识别成 {}。这个扰动只有该数字长度的 {share:.0}%，分散在全部 64 个像素上，笔画依然清晰可辨。",
                    data.y_test[i], after[i]
                ),
            ),
            Some("adversarial-training"),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Sequential;

    fn run(given: &[(&str, &str)], dataset: Option<&str>) -> Result<LabOutcome, LabError> {
        crate::labs::testing::run_on(
            &crate::labs::testing::params::<Adversarial>(given).unwrap(),
            dataset,
        )
    }

    /// A tiny net and a batch for the attack checks.
    fn tiny() -> (Sequential, ParamStore, Tensor, Vec<usize>) {
        let mut ps = ParamStore::new(3);
        let spec = MlpSpec {
            hidden: vec![5],
            activation: Activation::Tanh,
            init: WeightInit::GlorotUniform,
            dropout: 0.0,
        };
        let model = nn::mlp(&mut ps, 4, 3, &spec).unwrap();
        let x = Tensor::from_shape_vec(
            vec![3, 4],
            vec![
                0.5, -1.0, 0.3, 0.8, -0.2, 0.4, 1.1, -0.7, 0.9, 0.1, -0.5, 0.2,
            ],
        )
        .unwrap();
        (model, ps, x, vec![0, 2, 1])
    }

    #[test]
    fn the_input_gradient_matches_finite_differences() {
        let (model, mut ps, x, y) = tiny();
        let mut g = Graph::new(0);
        let (l0, grad) = loss_and_input_grad(&model, &mut ps, &mut g, &x, &y).unwrap();
        let h = 1e-2f32;
        for (i, j) in [(0, 0), (1, 2), (2, 3)] {
            let mut xp = x.clone();
            xp[[i, j]] += h;
            let mut xm = x.clone();
            xm[[i, j]] -= h;
            let lp = loss_and_input_grad(&model, &mut ps, &mut g, &xp, &y)
                .unwrap()
                .0;
            let lm = loss_and_input_grad(&model, &mut ps, &mut g, &xm, &y)
                .unwrap()
                .0;
            let fd = (lp - lm) / (2.0 * h as f64);
            let an = grad[[i, j]] as f64;
            assert!(
                (fd - an).abs() < 2e-3 * (1.0 + an.abs()),
                "{fd} vs {an} (loss {l0})"
            );
        }
    }

    #[test]
    fn fgm_is_the_gradient_direction_and_pgd_stays_in_the_ball_and_hurts_more() {
        let (model, mut ps, x, y) = tiny();
        let mut g = Graph::new(0);
        let (l0, grad) = loss_and_input_grad(&model, &mut ps, &mut g, &x, &y).unwrap();
        let eps = 0.5;
        let r_fgm = pgd(&model, &mut ps, &mut g, &x, &y, eps, 1, eps).unwrap();
        for i in 0..3 {
            let r = r_fgm.index_axis(Axis(0), i);
            let gr = grad.index_axis(Axis(0), i);
            let norm = r.iter().map(|v| (*v as f64).powi(2)).sum::<f64>().sqrt();
            assert!((norm - eps).abs() < 1e-5, "‖r‖ = {norm}");
            let gn = gr.iter().map(|v| (*v as f64).powi(2)).sum::<f64>().sqrt();
            let cos: f64 = r
                .iter()
                .zip(gr.iter())
                .map(|(a, b)| *a as f64 * *b as f64)
                .sum::<f64>()
                / (norm * gn);
            assert!(cos > 0.9999, "cos {cos}");
        }
        let l_fgm = loss_and_input_grad(&model, &mut ps, &mut g, &(&x + &r_fgm), &y)
            .unwrap()
            .0;
        let r_pgd = pgd(&model, &mut ps, &mut g, &x, &y, eps, 10, 2.5 * eps / 10.0).unwrap();
        for row in r_pgd.axis_iter(Axis(0)) {
            let norm = row.iter().map(|v| (*v as f64).powi(2)).sum::<f64>().sqrt();
            assert!(norm <= eps + 1e-5, "left the ball: {norm}");
        }
        let l_pgd = loss_and_input_grad(&model, &mut ps, &mut g, &(&x + &r_pgd), &y)
            .unwrap()
            .0;
        assert!(l_fgm > l0, "FGM raises the loss: {l0} -> {l_fgm}");
        assert!(
            l_pgd >= l_fgm - 1e-6,
            "PGD at least as strong: {l_fgm} vs {l_pgd}"
        );
    }

    #[test]
    fn adversarial_training_resists_the_attack_on_digits() {
        let o = run(&[("epochs", "4"), ("width", "32"), ("epsilon", "1")], None).unwrap();
        let s = o.find_figure("pgd_accuracy_standard").unwrap();
        let p = o.find_figure("pgd_accuracy_pgd").unwrap();
        let f = o.find_figure("pgd_accuracy_fgm").unwrap();
        let clean = o.find_figure("clean_accuracy_standard").unwrap();
        assert!(clean > 0.85, "{clean}");
        assert!(
            s < clean - 0.2,
            "the attack hurts the standard net: {clean} -> {s}"
        );
        assert!(p > s + 0.1 && f > s + 0.1, "standard {s}, FGM {f}, PGD {p}");
        let chart = o.charts.iter().find(|c| c.key == "attack_size").unwrap();
        assert_eq!(chart.series.len(), 3);
        assert!(chart
            .series
            .iter()
            .all(|s| s.points.len() == EPS_GRID.len()));
        assert_eq!(o.tables[0].rows.len(), 3);
        assert_eq!(o.heatmaps.len(), 3);
        assert!(o.notices.len() >= 4);
    }

    #[test]
    fn bad_settings_get_clear_messages() {
        let e = run(&[("batch_size", "5000")], Some("iris")).unwrap_err();
        assert!(
            e.to_string().contains("larger than the 112 training rows"),
            "{e}"
        );
        assert!(Adversarial::SPEC
            .values(&[("epsilon".into(), "0".into())])
            .is_err());
        let e = run(&[], Some("no-such-file.csv")).unwrap_err();
        assert!(e.to_string().contains("not a bundled dataset"), "{e}");
    }

    #[test]
    fn cancel_stops_the_lab() {
        let p = crate::labs::testing::params::<Adversarial>(&[]).unwrap();
        assert_eq!(
            crate::labs::testing::run_cancelled(&p).unwrap_err(),
            LabError::Cancelled
        );
    }
}
