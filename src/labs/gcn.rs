//! The `gcn` lab: semi-supervised node classification on Zachary's karate
//! club with a two-layer graph convolutional network (Kipf & Welling 2017).
//! Only two members are labelled: node 0 (the instructor, "Mr. Hi") and
//! node 33 (the administrator, "Officer"); the other 32 are to be found.
//! Features are the identity (each node is its own one-hot vector), so the
//! only thing that tells two nodes apart is where they sit in the graph.
//!
//! `Z = Â · tanh(Â · X · W₁ + b₁) · W₂ + b₂` with `Â = D^-1/2 (A + I) D^-1/2`
//! (dense, 34 × 34), cross-entropy on the two labelled rows, Adam. The
//! hidden layer (2 units by default) is drawn as a scatter while it trains.
//! The same network without `Â` (an MLP on the identity features) is trained
//! on the same two rows for comparison: it never sees the graph, so the 32
//! unlabelled rows of its first weight matrix keep their random start.

use ndarray::{Array2, Axis};

use super::graphs::{self, normalised_adjacency, project_2d, scatter_by};
use super::{bi, Cell, Heatmap, LabContext, LabError, LabOutcome, RunLab, Scatter, Table};
use crate::algos::algorithm::{
    float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues, Task,
};
use crate::data::graph::GraphData;
use crate::nn::{Adam, Graph, Init, Optimizer, ParamStore, Tensor, WeightInit};

pub const HIDDEN: ParamSpec = int(
    "hidden",
    2,
    64,
    "2",
    "units of the hidden graph-convolution layer (2: drawn as they are; more: drawn through PCA)",
);
pub const EPOCHS: ParamSpec = int("epochs", 1, 2000, "200", "full-graph training steps");
pub const LEARNING_RATE: ParamSpec =
    float("learning_rate", 0.0, 1.0, true, "0.01", "Adam step size");

/// The lab in the registry.
pub struct Gcn;

#[derive(Debug, Clone, PartialEq)]
pub struct GcnParams {
    pub hidden: usize,
    pub epochs: usize,
    pub learning_rate: f64,
}

impl Algorithm for Gcn {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "gcn",
        title: "Graph convolutional network on the karate club (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "two graph convolutions on the own neural engine, the normalised adjacency checked against networkx",
        topics: &["graph-neural-networks", "graph-embedding"],
        params: &[HIDDEN, EPOCHS, LEARNING_RATE],
    };
    type Params = GcnParams;
    fn params(v: &ParamValues) -> Result<GcnParams, ParamError> {
        Ok(GcnParams {
            hidden: v.usize(&HIDDEN)?,
            epochs: v.usize(&EPOCHS)?,
            learning_rate: v.float(&LEARNING_RATE)?,
        })
    }
}

/// The two members whose faction the networks are told.
pub const LABELLED: [usize; 2] = [0, 33];

/// One of the two networks.
struct Net {
    w1: crate::nn::ParamId,
    b1: crate::nn::ParamId,
    w2: crate::nn::ParamId,
    b2: crate::nn::ParamId,
}

impl Net {
    fn new(ps: &mut ParamStore, n: usize, hidden: usize, classes: usize) -> Result<Net, LabError> {
        let glorot = |i, o| WeightInit::GlorotUniform.init(i, o);
        Ok(Net {
            w1: ps.add("gc1.weight", &[n, hidden], glorot(n, hidden), true)?,
            b1: ps.add("gc1.bias", &[hidden], Init::Zeros, false)?,
            w2: ps.add(
                "gc2.weight",
                &[hidden, classes],
                glorot(hidden, classes),
                true,
            )?,
            b2: ps.add("gc2.bias", &[classes], Init::Zeros, false)?,
        })
    }

    /// Hidden layer and logits of every node; `adj` `None` is the MLP.
    /// With identity features `X · W₁ = W₁`.
    fn forward(
        &self,
        g: &mut Graph,
        ps: &ParamStore,
        adj: Option<&Tensor>,
    ) -> Result<(crate::nn::Var, crate::nn::Var), LabError> {
        let a = adj.map(|t| g.constant(t.clone()));
        let w1 = g.param(ps, self.w1)?;
        let b1 = g.param(ps, self.b1)?;
        let xw = match a {
            Some(a) => g.matmul(a, w1)?,
            None => w1,
        };
        let pre = g.add(xw, b1)?;
        let h = g.tanh(pre)?;
        let ah = match a {
            Some(a) => g.matmul(a, h)?,
            None => h,
        };
        let w2 = g.param(ps, self.w2)?;
        let b2 = g.param(ps, self.b2)?;
        let z = g.linear(ah, w2, Some(b2))?;
        Ok((h, z))
    }
}

