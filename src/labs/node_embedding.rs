//! The `node-embedding` lab: DeepWalk (Perozzi et al. 2014) on the karate
//! club. Truncated random walks turn the graph into "sentences" of node ids;
//! skip-gram with negative sampling (word2vec's SGNS, written here in plain
//! f64 SGD, seeded) learns a vector per node so that nodes met near each
//! other on walks get similar vectors. No labels are used to train; the
//! factions only judge the result: the 2-D projection (our PCA) as a
//! scatter, whether each member's nearest neighbour in the embedding is
//! from its own faction, and a logistic-regression probe (leave-one-out).

use std::time::Instant;

use ndarray::{Array2, Axis};
use rand::seq::SliceRandom;
use rand::Rng as _;

use super::graphs::{self, cosine_matrix, nearest_neighbour_agreement, project_2d, scatter_by};
use super::{bi, Heatmap, LabContext, LabError, LabOutcome, RunLab, Scatter};
use crate::algos::algorithm::{
    float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues, Task,
};
use crate::data::graph::GraphData;

pub const DIM: ParamSpec = int("dim", 2, 128, "16", "size of each node's vector");
pub const WALKS: ParamSpec = int(
    "walks_per_node",
    1,
    200,
    "10",
    "random walks started from every node",
);
pub const WALK_LENGTH: ParamSpec = int("walk_length", 2, 200, "20", "nodes in each walk");
pub const WINDOW: ParamSpec = int(
    "window",
    1,
    20,
    "3",
    "skip-gram context: nodes up to this many steps before or after count as neighbours",
);
pub const NEGATIVES: ParamSpec = int(
    "negatives",
    1,
    50,
    "5",
    "negative samples per (node, context) pair, drawn from the walk frequencies^0.75",
);
pub const EPOCHS: ParamSpec = int("epochs", 1, 100, "5", "passes over the walks");
pub const LEARNING_RATE: ParamSpec = float(
    "learning_rate",
    0.0,
    1.0,
    true,
    "0.025",
    "SGD step size at the start (decays linearly, as in word2vec)",
);

pub struct NodeEmbedding;

#[derive(Debug, Clone, PartialEq)]
pub struct NodeEmbeddingParams {
    pub dim: usize,
    pub walks: usize,
    pub walk_length: usize,
    pub window: usize,
    pub negatives: usize,
    pub epochs: usize,
    pub learning_rate: f64,
}

impl Algorithm for NodeEmbedding {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "node-embedding",
        title: "DeepWalk node embeddings of the karate club (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "random walks and skip-gram with negative sampling written here, projected by our PCA, probed by our logistic regression",
        topics: &["graph-embedding"],
        params: &[DIM, WALKS, WALK_LENGTH, WINDOW, NEGATIVES, EPOCHS, LEARNING_RATE],
    };
    type Params = NodeEmbeddingParams;
    fn params(v: &ParamValues) -> Result<NodeEmbeddingParams, ParamError> {
        Ok(NodeEmbeddingParams {
            dim: v.usize(&DIM)?,
            walks: v.usize(&WALKS)?,
            walk_length: v.usize(&WALK_LENGTH)?,
            window: v.usize(&WINDOW)?,
            negatives: v.usize(&NEGATIVES)?,
            epochs: v.usize(&EPOCHS)?,
            learning_rate: v.float(&LEARNING_RATE)?,
        })
    }
}

