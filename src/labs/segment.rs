//! The `segment` lab: Chinese word segmentation. The sentence you type is
//! cut by jieba's B/M/E/S HMM alone (Viterbi, [`crate::seq::segment`]) and
//! by forward maximum matching (FMM) on a small word list; the trellis of
//! the HMM (Viterbi scores per character and state) is drawn as a heat map.
//! Both methods are then scored at word level (precision, recall, F1, and
//! recall of out-of-vocabulary words) on the test half of the bundled gold
//! sample, the FMM word list being the words of its training half.
//!
//! Notes this demonstrates: `hmm` and `viterbi` (decoding the most probable
//! state path), `sequence-labeling` (segmentation as B/M/E/S tagging).

use std::collections::HashSet;

use super::{bi, Cell, Heatmap, LabContext, LabError, LabOutcome, RunLab, Table};
use crate::algos::algorithm::{
    text, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues, Task,
};
use crate::seq::segment::{self, Scores, SegHmm, STATES};

pub const SENTENCE: ParamSpec = text(
    "sentence",
    200,
    "他来到了网易杭研大厦",
    "the Chinese sentence to cut into words",
);

/// The lab in the registry.
pub struct SegmentLab;

/// Typed parameters of [`SegmentLab`].
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentParams {
    pub sentence: String,
}

impl Algorithm for SegmentLab {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "segment",
        title: "Chinese word segmentation: jieba's HMM vs maximum matching (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "a 4-state Viterbi that reproduces jieba.finalseg bit for bit on its own tables, and a forward-maximum-matching baseline",
        topics: &["hmm", "viterbi", "sequence-labeling"],
        params: &[SENTENCE],
    };
    type Params = SegmentParams;
    fn params(v: &ParamValues) -> Result<SegmentParams, ParamError> {
        Ok(SegmentParams {
            sentence: v.text(&SENTENCE)?.trim().to_string(),
        })
    }
}

/// Scores and out-of-vocabulary recall of one method on the test half.
struct Eval {
    scores: Scores,
    oov_found: usize,
    oov_total: usize,
}

fn evaluate(
    gold: &[Vec<String>],
    vocab: &HashSet<String>,
    cut: impl Fn(&str) -> Vec<String>,
) -> Eval {
    let mut e = Eval {
        scores: Scores::default(),
        oov_found: 0,
        oov_total: 0,
    };
    for g in gold {
        let text: String = g.concat();
        let pred = cut(&text);
        e.scores.add(&pred, g);
        let span = |ws: &[String]| {
            let mut i = 0;
            ws.iter()
                .map(|w| {
                    let n = w.chars().count();
                    i += n;
                    (i - n, i, w.clone())
                })
                .collect::<Vec<_>>()
        };
        let ps: Vec<(usize, usize)> = span(&pred).iter().map(|s| (s.0, s.1)).collect();
        for (a, b, w) in span(g) {
            if !vocab.contains(&w) {
                e.oov_total += 1;
                if ps.contains(&(a, b)) {
                    e.oov_found += 1;
                }
            }
        }
    }
    e
}

const HMM_TOPIC: &str = "hmm";
const SEQ_TOPIC: &str = "sequence-labeling";

