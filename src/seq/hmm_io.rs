//! Files of `mlwb hmm decode|score|fit`: model files (JSON or YAML) and
//! observation files, with errors that name the file, line and column and
//! say what was expected.
//!
//! # Model file
//! A mapping with hmmlearn's `CategoricalHMM` names (see
//! `datasets/casino_model.json`):
//!
//! ```json
//! {
//!   "states": ["fair", "loaded"],
//!   "symbols": [1, 2, 3, 4, 5, 6],
//!   "startprob": [0.5, 0.5],
//!   "transmat": [[0.95, 0.05], [0.1, 0.9]],
//!   "emissionprob": [[0.1667, ...], [0.1, 0.1, 0.1, 0.1, 0.1, 0.5]]
//! }
//! ```
//!
//! `startprob` (N), `transmat` (N x N) and `emissionprob` (N x M) are
//! required; `states` (N names) and `symbols` (M names) are optional (names
//! may be strings or numbers; a number is the name written as in the file).
//! Keys starting with `_` are ignored (comments); any other key is an error,
//! so a misspelt key is reported rather than silently dropped. Every
//! probability is a number in `[0, 1]` and every row (and `startprob`) sums to
//! 1 within `1e-6`. The format is chosen by the extension (`.json`; `.yaml` or
//! `.yml`); with any other extension JSON is tried, then YAML. Rows, entries
//! and states are numbered from 0 in messages, like the state indices the
//! CLI prints; lines and columns from 1.
//!
//! # Observation file
//! Symbols are written as indices `0..M` or, when the model names its
//! symbols, by those names. If some symbol name looks like a number (the
//! casino's `1`..`6`), only names are accepted, so `6` always means the
//! symbol named 6 and never index 6; otherwise a token that is not a name
//! may be an index. Lines starting with `#` are comments; a UTF-8 BOM and
//! CRLF line ends are accepted. Three layouts:
//!
//! 1. **One symbol per line**, sequences separated by one or more blank lines.
//! 2. **One sequence per line**, symbols separated by commas (and/or spaces):
//!    chosen when the first data line holds more than one symbol.
//! 3. **CSV with a header line** (the first line is a header when one of its
//!    fields is neither a symbol nor a number): the observations are in the
//!    column named `obs` (or `observation(s)`, `symbol(s)`), else in the first
//!    column that is not `seq`; other columns are ignored (so
//!    `datasets/casino.csv`, `roll,die`, reads its `roll` column). With a
//!    `seq` column, rows with the same `seq` value form one sequence (its
//!    rows must be contiguous); without one, blank lines separate sequences.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use ndarray::{Array1, Array2};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::hmm::{short_num, Hmm, SUM_TOL};

// ---------------------------------------------------------------------------
// Errors and names
// ---------------------------------------------------------------------------

/// A file that could not be used: where, and what was expected.
#[derive(Debug, Clone, PartialEq)]
pub struct IoError {
    /// The file name as given.
    pub file: String,
    /// 1-based line, when the problem has a place.
    pub line: Option<usize>,
    /// 1-based column (characters), when known.
    pub column: Option<usize>,
    pub message: String,
}

impl IoError {
    fn at(file: &str, line: usize, column: usize, message: impl Into<String>) -> IoError {
        IoError {
            file: file.to_string(),
            line: Some(line),
            column: Some(column),
            message: message.into(),
        }
    }

    fn whole(file: &str, message: impl Into<String>) -> IoError {
        IoError {
            file: file.to_string(),
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}", self.file, self.message),
            (Some(l), None) => write!(f, "{}:{l}: {}", self.file, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for IoError {}

/// Optional names of the states and symbols of a model file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    pub states: Option<Vec<String>>,
    pub symbols: Option<Vec<String>>,
}

impl Names {
    /// The name of state `i`, or its index.
    pub fn state(&self, i: usize) -> String {
        name_or_index(&self.states, i)
    }

    /// The name of symbol `k`, or its index.
    pub fn symbol(&self, k: usize) -> String {
        name_or_index(&self.symbols, k)
    }
}

fn name_or_index(names: &Option<Vec<String>>, i: usize) -> String {
    names
        .as_ref()
        .and_then(|v| v.get(i).cloned())
        .unwrap_or_else(|| i.to_string())
}

fn read_text(path: &Path) -> Result<(String, String), IoError> {
    let file = path.display().to_string();
    // Bounded: a FIFO, a device or an over-size file is refused up front.
    let bytes = crate::data::bounded::read_bounded(path).map_err(|e| IoError::whole(&file, e))?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok((file, s)),
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let text = String::from_utf8_lossy(valid);
            let line = text.matches('\n').count() + 1;
            let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(IoError::at(
                &file,
                line,
                column,
                "not UTF-8 text (expected a UTF-8 text file)",
            ))
        }
    }
}

