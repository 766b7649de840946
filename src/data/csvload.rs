//! CSV with a header -> [`Table`]. Every refusal names the file, the line,
//! the column and what was expected.

use std::collections::BTreeMap;
use std::io::Read;

use ndarray::Array2;

use super::table::{sort_classes, DataError, Table};

/// What to do with missing feature values (empty, `NA`, `N/A`, `?`, `null`, `NaN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Missing {
    /// Stop with an error that counts them per column (the default).
    #[default]
    Refuse,
    /// Drop every row with a missing feature value.
    Drop,
    /// Fill with the training rows' mean (numeric columns; categorical
    /// columns get their most frequent level).
    Mean,
    /// Fill with the training rows' median (categorical: most frequent).
    Median,
    /// Fill with the training rows' most frequent value.
    MostFrequent,
    /// Median for numeric columns, most frequent level for the others.
    Auto,
}

impl Missing {
    pub fn name(self) -> &'static str {
        match self {
            Missing::Refuse => "refuse",
            Missing::Drop => "drop",
            Missing::Mean => "mean",
            Missing::Median => "median",
            Missing::MostFrequent => "most-frequent",
            Missing::Auto => "auto",
        }
    }

    /// Every choice, in the order the TUI cycles them.
    pub const ALL: [Missing; 6] = [
        Missing::Refuse,
        Missing::Drop,
        Missing::Mean,
        Missing::Median,
        Missing::MostFrequent,
        Missing::Auto,
    ];
}

impl std::str::FromStr for Missing {
    type Err = String;
    fn from_str(s: &str) -> Result<Missing, String> {
        match s {
            "refuse" => Ok(Missing::Refuse),
            "drop" => Ok(Missing::Drop),
            "mean" => Ok(Missing::Mean),
            "median" => Ok(Missing::Median),
            "most-frequent" | "most_frequent" => Ok(Missing::MostFrequent),
            "auto" => Ok(Missing::Auto),
            other => Err(format!(
                "`{other}`: expected refuse, drop, mean, median, most-frequent or auto"
            )),
        }
    }
}

/// What the target column is predicted as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskKind {
    /// Class labels (text, or integers with few levels).
    Classification,
    /// Numbers (any non-integer value, or more than
    /// [`MAX_INTEGER_CLASSES`] distinct integers).
    Regression,
}

/// An all-integer target with more distinct values than this is taken as a
/// regression target unless `--task classification` says otherwise.
pub const MAX_INTEGER_CLASSES: usize = 20;

impl std::str::FromStr for TaskKind {
    type Err = String;
    fn from_str(s: &str) -> Result<TaskKind, String> {
        match s {
            "classification" => Ok(TaskKind::Classification),
            "regression" => Ok(TaskKind::Regression),
            other => Err(format!("`{other}`: expected classification or regression")),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// Classification or regression; `None`: inferred from the target column.
    pub task: Option<TaskKind>,
    /// Target column name; default: the last column.
    pub target: Option<String>,
    /// Feature columns to use; default: every column but the target.
    pub features: Option<Vec<String>>,
    pub missing: Missing,
    /// Field separator; `None`: sniffed from the header line (`,`, `;` or tab).
    pub delimiter: Option<u8>,
    /// `--missing-indicator`: a 0/1 column per feature with missing cells.
    pub missing_indicator: bool,
    /// `--categorical`: columns to one-hot whatever their cells look like.
    pub categorical: Vec<String>,
    /// `--ignore`: columns left out of the features.
    pub ignore: Vec<String>,
}

/// Parse a `--delimiter` value: one ASCII character, or `tab`/`\t`.
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "comma" => Ok(b','),
        "semicolon" => Ok(b';'),
        _ => match s.as_bytes() {
            [b] if b.is_ascii() && *b != b'"' && *b != b'\n' && *b != b'\r' => Ok(*b),
            _ => Err(format!(
                "`{s}`: expected one character such as `,` `;` `|`, or `tab`"
            )),
        },
    }
}

