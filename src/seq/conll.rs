//! CoNLL-format sequence-labelling files: the bundled `datasets/ner_*.conll`
//! and users' own copies (e.g. of CoNLL-2003, which is not bundled).
//!
//! # Format read
//!
//! - UTF-8 text (a leading byte-order mark is skipped; `\r\n` line ends are
//!   fine).
//! - One token per line. Columns are separated by whitespace: tabs OR spaces
//!   (runs of either count as one separator; leading and trailing blanks are
//!   ignored). The FIRST column is the token, the LAST is the tag; columns in
//!   between (part of speech, chunk, ...) are kept in [`Sentence::extra`].
//!   Every token line of a file has the same number of columns (at least 2),
//!   and one file uses one separator: tabs throughout or spaces throughout.
//! - A blank line (or one holding only blanks) ends a sentence; several in a
//!   row are one boundary.
//! - A line whose first column is `-DOCSTART-` (CoNLL-2003's document marker)
//!   is skipped and also ends the sentence before it.
//! - Tags are `O` or a prefix, `-` and an entity type: `B-X` (begin), `I-X`
//!   (inside), `E-X` (end), `S-X` (single-token entity), `L-X` (last), `U-X`
//!   (unit). A file may not mix BIOES's `E-`/`S-` with BILOU's `L-`/`U-`.
//!
//! Every error names the file, the 1-based line and, where one column is at
//! fault, its 1-based column number, and says what was expected
//! ([`ConllError`]; `Display` gives `file:line:column: message`).
//!
//! # Tagging schemes
//!
//! [`Corpus::scheme`] tells which of the [`Scheme`]s a file uses: BIOES or
//! BILOU when `E-`/`S-` or `L-`/`U-` tags occur, otherwise IOB1 when some
//! `I-` tag starts an entity (it follows `O`, the sentence start or a tag of
//! another type, as in the original CoNLL-2003 files, where `B-` only
//! separates two adjacent entities of one type), otherwise BIO (IOB2, as the
//! bundled files).

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::path::Path;

use rand::seq::SliceRandom;
use serde::Serialize;

use crate::algos::{rng, AlgoError};

/// How entity boundaries are written in the tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Scheme {
    /// IOB2: every entity starts with `B-`, continues with `I-`.
    Bio,
    /// IOBES: `B-` begin, `I-` inside, `E-` end, `S-` single-token entity.
    Bioes,
    /// IOB1 (original CoNLL-2003): entities start with `I-`; `B-` only
    /// begins an entity right after another of the same type.
    Iob1,
    /// BILOU: `B-` begin, `I-` inside, `L-` last, `U-` unit (single token).
    Bilou,
}

impl Scheme {
    /// seqeval's name of the scheme: `IOB2`, `IOBES`, `IOB1` or `BILOU`.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Bio => "IOB2",
            Scheme::Bioes => "IOBES",
            Scheme::Iob1 => "IOB1",
            Scheme::Bilou => "BILOU",
        }
    }

    /// One line for the user.
    pub fn describe(self) -> &'static str {
        match self {
            Scheme::Bio => "BIO (IOB2): B- begins an entity, I- continues it, O is outside",
            Scheme::Bioes => {
                "BIOES: B- begins, I- continues, E- ends an entity, S- is a one-token entity"
            }
            Scheme::Iob1 => {
                "IOB1: I- marks entity tokens; B- only begins an entity that directly \
                 follows another of the same type"
            }
            Scheme::Bilou => {
                "BILOU: B- begins, I- continues, L- is the last token, U- a one-token entity"
            }
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One sentence: a token and a tag per line of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sentence {
    pub tokens: Vec<String>,
    pub tags: Vec<String>,
    /// For each token, the columns between the token and the tag (empty for
    /// two-column files).
    pub extra: Vec<Vec<String>>,
    /// 1-based line of the first token; token `i` is on line `line + i`.
    pub line: usize,
}

impl Sentence {
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// The sentences of a file, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Corpus {
    pub sentences: Vec<Sentence>,
}

/// A CoNLL file that could not be read, located as precisely as possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConllError {
    pub file: String,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column (a whitespace-separated field; a byte for bad UTF-8).
    pub column: Option<usize>,
    /// Boxed to keep `Result<_, ConllError>` small.
    pub kind: Box<ConllErrorKind>,
}

