//! The `relation-extraction` lab: a pipeline (entities first, then a
//! classifier for every ordered pair) against a joint tagger that finds
//! entities and relations in one pass, on the bundled template-made corpus
//! (`datasets/relations_*.txt`, [`crate::seq::relations`]).
//!
//! - **Relation classification with the entities given** (the classic
//!   sentence-level task): every ordered pair of gold entities of a sentence
//!   is one example, labelled with its relation or `no_relation`. Two
//!   classifiers: our logistic regression (L-BFGS on sparse features: entity
//!   types and order, the words and bigrams between the two mentions, the
//!   words around them) and a small neural encoder on our engine (word
//!   embeddings of the sentence with typed entity markers `<h:PER> … </h:PER>`
//!   inserted, a BiLSTM, the states at the two opening markers concatenated,
//!   a linear layer; Adam, cross-entropy).
//! - **End to end**: the pipeline runs a linear-chain CRF for the entities
//!   (BIO tags), then the logistic classifier on every ordered pair of the
//!   entities it found; the joint model is one CRF over the tags of Zheng et
//!   al. (2017) (`B-founded_by-1` …), decoded into triples. A triple counts
//!   when head span, relation and tail span all match.
//!
//! Scores: precision, recall and F1 per relation with `no_relation` left
//! out, micro-averaged (pooled counts) and macro-averaged (mean of the
//! per-relation F1), as TACRED and SemEval-2010 report them;
//! [`score_labels`] agrees with scikit-learn's `f1_score(labels=…)`
//! (tests/reference/relation_f1.json).
//!
//! Notes this demonstrates: `relation-extraction` (pair classification,
//! error propagation of a pipeline) and `joint-extraction` (the tagging
//! scheme and its overlapping-triples limit).

use std::collections::{BTreeSet, HashMap};

use ndarray::Array2;
use rand::seq::SliceRandom as _;
use rand::Rng as _;

use super::{bi, Cell, Heatmap, LabContext, LabError, LabOutcome, RunLab, Table};
use crate::algos::algorithm::{
    float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues, Task,
};
use crate::algos::logistic::{self, LbfgsParams, LogisticModel};
use crate::data::sparse::Csr;
use crate::nn::{
    Adam, CellKind, Graph, Init, NnError, Optimizer, ParamId, ParamStore, RecurrentCell, Var,
    WeightInit,
};
use crate::seq::crf::{self, CrfModel, CrfParams};
use crate::seq::relations::{
    self, decode_joint, entities_from_bio, joint_tags, Entity, RelSentence, SpanTriple,
};

pub const TRAIN_SENTENCES: ParamSpec = int(
    "train_sentences",
    20,
    600,
    "600",
    "training sentences used (the first N of relations_train.txt)",
);
pub const CRF_ITER: ParamSpec = int(
    "crf_iter",
    1,
    500,
    "60",
    "L-BFGS iterations of the two CRFs (entity tagger, joint tagger)",
);
pub const C: ParamSpec = float(
    "c",
    0.0,
    1e6,
    false,
    "1",
    "inverse L2 strength C of the logistic relation classifier",
);
pub const EPOCHS: ParamSpec = int("epochs", 1, 100, "6", "epochs of the neural encoder");
pub const HIDDEN: ParamSpec = int("hidden", 2, 256, "32", "BiLSTM state size (each direction)");

/// The lab in the registry.
pub struct RelationLab;

/// Typed parameters of [`RelationLab`].
#[derive(Debug, Clone, PartialEq)]
pub struct RelationParams {
    pub train_sentences: usize,
    pub crf_iter: usize,
    pub c: f64,
    pub epochs: usize,
    pub hidden: usize,
}

impl Algorithm for RelationLab {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "relation-extraction",
        title: "Relation extraction: pipeline (CRF + classifier) vs joint tagging (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "our CRF, logistic regression and BiLSTM on a template-made corpus; the F1 scorer checked against scikit-learn",
        topics: &["relation-extraction", "joint-extraction"],
        params: &[TRAIN_SENTENCES, CRF_ITER, C, EPOCHS, HIDDEN],
    };
    type Params = RelationParams;
    fn params(v: &ParamValues) -> Result<RelationParams, ParamError> {
        Ok(RelationParams {
            train_sentences: v.usize(&TRAIN_SENTENCES)?,
            crf_iter: v.usize(&CRF_ITER)?,
            c: v.float(&C)?,
            epochs: v.usize(&EPOCHS)?,
            hidden: v.usize(&HIDDEN)?,
        })
    }
}

/// The label of an ordered pair with no relation; index 0 of every label list.
pub const NONE: &str = "no_relation";

// ---------------------------------------------------------------------------
// Scoring
// ---------------------------------------------------------------------------

/// True positives, false positives and false negatives of one relation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    /// F1, 0 when there is nothing to score (scikit-learn's `zero_division=0`).
    pub fn f1(&self) -> f64 {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }
    pub fn support(&self) -> usize {
        self.tp + self.fn_
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Per-relation counts and their micro and macro averages.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub per: Vec<Counts>,
}

