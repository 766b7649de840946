//! Datasets: the bundled manifest, CSV -> ndarray with located errors, text
//! corpora and TF-IDF, scaling, the stratified split and k-fold. Terminal-free.

mod csvload;
mod manifest;
pub mod scale;
pub mod split;
pub mod text;

use std::fmt;

use ndarray::Array2;

pub use csvload::{load_csv_bytes, load_csv_path, CsvOptions, Missing};
pub use manifest::{bundled_file, manifest, DatasetInfo, DatasetKind};

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
    /// For each row of `x`, its line in the source file (after dropping rows
    /// with missing values this is not simply index + 2).
    pub source_lines: Vec<usize>,
    /// What was done to get here (e.g. "dropped 3 rows with missing values").
    pub notes: Vec<String>,
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
        self.y().len()
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

/// Load a dataset by bundled name or by path. Tabular CSVs and text corpora
/// (a CSV whose only feature column is text) are supported here; sequence
/// and graph data have their own loaders.
pub fn load(name_or_path: &str, opts: &CsvOptions) -> Result<Dataset, DataError> {
    if let Some(info) = manifest().iter().find(|d| d.name == name_or_path) {
        let bytes = bundled_file(&info.file).ok_or_else(|| {
            DataError::file(&info.file, "bundled file is missing from this build")
        })?;
        return match info.kind {
            DatasetKind::Tabular => {
                let mut o = opts.clone();
                if o.target.is_none() {
                    o.target = Some(info.target.clone());
                }
                load_csv_bytes(&info.name, &format!("datasets/{}", info.file), bytes, &o)
                    .map(Dataset::Table)
            }
            DatasetKind::Text => text::load_corpus_bytes(&info.name, &format!("datasets/{}", info.file), bytes, opts)
                .map(Dataset::Text),
            other => Err(DataError::file(
                &info.file,
                format!(
                    "dataset `{}` is {other} data; it is used by the sequence and graph tools, not by `run` with a classifier",
                    info.name
                ),
            )),
        };
    }
    let path = std::path::Path::new(name_or_path);
    if !path.exists() {
        let names: Vec<&str> = manifest().iter().map(|d| d.name.as_str()).collect();
        return Err(DataError::file(
            name_or_path,
            format!(
                "no such file, and not a bundled dataset (bundled: {})",
                names.join(", ")
            ),
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| DataError::file(name_or_path, format!("cannot read: {e}")))?;
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(name_or_path)
        .to_string();
    // A CSV with one non-numeric feature column of free text is a corpus.
    if text::looks_like_corpus(&bytes, opts) {
        return text::load_corpus_bytes(&name, name_or_path, &bytes, opts).map(Dataset::Text);
    }
    load_csv_bytes(&name, name_or_path, &bytes, opts).map(Dataset::Table)
}