/// What is wrong; the `Display` of [`ConllError`] turns it into a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConllErrorKind {
    /// The file could not be read (or is not bundled).
    Io(String),
    /// Not UTF-8; `byte` is the first offending byte.
    InvalidUtf8 { byte: u8 },
    /// A token line with one column: the tag is missing.
    MissingTag { token: String },
    /// A token line whose number of columns differs from the first one's.
    ColumnCount {
        found: usize,
        expected: usize,
        first_line: usize,
    },
    /// Some lines separate columns with tabs, others with spaces. The line
    /// lists hold at most [`MAX_LISTED`] line numbers each.
    MixedSeparators {
        tab_lines: Vec<usize>,
        n_tab_lines: usize,
        space_lines: Vec<usize>,
        n_space_lines: usize,
    },
    /// One line uses both a tab and a space between its columns.
    TabsAndSpacesInLine,
    /// The last column is not an `O`/`B-`/`I-`/`E-`/`S-`/`L-`/`U-` tag.
    InvalidTag {
        tag: String,
        /// Why, in words.
        problem: String,
        /// The tag probably meant, when there is an obvious one.
        suggestion: Option<String>,
    },
    /// BIOES `E-`/`S-` tags and BILOU `L-`/`U-` tags in one file:
    /// `(line, tag)` of the first of each kind.
    MixedSchemes {
        bioes: (usize, String),
        bilou: (usize, String),
    },
    /// No sentence at all (empty, blank, or only `-DOCSTART-` lines).
    Empty,
}

/// How many line numbers an error lists at most.
pub const MAX_LISTED: usize = 5;

fn list_lines(lines: &[usize], total: usize) -> String {
    let shown: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let more = total.saturating_sub(lines.len());
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

impl fmt::Display for ConllErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConllErrorKind::Io(m) => write!(f, "{m}"),
            ConllErrorKind::InvalidUtf8 { byte } => write!(
                f,
                "not valid UTF-8 (byte 0x{byte:02X}); expected UTF-8 text: convert the file, \
                 e.g. `iconv -f latin1 -t utf-8 FILE > FILE.utf8`"
            ),
            ConllErrorKind::MissingTag { token } => write!(
                f,
                "`{token}` has no tag: expected the token, optional columns and the tag, \
                 separated by a tab or spaces"
            ),
            ConllErrorKind::ColumnCount {
                found,
                expected,
                first_line,
            } => write!(
                f,
                "{found} columns, but the first token line (line {first_line}) has {expected}; \
                 every token line needs the same number of columns"
            ),
            ConllErrorKind::MixedSeparators {
                tab_lines,
                n_tab_lines,
                space_lines,
                n_space_lines,
            } => write!(
                f,
                "mixed column separators: {n_tab_lines} line(s) use tabs (line {}) and \
                 {n_space_lines} use spaces (line {}); expected one separator throughout the file",
                list_lines(tab_lines, *n_tab_lines),
                list_lines(space_lines, *n_space_lines)
            ),
            ConllErrorKind::TabsAndSpacesInLine => write!(
                f,
                "columns separated by both tabs and spaces on one line; expected tabs only or \
                 spaces only (a token may not contain a blank)"
            ),
            ConllErrorKind::InvalidTag {
                tag,
                problem,
                suggestion,
            } => {
                write!(f, "`{tag}` is not a valid tag: {problem}")?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean `{s}`?")?;
                }
                Ok(())
            }
            ConllErrorKind::MixedSchemes { bioes, bilou } => write!(
                f,
                "mixes BIOES tags (`{}` on line {}) with BILOU tags (`{}` on line {}); \
                 expected one scheme: E-/S- (BIOES) or L-/U- (BILOU)",
                bioes.1, bioes.0, bilou.1, bilou.0
            ),
            ConllErrorKind::Empty => write!(
                f,
                "no sentences: expected lines `token<TAB>tag`, with a blank line between sentences"
            ),
        }
    }
}

impl fmt::Display for ConllError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for ConllError {}

impl From<ConllError> for crate::data::DataError {
    fn from(e: ConllError) -> crate::data::DataError {
        let column = match (&*e.kind, e.column) {
            (ConllErrorKind::InvalidTag { .. }, Some(c)) => Some((c, "tag".to_string())),
            _ => None,
        };
        crate::data::DataError {
            file: e.file,
            line: e.line,
            column,
            message: e.kind.to_string(),
        }
    }
}

fn err(file: &str, line: Option<usize>, column: Option<usize>, kind: ConllErrorKind) -> ConllError {
    ConllError {
        file: file.to_string(),
        line,
        column,
        kind: Box::new(kind),
    }
}

/// Reads a CoNLL file. Errors: the file cannot be read, and everything
/// [`parse_bytes`] rejects.
pub fn load(path: impl AsRef<Path>) -> Result<Corpus, ConllError> {
    let path = path.as_ref();
    let display = path.display().to_string();
    // Bounded: a FIFO, a device or an over-size file is refused up front.
    let bytes = crate::data::bounded::read_bounded(path)
        .map_err(|e| err(&display, None, None, ConllErrorKind::Io(e)))?;
    parse_bytes(&bytes, &display)
}

