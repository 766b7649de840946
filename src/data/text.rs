//! Text corpora and their vectorisation: bag of words counts and TF-IDF,
//! defined exactly as scikit-learn's `CountVectorizer` / `TfidfVectorizer`
//! defaults (so our results can be checked against it):
//! tokens are runs of two or more word characters (`(?u)\b\w\w+\b`),
//! lower-cased; the vocabulary is sorted; idf(t) = ln((1 + n) / (1 + df(t))) + 1;
//! each row is scaled to unit L2 norm. Word n-grams and the `min_df` /
//! `max_df` bounds follow `TfidfVectorizer` too. The result is a sparse
//! [`Csr`] matrix: no dense `docs x vocabulary` array is ever made.
//!
//! Our own rather than linfa-preprocessing's: that one pulls in a regex
//! engine for the same two-line tokeniser, and we need the vocabulary and
//! idf values to show in the TF-IDF note.

use std::collections::HashMap;

use serde::Serialize;

use super::csvload::{column_index, is_missing, labels, read_raw, CsvOptions, Missing, RawCsv};
use super::sparse::Csr;
use super::table::{Corpus, DataError};

/// Calls `f` with each lower-cased token of `text`, as scikit-learn's default
/// token pattern, reusing one buffer (no allocation per token).
fn for_each_token(text: &str, buf: &mut String, mut f: impl FnMut(&str)) {
    buf.clear();
    let mut chars = 0usize;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            if c.is_ascii() {
                buf.push(c.to_ascii_lowercase());
            } else {
                buf.extend(c.to_lowercase());
            }
            chars += 1;
        } else {
            if chars >= 2 {
                f(buf);
            }
            buf.clear();
            chars = 0;
        }
    }
    if chars >= 2 {
        f(buf);
    }
}

/// Lower-cased tokens of a text, as scikit-learn's default token pattern.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = String::new();
    for_each_token(text, &mut buf, |t| out.push(t.to_string()));
    out
}

/// A document-frequency bound, as scikit-learn's `min_df` / `max_df`: a
/// whole number counts documents, a number with a decimal point is a share
/// of the training documents (`0.0..=1.0`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum DocFreq {
    Count(usize),
    Share(f64),
}

impl DocFreq {
    /// The bound in documents for a training set of `n` documents.
    fn docs(self, n: usize) -> f64 {
        match self {
            DocFreq::Count(c) => c as f64,
            DocFreq::Share(s) => s * n as f64,
        }
    }
}

impl std::fmt::Display for DocFreq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocFreq::Count(c) => write!(f, "{c}"),
            DocFreq::Share(s) => write!(f, "{s:?}"),
        }
    }
}

impl std::str::FromStr for DocFreq {
    type Err = String;
    fn from_str(s: &str) -> Result<DocFreq, String> {
        let s = s.trim();
        if s.contains(['.', 'e', 'E']) {
            match s.parse::<f64>() {
                Ok(v) if (0.0..=1.0).contains(&v) => Ok(DocFreq::Share(v)),
                _ => Err(format!(
                    "`{s}`: a share of documents must be a number from 0.0 to 1.0"
                )),
            }
        } else {
            s.parse::<usize>().map(DocFreq::Count).map_err(|_| {
                format!("`{s}`: expected a document count (2) or a share of documents (0.5)")
            })
        }
    }
}

/// How texts become features; the names are scikit-learn's
/// (`TfidfVectorizer(ngram_range=.., min_df=.., max_df=..)`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TextOptions {
    /// TF-IDF weights with unit L2 rows (true) or raw counts (false).
    pub tfidf: bool,
    /// Smallest and largest n-gram length (words joined by one space).
    pub ngram_range: (usize, usize),
    /// Keep terms in at least this many (or this share of) training documents.
    pub min_df: DocFreq,
    /// Keep terms in at most this many (or this share of) training documents.
    pub max_df: DocFreq,
}

impl Default for TextOptions {
    fn default() -> TextOptions {
        TextOptions {
            tfidf: true,
            ngram_range: (1, 1),
            min_df: DocFreq::Count(1),
            max_df: DocFreq::Share(1.0),
        }
    }
}