fn to_f64(t: &Tensor) -> Array2<f64> {
    let (r, c) = (t.shape()[0], t.shape().get(1).copied().unwrap_or(1));
    Array2::from_shape_fn((r, c), |(i, j)| f64::from(t[[i, j]]))
}

/// Accuracy on the nodes that were not labelled.
fn unlabelled_accuracy(logits: &Array2<f64>, y: &[usize]) -> (f64, Vec<usize>) {
    let pred: Vec<usize> = logits
        .rows()
        .into_iter()
        .map(|r| graphs::argmax(r.iter().copied()))
        .collect();
    let others: Vec<usize> = (0..y.len()).filter(|i| !LABELLED.contains(i)).collect();
    let right = others.iter().filter(|&&i| pred[i] == y[i]).count();
    (right as f64 / others.len().max(1) as f64, pred)
}

struct Run {
    accuracy: f64,
    pred: Vec<usize>,
    hidden: Array2<f64>,
}

impl GcnParams {
    #[allow(clippy::too_many_arguments)]
    fn train(
        &self,
        ctx: &mut LabContext<'_>,
        o: &mut LabOutcome,
        gd: &GraphData,
        adj: Option<&Tensor>,
        series: &str,
        offset: usize,
    ) -> Result<Run, LabError> {
        let n = gd.n_nodes;
        let k = gd.classes.len();
        let mut ps = ParamStore::new(ctx.seed);
        let net = Net::new(&mut ps, n, self.hidden, k)?;
        let mut opt = Adam::new(self.learning_rate as f32)?;
        let targets: Vec<usize> = LABELLED.iter().map(|&i| gd.labels[i]).collect();
        let mut g = Graph::new(ctx.seed);
        let mut last = None;
        for epoch in 1..=self.epochs {
            g.reset();
            ps.zero_grad();
            let (h, z) = net.forward(&mut g, &ps, adj)?;
            let zl = g.gather(z, &LABELLED)?;
            let loss = g.cross_entropy(zl, &targets, 0.0)?;
            let lv = f64::from(g.value(loss)?.iter().next().copied().unwrap_or(f32::NAN));
            super::nndata::check_loss(series, epoch, lv)?;
            let logits = to_f64(g.value(z)?);
            let hidden = to_f64(g.value(h)?);
            g.backward(loss, &mut ps)?;
            opt.step(&mut ps)?;
            let (acc, pred) = unlabelled_accuracy(&logits, &gd.labels);
            let x = epoch as f64;
            o.chart_mut(
                "loss",
                bi("Loss on the 2 labelled members", "两个有标签成员上的损失"),
                "epoch",
                "cross-entropy",
            )
            .push(series, x, lv);
            o.chart_mut(
                "accuracy",
                bi(
                    "Accuracy on the 32 unlabelled members",
                    "32 个无标签成员上的准确率",
                ),
                "epoch",
                "accuracy",
            )
            .push(series, x, acc);
            o.done = offset + epoch;
            if adj.is_some() && (epoch % 5 == 0 || epoch == 1 || epoch == self.epochs) {
                o.set_scatter(hidden_scatter(&hidden, gd, epoch)?);
            }
            if epoch % 5 == 0 || epoch == self.epochs {
                ctx.update(o)?;
            } else {
                ctx.check()?;
            }
            last = Some(Run {
                accuracy: acc,
                pred,
                hidden,
            });
        }
        let mut r = last.ok_or_else(|| LabError::setup("no epoch ran"))?;
        // The final forward pass after the last update.
        g.reset();
        let (h, z) = net.forward(&mut g, &ps, adj)?;
        let (acc, pred) = unlabelled_accuracy(&to_f64(g.value(z)?), &gd.labels);
        r.accuracy = acc;
        r.pred = pred;
        r.hidden = to_f64(g.value(h)?);
        Ok(r)
    }
}

/// The hidden layer as a scatter: one group per faction, the two labelled
/// members in a group of their own.
fn hidden_scatter(h: &Array2<f64>, gd: &GraphData, epoch: usize) -> Result<Scatter, LabError> {
    let (xy, _) = project_2d(h.view())?;
    let (xl, yl) = if h.ncols() == 2 {
        ("h1", "h2")
    } else {
        ("PC1 of h", "PC2 of h")
    };
    let mut labels = gd.labels.clone();
    let k = gd.classes.len();
    let mut names = gd.classes.clone();
    names.push("labelled (0, 33)".into());
    for &i in &LABELLED {
        labels[i] = k;
    }
    Ok(scatter_by(
        Scatter::new(
            "hidden",
            bi(
                format!("GCN hidden layer, epoch {epoch}"),
                format!("GCN 隐藏层表示，第 {epoch} 轮"),
            ),
            xl,
            yl,
        ),
        xy.view(),
        &labels,
        &names,
    ))
}