/// Reads one of the bundled files, e.g. `ner_synthetic_train.conll`.
pub fn load_bundled(name: &str) -> Result<Corpus, ConllError> {
    let bytes = crate::data::bundled_file(name).ok_or_else(|| {
        err(
            name,
            None,
            None,
            ConllErrorKind::Io("not a bundled data file".to_string()),
        )
    })?;
    parse_bytes(bytes, name)
}

/// Parses raw bytes, checking they are UTF-8 first. `file` is the name
/// used in errors.
pub fn parse_bytes(bytes: &[u8], file: &str) -> Result<Corpus, ConllError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text, file),
        Err(e) => {
            let good = bytes.get(..e.valid_up_to()).unwrap_or_default();
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let byte = bytes.get(e.valid_up_to()).copied().unwrap_or(0);
            Err(err(
                file,
                Some(line),
                Some(e.valid_up_to() - line_start + 1),
                ConllErrorKind::InvalidUtf8 { byte },
            ))
        }
    }
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\r'
}

/// `(1-based line number, line without its blanks at both ends)`.
fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_matches(is_blank)))
}

fn fields(line: &str) -> impl Iterator<Item = &str> {
    line.split([' ', '\t']).filter(|f| !f.is_empty())
}

fn is_docstart(line: &str) -> bool {
    fields(line).next() == Some("-DOCSTART-")
}

/// Checks that the file uses one column separator.
fn check_separators(text: &str, file: &str) -> Result<(), ConllError> {
    let (mut tab_lines, mut space_lines) = (Vec::new(), Vec::new());
    let (mut n_tab, mut n_space) = (0usize, 0usize);
    for (no, line) in numbered_lines(text) {
        if line.is_empty() || is_docstart(line) {
            continue;
        }
        match (line.contains('\t'), line.contains(' ')) {
            (true, true) => {
                return Err(err(
                    file,
                    Some(no),
                    None,
                    ConllErrorKind::TabsAndSpacesInLine,
                ))
            }
            (true, false) => {
                n_tab += 1;
                if tab_lines.len() < MAX_LISTED {
                    tab_lines.push(no);
                }
            }
            (false, true) => {
                n_space += 1;
                if space_lines.len() < MAX_LISTED {
                    space_lines.push(no);
                }
            }
            (false, false) => {}
        }
    }
    if n_tab > 0 && n_space > 0 {
        // Point at the first line of the less used separator.
        let first = if n_space <= n_tab {
            space_lines.first()
        } else {
            tab_lines.first()
        };
        return Err(err(
            file,
            first.copied(),
            None,
            ConllErrorKind::MixedSeparators {
                tab_lines,
                n_tab_lines: n_tab,
                space_lines,
                n_space_lines: n_space,
            },
        ));
    }
    Ok(())
}

const PREFIXES: [char; 6] = ['B', 'I', 'E', 'S', 'L', 'U'];

/// `(prefix, type)` of a valid entity tag `P-TYPE`; `None` for `O` and for
/// invalid tags.
pub fn split_tag(tag: &str) -> Option<(char, &str)> {
    let mut chars = tag.chars();
    let p = chars.next()?;
    let rest = chars.as_str().strip_prefix('-')?;
    (PREFIXES.contains(&p) && !rest.is_empty()).then_some((p, rest))
}

/// Whether `tag` is `O` or `P-TYPE` with `P` one of B, I, E, S, L, U.
pub fn is_valid_tag(tag: &str) -> bool {
    tag == "O" || split_tag(tag).is_some()
}

/// Why `tag` is invalid and what was probably meant; `None` if it is valid.
pub fn diagnose_tag(tag: &str) -> Option<(String, Option<String>)> {
    if is_valid_tag(tag) {
        return None;
    }
    let prefixes = "expected O, or B-, I- (BIO), E-, S- (BIOES) or L-, U- (BILOU) \
                    followed by the entity type, e.g. B-PER";
    if tag == "o" || tag == "0" {
        return Some((
            "outside entities is the capital letter O".to_string(),
            Some("O".into()),
        ));
    }
    let mut chars = tag.chars();
    let first = chars.next().unwrap_or(' ');
    let rest = chars.as_str();
    let upper = first.to_ascii_uppercase();
    // `b-PER`: lower-case prefix.
    if PREFIXES.contains(&upper) && first != upper {
        if let Some(t) = rest.strip_prefix('-').filter(|t| !t.is_empty()) {
            return Some((
                "prefixes are capital letters".to_string(),
                Some(format!("{upper}-{t}")),
            ));
        }
    }
    if PREFIXES.contains(&first) {
        // `B_PER`, `B.PER`, `B:PER`: wrong joiner.
        let mut rc = rest.chars();
        if let Some(sep) = rc.next() {
            let t = rc.as_str();
            if matches!(sep, '_' | '.' | ':' | '=' | '/') && !t.is_empty() {
                return Some((
                    format!("the prefix and the type are joined by `-`, not `{sep}`"),
                    Some(format!("{first}-{t}")),
                ));
            }
        }
        // `B`, `B-`: no type.
        if rest.is_empty() || rest == "-" {
            return Some((
                format!("`{first}` has no entity type after it; {prefixes}"),
                Some(format!("{first}-TYPE")),
            ));
        }
    }
    // `PER-B`: prefix written as a suffix.
    if let Some((t, p)) = tag.rsplit_once('-') {
        let mut pc = p.chars();
        if let (Some(c), None) = (pc.next(), pc.next()) {
            if PREFIXES.contains(&c) && !t.is_empty() {
                return Some((
                    "the prefix goes before the type".to_string(),
                    Some(format!("{c}-{t}")),
                ));
            }
        }
        if !t.is_empty() && !p.is_empty() && t.chars().count() == 1 {
            return Some((format!("unknown prefix `{t}`; {prefixes}"), None));
        }
    }
    if !tag.contains('-') {
        return Some((
            format!(
                "a bare entity type: tags need a prefix saying where an entity starts \
                 (B-{tag} on its first token, I-{tag} on the others, O outside entities)"
            ),
            Some(format!("B-{tag}")),
        ));
    }
    Some((prefixes.to_string(), None))
}