/// The separator a CSV most likely uses: of `,`, `;` and tab, the one found
/// most often in the first line outside quotes (`,` when none is).
pub fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let first = bytes
        .split(|&b| b == b'\n')
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))
        .unwrap_or_default();
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in first {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = [b',', b';', b'\t'];
    let best = (1..3).fold(0, |b, i| if counts[i] > counts[b] { i } else { b });
    candidates[best]
}

pub(crate) fn is_missing(cell: &str) -> bool {
    matches!(
        cell.trim(),
        "" | "NA" | "N/A" | "na" | "n/a" | "?" | "null" | "NULL" | "None" | "NaN" | "nan"
    )
}

/// Read a CSV file from disk.
pub fn load_csv_path(path: &std::path::Path, opts: &CsvOptions) -> Result<Table, DataError> {
    let display = path.display().to_string();
    let bytes = super::bounded::read_bounded(path).map_err(|e| DataError::file(&display, e))?;
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("data")
        .to_string();
    load_csv_bytes(&name, &display, &bytes, opts)
}

/// Parsed cells of a CSV: the header, each row's line number, and the cells
/// column by column. Each column keeps its cells' text end to end in one
/// string with the end offsets beside it, not a `String` per cell: a
/// 1M-row × 12-column file took ~0.8 GB as 12M `String`s (24 bytes each
/// plus a heap block) and takes the file's size plus 4 bytes a cell this way.
#[derive(Debug, Clone)]
pub struct RawCsv {
    pub header: Vec<String>,
    /// Each row's line in the file (1-based; the header is line 1).
    pub lines: Vec<usize>,
    columns: Vec<RawColumn>,
}

#[derive(Debug, Clone, Default)]
struct RawColumn {
    text: String,
    /// `ends[r]` is where row r's cell ends in `text` (it starts where row
    /// r − 1's ends).
    ends: Vec<u32>,
}

impl RawColumn {
    fn get(&self, r: usize) -> &str {
        let start = if r == 0 { 0 } else { self.ends[r - 1] as usize };
        &self.text[start..self.ends[r] as usize]
    }
}

impl RawCsv {
    pub fn n_rows(&self) -> usize {
        self.lines.len()
    }

    /// Row `r`'s cell in column `c`.
    pub fn cell(&self, r: usize, c: usize) -> &str {
        self.columns[c].get(r)
    }

    /// Column `c`'s cells, top to bottom.
    pub fn column(&self, c: usize) -> impl ExactSizeIterator<Item = &str> + Clone + '_ {
        let col = &self.columns[c];
        (0..col.ends.len()).map(move |r| col.get(r))
    }
}

/// The file as the csv reader reads it (on both CSV paths), noting each
/// newline's offset (and whether a carriage return precedes it) so a
/// record's line is counted from the bytes: the csv reader's own count
/// passes over blank lines and is wrong for CRLF files. Only the newlines read ahead of the parser are
/// kept (about one buffer's worth).
pub(crate) struct Lines<R> {
    inner: R,
    read: u64,
    last: u8,
    ahead: std::collections::VecDeque<(u64, bool)>,
    passed: usize,
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' {
                let cr = if i > 0 {
                    buf[i - 1] == b'\r'
                } else {
                    self.last == b'\r'
                };
                self.ahead.push_back((self.read + i as u64, cr));
            }
        }
        if n > 0 {
            self.last = buf[n - 1];
        }
        self.read += n as u64;
        Ok(n)
    }
}

impl<R> Lines<R> {
    pub(crate) fn new(inner: R) -> Lines<R> {
        Lines {
            inner,
            read: 0,
            last: b'\n',
            ahead: std::collections::VecDeque::new(),
            passed: 0,
        }
    }