/// Parses `--ngram-range`: `1,2` (or `1-2`, or a single `2` for `2,2`).
pub fn parse_ngram_range(s: &str) -> Result<(usize, usize), String> {
    let parts: Vec<&str> = s.split([',', '-']).map(str::trim).collect();
    let nums: Result<Vec<usize>, _> = parts.iter().map(|p| p.parse::<usize>()).collect();
    let bad = || format!("`{s}`: expected MIN,MAX word counts such as 1,2");
    let (lo, hi) = match nums.map_err(|_| bad())?.as_slice() {
        [n] => (*n, *n),
        [a, b] => (*a, *b),
        _ => return Err(bad()),
    };
    if lo == 0 || hi < lo || hi > 5 {
        return Err(format!(
            "`{s}`: need 1 <= MIN <= MAX <= 5 (n-grams of more than five words are all but unique)"
        ));
    }
    Ok((lo, hi))
}

/// Calls `f` with every term (n-gram) of `text`, as scikit-learn's
/// `_word_ngrams`: all n-grams of each length in `lo..=hi`, words joined by
/// one space.
fn for_each_term(
    text: &str,
    (lo, hi): (usize, usize),
    buf: &mut String,
    words: &mut Vec<String>,
    mut f: impl FnMut(&str),
) {
    if lo == 1 && hi == 1 {
        for_each_token(text, buf, f);
        return;
    }
    words.clear();
    for_each_token(text, buf, |t| words.push(t.to_string()));
    let mut gram = String::new();
    for n in lo..=hi {
        for w in words.windows(n) {
            gram.clear();
            for (k, word) in w.iter().enumerate() {
                if k > 0 {
                    gram.push(' ');
                }
                gram.push_str(word);
            }
            f(&gram);
        }
    }
}

/// A fitted vectoriser: vocabulary (sorted) and, for TF-IDF, idf weights.
#[derive(Debug, Clone)]
pub struct Vectorizer {
    pub vocabulary: Vec<String>,
    index: HashMap<String, usize>,
    /// `None` for plain counts.
    pub idf: Option<Vec<f64>>,
    pub options: TextOptions,
    /// Terms dropped by `min_df` / `max_df`.
    pub pruned: usize,
}

impl Vectorizer {
    /// Learn the vocabulary (and idf when `opts.tfidf`) from training texts.
    pub fn fit<S: AsRef<str>>(texts: &[S], opts: &TextOptions) -> Result<Vectorizer, String> {
        Self::fit_transform(texts, opts).map(|(v, _)| v)
    }

