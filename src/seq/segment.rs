//! Chinese word segmentation with jieba's B/M/E/S hidden Markov model (the
//! tables of `jieba.finalseg`, bundled as `datasets/jieba_hmm.json`), a
//! forward-maximum-matching baseline, and word-level precision, recall and
//! F1 against a gold segmentation.
//!
//! The HMM cut follows `jieba.finalseg.cut` exactly: the text is split into
//! runs of CJK characters (U+4E00..U+9FD5), each run is decoded by Viterbi
//! over the states B (begin), M (middle), E (end of a multi-character
//! word) and S (single-character word), with jieba's allowed predecessors,
//! its log(0) stand-in `-3.14e100` for unseen characters and transitions,
//! and its tie rule (the later state letter wins); other text is split into
//! ASCII letter/digit runs (with a decimal part and `%`) and what lies
//! between them. It is written here rather than on [`crate::seq::hmm`]
//! because that HMM indexes a closed symbol set, while this one must score
//! any character and reproduce jieba's arithmetic bit for bit.
//!
//! jieba itself does not segment with this HMM alone: its default cut
//! builds a DAG of every dictionary word in the sentence (a prefix
//! dictionary of ~350k words with frequencies), takes the most probable
//! path by dynamic programming, and runs the HMM only on the leftover runs
//! of single characters, to find words missing from the dictionary.

use std::collections::HashMap;

use serde::Deserialize;

/// jieba's stand-in for log(0).
pub const MIN_FLOAT: f64 = -3.14e100;

/// The four states, in jieba's order B, M, E, S.
pub const STATES: [char; 4] = ['B', 'M', 'E', 'S'];
const B: usize = 0;
const M: usize = 1;
const E: usize = 2;
const S: usize = 3;

/// Allowed predecessors (jieba's `PrevStatus`).
const PREV: [[usize; 2]; 4] = [[E, S], [M, B], [B, M], [S, E]];

/// Why the model could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("jieba_hmm.json: {0}")]
pub struct ModelError(String);

#[derive(Deserialize)]
struct ModelFile {
    start: HashMap<String, f64>,
    trans: HashMap<String, HashMap<String, f64>>,
    emit: HashMap<String, HashMap<String, f64>>,
}

/// jieba's segmentation HMM: log start, transition and emission
/// probabilities of B/M/E/S.
#[derive(Debug, Clone)]
pub struct SegHmm {
    pub start: [f64; 4],
    pub trans: [[f64; 4]; 4],
    emit: [HashMap<char, f64>; 4],
}

/// The Viterbi decoding of one run of CJK characters.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub chars: Vec<char>,
    /// One of B/M/E/S per character.
    pub tags: Vec<char>,
    pub log_prob: f64,
    /// δ (log) per character and state, `chars.len() × 4`.
    pub delta: Vec<[f64; 4]>,
}

impl SegHmm {
    /// The bundled tables.
    pub fn bundled() -> Result<SegHmm, ModelError> {
        let bytes = crate::data::bundled_file("jieba_hmm.json")
            .ok_or_else(|| ModelError("not bundled in this build".into()))?;
        SegHmm::from_json(bytes)
    }

    pub fn from_json(bytes: &[u8]) -> Result<SegHmm, ModelError> {
        let f: ModelFile = serde_json::from_slice(bytes).map_err(|e| ModelError(e.to_string()))?;
        let name = |i: usize| STATES[i].to_string();
        let mut start = [MIN_FLOAT; 4];
        let mut trans = [[MIN_FLOAT; 4]; 4];
        let mut emit: [HashMap<char, f64>; 4] = Default::default();
        for i in 0..4 {
            start[i] = *f
                .start
                .get(&name(i))
                .ok_or_else(|| ModelError(format!("no start probability for {}", name(i))))?;
            if let Some(row) = f.trans.get(&name(i)) {
                for (j, t) in trans[i].iter_mut().enumerate() {
                    if let Some(&p) = row.get(&name(j)) {
                        *t = p;
                    }
                }
            }
            let e = f
                .emit
                .get(&name(i))
                .ok_or_else(|| ModelError(format!("no emissions for {}", name(i))))?;
            for (k, &p) in e {
                let mut cs = k.chars();
                if let (Some(c), None) = (cs.next(), cs.next()) {
                    emit[i].insert(c, p);
                }
            }
        }
        Ok(SegHmm { start, trans, emit })
    }

    fn em(&self, state: usize, c: char) -> f64 {
        self.emit[state].get(&c).copied().unwrap_or(MIN_FLOAT)
    }

    /// Characters the model has seen (any state).
    pub fn knows(&self, c: char) -> bool {
        self.emit.iter().any(|e| e.contains_key(&c))
    }

