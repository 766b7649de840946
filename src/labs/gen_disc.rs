//! The `gen-vs-disc` lab: a generative classifier (naive Bayes) against its
//! discriminative partner (logistic regression) as the training set grows,
//! after Ng & Jordan (2001), "On discriminative vs. generative classifiers".
//! Their claim: naive Bayes approaches its (higher) asymptotic error with a
//! number of examples logarithmic in the dimension, logistic regression
//! needs a number linear in it but ends lower; so NB often wins with few
//! examples and LR with many.
//!
//! For each dataset a stratified 30% is held out as the test set once; from
//! the other 70% (the pool) random training sets of growing size are drawn
//! (one row of every class first, the rest uniformly), `repeats` times per
//! size, and both models are fitted on each draw and scored on the same test
//! set; the chart shows the mean test error against the training-set size.
//! Tabular sets: Gaussian NB on the raw features against L2 logistic
//! regression (C = `c`, L-BFGS) on features standardised with the draw's own
//! mean and deviation. The sentiment reviews: word counts from the draw's
//! vocabulary, multinomial NB (α = 1) against logistic regression on the
//! same counts. Both fits are scikit-learn's models (`GaussianNB`,
//! `MultinomialNB`, `LogisticRegression(tol=1e-6, max_iter=1000)`); the test
//! errors on fixed draws are checked against scikit-learn's
//! (tests/reference/gen_disc_reference.json).

use ndarray::{Array2, ArrayView2, Axis};
use rand::seq::SliceRandom as _;

use super::{bi, Cell, LabContext, LabError, LabOutcome, RunLab, Table};
use crate::algos::algorithm::{
    float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues, Task,
};
use crate::algos::logistic::{self, LbfgsParams};
use crate::algos::naive_bayes::{fit_gaussian_nb, fit_multinomial_nb_sparse};
use crate::algos::{Classifier, Progress};
use crate::data::text::{TextOptions, Vectorizer};
use crate::data::{self, CsvOptions, Dataset};

pub const REPEATS: ParamSpec = int(
    "repeats",
    1,
    100,
    "10",
    "random training sets drawn (and averaged) per size",
);
pub const C: ParamSpec = float(
    "c",
    0.0,
    1e6,
    false,
    "1",
    "inverse L2 strength C of the logistic regression",
);

/// The lab in the registry.
pub struct GenDiscLab;

/// Typed parameters of [`GenDiscLab`].
#[derive(Debug, Clone, PartialEq)]
pub struct GenDiscParams {
    pub repeats: usize,
    pub c: f64,
}

impl Algorithm for GenDiscLab {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "gen-vs-disc",
        title: "Generative vs discriminative: naive Bayes vs logistic regression by training-set size (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "our naive Bayes and logistic regression (scikit-learn's models), test errors on fixed draws checked against scikit-learn",
        topics: &["generative-vs-discriminative", "naive-bayes", "logistic-regression"],
        params: &[REPEATS, C],
    };
    type Params = GenDiscParams;
    fn params(v: &ParamValues) -> Result<GenDiscParams, ParamError> {
        Ok(GenDiscParams {
            repeats: v.usize(&REPEATS)?,
            c: v.float(&C)?,
        })
    }
}

/// The datasets the lab runs on when none is chosen, in this order.
pub const SETS: [&str; 5] = [
    "breast_cancer",
    "wine",
    "iris",
    "digits",
    "sentiment_amazon",
];

/// A loaded dataset: numeric rows or texts, with class ids.
pub enum Data {
    Table {
        x: Array2<f64>,
        y: Vec<usize>,
        k: usize,
    },
    Text {
        texts: Vec<String>,
        y: Vec<usize>,
        k: usize,
    },
}

impl Data {
    pub fn load(name: &str) -> Result<Data, LabError> {
        Ok(match data::load(name, &CsvOptions::default())? {
            Dataset::Table(t) => {
                if t.values.is_some() || t.classes.len() < 2 {
                    return Err(LabError::setup(format!(
                        "`{name}` is not a classification set with two or more classes"
                    )));
                }
                Data::Table {
                    k: t.classes.len(),
                    x: t.x,
                    y: t.y,
                }
            }
            Dataset::Text(c) => Data::Text {
                k: c.classes.len(),
                texts: c.texts,
                y: c.y,
            },
        })
    }