    /// The line of a record the csv reader says starts at byte `start`: it
    /// starts there or after the blank lines (and the rest of a CRLF) the
    /// reader skipped from there.
    pub(crate) fn line_of_record(&mut self, start: u64) -> usize {
        while self.ahead.front().is_some_and(|&(o, _)| o < start) {
            self.ahead.pop_front();
            self.passed += 1;
        }
        let mut at = start;
        while let Some(&(o, cr)) = self.ahead.front() {
            if o == at || (o == at + 1 && cr) {
                self.ahead.pop_front();
                self.passed += 1;
                at = o + 1;
            } else {
                break;
            }
        }
        self.passed + 1
    }
}

pub(crate) fn read_raw(
    file: &str,
    bytes: &[u8],
    delimiter: Option<u8>,
) -> Result<RawCsv, DataError> {
    read_raw_with(file, bytes, delimiter, &mut |_, _| {})
}

/// [`read_raw`], reporting the parse position to `progress` (bytes).
pub(crate) fn read_raw_with(
    file: &str,
    bytes: &[u8],
    delimiter: Option<u8>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RawCsv, DataError> {
    let mut progress = super::progress::ReadProgress::new(bytes.len() as u64, progress);
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DataError::file(
            file,
            "empty file: expected a header row and data rows",
        ));
    }
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(bytes));
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(Lines::new(bytes));
    let located = |e: csv::Error| {
        let line = e.position().map(|p| {
            let end = (p.byte() as usize).min(bytes.len());
            1 + bytes[..end].iter().filter(|&&c| c == b'\n').count()
        });
        let message = match e.kind() {
            csv::ErrorKind::Utf8 { .. } => "not valid UTF-8 text".to_string(),
            _ => e.to_string(),
        };
        DataError {
            file: file.to_string(),
            line,
            column: None,
            message,
        }
    };
    let header: Vec<String> = rdr
        .headers()
        .map_err(located)?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(DataError::file(
            file,
            "the first line must be a header naming the columns",
        ));
    }
    let mut lines = Vec::new();
    let mut columns: Vec<RawColumn> = (0..header.len()).map(|_| RawColumn::default()).collect();
    let mut rec = csv::StringRecord::new();
    loop {
        if !rdr.read_record(&mut rec).map_err(located)? {
            break;
        }
        let line = match rec.position() {
            Some(p) => {
                progress.at(p.byte());
                rdr.get_mut().line_of_record(p.byte())
            }
            None => lines.len() + 2,
        };
        if rec.len() == 1 && rec.get(0).is_some_and(|c| c.trim().is_empty()) {
            continue; // a blank line
        }
        if rec.len() != header.len() {
            return Err(DataError {
                file: file.to_string(),
                line: Some(line),
                column: None,
                message: format!(
                    "ragged row: {} fields, but the header has {} columns (separated by {}; choose another with --delimiter)",
                    rec.len(),
                    header.len(),
                    delimiter_name(delimiter)
                ),
            });
        }
        for (col, cell) in columns.iter_mut().zip(rec.iter()) {
            col.text.push_str(cell);
            let end = u32::try_from(col.text.len()).map_err(|_| DataError {
                file: file.to_string(),
                line: Some(line),
                column: None,
                message: "a column holds more than 4 GB of text; split the file".to_string(),
            })?;
            col.ends.push(end);
        }
        lines.push(line);
    }
    if lines.is_empty() {
        return Err(DataError {
            file: file.to_string(),
            line: Some(1),
            column: None,
            message: "no data rows after the header".to_string(),
        });
    }
    progress.finish();
    Ok(RawCsv {
        header,
        lines,
        columns,
    })
}

fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tabs".to_string(),
        b',' => "commas".to_string(),
        b';' => "semicolons".to_string(),
        other => format!("`{}`", char::from(other)),
    }
}

/// Find a column by name; the error lists the columns there are.
pub(crate) fn column_index(
    file: &str,
    header: &[String],
    name: &str,
    what: &str,
) -> Result<usize, DataError> {
    header
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| DataError {
            file: file.to_string(),
            line: Some(1),
            column: None,
            message: format!(
                "no {what} column `{name}`; the columns are: {}",
                header.join(", ")
            ),
        })
}