// ---------------------------------------------------------------------------
// A parsed document with the path of every value
// ---------------------------------------------------------------------------

/// A JSON/YAML value, keeping duplicate keys and how numbers were written.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Map(Vec<(String, Node)>),
    Seq(Vec<Node>),
    /// The value and its text (integers exactly as written).
    Num(f64, String),
    Str(String),
    Bool(bool),
    Null,
}

impl Node {
    fn kind(&self) -> String {
        match self {
            Node::Map(_) => "a mapping".into(),
            Node::Seq(_) => "a list".into(),
            Node::Num(_, t) => format!("the number {t}"),
            Node::Str(s) => format!("the text {s:?}"),
            Node::Bool(b) => format!("{b}"),
            Node::Null => "nothing (null)".into(),
        }
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, text, list or mapping")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Num(v as f64, v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Num(v as f64, v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Num(v, format!("{v}")))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element_seed(NodeSeed)? {
            v.push(x);
        }
        Ok(Node::Seq(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut v = Vec::new();
        while let Some(k) = map.next_key_seed(KeySeed)? {
            let x = map.next_value_seed(NodeSeed)?;
            v.push((k, x));
        }
        Ok(Node::Map(v))
    }
}

struct NodeSeed;

impl<'de> DeserializeSeed<'de> for NodeSeed {
    type Value = Node;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

/// A mapping key as text (YAML keys may be numbers or booleans).
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        match d.deserialize_any(NodeVisitor)? {
            Node::Str(s) => Ok(s),
            Node::Num(_, t) => Ok(t),
            Node::Bool(b) => Ok(b.to_string()),
            Node::Null => Ok("null".into()),
            other => Err(de::Error::custom(format!(
                "a key must be a plain name, found {}",
                other.kind()
            ))),
        }
    }
}

/// One step of a path into the document.
#[derive(Debug, Clone, PartialEq)]
enum Seg {
    /// The value of the `occurrence`-th (0-based) entry with this key.
    Key(String, usize),
    Index(usize),
}

fn key(k: &str) -> Seg {
    Seg::Key(k.to_string(), 0)
}

/// An error found while checking the parsed document: where and what.
struct Problem {
    path: Vec<Seg>,
    message: String,
}

fn problem(path: Vec<Seg>, message: impl Into<String>) -> Problem {
    Problem {
        path,
        message: message.into(),
    }
}

const HERE: &str = "\u{1}mlwb-locate-here";

/// Walks the document to `path` and fails there, so that the parser attaches
/// the position of that value to the error.
struct Locate<'a>(&'a [Seg]);

