//! The column pipeline, fitted on training rows only: imputation (mean,
//! median, most frequent; optional missing-indicator columns), one-hot
//! encoding of categorical columns (a level unseen in training encodes as
//! all zeros, as scikit-learn's `handle_unknown='ignore'`) or ordinal codes
//! for tree models (see [`Encoding`]), dates split into year, month and day
//! of week. [`FittedPipeline::transform`] applies the training statistics to
//! any rows with the same columns (a test split, a CV fold, a held-out file);
//! [`FittedPipeline::transform_sparse`] gives the same numbers as sparse rows
//! for models that take them, so many one-hot levels cost no dense matrix.

use std::collections::HashMap;

use ndarray::Array2;

use super::columns::{ColumnData, ColumnKind, Columns, Date};
use super::csvload::Missing;
use super::sparse::Csr;
use super::table::DataError;

/// How missing cells are handled inside the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Impute {
    pub missing: Missing,
    /// Add a 0/1 column per feature that had missing training cells.
    pub indicator: bool,
}

/// How categorical columns become numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// One 0/1 column per training level; an unseen level is all zeros.
    #[default]
    OneHot,
    /// One column of codes 0, 1, ... over the training levels in sorted
    /// order (scikit-learn's `OrdinalEncoder`); an unseen level gets the
    /// reserved code [`UNSEEN_CODE`]. For trees: one column per category
    /// instead of one per level, and a split can group levels by code.
    Ordinal,
}

/// The ordinal code of a level not seen in the training rows (as
/// scikit-learn's `OrdinalEncoder(handle_unknown='use_encoded_value',
/// unknown_value=-1)`): below every real code, so a tree sends it the way
/// of the smallest codes.
pub const UNSEEN_CODE: f64 = -1.0;

#[derive(Debug, Clone)]
enum Step {
    Numeric {
        col: usize,
        fill: Option<f64>,
        indicator: bool,
    },
    Date {
        col: usize,
        fill: Option<[f64; 3]>,
        indicator: bool,
    },
    OneHot {
        col: usize,
        levels: Vec<String>,
        fill: Option<usize>,
        indicator: bool,
    },
    Ordinal {
        col: usize,
        levels: Vec<String>,
        fill: Option<usize>,
        indicator: bool,
    },
}

impl Step {
    /// The column's training levels, for categorical steps.
    fn levels(&self) -> Option<(usize, &[String])> {
        match self {
            Step::OneHot { col, levels, .. } | Step::Ordinal { col, levels, .. } => {
                Some((*col, levels))
            }
            _ => None,
        }
    }
}

/// Statistics learnt from the training rows.
#[derive(Debug, Clone)]
pub struct FittedPipeline {
    steps: Vec<Step>,
    names: Vec<String>,
    notes: Vec<String>,
    missing: Missing,
}

fn numeric_fill(missing: Missing, present: &mut [f64]) -> Option<f64> {
    if present.is_empty() {
        return None;
    }
    match missing {
        Missing::Refuse | Missing::Drop => None,
        Missing::Mean => Some(present.iter().sum::<f64>() / present.len() as f64),
        Missing::Median | Missing::Auto => {
            present.sort_by(f64::total_cmp);
            let n = present.len();
            Some(if n % 2 == 1 {
                present[n / 2]
            } else {
                (present[n / 2 - 1] + present[n / 2]) / 2.0
            })
        }
        Missing::MostFrequent => {
            // The most frequent value; ties go to the smallest (scikit-learn).
            present.sort_by(f64::total_cmp);
            let (mut best, mut best_n, mut i) = (present[0], 0usize, 0usize);
            while i < present.len() {
                let mut j = i;
                while j < present.len() && present[j] == present[i] {
                    j += 1;
                }
                if j - i > best_n {
                    best = present[i];
                    best_n = j - i;
                }
                i = j;
            }
            Some(best)
        }
    }
}

