//! Typed columns: what kind each CSV column is (numeric, categorical,
//! boolean, date, free text, ID-like), inferred from its cells or forced by
//! `--categorical` / `--ignore`, and the typed values the fitted pipeline
//! ([`super::pipeline`]) encodes.

use std::collections::HashMap;

use serde::Serialize;

use super::csvload::is_missing;

/// The kind of a column, as inferred or overridden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ColumnKind {
    Numeric,
    /// Text levels (or a column named in `--categorical`).
    Categorical,
    /// Two values: 0/1, true/false, yes/no.
    Boolean,
    /// Calendar dates (ISO yyyy-mm-dd and a few common forms).
    Date,
    /// Long, mostly unique strings: not a feature of a table.
    Text,
    /// Unique per row (an identifier): not a feature.
    Id,
    /// Every cell missing: not a feature.
    Empty,
    /// Named in `--ignore`.
    Ignored,
}

impl ColumnKind {
    pub fn name(self) -> &'static str {
        match self {
            ColumnKind::Numeric => "numeric",
            ColumnKind::Categorical => "categorical",
            ColumnKind::Boolean => "boolean",
            ColumnKind::Date => "date",
            ColumnKind::Text => "text",
            ColumnKind::Id => "id",
            ColumnKind::Empty => "empty",
            ColumnKind::Ignored => "ignored",
        }
    }

    /// Whether the column becomes features.
    pub fn is_feature(self) -> bool {
        matches!(
            self,
            ColumnKind::Numeric | ColumnKind::Categorical | ColumnKind::Boolean | ColumnKind::Date
        )
    }

    /// Why a non-feature column is left out, for the notes.
    pub fn exclusion(self) -> &'static str {
        match self {
            ColumnKind::Text => "free text (long, mostly unique strings): not used as a feature",
            ColumnKind::Id => "ID-like (unique per row): not used as a feature",
            ColumnKind::Empty => "every cell is missing: not used as a feature",
            ColumnKind::Ignored => "ignored (--ignore)",
            _ => "",
        }
    }
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Day of the week, Monday = 0 ... Sunday = 6 (as pandas' `dayofweek`).
    pub fn weekday(self) -> u32 {
        // Sakamoto's method gives Sunday = 0.
        const T: [i32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
        let y = if self.month < 3 {
            self.year - 1
        } else {
            self.year
        };
        let d = (y + y.div_euclid(4) - y.div_euclid(100)
            + y.div_euclid(400)
            + T[(self.month - 1) as usize]
            + self.day as i32)
            .rem_euclid(7);
        ((d + 6) % 7) as u32
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parse `yyyy-mm-dd` (optionally followed by `T`/space and a time),
/// `yyyy/mm/dd`, `yyyy.mm.dd` or the European `dd.mm.yyyy`.
pub fn parse_date(cell: &str) -> Option<Date> {
    let s = cell.trim();
    let date_part = s.split(['T', ' ']).next().unwrap_or(s);
    let parts: Vec<&str> = date_part.split(['-', '/', '.']).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let sep_ok = {
        let seps: Vec<char> = date_part
            .chars()
            .filter(|c| matches!(c, '-' | '/' | '.'))
            .collect();
        seps.len() == 2 && seps[0] == seps[1]
    };
    if !sep_ok {
        return None;
    }
    let (y, m, d) = if parts[0].len() == 4 {
        (parts[0], parts[1], parts[2])
    } else if parts[2].len() == 4 && date_part.contains('.') {
        (parts[2], parts[1], parts[0])
    } else {
        return None;
    };
    if m.len() > 2 || d.len() > 2 {
        return None;
    }
    let year: i32 = y.parse().ok()?;
    let month: u32 = m.parse().ok()?;
    let day: u32 = d.parse().ok()?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(Date { year, month, day })
}

fn bool_word(cell: &str) -> Option<bool> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "t" | "y" => Some(true),
        "false" | "no" | "f" | "n" => Some(false),
        _ => None,
    }
}

/// A name that says "identifier": `id`, `ID`, `user_id`, `PassengerId`.
pub fn id_like_name(name: &str) -> bool {
    let n = name.trim();
    n.eq_ignore_ascii_case("id")
        || n.to_ascii_lowercase().ends_with("_id")
        || (n.ends_with("Id") || n.ends_with("ID")) && n.len() > 2
}

/// Below this many rows a column of unique strings is not called ID-like
/// (a tiny table of distinct labels is still categorical).
const MIN_ROWS_FOR_ID: usize = 10;

/// What the cells of one column say about its kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Inferred {
    Kind(ColumnKind),
    /// Mostly numbers with a few that are not: probably a typo, so it is
    /// refused (with the line) rather than silently made categorical.
    MostlyNumeric {
        row: usize,
        cell: String,
    },
}