impl<'de> DeserializeSeed<'de> for Locate<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Locate<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let target = match self.0.split_first() {
            None => return Err(de::Error::custom(HERE)),
            Some((Seg::Index(i), rest)) => Some((*i, rest)),
            Some(_) => None,
        };
        let mut i = 0;
        loop {
            match target {
                Some((want, rest)) if want == i => {
                    return seq.next_element_seed(Locate(rest)).map(|_| ());
                }
                _ => {
                    if seq.next_element::<IgnoredAny>()?.is_none() {
                        return Ok(());
                    }
                }
            }
            i += 1;
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let target = match self.0.split_first() {
            None => return Err(de::Error::custom(HERE)),
            Some((Seg::Key(k, occ), rest)) => Some((k.as_str(), *occ, rest)),
            Some(_) => None,
        };
        let mut seen = 0;
        while let Some(k) = map.next_key_seed(KeySeed)? {
            match target {
                Some((want, occ, rest)) if want == k => {
                    if seen == occ {
                        return map.next_value_seed(Locate(rest));
                    }
                    seen += 1;
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

impl Locate<'_> {
    fn scalar<E: de::Error>(&self) -> Result<(), E> {
        if self.0.is_empty() {
            Err(E::custom(HERE))
        } else {
            Ok(())
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Json,
    Yaml,
}

/// Character column (1-based) of a byte column (1-based) in `line`.
fn char_column(line: &str, byte_col: usize) -> usize {
    let b = byte_col.saturating_sub(1).min(line.len());
    let mut b = b;
    while b > 0 && !line.is_char_boundary(b) {
        b -= 1;
    }
    line[..b].chars().count() + 1
}

/// serde_json reports a scalar's position just after it; move to its start.
fn json_scalar_start(line: &str, byte_col: usize) -> usize {
    let bytes = line.as_bytes();
    // byte_col is 1-based and points at the last byte read.
    let mut end = byte_col.min(bytes.len());
    if end == 0 {
        return 1;
    }
    let last = bytes[end - 1];
    if matches!(last, b'[' | b'{') {
        return end;
    }
    if last == b'"' {
        end -= 1;
        while end > 0 {
            if bytes[end - 1] == b'"' && (end < 2 || bytes[end - 2] != b'\\') {
                return end;
            }
            end -= 1;
        }
        return 1;
    }
    while end > 0
        && (bytes[end - 1].is_ascii_alphanumeric() || matches!(bytes[end - 1], b'+' | b'-' | b'.'))
    {
        end -= 1;
    }
    end + 1
}

/// Line and column of the value at `path` (line 1, column 1 if not found).
fn locate(text: &str, format: Format, path: &[Seg]) -> (usize, usize) {
    match format {
        Format::Json => {
            let mut d = serde_json::Deserializer::from_str(text);
            match Locate(path).deserialize(&mut d) {
                Err(e) if e.to_string().starts_with(HERE) && e.line() > 0 => {
                    let line_text = text.lines().nth(e.line() - 1).unwrap_or("");
                    let byte_col = json_scalar_start(line_text, e.column());
                    (e.line(), char_column(line_text, byte_col))
                }
                _ => (1, 1),
            }
        }
        Format::Yaml => {
            let d = serde_yaml::Deserializer::from_str(text);
            match Locate(path).deserialize(d) {
                Err(e) => e.location().map_or((1, 1), |l| (l.line(), l.column())),
                Ok(()) => (1, 1),
            }
        }
    }
}

/// Removes serde's " at line L column C" suffix (we print the place first).
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(" column ") => msg[..i].to_string(),
        _ => msg.to_string(),
    }
}

fn parse_json(text: &str, file: &str) -> Result<Node, IoError> {
    let mut d = serde_json::Deserializer::from_str(text);
    let node = NodeSeed
        .deserialize(&mut d)
        .and_then(|n| d.end().map(|_| n));
    node.map_err(|e| {
        let line_text = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
        IoError::at(
            file,
            e.line().max(1),
            char_column(line_text, e.column().max(1)),
            format!("invalid JSON: {}", strip_position(&e.to_string())),
        )
    })
}

fn parse_yaml(text: &str, file: &str) -> Result<Node, IoError> {
    let d = serde_yaml::Deserializer::from_str(text);
    NodeSeed.deserialize(d).map_err(|e| {
        let (l, c) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        IoError::at(
            file,
            l,
            c,
            format!("invalid YAML: {}", strip_position(&e.to_string())),
        )
    })
}

// ---------------------------------------------------------------------------
// Model files
// ---------------------------------------------------------------------------

const KEYS: &str = "startprob, transmat, emissionprob, states or symbols";

/// Reads a model file (JSON or YAML, see the module notes).
pub fn load_model(path: &Path) -> Result<(Hmm, Names), IoError> {
    let (file, text) = read_text(path)?;
    parse_model(&text, &file)
}

/// Parses model text; `file_name` is used in messages and its extension
/// chooses the format.
pub fn parse_model(text: &str, file_name: &str) -> Result<(Hmm, Names), IoError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(IoError::at(
            file_name,
            1,
            1,
            "empty file (expected a JSON or YAML model with startprob, transmat and emissionprob)",
        ));
    }
    let ext = Path::new(file_name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let (node, format) = match ext.as_str() {
        "json" => (parse_json(text, file_name)?, Format::Json),
        "yaml" | "yml" => (parse_yaml(text, file_name)?, Format::Yaml),
        _ => match parse_json(text, file_name) {
            Ok(n) => (n, Format::Json),
            Err(json_err) => match parse_yaml(text, file_name) {
                Ok(n) => (n, Format::Yaml),
                Err(yaml_err) => {
                    let looks_json = text.trim_start().starts_with(['{', '[']);
                    return Err(if looks_json { json_err } else { yaml_err });
                }
            },
        },
    };
    check_model(&node).map_err(|p| {
        let (line, column) = locate(text, format, &p.path);
        IoError::at(file_name, line, column, p.message)
    })
}

fn numbers(
    path: &[Seg],
    node: &Node,
    what: &str,
    expected_len: Option<usize>,
) -> Result<Vec<f64>, Problem> {
    let items = match node {
        Node::Seq(v) => v,
        other => {
            return Err(problem(
                path.to_vec(),
                format!(
                    "{what}: expected a list of probabilities, found {}",
                    other.kind()
                ),
            ))
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut p = path.to_vec();
        p.push(Seg::Index(i));
        match item {
            Node::Num(v, t) => {
                if !(v.is_finite() && *v >= 0.0 && *v <= 1.0) {
                    return Err(problem(
                        p,
                        format!("{what}, entry {i}: {t} is not a probability (expected a number from 0 to 1)"),
                    ));
                }
                out.push(*v);
            }
            other => {
                return Err(problem(
                    p,
                    format!(
                        "{what}, entry {i}: expected a number, found {}",
                        other.kind()
                    ),
                ))
            }
        }
    }
    if let Some(n) = expected_len {
        if out.len() != n {
            return Err(problem(
                path.to_vec(),
                format!("{what} has {} entries, expected {n}", out.len()),
            ));
        }
    }
    Ok(out)
}

fn check_sum(path: &[Seg], what: &str, v: &[f64]) -> Result<(), Problem> {
    let sum: f64 = v.iter().sum();
    if (sum - 1.0).abs() > SUM_TOL {
        return Err(problem(
            path.to_vec(),
            format!(
                "{what} sums to {}, expected 1 (within 1e-6)",
                short_num(sum)
            ),
        ));
    }
    Ok(())
}

fn rows<'a>(
    path: &[Seg],
    node: &'a Node,
    what: &str,
    n_rows: usize,
    why: &str,
) -> Result<&'a [Node], Problem> {
    match node {
        Node::Seq(v) if v.len() == n_rows => Ok(v),
        Node::Seq(v) => Err(problem(
            path.to_vec(),
            format!("{what} has {} rows, expected {n_rows} ({why})", v.len()),
        )),
        other => Err(problem(
            path.to_vec(),
            format!(
                "{what}: expected a list of rows (a matrix), found {}",
                other.kind()
            ),
        )),
    }
}

fn names(
    path: &[Seg],
    node: &Node,
    what: &str,
    expected: usize,
    why: &str,
) -> Result<Vec<String>, Problem> {
    let items = match node {
        Node::Seq(v) => v,
        other => {
            return Err(problem(
                path.to_vec(),
                format!("{what}: expected a list of names, found {}", other.kind()),
            ))
        }
    };
    if items.len() != expected {
        return Err(problem(
            path.to_vec(),
            format!(
                "{what} has {} names, expected {expected} ({why})",
                items.len()
            ),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut p = path.to_vec();
        p.push(Seg::Index(i));
        let name = match item {
            Node::Str(s) => s.trim().to_string(),
            Node::Num(_, t) => t.clone(),
            Node::Bool(b) => b.to_string(),
            other => {
                return Err(problem(
                    p,
                    format!(
                        "{what} entry {i}: expected a name (text or number), found {}",
                        other.kind()
                    ),
                ))
            }
        };
        if name.is_empty() {
            return Err(problem(p, format!("{what} entry {i}: empty name")));
        }
        if let Some(j) = out.iter().position(|o| *o == name) {
            return Err(problem(
                p,
                format!("{what} entry {i}: the name {name:?} is already used by entry {j}"),
            ));
        }
        out.push(name);
    }
    Ok(out)
}

fn check_model(root: &Node) -> Result<(Hmm, Names), Problem> {
    let entries = match root {
        Node::Map(e) => e,
        other => {
            return Err(problem(
                vec![],
                format!(
                    "expected a mapping with keys startprob, transmat and emissionprob, found {}",
                    other.kind()
                ),
            ))
        }
    };
    let mut found: HashMap<&str, &Node> = HashMap::new();
    for (k, v) in entries {
        if k.starts_with('_') {
            continue;
        }
        if !matches!(
            k.as_str(),
            "startprob" | "transmat" | "emissionprob" | "states" | "symbols"
        ) {
            return Err(problem(
                vec![key(k)],
                format!("unknown key `{k}` (expected {KEYS})"),
            ));
        }
        if found.insert(k.as_str(), v).is_some() {
            return Err(problem(
                vec![Seg::Key(k.clone(), 1)],
                format!("duplicate key `{k}`"),
            ));
        }
    }
    let get = |k: &str, expected: &str| -> Result<&Node, Problem> {
        found
            .get(k)
            .copied()
            .ok_or_else(|| problem(vec![], format!("missing key `{k}` (expected {expected})")))
    };
    let sp_node = get(
        "startprob",
        "a list with the initial probability of each state",
    )?;
    let tm_node = get(
        "transmat",
        "an N x N matrix: row i = probabilities of moving from state i to each state",
    )?;
    let ep_node = get(
        "emissionprob",
        "an N x M matrix: row i = probabilities of each symbol in state i",
    )?;

    let sp_path = vec![key("startprob")];
    let startprob = numbers(&sp_path, sp_node, "startprob", None)?;
    let n = startprob.len();
    if n == 0 {
        return Err(problem(
            sp_path,
            "startprob is empty (expected one probability per state)",
        ));
    }
    check_sum(&sp_path, "startprob", &startprob)?;
    let states = match found.get("states") {
        Some(node) => Some(names(
            &[key("states")],
            node,
            "states",
            n,
            &format!("one per state: startprob has {n} entries"),
        )?),
        None => None,
    };

    let tm_path = vec![key("transmat")];
    let tm_rows = rows(
        &tm_path,
        tm_node,
        "transmat",
        n,
        &format!("one per state: startprob has {n} entries"),
    )?;
    let mut transmat = Vec::with_capacity(n * n);
    for (i, r) in tm_rows.iter().enumerate() {
        let mut p = tm_path.clone();
        p.push(Seg::Index(i));
        let what = format!("transmat row {i}");
        let v = numbers(&p, r, &what, None)?;
        if v.len() != n {
            return Err(problem(
                p,
                format!(
                    "{what} has {} entries, expected {n} (one per state)",
                    v.len()
                ),
            ));
        }
        check_sum(&p, &what, &v)?;
        transmat.extend(v);
    }

    let ep_path = vec![key("emissionprob")];
    let ep_rows = rows(
        &ep_path,
        ep_node,
        "emissionprob",
        n,
        &format!("one per state: startprob has {n} entries"),
    )?;
    let symbols_node = found.get("symbols");
    let mut m: Option<usize> = None;
    let mut emission = Vec::new();
    for (i, r) in ep_rows.iter().enumerate() {
        let mut p = ep_path.clone();
        p.push(Seg::Index(i));
        let what = format!("emissionprob row {i}");
        let v = numbers(&p, r, &what, None)?;
        if v.is_empty() {
            return Err(problem(
                p,
                format!("{what} is empty (expected one probability per symbol)"),
            ));
        }
        match m {
            None => m = Some(v.len()),
            Some(m) if v.len() != m => {
                return Err(problem(
                    p,
                    format!(
                        "{what} has {} entries, expected {m} (one per symbol, as in row 0)",
                        v.len()
                    ),
                ));
            }
            Some(_) => {}
        }
        check_sum(&p, &what, &v)?;
        emission.extend(v);
    }
    let m = m.unwrap_or(0);
    let symbols = match symbols_node {
        Some(node) => Some(names(
            &[key("symbols")],
            node,
            "symbols",
            m,
            &format!("one per symbol: emissionprob rows have {m} entries"),
        )?),
        None => None,
    };
    let shape_err = |e: ndarray::ShapeError| problem(vec![], e.to_string());
    let hmm = Hmm::new(
        Array1::from(startprob),
        Array2::from_shape_vec((n, n), transmat).map_err(shape_err)?,
        Array2::from_shape_vec((n, m), emission).map_err(shape_err)?,
    )
    .map_err(|e| problem(vec![], e.to_string()))?;
    Ok((hmm, Names { states, symbols }))
}

/// A name written back as a JSON number when it is the plain decimal form of
/// an integer (the casino's symbols `1`..`6`), as text otherwise.
fn name_json(name: &str) -> String {
    match name.parse::<i64>() {
        Ok(v) if v.to_string() == name => name.to_string(),
        _ => serde_json::Value::String(name.to_string()).to_string(),
    }
}

fn num_json(x: f64) -> String {
    serde_json::Value::from(x).to_string()
}

fn list_json<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    let parts: Vec<String> = items.iter().map(f).collect();
    format!("[{}]", parts.join(", "))
}

fn matrix_json(a: &Array2<f64>) -> String {
    let rows: Vec<String> = a
        .rows()
        .into_iter()
        .map(|r| {
            let v: Vec<f64> = r.iter().copied().collect();
            format!("    {}", list_json(&v, |x| num_json(*x)))
        })
        .collect();
    format!("[\n{}\n  ]", rows.join(",\n"))
}

/// The model in the model-file format (JSON, one matrix row per line,
/// each number in its shortest form that converts back to the same `f64`),
/// for `mlwb hmm fit`'s output; [`parse_model`] reads it back.
pub fn model_to_json(hmm: &Hmm, names: &Names) -> String {
    let mut fields = Vec::new();
    if let Some(s) = &names.states {
        fields.push(format!("  \"states\": {}", list_json(s, |n| name_json(n))));
    }
    if let Some(s) = &names.symbols {
        fields.push(format!("  \"symbols\": {}", list_json(s, |n| name_json(n))));
    }
    let sp: Vec<f64> = hmm.startprob.iter().copied().collect();
    fields.push(format!(
        "  \"startprob\": {}",
        list_json(&sp, |x| num_json(*x))
    ));
    fields.push(format!("  \"transmat\": {}", matrix_json(&hmm.transmat)));
    fields.push(format!(
        "  \"emissionprob\": {}",
        matrix_json(&hmm.emissionprob)
    ));
    format!("{{\n{}\n}}\n", fields.join(",\n"))
}

// ---------------------------------------------------------------------------
// Observation files
// ---------------------------------------------------------------------------

/// Turns tokens into symbol indices.
struct Symbols<'a> {
    by_name: Option<HashMap<&'a str, usize>>,
    names: Option<&'a [String]>,
    /// Some symbol name reads as a number: indices are not accepted.
    names_only: bool,
    n_symbols: Option<usize>,
}

impl<'a> Symbols<'a> {
    fn new(names: &'a Names, n_symbols: Option<usize>) -> Symbols<'a> {
        let list = names.symbols.as_deref();
        Symbols {
            by_name: list.map(|l| l.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect()),
            names: list,
            names_only: list.is_some_and(|l| l.iter().any(|s| s.parse::<f64>().is_ok())),
            n_symbols: n_symbols.or(list.map(|l| l.len())),
        }
    }

    fn names_text(&self) -> String {
        let l = self.names.unwrap_or(&[]);
        let shown: Vec<&str> = l.iter().take(12).map(|s| s.as_str()).collect();
        let more = if l.len() > 12 { ", ..." } else { "" };
        format!("{}{more}", shown.join(", "))
    }

    fn range_text(&self) -> String {
        match self.n_symbols {
            Some(m) => format!("0..={}", m.saturating_sub(1)),
            None => "0, 1, 2, ...".into(),
        }
    }

    /// Could this field be an observation (used to tell a header line)?
    fn looks_like_data(&self, tok: &str) -> bool {
        tok.parse::<f64>().is_ok() || self.by_name.as_ref().is_some_and(|m| m.contains_key(tok))
    }

    fn resolve(&self, tok: &str) -> Result<usize, String> {
        if let Some(map) = &self.by_name {
            if let Some(&i) = map.get(tok) {
                return Ok(i);
            }
            if self.names_only {
                return Err(format!(
                    "unknown symbol {tok:?} (expected one of the model's symbols: {})",
                    self.names_text()
                ));
            }
        }
        match tok.parse::<usize>() {
            Ok(k) => match self.n_symbols {
                Some(m) if k >= m => Err(format!(
                    "symbol {k} is out of range (the model has {m} symbols: {})",
                    self.range_text()
                )),
                _ => Ok(k),
            },
            Err(_) => Err(match &self.names {
                Some(_) => format!(
                    "unknown symbol {tok:?} (expected one of the model's symbols: {}; or an index {})",
                    self.names_text(),
                    self.range_text()
                ),
                None => format!(
                    "expected a symbol index (a whole number {}), found {tok:?}",
                    self.range_text()
                ),
            }),
        }
    }
}

/// Fields of a line with their 1-based character columns. `split_space`
/// also splits on whitespace (headerless layouts); empty fields are kept.
fn fields(line: &str, split_space: bool) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut col = 1;
    for part in line.split(',') {
        let width = part.chars().count();
        let lead = part.chars().take_while(|c| c.is_whitespace()).count();
        let trimmed = part.trim();
        if split_space && trimmed.contains(char::is_whitespace) {
            let mut cur = String::new();
            let mut start = col;
            for (c, ch) in (col..).zip(part.chars()) {
                if ch.is_whitespace() {
                    if !cur.is_empty() {
                        out.push((start, std::mem::take(&mut cur)));
                    }
                } else {
                    if cur.is_empty() {
                        start = c;
                    }
                    cur.push(ch);
                }
            }
            if !cur.is_empty() {
                out.push((start, cur));
            }
        } else {
            let unquoted = trimmed
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .unwrap_or(trimmed);
            out.push((col + lead, unquoted.to_string()));
        }
        col += width + 1;
    }
    out
}

/// Reads an observation file (see the module notes). `n_symbols` (the
/// model's M) range-checks indices; `None` accepts any index (or, with symbol
/// names, the number of names).
pub fn load_observations(
    path: &Path,
    n_symbols: Option<usize>,
    names: &Names,
) -> Result<Vec<Vec<usize>>, IoError> {
    let (file, text) = read_text(path)?;
    parse_observations(&text, &file, n_symbols, names)
}

/// [`load_observations`] on text; `file_name` is used in messages.
pub fn parse_observations(
    text: &str,
    file_name: &str,
    n_symbols: Option<usize>,
    names: &Names,
) -> Result<Vec<Vec<usize>>, IoError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let symbols = Symbols::new(names, n_symbols);
    // (line number, content) of every line, comments blanked.
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let l = l.trim_end_matches('\r');
            (
                i + 1,
                if l.trim_start().starts_with('#') {
                    ""
                } else {
                    l
                },
            )
        })
        .collect();
    let Some(&(first_no, first)) = lines.iter().find(|(_, l)| !l.trim().is_empty()) else {
        return Err(IoError::at(
            file_name,
            1,
            1,
            "empty file (expected observations: symbols one per line, or a sequence per line separated by commas)",
        ));
    };
    let first_fields = fields(first, false);
    let is_header = first_fields
        .iter()
        .any(|(_, f)| !f.is_empty() && !symbols.looks_like_data(f));
    let err = |line: usize, col: usize, msg: String| IoError::at(file_name, line, col, msg);
    let body = lines.iter().filter(|(no, _)| *no > first_no);

    if is_header {
        let header: Vec<String> = first_fields
            .iter()
            .map(|(_, f)| f.to_ascii_lowercase())
            .collect();
        let seq_col = header.iter().position(|h| h == "seq");
        let obs_col = header
            .iter()
            .position(|h| {
                matches!(
                    h.as_str(),
                    "obs" | "observation" | "observations" | "symbol" | "symbols"
                )
            })
            .or_else(|| (0..header.len()).find(|&i| Some(i) != seq_col));
        let Some(obs_col) = obs_col else {
            return Err(err(
                first_no,
                1,
                "the header has only a `seq` column (expected an `obs` column with the symbols too)".into(),
            ));
        };
        let mut seqs: Vec<Vec<usize>> = Vec::new();
        let mut current: Vec<usize> = Vec::new();
        let mut ids: Vec<(String, usize)> = Vec::new(); // seq id and its first line
        for &(no, line) in body {
            if line.trim().is_empty() {
                if seq_col.is_none() && !current.is_empty() {
                    seqs.push(std::mem::take(&mut current));
                }
                continue;
            }
            let f = fields(line, false);
            if f.len() != header.len() {
                return Err(err(
                    no,
                    f.last().map_or(1, |(c, _)| *c),
                    format!(
                        "{} fields, expected {} as in the header ({})",
                        f.len(),
                        header.len(),
                        first_fields
                            .iter()
                            .map(|(_, h)| h.as_str())
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                ));
            }
            if let Some(sc) = seq_col {
                let (c, id) = (&f[sc].0, f[sc].1.as_str());
                if id.is_empty() {
                    return Err(err(
                        no,
                        *c,
                        "empty `seq` value (expected a sequence id)".into(),
                    ));
                }
                match ids.last() {
                    Some((last, _)) if last == id => {}
                    _ => {
                        if let Some((_, started)) = ids.iter().find(|(s, _)| s == id) {
                            return Err(err(
                                no,
                                *c,
                                format!(
                                    "sequence {id:?} started on line {started} and reappears here after other sequences (expected the rows of a sequence together)"
                                ),
                            ));
                        }
                        if !current.is_empty() {
                            seqs.push(std::mem::take(&mut current));
                        }
                        ids.push((id.to_string(), no));
                    }
                }
            }
            let (c, tok) = &f[obs_col];
            if tok.is_empty() {
                return Err(err(no, *c, "empty field (expected a symbol)".into()));
            }
            current.push(symbols.resolve(tok).map_err(|m| err(no, *c, m))?);
        }
        if !current.is_empty() {
            seqs.push(current);
        }
        if seqs.is_empty() {
            return Err(err(
                first_no + 1,
                1,
                "no observations after the header line (expected one row per observation)".into(),
            ));
        }
        return Ok(seqs);
    }

    let per_line = fields(first, true).len() > 1;
    let mut seqs: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for &(no, line) in lines.iter().filter(|(no, _)| *no >= first_no) {
        if line.trim().is_empty() {
            if !current.is_empty() {
                seqs.push(std::mem::take(&mut current));
            }
            continue;
        }
        let f = fields(line, true);
        if !per_line && f.len() > 1 {
            return Err(err(
                no,
                f[1].0,
                format!(
                    "{} symbols on one line, expected one per line as on line {first_no} (a file with a whole sequence per line must start with such a line)",
                    f.len()
                ),
            ));
        }
        for (c, tok) in &f {
            if tok.is_empty() {
                return Err(err(no, *c, "empty field (expected a symbol)".into()));
            }
            current.push(symbols.resolve(tok).map_err(|m| err(no, *c, m))?);
        }
        if per_line {
            seqs.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        seqs.push(current);
    }
    Ok(seqs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASINO: &str = include_str!("../../datasets/casino_model.json");

    #[test]
    fn casino_model_round_trip() {
        let (h, names) = parse_model(CASINO, "casino_model.json").unwrap();
        assert_eq!(h.n_states(), 2);
        assert_eq!(h.n_symbols(), 6);
        assert_eq!(
            names.states.as_deref(),
            Some(&["fair".to_string(), "loaded".to_string()][..])
        );
        assert_eq!(names.symbol(5), "6");
        let out = model_to_json(&h, &names);
        let (h2, names2) = parse_model(&out, "fit.json").unwrap();
        assert_eq!(h, h2);
        assert_eq!(names, names2);
        assert!(out.contains("\"symbols\": [1, 2, 3, 4, 5, 6]"), "{out}");
        // The same model in YAML, and without an extension.
        let yaml = "states: [fair, loaded]\nstartprob: [0.5, 0.5]\ntransmat:\n  - [0.95, 0.05]\n  - [0.1, 0.9]\nemissionprob:\n  - [0.5, 0.5]\n  - [0.1, 0.9]\n";
        let (h3, n3) = parse_model(yaml, "m.yaml").unwrap();
        assert_eq!(n3.state(1), "loaded");
        assert_eq!(h3, parse_model(yaml, "model").unwrap().0);
        assert_eq!(h, parse_model(CASINO, "model.txt").unwrap().0);
    }

    fn model_err(text: &str, file: &str) -> String {
        parse_model(text, file).unwrap_err().to_string()
    }

    #[test]
    fn located_model_errors() {
        let j = "{\n  \"startprob\": [0.5, 0.5],\n  \"transmat\": [[0.9, 0.1],\n               [0.5, 0.47]],\n  \"emissionprob\": [[1.0], [1.0]]\n}\n";
        assert_eq!(
            model_err(j, "m.json"),
            "m.json:4:16: transmat row 1 sums to 0.97, expected 1 (within 1e-6)"
        );
        let y = "startprob: [0.5, 0.5]\ntransmat:\n  - [0.9, 0.1]\n  - [0.5, 0.47]\nemissionprob: [[1.0], [1.0]]\n";
        assert_eq!(
            model_err(y, "m.yaml"),
            "m.yaml:4:5: transmat row 1 sums to 0.97, expected 1 (within 1e-6)"
        );
        let j = "{\"startprob\": [0.5, 0.5], \"transmat\": [[0.9, 0.1], [0.5, -0.5]], \"emissionprob\": [[1.0], [1.0]]}";
        assert_eq!(
            model_err(j, "m.json"),
            "m.json:1:58: transmat row 1, entry 1: -0.5 is not a probability (expected a number from 0 to 1)"
        );
    }
}