fn strategy(missing: Missing, numeric: bool) -> &'static str {
    match (missing, numeric) {
        (Missing::Mean, true) => "training mean",
        (Missing::Median | Missing::Auto, true) => "training median",
        (Missing::MostFrequent, _) | (_, false) => "most frequent training value",
        _ => "",
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

impl FittedPipeline {
    /// Fit on the rows `rows` of `cols`, one-hot encoding categories.
    pub fn fit(cols: &Columns, rows: &[usize], imp: Impute) -> Result<FittedPipeline, DataError> {
        FittedPipeline::fit_encoded(cols, rows, imp, Encoding::OneHot)
    }

    /// Fit on the rows `rows` of `cols`, categories encoded as `enc` says.
    pub fn fit_encoded(
        cols: &Columns,
        rows: &[usize],
        imp: Impute,
        enc: Encoding,
    ) -> Result<FittedPipeline, DataError> {
        let mut steps = Vec::new();
        let mut names = Vec::new();
        let mut notes = Vec::new();
        let imputing = !matches!(imp.missing, Missing::Refuse | Missing::Drop);
        for (ci, c) in cols.columns.iter().enumerate() {
            let all_missing = || {
                DataError {
                file: cols.file.clone(),
                line: None,
                column: None,
                message: format!(
                    "column `{}`: every value is missing in the training rows, so there is nothing to fill in from; leave it out with --ignore {}",
                    c.name, c.name
                ),
            }
            };
            match &c.data {
                ColumnData::Numeric(v) => {
                    let mut present: Vec<f64> =
                        rows.iter().map(|&r| v[r]).filter(|x| !x.is_nan()).collect();
                    let n_missing = rows.len() - present.len();
                    if present.is_empty() {
                        return Err(all_missing());
                    }
                    // A yes/no column is filled with its most frequent value.
                    let how = if c.kind == ColumnKind::Boolean {
                        Missing::MostFrequent
                    } else {
                        imp.missing
                    };
                    let fill = if imputing {
                        numeric_fill(how, &mut present)
                    } else {
                        None
                    };
                    let indicator = imp.indicator && n_missing > 0;
                    names.push(c.name.clone());
                    let mut note = format!("`{}`: {}", c.name, c.kind.name());
                    if c.kind == ColumnKind::Boolean {
                        note.push_str(" as 0/1");
                    }
                    if let (Some(f), true) = (fill, n_missing > 0) {
                        note.push_str(&format!(
                            "; {n_missing} missing filled with the {} {}",
                            strategy(how, true),
                            fmt_num(f)
                        ));
                    }
                    if indicator {
                        names.push(format!("{}_missing", c.name));
                        note.push_str("; missing-indicator column added");
                    }
                    notes.push(note);
                    steps.push(Step::Numeric {
                        col: ci,
                        fill,
                        indicator,
                    });
                }
                ColumnData::Date(d) => {
                    let mut parts: [Vec<f64>; 3] = Default::default();
                    for &r in rows {
                        if let Some(x) = d[r] {
                            parts[0].push(f64::from(x.year));
                            parts[1].push(f64::from(x.month));
                            parts[2].push(f64::from(x.weekday()));
                        }
                    }
                    let n_missing = rows.len() - parts[0].len();
                    if parts[0].is_empty() {
                        return Err(all_missing());
                    }
                    let fill = if imputing {
                        let [a, b, w] = &mut parts;
                        match (
                            numeric_fill(imp.missing, a),
                            numeric_fill(imp.missing, b),
                            numeric_fill(imp.missing, w),
                        ) {
                            (Some(a), Some(b), Some(w)) => Some([a, b, w]),
                            _ => None,
                        }
                    } else {
                        None
                    };
                    let indicator = imp.indicator && n_missing > 0;
                    for p in ["year", "month", "dayofweek"] {
                        names.push(format!("{}_{p}", c.name));
                    }
                    let mut note = format!(
                        "`{}`: date split into year, month, day of week (Monday = 0)",
                        c.name
                    );
                    if fill.is_some() && n_missing > 0 {
                        note.push_str(&format!(
                            "; {n_missing} missing filled with the {} of each part",
                            strategy(imp.missing, true)
                        ));
                    }
                    if indicator {
                        names.push(format!("{}_missing", c.name));
                        note.push_str("; missing-indicator column added");
                    }
                    notes.push(note);
                    steps.push(Step::Date {
                        col: ci,
                        fill,
                        indicator,
                    });
                }
                ColumnData::Categorical { codes, levels } => {
                    // Counted by code (one array index per row), then the
                    // levels seen are sorted by name (as scikit-learn's
                    // encoders order them).
                    let mut by_code = vec![0usize; levels.len()];
                    let mut n_missing = 0;
                    for &r in rows {
                        match codes[r] {
                            Some(k) => by_code[k as usize] += 1,
                            None => n_missing += 1,
                        }
                    }
                    let mut seen: Vec<(&str, usize)> = by_code
                        .iter()
                        .enumerate()
                        .filter(|(_, n)| **n > 0)
                        .map(|(k, n)| (levels[k].as_str(), *n))
                        .collect();
                    if seen.is_empty() {
                        return Err(all_missing());
                    }
                    seen.sort_unstable_by(|a, b| a.0.cmp(b.0));
                    let fitted: Vec<String> = seen.iter().map(|(l, _)| l.to_string()).collect();
                    // Most frequent; ties to the first in sorted order.
                    let fill = if imputing {
                        let mut best = 0;
                        for (i, (_, n)) in seen.iter().enumerate() {
                            if *n > seen[best].1 {
                                best = i;
                            }
                        }
                        Some(best)
                    } else {
                        None
                    };
                    let indicator = imp.indicator && n_missing > 0;
                    let shown: Vec<&str> = fitted.iter().take(6).map(String::as_str).collect();
                    let more = if fitted.len() > shown.len() {
                        ", ..."
                    } else {
                        ""
                    };
                    let mut note = match enc {
                        Encoding::OneHot => {
                            for l in &fitted {
                                names.push(format!("{}={l}", c.name));
                            }
                            format!(
                                "`{}`: categorical, one-hot over {} training level(s) ({}{more})",
                                c.name,
                                fitted.len(),
                                shown.join(", "),
                            )
                        }
                        Encoding::Ordinal => {
                            names.push(c.name.clone());
                            format!(
                                "`{}`: categorical, ordinal codes 0..{} over {} training level(s) in sorted order ({}{more})",
                                c.name,
                                fitted.len() - 1,
                                fitted.len(),
                                shown.join(", "),
                            )
                        }
                    };
                    if let (Some(f), true) = (fill, n_missing > 0) {
                        note.push_str(&format!(
                            "; {n_missing} missing filled with the most frequent training level `{}`",
                            fitted[f]
                        ));
                    }
                    if indicator {
                        names.push(format!("{}_missing", c.name));
                        note.push_str("; missing-indicator column added");
                    }
                    notes.push(note);
                    steps.push(match enc {
                        Encoding::OneHot => Step::OneHot {
                            col: ci,
                            levels: fitted,
                            fill,
                            indicator,
                        },
                        Encoding::Ordinal => Step::Ordinal {
                            col: ci,
                            levels: fitted,
                            fill,
                            indicator,
                        },
                    });
                }
                ColumnData::Excluded => {
                    notes.push(format!("`{}`: {}", c.name, c.kind.exclusion()));
                }
            }
        }
        if steps.iter().any(|s| matches!(s, Step::OneHot { .. })) {
            notes.push(
                "one-hot: a level not seen in the training rows encodes as all zeros (handle_unknown='ignore')"
                    .to_string(),
            );
        }
        if steps.iter().any(|s| matches!(s, Step::Ordinal { .. })) {
            notes.push(format!(
                "ordinal: a level not seen in the training rows gets the reserved code {UNSEEN_CODE} (below every training code)"
            ));
        }
        if names.is_empty() {
            return Err(DataError::file(
                &cols.file,
                "no feature columns left (every column is ID-like, text, empty or ignored)",
            ));
        }
        Ok(FittedPipeline {
            steps,
            names,
            notes,
            missing: imp.missing,
        })
    }

    /// Names of the output columns.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// What was done to each column, one line each.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Encode rows `rows` of `cols` (same columns as the fit) with the
    /// training statistics. A missing cell with nothing to fill it from is
    /// an error at its line, naming the flag that fixes it.
    pub fn transform(&self, cols: &Columns, rows: &[usize]) -> Result<Array2<f64>, DataError> {
        let plan = self.plan(cols)?;
        let mut x = Array2::zeros((rows.len(), self.names.len()));
        for (i, mut out) in x.rows_mut().into_iter().enumerate() {
            let out = out
                .as_slice_mut()
                .ok_or_else(|| DataError::file(&cols.file, "internal: a non-contiguous row"))?;
            self.encode_row(cols, &plan, rows[i], &mut |j, v| out[j] = v)?;
        }
        Ok(x)
    }

    /// [`FittedPipeline::transform`] as sparse rows: the same numbers, only
    /// the non-zero ones stored (one-hot columns with many levels are mostly
    /// zeros).
    pub fn transform_sparse(&self, cols: &Columns, rows: &[usize]) -> Result<Csr, DataError> {
        let plan = self.plan(cols)?;
        let mut indptr = Vec::with_capacity(rows.len() + 1);
        indptr.push(0);
        let width = plan.iter().map(|p| p.nnz_hint()).sum::<usize>();
        let mut indices = Vec::with_capacity(rows.len() * width);
        let mut data = Vec::with_capacity(rows.len() * width);
        for &r in rows {
            // Steps write their columns in increasing order, so each row's
            // indices come out sorted.
            self.encode_row(cols, &plan, r, &mut |j, v| {
                if v != 0.0 {
                    indices.push(j);
                    data.push(v);
                }
            })?;
            indptr.push(indices.len());
        }
        Csr::try_new(rows.len(), self.names.len(), indptr, indices, data)
            .map_err(|e| DataError::file(&cols.file, format!("internal: {e}")))
    }

    /// Number of output columns that come from one-hot encoding.
    pub fn one_hot_width(&self) -> usize {
        self.steps
            .iter()
            .map(|s| match s {
                Step::OneHot { levels, .. } => levels.len(),
                _ => 0,
            })
            .sum()
    }

    /// Each step's view of `cols`, checked against the fitted kinds, with
    /// every categorical column's own codes mapped to training levels.
    fn plan<'a>(&self, cols: &'a Columns) -> Result<Vec<Plan<'a>>, DataError> {
        self.steps
            .iter()
            .map(|s| {
                Ok(match s {
                    Step::Numeric {
                        col,
                        fill,
                        indicator,
                    } => {
                        let ColumnData::Numeric(v) = &cols.columns[*col].data else {
                            return Err(schema_error(cols, *col));
                        };
                        Plan::Numeric {
                            col: *col,
                            v,
                            fill: *fill,
                            indicator: *indicator,
                        }
                    }
                    Step::Date {
                        col,
                        fill,
                        indicator,
                    } => {
                        let ColumnData::Date(d) = &cols.columns[*col].data else {
                            return Err(schema_error(cols, *col));
                        };
                        Plan::Date {
                            col: *col,
                            d,
                            fill: *fill,
                            indicator: *indicator,
                        }
                    }
                    Step::OneHot {
                        col,
                        levels,
                        fill,
                        indicator,
                    }
                    | Step::Ordinal {
                        col,
                        levels,
                        fill,
                        indicator,
                    } => {
                        let ColumnData::Categorical { codes, levels: own } =
                            &cols.columns[*col].data
                        else {
                            return Err(schema_error(cols, *col));
                        };
                        let pos: HashMap<&str, usize> = levels
                            .iter()
                            .enumerate()
                            .map(|(i, l)| (l.as_str(), i))
                            .collect();
                        Plan::Categorical {
                            col: *col,
                            codes,
                            map: own.iter().map(|l| pos.get(l.as_str()).copied()).collect(),
                            fill: *fill,
                            indicator: *indicator,
                            one_hot: matches!(s, Step::OneHot { .. }),
                            n_levels: levels.len(),
                        }
                    }
                })
            })
            .collect()
    }

    /// Row `r`'s output cells, as (column, value) in increasing column order.
    fn encode_row(
        &self,
        cols: &Columns,
        plan: &[Plan<'_>],
        r: usize,
        put: &mut dyn FnMut(usize, f64),
    ) -> Result<(), DataError> {
        let mut j = 0;
        for p in plan {
            match p {
                Plan::Numeric {
                    col,
                    v,
                    fill,
                    indicator,
                } => {
                    let val = v[r];
                    put(
                        j,
                        if val.is_nan() {
                            fill.ok_or_else(|| self.unfilled(cols, r, *col))?
                        } else {
                            val
                        },
                    );
                    if *indicator {
                        put(j + 1, f64::from(u8::from(val.is_nan())));
                    }
                    j += 1 + usize::from(*indicator);
                }
                Plan::Date {
                    col,
                    d,
                    fill,
                    indicator,
                } => {
                    let parts = match d[r] {
                        Some(dt) => [
                            f64::from(dt.year),
                            f64::from(dt.month),
                            f64::from(dt.weekday()),
                        ],
                        None => fill.ok_or_else(|| self.unfilled(cols, r, *col))?,
                    };
                    for (k, p) in parts.iter().enumerate() {
                        put(j + k, *p);
                    }
                    if *indicator {
                        put(j + 3, f64::from(u8::from(d[r].is_none())));
                    }
                    j += 3 + usize::from(*indicator);
                }
                Plan::Categorical {
                    col,
                    codes,
                    map,
                    fill,
                    indicator,
                    one_hot,
                    n_levels,
                } => {
                    let level = match codes[r] {
                        Some(k) => map[k as usize],
                        None => Some(fill.ok_or_else(|| self.unfilled(cols, r, *col))?),
                    };
                    let width = if *one_hot { *n_levels } else { 1 };
                    match (one_hot, level) {
                        (true, Some(h)) => put(j + h, 1.0),
                        (true, None) => {}
                        (false, Some(h)) => put(j, h as f64),
                        (false, None) => put(j, UNSEEN_CODE),
                    }
                    if *indicator {
                        put(j + width, f64::from(u8::from(codes[r].is_none())));
                    }
                    j += width + usize::from(*indicator);
                }
            }
        }
        Ok(())
    }

    fn unfilled(&self, cols: &Columns, r: usize, ci: usize) -> DataError {
        DataError {
            file: cols.file.clone(),
            line: cols.lines.get(r).copied(),
            column: None,
            message: format!(
                "column `{}`: missing value; fill it with --missing auto (or mean, median, most-frequent){}",
                cols.columns[ci].name,
                if self.missing == Missing::Drop {
                    " — rows of a held-out file are never dropped"
                } else {
                    ""
                }
            ),
        }
    }

    /// Per categorical column, how many of `rows` have a level not seen in
    /// training (encoded as all zeros): (column, count, first such level).
    pub fn unseen_levels(&self, cols: &Columns, rows: &[usize]) -> Vec<(String, usize, String)> {
        let mut out = Vec::new();
        for s in &self.steps {
            let Some((col, levels)) = s.levels() else {
                continue;
            };
            let ColumnData::Categorical { codes, levels: own } = &cols.columns[col].data else {
                continue;
            };
            let known: std::collections::HashSet<&str> =
                levels.iter().map(String::as_str).collect();
            let unseen: Vec<bool> = own.iter().map(|l| !known.contains(l.as_str())).collect();
            let mut n = 0;
            let mut first = None;
            for &r in rows {
                if let Some(k) = codes[r] {
                    if unseen[k as usize] {
                        n += 1;
                        first.get_or_insert(k as usize);
                    }
                }
            }
            let first = first.map(|k| own[k].clone());
            if n > 0 {
                out.push((cols.columns[col].name.clone(), n, first.unwrap_or_default()));
            }
        }
        out
    }
}

