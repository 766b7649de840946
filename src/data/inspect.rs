//! `mlwb inspect`: what each column of a table is — its inferred kind,
//! missing cells, distinct values and top levels, min/mean/max and a small
//! histogram — and the target's kind, hence the task.

use std::collections::HashMap;

use serde::Serialize;

use super::columns::{infer_kind, parse_date, ColumnKind, Inferred};
use super::csvload::{column_index, infer_task, is_missing, read_raw, TaskKind};
use super::table::DataError;
use super::{bounded, bundled_file, manifest, CsvOptions, DatasetKind};

/// Number of histogram bins.
pub const BINS: usize = 8;

#[derive(Debug, Clone, Serialize)]
pub struct ColumnProfile {
    pub name: String,
    pub kind: ColumnKind,
    /// `feature`, `target` or `excluded`.
    pub role: &'static str,
    pub missing: usize,
    pub distinct: usize,
    /// The most frequent values with their counts (at most 5).
    pub top: Vec<(String, usize)>,
    pub min: Option<f64>,
    pub mean: Option<f64>,
    pub max: Option<f64>,
    /// Counts in [`BINS`] equal-width bins from min to max (numeric columns).
    pub histogram: Vec<usize>,
    /// The histogram as a line of block characters.
    pub sparkline: String,
    /// A remark: why excluded, a hint about an override.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    pub name: String,
    pub file: String,
    pub rows: usize,
    pub target: String,
    /// Classification or regression, as inferred (or forced by --task).
    pub task: TaskKind,
    pub columns: Vec<ColumnProfile>,
}

/// Block characters for [`sparkline`], lowest to highest.
const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Counts as a line of block characters (an empty bin is a space).
pub fn sparkline(counts: &[usize]) -> String {
    let max = counts.iter().copied().max().unwrap_or(0);
    counts
        .iter()
        .map(|&c| {
            if c == 0 || max == 0 {
                ' '
            } else {
                BLOCKS[(c * (BLOCKS.len() - 1)).div_ceil(max)]
            }
        })
        .collect()
}

/// The bytes and display path of a bundled name or a file path.
pub fn resolve(name_or_path: &str) -> Result<(String, String, Vec<u8>), DataError> {
    if let Some(info) = manifest().iter().find(|d| d.name == name_or_path) {
        if info.kind != DatasetKind::Tabular && info.kind != DatasetKind::Text {
            return Err(DataError::file(
                &info.file,
                format!("`{}` is {} data, not a table", info.name, info.kind),
            ));
        }
        let bytes = bundled_file(&info.file).ok_or_else(|| {
            DataError::file(&info.file, "bundled file is missing from this build")
        })?;
        return Ok((
            info.name.clone(),
            format!("datasets/{}", info.file),
            bytes.to_vec(),
        ));
    }
    let path = std::path::Path::new(name_or_path);
    let bytes = bounded::read_bounded(path).map_err(|e| DataError::file(name_or_path, e))?;
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(name_or_path)
        .to_string();
    Ok((name, name_or_path.to_string(), bytes))
}

/// Profile every column of a bundled table or a CSV file.
pub fn inspect(name_or_path: &str, opts: &CsvOptions) -> Result<Inspection, DataError> {
    inspect_with(name_or_path, opts, &mut |_| true)
}

/// How far a profiling has got (for a progress line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The file is read and split into rows.
    Read { rows: usize, columns: usize },
    /// `done` of `total` columns profiled.
    Column { done: usize, total: usize },
}

/// [`inspect`], telling `progress` each stage; when it returns false the
/// profiling stops with an error saying it was cancelled.
pub fn inspect_with(
    name_or_path: &str,
    opts: &CsvOptions,
    progress: &mut dyn FnMut(Stage) -> bool,
) -> Result<Inspection, DataError> {
    let (name, file, bytes) = resolve(name_or_path)?;
    let target = opts.target.clone().or_else(|| {
        manifest()
            .iter()
            .find(|d| d.name == name_or_path)
            .map(|d| d.target.clone())
    });
    inspect_bytes(&name, &file, &bytes, opts, target.as_deref(), progress)
}

