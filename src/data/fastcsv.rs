//! The streaming path for plain numeric tables: every feature cell a finite
//! number, no missing cells, no column overrides. Such a file (the common
//! "big CSV" case: 500,000 rows x 20 columns is ~200 MB) is read record by
//! record from disk with one reused [`csv::ByteRecord`], each feature cell
//! parsed straight into the row-major `f64` buffer that becomes the table's
//! matrix; only the target column's distinct labels are kept as strings.
//! Peak memory is about the matrix itself, not the file plus a `String` per
//! cell (the general path in `csvload` holds both).
//!
//! Anything else — a text or missing cell, a ragged row, an ID-like column,
//! `--categorical`/`--ignore`, a target that cannot be read as the task
//! needs — makes [`try_load`] answer `Ok(None)`, and the caller takes the
//! general path, which reads the whole file and gives the located error or
//! the typed handling. So this path changes speed and memory, never a result
//! or a message: on files it accepts, it returns the table the general path
//! returns (a test checks that on several files).

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use ndarray::Array2;

use super::csvload::{
    is_missing, sniff_delimiter, CsvOptions, Lines, TaskKind, MAX_INTEGER_CLASSES,
};
use super::table::{sort_classes, DataError, Table};

/// Distinct target labels kept while reading; past this many the target can
/// only be numeric (regression), and a classification of it goes through
/// the general path.
const MAX_LABELS: usize = 10_000;

/// Bytes read at the start of the file to sniff the delimiter.
const SNIFF_BYTES: usize = 64 * 1024;

/// The target column as read so far.
struct Target {
    /// Distinct trimmed labels in order of appearance, and their index.
    names: Vec<String>,
    index: HashMap<String, u32>,
    /// Label index per row (dropped when there are too many labels).
    ids: Option<Vec<u32>>,
    /// The number per row (dropped at the first cell that is not one).
    values: Option<Vec<f64>>,
    /// `infer_task`'s view: a fractional value, distinct numbers (up to
    /// one more than [`MAX_INTEGER_CLASSES`]).
    fractional: bool,
    distinct_numbers: Vec<f64>,
}

impl Target {
    fn new() -> Target {
        Target {
            names: Vec::new(),
            index: HashMap::new(),
            ids: Some(Vec::new()),
            values: Some(Vec::new()),
            fractional: false,
            distinct_numbers: Vec::new(),
        }
    }

    /// Records one (trimmed, non-missing) cell.
    fn push(&mut self, cell: &str) {
        if let Some(ids) = self.ids.as_mut() {
            let id = match self.index.get(cell) {
                Some(&id) => Some(id),
                None if self.names.len() < MAX_LABELS => {
                    let id = self.names.len() as u32;
                    self.names.push(cell.to_string());
                    self.index.insert(cell.to_string(), id);
                    Some(id)
                }
                None => None,
            };
            match id {
                Some(id) => ids.push(id),
                None => {
                    self.ids = None;
                    self.index = HashMap::new();
                }
            }
        }
        if let Some(values) = self.values.as_mut() {
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => {
                    values.push(v);
                    self.fractional |= v.fract() != 0.0;
                    if self.distinct_numbers.len() <= MAX_INTEGER_CLASSES
                        && !self.distinct_numbers.contains(&v)
                    {
                        self.distinct_numbers.push(v);
                    }
                }
                _ => self.values = None,
            }
        }
    }

    /// `csvload::infer_task` on the same cells.
    fn inferred_task(&self) -> TaskKind {
        if self.values.is_some()
            && (self.fractional || self.distinct_numbers.len() > MAX_INTEGER_CLASSES)
        {
            TaskKind::Regression
        } else {
            TaskKind::Classification
        }
    }
}

/// A cell as text without surrounding whitespace, if it is UTF-8.
#[inline]
fn cell(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok().map(str::trim)
}