/// Parses CoNLL text (see the module documentation for the format).
/// `file` is the name used in errors.
pub fn parse(text: &str, file: &str) -> Result<Corpus, ConllError> {
    check_separators(text, file)?;
    let mut sentences = Vec::new();
    let mut current = Sentence {
        tokens: Vec::new(),
        tags: Vec::new(),
        extra: Vec::new(),
        line: 0,
    };
    // (number of columns, line) of the first token line.
    let mut width: Option<(usize, usize)> = None;
    let mut first_bioes: Option<(usize, String)> = None;
    let mut first_bilou: Option<(usize, String)> = None;
    let flush = |current: &mut Sentence, sentences: &mut Vec<Sentence>| {
        if !current.tokens.is_empty() {
            let line = current.line;
            sentences.push(std::mem::replace(
                current,
                Sentence {
                    tokens: Vec::new(),
                    tags: Vec::new(),
                    extra: Vec::new(),
                    line,
                },
            ));
        }
    };
    for (no, line) in numbered_lines(text) {
        if line.is_empty() || is_docstart(line) {
            flush(&mut current, &mut sentences);
            continue;
        }
        let cols: Vec<&str> = fields(line).collect();
        let n = cols.len();
        let (Some(&token), Some(&tag)) = (cols.first(), cols.last()) else {
            continue; // not reached: the line has a non-blank character
        };
        if n == 1 {
            return Err(err(
                file,
                Some(no),
                Some(2),
                ConllErrorKind::MissingTag {
                    token: token.to_string(),
                },
            ));
        }
        match width {
            None => width = Some((n, no)),
            Some((expected, first_line)) if expected != n => {
                return Err(err(
                    file,
                    Some(no),
                    None,
                    ConllErrorKind::ColumnCount {
                        found: n,
                        expected,
                        first_line,
                    },
                ))
            }
            Some(_) => {}
        }
        if let Some((problem, suggestion)) = diagnose_tag(tag) {
            return Err(err(
                file,
                Some(no),
                Some(n),
                ConllErrorKind::InvalidTag {
                    tag: tag.to_string(),
                    problem,
                    suggestion,
                },
            ));
        }
        match split_tag(tag) {
            Some(('E' | 'S', _)) if first_bioes.is_none() => {
                first_bioes = Some((no, tag.to_string()));
            }
            Some(('L' | 'U', _)) if first_bilou.is_none() => {
                first_bilou = Some((no, tag.to_string()));
            }
            _ => {}
        }
        if current.tokens.is_empty() {
            current.line = no;
        }
        current.tokens.push(token.to_string());
        current.tags.push(tag.to_string());
        current.extra.push(
            cols.get(1..n - 1)
                .unwrap_or_default()
                .iter()
                .map(|s| s.to_string())
                .collect(),
        );
    }
    flush(&mut current, &mut sentences);
    if let (Some(bioes), Some(bilou)) = (first_bioes, first_bilou) {
        let line = bioes.0.max(bilou.0);
        return Err(err(
            file,
            Some(line),
            None,
            ConllErrorKind::MixedSchemes { bioes, bilou },
        ));
    }
    if sentences.is_empty() {
        return Err(err(file, None, None, ConllErrorKind::Empty));
    }
    Ok(Corpus { sentences })
}

/// Rank used to order tags: `O` first, then by entity type, within a type
/// by prefix B, I, E, S, L, U; strings that are not valid tags come last.
fn tag_key(tag: &str) -> (u8, &str, usize, &str) {
    if tag == "O" {
        return (0, "", 0, "");
    }
    match split_tag(tag) {
        Some((p, t)) => (
            1,
            t,
            PREFIXES
                .iter()
                .position(|&q| q == p)
                .unwrap_or(PREFIXES.len()),
            "",
        ),
        None => (2, "", 0, tag),
    }
}