impl RunLab for GcnParams {
    fn datasets(&self) -> &'static [&'static str] {
        &["karate"]
    }

    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        let gd = graphs::karate(ctx.dataset)?;
        let n = gd.n_nodes;
        if LABELLED.iter().any(|&i| i >= n) {
            return Err(LabError::setup(format!(
                "the graph has {n} nodes; the lab labels nodes 0 and 33"
            )));
        }
        if gd.labels[0] == gd.labels[33] {
            return Err(LabError::setup(
                "nodes 0 and 33 are in the same class; the lab needs one labelled member per class",
            ));
        }
        let a = normalised_adjacency(&gd);
        let adj: Tensor = a.mapv(|v| v as f32).into_dyn();
        let mut o = LabOutcome {
            total: 2 * self.epochs,
            dataset: format!(
                "{} ({n} members, {} friendships; labelled: 0 {} and 33 {})",
                gd.name,
                gd.edges.len(),
                gd.classes[gd.labels[0]],
                gd.classes[gd.labels[33]]
            ),
            ..LabOutcome::default()
        };
        let gcn = self.train(ctx, &mut o, &gd, Some(&adj), "GCN", 0)?;
        let mlp = self.train(ctx, &mut o, &gd, None, "MLP", self.epochs)?;
        let degrees: Vec<usize> = gd.neighbours().iter().map(Vec::len).collect();
        o.figure(
            "gcn_accuracy",
            bi(
                "GCN accuracy on the 32 unlabelled",
                "GCN 在 32 个无标签节点上的准确率",
            ),
            gcn.accuracy,
            "",
        );
        o.figure(
            "mlp_accuracy",
            bi(
                "MLP accuracy on the 32 unlabelled",
                "MLP 在 32 个无标签节点上的准确率",
            ),
            mlp.accuracy,
            "",
        );
        o.figure("labelled", bi("labelled members", "有标签成员数"), 2.0, "");
        o.figure("nodes", bi("members", "成员数"), n as f64, "");
        o.figure(
            "edges",
            bi("friendships", "友谊（边）数"),
            gd.edges.len() as f64,
            "",
        );
        o.figure(
            "mean_degree",
            bi("mean degree", "平均度"),
            2.0 * gd.edges.len() as f64 / n as f64,
            "",
        );

        // Â as a picture, members ordered by faction.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (gd.labels[i], i));
        let ordered = a.select(Axis(0), &order).select(Axis(1), &order);
        let names: Vec<String> = order.iter().map(|i| i.to_string()).collect();
        o.heatmaps.push(Heatmap {
            key: "adjacency".into(),
            title: bi(
                "Â = D^-1/2 (A+I) D^-1/2, members by faction",
                "归一化邻接矩阵 Â = D^-1/2 (A+I) D^-1/2（按派别排序）",
            ),
            rows: n,
            cols: n,
            values: ordered.iter().copied().collect(),
            row_labels: names.clone(),
            col_labels: names,
            group: "Â".into(),
        });
        let wrong: Vec<Vec<Cell>> = (0..n)
            .filter(|i| !LABELLED.contains(i))
            .filter(|&i| gcn.pred[i] != gd.labels[i] || mlp.pred[i] != gd.labels[i])
            .map(|i| {
                vec![
                    Cell::from(i),
                    Cell::from(degrees[i]),
                    Cell::from(gd.classes[gd.labels[i]].clone()),
                    Cell::from(gd.classes[gcn.pred[i]].clone()),
                    Cell::from(gd.classes[mlp.pred[i]].clone()),
                ]
            })
            .collect();
        o.tables.push(Table {
            key: "mistakes".into(),
            title: bi("Members either network gets wrong", "任一网络分错的成员"),
            columns: ["member", "degree", "faction", "GCN", "MLP"]
                .map(String::from)
                .to_vec(),
            rows: wrong,
        });
        let gcn_wrong: Vec<usize> = (0..n)
            .filter(|i| !LABELLED.contains(i) && gcn.pred[*i] != gd.labels[*i])
            .collect();
        let (g_pct, m_pct) = (gcn.accuracy * 100.0, mlp.accuracy * 100.0);
        o.notice(
            bi(
                format!("With one labelled member per faction, the GCN classifies {g_pct:.1}% of the other 32 correctly; the MLP on the same one-hot features gets {m_pct:.1}%. The MLP cannot do better than chance: an unlabelled member's one-hot input only touches its own row of W₁, which no loss ever reaches, so its prediction is set by the random start. The GCN mixes each member with its friends twice (Â·…·Â), so the two labels spread along friendships."),
                format!("每个派别只有一名成员带标签时，GCN 对其余 32 人的分类准确率为 {g_pct:.1}%；同样使用独热特征的 MLP 只有 {m_pct:.1}%。MLP 不可能超过随机猜测：无标签成员的独热输入只激活 W₁ 中属于它自己的那一行，而损失的梯度永远到达不了那一行，所以它的预测完全取决于随机初始化。GCN 通过两次 Â 把每个成员与其朋友的表示混合，标签信息沿着友谊关系传播开来。"),
            ),
            Some("graph-neural-networks"),
        );
        if !gcn_wrong.is_empty() {
            let list: Vec<String> = gcn_wrong
                .iter()
                .map(|&i| format!("{i} (degree {})", degrees[i]))
                .collect();
            let list = list.join(", ");
            o.notice(
                bi(
                    format!("The GCN misses {list}: members whose friends are split between the two camps sit between the clusters of the hidden layer, where two hops of averaging cannot decide."),
                    format!("GCN 分错的成员：{list}。这些成员的朋友分布在两个阵营，在隐藏层中落在两个簇之间，两跳的邻居平均不足以判断其归属。"),
                ),
                Some("graph-neural-networks"),
            );
        }
        let spread = graphs::nearest_neighbour_agreement(gcn.hidden.view(), &gd.labels);
        o.notice(
            bi(
                format!("In the GCN's hidden layer, {:.1}% of members have a nearest neighbour (cosine) from their own faction, though only two labels were used: the graph structure alone shapes an embedding in which the factions separate.", spread * 100.0),
                format!("在 GCN 的隐藏层中，{:.1}% 的成员其最近邻（余弦相似度）属于同一派别，尽管训练只用了两个标签：仅凭图结构就能学到让两派分开的节点表示。", spread * 100.0),
            ),
            Some("graph-embedding"),
        );
        o.done = o.total;
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::testing::{params, run_quiet};

    #[test]
    fn gcn_beats_the_mlp_that_cannot_see_the_graph() {
        let p = params::<Gcn>(&[("epochs", "100")]).unwrap();
        let o = run_quiet(&p).unwrap();
        let g = o.find_figure("gcn_accuracy").unwrap();
        let m = o.find_figure("mlp_accuracy").unwrap();
        assert!(g >= 0.8, "GCN {g}");
        assert!(g > m + 0.15, "GCN {g} vs MLP {m}");
        assert_eq!(o.scatters.len(), 1);
        let pts: usize = o.scatters[0].groups.iter().map(|s| s.points.len()).sum();
        assert_eq!(pts, 34);
        assert_eq!(o.heatmaps[0].values.len(), 34 * 34);
        assert_eq!(o.done, o.total);
        // Deterministic per seed.
        let again = run_quiet(&p).unwrap();
        assert_eq!(again.figures, o.figures);
        assert_eq!(again.charts, o.charts);
    }

    #[test]
    fn normalised_adjacency_matches_networkx() {
        let r: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/reference/graph_reference.json"))
                .unwrap();
        let gd = graphs::karate(None).unwrap();
        let a = normalised_adjacency(&gd);
        let want: Vec<Vec<f64>> =
            serde_json::from_value(r["normalised_adjacency"].clone()).unwrap();
        for (i, row) in want.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                assert!(
                    (a[[i, j]] - v).abs() < 1e-12,
                    "Â[{i},{j}] {} vs {v}",
                    a[[i, j]]
                );
            }
        }
        let degrees: Vec<usize> = serde_json::from_value(r["degrees"].clone()).unwrap();
        let ours: Vec<usize> = gd.neighbours().iter().map(Vec::len).collect();
        assert_eq!(ours, degrees);
        assert_eq!(r["edges"].as_u64(), Some(gd.edges.len() as u64));
        let factions: Vec<String> = serde_json::from_value(r["club"].clone()).unwrap();
        let ours: Vec<String> = gd.labels.iter().map(|&c| gd.classes[c].clone()).collect();
        assert_eq!(ours, factions);
    }

    #[test]
    fn bad_dataset_is_a_clear_error() {
        let p = params::<Gcn>(&[("epochs", "1")]).unwrap();
        let flag = std::sync::atomic::AtomicBool::new(false);
        let mut sink = |_: &LabOutcome| {};
        let mut ctx = LabContext::new(0, Some("iris"), &mut sink, &flag);
        let e = p.run(&mut ctx).unwrap_err();
        assert!(e.to_string().contains("not a graph"), "{e}");
    }
}