    pub fn y(&self) -> &[usize] {
        match self {
            Data::Table { y, .. } | Data::Text { y, .. } => y,
        }
    }

    pub fn n_classes(&self) -> usize {
        match self {
            Data::Table { k, .. } | Data::Text { k, .. } => *k,
        }
    }

    fn is_text(&self) -> bool {
        matches!(self, Data::Text { .. })
    }
}

fn error_rate(pred: &[usize], gold: &[usize]) -> f64 {
    let wrong = pred.iter().zip(gold).filter(|(p, g)| p != g).count();
    wrong as f64 / gold.len().max(1) as f64
}

/// Standardise with the training rows' mean and population deviation (a
/// constant column keeps deviation 1, as scikit-learn's `StandardScaler`).
fn standardise(
    train: ArrayView2<'_, f64>,
    test: ArrayView2<'_, f64>,
) -> (Array2<f64>, Array2<f64>) {
    let n = train.nrows().max(1) as f64;
    let mean = train.sum_axis(Axis(0)) / n;
    let mut sd = train.map_axis(Axis(0), |c| {
        let m = c.sum() / n;
        (c.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n).sqrt()
    });
    sd.mapv_inplace(|s| if s > 0.0 { s } else { 1.0 });
    ((&train - &mean) / &sd, (&test - &mean) / &sd)
}

/// Test errors `(naive Bayes, logistic)` of both models fitted on the rows
/// `train` and scored on the rows `test`.
pub fn errors(d: &Data, train: &[usize], test: &[usize], c: f64) -> Result<(f64, f64), LabError> {
    let k = d.n_classes();
    let y = d.y();
    let ytr: Vec<usize> = train.iter().map(|&i| y[i]).collect();
    let yte: Vec<usize> = test.iter().map(|&i| y[i]).collect();
    let lr_params = LbfgsParams {
        c,
        max_iter: 1000,
        tol: 1e-6,
        ..LbfgsParams::default()
    };
    let mut sink = |_: crate::algos::Step| true;
    let mut progress = Progress::new(&mut sink);
    match d {
        Data::Table { x, .. } => {
            let xtr = x.select(Axis(0), train);
            let xte = x.select(Axis(0), test);
            let nb = fit_gaussian_nb(xtr.view(), &ytr, k, 1e-9, &[])?;
            let nb_err = error_rate(&nb.predict(xte.view()), &yte);
            let (str_, ste) = standardise(xtr.view(), xte.view());
            let lr = logistic::fit_lbfgs(str_.view(), &ytr, k, &lr_params, 0, &mut progress)?;
            Ok((nb_err, error_rate(&lr.predict(ste.view()), &yte)))
        }
        Data::Text { texts, .. } => {
            let ttr: Vec<&str> = train.iter().map(|&i| texts[i].as_str()).collect();
            let tte: Vec<&str> = test.iter().map(|&i| texts[i].as_str()).collect();
            let opts = TextOptions {
                tfidf: false,
                ..TextOptions::default()
            };
            let (vec, xtr) = Vectorizer::fit_transform(&ttr, &opts).map_err(LabError::Setup)?;
            let xte = vec.transform(&tte);
            let nb = fit_multinomial_nb_sparse(&xtr, &ytr, k, 1.0)?;
            let lr = logistic::sparse::fit_lbfgs_sparse(&xtr, &ytr, k, &lr_params, &mut progress)?;
            let missing = || LabError::setup("a model without sparse prediction");
            let nb_pred = nb.predict_sparse(&xte).ok_or_else(missing)?;
            let lr_pred = lr.predict_sparse(&xte).ok_or_else(missing)?;
            Ok((error_rate(&nb_pred, &yte), error_rate(&lr_pred, &yte)))
        }
    }
}

/// Training-set sizes: doubling from twice the class count (at least 8) up
/// to the pool, the pool itself last.
fn sizes(pool: usize, k: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut m = (2 * k).max(8);
    while m < pool {
        out.push(m);
        m *= 2;
    }
    out.push(pool);
    out
}