impl Scores {
    /// Counts pooled over the relations.
    pub fn pooled(&self) -> Counts {
        self.per.iter().fold(Counts::default(), |a, c| Counts {
            tp: a.tp + c.tp,
            fp: a.fp + c.fp,
            fn_: a.fn_ + c.fn_,
        })
    }
    pub fn micro_f1(&self) -> f64 {
        self.pooled().f1()
    }
    /// Mean of the per-relation F1.
    pub fn macro_f1(&self) -> f64 {
        if self.per.is_empty() {
            return 0.0;
        }
        self.per.iter().map(Counts::f1).sum::<f64>() / self.per.len() as f64
    }
}

/// Scores of class predictions over `labels` (the other classes, e.g.
/// `no_relation`, count only through the errors they cause): what
/// scikit-learn's `precision_recall_fscore_support(gold, pred,
/// labels=labels)` gives per label, and `f1_score(..., average="micro" /
/// "macro")` averages.
pub fn score_labels(gold: &[usize], pred: &[usize], labels: &[usize]) -> Scores {
    let per = labels
        .iter()
        .map(|&l| {
            let mut c = Counts::default();
            for (&g, &p) in gold.iter().zip(pred) {
                match (g == l, p == l) {
                    (true, true) => c.tp += 1,
                    (false, true) => c.fp += 1,
                    (true, false) => c.fn_ += 1,
                    _ => {}
                }
            }
            c
        })
        .collect();
    Scores { per }
}

/// Scores of extracted triples against the gold ones, sentence by sentence,
/// per relation in `relations`.
pub fn score_triples(
    gold: &[Vec<SpanTriple>],
    pred: &[Vec<SpanTriple>],
    relations: &[String],
) -> Scores {
    let mut per = vec![Counts::default(); relations.len()];
    for (g, p) in gold.iter().zip(pred) {
        let g: BTreeSet<&SpanTriple> = g.iter().collect();
        let p: BTreeSet<&SpanTriple> = p.iter().collect();
        for (r, c) in relations.iter().zip(per.iter_mut()) {
            for t in p.iter().filter(|t| &t.relation == r) {
                if g.contains(t) {
                    c.tp += 1;
                } else {
                    c.fp += 1;
                }
            }
            c.fn_ += g
                .iter()
                .filter(|t| &t.relation == r && !p.contains(*t))
                .count();
        }
    }
    Scores { per }
}

// ---------------------------------------------------------------------------
// Pair examples and the logistic classifier's features
// ---------------------------------------------------------------------------

/// Every ordered pair of distinct entities.
fn pairs(n: usize) -> Vec<(usize, usize)> {
    (0..n)
        .flat_map(|h| (0..n).filter(move |&t| t != h).map(move |t| (h, t)))
        .collect()
}

/// Sparse binary features of the ordered pair `(head, tail)`.
fn pair_features(tokens: &[String], head: &Entity, tail: &Entity) -> Vec<String> {
    let order = if head.start < tail.start { "ht" } else { "th" };
    let (first, second) = if head.start < tail.start {
        (head, tail)
    } else {
        (tail, head)
    };
    let lower = |k: usize| tokens[k].to_lowercase();
    let mut f = vec![
        format!("types={}>{}", head.kind, tail.kind),
        format!("types+order={}>{}:{order}", head.kind, tail.kind),
    ];
    let between: Vec<String> = (first.end..second.start).map(lower).collect();
    let gap = match between.len() {
        0..=1 => "0-1",
        2..=3 => "2-3",
        4..=6 => "4-6",
        _ => "7+",
    };
    f.push(format!("gap={gap}:{order}"));
    for w in &between {
        f.push(format!("btw={w}:{order}"));
    }
    for w in between.windows(2) {
        f.push(format!("btw2={}_{}:{order}", w[0], w[1]));
    }
    if let (Some(a), Some(b)) = (between.first(), between.last()) {
        f.push(format!("btw_first={a}:{order}"));
        f.push(format!("btw_last={b}:{order}"));
    }
    for k in first.start.saturating_sub(2)..first.start {
        f.push(format!("before={}", lower(k)));
    }
    for k in second.end..(second.end + 2).min(tokens.len()) {
        f.push(format!("after={}", lower(k)));
    }
    f
}

/// Feature names → columns, fixed on the training pairs.
struct FeatureIndex {
    index: HashMap<String, usize>,
}

impl FeatureIndex {
    fn row(&self, feats: &[String]) -> Vec<usize> {
        let mut cols: Vec<usize> = feats
            .iter()
            .filter_map(|f| self.index.get(f).copied())
            .collect();
        cols.sort_unstable();
        cols.dedup();
        cols
    }

    fn matrix(&self, rows: &[Vec<String>]) -> Result<Csr, LabError> {
        let mut indptr = vec![0];
        let mut indices = Vec::new();
        for r in rows {
            indices.extend(self.row(r));
            indptr.push(indices.len());
        }
        let data = vec![1.0; indices.len()];
        Csr::try_new(rows.len(), self.index.len(), indptr, indices, data).map_err(LabError::Setup)
    }
}

/// Ordered pairs of `entities` with their features.
fn pair_rows(s: &RelSentence, entities: &[Entity]) -> Vec<((usize, usize), Vec<String>)> {
    pairs(entities.len())
        .into_iter()
        .map(|(h, t)| ((h, t), pair_features(&s.tokens, &entities[h], &entities[t])))
        .collect()
}

