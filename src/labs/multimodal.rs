//! The `multimodal` lab: two "modalities" cut from one bundled set: the
//! left and the right half of each 8×8 digit (32 pixels each). Neither half
//! alone shows the whole digit, so how the two are combined matters:
//!
//! - **early fusion**: the two inputs concatenated, one network;
//! - **late fusion**: one network per half, their class probabilities
//!   averaged;
//! - **tensor fusion** (Zadeh et al. 2017): each half mapped to a small
//!   vector with a 1 appended, the outer product of the two (every
//!   cross-modal product, plus each modality alone) fed to a linear layer.
//!
//! Then a CLIP-style two-tower model: one encoder per half, trained with the
//! symmetric contrastive loss ([`crate::nn::contrastive::clip_loss`]) so
//! that the two halves of the same digit get similar vectors; retrieval of
//! the matching half among all test images, recall@1 and @5 both ways.

use std::time::Instant;

use ndarray::{Array2, Axis};
use rand::seq::SliceRandom;

use super::classify::load_split;
use super::graphs::argmax;
use super::{bi, Cell, Heatmap, LabContext, LabError, LabOutcome, RunLab, Table};
use crate::algos::algorithm::{
    float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues, Task,
};
use crate::nn::contrastive::{clip_loss, cosine_logits};
use crate::nn::{Adam, Graph, Layer, Linear, Optimizer, ParamStore, Tensor, Var, WeightInit};

pub const EPOCHS: ParamSpec = int(
    "epochs",
    1,
    500,
    "30",
    "passes over the training images (every model)",
);
pub const HIDDEN: ParamSpec = int("hidden", 4, 256, "32", "hidden units of each network");
pub const TEMPERATURE: ParamSpec = float(
    "temperature",
    0.0,
    10.0,
    true,
    "0.1",
    "τ of the two-tower contrastive loss",
);
pub const LEARNING_RATE: ParamSpec =
    float("learning_rate", 0.0, 1.0, true, "0.003", "Adam step size");

pub struct Multimodal;

#[derive(Debug, Clone, PartialEq)]
pub struct MultimodalParams {
    pub epochs: usize,
    pub hidden: usize,
    pub temperature: f64,
    pub learning_rate: f64,
    /// Training images used (tests); `None`: all.
    pub limit: Option<usize>,
}

impl Algorithm for Multimodal {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "multimodal",
        title: "Multimodal fusion and cross-modal retrieval on digit halves (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "early, late and tensor fusion and a CLIP-style two-tower model on the own neural engine",
        topics: &[
            "multimodal",
            "multimodal-fusion",
            "multimodal-representation",
            "cross-modal-retrieval",
        ],
        params: &[EPOCHS, HIDDEN, TEMPERATURE, LEARNING_RATE],
    };
    type Params = MultimodalParams;
    fn params(v: &ParamValues) -> Result<MultimodalParams, ParamError> {
        Ok(MultimodalParams {
            epochs: v.usize(&EPOCHS)?,
            hidden: v.usize(&HIDDEN)?,
            temperature: v.float(&TEMPERATURE)?,
            learning_rate: v.float(&LEARNING_RATE)?,
            limit: None,
        })
    }
}

const HALF: usize = 32;
const BATCH: usize = 64;
/// Size of each modality's vector before the outer product (plus the 1).
const TENSOR_DIM: usize = 8;
const EMBED: usize = 16;

/// The left and right halves (columns 0–3 and 4–7) of each 8×8 image row.
pub fn halves(x: &Tensor) -> (Tensor, Tensor) {
    let n = x.shape()[0];
    let mut l = Tensor::zeros(ndarray::IxDyn(&[n, HALF]));
    let mut r = Tensor::zeros(ndarray::IxDyn(&[n, HALF]));
    for i in 0..n {
        for row in 0..8 {
            for c in 0..4 {
                l[[i, row * 4 + c]] = x[[i, row * 8 + c]];
                r[[i, row * 4 + c]] = x[[i, row * 8 + 4 + c]];
            }
        }
    }
    (l, r)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Left,
    Right,
    Early,
    Tensor,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Left => "left half only",
            Kind::Right => "right half only",
            Kind::Early => "early fusion",
            Kind::Tensor => "tensor fusion",
        }
    }
}