impl RunLab for SegmentParams {
    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        if ctx.dataset.is_some() {
            return Err(LabError::setup(
                "segment uses its bundled gold sample; type a sentence in the `sentence` parameter",
            ));
        }
        if !self.sentence.chars().any(segment::is_han) {
            return Err(LabError::setup(
                "the sentence has no Chinese characters (U+4E00..U+9FD5) to segment",
            ));
        }
        let hmm = SegHmm::bundled().map_err(|e| LabError::setup(e.to_string()))?;
        let gold = segment::gold_sample().map_err(|e| LabError::setup(e.to_string()))?;
        let train = segment::GOLD_TRAIN.min(gold.len());
        let vocab: HashSet<String> = gold[..train].iter().flatten().cloned().collect();
        let max_len = vocab.iter().map(|w| w.chars().count()).max().unwrap_or(1);
        let test = &gold[train..];
        let mut o = LabOutcome {
            total: 2,
            dataset: format!(
                "segment_gold: {} sentences ({} training, {} test), FMM word list {} words",
                gold.len(),
                train,
                test.len(),
                vocab.len()
            ),
            ..LabOutcome::default()
        };
        // The typed sentence.
        let (hmm_words, runs) = hmm.cut(&self.sentence);
        let fmm_words = segment::fmm(&self.sentence, &vocab, max_len);
        o.tables.push(Table {
            key: "cut".into(),
            title: bi("Your sentence, cut", "你的句子的切分结果"),
            columns: vec!["method".into(), "words".into(), "count".into()],
            rows: vec![
                vec![
                    Cell::from("HMM"),
                    Cell::from(hmm_words.join(" / ")),
                    Cell::from(hmm_words.len()),
                ],
                vec![
                    Cell::from("FMM"),
                    Cell::from(fmm_words.join(" / ")),
                    Cell::from(fmm_words.len()),
                ],
            ],
        });
        for (k, d) in runs.iter().enumerate().take(4) {
            // Each column: exp(δ − max δ), so the best state is 1 and the
            // others show how far behind they are.
            let n = d.chars.len();
            let mut values = vec![0.0; 4 * n];
            for (t, row) in d.delta.iter().enumerate() {
                let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                for s in 0..4 {
                    values[s * n + t] = (row[s] - m).exp();
                }
            }
            o.heatmaps.push(Heatmap {
                key: format!("trellis{}", k + 1),
                title: bi(
                    format!(
                        "Viterbi trellis, path {}",
                        d.tags.iter().collect::<String>()
                    ),
                    format!("维特比网格，最优路径 {}", d.tags.iter().collect::<String>()),
                ),
                rows: 4,
                cols: n,
                values,
                row_labels: STATES.iter().map(|c| c.to_string()).collect(),
                col_labels: d.chars.iter().map(|c| c.to_string()).collect(),
                group: "trellis".into(),
            });
        }
        o.done = 1;
        ctx.update(&o)?;
        // The gold sample.
        let h = evaluate(test, &vocab, |s| hmm.cut(s).0);
        let f = evaluate(test, &vocab, |s| segment::fmm(s, &vocab, max_len));
        let oov = |e: &Eval| e.oov_found as f64 / e.oov_total.max(1) as f64;
        for (key, name, e) in [("hmm", "HMM", &h), ("fmm", "FMM", &f)] {
            o.figure(
                &format!("{key}_f1"),
                bi(format!("{name} word F1"), format!("{name} 词级 F1")),
                e.scores.f1(),
                "",
            );
        }
        for (key, name, e) in [("hmm", "HMM", &h), ("fmm", "FMM", &f)] {
            o.figure(
                &format!("{key}_oov_recall"),
                bi(
                    format!("{name} OOV recall"),
                    format!("{name} 未登录词召回率"),
                ),
                oov(e),
                "",
            );
        }
        o.tables.push(Table {
            key: "scores".into(),
            title: bi(
                format!("Word-level scores on the {} test sentences", test.len()),
                format!("{} 个测试句子上的词级评测", test.len()),
            ),
            columns: vec![
                "method".into(),
                "precision".into(),
                "recall".into(),
                "F1".into(),
                "OOV recall".into(),
                "words".into(),
            ],
            rows: [("HMM (jieba finalseg)", &h), ("FMM (training words)", &f)]
                .iter()
                .map(|(n, e)| {
                    vec![
                        Cell::from(*n),
                        Cell::from(e.scores.precision()),
                        Cell::from(e.scores.recall()),
                        Cell::from(e.scores.f1()),
                        Cell::from(oov(e)),
                        Cell::from(e.scores.predicted),
                    ]
                })
                .collect(),
        });
        // Notices.
        o.notice(
            bi(
                "this is jieba's HMM alone: jieba's default cut first finds every dictionary word in the sentence (a DAG over a ~350k-word prefix dictionary), takes the most probable path, and runs this HMM only on leftover single characters, to catch words not in the dictionary",
                "这里只用了结巴的 HMM：结巴默认的分词先用约 35 万词的前缀词典找出句中所有可能的词（构成有向无环图），用动态规划取概率最大的切分路径，只对剩下的连续单字再用这个 HMM 识别未登录词",
            ),
            Some(HMM_TOPIC),
        );
        let (better, worse, bf, wf) = if h.scores.f1() >= f.scores.f1() {
            ("the HMM", "FMM", h.scores.f1(), f.scores.f1())
        } else {
            ("FMM", "the HMM", f.scores.f1(), h.scores.f1())
        };
        let (better_zh, worse_zh) = if h.scores.f1() >= f.scores.f1() {
            ("HMM", "正向最大匹配")
        } else {
            ("正向最大匹配", "HMM")
        };
        o.notice(
            bi(
                format!(
                    "on the {} test sentences {better} reaches word F1 {bf:.3} against {wf:.3} for {worse}; of the {} gold words missing from FMM's {}-word list the HMM recovers {:.0}%, FMM {:.0}% (FMM can only cut known words or single characters)",
                    test.len(),
                    h.oov_total,
                    vocab.len(),
                    oov(&h) * 100.0,
                    oov(&f) * 100.0
                ),
                format!(
                    "在 {} 个测试句子上，{better_zh} 的词级 F1 为 {bf:.3}，{worse_zh} 为 {wf:.3}；FMM 的 {} 词词表之外的 {} 个标准词中，HMM 找回了 {:.0}%，FMM 只有 {:.0}%（FMM 只能切出词表里的词或单字）",
                    test.len(),
                    vocab.len(),
                    h.oov_total,
                    oov(&h) * 100.0,
                    oov(&f) * 100.0
                ),
            ),
            Some(SEQ_TOPIC),
        );
        let tags: Vec<String> = runs.iter().map(|d| d.tags.iter().collect()).collect();
        let unseen: Vec<char> = self
            .sentence
            .chars()
            .filter(|&c| segment::is_han(c) && !hmm.knows(c))
            .collect();
        o.notice(
            bi(
                format!(
                    "your sentence is tagged {} (B begins a word, M continues it, E ends it, S stands alone); Viterbi keeps, for each character and state, only the best path into it, so the search is 4 states × {} characters, not 4^{} paths{}",
                    tags.join(" "),
                    runs.iter().map(|d| d.chars.len()).sum::<usize>(),
                    runs.iter().map(|d| d.chars.len()).sum::<usize>(),
                    if unseen.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; {} never appeared in the HMM's training text and get log P = −3.14e100 in every state",
                            unseen.iter().collect::<String>()
                        )
                    }
                ),
                format!(
                    "你的句子被标注为 {}（B 词首、M 词中、E 词尾、S 单字词）；维特比算法对每个字、每个状态只保留到达它的最优路径，因此搜索量是 4 个状态 × {} 个字，而不是 4^{} 条路径{}",
                    tags.join(" "),
                    runs.iter().map(|d| d.chars.len()).sum::<usize>(),
                    runs.iter().map(|d| d.chars.len()).sum::<usize>(),
                    if unseen.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "；{} 在 HMM 的训练语料中从未出现，每个状态的发射对数概率都是 −3.14e100",
                            unseen.iter().collect::<String>()
                        )
                    }
                ),
            ),
            Some("viterbi"),
        );
        o.done = 2;
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::testing::{params, run_quiet};

    #[test]
    fn the_lab_cuts_the_sentence_and_scores_both_methods() {
        let p = params::<SegmentLab>(&[]).unwrap();
        let o = run_quiet(&p).unwrap();
        let cut = &o.tables[0].rows[0][1];
        assert_eq!(cut, &Cell::from("他来 / 到 / 了 / 网易 / 杭 / 研大厦"));
        let r: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/reference/segment_reference.json"))
                .unwrap();
        let want = r["test_scores"]["hmm"]["f1"].as_f64().unwrap();
        assert!((o.find_figure("hmm_f1").unwrap() - want).abs() < 1e-12);
        let want = r["test_scores"]["fmm"]["f1"].as_f64().unwrap();
        assert!((o.find_figure("fmm_f1").unwrap() - want).abs() < 1e-12);
        assert_eq!(o.heatmaps[0].rows, 4);
        assert_eq!(o.heatmaps[0].cols, 10);
        assert!(o.notices.iter().all(|n| !n.text.zh.is_empty()));
    }

    #[test]
    fn a_sentence_without_chinese_is_a_setup_error() {
        let p = params::<SegmentLab>(&[("sentence", "hello")]).unwrap();
        let e = run_quiet(&p).unwrap_err().to_string();
        assert!(e.contains("no Chinese characters"), "{e}");
    }
}