/// Infer a column's kind from its cells (`rows` picks the rows that count).
pub fn infer_kind<'a>(name: &str, cells: impl Iterator<Item = &'a str>) -> Inferred {
    let mut present = 0usize;
    let mut numeric = 0usize;
    let mut integers = true;
    let mut first_bad: Option<(usize, String)> = None;
    let mut distinct: HashMap<&str, usize> = HashMap::new();
    let mut n = 0usize;
    let mut total_len = 0usize;
    let mut with_space = 0usize;
    let mut dates = 0usize;
    let mut bools = 0usize;
    for (r, c) in cells.enumerate() {
        n += 1;
        if is_missing(c) {
            continue;
        }
        let c = c.trim();
        present += 1;
        total_len += c.chars().count();
        if c.contains(' ') {
            with_space += 1;
        }
        *distinct.entry(c).or_insert(0) += 1;
        match c.parse::<f64>() {
            Ok(v) if v.is_finite() => {
                numeric += 1;
                if v.fract() != 0.0 {
                    integers = false;
                }
            }
            _ => {
                if first_bad.is_none() {
                    first_bad = Some((r, c.to_string()));
                }
                if parse_date(c).is_some() {
                    dates += 1;
                }
                if bool_word(c).is_some() {
                    bools += 1;
                }
            }
        }
    }
    if present == 0 {
        return Inferred::Kind(ColumnKind::Empty);
    }
    let unique = distinct.len() == present && present == n && n >= MIN_ROWS_FOR_ID;
    if numeric == present {
        if distinct
            .keys()
            .all(|k| matches!(k.parse::<f64>(), Ok(v) if v == 0.0 || v == 1.0))
        {
            return Inferred::Kind(ColumnKind::Boolean);
        }
        if integers && unique && id_like_name(name) {
            return Inferred::Kind(ColumnKind::Id);
        }
        return Inferred::Kind(ColumnKind::Numeric);
    }
    if numeric * 2 >= present {
        let (row, cell) = first_bad.unwrap_or((0, String::new()));
        return Inferred::MostlyNumeric { row, cell };
    }
    if bools == present && distinct.len() <= 2 {
        return Inferred::Kind(ColumnKind::Boolean);
    }
    if dates == present {
        return Inferred::Kind(ColumnKind::Date);
    }
    let mean_len = total_len as f64 / present as f64;
    let wordy = with_space * 2 > present;
    if unique {
        return Inferred::Kind(if wordy && mean_len >= 20.0 {
            ColumnKind::Text
        } else {
            ColumnKind::Id
        });
    }
    if mean_len > 30.0 && distinct.len() * 2 > present {
        return Inferred::Kind(ColumnKind::Text);
    }
    Inferred::Kind(ColumnKind::Categorical)
}

/// The typed values of one column.
#[derive(Debug, Clone)]
pub enum ColumnData {
    /// Numbers (booleans as 0/1); NaN where missing.
    Numeric(Vec<f64>),
    /// Level index per row (`None` where missing) and the level strings.
    Categorical {
        codes: Vec<Option<u32>>,
        levels: Vec<String>,
    },
    Date(Vec<Option<Date>>),
    /// Not a feature (text, ID-like, empty, ignored): no values kept.
    Excluded,
}

/// One column of a [`Columns`].
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
    pub data: ColumnData,
}