/// Truncated uniform random walks: `walks` rounds, each starting once from
/// every node (in a shuffled order).
pub fn random_walks(
    adj: &[Vec<usize>],
    walks: usize,
    length: usize,
    rng: &mut crate::rng::Rng,
) -> Vec<Vec<usize>> {
    let n = adj.len();
    let mut out = Vec::with_capacity(walks * n);
    let mut starts: Vec<usize> = (0..n).collect();
    for _ in 0..walks {
        starts.shuffle(rng);
        for &s in &starts {
            let mut w = vec![s];
            while w.len() < length {
                let cur = w[w.len() - 1];
                let nb = &adj[cur];
                if nb.is_empty() {
                    break;
                }
                w.push(nb[rng.gen_range(0..nb.len())]);
            }
            out.push(w);
        }
    }
    out
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Skip-gram with negative sampling over `walks`.
pub struct Sgns {
    pub input: Array2<f64>,
    output: Array2<f64>,
    /// Cumulative noise distribution (frequency^0.75).
    noise: Vec<f64>,
}

impl Sgns {
    pub fn new(n: usize, dim: usize, walks: &[Vec<usize>], rng: &mut crate::rng::Rng) -> Sgns {
        let input = Array2::from_shape_fn((n, dim), |_| (rng.gen::<f64>() - 0.5) / dim as f64);
        let mut count = vec![0f64; n];
        for w in walks {
            for &v in w {
                count[v] += 1.0;
            }
        }
        let mut acc = 0.0;
        let noise = count
            .iter()
            .map(|c| {
                acc += c.powf(0.75);
                acc
            })
            .collect();
        Sgns {
            input,
            output: Array2::zeros((n, dim)),
            noise,
        }
    }

    fn draw_noise(&self, rng: &mut crate::rng::Rng) -> usize {
        let total = self.noise.last().copied().unwrap_or(0.0);
        let u = rng.gen::<f64>() * total;
        self.noise
            .partition_point(|&c| c <= u)
            .min(self.noise.len() - 1)
    }

    /// One step on the pair (centre, context) and `k` negatives; returns its
    /// loss `−log σ(u·v) − Σ log σ(−u·vₙ)`.
    fn step(
        &mut self,
        centre: usize,
        context: usize,
        k: usize,
        lr: f64,
        rng: &mut crate::rng::Rng,
    ) -> f64 {
        let mut grad_in = vec![0f64; self.input.ncols()];
        let mut loss = 0.0;
        for s in 0..=k {
            let (target, label) = if s == 0 {
                (context, 1.0)
            } else {
                let t = self.draw_noise(rng);
                if t == context {
                    continue;
                }
                (t, 0.0)
            };
            let score: f64 = self.input.row(centre).dot(&self.output.row(target));
            let p = sigmoid(score);
            loss -= if label > 0.0 {
                p.max(1e-12).ln()
            } else {
                (1.0 - p).max(1e-12).ln()
            };
            let gcoef = lr * (label - p);
            for (j, gj) in grad_in.iter_mut().enumerate() {
                *gj += gcoef * self.output[[target, j]];
                self.output[[target, j]] += gcoef * self.input[[centre, j]];
            }
        }
        for (j, gj) in grad_in.iter().enumerate() {
            self.input[[centre, j]] += gj;
        }
        loss
    }
}

/// Share of members whose friends are mostly (strictly more than half) in
/// their own faction: what the graph itself says, for comparison.
fn neighbour_majority(gd: &GraphData) -> f64 {
    let adj = gd.neighbours();
    let mut same = 0;
    for (i, nb) in adj.iter().enumerate() {
        let own = nb.iter().filter(|&&j| gd.labels[j] == gd.labels[i]).count();
        if 2 * own > nb.len() {
            same += 1;
        }
    }
    same as f64 / gd.n_nodes.max(1) as f64
}

impl NodeEmbeddingParams {
    fn scatter(
        &self,
        e: &Array2<f64>,
        gd: &GraphData,
        epoch: usize,
    ) -> Result<(Scatter, f64), LabError> {
        let (xy, var) = project_2d(e.view())?;
        let (xl, yl) = if e.ncols() == 2 {
            ("e1", "e2")
        } else {
            ("PC1", "PC2")
        };
        let s = scatter_by(
            Scatter::new(
                "embedding",
                bi(
                    format!("Node vectors (PCA to 2-D), epoch {epoch}"),
                    format!("节点向量（PCA 降到二维），第 {epoch} 轮"),
                ),
                xl,
                yl,
            ),
            xy.view(),
            &gd.labels,
            &gd.classes,
        );
        Ok((s, var))
    }
}

impl RunLab for NodeEmbeddingParams {
    fn datasets(&self) -> &'static [&'static str] {
        &["karate"]
    }

    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        let gd = graphs::karate(ctx.dataset)?;
        let n = gd.n_nodes;
        let adj = gd.neighbours();
        let mut rng = crate::rng::rng(ctx.seed);
        let walks = random_walks(&adj, self.walks, self.walk_length, &mut rng);
        let pairs_per_epoch: usize = walks
            .iter()
            .map(|w| {
                (0..w.len())
                    .map(|i| {
                        let lo = i.saturating_sub(self.window);
                        let hi = (i + self.window).min(w.len() - 1);
                        hi - lo
                    })
                    .sum::<usize>()
            })
            .sum();
        let mut model = Sgns::new(n, self.dim, &walks, &mut rng);
        let mut o = LabOutcome {
            total: self.epochs,
            dataset: format!(
                "{} ({n} members, {} friendships; {} walks of {} nodes)",
                gd.name,
                gd.edges.len(),
                walks.len(),
                self.walk_length
            ),
            ..LabOutcome::default()
        };
        let untrained = nearest_neighbour_agreement(model.input.view(), &gd.labels);
        let total_steps = (pairs_per_epoch * self.epochs).max(1) as f64;
        let mut done_steps = 0usize;
        let started = Instant::now();
        for epoch in 1..=self.epochs {
            let mut loss = 0.0;
            let mut order: Vec<usize> = (0..walks.len()).collect();
            order.shuffle(&mut rng);
            for &wi in &order {
                let w = &walks[wi];
                for i in 0..w.len() {
                    let lo = i.saturating_sub(self.window);
                    let hi = (i + self.window).min(w.len() - 1);
                    for j in lo..=hi {
                        if j == i {
                            continue;
                        }
                        let lr =
                            self.learning_rate * (1.0 - done_steps as f64 / total_steps).max(1e-4);
                        loss += model.step(w[i], w[j], self.negatives, lr, &mut rng);
                        done_steps += 1;
                    }
                }
                ctx.check()?;
            }
            let mean = loss / pairs_per_epoch.max(1) as f64;
            super::nndata::check_loss("skip-gram", epoch, mean)?;
            let nn = nearest_neighbour_agreement(model.input.view(), &gd.labels);
            let x = epoch as f64;
            o.chart_mut(
                "loss",
                bi("Skip-gram loss per pair", "每个样本对的 skip-gram 损失"),
                "epoch",
                "loss",
            )
            .push("SGNS", x, mean);
            o.chart_mut(
                "neighbours",
                bi(
                    "Nearest neighbour in the same faction",
                    "最近邻属于同一派别的比例",
                ),
                "epoch",
                "share",
            )
            .push("embedding", x, nn);
            let (s, _) = self.scatter(&model.input, &gd, epoch)?;
            o.set_scatter(s);
            o.done = epoch;
            ctx.update(&o)?;
        }
        let ms = started.elapsed().as_secs_f64() * 1e3;
        let e = &model.input;
        let nn = nearest_neighbour_agreement(e.view(), &gd.labels);
        let (_, var) = self.scatter(e, &gd, self.epochs)?;
        let probe = graphs::probe_leave_one_out(e.view(), &gd.labels, gd.classes.len())?;
        let graph_majority = neighbour_majority(&gd);
        o.figure(
            "nn_same_faction",
            bi("nearest neighbour in own faction", "最近邻同派别比例"),
            nn,
            "",
        );
        o.figure(
            "nn_same_faction_untrained",
            bi(
                "same, random vectors before training",
                "训练前随机向量的同一比例",
            ),
            untrained,
            "",
        );
        o.figure(
            "friends_majority",
            bi(
                "members whose friends are mostly own faction",
                "多数朋友属于本派别的成员比例",
            ),
            graph_majority,
            "",
        );
        o.figure(
            "probe_accuracy",
            bi(
                "logistic probe accuracy (leave-one-out)",
                "逻辑回归探针准确率（留一法）",
            ),
            probe,
            "",
        );
        o.figure(
            "pca_variance",
            bi("variance shown by 2 PCs", "前两个主成分解释的方差"),
            var,
            "",
        );
        o.figure(
            "pairs",
            bi("training pairs per epoch", "每轮训练样本对"),
            pairs_per_epoch as f64,
            "",
        );
        o.figure("train_ms", bi("training time", "训练时间"), ms, "ms");
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (gd.labels[i], i));
        let cos = cosine_matrix(e.select(Axis(0), &order).view());
        let names: Vec<String> = order.iter().map(|i| i.to_string()).collect();
        o.heatmaps.push(Heatmap {
            key: "cosine".into(),
            title: bi(
                "Cosine similarity of node vectors, members by faction",
                "节点向量的余弦相似度（按派别排序）",
            ),
            rows: n,
            cols: n,
            values: cos.iter().copied().collect(),
            row_labels: names.clone(),
            col_labels: names,
            group: "cosine".into(),
        });
        let (nn_p, un_p, gm_p, pr_p) = (
            nn * 100.0,
            untrained * 100.0,
            graph_majority * 100.0,
            probe * 100.0,
        );
        o.notice(
            bi(
                format!("No faction label was used in training, yet {nn_p:.1}% of members have a nearest neighbour (cosine) in their own faction, against {un_p:.1}% for the random starting vectors. Walks rarely cross between the two dense groups, so skip-gram pulls each group together: the embedding keeps the graph's community structure."),
                format!("训练中没有用到任何派别标签，但 {nn_p:.1}% 的成员其最近邻（余弦相似度）属于本派别，而训练前的随机向量只有 {un_p:.1}%。随机游走很少穿越两个紧密的群体，skip-gram 因此把同一群体的节点拉到一起：嵌入保留了图的社区结构。"),
            ),
            Some("graph-embedding"),
        );
        o.notice(
            bi(
                format!("A logistic regression on the frozen vectors predicts a left-out member's faction {pr_p:.1}% of the time (leave-one-out). For comparison, {gm_p:.1}% of members have most of their friends in their own faction: the embedding turns that local fact into features any linear classifier can use."),
                format!("在冻结的节点向量上训练逻辑回归，以留一法预测被留出成员的派别，准确率为 {pr_p:.1}%。作为对照，{gm_p:.1}% 的成员大多数朋友属于本派别：嵌入把这一局部事实变成了线性分类器可以直接使用的特征。"),
            ),
            Some("graph-embedding"),
        );
        o.notice(
            bi(
                format!("The scatter shows the first two principal components of the {}-dimensional vectors ({:.1}% of their variance); points that look close there may still be far apart in the other dimensions.", self.dim, var * 100.0),
                format!("散点图显示的是 {} 维向量的前两个主成分（占方差的 {:.1}%）；在图中看起来接近的点，在其余维度上仍可能相距较远。", self.dim, var * 100.0),
            ),
            Some("graph-embedding"),
        );
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::testing::{params, run_quiet};

    #[test]
    fn deepwalk_separates_the_factions_without_labels() {
        let p = params::<NodeEmbedding>(&[("epochs", "2"), ("walks_per_node", "5")]).unwrap();
        let o = run_quiet(&p).unwrap();
        let nn = o.find_figure("nn_same_faction").unwrap();
        let before = o.find_figure("nn_same_faction_untrained").unwrap();
        assert!(nn >= 0.8, "{nn}");
        assert!(nn > before, "{nn} vs {before}");
        assert!(o.find_figure("probe_accuracy").unwrap() >= 0.75);
        let pts: usize = o.scatters[0].groups.iter().map(|s| s.points.len()).sum();
        assert_eq!(pts, 34);
        let again = run_quiet(&p).unwrap();
        assert_eq!(again.charts, o.charts);
        assert_eq!(again.scatters, o.scatters);
    }

    #[test]
    fn walks_follow_edges() {
        let gd = graphs::karate(None).unwrap();
        let adj = gd.neighbours();
        let mut rng = crate::rng::rng(1);
        let w = random_walks(&adj, 2, 6, &mut rng);
        assert_eq!(w.len(), 68);
        for walk in &w {
            assert_eq!(walk.len(), 6);
            for s in walk.windows(2) {
                assert!(adj[s[0]].contains(&s[1]));
            }
        }
    }
}