/// One classifier with its parameters and optimiser.
struct Model {
    kind: Kind,
    ps: ParamStore,
    opt: Adam,
    layers: Vec<Linear>,
}

impl Model {
    fn new(kind: Kind, hidden: usize, seed: u64, lr: f32) -> Result<Model, LabError> {
        let mut ps = ParamStore::new(seed);
        let he = WeightInit::HeNormal;
        let gl = WeightInit::GlorotUniform;
        let layers = match kind {
            Kind::Left | Kind::Right => vec![
                Linear::new(&mut ps, "fc1", HALF, hidden, he, true)?,
                Linear::new(&mut ps, "fc2", hidden, 10, gl, true)?,
            ],
            Kind::Early => vec![
                Linear::new(&mut ps, "fc1", 2 * HALF, hidden, he, true)?,
                Linear::new(&mut ps, "fc2", hidden, 10, gl, true)?,
            ],
            Kind::Tensor => vec![
                Linear::new(&mut ps, "left", HALF, TENSOR_DIM, he, true)?,
                Linear::new(&mut ps, "right", HALF, TENSOR_DIM, he, true)?,
                Linear::new(
                    &mut ps,
                    "fc",
                    (TENSOR_DIM + 1) * (TENSOR_DIM + 1),
                    10,
                    gl,
                    true,
                )?,
            ],
        };
        Ok(Model {
            kind,
            ps,
            opt: Adam::new(lr)?,
            layers,
        })
    }

    fn logits(&mut self, g: &mut Graph, l: &Tensor, r: &Tensor) -> Result<Var, LabError> {
        let n = l.shape()[0];
        let ps = &mut self.ps;
        let mlp = |g: &mut Graph,
                   ps: &mut ParamStore,
                   layers: &[Linear],
                   x: Var|
         -> Result<Var, LabError> {
            let h = layers[0].forward(g, ps, x)?;
            let h = g.relu(h)?;
            Ok(layers[1].forward(g, ps, h)?)
        };
        match self.kind {
            Kind::Left => {
                let x = g.constant(l.clone());
                mlp(g, ps, &self.layers, x)
            }
            Kind::Right => {
                let x = g.constant(r.clone());
                mlp(g, ps, &self.layers, x)
            }
            Kind::Early => {
                let a = g.constant(l.clone());
                let b = g.constant(r.clone());
                let x = g.concat(&[a, b], 1)?;
                mlp(g, ps, &self.layers, x)
            }
            Kind::Tensor => {
                let a = g.constant(l.clone());
                let b = g.constant(r.clone());
                let ha = self.layers[0].forward(g, ps, a)?;
                let ha = g.relu(ha)?;
                let hb = self.layers[1].forward(g, ps, b)?;
                let hb = g.relu(hb)?;
                let one = g.constant(Tensor::ones(ndarray::IxDyn(&[n, 1])));
                let ha = g.concat(&[ha, one], 1)?;
                let hb = g.concat(&[hb, one], 1)?;
                let d = TENSOR_DIM + 1;
                let ha = g.reshape(ha, &[n, d, 1])?;
                let hb = g.reshape(hb, &[n, 1, d])?;
                let outer = g.matmul(ha, hb)?;
                let flat = g.reshape(outer, &[n, d * d])?;
                Ok(self.layers[2].forward(g, ps, flat)?)
            }
        }
    }

    fn train_epoch(
        &mut self,
        g: &mut Graph,
        l: &Tensor,
        r: &Tensor,
        y: &[usize],
        order: &[usize],
    ) -> Result<f64, LabError> {
        let mut sum = 0.0;
        let mut nb = 0;
        for idx in order.chunks(BATCH) {
            let (bl, br) = (l.select(Axis(0), idx), r.select(Axis(0), idx));
            let by: Vec<usize> = idx.iter().map(|&i| y[i]).collect();
            g.reset();
            self.ps.zero_grad();
            let z = self.logits(g, &bl, &br)?;
            let loss = g.cross_entropy(z, &by, 0.0)?;
            let lv = f64::from(g.value(loss)?.iter().next().copied().unwrap_or(f32::NAN));
            g.backward(loss, &mut self.ps)?;
            self.opt.step(&mut self.ps)?;
            sum += lv;
            nb += 1;
        }
        Ok(sum / nb.max(1) as f64)
    }