    /// Learn the vocabulary and vectorise the same texts, tokenising once.
    /// Errors (as scikit-learn's): `max_df` below `min_df`, or no term left.
    pub fn fit_transform<S: AsRef<str>>(
        texts: &[S],
        opts: &TextOptions,
    ) -> Result<(Vectorizer, Csr), String> {
        let n = texts.len();
        let (lo, hi) = opts.ngram_range;
        if lo == 0 || hi < lo {
            return Err(format!("ngram_range ({lo}, {hi}): need 1 <= min <= max"));
        }
        let (min_docs, max_docs) = (opts.min_df.docs(n), opts.max_df.docs(n));
        if max_docs < min_docs {
            return Err(format!(
                "max_df = {} keeps fewer documents than min_df = {} asks for",
                opts.max_df, opts.min_df
            ));
        }
        // First pass: provisional ids in order of appearance, document
        // frequencies, and each document's ids (so we tokenise only once).
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut df: Vec<usize> = Vec::new();
        let mut last_doc: Vec<usize> = Vec::new();
        let mut doc_terms: Vec<Vec<u32>> = Vec::with_capacity(n);
        let (mut buf, mut words) = (String::new(), Vec::new());
        for (d, t) in texts.iter().enumerate() {
            let mut terms = Vec::new();
            for_each_term(t.as_ref(), opts.ngram_range, &mut buf, &mut words, |term| {
                let id = match ids.get(term) {
                    Some(&id) => id,
                    None => {
                        let id = df.len();
                        ids.insert(term.to_string(), id);
                        df.push(0);
                        last_doc.push(usize::MAX);
                        id
                    }
                };
                if last_doc[id] != d {
                    last_doc[id] = d;
                    df[id] += 1;
                }
                terms.push(id as u32);
            });
            doc_terms.push(terms);
        }
        // Sorted vocabulary of the terms within the document-frequency bounds.
        let mut kept: Vec<(String, usize)> = ids
            .into_iter()
            .filter(|&(_, id)| {
                let d = df[id] as f64;
                d >= min_docs && d <= max_docs
            })
            .collect();
        let pruned = df.len() - kept.len();
        if kept.is_empty() {
            return Err(if pruned > 0 {
                "after pruning by min_df / max_df no terms remain: lower min_df or raise max_df"
                    .to_string()
            } else {
                "empty vocabulary: the texts contain no words of two or more letters or digits"
                    .to_string()
            });
        }
        kept.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut final_id = vec![usize::MAX; df.len()];
        for (k, (_, id)) in kept.iter().enumerate() {
            final_id[*id] = k;
        }
        let idf = opts.tfidf.then(|| {
            kept.iter()
                .map(|(_, id)| ((1.0 + n as f64) / (1.0 + df[*id] as f64)).ln() + 1.0)
                .collect::<Vec<f64>>()
        });
        let vocabulary: Vec<String> = kept.into_iter().map(|(t, _)| t).collect();
        let index = vocabulary
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i))
            .collect();
        let v = Vectorizer {
            vocabulary,
            index,
            idf,
            options: *opts,
            pruned,
        };
        let mut rows = RowBuilder::new(n, v.vocabulary.len());
        let mut row: Vec<usize> = Vec::new();
        for terms in doc_terms {
            row.clear();
            row.extend(
                terms
                    .iter()
                    .map(|&t| final_id[t as usize])
                    .filter(|&j| j != usize::MAX),
            );
            rows.push(&mut row, v.idf.as_deref());
        }
        let x = rows.finish()?;
        Ok((v, x))
    }

    /// Rows of counts or L2-normalised TF-IDF weights, sparse. Words not in
    /// the vocabulary are ignored.
    pub fn transform<S: AsRef<str>>(&self, texts: &[S]) -> Csr {
        let mut rows = RowBuilder::new(texts.len(), self.vocabulary.len());
        let (mut buf, mut words) = (String::new(), Vec::new());
        let mut row: Vec<usize> = Vec::new();
        for t in texts {
            row.clear();
            for_each_term(
                t.as_ref(),
                self.options.ngram_range,
                &mut buf,
                &mut words,
                |term| {
                    if let Some(&j) = self.index.get(term) {
                        row.push(j);
                    }
                },
            );
            rows.push(&mut row, self.idf.as_deref());
        }
        rows.finish()
            .unwrap_or_else(|_| Csr::zeros(texts.len(), self.vocabulary.len()))
    }

    /// Column of `term` in the vocabulary.
    pub fn column(&self, term: &str) -> Option<usize> {
        self.index.get(term).copied()
    }
}

/// Builds a CSR matrix row by row from each row's column occurrences.
struct RowBuilder {
    cols: usize,
    indptr: Vec<usize>,
    indices: Vec<usize>,
    data: Vec<f64>,
}

impl RowBuilder {
    fn new(rows: usize, cols: usize) -> RowBuilder {
        let mut indptr = Vec::with_capacity(rows + 1);
        indptr.push(0);
        RowBuilder {
            cols,
            indptr,
            indices: Vec::new(),
            data: Vec::new(),
        }
    }

    /// Appends a row from its term occurrences (sorted here); counts, then
    /// idf weights and unit L2 norm when `idf` is given.
    fn push(&mut self, occurrences: &mut [usize], idf: Option<&[f64]>) {
        occurrences.sort_unstable();
        let start = self.indices.len();
        for &j in occurrences.iter() {
            if self.indices.len() > start && self.indices.last() == Some(&j) {
                if let Some(v) = self.data.last_mut() {
                    *v += 1.0;
                }
            } else {
                self.indices.push(j);
                self.data.push(1.0);
            }
        }
        if let Some(idf) = idf {
            let row = &mut self.data[start..];
            let mut norm = 0.0f64;
            for (v, &j) in row.iter_mut().zip(&self.indices[start..]) {
                *v *= idf[j];
                norm += *v * *v;
            }
            if norm > 0.0 {
                let norm = norm.sqrt();
                for v in row.iter_mut() {
                    *v /= norm;
                }
            }
        }
        self.indptr.push(self.indices.len());
    }