/// [`inspect_with`] on bytes already read.
pub fn inspect_bytes(
    name: &str,
    file: &str,
    bytes: &[u8],
    opts: &CsvOptions,
    target: Option<&str>,
    progress: &mut dyn FnMut(Stage) -> bool,
) -> Result<Inspection, DataError> {
    let raw = read_raw(file, bytes, opts.delimiter)?;
    let cancelled = || DataError::file(file, "profiling cancelled");
    let total = raw.header.len();
    if !progress(Stage::Read {
        rows: raw.n_rows(),
        columns: total,
    }) {
        return Err(cancelled());
    }
    let ti = match target {
        Some(t) => column_index(file, &raw.header, t, "target")?,
        None => raw.header.len() - 1,
    };
    for n in opts.categorical.iter().chain(&opts.ignore) {
        column_index(file, &raw.header, n, "such")?;
    }
    let keep = vec![true; raw.n_rows()];
    let task = opts.task.unwrap_or_else(|| infer_task(&raw, ti, &keep));
    let selected = |c: usize| match &opts.features {
        Some(f) => f.iter().any(|n| *n == raw.header[c]),
        None => true,
    };
    let mut columns = Vec::with_capacity(raw.header.len());
    for (c, cname) in raw.header.iter().enumerate() {
        let cells: Vec<&str> = raw.column(c).collect();
        let mut note = None;
        let kind = if opts.ignore.iter().any(|n| n == cname) || (c != ti && !selected(c)) {
            ColumnKind::Ignored
        } else if opts.categorical.iter().any(|n| n == cname) {
            ColumnKind::Categorical
        } else {
            match infer_kind(cname, cells.iter().copied()) {
                Inferred::Kind(k) => k,
                Inferred::MostlyNumeric { row, cell } => {
                    note = Some(format!(
                        "mostly numbers, but line {} has `{cell}`: fix it, or --categorical {cname}",
                        raw.lines[row]
                    ));
                    ColumnKind::Numeric
                }
            }
        };
        columns.push(profile(cname, kind, &cells, c == ti, note));
        if !progress(Stage::Column { done: c + 1, total }) {
            return Err(cancelled());
        }
    }
    Ok(Inspection {
        name: name.to_string(),
        file: file.to_string(),
        rows: raw.n_rows(),
        target: raw.header[ti].clone(),
        task,
        columns,
    })
}

