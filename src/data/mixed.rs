//! Loading a CSV into typed columns (the path for files with categorical,
//! boolean, date, text or ID-like columns, overrides, or missing cells to
//! impute), and reading a held-out or unlabelled file against the training
//! file's columns.

use std::sync::Arc;

use super::columns::{infer_kind, typed, Column, ColumnData, ColumnKind, Columns, Inferred};
use super::csvload::{
    column_index, infer_task, labels, read_raw, target_values, Missing, RawCsv, TaskKind,
    MISSING_HINT,
};
use super::pipeline::{Encoding, FittedPipeline, Impute};
use super::table::{DataError, Table};
use super::CsvOptions;

fn check_names(file: &str, raw: &RawCsv, names: &[String], flag: &str) -> Result<(), DataError> {
    for n in names {
        column_index(file, &raw.header, n, flag)?;
    }
    Ok(())
}

/// Typed columns of `feats` in `raw`, kinds inferred unless overridden.
fn typed_columns(
    file: &str,
    raw: &RawCsv,
    feats: &[usize],
    opts: &CsvOptions,
) -> Result<Columns, DataError> {
    let mut columns = Vec::with_capacity(feats.len());
    for &c in feats {
        let name = &raw.header[c];
        let cells: Vec<&str> = raw.column(c).collect();
        let kind = if opts.ignore.iter().any(|n| n == name) {
            ColumnKind::Ignored
        } else if opts.categorical.iter().any(|n| n == name) {
            ColumnKind::Categorical
        } else {
            match infer_kind(name, cells.iter().copied()) {
                Inferred::Kind(k) => k,
                Inferred::MostlyNumeric { row, cell } => {
                    return Err(DataError {
                        file: file.to_string(),
                        line: Some(raw.lines[row]),
                        column: Some((c + 1, name.clone())),
                        message: format!(
                            "`{cell}` is not a number, but most of this column is; fix the cell, \
                             mark it missing (empty or NA), or treat the column as categories with \
                             --categorical {name}"
                        ),
                    })
                }
            }
        };
        let data = typed(kind, &cells).map_err(|(row, message)| DataError {
            file: file.to_string(),
            line: Some(raw.lines[row]),
            column: Some((c + 1, name.clone())),
            message,
        })?;
        columns.push(Column {
            name: name.clone(),
            kind,
            data,
        });
    }
    Ok(Columns {
        file: file.to_string(),
        columns,
        lines: raw.lines.clone(),
    })
}

/// Cells of the dense all-rows matrix a typed table keeps for display
/// (32 MB of f64) before it switches to ordinal codes.
const DISPLAY_CELLS: usize = 1 << 22;

/// The typed path of [`super::load_csv_bytes`].
pub(crate) fn load_typed(
    name: &str,
    file: &str,
    raw: &RawCsv,
    ti: usize,
    feats: &[usize],
    opts: &CsvOptions,
) -> Result<Table, DataError> {
    check_names(file, raw, &opts.categorical, "--categorical")?;
    check_names(file, raw, &opts.ignore, "--ignore")?;
    if opts.ignore.iter().any(|n| *n == raw.header[ti]) {
        return Err(DataError::file(
            file,
            format!(
                "`{}` is the target column; it cannot be ignored",
                raw.header[ti]
            ),
        ));
    }
    let cols = typed_columns(file, raw, feats, opts)?;
    let n = raw.n_rows();
    let miss = cols.missing_counts();
    let total: usize = miss.iter().map(|m| m.0).sum();
    let mut keep = vec![true; n];
    let mut notes = Vec::new();
    if total > 0 {
        match opts.missing {
            Missing::Refuse => {
                let mut per: Vec<String> = cols
                    .columns
                    .iter()
                    .zip(&miss)
                    .filter(|(_, m)| m.0 > 0)
                    .map(|(c, m)| {
                        format!("`{}` {} (first at line {})", c.name, m.0, m.1.unwrap_or(0))
                    })
                    .collect();
                if per.len() > 4 {
                    let more = per.len() - 3;
                    per.truncate(3);
                    per.push(format!("and {more} more columns"));
                }
                let first = feats
                    .iter()
                    .zip(&miss)
                    .filter_map(|(&c, m)| m.1.map(|l| (l, c)))
                    .min();
                return Err(DataError {
                    file: file.to_string(),
                    line: first.map(|(l, _)| l),
                    column: first.map(|(_, c)| (c + 1, raw.header[c].clone())),
                    message: format!(
                        "{total} missing value(s): {}; {MISSING_HINT}",
                        per.join(", ")
                    ),
                });
            }
            Missing::Drop => {
                for (r, k) in keep.iter_mut().enumerate() {
                    *k = !cols.row_has_missing(r);
                }
                let dropped = keep.iter().filter(|k| !**k).count();
                notes.push(format!("dropped {dropped} row(s) with missing values"));
                if dropped == n {
                    return Err(DataError::file(
                        file,
                        "every row has a missing value; nothing left after --missing drop",
                    ));
                }
            }
            _ => {}
        }
    }
    let task = opts.task.unwrap_or_else(|| infer_task(raw, ti, &keep));
    let (y, classes, values) = match task {
        TaskKind::Classification => {
            let (y, classes) = labels(file, raw, ti, &keep)?;
            (y, classes, None)
        }
        TaskKind::Regression => (
            Vec::new(),
            Vec::new(),
            Some(target_values(file, raw, ti, &keep)?),
        ),
    };
    let kept: Vec<usize> = (0..n).filter(|&r| keep[r]).collect();
    let cols = if kept.len() == n {
        cols
    } else {
        cols.select(&kept)
    };
    let impute = Impute {
        missing: opts.missing,
        indicator: opts.missing_indicator,
    };
    let all: Vec<usize> = (0..cols.n_rows()).collect();
    // For display and the 2-D picture only; every fit (supervised or not)
    // refits the pipeline on its own rows (see `experiment::features`). A
    // big table with many levels is shown with ordinal codes: its one-hot
    // copy of every row would take more memory than anything the run does
    // (1M rows x 227 one-hot columns is 1.8 GB).
    let mut shown = FittedPipeline::fit(&cols, &all, impute)?;
    if all.len().saturating_mul(shown.names().len()) > DISPLAY_CELLS {
        shown = FittedPipeline::fit_encoded(&cols, &all, impute, Encoding::Ordinal)?;
    }
    let x = shown.transform(&cols, &all)?;
    for c in &cols.columns {
        if !c.kind.is_feature() {
            notes.push(format!("`{}`: {}", c.name, c.kind.exclusion()));
        }
    }
    Ok(Table {
        name: name.to_string(),
        feature_names: shown.names().to_vec(),
        x,
        y,
        classes,
        values,
        source_lines: cols.lines.clone(),
        notes,
        target: raw.header[ti].clone(),
        columns: Some(Arc::new(cols)),
        impute,
    })
}