    fn finish(self) -> Result<Csr, String> {
        let rows = self.indptr.len() - 1;
        Csr::try_new(rows, self.cols, self.indptr, self.indices, self.data)
    }
}

fn text_column(header: &[String], target: usize) -> Option<usize> {
    header
        .iter()
        .position(|h| h.eq_ignore_ascii_case("text"))
        .filter(|&i| i != target)
        .or_else(|| (header.len() == 2 && target < 2).then(|| 1 - target))
}

/// Is this CSV a corpus: two columns (text and label), or a `text` column?
pub fn looks_like_corpus(bytes: &[u8], opts: &CsvOptions) -> bool {
    read_raw("", bytes, opts.delimiter).is_ok_and(|raw| is_corpus(&raw, opts))
}

/// [`looks_like_corpus`] on cells already parsed.
pub(crate) fn is_corpus(raw: &RawCsv, opts: &CsvOptions) -> bool {
    let ti = match &opts.target {
        Some(t) => match raw.header.iter().position(|h| h == t) {
            Some(i) => i,
            None => return false,
        },
        None => raw.header.len() - 1,
    };
    let Some(ci) = text_column(&raw.header, ti) else {
        return false;
    };
    if opts.features.is_some() && raw.header.len() > 2 {
        return false;
    }
    // Text, not numbers: most cells do not parse and contain spaces.
    let wordy = raw
        .column(ci)
        .filter(|c| c.trim().parse::<f64>().is_err() && c.contains(' '))
        .count();
    wordy * 2 > raw.n_rows()
}

/// Load a `text,label` CSV as a corpus.
pub fn load_corpus_bytes(
    name: &str,
    file: &str,
    bytes: &[u8],
    opts: &CsvOptions,
) -> Result<Corpus, DataError> {
    corpus_from_raw(name, file, read_raw(file, bytes, opts.delimiter)?, opts)
}