fn profile(
    name: &str,
    kind: ColumnKind,
    cells: &[&str],
    is_target: bool,
    mut note: Option<String>,
) -> ColumnProfile {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut missing = 0;
    for c in cells {
        if is_missing(c) {
            missing += 1;
        } else {
            *counts.entry(c.trim()).or_insert(0) += 1;
        }
    }
    let mut top: Vec<(String, usize)> = counts.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(5);
    let nums: Vec<f64> = if matches!(kind, ColumnKind::Numeric | ColumnKind::Boolean) {
        cells
            .iter()
            .filter_map(|c| c.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .collect()
    } else if kind == ColumnKind::Date {
        // Dates as years with a fraction, for the range and the histogram.
        cells
            .iter()
            .filter_map(|c| parse_date(c))
            .map(|d| {
                f64::from(d.year)
                    + (f64::from(d.month) - 1.0) / 12.0
                    + (f64::from(d.day) - 1.0) / 365.0
            })
            .collect()
    } else {
        Vec::new()
    };
    let (mut min, mut mean, mut max, mut histogram) = (None, None, None, Vec::new());
    if !nums.is_empty() {
        let lo = nums.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = nums.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        min = Some(lo);
        max = Some(hi);
        mean = Some(nums.iter().sum::<f64>() / nums.len() as f64);
        histogram = vec![0; BINS];
        for v in &nums {
            let b = if hi > lo {
                (((v - lo) / (hi - lo)) * BINS as f64) as usize
            } else {
                0
            };
            histogram[b.min(BINS - 1)] += 1;
        }
    }
    if note.is_none() {
        note = match kind {
            ColumnKind::Numeric
                if !is_target
                    && counts.len() <= 10
                    && counts.keys().all(|k| k.parse::<i64>().is_ok()) =>
            {
                Some(format!(
                    "integers with {} levels, used as numbers; --categorical {name} one-hot encodes them",
                    counts.len()
                ))
            }
            k if !is_target && !k.is_feature() => Some(k.exclusion().to_string()),
            _ => None,
        };
    }
    ColumnProfile {
        name: name.to_string(),
        kind,
        role: if is_target {
            "target"
        } else if kind.is_feature() {
            "feature"
        } else {
            "excluded"
        },
        missing,
        distinct: counts.len(),
        top,
        min,
        mean,
        max,
        sparkline: sparkline(&histogram),
        histogram,
        note,
    }
}

fn num(v: Option<f64>) -> String {
    match v {
        Some(x) if x.fract() == 0.0 && x.abs() < 1e9 => format!("{x:.0}"),
        Some(x) => format!("{x:.4}"),
        None => "-".into(),
    }
}

/// The text lines of an inspection.
pub fn text_lines(r: &Inspection) -> Vec<String> {
    let mut v = vec![
        format!(
            "{} ({}): {} rows, {} columns; target `{}` -> {}",
            r.name,
            r.file,
            r.rows,
            r.columns.len(),
            r.target,
            serde_json::to_value(r.task)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        ),
        format!(
            "{:<18} {:<11} {:<8} {:>7} {:>8}  {:>10} {:>10} {:>10}  {:<8}  top levels",
            "column", "kind", "role", "missing", "distinct", "min", "mean", "max", "hist"
        ),
    ];
    for c in &r.columns {
        let top: Vec<String> = c
            .top
            .iter()
            .take(3)
            .map(|(l, n)| format!("{l} ({n})"))
            .collect();
        v.push(format!(
            "{:<18} {:<11} {:<8} {:>7} {:>8}  {:>10} {:>10} {:>10}  {:<8}  {}",
            crate::text::truncate(&c.name, 18),
            c.kind.name(),
            c.role,
            c.missing,
            c.distinct,
            num(c.min),
            num(c.mean),
            num(c.max),
            c.sparkline,
            top.join(", ")
        ));
        if let Some(n) = &c.note {
            v.push(format!("{:<18} note: {n}", ""));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mixed_file_is_profiled() {
        let mut text = String::from("id,sex,age,when,y\n");
        for i in 0..12 {
            let sex = if i % 3 == 0 { "female" } else { "male" };
            let age = if i == 4 {
                String::new()
            } else {
                format!("{}", 20 + i)
            };
            text.push_str(&format!(
                "{},{sex},{age},2024-01-{:02},{}\n",
                100 + i,
                i + 1,
                i % 2
            ));
        }
        let r = inspect_bytes(
            "t",
            "t.csv",
            text.as_bytes(),
            &CsvOptions::default(),
            None,
            &mut |_| true,
        )
        .expect("inspect");
        assert_eq!(r.rows, 12);
        assert_eq!(r.task, TaskKind::Classification);
        let kinds: Vec<ColumnKind> = r.columns.iter().map(|c| c.kind).collect();
        use ColumnKind::*;
        assert_eq!(kinds, vec![Id, Categorical, Numeric, Date, Boolean]);
        let sex = &r.columns[1];
        assert_eq!(sex.top, vec![("male".into(), 8), ("female".into(), 4)]);
        let age = &r.columns[2];
        assert_eq!((age.missing, age.min, age.max), (1, Some(20.0), Some(31.0)));
        assert_eq!(age.histogram.iter().sum::<usize>(), 11);
        assert_eq!(age.sparkline.chars().count(), BINS);
        assert_eq!(r.columns[0].role, "excluded");
        assert_eq!(r.columns[4].role, "target");
    }

    #[test]
    fn sparkline_scales_to_the_largest_bin() {
        assert_eq!(sparkline(&[0, 1, 2, 4]), " ▃▅█");
        assert_eq!(sparkline(&[]), "");
    }
}