/// Sorts tags as [`Corpus::tag_set`] does: `O`, then by type (`B-LOC`,
/// `I-LOC`, `B-PER`, `I-PER`), then anything else alphabetically.
pub fn sort_tags(tags: &mut [String]) {
    tags.sort_by(|a, b| tag_key(a).cmp(&tag_key(b)));
}

/// The scheme of tag sequences (see the module documentation): BIOES if an
/// `E-`/`S-` tag occurs, else BILOU if an `L-`/`U-` tag occurs, else IOB1 if
/// an `I-X` tag follows the sentence start, `O` or a tag of another type,
/// else BIO. Invalid tags are ignored except that they separate entities.
pub fn detect_scheme<T, S>(sentences: impl IntoIterator<Item = T>) -> Scheme
where
    T: AsRef<[S]>,
    S: AsRef<str>,
{
    let (mut es, mut lu, mut iob1) = (false, false, false);
    for sentence in sentences {
        let mut prev: Option<(char, &str)> = None;
        for tag in sentence.as_ref() {
            let cur = split_tag(tag.as_ref());
            match cur {
                Some(('E' | 'S', _)) => es = true,
                Some(('L' | 'U', _)) => lu = true,
                Some(('I', t)) if prev.is_none_or(|(_, pt)| pt != t) => iob1 = true,
                _ => {}
            }
            prev = cur;
        }
    }
    if es {
        Scheme::Bioes
    } else if lu {
        Scheme::Bilou
    } else if iob1 {
        Scheme::Iob1
    } else {
        Scheme::Bio
    }
}

impl Corpus {
    pub fn n_sentences(&self) -> usize {
        self.sentences.len()
    }

    pub fn n_tokens(&self) -> usize {
        self.sentences.iter().map(Sentence::len).sum()
    }

    /// The distinct tags, `O` first, then grouped by entity type
    /// (`B-LOC, I-LOC, B-PER, I-PER`; see [`sort_tags`]).
    pub fn tag_set(&self) -> Vec<String> {
        let set: HashSet<&str> = self
            .sentences
            .iter()
            .flat_map(|s| s.tags.iter().map(String::as_str))
            .collect();
        let mut tags: Vec<String> = set.into_iter().map(str::to_string).collect();
        sort_tags(&mut tags);
        tags
    }