/// The corpus of parsed cells (see [`load_corpus_bytes`]).
pub(crate) fn corpus_from_raw(
    name: &str,
    file: &str,
    raw: RawCsv,
    opts: &CsvOptions,
) -> Result<Corpus, DataError> {
    let ti = match &opts.target {
        Some(t) => column_index(file, &raw.header, t, "target")?,
        None => raw.header.len() - 1,
    };
    let ci = text_column(&raw.header, ti).ok_or_else(|| {
        DataError::file(
            file,
            format!(
                "a text corpus needs a `text` column and a label column; the columns are: {}",
                raw.header.join(", ")
            ),
        )
    })?;
    let mut keep = vec![true; raw.n_rows()];
    for ((k, line), cell) in keep.iter_mut().zip(&raw.lines).zip(raw.column(ci)) {
        if is_missing(cell) {
            if opts.missing == Missing::Drop {
                *k = false;
            } else {
                return Err(DataError {
                    file: file.to_string(),
                    line: Some(*line),
                    column: Some((ci + 1, raw.header[ci].clone())),
                    message: "empty text; use --missing drop to skip such rows".to_string(),
                });
            }
        }
    }
    let (y, classes) = labels(file, &raw, ti, &keep)?;
    let texts = raw
        .column(ci)
        .zip(&keep)
        .filter(|(_, &k)| k)
        .map(|(cell, _)| cell.to_string())
        .collect();
    Ok(Corpus {
        name: name.to_string(),
        texts,
        y,
        classes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_follow_sklearns_pattern() {
        assert_eq!(
            tokenize("I'd give it 10/10 -- A+ phone, e-mail_ok!"),
            vec!["give", "it", "10", "10", "phone", "mail_ok"]
        );
        assert_eq!(
            tokenize("Ünïcode ÉTÉ 信息论"),
            vec!["ünïcode", "été", "信息论"]
        );
    }

    #[test]
    fn tfidf_matches_sklearn() {
        // from sklearn.feature_extraction.text import TfidfVectorizer
        // docs = ["the cat sat", "the dog sat", "the cat and the dog"]
        // v = TfidfVectorizer().fit(docs); v.get_feature_names_out(); v.transform(docs).toarray().round(6)
        // vocabulary: and cat dog sat the
        // row 0: [0, 0.619805, 0, 0.619805, 0.481334]
        // row 2: [0.530587, 0.403525, 0.403525, 0, 0.626747]
        let docs = ["the cat sat", "the dog sat", "the cat and the dog"];
        let (v, x) = Vectorizer::fit_transform(&docs, &TextOptions::default()).expect("fit");
        assert_eq!(v.vocabulary, vec!["and", "cat", "dog", "sat", "the"]);
        assert_eq!(x, v.transform(&docs));
        let want0 = [0.0, 0.619805, 0.0, 0.619805, 0.481334];
        let want2 = [0.530587, 0.403525, 0.403525, 0.0, 0.626747];
        for (r, want) in [(0, want0), (2, want2)] {
            let dense = dense_row(&x, r);
            for j in 0..5 {
                assert!((dense[j] - want[j]).abs() < 1e-6, "{r},{j}: {}", dense[j]);
            }
        }
        let counts = TextOptions {
            tfidf: false,
            ..TextOptions::default()
        };
        let v = Vectorizer::fit(&docs, &counts).expect("fit");
        let x = v.transform(&["the the bird"]);
        assert_eq!(dense_row(&x, 0), vec![0.0, 0.0, 0.0, 0.0, 2.0]);
    }

    fn dense_row(x: &Csr, r: usize) -> Vec<f64> {
        let mut out = vec![0.0; x.ncols()];
        let (ix, v) = x.row(r);
        for (&j, &val) in ix.iter().zip(v) {
            out[j] = val;
        }
        out
    }

    #[test]
    fn ngrams_and_document_frequency_bounds_match_sklearn() {
        // v = CountVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.9).fit(docs)
        // v.get_feature_names_out() -> ['cat', 'dog', 'sat', 'the cat', 'the dog']
        // ('the' is in all 3 documents > 0.9 * 3; the rest are in only one)
        let docs = ["the cat sat", "the dog sat", "the cat and the dog"];
        let opts = TextOptions {
            tfidf: false,
            ngram_range: (1, 2),
            min_df: "2".parse().expect("count"),
            max_df: "0.9".parse().expect("share"),
        };
        let (v, x) = Vectorizer::fit_transform(&docs, &opts).expect("fit");
        assert_eq!(
            v.vocabulary,
            vec!["cat", "dog", "sat", "the cat", "the dog"]
        );
        assert_eq!(v.pruned, 6);
        assert_eq!(dense_row(&x, 2), vec![1.0, 1.0, 0.0, 1.0, 1.0]);
        let none = TextOptions {
            min_df: DocFreq::Count(5),
            ..opts
        };
        assert!(Vectorizer::fit(&docs, &none).is_err());
        assert!("1.5".parse::<DocFreq>().is_err());
        assert!("x".parse::<DocFreq>().is_err());
        assert_eq!(parse_ngram_range("1,2"), Ok((1, 2)));
        assert!(parse_ngram_range("2,1").is_err());
        assert!(parse_ngram_range("0").is_err());
    }

    #[test]
    fn corpus_detection_and_loading() {
        let csv = "text,target\nGreat phone works well,positive\nbroke after a day,negative\n";
        assert!(looks_like_corpus(csv.as_bytes(), &CsvOptions::default()));
        assert!(!looks_like_corpus(
            b"a,b\n1,x\n2,y\n",
            &CsvOptions::default()
        ));
        let c =
            load_corpus_bytes("s", "s.csv", csv.as_bytes(), &CsvOptions::default()).expect("ok");
        assert_eq!(c.classes, vec!["negative", "positive"]);
        assert_eq!(c.y, vec![1, 0]);
    }
}
