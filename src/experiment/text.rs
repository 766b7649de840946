//! The text side of a classification run: features as a sparse matrix (or,
//! for the few algorithms that only take dense rows, a bounded dense copy),
//! a held-out `--test` corpus mapped onto the training classes, and the words
//! a fitted model leans on.

use ndarray::Array2;

use super::report::{ClassWords, MessageWords, TextSummary};
use super::{Config, ExperimentError};
use crate::algos::Classifier;
use crate::data::sparse::Csr;
use crate::data::text::{TextOptions, Vectorizer};
use crate::data::{self, Dataset};

/// Largest dense document-term matrix we make for an algorithm that only
/// takes dense rows (k-NN, trees, ...): 256 MiB. The sparse algorithms
/// (multinomial NB, logistic regression, the SVMs) never densify.
pub(super) const DENSE_TEXT_LIMIT: usize = 256 << 20;

/// Training or test features: dense rows (tables) or sparse rows (text).
pub(super) enum Matrix {
    Dense(Array2<f64>),
    Sparse(Csr),
}

impl Matrix {
    pub(super) fn ncols(&self) -> usize {
        match self {
            Matrix::Dense(x) => x.ncols(),
            Matrix::Sparse(x) => x.ncols(),
        }
    }

    pub(super) fn predict(&self, model: &dyn Classifier) -> Result<Vec<usize>, ExperimentError> {
        match self {
            Matrix::Dense(x) => Ok(model.predict(x.view())),
            Matrix::Sparse(x) => model.predict_sparse(x).ok_or_else(|| {
                ExperimentError::setup("this model cannot predict sparse (text) rows")
            }),
        }
    }

    pub(super) fn scores(&self, model: &dyn Classifier) -> Option<Array2<f64>> {
        match self {
            Matrix::Dense(x) => model.scores(x.view()),
            Matrix::Sparse(x) => model.scores_sparse(x),
        }
    }
}

/// A dense copy of `x` for a dense-only algorithm, refused past
/// [`DENSE_TEXT_LIMIT`] with a message naming the sparse alternatives.
pub(super) fn densify(x: &Csr, algo: &str) -> Result<Array2<f64>, ExperimentError> {
    let bytes = x.nrows().saturating_mul(x.ncols()).saturating_mul(8);
    if bytes > DENSE_TEXT_LIMIT {
        return Err(ExperimentError::setup(format!(
            "`{algo}` works on dense rows only, and this corpus would be a dense {} x {} matrix \
             ({:.1} GB). Use a sparse text classifier (multinomial-nb, logistic-regression, \
             linear-svm, svm) or shrink the vocabulary with --min-df / --max-df",
            x.nrows(),
            x.ncols(),
            bytes as f64 / 1e9
        )));
    }
    let mut d = Array2::zeros((x.nrows(), x.ncols()));
    for (i, mut out) in d.rows_mut().into_iter().enumerate() {
        let (ix, v) = x.row(i);
        for (&j, &val) in ix.iter().zip(v) {
            out[j] = val;
        }
    }
    Ok(d)
}

/// The vectoriser settings of a run.
pub(super) fn options(config: &Config) -> TextOptions {
    TextOptions {
        tfidf: config.text == super::TextFeatures::Tfidf,
        ngram_range: config.ngram_range,
        min_df: config.min_df,
        max_df: config.max_df,
    }
}

/// Fit the vectoriser on `train` texts; vectorise both sides.
pub(super) fn vectorise(
    train: &[&str],
    test: &[&str],
    config: &Config,
) -> Result<(Vectorizer, Csr, Csr), ExperimentError> {
    let (v, xtr) = Vectorizer::fit_transform(train, &options(config))
        .map_err(|e| ExperimentError::setup(format!("vectorising the texts: {e}")))?;
    let xte = v.transform(test);
    Ok((v, xtr, xte))
}