/// The training table's columns (typed, or its numeric matrix as columns).
pub fn table_columns(t: &Table) -> Arc<Columns> {
    match &t.columns {
        Some(c) => Arc::clone(c),
        None => Arc::new(Columns::from_numeric(
            &t.name,
            t.x.view(),
            &t.feature_names,
            &t.source_lines,
        )),
    }
}

/// A file read against a training table's columns.
#[derive(Debug, Clone)]
pub struct Against {
    pub columns: Columns,
    /// The header and every row's cells, for the id column of a submission.
    pub raw: RawCsv,
    /// Target column's cells when the file has it (a `--test` file).
    pub target: Option<Vec<String>>,
    /// What was done (extra columns ignored and such).
    pub notes: Vec<String>,
}

/// Read `bytes` (a held-out or unlabelled file) with the columns and kinds
/// of `train`. A training column the file lacks is an error naming it;
/// extra columns are ignored with a note; the target column is optional.
pub fn read_against(
    file: &str,
    bytes: &[u8],
    train: &Table,
    delimiter: Option<u8>,
) -> Result<Against, DataError> {
    let schema = table_columns(train);
    let raw = read_raw(file, bytes, delimiter)?;
    let mut notes = Vec::new();
    let lacking: Vec<&str> = schema
        .columns
        .iter()
        .filter(|c| c.kind.is_feature() && !raw.header.contains(&c.name))
        .map(|c| c.name.as_str())
        .collect();
    if !lacking.is_empty() {
        return Err(DataError {
            file: file.to_string(),
            line: Some(1),
            column: None,
            message: format!(
                "the training data's column(s) {} are not in this file; its columns are: {}",
                lacking
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                raw.header.join(", ")
            ),
        });
    }
    let extra: Vec<&str> = raw
        .header
        .iter()
        .filter(|h| **h != train.target && !schema.columns.iter().any(|c| c.name == **h))
        .map(String::as_str)
        .collect();
    if !extra.is_empty() {
        notes.push(format!(
            "{}: column(s) not in the training data, ignored: {}",
            file,
            extra.join(", ")
        ));
    }
    let mut columns = Vec::with_capacity(schema.columns.len());
    for c in &schema.columns {
        let data = if c.kind.is_feature() {
            let idx = column_index(file, &raw.header, &c.name, "feature")?;
            let cells: Vec<&str> = raw.column(idx).collect();
            typed(c.kind, &cells).map_err(|(row, message)| DataError {
                file: file.to_string(),
                line: Some(raw.lines[row]),
                column: Some((idx + 1, c.name.clone())),
                message: format!(
                    "{message} (this column is {} in the training data)",
                    c.kind.name()
                ),
            })?
        } else {
            ColumnData::Excluded
        };
        columns.push(Column {
            name: c.name.clone(),
            kind: c.kind,
            data,
        });
    }
    let target = raw
        .header
        .iter()
        .position(|h| *h == train.target)
        .map(|ti| raw.column(ti).map(|cell| cell.trim().to_string()).collect());
    Ok(Against {
        columns: Columns {
            file: file.to_string(),
            columns,
            lines: raw.lines.clone(),
        },
        raw,
        target,
        notes,
    })
}
