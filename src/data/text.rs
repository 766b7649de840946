//! Text corpora and their vectorisation: bag of words counts and TF-IDF,
//! defined exactly as scikit-learn's `CountVectorizer` / `TfidfVectorizer`
//! defaults (so our results can be checked against it):
//! tokens are runs of two or more word characters (`(?u)\b\w\w+\b`),
//! lower-cased; the vocabulary is sorted; idf(t) = ln((1 + n) / (1 + df(t))) + 1;
//! each row is scaled to unit L2 norm.
//!
//! Our own rather than linfa-preprocessing's: that one pulls in a regex
//! engine for the same two-line tokeniser, and we need the vocabulary and
//! idf values to show in the TF-IDF note.

use std::collections::BTreeMap;

use ndarray::Array2;

use super::csvload::{column_index, is_missing, labels, read_raw, CsvOptions, Missing};
use super::table::{Corpus, DataError};

/// Lower-cased tokens of a text, as scikit-learn's default token pattern.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            cur.extend(c.to_lowercase());
        } else {
            if cur.chars().count() >= 2 {
                out.push(std::mem::take(&mut cur));
            }
            cur.clear();
        }
    }
    if cur.chars().count() >= 2 {
        out.push(cur);
    }
    out
}

/// A fitted vectoriser: vocabulary (sorted) and, for TF-IDF, idf weights.
#[derive(Debug, Clone)]
pub struct Vectorizer {
    pub vocabulary: Vec<String>,
    index: BTreeMap<String, usize>,
    /// `None` for plain counts.
    pub idf: Option<Vec<f64>>,
}

impl Vectorizer {
    /// Learn the vocabulary (and idf when `tfidf`) from training texts.
    pub fn fit<S: AsRef<str>>(texts: &[S], tfidf: bool) -> Vectorizer {
        let mut df: BTreeMap<String, usize> = BTreeMap::new();
        for t in texts {
            let mut toks = tokenize(t.as_ref());
            toks.sort();
            toks.dedup();
            for tok in toks {
                *df.entry(tok).or_insert(0) += 1;
            }
        }
        let vocabulary: Vec<String> = df.keys().cloned().collect();
        let index = vocabulary
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i))
            .collect();
        let n = texts.len() as f64;
        let idf = tfidf.then(|| {
            df.values()
                .map(|&d| ((1.0 + n) / (1.0 + d as f64)).ln() + 1.0)
                .collect()
        });
        Vectorizer {
            vocabulary,
            index,
            idf,
        }
    }

    /// Rows of counts or L2-normalised TF-IDF weights. Unknown words are ignored.
    pub fn transform<S: AsRef<str>>(&self, texts: &[S]) -> Array2<f64> {
        let mut x = Array2::zeros((texts.len(), self.vocabulary.len()));
        for (r, t) in texts.iter().enumerate() {
            for tok in tokenize(t.as_ref()) {
                if let Some(&j) = self.index.get(&tok) {
                    x[(r, j)] += 1.0;
                }
            }
            if let Some(idf) = &self.idf {
                let mut row = x.row_mut(r);
                let mut norm = 0.0f64;
                for (v, w) in row.iter_mut().zip(idf) {
                    *v *= w;
                    norm += *v * *v;
                }
                if norm > 0.0 {
                    let norm = norm.sqrt();
                    row.mapv_inplace(|v| v / norm);
                }
            }
        }
        x
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
    let Ok(raw) = read_raw("", bytes, opts.delimiter) else {
        return false;
    };
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
        .rows
        .iter()
        .filter(|(_, r)| r[ci].trim().parse::<f64>().is_err() && r[ci].contains(' '))
        .count();
    wordy * 2 > raw.rows.len()
}

/// Load a `text,label` CSV as a corpus.
pub fn load_corpus_bytes(
    name: &str,
    file: &str,
    bytes: &[u8],
    opts: &CsvOptions,
) -> Result<Corpus, DataError> {
    let raw = read_raw(file, bytes, opts.delimiter)?;
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
    let mut keep = vec![true; raw.rows.len()];
    for (k, (line, row)) in keep.iter_mut().zip(&raw.rows) {
        if is_missing(&row[ci]) {
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
        .rows
        .iter()
        .zip(&keep)
        .filter(|(_, &k)| k)
        .map(|((_, r), _)| r[ci].clone())
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
        let v = Vectorizer::fit(&docs, true);
        assert_eq!(v.vocabulary, vec!["and", "cat", "dog", "sat", "the"]);
        let x = v.transform(&docs);
        let want0 = [0.0, 0.619805, 0.0, 0.619805, 0.481334];
        let want2 = [0.530587, 0.403525, 0.403525, 0.0, 0.626747];
        for j in 0..5 {
            assert!((x[(0, j)] - want0[j]).abs() < 1e-6, "{j}: {}", x[(0, j)]);
            assert!((x[(2, j)] - want2[j]).abs() < 1e-6, "{j}: {}", x[(2, j)]);
        }
        let counts = Vectorizer::fit(&docs, false).transform(&["the the bird"]);
        assert_eq!(counts.row(0).to_vec(), vec![0.0, 0.0, 0.0, 0.0, 2.0]);
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