/// The summary shown in the report, before the model's words are added.
pub(super) fn summary(v: &Vectorizer, xtr: &Csr, sparse: bool) -> TextSummary {
    TextSummary {
        weighting: if v.options.tfidf { "tfidf" } else { "counts" },
        ngram_range: v.options.ngram_range,
        min_df: v.options.min_df.to_string(),
        max_df: v.options.max_df.to_string(),
        vocabulary_size: v.vocabulary.len(),
        pruned_terms: v.pruned,
        nnz: xtr.nnz(),
        density: xtr.density(),
        sparse,
        indicative: Vec::new(),
        example: None,
        unseen_test_classes: Vec::new(),
    }
}

/// The `top` largest entries of `values` as (index, value), largest first
/// (ties: lower index first).
fn top(values: impl Iterator<Item = (usize, f64)>, top: usize) -> Vec<(usize, f64)> {
    let mut all: Vec<(usize, f64)> = values.filter(|(_, v)| v.is_finite()).collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    all.truncate(top);
    all
}

/// Per class, the `k` words with the largest weight towards it.
pub(super) fn indicative(
    weights: &Array2<f64>,
    names: &[String],
    classes: &[String],
    measure: &'static str,
    k: usize,
) -> Vec<ClassWords> {
    weights
        .rows()
        .into_iter()
        .zip(classes)
        .map(|(row, class)| ClassWords {
            class: class.clone(),
            measure,
            words: top(row.iter().copied().enumerate(), k)
                .into_iter()
                .map(|(j, w)| (names.get(j).cloned().unwrap_or_default(), w))
                .collect(),
        })
        .collect()
}

/// Contribution of each word of test row `row` towards class `class`:
/// feature value x weight, the `k` largest.
pub(super) fn contributions(
    weights: &Array2<f64>,
    x: &Csr,
    row: usize,
    class: usize,
    names: &[String],
    k: usize,
) -> Vec<(String, f64)> {
    if class >= weights.nrows() {
        return Vec::new();
    }
    let w = weights.row(class);
    let (ix, v) = x.row(row);
    top(ix.iter().zip(v).map(|(&j, &val)| (j, val * w[j])), k)
        .into_iter()
        .map(|(j, c)| (names.get(j).cloned().unwrap_or_default(), c))
        .collect()
}

/// An explained test message.
pub(super) fn example(
    weights: &Array2<f64>,
    x: &Csr,
    row: usize,
    text: &str,
    (truth, predicted): (usize, usize),
    names: &[String],
    classes: &[String],
) -> MessageWords {
    MessageWords {
        test_row: row,
        text: text.to_string(),
        truth: classes.get(truth).cloned().unwrap_or_default(),
        predicted: classes.get(predicted).cloned().unwrap_or_default(),
        words: contributions(weights, x, row, predicted, names, 8),
    }
}

/// A held-out corpus for `--test FILE`, its labels mapped onto the training
/// classes; a class found only in the test file is appended to `classes`
/// (the model never predicts it) and listed with its row count.
pub(super) struct TestCorpus {
    pub texts: Vec<String>,
    pub y: Vec<usize>,
    pub unseen: Vec<(String, usize)>,
}

pub(super) fn load_test_corpus(
    file: &str,
    config: &Config,
    classes: &mut Vec<String>,
) -> Result<TestCorpus, ExperimentError> {
    let ds = data::load(file, &config.csv)?;
    let Dataset::Text(c) = ds else {
        return Err(ExperimentError::setup(format!(
            "--test {file}: the training data is a text corpus (text and label columns) but \
             this file reads as a table"
        )));
    };
    let mut unseen: Vec<(String, usize)> = Vec::new();
    let mut map = Vec::with_capacity(c.classes.len());
    for name in &c.classes {
        let idx = match classes.iter().position(|k| k == name) {
            Some(i) => i,
            None => {
                classes.push(name.clone());
                unseen.push((name.clone(), 0));
                classes.len() - 1
            }
        };
        map.push(idx);
    }
    let y: Vec<usize> = c.y.iter().map(|&l| map[l]).collect();
    for (name, count) in unseen.iter_mut() {
        if let Some(idx) = classes.iter().position(|k| k == name) {
            *count = y.iter().filter(|&&l| l == idx).count();
        }
    }
    if c.texts.is_empty() {
        return Err(ExperimentError::setup(format!("--test {file}: no rows")));
    }
    Ok(TestCorpus {
        texts: c.texts,
        y,
        unseen,
    })
}