/// A fitted step bound to the columns being encoded.
enum Plan<'a> {
    Numeric {
        col: usize,
        v: &'a [f64],
        fill: Option<f64>,
        indicator: bool,
    },
    Date {
        col: usize,
        d: &'a [Option<Date>],
        fill: Option<[f64; 3]>,
        indicator: bool,
    },
    Categorical {
        col: usize,
        codes: &'a [Option<u32>],
        /// This file's level code -> training level index (None: unseen).
        map: Vec<Option<usize>>,
        fill: Option<usize>,
        indicator: bool,
        one_hot: bool,
        n_levels: usize,
    },
}

impl Plan<'_> {
    /// How many cells of a row this step fills at most (for allocation).
    fn nnz_hint(&self) -> usize {
        match self {
            Plan::Numeric { indicator, .. } | Plan::Categorical { indicator, .. } => {
                1 + usize::from(*indicator)
            }
            Plan::Date { indicator, .. } => 3 + usize::from(*indicator),
        }
    }
}

fn schema_error(cols: &Columns, col: usize) -> DataError {
    DataError::file(
        &cols.file,
        format!(
            "column `{}` has another kind than in the training data",
            cols.columns[col].name
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::super::columns::{typed, Column};
    use super::*;

    fn cols(spec: &[(&str, ColumnKind, &[&str])]) -> Columns {
        let n = spec[0].2.len();
        Columns {
            file: "t.csv".into(),
            lines: (2..n + 2).collect(),
            columns: spec
                .iter()
                .map(|(name, kind, cells)| Column {
                    name: name.to_string(),
                    kind: *kind,
                    data: typed(*kind, cells).expect("typed"),
                })
                .collect(),
        }
    }

    fn imp(missing: Missing, indicator: bool) -> Impute {
        Impute { missing, indicator }
    }

    #[test]
    fn one_hot_uses_training_levels_and_ignores_unseen_ones() {
        let c = cols(&[("c", ColumnKind::Categorical, &["b", "a", "b", "z"])]);
        let f = FittedPipeline::fit(&c, &[0, 1, 2], imp(Missing::Refuse, false)).expect("fit");
        assert_eq!(f.names(), ["c=a", "c=b"]);
        let x = f.transform(&c, &[0, 1, 2, 3]).expect("transform");
        assert_eq!(x.row(0).to_vec(), vec![0.0, 1.0]);
        assert_eq!(x.row(1).to_vec(), vec![1.0, 0.0]);
        assert_eq!(x.row(3).to_vec(), vec![0.0, 0.0], "unseen `z`: all zeros");
        assert_eq!(
            f.unseen_levels(&c, &[0, 1, 2, 3]),
            vec![("c".to_string(), 1, "z".to_string())]
        );
    }

    #[test]
    fn imputers_use_training_rows_only() {
        let c = cols(&[("a", ColumnKind::Numeric, &["1", "", "3", "10", "1000"])]);
        let train = [0, 1, 2, 3];
        for (m, want) in [
            (Missing::Mean, 14.0 / 3.0),
            (Missing::Median, 3.0),
            (Missing::Auto, 3.0),
            (Missing::MostFrequent, 1.0),
        ] {
            let f = FittedPipeline::fit(&c, &train, imp(m, false)).expect("fit");
            let x = f.transform(&c, &[1]).expect("t");
            assert!((x[(0, 0)] - want).abs() < 1e-12, "{m:?}: {}", x[(0, 0)]);
            // The test row (1000) never moves the statistic: refitting with
            // a different test value gives the same fill.
            let c2 = cols(&[("a", ColumnKind::Numeric, &["1", "", "3", "10", "-7"])]);
            let f2 = FittedPipeline::fit(&c2, &train, imp(m, false)).expect("fit");
            assert_eq!(f2.transform(&c2, &[1]).expect("t")[(0, 0)], x[(0, 0)]);
        }
        let f = FittedPipeline::fit(&c, &train, imp(Missing::Refuse, false)).expect("fit");
        let e = f.transform(&c, &[1]).expect_err("unfilled");
        assert_eq!(e.line, Some(3));
        assert!(e.to_string().contains("--missing auto"), "{e}");
    }

    #[test]
    fn categorical_fill_and_indicator() {
        let c = cols(&[
            ("c", ColumnKind::Categorical, &["x", "y", "y", "", "x"]),
            ("n", ColumnKind::Numeric, &["1", "2", "", "4", "5"]),
        ]);
        let f = FittedPipeline::fit(&c, &[0, 1, 2, 3], imp(Missing::Auto, true)).expect("fit");
        assert_eq!(f.names(), ["c=x", "c=y", "c_missing", "n", "n_missing"]);
        let x = f.transform(&c, &[3, 2]).expect("t");
        assert_eq!(x.row(0).to_vec(), vec![0.0, 1.0, 1.0, 4.0, 0.0]);
        // n's training median is over 1, 2, 4 = 2.
        assert_eq!(x.row(1).to_vec(), vec![0.0, 1.0, 0.0, 2.0, 1.0]);
        assert!(
            f.notes()[0].contains("most frequent training level `y`"),
            "{:?}",
            f.notes()
        );
    }

    #[test]
    fn dates_become_year_month_weekday() {
        let c = cols(&[("d", ColumnKind::Date, &["2026-12-07", "2024-02-29", ""])]);
        let f = FittedPipeline::fit(&c, &[0, 1], imp(Missing::Auto, false)).expect("fit");
        assert_eq!(f.names(), ["d_year", "d_month", "d_dayofweek"]);
        let x = f.transform(&c, &[0, 1, 2]).expect("t");
        assert_eq!(x.row(0).to_vec(), vec![2026.0, 12.0, 0.0]);
        assert_eq!(x.row(1).to_vec(), vec![2024.0, 2.0, 3.0]);
        assert_eq!(x.row(2).to_vec(), vec![2025.0, 7.0, 1.5]);
    }

    #[test]
    fn a_column_missing_everywhere_in_training_is_refused() {
        let c = cols(&[("a", ColumnKind::Numeric, &["", "", "3"])]);
        let e = FittedPipeline::fit(&c, &[0, 1], imp(Missing::Auto, false)).expect_err("empty");
        assert!(e.to_string().contains("--ignore a"), "{e}");
    }

    #[test]
    fn ordinal_codes_follow_sorted_training_levels_and_reserve_one_for_unseen() {
        let c = cols(&[
            ("c", ColumnKind::Categorical, &["b", "a", "c", "", "b", "z"]),
            ("n", ColumnKind::Numeric, &["1", "2", "3", "4", "5", "6"]),
        ]);
        let f = FittedPipeline::fit_encoded(
            &c,
            &[0, 1, 2, 3, 4],
            imp(Missing::Auto, true),
            Encoding::Ordinal,
        )
        .expect("fit");
        assert_eq!(f.names(), ["c", "c_missing", "n"]);
        assert_eq!(f.one_hot_width(), 0);
        let x = f.transform(&c, &[0, 1, 2, 3, 5]).expect("t");
        // a=0, b=1, c=2; the gap takes the most frequent level `b`; the
        // unseen `z` gets the reserved code.
        assert_eq!(x.column(0).to_vec(), vec![1.0, 0.0, 2.0, 1.0, UNSEEN_CODE]);
        assert_eq!(x.column(1).to_vec(), vec![0.0, 0.0, 0.0, 1.0, 0.0]);
        assert!(
            f.notes()[0].contains("ordinal codes 0..2 over 3 training level(s)"),
            "{:?}",
            f.notes()
        );
        assert!(
            f.notes().iter().any(|n| n.contains("reserved code -1")),
            "{:?}",
            f.notes()
        );
        assert_eq!(
            f.unseen_levels(&c, &[5]),
            vec![("c".to_string(), 1, "z".to_string())]
        );
    }

    #[test]
    fn sparse_rows_hold_the_same_numbers_as_dense_ones() {
        let c = cols(&[
            ("c", ColumnKind::Categorical, &["b", "a", "c", "", "b", "z"]),
            ("n", ColumnKind::Numeric, &["0", "2", "", "4", "0", "6"]),
            (
                "d",
                ColumnKind::Date,
                &[
                    "2024-01-01",
                    "",
                    "2025-06-30",
                    "2024-02-29",
                    "2023-03-03",
                    "2022-12-31",
                ],
            ),
        ]);
        for enc in [Encoding::OneHot, Encoding::Ordinal] {
            let f = FittedPipeline::fit_encoded(&c, &[0, 1, 2, 3], imp(Missing::Median, true), enc)
                .expect("fit");
            let rows = [5, 4, 3, 2, 1, 0];
            let dense = f.transform(&c, &rows).expect("dense");
            let sparse = f.transform_sparse(&c, &rows).expect("sparse");
            assert_eq!((sparse.nrows(), sparse.ncols()), dense.dim());
            let mut back = Array2::zeros(dense.dim());
            for (i, (ix, v)) in sparse.rows().enumerate() {
                assert!(v.iter().all(|x| *x != 0.0), "only non-zeros are stored");
                for (&j, &val) in ix.iter().zip(v) {
                    back[(i, j)] = val;
                }
            }
            assert_eq!(back, dense, "{enc:?}");
        }
    }
}
