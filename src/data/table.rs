//! What a loaded dataset is ([`Table`], [`Corpus`], [`Dataset`]) and the
//! located [`DataError`] the loaders return. A leaf: the loaders import it,
//! it imports none of them.

use std::fmt;

use ndarray::Array2;

/// A problem with input data, located as precisely as we can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    pub file: String,
    /// 1-based line in the file (the header is line 1).
    pub line: Option<usize>,
    /// 1-based column number and its name.
    pub column: Option<(usize, String)>,
    pub message: String,
}

impl DataError {
    pub fn file(file: &str, message: impl Into<String>) -> DataError {
        DataError {
            file: file.to_string(),
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some((c, _)) = &self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": ")?;
        if let Some((_, name)) = &self.column {
            write!(f, "column `{name}`: ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for DataError {}

/// A labelled numeric table: features as f64, class labels as indices into
/// `classes` (the original strings, kept for display).
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub feature_names: Vec<String>,
    pub x: Array2<f64>,
    pub y: Vec<usize>,
    pub classes: Vec<String>,
    /// The target's numbers when the task is regression (`y` and `classes`
    /// are empty then); `None` for classification.
    pub values: Option<Vec<f64>>,
    /// For each row of `x`, its line in the source file (after dropping rows
    /// with missing values this is not simply index + 2).
    pub source_lines: Vec<usize>,
    /// What was done to get here (e.g. "dropped 3 rows with missing values").
    pub notes: Vec<String>,
    /// The target column's name (the header of a submission file).
    pub target: String,
    /// Typed columns when the file needs encoding or imputation: then
    /// `x` is only for display (encoded with statistics of all rows), and
    /// every fit re-encodes its training rows with a pipeline fitted on them
    /// alone. `None` for numeric-only files, whose `x` is used as it is.
    pub columns: Option<std::sync::Arc<super::columns::Columns>>,
    /// How the pipeline fills missing cells.
    pub impute: super::pipeline::Impute,
}

impl Table {
    pub fn n_rows(&self) -> usize {
        self.x.nrows()
    }

    pub fn n_features(&self) -> usize {
        self.x.ncols()
    }

    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }

    /// Rows per class, in class order.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut c = vec![0; self.classes.len()];
        for &y in &self.y {
            c[y] += 1;
        }
        c
    }
}

/// A labelled text corpus.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub name: String,
    pub texts: Vec<String>,
    pub y: Vec<usize>,
    pub classes: Vec<String>,
}

/// What `--dataset` resolved to.
#[derive(Debug, Clone)]
pub enum Dataset {
    Table(Table),
    Text(Corpus),
}

impl Dataset {
    pub fn name(&self) -> &str {
        match self {
            Dataset::Table(t) => &t.name,
            Dataset::Text(c) => &c.name,
        }
    }

    pub fn y(&self) -> &[usize] {
        match self {
            Dataset::Table(t) => &t.y,
            Dataset::Text(c) => &c.y,
        }
    }

    pub fn classes(&self) -> &[String] {
        match self {
            Dataset::Table(t) => &t.classes,
            Dataset::Text(c) => &c.classes,
        }
    }

    pub fn n_rows(&self) -> usize {
        match self {
            Dataset::Table(t) => t.n_rows(),
            Dataset::Text(c) => c.y.len(),
        }
    }

    /// Regression targets, when the dataset is a regression table.
    pub fn values(&self) -> Option<&[f64]> {
        match self {
            Dataset::Table(t) => t.values.as_deref(),
            Dataset::Text(_) => None,
        }
    }
}

/// Sort class names: numerically when they all are numbers, else as text.
pub fn sort_classes(names: &mut [String]) {
    let all_numeric = names.iter().all(|n| n.trim().parse::<f64>().is_ok());
    if all_numeric {
        names.sort_by(|a, b| {
            let (x, y) = (a.trim().parse::<f64>(), b.trim().parse::<f64>());
            match (x, y) {
                (Ok(x), Ok(y)) => x.total_cmp(&y),
                _ => a.cmp(b),
            }
        });
    } else {
        names.sort();
    }
}