/// Typed feature columns of a table, row `i` from line `lines[i]` of `file`.
#[derive(Debug, Clone)]
pub struct Columns {
    pub file: String,
    pub columns: Vec<Column>,
    pub lines: Vec<usize>,
}

impl Columns {
    pub fn n_rows(&self) -> usize {
        self.lines.len()
    }

    /// Columns of a numeric matrix (used when a numeric-only table is asked
    /// for its schema, e.g. to read a test file against it).
    pub fn from_numeric(
        file: &str,
        x: ndarray::ArrayView2<'_, f64>,
        names: &[String],
        lines: &[usize],
    ) -> Columns {
        Columns {
            file: file.to_string(),
            columns: names
                .iter()
                .enumerate()
                .map(|(j, n)| Column {
                    name: n.clone(),
                    kind: ColumnKind::Numeric,
                    data: ColumnData::Numeric(x.column(j).to_vec()),
                })
                .collect(),
            lines: lines.to_vec(),
        }
    }

    /// Whether a row has a missing value in a feature column.
    pub fn row_has_missing(&self, r: usize) -> bool {
        self.columns.iter().any(|c| match &c.data {
            ColumnData::Numeric(v) => v[r].is_nan(),
            ColumnData::Categorical { codes, .. } => codes[r].is_none(),
            ColumnData::Date(d) => d[r].is_none(),
            ColumnData::Excluded => false,
        })
    }

    /// Missing cells per feature column: (count, first line).
    pub fn missing_counts(&self) -> Vec<(usize, Option<usize>)> {
        self.columns
            .iter()
            .map(|c| {
                let miss: Vec<usize> = (0..self.n_rows())
                    .filter(|&r| match &c.data {
                        ColumnData::Numeric(v) => v[r].is_nan(),
                        ColumnData::Categorical { codes, .. } => codes[r].is_none(),
                        ColumnData::Date(d) => d[r].is_none(),
                        ColumnData::Excluded => false,
                    })
                    .collect();
                (miss.len(), miss.first().map(|&r| self.lines[r]))
            })
            .collect()
    }

    /// Keep only these rows.
    pub fn select(&self, rows: &[usize]) -> Columns {
        Columns {
            file: self.file.clone(),
            lines: rows.iter().map(|&r| self.lines[r]).collect(),
            columns: self
                .columns
                .iter()
                .map(|c| Column {
                    name: c.name.clone(),
                    kind: c.kind,
                    data: match &c.data {
                        ColumnData::Numeric(v) => {
                            ColumnData::Numeric(rows.iter().map(|&r| v[r]).collect())
                        }
                        ColumnData::Categorical { codes, levels } => ColumnData::Categorical {
                            codes: rows.iter().map(|&r| codes[r]).collect(),
                            levels: levels.clone(),
                        },
                        ColumnData::Date(d) => {
                            ColumnData::Date(rows.iter().map(|&r| d[r]).collect())
                        }
                        ColumnData::Excluded => ColumnData::Excluded,
                    },
                })
                .collect(),
        }
    }
}