/// Classification or regression, as the target column's present values
/// suggest: regression when every value is a number and some value is not
/// an integer or there are more than [`MAX_INTEGER_CLASSES`] distinct ones.
pub(crate) fn infer_task(raw: &RawCsv, ti: usize, keep: &[bool]) -> TaskKind {
    let mut distinct: Vec<f64> = Vec::new();
    let mut fractional = false;
    for (cell, &k) in raw.column(ti).zip(keep) {
        let v = cell.trim();
        if !k || is_missing(v) {
            continue;
        }
        let Ok(x) = v.parse::<f64>() else {
            return TaskKind::Classification;
        };
        if !x.is_finite() {
            return TaskKind::Classification;
        }
        fractional |= x.fract() != 0.0;
        if distinct.len() <= MAX_INTEGER_CLASSES && !distinct.contains(&x) {
            distinct.push(x);
        }
    }
    if fractional || distinct.len() > MAX_INTEGER_CLASSES {
        TaskKind::Regression
    } else {
        TaskKind::Classification
    }
}

/// Numeric target values of a regression table, one per kept row.
pub(crate) fn target_values(
    file: &str,
    raw: &RawCsv,
    ti: usize,
    keep: &[bool],
) -> Result<Vec<f64>, DataError> {
    let tname = &raw.header[ti];
    let mut out = Vec::new();
    for ((line, cell), &k) in raw.lines.iter().zip(raw.column(ti)).zip(keep) {
        if !k {
            continue;
        }
        let v = cell.trim();
        let located = |message: String| DataError {
            file: file.to_string(),
            line: Some(*line),
            column: Some((ti + 1, tname.clone())),
            message,
        };
        if is_missing(v) {
            return Err(located(
                "missing value in the (regression) target column".to_string(),
            ));
        }
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() => out.push(x),
            _ => {
                return Err(located(format!(
                    "`{v}` is not a number; a regression target must be numeric \
                     (or pass --task classification)"
                )))
            }
        }
    }
    Ok(out)
}

/// Class labels of the target column, as indices into sorted class names.
pub(crate) fn labels(
    file: &str,
    raw: &RawCsv,
    ti: usize,
    keep: &[bool],
) -> Result<(Vec<usize>, Vec<String>), DataError> {
    let tname = &raw.header[ti];
    let mut names: Vec<String> = Vec::new();
    for ((line, cell), &k) in raw.lines.iter().zip(raw.column(ti)).zip(keep) {
        if !k {
            continue;
        }
        let v = cell.trim();
        if is_missing(v) {
            return Err(DataError {
                file: file.to_string(),
                line: Some(*line),
                column: Some((ti + 1, tname.clone())),
                message: "missing class label in the target column".to_string(),
            });
        }
        if !names.iter().any(|n| n == v) {
            names.push(v.to_string());
        }
    }
    if names.len() < 2 {
        return Err(DataError {
            file: file.to_string(),
            line: None,
            column: Some((ti + 1, tname.clone())),
            message: format!(
                "only one class ({}) in the target column: a classifier needs at least two",
                names
                    .first()
                    .map_or("none".to_string(), |n| format!("`{n}`"))
            ),
        });
    }
    sort_classes(&mut names);
    let index: BTreeMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let y = raw
        .column(ti)
        .zip(keep)
        .filter(|(_, &k)| k)
        .map(|(cell, _)| index.get(cell.trim()).copied().unwrap_or(0))
        .collect();
    Ok((y, names))
}

/// Parse CSV bytes into a table. `file` is how the file is named in errors.
pub fn load_csv_bytes(
    name: &str,
    file: &str,
    bytes: &[u8],
    opts: &CsvOptions,
) -> Result<Table, DataError> {
    table_from_raw(name, file, read_raw(file, bytes, opts.delimiter)?, opts)
}