    /// Viterbi over one run of characters (jieba's `viterbi`).
    pub fn viterbi(&self, chars: &[char]) -> Decoded {
        let n = chars.len();
        if n == 0 {
            return Decoded {
                chars: Vec::new(),
                tags: Vec::new(),
                log_prob: 0.0,
                delta: Vec::new(),
            };
        }
        let mut delta: Vec<[f64; 4]> = Vec::with_capacity(n);
        let mut back: Vec<[usize; 4]> = Vec::with_capacity(n);
        let mut first = [0.0; 4];
        for (y, f) in first.iter_mut().enumerate() {
            *f = self.start[y] + self.em(y, chars[0]);
        }
        delta.push(first);
        back.push([0; 4]);
        for &c in &chars[1..] {
            let prev = delta[delta.len() - 1];
            let mut row = [0.0; 4];
            let mut bp = [0; 4];
            for y in 0..4 {
                let em = self.em(y, c);
                // max over (prob, state letter): on a tie the later letter.
                let mut best: Option<(f64, usize)> = None;
                for &y0 in &PREV[y] {
                    let p = prev[y0] + self.trans[y0][y] + em;
                    best = match best {
                        None => Some((p, y0)),
                        Some((bp_, by)) => {
                            if p > bp_ || (p == bp_ && STATES[y0] > STATES[by]) {
                                Some((p, y0))
                            } else {
                                Some((bp_, by))
                            }
                        }
                    };
                }
                let (p, y0) = best.unwrap_or((MIN_FLOAT, S));
                row[y] = p;
                bp[y] = y0;
            }
            delta.push(row);
            back.push(bp);
        }
        let last = delta[n - 1];
        // max((V[E], 'E'), (V[S], 'S')): S wins a tie.
        let mut state = if last[S] >= last[E] { S } else { E };
        let log_prob = last[state];
        let mut tags = vec!['S'; n];
        for t in (0..n).rev() {
            tags[t] = STATES[state];
            state = back[t][state];
        }
        Decoded {
            chars: chars.to_vec(),
            tags,
            log_prob,
            delta,
        }
    }

    /// Words of one CJK run from its tags (jieba's `__cut`).
    fn words_of(d: &Decoded) -> Vec<String> {
        let mut out = Vec::new();
        let (mut begin, mut next) = (0, 0);
        for (i, &t) in d.tags.iter().enumerate() {
            match t {
                'B' => begin = i,
                'E' => {
                    out.push(d.chars[begin..=i].iter().collect());
                    next = i + 1;
                }
                'S' => {
                    out.push(d.chars[i].to_string());
                    next = i + 1;
                }
                _ => {}
            }
        }
        if next < d.chars.len() {
            out.push(d.chars[next..].iter().collect());
        }
        out
    }

    /// The HMM-only cut of `text` (jieba's `finalseg.cut`), with the
    /// decoding of each CJK run.
    pub fn cut(&self, text: &str) -> (Vec<String>, Vec<Decoded>) {
        let mut words = Vec::new();
        let mut runs = Vec::new();
        for (han, block) in blocks(text) {
            if han {
                let chars: Vec<char> = block.chars().collect();
                let d = self.viterbi(&chars);
                words.extend(SegHmm::words_of(&d));
                runs.push(d);
            } else {
                words.extend(split_skip(&block));
            }
        }
        (words, runs)
    }
}

/// jieba's `re_han`: U+4E00..U+9FD5.
pub fn is_han(c: char) -> bool {
    ('\u{4E00}'..='\u{9FD5}').contains(&c)
}

/// Maximal runs of Han and non-Han characters, in order.
fn blocks(text: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    for c in text.chars() {
        let h = is_han(c);
        match out.last_mut() {
            Some((lh, s)) if *lh == h => s.push(c),
            _ => out.push((h, c.to_string())),
        }
    }
    out
}

/// jieba's `re_skip.split`: runs of `[a-zA-Z0-9]+(\.\d+)?%?` and the
/// non-empty text between them.
fn split_skip(block: &str) -> Vec<String> {
    let chars: Vec<char> = block.chars().collect();
    let mut out = Vec::new();
    let mut other = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_alphanumeric() {
            if !other.is_empty() {
                out.push(std::mem::take(&mut other));
            }
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_alphanumeric() {
                j += 1;
            }
            if j + 1 < chars.len() && chars[j] == '.' && chars[j + 1].is_ascii_digit() {
                j += 1;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
            }
            if j < chars.len() && chars[j] == '%' {
                j += 1;
            }
            out.push(chars[i..j].iter().collect());
            i = j;
        } else {
            other.push(chars[i]);
            i += 1;
        }
    }
    if !other.is_empty() {
        out.push(other);
    }
    out
}