/// Parse a column's cells as `kind`. A cell that does not fit the kind is
/// an error naming the row index (the caller turns it into a line).
pub fn typed(kind: ColumnKind, cells: &[&str]) -> Result<ColumnData, (usize, String)> {
    Ok(match kind {
        ColumnKind::Numeric => {
            let mut v = Vec::with_capacity(cells.len());
            for (r, c) in cells.iter().enumerate() {
                if is_missing(c) {
                    v.push(f64::NAN);
                    continue;
                }
                match c.trim().parse::<f64>() {
                    Ok(x) if x.is_finite() => v.push(x),
                    _ => return Err((r, format!("`{}` is not a finite number", c.trim()))),
                }
            }
            ColumnData::Numeric(v)
        }
        ColumnKind::Boolean => {
            let mut v = Vec::with_capacity(cells.len());
            for (r, c) in cells.iter().enumerate() {
                if is_missing(c) {
                    v.push(f64::NAN);
                    continue;
                }
                let t = c.trim();
                let b = match t.parse::<f64>() {
                    Ok(x) if x == 0.0 || x == 1.0 => Some(x == 1.0),
                    _ => bool_word(t),
                };
                match b {
                    Some(b) => v.push(if b { 1.0 } else { 0.0 }),
                    None => return Err((r, format!("`{t}` is not a yes/no value"))),
                }
            }
            ColumnData::Numeric(v)
        }
        ColumnKind::Categorical => {
            let mut index: HashMap<&str, u32> = HashMap::new();
            let mut levels = Vec::new();
            let codes = cells
                .iter()
                .map(|c| {
                    if is_missing(c) {
                        return None;
                    }
                    let t = c.trim();
                    Some(*index.entry(t).or_insert_with(|| {
                        levels.push(t.to_string());
                        (levels.len() - 1) as u32
                    }))
                })
                .collect();
            ColumnData::Categorical { codes, levels }
        }
        ColumnKind::Date => {
            let mut v = Vec::with_capacity(cells.len());
            for (r, c) in cells.iter().enumerate() {
                if is_missing(c) {
                    v.push(None);
                    continue;
                }
                match parse_date(c) {
                    Some(d) => v.push(Some(d)),
                    None => {
                        return Err((
                            r,
                            format!(
                            "`{}` is not a date (expected yyyy-mm-dd, yyyy/mm/dd or dd.mm.yyyy)",
                            c.trim()
                        ),
                        ))
                    }
                }
            }
            ColumnData::Date(v)
        }
        _ => ColumnData::Excluded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(name: &str, cells: &[&str]) -> Inferred {
        infer_kind(name, cells.iter().copied())
    }

    #[test]
    fn kinds_are_inferred_from_the_cells() {
        use ColumnKind::*;
        assert_eq!(kind("a", &["1.5", "2", ""]), Inferred::Kind(Numeric));
        assert_eq!(kind("a", &["0", "1", "1", "NA"]), Inferred::Kind(Boolean));
        assert_eq!(kind("a", &["yes", "No", "yes"]), Inferred::Kind(Boolean));
        assert_eq!(
            kind("sex", &["male", "female", "male"]),
            Inferred::Kind(Categorical)
        );
        assert_eq!(
            kind("d", &["2024-01-31", "2023-12-01", "2024-02-29T10:00"]),
            Inferred::Kind(Date)
        );
        assert_eq!(kind("e", &["", "NA", "?"]), Inferred::Kind(Empty));
        let ids: Vec<String> = (0..12).map(|i| format!("{}", 100 + i)).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(kind("PassengerId", &ids), Inferred::Kind(Id));
        assert_eq!(
            kind("age", &ids),
            Inferred::Kind(Numeric),
            "a plain number column"
        );
        let codes: Vec<String> = (0..12).map(|i| format!("A{i}")).collect();
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        assert_eq!(kind("ticket", &codes), Inferred::Kind(Id));
        let texts: Vec<String> = (0..12)
            .map(|i| format!("a rather long review sentence number {i}"))
            .collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        assert_eq!(kind("review", &texts), Inferred::Kind(Text));
        assert_eq!(
            kind("b", &["1", "2", "zz"]),
            Inferred::MostlyNumeric {
                row: 2,
                cell: "zz".into()
            }
        );
    }

    #[test]
    fn dates_parse_and_know_their_weekday() {
        let d = parse_date("2024-02-29").expect("leap day");
        assert_eq!((d.year, d.month, d.day), (2024, 2, 29));
        assert_eq!(d.weekday(), 3, "2024-02-29 was a Thursday");
        assert_eq!(parse_date("1970-01-01").map(Date::weekday), Some(3));
        assert_eq!(
            parse_date("2026-12-07").map(Date::weekday),
            Some(0),
            "a Monday"
        );
        assert_eq!(parse_date("07.12.2026"), parse_date("2026-12-07"));
        assert_eq!(parse_date("2026/12/07"), parse_date("2026-12-07"));
        assert!(parse_date("2023-02-29").is_none());
        assert!(parse_date("2023-13-01").is_none());
        assert!(
            parse_date("12/07/2026").is_none(),
            "ambiguous order is not guessed"
        );
        assert!(parse_date("2023-01/02").is_none());
    }
}