fn argmax_rows(z: &Array2<f64>) -> Vec<usize> {
    z.rows()
        .into_iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .fold(
                    (0, f64::NEG_INFINITY),
                    |b, (i, &v)| if v > b.1 { (i, v) } else { b },
                )
                .0
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The neural encoder
// ---------------------------------------------------------------------------

/// A pair example as the encoder reads it: the marked sentence's word ids
/// and the positions of the two opening markers.
#[derive(Debug, Clone)]
struct Marked {
    ids: Vec<usize>,
    h: usize,
    t: usize,
}

/// Lower-cased words and typed markers of the training pairs; 0 is `<unk>`.
struct Vocab {
    index: HashMap<String, usize>,
    counts: Vec<usize>,
}

fn marked_tokens(s: &RelSentence, head: &Entity, tail: &Entity) -> (Vec<String>, usize, usize) {
    let mut out = Vec::with_capacity(s.tokens.len() + 4);
    let (mut hp, mut tp) = (0, 0);
    for (k, w) in s.tokens.iter().enumerate() {
        for (e, tag) in [(head, 'h'), (tail, 't')] {
            if k == e.start {
                if tag == 'h' {
                    hp = out.len();
                } else {
                    tp = out.len();
                }
                out.push(format!("<{tag}:{}>", e.kind));
            }
        }
        out.push(w.to_lowercase());
        for (e, tag) in [(head, 'h'), (tail, 't')] {
            if k + 1 == e.end {
                out.push(format!("</{tag}:{}>", e.kind));
            }
        }
    }
    (out, hp, tp)
}

impl Vocab {
    fn build(examples: &[(Vec<String>, usize, usize)]) -> Vocab {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for (ws, _, _) in examples {
            for w in ws {
                *counts.entry(w.as_str()).or_insert(0) += 1;
            }
        }
        let mut words: Vec<(&str, usize)> = counts.into_iter().collect();
        words.sort_unstable();
        let mut index = HashMap::new();
        let mut c = vec![0];
        for (i, (w, n)) in words.into_iter().enumerate() {
            index.insert(w.to_string(), i + 1);
            c.push(n);
        }
        Vocab { index, counts: c }
    }

    fn encode(&self, ex: &(Vec<String>, usize, usize)) -> Marked {
        Marked {
            ids: ex
                .0
                .iter()
                .map(|w| self.index.get(w).copied().unwrap_or(0))
                .collect(),
            h: ex.1,
            t: ex.2,
        }
    }
}

struct Encoder {
    emb: ParamId,
    fwd: RecurrentCell,
    bwd: RecurrentCell,
    out_w: ParamId,
    out_b: ParamId,
}

const EMB: usize = 32;

impl Encoder {
    fn new(
        ps: &mut ParamStore,
        vocab: usize,
        hidden: usize,
        classes: usize,
    ) -> Result<Encoder, NnError> {
        let glorot = WeightInit::GlorotUniform;
        let emb = ps.add(
            "emb.weight",
            &[vocab, EMB],
            Init::Normal {
                mean: 0.0,
                std: 0.3,
            },
            false,
        )?;
        let fwd = RecurrentCell::new(ps, "lstm_fwd", CellKind::Lstm, EMB, hidden, glorot)?;
        let bwd = RecurrentCell::new(ps, "lstm_bwd", CellKind::Lstm, EMB, hidden, glorot)?;
        let out_w = ps.add(
            "out.weight",
            &[4 * hidden, classes],
            glorot.init(4 * hidden, classes),
            true,
        )?;
        let out_b = ps.add("out.bias", &[classes], Init::Zeros, false)?;
        Ok(Encoder {
            emb,
            fwd,
            bwd,
            out_w,
            out_b,
        })
    }

    /// Logits `[b, classes]` of a batch of marked sentences of one length.
    fn logits(
        &self,
        g: &mut Graph,
        ps: &ParamStore,
        batch: &[&Marked],
        ids: &[usize],
    ) -> Result<Var, NnError> {
        let b = batch.len();
        let t = ids.len() / b.max(1);
        let e = g.param(ps, self.emb)?;
        let x = g.gather(e, ids)?;
        let xs: Vec<Var> = (0..t)
            .map(|k| g.slice(x, 0, k * b, (k + 1) * b))
            .collect::<Result<_, _>>()?;
        let mut hf = Vec::with_capacity(t);
        let mut s = self.fwd.zero_state(g, b);
        for &xk in &xs {
            s = self.fwd.step(g, ps, xk, s)?;
            hf.push(s.h);
        }
        let mut hb = vec![None; t];
        let mut s = self.bwd.zero_state(g, b);
        for k in (0..t).rev() {
            s = self.bwd.step(g, ps, xs[k], s)?;
            hb[k] = Some(s.h);
        }
        let mut rows = Vec::with_capacity(t);
        for (k, f) in hf.into_iter().enumerate() {
            let back =
                hb[k].ok_or_else(|| NnError::Shape("relation encoder: backward state".into()))?;
            rows.push(g.concat(&[f, back], 1)?);
        }
        let h = g.concat(&rows, 0)?; // [t·b, 2h], time-major
        let hi: Vec<usize> = batch.iter().enumerate().map(|(i, m)| m.h * b + i).collect();
        let ti: Vec<usize> = batch.iter().enumerate().map(|(i, m)| m.t * b + i).collect();
        let hs = g.gather(h, &hi)?;
        let ts = g.gather(h, &ti)?;
        let z = g.concat(&[hs, ts], 1)?;
        let w = g.param(ps, self.out_w)?;
        let bias = g.param(ps, self.out_b)?;
        g.linear(z, w, Some(bias))
    }

    /// Time-major ids of a batch (all of one length).
    fn ids(batch: &[&Marked]) -> Vec<usize> {
        let b = batch.len();
        let t = batch.first().map_or(0, |m| m.ids.len());
        let mut ids = vec![0; t * b];
        for (i, m) in batch.iter().enumerate() {
            for (k, &id) in m.ids.iter().enumerate() {
                ids[k * b + i] = id;
            }
        }
        ids
    }

    fn predict(&self, ps: &ParamStore, data: &[Marked]) -> Result<Vec<usize>, NnError> {
        let mut out = vec![0; data.len()];
        let mut g = Graph::new(0);
        g.train = false;
        for group in by_length(data).values() {
            for chunk in group.chunks(64) {
                let batch: Vec<&Marked> = chunk.iter().map(|&i| &data[i]).collect();
                g.reset();
                let z = self.logits(&mut g, ps, &batch, &Self::ids(&batch))?;
                let zv = g.value(z)?;
                let z2 = zv
                    .view()
                    .into_dimensionality::<ndarray::Ix2>()
                    .map_err(|e| NnError::Shape(e.to_string()))?;
                for (row, &i) in z2.rows().into_iter().zip(chunk) {
                    out[i] = row
                        .iter()
                        .enumerate()
                        .fold(
                            (0, f32::NEG_INFINITY),
                            |b, (j, &v)| if v > b.1 { (j, v) } else { b },
                        )
                        .0;
                }
            }
        }
        Ok(out)
    }
}

fn by_length(data: &[Marked]) -> std::collections::BTreeMap<usize, Vec<usize>> {
    let mut m: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (i, d) in data.iter().enumerate() {
        m.entry(d.ids.len()).or_default().push(i);
    }
    m
}

// ---------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------

const RE: &str = "relation-extraction";
const JOINT: &str = "joint-extraction";

fn crf_fit(
    ctx: &LabContext<'_>,
    x: &[Vec<String>],
    y: &[Vec<String>],
    iters: usize,
) -> Result<CrfModel, LabError> {
    let params = CrfParams {
        max_iter: iters,
        ..CrfParams::default()
    };
    let mut on_step = |_| {};
    Ok(ctx
        .progress(&mut on_step)
        .run(|p| crf::fit(x, y, &params, p))?)
}

/// Recall of the triples in sentences with and without overlap.
fn recall_split(test: &[RelSentence], pred: &[Vec<SpanTriple>]) -> (f64, f64) {
    let (mut hit, mut all) = ([0usize; 2], [0usize; 2]);
    for (s, p) in test.iter().zip(pred) {
        let k = usize::from(s.has_overlap());
        for t in s.span_triples() {
            all[k] += 1;
            hit[k] += usize::from(p.contains(&t));
        }
    }
    (ratio(hit[1], all[1]), ratio(hit[0], all[0]))
}

fn confusion(
    gold: &[usize],
    pred: &[usize],
    labels: &[String],
    key: &str,
    title: super::Bi,
) -> Heatmap {
    let n = labels.len();
    let mut m = vec![0.0; n * n];
    for (&g, &p) in gold.iter().zip(pred) {
        m[g * n + p] += 1.0;
    }
    for r in 0..n {
        let s: f64 = m[r * n..(r + 1) * n].iter().sum();
        if s > 0.0 {
            for v in &mut m[r * n..(r + 1) * n] {
                *v /= s;
            }
        }
    }
    let short: Vec<String> = labels.iter().map(|l| l.chars().take(8).collect()).collect();
    Heatmap {
        key: key.into(),
        title,
        rows: n,
        cols: n,
        values: m,
        row_labels: short.clone(),
        col_labels: short,
        group: "confusion".into(),
    }
}

impl RunLab for RelationParams {
    fn datasets(&self) -> &'static [&'static str] {
        &["relations"]
    }

    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        if let Some(d) = ctx.dataset {
            if d != "relations" {
                return Err(LabError::setup(format!(
                    "relation-extraction runs on the bundled `relations` corpus, not `{d}`"
                )));
            }
        }
        let load = |f: &str| relations::load_bundled(f).map_err(|e| LabError::setup(e.to_string()));
        let mut train = load("relations_train.txt")?;
        train.truncate(self.train_sentences);
        let test = load("relations_test.txt")?;
        // Labels: no_relation first, then the relations in name order.
        let rel_set: BTreeSet<String> = train
            .iter()
            .chain(&test)
            .flat_map(|s| s.triples.iter().map(|t| t.relation.clone()))
            .collect();
        let rels: Vec<String> = rel_set.into_iter().collect();
        let mut labels = vec![NONE.to_string()];
        labels.extend(rels.iter().cloned());
        let label_id = |r: Option<&str>| {
            r.and_then(|r| labels.iter().position(|l| l == r))
                .unwrap_or(0)
        };
        let rel_ids: Vec<usize> = (1..labels.len()).collect();
        let n_overlap = test.iter().filter(|s| s.has_overlap()).count();
        let mut o = LabOutcome {
            total: 3 + self.epochs,
            dataset: format!(
                "relations (template-made, CC0): {} training sentences, {} test ({} with overlapping triples), {} relations + {NONE}",
                train.len(),
                test.len(),
                n_overlap,
                rels.len()
            ),
            ..LabOutcome::default()
        };

        // --- 1. Logistic regression on gold entity pairs.
        let mut feats = Vec::new();
        let mut y_train = Vec::new();
        for s in &train {
            for ((h, t), f) in pair_rows(s, &s.entities) {
                feats.push(f);
                y_train.push(label_id(s.relation(h, t)));
            }
        }
        let mut index = HashMap::new();
        for f in feats.iter().flatten() {
            let n = index.len();
            index.entry(f.clone()).or_insert(n);
        }
        let fx = FeatureIndex { index };
        let x_train = fx.matrix(&feats)?;
        let lr_params = LbfgsParams {
            c: self.c,
            max_iter: 300,
            ..LbfgsParams::default()
        };
        let lr: LogisticModel = {
            let mut on_step = |_| {};
            ctx.progress(&mut on_step).run(|p| {
                logistic::sparse::fit_lbfgs_sparse(&x_train, &y_train, labels.len(), &lr_params, p)
            })?
        };
        let lr_predict = |rows: &[Vec<String>]| -> Result<Vec<usize>, LabError> {
            if rows.is_empty() {
                return Ok(Vec::new());
            }
            let z = lr
                .decision_function_sparse(&fx.matrix(rows)?)
                .ok_or_else(|| LabError::setup("feature count mismatch"))?;
            Ok(argmax_rows(&z))
        };
        let mut test_rows = Vec::new();
        let mut y_test = Vec::new();
        for s in &test {
            for ((h, t), f) in pair_rows(s, &s.entities) {
                test_rows.push(f);
                y_test.push(label_id(s.relation(h, t)));
            }
        }
        let lr_pred = lr_predict(&test_rows)?;
        let lr_scores = score_labels(&y_test, &lr_pred, &rel_ids);
        o.figure(
            "lr_micro_f1",
            bi(
                "Logistic, entities given: micro F1",
                "逻辑回归（给定实体）micro F1",
            ),
            lr_scores.micro_f1(),
            "",
        );
        o.figure(
            "lr_macro_f1",
            bi(
                "Logistic, entities given: macro F1",
                "逻辑回归（给定实体）macro F1",
            ),
            lr_scores.macro_f1(),
            "",
        );
        o.heatmaps.push(confusion(
            &y_test,
            &lr_pred,
            &labels,
            "confusion_lr",
            bi(
                "Logistic: gold relation (rows) vs predicted (share of row)",
                "逻辑回归：真实关系（行）与预测关系（每行占比）",
            ),
        ));
        o.done = 1;
        ctx.update(&o)?;

        // --- 2. The neural encoder on the same pairs.
        let marked = |set: &[RelSentence]| -> Vec<(Vec<String>, usize, usize)> {
            set.iter()
                .flat_map(|s| {
                    pairs(s.entities.len())
                        .into_iter()
                        .map(move |(h, t)| marked_tokens(s, &s.entities[h], &s.entities[t]))
                })
                .collect()
        };
        let train_m = marked(&train);
        let vocab = Vocab::build(&train_m);
        let train_enc: Vec<Marked> = train_m.iter().map(|e| vocab.encode(e)).collect();
        let test_enc: Vec<Marked> = marked(&test).iter().map(|e| vocab.encode(e)).collect();
        let mut ps = ParamStore::new(ctx.seed);
        let enc = Encoder::new(&mut ps, vocab.counts.len(), self.hidden, labels.len())?;
        let mut opt = Adam::new(0.01)?;
        let mut g = Graph::new(ctx.seed ^ 0x5eed);
        let groups = by_length(&train_enc);
        let mut nn_pred = vec![0; test_enc.len()];
        for epoch in 0..self.epochs {
            let mut rng =
                crate::algos::rng(ctx.seed ^ (epoch as u64 + 1).wrapping_mul(0x9e37_79b9));
            let mut batches: Vec<Vec<usize>> = Vec::new();
            for group in groups.values() {
                let mut group = group.clone();
                group.shuffle(&mut rng);
                batches.extend(group.chunks(16).map(<[usize]>::to_vec));
            }
            batches.shuffle(&mut rng);
            let (mut total, mut n) = (0.0, 0usize);
            for batch in &batches {
                ctx.check()?;
                let refs: Vec<&Marked> = batch.iter().map(|&i| &train_enc[i]).collect();
                let mut ids = Encoder::ids(&refs);
                // Words seen once become <unk> half the time, so <unk> (the
                // names of the test set) learns something.
                for id in ids.iter_mut() {
                    if vocab.counts[*id] == 1 && rng.gen::<bool>() {
                        *id = 0;
                    }
                }
                let y: Vec<usize> = batch.iter().map(|&i| y_train[i]).collect();
                g.reset();
                g.train = true;
                let z = enc.logits(&mut g, &ps, &refs, &ids)?;
                let loss = g.cross_entropy(z, &y, 0.0)?;
                let lv = f64::from(g.value(loss)?.iter().next().copied().unwrap_or(f32::NAN));
                if !lv.is_finite() {
                    return Err(NnError::Diverged {
                        epoch: epoch + 1,
                        loss: lv.to_string(),
                    }
                    .into());
                }
                ps.zero_grad();
                g.backward(loss, &mut ps)?;
                opt.step(&mut ps)?;
                total += lv * batch.len() as f64;
                n += batch.len();
            }
            nn_pred = enc.predict(&ps, &test_enc)?;
            let f1 = score_labels(&y_test, &nn_pred, &rel_ids).micro_f1();
            let ch = o.chart_mut(
                "encoder",
                bi(
                    "Neural encoder: training loss and test micro F1 (entities given)",
                    "神经编码器：训练损失与测试集 micro F1（给定实体）",
                ),
                "epoch",
                "",
            );
            ch.push("train loss", (epoch + 1) as f64, total / n.max(1) as f64);
            ch.push("test micro F1", (epoch + 1) as f64, f1);
            o.done = 2 + epoch;
            ctx.update(&o)?;
        }
        let nn_scores = score_labels(&y_test, &nn_pred, &rel_ids);
        o.figure(
            "nn_micro_f1",
            bi(
                "BiLSTM encoder, entities given: micro F1",
                "BiLSTM 编码器（给定实体）micro F1",
            ),
            nn_scores.micro_f1(),
            "",
        );
        o.figure(
            "nn_macro_f1",
            bi(
                "BiLSTM encoder, entities given: macro F1",
                "BiLSTM 编码器（给定实体）macro F1",
            ),
            nn_scores.macro_f1(),
            "",
        );
        o.heatmaps.push(confusion(
            &y_test,
            &nn_pred,
            &labels,
            "confusion_nn",
            bi(
                "BiLSTM encoder: gold (rows) vs predicted",
                "BiLSTM 编码器：真实（行）与预测",
            ),
        ));

        // --- 3. End to end: CRF entities + logistic, vs one joint CRF.
        let x: Vec<Vec<String>> = train.iter().map(|s| s.tokens.clone()).collect();
        let bio: Vec<Vec<String>> = train.iter().map(RelSentence::bio_tags).collect();
        let ner = crf_fit(ctx, &x, &bio, self.crf_iter)?;
        let mut ent_counts = Counts::default();
        let mut pipe_pred: Vec<Vec<SpanTriple>> = Vec::with_capacity(test.len());
        for s in &test {
            let found = entities_from_bio(&ner.predict(&s.tokens));
            for e in &found {
                if s.entities.contains(e) {
                    ent_counts.tp += 1;
                } else {
                    ent_counts.fp += 1;
                }
            }
            ent_counts.fn_ += s.entities.iter().filter(|e| !found.contains(e)).count();
            let rows = pair_rows(s, &found);
            let feats: Vec<Vec<String>> = rows.iter().map(|r| r.1.clone()).collect();
            let pred = lr_predict(&feats)?;
            pipe_pred.push(
                rows.iter()
                    .zip(pred)
                    .filter(|(_, p)| *p != 0)
                    .map(|(((h, t), _), p)| SpanTriple {
                        head: (found[*h].start, found[*h].end),
                        relation: labels[p].clone(),
                        tail: (found[*t].start, found[*t].end),
                    })
                    .collect(),
            );
        }
        o.done = 2 + self.epochs;
        ctx.update(&o)?;
        let joint_y: Vec<Vec<String>> = train.iter().map(|s| joint_tags(s).tags).collect();
        let joint = crf_fit(ctx, &x, &joint_y, self.crf_iter)?;
        let joint_pred: Vec<Vec<SpanTriple>> = test
            .iter()
            .map(|s| decode_joint(&joint.predict(&s.tokens)))
            .collect();
        let gold: Vec<Vec<SpanTriple>> = test.iter().map(RelSentence::span_triples).collect();
        let n_gold: usize = gold.iter().map(Vec::len).sum();
        let encodable = n_gold - test.iter().map(|s| joint_tags(s).dropped).sum::<usize>();
        let train_dropped: usize = train.iter().map(|s| joint_tags(s).dropped).sum();
        let pipe = score_triples(&gold, &pipe_pred, &rels);
        let jnt = score_triples(&gold, &joint_pred, &rels);
        let (pipe_ov, pipe_norm) = recall_split(&test, &pipe_pred);
        let (jnt_ov, jnt_norm) = recall_split(&test, &joint_pred);
        o.figure(
            "ner_f1",
            bi(
                "CRF entity F1 (pipeline step 1)",
                "CRF 实体识别 F1（流水线第一步）",
            ),
            ent_counts.f1(),
            "",
        );
        o.figure(
            "pipeline_micro_f1",
            bi("Pipeline triples: micro F1", "流水线三元组 micro F1"),
            pipe.micro_f1(),
            "",
        );
        o.figure(
            "pipeline_macro_f1",
            bi("Pipeline triples: macro F1", "流水线三元组 macro F1"),
            pipe.macro_f1(),
            "",
        );
        o.figure(
            "joint_micro_f1",
            bi("Joint tagging triples: micro F1", "联合标注三元组 micro F1"),
            jnt.micro_f1(),
            "",
        );
        o.figure(
            "joint_macro_f1",
            bi("Joint tagging triples: macro F1", "联合标注三元组 macro F1"),
            jnt.macro_f1(),
            "",
        );
        o.figure(
            "joint_encodable",
            bi(
                "Test triples the joint tags can hold",
                "联合标注能表示的测试三元组比例",
            ),
            ratio(encodable, n_gold),
            "",
        );
        // Tables.
        let mut rows = Vec::new();
        for (k, r) in rels.iter().enumerate() {
            let l = &lr_scores.per[k];
            rows.push(vec![
                Cell::from(r.as_str()),
                Cell::from(l.support()),
                Cell::from(l.precision()),
                Cell::from(l.recall()),
                Cell::from(l.f1()),
                Cell::from(nn_scores.per[k].f1()),
                Cell::from(pipe.per[k].f1()),
                Cell::from(jnt.per[k].f1()),
            ]);
        }
        for (name, s) in [("micro", 0), ("macro", 1)] {
            let v = |x: &Scores| if s == 0 { x.micro_f1() } else { x.macro_f1() };
            let p = lr_scores.pooled();
            rows.push(vec![
                Cell::from(name),
                Cell::from(p.support()),
                if s == 0 {
                    Cell::from(p.precision())
                } else {
                    Cell::from("")
                },
                if s == 0 {
                    Cell::from(p.recall())
                } else {
                    Cell::from("")
                },
                Cell::from(v(&lr_scores)),
                Cell::from(v(&nn_scores)),
                Cell::from(v(&pipe)),
                Cell::from(v(&jnt)),
            ]);
        }
        o.tables.push(Table {
            key: "per_relation".into(),
            title: bi(
                "Per relation (no_relation left out): logistic P/R/F1 and F1 of each method",
                "各关系的得分（不计 no_relation）：逻辑回归的 P/R/F1 及各方法的 F1",
            ),
            columns: [
                "relation",
                "support",
                "LR P",
                "LR R",
                "LR F1",
                "BiLSTM F1",
                "pipeline F1",
                "joint F1",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows,
        });
        o.tables.push(Table {
            key: "triples".into(),
            title: bi(
                "End to end (triples, exact spans): recall on sentences with and without overlapping triples",
                "端到端三元组抽取（实体边界须完全一致）：有无重叠三元组的句子上的召回率",
            ),
            columns: ["method", "precision", "recall", "micro F1", "macro F1", "recall overlap", "recall normal"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows: [("pipeline (CRF + LR)", &pipe, pipe_ov, pipe_norm), ("joint tags (CRF)", &jnt, jnt_ov, jnt_norm)]
                .iter()
                .map(|(n, s, a, b)| {
                    let p = s.pooled();
                    vec![
                        Cell::from(*n),
                        Cell::from(p.precision()),
                        Cell::from(p.recall()),
                        Cell::from(s.micro_f1()),
                        Cell::from(s.macro_f1()),
                        Cell::from(*a),
                        Cell::from(*b),
                    ]
                })
                .collect(),
        });

        // Notices, from this run's numbers.
        let f3 = |v: f64| format!("{v:.3}");
        o.notice(
            bi(
                format!(
                    "error propagation: with the gold entities the logistic classifier reaches micro F1 {}; fed the CRF's entities (entity F1 {}) the same classifier extracts triples at micro F1 {}: a missed or mis-cut entity can never be repaired by the relation step",
                    f3(lr_scores.micro_f1()),
                    f3(ent_counts.f1()),
                    f3(pipe.micro_f1())
                ),
                format!(
                    "误差传播：给定真实实体时，逻辑回归分类器的 micro F1 为 {}；改用 CRF 识别出的实体（实体 F1 {}）后，同一个分类器抽取三元组的 micro F1 为 {}：实体漏识别或边界切错，关系分类这一步无法补救",
                    f3(lr_scores.micro_f1()),
                    f3(ent_counts.f1()),
                    f3(pipe.micro_f1())
                ),
            ),
            Some(RE),
        );
        o.notice(
            bi(
                format!(
                    "overlapping triples: {} of the {} test triples can be written in the joint tags (one tag per token, so an entity serves one triple; {} training triples were dropped the same way); on sentences with overlap the joint tagger recalls {} of the triples against {} for the pipeline, on the others {} against {}",
                    encodable, n_gold, train_dropped, f3(jnt_ov), f3(pipe_ov), f3(jnt_norm), f3(pipe_norm)
                ),
                format!(
                    "重叠三元组：{} 个测试三元组中只有 {} 个能用联合标注表示（每个词只有一个标签，一个实体只能属于一个三元组；训练集中也因此丢掉了 {} 个三元组）；在含重叠三元组的句子上，联合标注模型的召回率为 {}，流水线为 {}；在其余句子上分别为 {} 和 {}",
                    n_gold, encodable, train_dropped, f3(jnt_ov), f3(pipe_ov), f3(jnt_norm), f3(pipe_norm)
                ),
            ),
            Some(JOINT),
        );
        let (better, worse) = if jnt.micro_f1() > pipe.micro_f1() {
            (("joint tagger", "联合标注模型"), ("pipeline", "流水线"))
        } else {
            (("pipeline", "流水线"), ("joint tagger", "联合标注模型"))
        };
        o.notice(
            bi(
                format!(
                    "end to end the {} wins here (micro F1 {} vs {} for the {})",
                    better.0,
                    f3(jnt.micro_f1().max(pipe.micro_f1())),
                    f3(jnt.micro_f1().min(pipe.micro_f1())),
                    worse.0
                ),
                format!(
                    "端到端比较，这次{}更好（micro F1 {}，{}为 {}）",
                    better.1,
                    f3(jnt.micro_f1().max(pipe.micro_f1())),
                    worse.1,
                    f3(jnt.micro_f1().min(pipe.micro_f1()))
                ),
            ),
            Some(JOINT),
        );
        if let Some((k, c)) = lr_scores
            .per
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.f1().total_cmp(&b.1.f1()))
        {
            o.notice(
                bi(
                    format!(
                        "micro vs macro: the logistic classifier's weakest relation is {} (F1 {}, {} test pairs); macro F1 ({}) weighs it as much as the frequent ones, micro F1 ({}) by its count",
                        rels[k],
                        f3(c.f1()),
                        c.support(),
                        f3(lr_scores.macro_f1()),
                        f3(lr_scores.micro_f1())
                    ),
                    format!(
                        "micro 与 macro：逻辑回归最弱的关系是 {}（F1 {}，测试对 {} 个）；macro F1（{}）让它和高频关系同等权重，micro F1（{}）按样本数加权",
                        rels[k],
                        f3(c.f1()),
                        c.support(),
                        f3(lr_scores.macro_f1()),
                        f3(lr_scores.micro_f1())
                    ),
                ),
                Some(RE),
            );
        }
        o.notice(
            bi(
                "the corpus is made from templates (datasets/make_relations.py); half of the test sentences use 8 templates and most use names never seen in training, but real text is far more varied: read the numbers as a comparison of methods, not as what relation extraction reaches on news",
                "语料由模板生成（datasets/make_relations.py）；一半测试句子来自训练时没见过的 8 个模板，多数实体名也没在训练集中出现过，但真实文本要多样得多：这些数字只用于比较方法，不代表在新闻语料上的水平",
            ),
            Some(RE),
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
    fn scorer_counts_by_hand() {
        // labels 1, 2; 0 is no_relation.
        let gold = [1, 1, 2, 0, 0, 2];
        let pred = [1, 0, 2, 1, 0, 1];
        let s = score_labels(&gold, &pred, &[1, 2]);
        assert_eq!(
            s.per[0],
            Counts {
                tp: 1,
                fp: 2,
                fn_: 1
            }
        );
        assert_eq!(
            s.per[1],
            Counts {
                tp: 1,
                fp: 0,
                fn_: 1
            }
        );
        assert!(
            (s.micro_f1() - 0.5).abs() < 1e-12,
            "pooled tp 2, fp 2, fn 2"
        );
        assert!((s.macro_f1() - (0.4 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
    }

    /// scikit-learn's `precision_recall_fscore_support` and `f1_score`
    /// (micro, macro) with `labels=` on fixed predictions
    /// (tests/reference/make_relation_f1_reference.py).
    #[test]
    fn scorer_matches_scikit_learn() {
        let r: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/reference/relation_f1_reference.json"
        ))
        .unwrap();
        let ints = |v: &serde_json::Value| -> Vec<usize> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as usize)
                .collect()
        };
        let floats = |v: &serde_json::Value| -> Vec<f64> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        };
        let cases = r["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 4);
        for c in cases {
            let s = score_labels(&ints(&c["gold"]), &ints(&c["pred"]), &ints(&c["labels"]));
            for (k, cnt) in s.per.iter().enumerate() {
                assert!((cnt.precision() - floats(&c["precision"])[k]).abs() < 1e-12);
                assert!((cnt.recall() - floats(&c["recall"])[k]).abs() < 1e-12);
                assert!((cnt.f1() - floats(&c["f1"])[k]).abs() < 1e-12);
                assert_eq!(cnt.support(), ints(&c["support"])[k]);
            }
            assert!((s.micro_f1() - c["micro_f1"].as_f64().unwrap()).abs() < 1e-12);
            assert!((s.macro_f1() - c["macro_f1"].as_f64().unwrap()).abs() < 1e-12);
        }
    }

    #[test]
    fn markers_sit_around_the_entities() {
        let s = &relations::parse(
            "Ana founded Zentrix .\t0-1:PER 2-3:ORG\t1>founded_by>0\n",
            "x",
        )
        .unwrap()[0];
        let (w, h, t) = marked_tokens(s, &s.entities[1], &s.entities[0]);
        assert_eq!(
            w.join(" "),
            "<t:PER> ana </t:PER> founded <h:ORG> zentrix </h:ORG> ."
        );
        assert_eq!((h, t), (4, 0));
    }

    #[test]
    fn tiny_run_learns_something_and_is_deterministic() {
        let p = params::<RelationLab>(&[
            ("train_sentences", "120"),
            ("crf_iter", "15"),
            ("epochs", "1"),
            ("hidden", "8"),
        ])
        .unwrap();
        let a = run_quiet(&p).unwrap();
        let lr = a.find_figure("lr_micro_f1").unwrap();
        assert!(lr > 0.5, "logistic micro F1 {lr}");
        for k in [
            "nn_micro_f1",
            "pipeline_micro_f1",
            "joint_micro_f1",
            "ner_f1",
        ] {
            let v = a.find_figure(k).unwrap();
            assert!((0.0..=1.0).contains(&v), "{k} = {v}");
        }
        let enc = a.find_figure("joint_encodable").unwrap();
        assert!(enc < 1.0 && enc > 0.8, "{enc}");
        assert_eq!(a.notices.len(), 5);
        let b = run_quiet(&p).unwrap();
        assert_eq!(a.figures, b.figures);
    }
}