/// The table of parsed cells (see [`load_csv_bytes`]).
pub(crate) fn table_from_raw(
    name: &str,
    file: &str,
    raw: RawCsv,
    opts: &CsvOptions,
) -> Result<Table, DataError> {
    let ncols = raw.header.len();
    if ncols < 2 {
        return Err(DataError::file(
            file,
            format!(
                "only one column (`{}`): expected feature columns and a target column",
                raw.header[0]
            ),
        ));
    }
    let ti = match &opts.target {
        Some(t) => column_index(file, &raw.header, t, "target")?,
        None => ncols - 1,
    };
    let feats: Vec<usize> = match &opts.features {
        Some(names) => {
            let mut v = Vec::new();
            for n in names {
                let i = column_index(file, &raw.header, n, "feature")?;
                if i == ti {
                    return Err(DataError::file(
                        file,
                        format!("`{n}` is the target column; it cannot also be a feature"),
                    ));
                }
                v.push(i);
            }
            v
        }
        None => (0..ncols).filter(|&i| i != ti).collect(),
    };
    if feats.is_empty() {
        return Err(DataError::file(file, "no feature columns selected"));
    }

    // Parse every feature cell; collect problems per column.
    let n = raw.n_rows();
    let mut values = vec![f64::NAN; n * feats.len()];
    let mut missing: Vec<(usize, Option<usize>)> = vec![(0, None); feats.len()];
    let mut non_numeric: Vec<Option<(usize, String)>> = vec![None; feats.len()];
    for (j, &c) in feats.iter().enumerate() {
        for (r, (line, cell)) in raw.lines.iter().zip(raw.column(c)).enumerate() {
            let cell = cell.trim();
            if is_missing(cell) {
                missing[j].0 += 1;
                missing[j].1.get_or_insert(*line);
                continue;
            }
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => values[r * feats.len() + j] = v,
                Ok(_) => {
                    return Err(DataError {
                        file: file.to_string(),
                        line: Some(*line),
                        column: Some((c + 1, raw.header[c].clone())),
                        message: format!("`{cell}` is not a finite number (inf is not allowed)"),
                    })
                }
                Err(_) => {
                    if non_numeric[j].is_none() {
                        non_numeric[j] = Some((*line, cell.to_string()));
                    }
                }
            }
        }
    }
    // Anything beyond plain numbers (text cells, overrides, an identifier
    // column, missing cells to impute) goes through typed columns and the
    // fitted pipeline; a numeric-only file stays on this direct path.
    let total_missing: usize = missing.iter().map(|m| m.0).sum();
    let imputing = !matches!(opts.missing, Missing::Refuse | Missing::Drop);
    let typed_path = non_numeric.iter().any(Option::is_some)
        || !opts.categorical.is_empty()
        || !opts.ignore.is_empty()
        || (total_missing > 0 && imputing)
        || (opts.features.is_none()
            && feats
                .iter()
                .any(|&c| super::columns::id_like_name(&raw.header[c])));
    if typed_path {
        drop(values);
        return super::mixed::load_typed(name, file, &raw, ti, &feats, opts);
    }
    let total_missing: usize = missing.iter().map(|m| m.0).sum();
    let mut keep = vec![true; n];
    let mut notes = Vec::new();
    if total_missing > 0 {
        match opts.missing {
            Missing::Refuse => {
                let per: Vec<String> = feats
                    .iter()
                    .zip(&missing)
                    .filter(|(_, m)| m.0 > 0)
                    .map(|(&c, m)| {
                        format!(
                            "`{}` {} (first at line {})",
                            raw.header[c],
                            m.0,
                            m.1.unwrap_or(0)
                        )
                    })
                    .collect();
                let first = feats
                    .iter()
                    .zip(&missing)
                    .filter_map(|(&c, m)| m.1.map(|l| (l, c)))
                    .min();
                return Err(DataError {
                    file: file.to_string(),
                    line: first.map(|(l, _)| l),
                    column: first.map(|(_, c)| (c + 1, raw.header[c].clone())),
                    message: format!(
                        "{total_missing} missing value(s): {}; {MISSING_HINT}",
                        per.join(", ")
                    ),
                });
            }
            Missing::Drop => {
                for (r, k) in keep.iter_mut().enumerate() {
                    *k = values[r * feats.len()..(r + 1) * feats.len()]
                        .iter()
                        .all(|v| !v.is_nan());
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
            // Imputation is fitted on training rows (the typed path).
            _ => {}
        }
    }

    let task = opts.task.unwrap_or_else(|| infer_task(&raw, ti, &keep));
    let (y, classes, target) = match task {
        TaskKind::Classification => {
            let (y, classes) = labels(file, &raw, ti, &keep)?;
            (y, classes, None)
        }
        TaskKind::Regression => (
            Vec::new(),
            Vec::new(),
            Some(target_values(file, &raw, ti, &keep)?),
        ),
    };
    let kept: Vec<usize> = (0..n).filter(|&r| keep[r]).collect();
    let mut x = Array2::zeros((kept.len(), feats.len()));
    for (i, &r) in kept.iter().enumerate() {
        for j in 0..feats.len() {
            x[(i, j)] = values[r * feats.len() + j];
        }
    }
    Ok(Table {
        name: name.to_string(),
        feature_names: feats.iter().map(|&c| raw.header[c].clone()).collect(),
        x,
        y,
        classes,
        values: target,
        source_lines: kept.iter().map(|&r| raw.lines[r]).collect(),
        notes,
        target: raw.header[ti].clone(),
        columns: None,
        impute: Default::default(),
    })
}

/// How a refusal of missing values names the fix.
pub(crate) const MISSING_HINT: &str = "fill them with --missing auto (median for numbers, most frequent level otherwise, learnt from the training rows), or mean, median, most-frequent, or drop the rows with --missing drop";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_cells_are_kept_column_by_column_exactly() {
        let text = "a,b,c\n1,\"x, \"\"quoted\"\"\n two lines\",\n\n,ü,3\n";
        let raw = read_raw("t.csv", text.as_bytes(), None).expect("parses");
        assert_eq!(raw.n_rows(), 2);
        // A blank line is skipped, and the rows after it keep their own
        // line numbers (the csv reader's count passes over blank lines).
        assert_eq!(raw.lines, vec![2, 5]);
        let plain = read_raw("t.csv", b"a,b\n1,2\n\n3,4\n\n\n5,6\n", None).expect("parses");
        assert_eq!(plain.lines, vec![2, 4, 7]);
        let e = read_raw("t.csv", b"a,b\n1,2\n\n3,4,5\n", None).expect_err("ragged");
        assert_eq!(e.line, Some(4), "{e}");
        assert_eq!(raw.cell(0, 1), "x, \"quoted\"\n two lines");
        assert_eq!(raw.cell(0, 2), "");
        assert_eq!(raw.cell(1, 0), "");
        assert_eq!(
            raw.column(1).collect::<Vec<_>>(),
            ["x, \"quoted\"\n two lines", "ü"]
        );
        assert_eq!(raw.column(2).collect::<Vec<_>>(), ["", "3"]);
    }

    fn load(text: &str, opts: &CsvOptions) -> Result<Table, DataError> {
        load_csv_bytes("t", "t.csv", text.as_bytes(), opts)
    }

    #[test]
    fn reads_a_simple_table() {
        let t = load("a,b,label\n1,2,x\n3,4,y\n5,6,x\n", &CsvOptions::default()).expect("ok");
        assert_eq!(t.feature_names, vec!["a", "b"]);
        assert_eq!(t.x.row(1).to_vec(), vec![3.0, 4.0]);
        assert_eq!(t.y, vec![0, 1, 0]);
        assert_eq!(t.classes, vec!["x", "y"]);
        assert_eq!(t.source_lines, vec![2, 3, 4]);
    }

    #[test]
    fn numeric_classes_sort_numerically() {
        let t = load("a,c\n1,10\n2,2\n3,1\n", &CsvOptions::default()).expect("ok");
        assert_eq!(t.classes, vec!["1", "2", "10"]);
    }

    #[test]
    fn target_and_features_by_name() {
        let o = CsvOptions {
            target: Some("a".into()),
            features: Some(vec!["c".into()]),
            ..Default::default()
        };
        let t = load("a,b,c\nx,foo,1\ny,bar,2\n", &o).expect("ok");
        assert_eq!(t.feature_names, vec!["c"]);
        assert_eq!(t.classes, vec!["x", "y"]);
    }

    #[test]
    fn the_delimiter_is_sniffed_from_the_header() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter(b"\n a;b;c\n1,5;2,5;x\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(
            sniff_delimiter(b"\"x;y\",b\n"),
            b',',
            "quoted ; do not count"
        );
        assert_eq!(sniff_delimiter(b"single\n1\n"), b',');
        let t = load("a;b;t\n1,5;2;x\n3;4;y\n", &CsvOptions::default());
        assert!(t.is_err(), "a decimal comma is not a number here");
        let t = load("a;b;t\n1;2;x\n3;4;y\n", &CsvOptions::default()).expect("sniffed");
        assert_eq!(t.feature_names, vec!["a", "b"]);
        for (s, want) in [("tab", b'\t'), ("\\t", b'\t'), (";", b';'), ("|", b'|')] {
            assert_eq!(parse_delimiter(s), Ok(want), "{s}");
        }
        assert!(parse_delimiter("ab").is_err());
        assert!(parse_delimiter("\"").is_err());
    }

    #[test]
    fn errors_are_located() {
        let e = load("a,b\n1,x\n2\n", &CsvOptions::default()).expect_err("ragged");
        assert_eq!(
            e.to_string(),
            "t.csv:3: ragged row: 1 fields, but the header has 2 columns \
             (separated by commas; choose another with --delimiter)"
        );
        let e = load("a,b,t\n1,2,x\n1,zz,y\n", &CsvOptions::default()).expect_err("non-numeric");
        assert_eq!(
            e.to_string(),
            "t.csv:3:2: column `b`: `zz` is not a number, but most of this column is; fix the cell, \
             mark it missing (empty or NA), or treat the column as categories with --categorical b"
        );
        let e = load("a,t\n1,x\ninf,y\n", &CsvOptions::default()).expect_err("inf");
        assert_eq!(
            e.to_string(),
            "t.csv:3:1: column `a`: `inf` is not a finite number (inf is not allowed)"
        );
        let e = load("", &CsvOptions::default()).expect_err("empty");
        assert!(e.to_string().contains("empty file"));
        let e = load("a,t\n", &CsvOptions::default()).expect_err("header only");
        assert!(e.to_string().contains("no data rows"));
        let e = load("a,t\n1,x\n2,x\n", &CsvOptions::default()).expect_err("one class");
        assert_eq!(
            e.to_string(),
            "t.csv: column `t`: only one class (`x`) in the target column: a classifier needs at least two"
        );
        let o = CsvOptions {
            target: Some("label".into()),
            ..Default::default()
        };
        let e = load("a,t\n1,x\n2,y\n", &o).expect_err("no target");
        assert_eq!(
            e.to_string(),
            "t.csv:1: no target column `label`; the columns are: a, t"
        );
    }

    #[test]
    fn missing_values_refused_dropped_or_filled() {
        let text = "a,b,t\n1,,x\n2,5,y\nNA,7,x\n4,NaN,y\n5,6,x\n";
        let e = load(text, &CsvOptions::default()).expect_err("refused");
        assert_eq!(
            e.to_string(),
            "t.csv:2:2: column `b`: 3 missing value(s): `a` 1 (first at line 4), `b` 2 (first at line 2); fill them with --missing auto (median for numbers, most frequent level otherwise, learnt from the training rows), or mean, median, most-frequent, or drop the rows with --missing drop"
        );
        let drop = CsvOptions {
            missing: Missing::Drop,
            ..Default::default()
        };
        let t = load(text, &drop).expect("dropped");
        assert_eq!(t.n_rows(), 2);
        assert_eq!(t.source_lines, vec![3, 6]);
        let mean = CsvOptions {
            missing: Missing::Mean,
            ..Default::default()
        };
        let t = load(text, &mean).expect("filled");
        assert_eq!(t.x[(2, 0)], (1.0 + 2.0 + 4.0 + 5.0) / 4.0);
        assert_eq!(t.x[(0, 1)], 6.0);
    }

    #[test]
    fn categorical_columns_are_one_hot_encoded() {
        let t = load(
            "c,a,t\nred,1,x\nblue,2,y\nred,3,x\n",
            &CsvOptions::default(),
        )
        .expect("ok");
        assert_eq!(t.feature_names, vec!["c=blue", "c=red", "a"]);
        assert_eq!(t.x.row(1).to_vec(), vec![1.0, 0.0, 2.0]);
        assert!(t.columns.is_some());
        let o = CsvOptions {
            categorical: vec!["a".into()],
            ignore: vec!["c".into()],
            ..Default::default()
        };
        let t = load("c,a,t\nred,1,x\nblue,2,y\nred,1,x\n", &o).expect("ok");
        assert_eq!(t.feature_names, vec!["a=1", "a=2"]);
        assert!(
            t.notes.iter().any(|n| n.contains("ignored")),
            "{:?}",
            t.notes
        );
        let o = CsvOptions {
            ignore: vec!["t".into()],
            ..Default::default()
        };
        assert!(load("c,a,t\nred,1,x\nblue,2,y\n", &o).is_err());
    }

    #[test]
    fn missing_label_is_an_error() {
        let e = load("a,t\n1,x\n2,\n3,y\n", &CsvOptions::default()).expect_err("label");
        assert_eq!(
            e.to_string(),
            "t.csv:3:2: column `t`: missing class label in the target column"
        );
    }

    #[test]
    fn the_target_kind_is_inferred_and_can_be_overridden() {
        // Few integer levels: classes.
        let t = load("a,y\n1,0\n2,1\n3,0\n4,1\n", &CsvOptions::default()).unwrap();
        assert!(t.values.is_none());
        assert_eq!(t.classes, vec!["0", "1"]);
        // A fraction: regression, the numbers kept, no classes.
        let t = load("a,y\n1,0.5\n2,1\n3,2\n", &CsvOptions::default()).unwrap();
        assert_eq!(t.values.as_deref(), Some(&[0.5, 1.0, 2.0][..]));
        assert!(t.classes.is_empty() && t.y.is_empty());
        // More distinct integers than MAX_INTEGER_CLASSES: regression.
        let mut text = String::from("a,y\n");
        for i in 0..=MAX_INTEGER_CLASSES {
            text.push_str(&format!("{i},{}\n", i * 3));
        }
        let t = load(&text, &CsvOptions::default()).unwrap();
        assert_eq!(t.values.map(|v| v.len()), Some(MAX_INTEGER_CLASSES + 1));
        // --task classification keeps them as classes; text labels stay classes.
        let o = CsvOptions {
            task: Some(TaskKind::Classification),
            ..CsvOptions::default()
        };
        assert_eq!(
            load(&text, &o).unwrap().classes.len(),
            MAX_INTEGER_CLASSES + 1
        );
        let t = load("a,y\n1,x\n2,y\n", &CsvOptions::default()).unwrap();
        assert!(t.values.is_none());
        // --task regression on a text target: a located error.
        let o = CsvOptions {
            task: Some(TaskKind::Regression),
            ..CsvOptions::default()
        };
        let e = load("a,y\n1,2\n2,x\n", &o).unwrap_err().to_string();
        assert!(
            e.contains("t.csv:3:2") && e.contains("`x` is not a number"),
            "{e}"
        );
    }
}