/// Loads `path` on the streaming path, or `Ok(None)` when the file needs
/// the general path (see the module doc). `file` names the file in errors.
/// The caller has already checked that the path exists; the read limit and
/// the refusal of non-regular files are those of [`super::bounded`].
pub fn try_load(
    path: &Path,
    name: &str,
    file: &str,
    opts: &CsvOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Option<Table>, DataError> {
    if !opts.categorical.is_empty() || !opts.ignore.is_empty() {
        return Ok(None);
    }
    let limit = super::bounded::max_bytes();
    let f = super::bounded::open_bounded(path, limit).map_err(|e| DataError::file(file, e))?;
    let size = f.metadata().map_or(0, |m| m.len());
    // The delimiter, sniffed from the first line as the general path does.
    let delimiter = match opts.delimiter {
        Some(d) => d,
        None => {
            let mut head = Vec::with_capacity(SNIFF_BYTES);
            let probe =
                super::bounded::open_bounded(path, limit).map_err(|e| DataError::file(file, e))?;
            probe
                .take(SNIFF_BYTES as u64)
                .read_to_end(&mut head)
                .map_err(|e| DataError::file(file, format!("cannot read: {e}")))?;
            let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
            // The sniffer reads the first non-blank line: it must end
            // within what was read (or the whole file was read).
            let mut first_line_complete = head.len() < SNIFF_BYTES;
            let mut start = 0;
            for l in head.split(|&b| b == b'\n') {
                let end = start + l.len();
                if !l.iter().all(u8::is_ascii_whitespace) {
                    first_line_complete |= end < head.len();
                    break;
                }
                start = end + 1;
            }
            if !first_line_complete {
                return Ok(None);
            }
            sniff_delimiter(head)
        }
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .buffer_capacity(256 * 1024)
        .from_reader(Lines::new(f.take(limit.saturating_add(1))));
    let Ok(header) = rdr.byte_headers() else {
        return Ok(None);
    };
    let mut header: Vec<String> = match header.iter().map(cell).collect::<Option<Vec<_>>>() {
        Some(h) => h.into_iter().map(str::to_string).collect(),
        None => return Ok(None),
    };
    if let Some(first) = header.first_mut() {
        if let Some(rest) = first.strip_prefix('\u{feff}') {
            *first = rest.trim().to_string();
        }
    }
    let ncols = header.len();
    if ncols < 2 || header.iter().all(String::is_empty) {
        return Ok(None);
    }
    let ti = match &opts.target {
        Some(t) => match header.iter().position(|h| h == t) {
            Some(i) => i,
            None => return Ok(None),
        },
        None => ncols - 1,
    };
    let feats: Vec<usize> = match &opts.features {
        Some(names) => {
            let mut v = Vec::with_capacity(names.len());
            for n in names {
                match header.iter().position(|h| h == n) {
                    Some(i) if i != ti => v.push(i),
                    _ => return Ok(None),
                }
            }
            v
        }
        None => {
            let v: Vec<usize> = (0..ncols).filter(|&i| i != ti).collect();
            // An ID-like column is excluded by the typed path, with a note.
            if v.iter().any(|&c| super::columns::id_like_name(&header[c])) {
                return Ok(None);
            }
            v
        }
    };
    if feats.is_empty() {
        return Ok(None);
    }

    let d = feats.len();
    let mut x: Vec<f64> = Vec::new();
    let mut lines: Vec<usize> = Vec::new();
    let mut target = Target::new();
    let mut rec = csv::ByteRecord::new();
    let mut progress = super::progress::ReadProgress::new(size, progress);
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) => return Ok(None),
        }
        progress.at(rdr.position().byte());
        if rec.len() == 1 && rec.get(0).is_some_and(|c| c.trim_ascii().is_empty()) {
            continue; // a blank line
        }
        if rec.len() != ncols {
            return Ok(None);
        }
        for &c in &feats {
            match rec.get(c).and_then(cell).map(str::parse::<f64>) {
                Some(Ok(v)) if v.is_finite() => x.push(v),
                _ => return Ok(None),
            }
        }
        match rec.get(ti).and_then(cell) {
            Some(t) if !is_missing(t) => target.push(t),
            _ => return Ok(None),
        }
        let line = match rec.position() {
            Some(p) => rdr.get_mut().line_of_record(p.byte()),
            None => lines.len() + 2,
        };
        lines.push(line);
    }
    progress.finish();
    if rdr.position().byte() > limit {
        // The file grew past the limit while being read: the general path
        // says so.
        return Ok(None);
    }
    let n = lines.len();
    if n == 0 {
        return Ok(None);
    }
    let task = opts.task.unwrap_or_else(|| target.inferred_task());
    let (y, classes, values) = match task {
        TaskKind::Classification => {
            let Some(ids) = target.ids else {
                return Ok(None);
            };
            if target.names.len() < 2 {
                return Ok(None);
            }
            let mut sorted = target.names.clone();
            sort_classes(&mut sorted);
            let rank: HashMap<&str, usize> = sorted
                .iter()
                .enumerate()
                .map(|(i, s)| (s.as_str(), i))
                .collect();
            let map: Vec<usize> = target
                .names
                .iter()
                .map(|s| rank.get(s.as_str()).copied().unwrap_or(0))
                .collect();
            let y = ids.iter().map(|&i| map[i as usize]).collect();
            (y, sorted, None)
        }
        TaskKind::Regression => match target.values {
            Some(v) => (Vec::new(), Vec::new(), Some(v)),
            None => return Ok(None),
        },
    };
    x.shrink_to_fit();
    let x = Array2::from_shape_vec((n, d), x)
        .map_err(|e| DataError::file(file, format!("internal: {e}")))?;
    Ok(Some(Table {
        name: name.to_string(),
        feature_names: feats.iter().map(|&c| header[c].clone()).collect(),
        x,
        y,
        classes,
        values,
        source_lines: lines,
        notes: Vec::new(),
        target: header[ti].clone(),
        columns: None,
        impute: Default::default(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    /// On files the fast path takes, its table is the general path's.
    #[test]
    fn same_table_as_the_general_path() {
        let dir = std::env::temp_dir().join(format!("mlwb-fastcsv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let cases: Vec<(&str, String, CsvOptions)> = vec![
            (
                "plain",
                "a,b,label\n1,2,x\n3,4.5,y\n\n5,-6e-3,x\n".into(),
                CsvOptions::default(),
            ),
            (
                "bom",
                "\u{feff}a;b;t\n1;2;10\n 3 ;4;2\n5;6;1\n".into(),
                CsvOptions::default(),
            ),
            (
                "regression",
                "a,y\n1,0.5\n2,1\n3,2\n".into(),
                CsvOptions::default(),
            ),
            (
                "many-ints",
                (0..30).fold("a,y\n".to_string(), |s, i| s + &format!("{i},{}\n", i * 3)),
                CsvOptions::default(),
            ),
            (
                "forced",
                (0..30).fold("a,y\n".to_string(), |s, i| s + &format!("{i},{}\n", i * 3)),
                CsvOptions {
                    task: Some(TaskKind::Classification),
                    ..CsvOptions::default()
                },
            ),
            (
                "target-first",
                "y,a,b\nc1,1,2\nc0,3,4\nc1,5,6\n".into(),
                CsvOptions {
                    target: Some("y".into()),
                    features: Some(vec!["b".into()]),
                    ..CsvOptions::default()
                },
            ),
            (
                "tabs",
                "a\tb\tt\n1\t2\tx\n3\t4\ty\n".into(),
                CsvOptions::default(),
            ),
            (
                "crlf-and-blank-lines",
                "a,b,label\r\n1,2,x\r\n\r\n\r\n3,4,y\r\n\n5,6,x\r\n".into(),
                CsvOptions::default(),
            ),
        ];
        // Each row's own line, blank lines and CRLF endings counted (the
        // csv reader's count would say 2, 3, 4 and 1, 2, 3).
        let want_lines = [
            ("plain", vec![2, 3, 5]),
            ("crlf-and-blank-lines", vec![2, 5, 7]),
        ];
        for (name, text, opts) in &cases {
            let p = write(&dir, &format!("{name}.csv"), text);
            let fast = try_load(&p, name, name, opts, &mut |_, _| {})
                .expect("no error")
                .unwrap_or_else(|| panic!("{name}: fast path declined"));
            let slow = super::super::csvload::load_csv_bytes(name, name, text.as_bytes(), opts)
                .expect("general path");
            assert_eq!(fast.feature_names, slow.feature_names, "{name}");
            assert_eq!(fast.x, slow.x, "{name}");
            assert_eq!(fast.y, slow.y, "{name}");
            assert_eq!(fast.classes, slow.classes, "{name}");
            assert_eq!(fast.values, slow.values, "{name}");
            assert_eq!(fast.source_lines, slow.source_lines, "{name}");
            if let Some((_, want)) = want_lines.iter().find(|(n, _)| n == name) {
                assert_eq!(&fast.source_lines, want, "{name}");
            }
            assert_eq!(fast.target, slow.target, "{name}");
            assert!(slow.notes.is_empty() && slow.columns.is_none(), "{name}");
        }
        // Files for the general path: declined, never an error from here.
        let declined: Vec<(&str, &str, CsvOptions)> = vec![
            ("missing", "a,t\n1,x\n,y\n", CsvOptions::default()),
            ("text-cell", "a,t\n1,x\nzz,y\n", CsvOptions::default()),
            ("inf", "a,t\n1,x\ninf,y\n", CsvOptions::default()),
            ("ragged", "a,b\n1,x\n2\n", CsvOptions::default()),
            ("one-class", "a,t\n1,x\n2,x\n", CsvOptions::default()),
            ("id", "id,a,t\n1,2,x\n2,3,y\n", CsvOptions::default()),
            ("missing-label", "a,t\n1,x\n2,\n", CsvOptions::default()),
            (
                "regression-text",
                "a,y\n1,2\n2,x\n",
                CsvOptions {
                    task: Some(TaskKind::Regression),
                    ..CsvOptions::default()
                },
            ),
            ("header-only", "a,t\n", CsvOptions::default()),
            (
                "override",
                "a,t\n1,x\n2,y\n",
                CsvOptions {
                    categorical: vec!["a".into()],
                    ..CsvOptions::default()
                },
            ),
        ];
        for (name, text, opts) in &declined {
            let p = write(&dir, &format!("{name}.csv"), text);
            assert!(
                try_load(&p, name, name, opts, &mut |_, _| {})
                    .expect("no error")
                    .is_none(),
                "{name}"
            );
        }
        // Not a regular file: the bounded read's refusal.
        let e = try_load(&dir, "d", "d", &CsvOptions::default(), &mut |_, _| {})
            .expect_err("a directory");
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