    /// The distinct entity types (`PER`, `LOC`, ...), sorted.
    pub fn entity_types(&self) -> Vec<String> {
        let set: BTreeSet<&str> = self
            .sentences
            .iter()
            .flat_map(|s| s.tags.iter().filter_map(|t| split_tag(t).map(|(_, ty)| ty)))
            .collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// The tagging scheme ([`detect_scheme`] over all sentences).
    pub fn scheme(&self) -> Scheme {
        detect_scheme(self.sentences.iter().map(|s| &s.tags))
    }

    /// The tags of each sentence (the `truth` of
    /// [`crate::metrics::seqeval::entity_report`]).
    pub fn tag_sequences(&self) -> Vec<Vec<String>> {
        self.sentences.iter().map(|s| s.tags.clone()).collect()
    }

    /// Tags of this corpus not in `known` (e.g. a test file's tags not seen
    /// in training): each distinct one once, with the line of its first
    /// occurrence, in line order.
    pub fn unknown_tags(&self, known: &[String]) -> Vec<(usize, String)> {
        let known: HashSet<&str> = known.iter().map(String::as_str).collect();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut out = Vec::new();
        for s in &self.sentences {
            for (i, tag) in s.tags.iter().enumerate() {
                if !known.contains(tag.as_str()) && seen.insert(tag) {
                    out.push((s.line + i, tag.clone()));
                }
            }
        }
        out
    }

    /// Splits by sentence into `(train, test)`, each in file order:
    /// `ceil(test_size · n)` randomly chosen sentences go to the test part
    /// (as scikit-learn's `ShuffleSplit` counts), the rest to train.
    /// Deterministic for a seed.
    ///
    /// Errors: `test_size` not strictly between 0 and 1, or a part that
    /// would be empty.
    pub fn split(&self, test_size: f64, seed: u64) -> Result<(Corpus, Corpus), AlgoError> {
        if !(test_size > 0.0 && test_size < 1.0) {
            return Err(AlgoError::param(
                "test_size",
                format!("must be strictly between 0 and 1, got {test_size}"),
            ));
        }
        let n = self.sentences.len();
        let n_test = (test_size * n as f64).ceil() as usize;
        if n_test == 0 || n_test >= n {
            return Err(AlgoError::param(
                "test_size",
                format!(
                    "{test_size} of {n} sentence(s) leaves an empty train or test part; \
                     need at least 2 sentences and a test_size that keeps one on each side"
                ),
            ));
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut rng(seed));
        let mut is_test = vec![false; n];
        for &i in order.iter().take(n_test) {
            if let Some(t) = is_test.get_mut(i) {
                *t = true;
            }
        }
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for (s, t) in self.sentences.iter().zip(is_test) {
            if t {
                test.push(s.clone());
            } else {
                train.push(s.clone());
            }
        }
        Ok((Corpus { sentences: train }, Corpus { sentences: test }))
    }

    /// The corpus as CoNLL text: `token<TAB>extra...<TAB>tag` lines, a blank
    /// line after each sentence. [`parse`] reads it back to an equal corpus
    /// except for the `line` numbers.
    pub fn to_conll(&self) -> String {
        let mut out = String::new();
        for s in &self.sentences {
            for (i, (tok, tag)) in s.tokens.iter().zip(&s.tags).enumerate() {
                out.push_str(tok);
                for e in s.extra.get(i).into_iter().flatten() {
                    out.push('\t');
                    out.push_str(e);
                }
                out.push('\t');
                out.push_str(tag);
                out.push('\n');
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> String {
        format!("{}/tests/fixtures/conll/{path}", env!("CARGO_MANIFEST_DIR"))
    }

    fn bad(name: &str) -> ConllError {
        match load(fixture(&format!("bad/{name}"))) {
            Ok(c) => panic!("{name} parsed: {c:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn bundled_files_have_the_documented_sizes() {
        for (name, sentences, tokens) in [
            ("ner_synthetic_train.conll", 600, 6358),
            ("ner_synthetic_test.conll", 200, 2041),
            ("ner_chatbot_train.conll", 100, 943),
            ("ner_chatbot_test.conll", 106, 815),
        ] {
            let c = load_bundled(name).unwrap();
            assert_eq!(c.n_sentences(), sentences, "{name}");
            assert_eq!(c.n_tokens(), tokens, "{name}");
            assert_eq!(c.scheme(), Scheme::Bio, "{name}");
            assert!(c
                .sentences
                .iter()
                .all(|s| s.extra.iter().all(Vec::is_empty)));
            // Reading from disk gives the same as the bundled bytes.
            let path = format!("{}/datasets/{name}", env!("CARGO_MANIFEST_DIR"));
            assert_eq!(load(&path).unwrap(), c);
        }
        let syn = load_bundled("ner_synthetic_train.conll").unwrap();
        assert_eq!(syn.entity_types(), ["LOC", "MISC", "ORG", "PER"]);
        let first = &syn.sentences[0];
        assert_eq!(first.line, 1);
        assert_eq!(first.tokens[2], "Mumbai");
        assert_eq!(first.tags[2], "B-LOC");
        assert_eq!(syn.sentences[1].line, 11);
        assert_eq!(syn.sentences[1].tags[2..4], ["B-ORG", "I-ORG"]);
        let tags = syn.tag_set();
        assert_eq!(tags[0], "O");
        assert_eq!(tags[1..3], ["B-LOC", "I-LOC"]);
        let chat = load_bundled("ner_chatbot_train.conll").unwrap();
        let types = chat.entity_types();
        for t in ["StationStart", "StationDest", "Criterion", "Vehicle"] {
            assert!(types.iter().any(|x| x == t), "{t} in {types:?}");
        }
    }

    #[test]
    fn chatbot_test_tags_unseen_in_train() {
        let train = load_bundled("ner_chatbot_train.conll").unwrap();
        let test = load_bundled("ner_chatbot_test.conll").unwrap();
        // SOURCES.md: TimeStartTime and TimeEndTime occur in train only, so
        // the test file has no tag unseen in training ...
        assert!(test.unknown_tags(&train.tag_set()).is_empty());
        // ... but the reverse direction finds them.
        let unseen = train.unknown_tags(&test.tag_set());
        let names: Vec<&str> = unseen.iter().map(|(_, t)| t.as_str()).collect();
        assert!(names.contains(&"B-TimeStartTime"), "{unseen:?}");
        for (line, tag) in &unseen {
            let text = std::fs::read_to_string(format!(
                "{}/datasets/ner_chatbot_train.conll",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap();
            let l = text.lines().nth(line - 1).unwrap();
            assert!(l.ends_with(&format!("\t{tag}")), "line {line}: {l}");
        }
    }

    #[test]
    fn conll2003_style_file() {
        let c = load(fixture("good/conll2003_style.conll")).unwrap();
        assert_eq!(c.n_sentences(), 3);
        assert_eq!(c.n_tokens(), 16);
        let s = &c.sentences[0];
        assert_eq!(s.line, 3);
        assert_eq!(s.tokens[0], "Maple");
        assert_eq!(s.extra[0], ["NNP", "B-NP"]);
        assert_eq!(s.tags[..2], ["I-ORG", "I-ORG"]);
        // -DOCSTART- in the middle ends the sentence before it.
        assert_eq!(c.sentences[2].line, 14);
        assert_eq!(c.scheme(), Scheme::Iob1);
        assert_eq!(c.entity_types(), ["LOC", "ORG", "PER"]);
    }

    #[test]
    fn bioes_crlf_bom_tabs() {
        let c = load(fixture("good/bioes_crlf.conll")).unwrap();
        assert_eq!(c.n_sentences(), 2);
        assert_eq!(c.sentences[0].tags, ["S-PER", "O", "B-LOC", "E-LOC"]);
        assert_eq!(c.sentences[0].tokens[0], "Ana");
        assert_eq!(c.sentences[1].line, 8);
        assert_eq!(c.scheme(), Scheme::Bioes);
        assert_eq!(c.sentences[0].extra[1], ["x"]);
    }

    #[test]
    fn schemes() {
        let p = |t: &str| parse(t, "t").unwrap().scheme();
        assert_eq!(p("a B-X\nb I-X\nc O\nd B-Y\n"), Scheme::Bio);
        assert_eq!(p("a I-X\nb I-X\nc B-X\n"), Scheme::Iob1);
        assert_eq!(p("a B-X\nb I-Y\n"), Scheme::Iob1);
        assert_eq!(p("a O\nb I-Y\n"), Scheme::Iob1);
        assert_eq!(p("a B-X\n\nb I-X\n"), Scheme::Iob1);
        assert_eq!(p("a O\nb O\n"), Scheme::Bio);
        assert_eq!(p("a S-X\nb O\n"), Scheme::Bioes);
        assert_eq!(p("a B-X\nb L-X\nc U-Y\n"), Scheme::Bilou);
        let e = parse("a B-X\nb E-X\nc U-Y\n", "t").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(matches!(*e.kind, ConllErrorKind::MixedSchemes { .. }));
        assert_eq!(
            detect_scheme([vec!["O", "I-PER"]]),
            Scheme::Iob1,
            "free function on &str"
        );
    }

    #[test]
    fn missing_tag() {
        let e = bad("one_column.conll");
        assert_eq!((e.line, e.column), (Some(3), Some(2)));
        assert_eq!(
            *e.kind,
            ConllErrorKind::MissingTag {
                token: "Smith".into()
            }
        );
        let msg = e.to_string();
        assert!(msg.starts_with(&fixture("bad/one_column.conll")));
        assert!(msg.contains(":3:2: `Smith` has no tag"), "{msg}");
    }

    #[test]
    fn ragged_columns() {
        let e = bad("ragged.conll");
        assert_eq!(e.line, Some(4));
        assert_eq!(
            *e.kind,
            ConllErrorKind::ColumnCount {
                found: 3,
                expected: 2,
                first_line: 1
            }
        );
        assert!(e.to_string().contains("first token line (line 1) has 2"));
    }

    #[test]
    fn mixed_separators_name_the_lines() {
        let e = bad("mixed_separators.conll");
        // Spaces are the minority: the error points at their first line.
        assert_eq!(e.line, Some(4));
        assert_eq!(
            *e.kind,
            ConllErrorKind::MixedSeparators {
                tab_lines: vec![1, 2, 3, 5, 6],
                n_tab_lines: 6,
                space_lines: vec![4, 8],
                n_space_lines: 2,
            }
        );
        let msg = e.to_string();
        assert!(msg.contains("use spaces (line 4, 8)"), "{msg}");
        assert!(
            msg.contains("6 line(s) use tabs (line 1, 2, 3, 5, 6 and 1 more)"),
            "{msg}"
        );
        let e = bad("tab_and_space_in_line.conll");
        assert_eq!(
            (e.line, &*e.kind),
            (Some(2), &ConllErrorKind::TabsAndSpacesInLine)
        );
    }

    #[test]
    fn invalid_tags_suggest_the_scheme() {
        let e = bad("tag_underscore.conll");
        assert_eq!((e.line, e.column), (Some(2), Some(2)));
        match &*e.kind {
            ConllErrorKind::InvalidTag {
                tag, suggestion, ..
            } => {
                assert_eq!(tag, "B_PER");
                assert_eq!(suggestion.as_deref(), Some("B-PER"));
            }
            k => panic!("{k:?}"),
        }
        assert!(e.to_string().contains("did you mean `B-PER`?"));
        let e = bad("tag_bare_type.conll");
        assert_eq!((e.line, e.column), (Some(1), Some(3)));
        let msg = e.to_string();
        assert!(
            msg.contains("`PER` is not a valid tag: a bare entity type"),
            "{msg}"
        );
        assert!(
            msg.contains("B-PER on its first token, I-PER on the others"),
            "{msg}"
        );
        let cases = [
            ("o", Some("O")),
            ("0", Some("O")),
            ("b-PER", Some("B-PER")),
            ("B.LOC", Some("B-LOC")),
            ("PER-B", Some("B-PER")),
            ("B", Some("B-TYPE")),
            ("B-", Some("B-TYPE")),
            ("X-PER", None),
            ("-PER", None),
        ];
        for (tag, want) in cases {
            let Some((problem, got)) = diagnose_tag(tag) else {
                panic!("{tag} accepted");
            };
            assert_eq!(got.as_deref(), want, "{tag}: {problem}");
            assert!(!problem.is_empty());
        }
        for ok in ["O", "B-PER", "I-a-b", "E-X", "S-X", "L-X", "U-X", "B-É"] {
            assert!(diagnose_tag(ok).is_none(), "{ok}");
        }
    }

    #[test]
    fn empty_and_docstart_only() {
        for name in ["empty.conll", "docstart_only.conll"] {
            let e = bad(name);
            assert_eq!(*e.kind, ConllErrorKind::Empty, "{name}");
            assert!(e.to_string().contains("no sentences"));
        }
        assert_eq!(*parse("", "x").unwrap_err().kind, ConllErrorKind::Empty);
    }

    #[test]
    fn invalid_utf8_is_located() {
        let e = bad("latin1.conll");
        assert_eq!(*e.kind, ConllErrorKind::InvalidUtf8 { byte: 0xE9 });
        assert_eq!((e.line, e.column), (Some(3), Some(3)));
        assert!(e.to_string().contains("iconv"));
    }

    #[test]
    fn mixed_schemes_fixture() {
        let e = bad("mixed_schemes.conll");
        assert_eq!(e.line, Some(5));
        assert_eq!(
            *e.kind,
            ConllErrorKind::MixedSchemes {
                bioes: (2, "E-PER".into()),
                bilou: (5, "U-LOC".into())
            }
        );
    }

    #[test]
    fn unreadable_file() {
        let e = load(fixture("bad/no_such_file.conll")).unwrap_err();
        assert!(matches!(*e.kind, ConllErrorKind::Io(_)));
        assert!(load_bundled("nope.conll").is_err());
        let d: crate::data::DataError = bad("tag_bare_type.conll").into();
        assert_eq!(d.line, Some(1));
        assert_eq!(d.column, Some((3, "tag".to_string())));
    }

    #[test]
    fn split_is_deterministic_and_complete() {
        let c = load_bundled("ner_synthetic_train.conll").unwrap();
        let (tr, te) = c.split(0.25, 7).unwrap();
        assert_eq!(te.n_sentences(), 150);
        assert_eq!(tr.n_sentences(), 450);
        let (tr2, te2) = c.split(0.25, 7).unwrap();
        assert_eq!((&tr, &te), (&tr2, &te2));
        let (_, te3) = c.split(0.25, 8).unwrap();
        assert_ne!(te, te3);
        // File order kept within each part; together they are the corpus.
        let mut lines: Vec<usize> = tr.sentences.iter().map(|s| s.line).collect();
        assert!(lines.windows(2).all(|w| w[0] < w[1]));
        lines.extend(te.sentences.iter().map(|s| s.line));
        lines.sort_unstable();
        let all: Vec<usize> = c.sentences.iter().map(|s| s.line).collect();
        assert_eq!(lines, all);
        assert_eq!(c.split(0.333, 0).unwrap().1.n_sentences(), 200);
        assert!(c.split(0.0, 0).is_err());
        assert!(c.split(1.0, 0).is_err());
        assert!(c.split(f64::NAN, 0).is_err());
        let one = Corpus {
            sentences: c.sentences[..1].to_vec(),
        };
        assert!(one.split(0.5, 0).is_err());
    }

    #[test]
    fn writer_round_trips() {
        let c = load(fixture("good/conll2003_style.conll")).unwrap();
        let back = parse(&c.to_conll(), "w").unwrap();
        assert_eq!(back.n_sentences(), c.n_sentences());
        for (a, b) in back.sentences.iter().zip(&c.sentences) {
            assert_eq!(
                (&a.tokens, &a.tags, &a.extra),
                (&b.tokens, &b.tags, &b.extra)
            );
        }
    }

    #[test]
    fn spaces_and_blank_runs() {
        let c = parse("\n\n  a   B-X  \nb    I-X\n \t \n\n c O\n\n", "s").unwrap();
        assert_eq!(c.n_sentences(), 2);
        assert_eq!(c.sentences[0].line, 3);
        assert_eq!(c.sentences[1].line, 7);
        assert_eq!(c.sentences[1].tokens, ["c"]);
        assert_eq!(
            c.unknown_tags(&["O".into()]),
            [(3, "B-X".to_string()), (4, "I-X".into())]
        );
    }
}