    /// Class probabilities of every row.
    fn proba(&mut self, l: &Tensor, r: &Tensor) -> Result<Array2<f64>, LabError> {
        let mut g = Graph::new(0);
        let z = self.logits(&mut g, l, r)?;
        let p = g.softmax(z)?;
        let t = g.value(p)?;
        Ok(Array2::from_shape_fn(
            (t.shape()[0], t.shape()[1]),
            |(i, j)| f64::from(t[[i, j]]),
        ))
    }
}

fn accuracy(p: &Array2<f64>, y: &[usize]) -> f64 {
    let right = p
        .rows()
        .into_iter()
        .zip(y)
        .filter(|(r, &c)| argmax(r.iter().copied()) == c)
        .count();
    right as f64 / y.len().max(1) as f64
}

/// Recall@k of retrieval with similarity `s` (queries × candidates) where
/// query `i`'s match is candidate `i`.
pub fn recall_at(s: &Array2<f64>, k: usize) -> f64 {
    let n = s.nrows();
    let mut hit = 0;
    for i in 0..n {
        let own = s[[i, i]];
        // Rank = candidates scoring strictly higher (ties count in our favour
        // only against later candidates).
        let better = (0..s.ncols())
            .filter(|&j| j != i && (s[[i, j]] > own || (s[[i, j]] == own && j < i)))
            .count();
        if better < k {
            hit += 1;
        }
    }
    hit as f64 / n.max(1) as f64
}

/// The two towers.
struct Towers {
    ps: ParamStore,
    opt: Adam,
    layers: Vec<Linear>,
}

impl Towers {
    fn new(hidden: usize, seed: u64, lr: f32) -> Result<Towers, LabError> {
        let mut ps = ParamStore::new(seed);
        let he = WeightInit::HeNormal;
        let gl = WeightInit::GlorotUniform;
        let layers = vec![
            Linear::new(&mut ps, "left1", HALF, hidden, he, true)?,
            Linear::new(&mut ps, "left2", hidden, EMBED, gl, true)?,
            Linear::new(&mut ps, "right1", HALF, hidden, he, true)?,
            Linear::new(&mut ps, "right2", hidden, EMBED, gl, true)?,
        ];
        Ok(Towers {
            ps,
            opt: Adam::new(lr)?,
            layers,
        })
    }

    fn embed(&mut self, g: &mut Graph, l: &Tensor, r: &Tensor) -> Result<(Var, Var), LabError> {
        let mut tower = |g: &mut Graph, k: usize, x: &Tensor| -> Result<Var, LabError> {
            let x = g.constant(x.clone());
            let h = self.layers[k].forward(g, &mut self.ps, x)?;
            let h = g.relu(h)?;
            Ok(self.layers[k + 1].forward(g, &mut self.ps, h)?)
        };
        let a = tower(g, 0, l)?;
        let b = tower(g, 2, r)?;
        Ok((a, b))
    }

    /// Cosine similarities, left halves (rows) against right halves.
    fn similarity(&mut self, l: &Tensor, r: &Tensor) -> Result<Array2<f64>, LabError> {
        let mut g = Graph::new(0);
        let (a, b) = self.embed(&mut g, l, r)?;
        let s = cosine_logits(&mut g, a, b, 1.0)?;
        let t = g.value(s)?;
        Ok(Array2::from_shape_fn(
            (t.shape()[0], t.shape()[1]),
            |(i, j)| f64::from(t[[i, j]]),
        ))
    }
}