/// Forward maximum matching: at each position the longest word of the
/// list that starts there, else one character.
pub fn fmm(text: &str, words: &std::collections::HashSet<String>, max_len: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let mut n = max_len.min(chars.len() - i).max(1);
        while n > 1 {
            let w: String = chars[i..i + n].iter().collect();
            if words.contains(&w) {
                break;
            }
            n -= 1;
        }
        out.push(chars[i..i + n].iter().collect());
        i += n;
    }
    out
}

/// Word-level scores: a predicted word counts when a gold word has the
/// same character span.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Scores {
    pub correct: usize,
    pub predicted: usize,
    pub gold: usize,
}

impl Scores {
    pub fn add(&mut self, pred: &[String], gold: &[String]) {
        let sp = spans(pred);
        let sg = spans(gold);
        self.correct += sp.iter().filter(|s| sg.contains(s)).count();
        self.predicted += sp.len();
        self.gold += sg.len();
    }

    pub fn precision(&self) -> f64 {
        self.correct as f64 / self.predicted.max(1) as f64
    }

    pub fn recall(&self) -> f64 {
        self.correct as f64 / self.gold.max(1) as f64
    }

    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        }
    }
}

fn spans(words: &[String]) -> Vec<(usize, usize)> {
    let mut i = 0;
    words
        .iter()
        .map(|w| {
            let n = w.chars().count();
            i += n;
            (i - n, i)
        })
        .collect()
}

/// The bundled gold sample: sentences as word lists; the first
/// [`GOLD_TRAIN`] are the training half.
pub fn gold_sample() -> Result<Vec<Vec<String>>, ModelError> {
    let bytes = crate::data::bundled_file("segment_gold.txt")
        .ok_or_else(|| ModelError("segment_gold.txt is not bundled in this build".into()))?;
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ModelError("segment_gold.txt is not UTF-8".into()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split(' ').map(str::to_string).collect())
        .collect())
}

/// Sentences of the gold sample in its training half.
pub const GOLD_TRAIN: usize = 60;

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> serde_json::Value {
        serde_json::from_str(include_str!("../../tests/reference/segment_reference.json")).unwrap()
    }

    fn strings(v: &serde_json::Value) -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn hmm_cuts_equal_jieba_finalseg_on_every_reference_sentence() {
        let hmm = SegHmm::bundled().unwrap();
        let r = reference();
        let mut n = 0;
        for key in ["sentences", "extra"] {
            for s in r[key].as_array().unwrap() {
                let (words, _) = hmm.cut(s["text"].as_str().unwrap());
                assert_eq!(words, strings(&s["hmm"]), "{}", s["text"]);
                n += 1;
            }
        }
        assert_eq!(n, 124);
    }

    #[test]
    fn scores_on_the_test_half_match_the_python_reference() {
        let hmm = SegHmm::bundled().unwrap();
        let gold = gold_sample().unwrap();
        assert_eq!(gold.len(), 119);
        let vocab: std::collections::HashSet<String> =
            gold[..GOLD_TRAIN].iter().flatten().cloned().collect();
        let max_len = vocab.iter().map(|w| w.chars().count()).max().unwrap();
        let (mut h, mut f) = (Scores::default(), Scores::default());
        for g in &gold[GOLD_TRAIN..] {
            let text: String = g.concat();
            h.add(&hmm.cut(&text).0, g);
            f.add(&fmm(&text, &vocab, max_len), g);
        }
        let r = reference();
        let t = &r["test_scores"];
        for (s, k) in [(h, "hmm"), (f, "fmm")] {
            assert_eq!(s.correct as u64, t[k]["tp"].as_u64().unwrap(), "{k}");
            assert_eq!(
                s.predicted as u64,
                t[k]["predicted"].as_u64().unwrap(),
                "{k}"
            );
            assert!((s.f1() - t[k]["f1"].as_f64().unwrap()).abs() < 1e-12, "{k}");
        }
        assert_eq!(vocab.len() as u64, r["vocab_size"].as_u64().unwrap());
    }

    #[test]
    fn fmm_takes_the_longest_word_and_scores_count_spans() {
        let words: std::collections::HashSet<String> = ["北京", "北京大学", "大学", "生"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(fmm("北京大学生", &words, 4), vec!["北京大学", "生"]);
        let mut s = Scores::default();
        let g: Vec<String> = vec!["北京".into(), "大学生".into()];
        s.add(&fmm("北京大学生", &words, 4), &g);
        assert_eq!((s.correct, s.predicted, s.gold), (0, 2, 2));
        assert_eq!(
            split_skip("GPT-4的86.5%，"),
            vec!["GPT", "-", "4", "的", "86.5%", "，"]
        );
    }
}