/// A random training set of `m` rows from `pool`: one row of each class
/// present, then the rest uniformly without replacement.
fn draw(pool: &[usize], y: &[usize], k: usize, m: usize, rng: &mut impl rand::Rng) -> Vec<usize> {
    let mut shuffled = pool.to_vec();
    shuffled.shuffle(rng);
    let mut out = Vec::with_capacity(m);
    let mut seen = vec![false; k];
    for &i in &shuffled {
        if !seen[y[i]] {
            seen[y[i]] = true;
            out.push(i);
        }
    }
    for &i in &shuffled {
        if out.len() >= m {
            break;
        }
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out.sort_unstable();
    out
}

/// One dataset's learning curves.
struct Curve {
    name: String,
    sizes: Vec<usize>,
    nb: Vec<f64>,
    lr: Vec<f64>,
}

const DELTA: f64 = 0.02;

impl Curve {
    /// The smallest size whose mean error is within `DELTA` of the error at
    /// the largest size.
    fn settles(&self, e: &[f64]) -> usize {
        let last = e.last().copied().unwrap_or(0.0);
        self.sizes
            .iter()
            .zip(e)
            .find(|(_, &v)| v <= last + DELTA)
            .map_or(0, |(&m, _)| m)
    }

    /// The smallest size from which logistic regression's mean error stays
    /// at or below naive Bayes'.
    fn crossover(&self) -> Option<usize> {
        let mut at = None;
        for (i, &m) in self.sizes.iter().enumerate() {
            if self.lr[i] <= self.nb[i] {
                at = at.or(Some(m));
            } else {
                at = None;
            }
        }
        at
    }
}

const TOPIC: &str = "generative-vs-discriminative";

impl RunLab for GenDiscParams {
    fn datasets(&self) -> &'static [&'static str] {
        &SETS
    }

    fn all_by_default(&self) -> bool {
        true
    }

    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        let names: Vec<&str> = match ctx.dataset {
            Some(d) => vec![d],
            None => SETS.to_vec(),
        };
        let sets: Vec<Data> = names
            .iter()
            .map(|n| Data::load(n))
            .collect::<Result<_, _>>()?;
        let plans: Vec<(Vec<usize>, Vec<usize>, Vec<usize>)> = sets
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let (train, test) =
                    data::split::stratified_split(d.y(), d.n_classes(), 0.3, ctx.seed)
                        .map_err(|e| LabError::setup(format!("{}: {e}", names[i])))?;
                let s = sizes(train.len(), d.n_classes());
                Ok((train, test, s))
            })
            .collect::<Result<_, LabError>>()?;
        let mut o = LabOutcome {
            total: plans.iter().map(|p| p.2.len()).sum(),
            dataset: names.join(", "),
            ..LabOutcome::default()
        };
        let mut curves = Vec::new();
        for (di, d) in sets.iter().enumerate() {
            let (pool, test, ms) = &plans[di];
            let mut curve = Curve {
                name: names[di].to_string(),
                sizes: ms.clone(),
                nb: Vec::new(),
                lr: Vec::new(),
            };
            for &m in ms {
                let mut rng =
                    crate::algos::rng(ctx.seed ^ (m as u64).wrapping_mul(0x9e37_79b9) ^ di as u64);
                // The whole pool is one training set, however often drawn.
                let reps = if m >= pool.len() { 1 } else { self.repeats };
                let (mut nb, mut lr) = (0.0, 0.0);
                for _ in 0..reps {
                    ctx.check()?;
                    let tr = draw(pool, d.y(), d.n_classes(), m, &mut rng);
                    let (a, b) = errors(d, &tr, test, self.c)?;
                    nb += a;
                    lr += b;
                }
                curve.nb.push(nb / reps as f64);
                curve.lr.push(lr / reps as f64);
                let (nbname, title) = if d.is_text() {
                    (
                        "multinomial NB",
                        format!(
                            "{}: test error vs training-set size (word counts)",
                            names[di]
                        ),
                    )
                } else {
                    (
                        "Gaussian NB",
                        format!("{}: test error vs training-set size", names[di]),
                    )
                };
                let zh = format!("{}：测试错误率与训练集大小", names[di]);
                let ch = o.chart_mut(
                    &format!("error_{}", names[di]),
                    bi(title, zh),
                    "training rows",
                    "test error",
                );
                ch.push(nbname, m as f64, nb / reps as f64);
                ch.push("logistic", m as f64, lr / reps as f64);
                o.done += 1;
                ctx.update(&o)?;
            }
            curves.push(curve);
        }
        // Figures, table, notices.
        let mut agree_fast = 0;
        let mut agree_low = 0;
        for c in &curves {
            let (nb_last, lr_last) = (
                c.nb.last().copied().unwrap_or(0.0),
                c.lr.last().copied().unwrap_or(0.0),
            );
            o.figure(
                &format!("nb_error_{}", c.name),
                bi(
                    format!("{}: NB error, all rows", c.name),
                    format!("{}：朴素贝叶斯错误率（全部训练行）", c.name),
                ),
                nb_last,
                "",
            );
            o.figure(
                &format!("lr_error_{}", c.name),
                bi(
                    format!("{}: LR error, all rows", c.name),
                    format!("{}：逻辑回归错误率（全部训练行）", c.name),
                ),
                lr_last,
                "",
            );
            let (s_nb, s_lr) = (c.settles(&c.nb), c.settles(&c.lr));
            let fast = s_nb < s_lr;
            let low = lr_last < nb_last;
            agree_fast += usize::from(fast);
            agree_low += usize::from(low);
            let pct = |v: f64| format!("{:.1}%", 100.0 * v);
            let cross_en = match c.crossover() {
                Some(m) if m == c.sizes[0] => {
                    "logistic regression is at least as good at every size".to_string()
                }
                Some(m) => {
                    format!("naive Bayes is better below {m} rows, logistic regression from {m} on")
                }
                None => "logistic regression never stays ahead".to_string(),
            };
            let cross_zh = match c.crossover() {
                Some(m) if m == c.sizes[0] => "逻辑回归在每个规模上都不差于朴素贝叶斯".to_string(),
                Some(m) => format!("少于 {m} 行时朴素贝叶斯更好，从 {m} 行起逻辑回归更好"),
                None => "逻辑回归始终没有稳定领先".to_string(),
            };
            o.notice(
                bi(
                    format!(
                        "{}: NB is within {} points of its final error ({}) from {} rows, LR ({}) from {} rows: {}; {}; {}",
                        c.name,
                        (DELTA * 100.0) as i64,
                        pct(nb_last),
                        s_nb,
                        pct(lr_last),
                        s_lr,
                        if fast { "NB settles sooner, as Ng & Jordan predict" } else { "NB does not settle sooner here" },
                        if low { "LR ends lower, as predicted" } else { "LR does not end lower here" },
                        cross_en
                    ),
                    format!(
                        "{}：朴素贝叶斯从 {} 行起与其最终错误率（{}）相差不到 {} 个百分点，逻辑回归（{}）从 {} 行起：{}；{}；{}",
                        c.name,
                        s_nb,
                        pct(nb_last),
                        (DELTA * 100.0) as i64,
                        pct(lr_last),
                        s_lr,
                        if fast { "朴素贝叶斯更早收敛到渐近误差，与 Ng & Jordan 的结论一致" } else { "这里朴素贝叶斯并没有更早收敛" },
                        if low { "逻辑回归的渐近误差更低，与结论一致" } else { "这里逻辑回归的最终误差并不更低" },
                        cross_zh
                    ),
                ),
                Some(TOPIC),
            );
        }
        o.tables.push(Table {
            key: "curves".into(),
            title: bi(
                format!(
                    "Mean test error (NB / LR) by training-set size, {} draws per size",
                    self.repeats
                ),
                format!(
                    "各训练集规模下的平均测试错误率（朴素贝叶斯 / 逻辑回归），每个规模抽样 {} 次",
                    self.repeats
                ),
            ),
            columns: ["dataset", "rows", "NB error", "LR error"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows: curves
                .iter()
                .flat_map(|c| {
                    c.sizes.iter().enumerate().map(move |(i, &m)| {
                        vec![
                            Cell::from(c.name.as_str()),
                            Cell::from(m),
                            Cell::from(c.nb[i]),
                            Cell::from(c.lr[i]),
                        ]
                    })
                })
                .collect(),
        });
        let n = curves.len();
        o.notice(
            bi(
                format!(
                    "over the {n} datasets: NB settles sooner on {agree_fast}, LR ends lower on {agree_low}. Ng & Jordan's result is about asymptotic rates, not a law for every dataset: when naive Bayes' independence assumption is close to true (or the classes are easy), NB can also end as low or lower"
                ),
                format!(
                    "在 {n} 个数据集中：朴素贝叶斯更早收敛的有 {agree_fast} 个，逻辑回归最终误差更低的有 {agree_low} 个。Ng & Jordan 的结论讲的是渐近的收敛速度，并非每个数据集都成立：当特征条件独立假设接近成立（或类别很好分）时，朴素贝叶斯的最终误差也可能同样低甚至更低"
                ),
            ),
            Some(TOPIC),
        );
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    #[test]
    fn sizes_double_up_to_the_pool() {
        assert_eq!(sizes(105, 3), vec![8, 16, 32, 64, 105]);
        assert_eq!(sizes(1257, 10), vec![20, 40, 80, 160, 320, 640, 1257]);
    }

    #[test]
    fn draws_hold_every_class_and_no_duplicate() {
        let y = [0, 0, 0, 1, 1, 2, 2, 2, 2, 0];
        let pool: Vec<usize> = (0..10).collect();
        let mut rng = crate::algos::rng(1);
        for m in [3, 5, 10] {
            let d = draw(&pool, &y, 3, m, &mut rng);
            assert_eq!(d.len(), m);
            let mut s = d.clone();
            s.dedup();
            assert_eq!(s.len(), m);
            for c in 0..3 {
                assert!(d.iter().any(|&i| y[i] == c));
            }
        }
    }

    /// scikit-learn's GaussianNB / MultinomialNB / LogisticRegression test
    /// errors on the same fixed draws
    /// (tests/reference/make_gen_disc_reference.py).
    #[test]
    fn errors_match_scikit_learn_on_fixed_draws() {
        let r: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/reference/gen_disc_reference.json"
        ))
        .unwrap();
        let ints = |v: &serde_json::Value| -> Vec<usize> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as usize)
                .collect()
        };
        let cases = r["cases"].as_array().unwrap();
        assert!(cases.len() >= 6);
        let mut loaded: Vec<(String, Data)> = Vec::new();
        for c in cases {
            let name = c["dataset"].as_str().unwrap();
            if !loaded.iter().any(|(n, _)| n == name) {
                loaded.push((name.to_string(), Data::load(name).unwrap()));
            }
            let d = &loaded.iter().find(|(n, _)| n == name).unwrap().1;
            let test = ints(&c["test"]);
            let (nb, lr) = errors(d, &ints(&c["train"]), &test, 1.0).unwrap();
            // One test row is 1/len; L-BFGS stopping points differ a little,
            // so a row near the boundary may flip.
            let tol = 1.5 / test.len() as f64;
            let (rnb, rlr) = (
                c["nb_error"].as_f64().unwrap(),
                c["lr_error"].as_f64().unwrap(),
            );
            assert!((nb - rnb).abs() < 1e-12, "{name}: NB {nb} vs sklearn {rnb}");
            assert!((lr - rlr).abs() <= tol, "{name}: LR {lr} vs sklearn {rlr}");
        }
    }

    #[test]
    fn iris_run_draws_a_curve_and_is_deterministic() {
        let p = GenDiscParams { repeats: 2, c: 1.0 };
        let run = || {
            let flag = AtomicBool::new(false);
            let mut sink = |_: &LabOutcome| {};
            let mut ctx = LabContext::new(0, Some("iris"), &mut sink, &flag);
            p.run(&mut ctx).unwrap()
        };
        let a = run();
        assert_eq!(a.charts.len(), 1);
        assert_eq!(a.charts[0].series.len(), 2);
        assert_eq!(a.charts[0].series[0].points.len(), 5);
        assert_eq!(a.notices.len(), 2);
        let lr = a.find_figure("lr_error_iris").unwrap();
        assert!(lr < 0.15, "iris LR error {lr}");
        assert_eq!(a.figures, run().figures);
    }
}