impl RunLab for MultimodalParams {
    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        let mut split = load_split("digits", ctx.seed, None)?;
        if let Some(n) = self.limit {
            let idx: Vec<usize> = (0..n.min(split.y_train.len())).collect();
            split.x_train = split.x_train.select(Axis(0), &idx);
            split.y_train.truncate(idx.len());
        }
        let (ltr, rtr) = halves(&split.x_train);
        let (lte, rte) = halves(&split.x_test);
        let (ytr, yte) = (&split.y_train, &split.y_test);
        let n = ytr.len();
        let lr = self.learning_rate as f32;
        let kinds = [Kind::Left, Kind::Right, Kind::Early, Kind::Tensor];
        let mut models: Vec<Model> = kinds
            .iter()
            .enumerate()
            .map(|(i, &k)| Model::new(k, self.hidden, ctx.seed.wrapping_add(i as u64 * 7919), lr))
            .collect::<Result<_, _>>()?;
        let mut towers = Towers::new(self.hidden, ctx.seed.wrapping_add(104_729), lr)?;
        let tau = self.temperature as f32;
        let mut o = LabOutcome {
            total: self.epochs,
            dataset: format!(
                "digits split into left and right halves (32 pixels each; {n} training / {} test images)",
                yte.len()
            ),
            ..LabOutcome::default()
        };
        let mut rng = crate::rng::rng(ctx.seed ^ 0x3333);
        let mut g = Graph::new(ctx.seed);
        let started = Instant::now();
        let mut accs = vec![0.0; 5];
        let mut recalls = (0.0, 0.0, 0.0, 0.0);
        let mut sim = Array2::<f64>::zeros((0, 0));
        for epoch in 1..=self.epochs {
            let mut order: Vec<usize> = (0..n).collect();
            order.shuffle(&mut rng);
            for m in &mut models {
                m.train_epoch(&mut g, &ltr, &rtr, ytr, &order)?;
                ctx.check()?;
            }
            let mut clip_sum = 0.0;
            let mut nb = 0;
            for idx in order.chunks(BATCH) {
                if idx.len() < 2 {
                    continue;
                }
                let (bl, br) = (ltr.select(Axis(0), idx), rtr.select(Axis(0), idx));
                g.reset();
                towers.ps.zero_grad();
                let (a, b) = towers.embed(&mut g, &bl, &br)?;
                let loss = clip_loss(&mut g, a, b, tau)?;
                let lv = f64::from(g.value(loss)?.iter().next().copied().unwrap_or(f32::NAN));
                super::nndata::check_loss("the two-tower model", epoch, lv)?;
                g.backward(loss, &mut towers.ps)?;
                towers.opt.step(&mut towers.ps)?;
                clip_sum += lv;
                nb += 1;
            }
            ctx.check()?;
            let probs: Vec<Array2<f64>> = models
                .iter_mut()
                .map(|m| m.proba(&lte, &rte))
                .collect::<Result<_, _>>()?;
            let late = (&probs[0] + &probs[1]) / 2.0;
            let x = epoch as f64;
            let c = o.chart_mut(
                "accuracy",
                bi("Test accuracy by fusion", "各融合方式的测试准确率"),
                "epoch",
                "accuracy",
            );
            for (i, m) in models.iter().enumerate() {
                accs[i] = accuracy(&probs[i], yte);
                c.push(m.kind.name(), x, accs[i]);
            }
            accs[4] = accuracy(&late, yte);
            c.push("late fusion", x, accs[4]);
            sim = towers.similarity(&lte, &rte)?;
            let st = sim.t().to_owned();
            recalls = (
                recall_at(&sim, 1),
                recall_at(&sim, 5),
                recall_at(&st, 1),
                recall_at(&st, 5),
            );
            o.chart_mut(
                "clip_loss",
                bi("Two-tower contrastive loss", "双塔对比损失"),
                "epoch",
                "loss",
            )
            .push("train", x, clip_sum / nb.max(1) as f64);
            let c = o.chart_mut(
                "recall",
                bi("Cross-modal retrieval recall@1", "跨模态检索 recall@1"),
                "epoch",
                "recall",
            );
            c.push("left → right", x, recalls.0);
            c.push("right → left", x, recalls.2);
            o.done = epoch;
            ctx.update(&o)?;
        }
        let ms = started.elapsed().as_secs_f64() * 1e3 / self.epochs as f64;
        let names = [
            "left_accuracy",
            "right_accuracy",
            "early_accuracy",
            "tensor_accuracy",
            "late_accuracy",
        ];
        let labels = [
            bi("left half only", "仅左半"),
            bi("right half only", "仅右半"),
            bi("early fusion", "早期融合"),
            bi("tensor fusion", "张量融合"),
            bi("late fusion", "晚期融合"),
        ];
        for ((k, l), a) in names.iter().zip(labels.iter()).zip(&accs) {
            o.figure(k, l.clone(), *a, "");
        }
        let m = yte.len();
        o.figure(
            "recall1_l2r",
            bi("recall@1 left → right", "recall@1 左→右"),
            recalls.0,
            "",
        );
        o.figure(
            "recall5_l2r",
            bi("recall@5 left → right", "recall@5 左→右"),
            recalls.1,
            "",
        );
        o.figure(
            "recall1_r2l",
            bi("recall@1 right → left", "recall@1 右→左"),
            recalls.2,
            "",
        );
        o.figure(
            "recall5_r2l",
            bi("recall@5 right → left", "recall@5 右→左"),
            recalls.3,
            "",
        );
        o.figure(
            "recall1_chance",
            bi(
                format!("recall@1 by chance (1/{m})"),
                format!("随机检索的 recall@1（1/{m}）"),
            ),
            1.0 / m as f64,
            "",
        );
        o.figure(
            "ms_per_epoch",
            bi(
                "training time per epoch (all models)",
                "每轮训练时间（全部模型）",
            ),
            ms,
            "ms",
        );
        let params: Vec<usize> = models.iter().map(|m| m.ps.n_trainable()).collect();
        let rows: Vec<Vec<Cell>> = vec![
            vec![
                Cell::from("left half only"),
                Cell::from("left"),
                Cell::from(params[0]),
                Cell::from(accs[0]),
            ],
            vec![
                Cell::from("right half only"),
                Cell::from("right"),
                Cell::from(params[1]),
                Cell::from(accs[1]),
            ],
            vec![
                Cell::from("early fusion (concatenate)"),
                Cell::from("both"),
                Cell::from(params[2]),
                Cell::from(accs[2]),
            ],
            vec![
                Cell::from("late fusion (average probabilities)"),
                Cell::from("both"),
                Cell::from(params[0] + params[1]),
                Cell::from(accs[4]),
            ],
            vec![
                Cell::from("tensor fusion (outer product)"),
                Cell::from("both"),
                Cell::from(params[3]),
                Cell::from(accs[3]),
            ],
        ];
        o.tables.push(Table {
            key: "fusion".into(),
            title: bi("Fusion strategies side by side", "融合策略对比"),
            columns: ["model", "inputs", "parameters", "test accuracy"]
                .map(String::from)
                .to_vec(),
            rows,
        });
        // Similarity of the first test image of each class: left (rows) vs right.
        let mut pick: Vec<usize> = Vec::new();
        for c in 0..split.classes.len() {
            if let Some(i) = yte.iter().position(|&y| y == c) {
                pick.push(i);
            }
        }
        if !pick.is_empty() && sim.nrows() > 0 {
            let sub = sim.select(Axis(0), &pick).select(Axis(1), &pick);
            let lab: Vec<String> = pick
                .iter()
                .map(|&i| split.classes[yte[i]].clone())
                .collect();
            o.heatmaps.push(Heatmap {
                key: "similarity".into(),
                title: bi(
                    "Cosine similarity: left halves (rows) vs right halves, one test digit per class",
                    "余弦相似度：左半（行）对右半（列），每类一个测试数字",
                ),
                rows: pick.len(),
                cols: pick.len(),
                values: sub.iter().copied().collect(),
                row_labels: lab.clone(),
                col_labels: lab,
                group: "similarity".into(),
            });
        }
        let pc = |v: f64| v * 100.0;
        let best_single = accs[0].max(accs[1]);
        let fused = [("early", accs[2]), ("late", accs[4]), ("tensor", accs[3])];
        let (best_name, best) =
            fused
                .iter()
                .copied()
                .fold(("early", f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
        let zh_name = match best_name {
            "early" => "早期融合",
            "late" => "晚期融合",
            _ => "张量融合",
        };
        o.notice(
            bi(
                format!("Each half alone: {:.1}% (left) and {:.1}% (right). Fused: early {:.1}%, late {:.1}%, tensor {:.1}%. The best fusion ({best_name}) gains {:.1} points over the better half: the halves carry complementary evidence.", pc(accs[0]), pc(accs[1]), pc(accs[2]), pc(accs[4]), pc(accs[3]), pc(best - best_single)),
                format!("单独使用一半：左半 {:.1}%，右半 {:.1}%。融合后：早期融合 {:.1}%，晚期融合 {:.1}%，张量融合 {:.1}%。最好的融合方式（{zh_name}）比更好的单一模态高 {:.1} 个百分点：两个模态提供了互补的信息。", pc(accs[0]), pc(accs[1]), pc(accs[2]), pc(accs[4]), pc(accs[3]), pc(best - best_single)),
            ),
            Some("multimodal-fusion"),
        );
        o.notice(
            bi(
                format!("Late fusion ({:.1}%) only averages two opinions formed apart, so it cannot use a stroke that makes sense only when both halves are seen together; early fusion ({:.1}%) and tensor fusion ({:.1}%) let the network combine the halves pixel by pixel or feature by feature.", pc(accs[4]), pc(accs[2]), pc(accs[3])),
                format!("晚期融合（{:.1}%）只是把两个各自独立形成的判断取平均，无法利用只有同时看到两半才有意义的笔画；早期融合（{:.1}%）和张量融合（{:.1}%）让网络在像素或特征层面组合两个模态。", pc(accs[4]), pc(accs[2]), pc(accs[3])),
            ),
            Some("multimodal-fusion"),
        );
        o.notice(
            bi(
                format!("Trained only to match halves (no class labels), the two towers find the right half of a test digit among {m} candidates {:.1}% of the time at rank 1 and {:.1}% within the top 5 (left → right; right → left: {:.1}% and {:.1}%), against {:.2}% by chance. Mistakes go to halves of digits that look alike, as the similarity map shows.", pc(recalls.0), pc(recalls.1), pc(recalls.2), pc(recalls.3), 100.0 / m as f64),
                format!("双塔模型只学习把两半配对（没有使用类别标签），在 {m} 个候选中为测试数字找到对应右半的 recall@1 为 {:.1}%，recall@5 为 {:.1}%（左→右；右→左：{:.1}% 和 {:.1}%），随机检索只有 {:.2}%。错误多发生在外形相似的数字之间，相似度热图中可以看到。", pc(recalls.0), pc(recalls.1), pc(recalls.2), pc(recalls.3), 100.0 / m as f64),
            ),
            Some("cross-modal-retrieval"),
        );
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::testing::{params, run_quiet};
    use ndarray::array;

    #[test]
    fn fusion_beats_one_half_and_retrieval_beats_chance() {
        let mut p = params::<Multimodal>(&[("epochs", "4"), ("hidden", "16")]).unwrap();
        p.limit = Some(400);
        let o = run_quiet(&p).unwrap();
        let f = |k: &str| o.find_figure(k).unwrap();
        assert!(f("early_accuracy") > f("left_accuracy").min(f("right_accuracy")));
        // Chance: 1/450 at rank 1, 5/450 within the top 5.
        assert!(
            f("recall5_l2r") > 15.0 * f("recall1_chance"),
            "{}",
            f("recall5_l2r")
        );
        assert!(f("recall5_r2l") >= f("recall1_r2l"));
        assert_eq!(o.tables[0].rows.len(), 5);
        assert_eq!(o.heatmaps[0].rows, 10);
        assert_eq!(o.charts[0].series.len(), 5);
        let again = run_quiet(&p).unwrap();
        assert_eq!(again.charts, o.charts);
    }

    #[test]
    fn halves_and_recall() {
        let x = Tensor::from_shape_fn(ndarray::IxDyn(&[1, 64]), |i| i[1] as f32);
        let (l, r) = halves(&x);
        assert_eq!(l[[0, 0]], 0.0);
        assert_eq!(l[[0, 4]], 8.0);
        assert_eq!(r[[0, 0]], 4.0);
        assert_eq!(r[[0, 31]], 63.0);
        // Query 0 ranks its match first, query 1 second, query 2 third.
        let s = array![[0.9, 0.1, 0.0], [0.95, 0.9, 0.0], [0.4, 0.5, 0.2]];
        assert!((recall_at(&s, 1) - 1.0 / 3.0).abs() < 1e-12);
        assert!((recall_at(&s, 2) - 2.0 / 3.0).abs() < 1e-12);
        assert!((recall_at(&s, 3) - 1.0).abs() < 1e-12);
    }
}
