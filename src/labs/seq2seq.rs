//! The `seq2seq` lab: an encoder-decoder on a toy transduction task
//! (reverse or sort a string of digits), with and without attention.
//!
//! Encoder: an embedding and a GRU over the source digits. Decoder: a GRU
//! started from the encoder's last state, fed the embedding of the previous
//! output token (the true one with probability `teacher_forcing` per step,
//! else its own greedy guess), read out by a linear layer into 12 tokens
//! (10 digits, BOS, EOS). With attention, each decoder state `h_j` queries
//! the encoder states (scaled dot-product, [`crate::nn::attention`]) and
//! the read-out sees `[h_j; context_j]`.
//!
//! Scored on held-out strings (never in the training set) by exact match
//! and corpus BLEU ([`crate::metrics::bleu`]), decoding greedily and with a
//! beam search of width `beam` (hypotheses ranked by their log-probability
//! divided by their length once finished). The attention weights of one
//! held-out example are drawn after each epoch.

use std::collections::HashSet;

use rand::seq::SliceRandom;
use rand::Rng as _;

use super::{bi, Cell, Heatmap, LabContext, LabError, LabOutcome, RunLab, Table};
use crate::algos::algorithm::{
    choice, float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues,
    Task,
};
use crate::metrics::bleu::corpus_bleu;
use crate::nn::{
    attention, Adam, CellKind, CellState, Embedding, Graph, Layer, Linear, Optimizer, ParamStore,
    RecurrentCell, Tensor, Var, WeightInit,
};

pub const TASK: ParamSpec = choice(
    "task",
    &["reverse", "sort"],
    "reverse",
    "what the decoder must output: the digits reversed, or sorted",
);
pub const ATTENTION: ParamSpec = choice(
    "attention",
    &["both", "dot", "none"],
    "both",
    "decoder with scaled dot-product attention over the encoder states, without, or both side by side",
);
pub const MAX_LEN: ParamSpec = int("max_len", 3, 16, "8", "longest digit string (shortest: 3)");
pub const TRAIN: ParamSpec = int("train", 16, 50_000, "2000", "training strings");
pub const TEST: ParamSpec = int("test", 1, 5_000, "200", "held-out strings");
pub const HIDDEN: ParamSpec = int("hidden", 4, 256, "64", "GRU units of encoder and decoder");
pub const EPOCHS: ParamSpec = int("epochs", 1, 200, "10", "passes over the training strings");
pub const BEAM: ParamSpec = int("beam", 1, 10, "3", "beam width of the beam search");
pub const TEACHER_FORCING: ParamSpec = float(
    "teacher_forcing",
    0.0,
    1.0,
    false,
    "1",
    "probability of feeding the true previous token (else the decoder's own guess) at each step",
);
pub const LEARNING_RATE: ParamSpec =
    float("learning_rate", 0.0, 1.0, true, "0.005", "Adam step size");
pub const EXAMPLE: ParamSpec = int(
    "example",
    1,
    5_000,
    "1",
    "which held-out string's attention weights to draw",
);

const DIGITS: usize = 10;
const BOS: usize = 10;
const EOS: usize = 11;
const VOCAB: usize = 12;
const EMBED: usize = 16;
const BATCH: usize = 32;
const MIN_LEN: usize = 3;
const CLIP: f64 = 5.0;

pub struct Seq2Seq;

#[derive(Debug, Clone, PartialEq)]
pub struct Seq2SeqParams {
    pub sort: bool,
    /// Variants trained: false = no attention, true = attention.
    pub variants: Vec<bool>,
    pub max_len: usize,
    pub train: usize,
    pub test: usize,
    pub hidden: usize,
    pub epochs: usize,
    pub beam: usize,
    pub teacher_forcing: f64,
    pub learning_rate: f64,
    pub example: usize,
}

impl Algorithm for Seq2Seq {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "seq2seq",
        title: "Seq2seq with and without attention (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "GRU encoder-decoder on the own neural engine; greedy and beam decoding; BLEU checked against NLTK",
        topics: &["seq2seq", "attention-mechanism"],
        params: &[
            TASK,
            ATTENTION,
            MAX_LEN,
            TRAIN,
            TEST,
            HIDDEN,
            EPOCHS,
            BEAM,
            TEACHER_FORCING,
            LEARNING_RATE,
            EXAMPLE,
        ],
    };
    type Params = Seq2SeqParams;
    fn params(v: &ParamValues) -> Result<Seq2SeqParams, ParamError> {
        let variants = match v.choice(&ATTENTION)? {
            "dot" => vec![true],
            "none" => vec![false],
            _ => vec![false, true],
        };
        Ok(Seq2SeqParams {
            sort: v.choice(&TASK)? == "sort",
            variants,
            max_len: v.usize(&MAX_LEN)?,
            train: v.usize(&TRAIN)?,
            test: v.usize(&TEST)?,
            hidden: v.usize(&HIDDEN)?,
            epochs: v.usize(&EPOCHS)?,
            beam: v.usize(&BEAM)?,
            teacher_forcing: v.float(&TEACHER_FORCING)?,
            learning_rate: v.float(&LEARNING_RATE)?,
            example: v.usize(&EXAMPLE)?,
        })
    }
}

fn variant_name(att: bool) -> &'static str {
    if att {
        "attention"
    } else {
        "no attention"
    }
}

/// The target of a source string (without EOS).
pub fn target(src: &[usize], sort: bool) -> Vec<usize> {
    let mut t = src.to_vec();
    if sort {
        t.sort_unstable();
    } else {
        t.reverse();
    }
    t
}

/// Digit strings, each a list of digits 0..9.
pub type Strings = Vec<Vec<usize>>;

/// Distinct random digit strings of length `MIN_LEN..=max_len`: `train`
/// for training and `test` held out (none in both).
pub fn strings(
    seed: u64,
    max_len: usize,
    train: usize,
    test: usize,
) -> Result<(Strings, Strings), LabError> {
    let possible: f64 = (MIN_LEN..=max_len).map(|l| 10f64.powi(l as i32)).sum();
    if (train + test) as f64 > 0.5 * possible {
        return Err(LabError::setup(format!(
            "{train} + {test} distinct strings of length {MIN_LEN}..{max_len} is more than half of the {possible} there are; raise max_len or ask for fewer"
        )));
    }
    let mut rng = crate::rng::rng(seed ^ 0x5e95_e95e);
    let mut seen = HashSet::new();
    let mut all = Vec::with_capacity(train + test);
    while all.len() < train + test {
        let len = rng.gen_range(MIN_LEN..=max_len);
        let s: Vec<usize> = (0..len).map(|_| rng.gen_range(0..DIGITS)).collect();
        if seen.insert(s.clone()) {
            all.push(s);
        }
    }
    let test_set = all.split_off(train);
    Ok((all, test_set))
}

struct Model {
    att: bool,
    hidden: usize,
    enc_emb: Embedding,
    dec_emb: Embedding,
    enc: RecurrentCell,
    dec: RecurrentCell,
    out: Linear,
    ps: ParamStore,
}

/// One decoding: tokens (without EOS), log-probability, and per output step
/// the attention weights over the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub tokens: Vec<usize>,
    pub logp: f64,
    pub weights: Vec<Vec<f64>>,
}

fn argmax_rows(t: &Tensor) -> Vec<usize> {
    t.outer_iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .fold(
                    (0, f32::NEG_INFINITY),
                    |a, (j, &v)| if v > a.1 { (j, v) } else { a },
                )
                .0
        })
        .collect()
}

impl Model {
    fn new(att: bool, hidden: usize, seed: u64) -> Result<Model, LabError> {
        let mut ps = ParamStore::new(seed);
        let init = WeightInit::GlorotUniform;
        let enc_emb = Embedding::new(&mut ps, "enc.emb", VOCAB, EMBED)?;
        let dec_emb = Embedding::new(&mut ps, "dec.emb", VOCAB, EMBED)?;
        let enc = RecurrentCell::new(&mut ps, "enc.gru", CellKind::Gru, EMBED, hidden, init)?;
        let dec = RecurrentCell::new(&mut ps, "dec.gru", CellKind::Gru, EMBED, hidden, init)?;
        let feat = if att { 2 * hidden } else { hidden };
        let out = Linear::new(&mut ps, "out", feat, VOCAB, init, true)?;
        Ok(Model {
            att,
            hidden,
            enc_emb,
            dec_emb,
            enc,
            dec,
            out,
            ps,
        })
    }

    /// Encode `b` sources of one length: encoder states `[b, len, hidden]`
    /// and the last state.
    fn encode(&self, g: &mut Graph, src: &[usize], b: usize) -> Result<(Var, CellState), LabError> {
        let e = self.enc_emb.lookup_batch(g, &self.ps, src, b)?;
        Ok(self.enc.run(g, &self.ps, e, None)?)
    }

    /// One decoder step from `prev` tokens: logits `[b, VOCAB]`, the new
    /// state, the attention weights `[b, 1, len]` when attending.
    fn step(
        &mut self,
        g: &mut Graph,
        prev: &[usize],
        s: CellState,
        enc: Var,
    ) -> Result<(Var, CellState, Option<Var>), LabError> {
        let b = prev.len();
        let x = self.dec_emb.lookup(g, &self.ps, prev)?;
        let s = self.dec.step(g, &self.ps, x, s)?;
        if self.att {
            let q = g.reshape(s.h, &[b, 1, self.hidden])?;
            let (ctx, w) = attention(g, q, enc, enc, None)?;
            let ctx = g.reshape(ctx, &[b, self.hidden])?;
            let feat = g.concat(&[s.h, ctx], 1)?;
            let logits = self.out.forward(g, &mut self.ps, feat)?;
            Ok((logits, s, Some(w)))
        } else {
            let logits = self.out.forward(g, &mut self.ps, s.h)?;
            Ok((logits, s, None))
        }
    }

    /// Mean cross-entropy of one batch (sources of one length), with
    /// teacher forcing drawn per step from `rng`; backward and a step.
    fn train_batch(
        &mut self,
        g: &mut Graph,
        opt: &mut Adam,
        batch: &[&Vec<usize>],
        sort: bool,
        tf: f64,
        rng: &mut crate::rng::Rng,
    ) -> Result<f64, LabError> {
        g.reset();
        let b = batch.len();
        let len = batch[0].len();
        let src: Vec<usize> = batch.iter().flat_map(|s| s.iter().copied()).collect();
        let tgt: Vec<Vec<usize>> = batch
            .iter()
            .map(|s| {
                let mut t = target(s, sort);
                t.push(EOS);
                t
            })
            .collect();
        let (enc, last) = self.encode(g, &src, b)?;
        let mut s = CellState { h: last.h, c: None };
        let mut prev = vec![BOS; b];
        let mut logits = Vec::with_capacity(len + 1);
        let mut targets = Vec::with_capacity(b * (len + 1));
        for j in 0..=len {
            let (l, s2, _) = self.step(g, &prev, s, enc)?;
            s = s2;
            let truth: Vec<usize> = tgt.iter().map(|t| t[j]).collect();
            prev = if rng.gen_bool(tf) {
                truth.clone()
            } else {
                argmax_rows(g.value(l)?)
            };
            targets.extend(truth);
            logits.push(l);
        }
        let all = g.concat(&logits, 0)?;
        let loss = g.cross_entropy(all, &targets, 0.0)?;
        let lv = f64::from(g.value(loss)?.iter().next().copied().unwrap_or(f32::NAN));
        if !lv.is_finite() {
            return Err(LabError::setup(format!(
                "training diverged (loss {lv}); lower learning_rate"
            )));
        }
        self.ps.zero_grad();
        g.backward(loss, &mut self.ps)?;
        self.ps.clip_grad_norm(CLIP);
        opt.step(&mut self.ps)?;
        Ok(lv)
    }

    /// Greedy decoding of several sources of one length at once, up to
    /// `len + 2` tokens each.
    fn greedy(&mut self, g: &mut Graph, srcs: &[&Vec<usize>]) -> Result<Vec<Decoded>, LabError> {
        g.reset();
        let b = srcs.len();
        let len = srcs[0].len();
        let src: Vec<usize> = srcs.iter().flat_map(|s| s.iter().copied()).collect();
        let (enc, last) = self.encode(g, &src, b)?;
        let mut s = CellState { h: last.h, c: None };
        let mut prev = vec![BOS; b];
        let mut out: Vec<Decoded> = (0..b)
            .map(|_| Decoded {
                tokens: Vec::new(),
                logp: 0.0,
                weights: Vec::new(),
            })
            .collect();
        let mut done = vec![false; b];
        for _ in 0..len + 2 {
            let (l, s2, w) = self.step(g, &prev, s, enc)?;
            s = s2;
            let lp = g.log_softmax(l)?;
            let lp = g.value(lp)?.clone();
            prev = argmax_rows(&lp);
            let wv = match w {
                Some(w) => Some(g.value(w)?.clone()),
                None => None,
            };
            for i in 0..b {
                if done[i] {
                    continue;
                }
                out[i].logp += f64::from(lp[[i, prev[i]]]);
                if let Some(wv) = &wv {
                    out[i]
                        .weights
                        .push((0..len).map(|k| f64::from(wv[[i, 0, k]])).collect());
                }
                if prev[i] == EOS {
                    done[i] = true;
                } else {
                    out[i].tokens.push(prev[i]);
                }
            }
            if done.iter().all(|&d| d) {
                break;
            }
        }
        Ok(out)
    }

    /// Beam search of width `k` for one source.
    fn beam(&mut self, g: &mut Graph, src: &[usize], k: usize) -> Result<Decoded, LabError> {
        g.reset();
        let len = src.len();
        let (enc, last) = self.encode(g, src, 1)?;
        let enc_v = g.value(enc)?.clone();
        let h0 = g.value(last.h)?.clone();
        // Live hypotheses: tokens, log-probability, state row.
        struct Hyp {
            tokens: Vec<usize>,
            logp: f64,
            h: Vec<f32>,
        }
        let mut live = vec![Hyp {
            tokens: Vec::new(),
            logp: 0.0,
            h: h0.iter().copied().collect(),
        }];
        let mut finished: Vec<(Vec<usize>, f64)> = Vec::new();
        for _ in 0..len + 2 {
            if live.is_empty() {
                break;
            }
            g.reset();
            let n = live.len();
            let hs: Vec<f32> = live.iter().flat_map(|h| h.h.iter().copied()).collect();
            let h = g.constant(
                Tensor::from_shape_vec(ndarray::IxDyn(&[n, self.hidden]), hs)
                    .map_err(|e| LabError::setup(e.to_string()))?,
            );
            let encs: Vec<_> = (0..n)
                .map(|_| enc_v.index_axis(ndarray::Axis(0), 0))
                .collect();
            let enc_n = ndarray::stack(ndarray::Axis(0), &encs)
                .map_err(|e| LabError::setup(e.to_string()))?;
            let enc_n = g.constant(enc_n);
            let prev: Vec<usize> = live
                .iter()
                .map(|h| h.tokens.last().copied().unwrap_or(BOS))
                .collect();
            let (l, s, _) = self.step(g, &prev, CellState { h, c: None }, enc_n)?;
            let lp = g.log_softmax(l)?;
            let lp = g.value(lp)?.clone();
            let hv = g.value(s.h)?.clone();
            let mut cand: Vec<(f64, usize, usize)> = Vec::with_capacity(n * VOCAB);
            for (i, hyp) in live.iter().enumerate() {
                for t in 0..VOCAB {
                    if t == BOS {
                        continue;
                    }
                    cand.push((hyp.logp + f64::from(lp[[i, t]]), i, t));
                }
            }
            cand.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut next = Vec::with_capacity(k);
            for &(score, i, t) in &cand {
                if next.len() >= k {
                    break;
                }
                let mut tokens = live[i].tokens.clone();
                if t == EOS {
                    if finished.len() < k {
                        finished.push((tokens, score));
                    }
                } else {
                    tokens.push(t);
                    next.push(Hyp {
                        tokens,
                        logp: score,
                        h: hv.index_axis(ndarray::Axis(0), i).iter().copied().collect(),
                    });
                }
            }
            live = next;
            if finished.len() >= k {
                live.clear();
                break;
            }
        }
        // Out of steps: unfinished hypotheses count as they stand.
        finished.extend(live.into_iter().map(|h| (h.tokens, h.logp)));
        let norm = |t: &Vec<usize>, lp: f64| lp / (t.len() + 1) as f64;
        let best = finished
            .into_iter()
            .max_by(|a, b| norm(&a.0, a.1).total_cmp(&norm(&b.0, b.1)))
            .unwrap_or((Vec::new(), f64::NEG_INFINITY));
        Ok(Decoded {
            tokens: best.0,
            logp: best.1,
            weights: Vec::new(),
        })
    }
}

/// Sources grouped by length, in order of first appearance.
fn by_length(strings: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, s) in strings.iter().enumerate() {
        match groups.iter_mut().find(|g| g.0 == s.len()) {
            Some(g) => g.1.push(i),
            None => groups.push((s.len(), vec![i])),
        }
    }
    groups.into_iter().map(|g| g.1).collect()
}

fn digits(t: &[usize]) -> String {
    t.iter()
        .map(|d| char::from(b'0' + (*d as u8).min(9)))
        .collect()
}

/// Exact match and BLEU of decoded outputs.
fn score(refs: &[Vec<usize>], outs: &[Decoded]) -> (f64, f64) {
    let exact = refs
        .iter()
        .zip(outs)
        .filter(|(r, o)| **r == o.tokens)
        .count() as f64
        / refs.len().max(1) as f64;
    let hyps: Vec<Vec<usize>> = outs.iter().map(|o| o.tokens.clone()).collect();
    (exact, corpus_bleu(refs, &hyps).score)
}

struct VariantResult {
    att: bool,
    greedy: (f64, f64),
    beam: (f64, f64),
    example: Option<Decoded>,
}

impl Seq2SeqParams {
    fn greedy_all(
        &self,
        m: &mut Model,
        g: &mut Graph,
        test: &[Vec<usize>],
    ) -> Result<Vec<Decoded>, LabError> {
        let mut out: Vec<Option<Decoded>> = vec![None; test.len()];
        for group in by_length(test) {
            for chunk in group.chunks(64) {
                let srcs: Vec<&Vec<usize>> = chunk.iter().map(|&i| &test[i]).collect();
                for (&i, d) in chunk.iter().zip(m.greedy(g, &srcs)?) {
                    out[i] = Some(d);
                }
            }
        }
        Ok(out.into_iter().flatten().collect())
    }

    #[allow(clippy::too_many_arguments)]
    fn run_variant(
        &self,
        ctx: &mut LabContext<'_>,
        o: &mut LabOutcome,
        att: bool,
        train: &[Vec<usize>],
        test: &[Vec<usize>],
        refs: &[Vec<usize>],
        ex: usize,
    ) -> Result<VariantResult, LabError> {
        let mut m = Model::new(att, self.hidden, ctx.seed)?;
        let mut opt = Adam::new(self.learning_rate as f32)?;
        let mut g = Graph::new(ctx.seed);
        let mut rng = crate::rng::rng(ctx.seed ^ 0x7ea0 ^ u64::from(att));
        let groups = by_length(train);
        let name = variant_name(att);
        for epoch in 1..=self.epochs {
            let mut batches: Vec<Vec<usize>> = Vec::new();
            for grp in &groups {
                let mut idx = grp.clone();
                idx.shuffle(&mut rng);
                batches.extend(idx.chunks(BATCH).map(<[usize]>::to_vec));
            }
            batches.shuffle(&mut rng);
            let mut total = 0.0;
            for b in &batches {
                let batch: Vec<&Vec<usize>> = b.iter().map(|&i| &train[i]).collect();
                total += m.train_batch(
                    &mut g,
                    &mut opt,
                    &batch,
                    self.sort,
                    self.teacher_forcing,
                    &mut rng,
                )?;
                ctx.check()?;
            }
            let outs = self.greedy_all(&mut m, &mut g, test)?;
            let (exact, _) = score(refs, &outs);
            let loss = total / batches.len().max(1) as f64;
            o.chart_mut(
                "loss",
                bi("Training loss", "训练损失"),
                "epoch",
                "cross-entropy",
            )
            .push(name, epoch as f64, loss);
            o.chart_mut(
                "exact",
                bi(
                    "Held-out exact match (greedy)",
                    "留出集完全匹配率（贪心解码）",
                ),
                "epoch",
                "exact match",
            )
            .push(name, epoch as f64, exact);
            if att {
                if let Some(d) = outs.get(ex) {
                    o.heatmaps.retain(|h| h.key != "attention");
                    o.heatmaps.insert(0, attention_map(&test[ex], d, epoch));
                }
            }
            o.done += 1;
            ctx.update(o)?;
        }
        let outs = self.greedy_all(&mut m, &mut g, test)?;
        let greedy = score(refs, &outs);
        let mut beams = Vec::with_capacity(test.len());
        for s in test {
            beams.push(m.beam(&mut g, s, self.beam)?);
            ctx.check()?;
        }
        let beam = score(refs, &beams);
        o.done += 1;
        Ok(VariantResult {
            att,
            greedy,
            beam,
            example: outs.get(ex).cloned(),
        })
    }
}

fn attention_map(src: &[usize], d: &Decoded, epoch: usize) -> Heatmap {
    let rows = d.weights.len();
    let cols = src.len();
    let mut row_labels: Vec<String> = d.tokens.iter().map(|&t| digits(&[t])).collect();
    row_labels.truncate(rows);
    while row_labels.len() < rows {
        row_labels.push("EOS".into());
    }
    Heatmap {
        key: "attention".into(),
        title: bi(
            format!("Attention weights, epoch {epoch} (row: output, column: input)"),
            format!("注意力权重，第 {epoch} 轮（行：输出，列：输入）"),
        ),
        rows,
        cols,
        values: d.weights.iter().flat_map(|r| r.iter().copied()).collect(),
        row_labels,
        col_labels: src.iter().map(|&t| digits(&[t])).collect(),
        group: "attention".into(),
    }
}

impl RunLab for Seq2SeqParams {
    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        if self.example > self.test {
            return Err(LabError::setup(format!(
                "example {} is past the {} held-out strings",
                self.example, self.test
            )));
        }
        let (train, test) = strings(ctx.seed, self.max_len, self.train, self.test)?;
        let refs: Vec<Vec<usize>> = test.iter().map(|s| target(s, self.sort)).collect();
        let ex = self.example - 1;
        let task = if self.sort { "sort" } else { "reverse" };
        let mut o = LabOutcome {
            total: self.variants.len() * (self.epochs + 1),
            dataset: format!(
                "generated: {task} digit strings of length {MIN_LEN}..{}; {} training, {} held out (disjoint)",
                self.max_len, self.train, self.test
            ),
            ..Default::default()
        };
        let mut results = Vec::new();
        for &att in &self.variants {
            results.push(self.run_variant(ctx, &mut o, att, &train, &test, &refs, ex)?);
        }
        let mut rows = Vec::new();
        for r in &results {
            let n = variant_name(r.att);
            let key = if r.att { "attention" } else { "plain" };
            o.figure(
                &format!("{key}_exact_greedy"),
                bi(
                    format!("{n}: exact match, greedy"),
                    format!("{}：完全匹配率（贪心）", zh_variant(r.att)),
                ),
                r.greedy.0,
                "",
            );
            o.figure(
                &format!("{key}_exact_beam"),
                bi(
                    format!("{n}: exact match, beam {}", self.beam),
                    format!("{}：完全匹配率（束宽 {}）", zh_variant(r.att), self.beam),
                ),
                r.beam.0,
                "",
            );
            o.figure(
                &format!("{key}_bleu_greedy"),
                bi(
                    format!("{n}: BLEU, greedy"),
                    format!("{}：BLEU（贪心）", zh_variant(r.att)),
                ),
                r.greedy.1,
                "",
            );
            o.figure(
                &format!("{key}_bleu_beam"),
                bi(
                    format!("{n}: BLEU, beam {}", self.beam),
                    format!("{}：BLEU（束宽 {}）", zh_variant(r.att), self.beam),
                ),
                r.beam.1,
                "",
            );
            rows.push(vec![
                Cell::from(n),
                Cell::Num(r.greedy.0),
                Cell::Num(r.beam.0),
                Cell::Num(r.greedy.1),
                Cell::Num(r.beam.1),
            ]);
        }
        o.tables.push(Table {
            key: "scores".into(),
            title: bi(
                format!("Held-out scores ({} strings)", self.test),
                format!("留出集得分（{} 条）", self.test),
            ),
            columns: vec![
                "decoder".into(),
                "exact greedy".into(),
                format!("exact beam {}", self.beam),
                "BLEU greedy".into(),
                format!("BLEU beam {}", self.beam),
            ],
            rows,
        });
        // Per-length exact match would need every output; the example table
        // shows one string through each model.
        let src = &test[ex];
        let mut ex_rows = vec![vec![Cell::from("input"), Cell::from(digits(src))]];
        ex_rows.push(vec![Cell::from("target"), Cell::from(digits(&refs[ex]))]);
        for r in &results {
            if let Some(d) = &r.example {
                ex_rows.push(vec![
                    Cell::from(variant_name(r.att)),
                    Cell::from(digits(&d.tokens)),
                ]);
            }
        }
        o.tables.push(Table {
            key: "example".into(),
            title: bi(
                format!("Held-out example {}", self.example),
                format!("留出样例 {}", self.example),
            ),
            columns: vec!["".into(), "digits".into()],
            rows: ex_rows,
        });
        notices(self, &mut o, &results, src);
        o.done = o.total;
        Ok(o)
    }
}

fn zh_variant(att: bool) -> &'static str {
    if att {
        "有注意力"
    } else {
        "无注意力"
    }
}

fn notices(p: &Seq2SeqParams, o: &mut LabOutcome, results: &[VariantResult], src: &[usize]) {
    let plain = results.iter().find(|r| !r.att);
    let att = results.iter().find(|r| r.att);
    if let (Some(pl), Some(at)) = (plain, att) {
        o.notice(
            bi(
                format!(
                    "Without attention the whole string must pass through one {}-unit vector (the encoder's last state): exact match {:.2}, BLEU {:.2}. With attention each output step looks back at every encoder state: exact match {:.2}, BLEU {:.2}.",
                    p.hidden, pl.greedy.0, pl.greedy.1, at.greedy.0, at.greedy.1
                ),
                format!(
                    "没有注意力时，整个字符串都要挤进一个 {} 维向量（编码器的最后一个隐状态）：完全匹配率 {:.2}，BLEU {:.2}。有注意力时，每一步输出都能回看编码器的全部隐状态：完全匹配率 {:.2}，BLEU {:.2}。",
                    p.hidden, pl.greedy.0, pl.greedy.1, at.greedy.0, at.greedy.1
                ),
            ),
            Some("seq2seq"),
        );
    }
    if let Some(at) = att {
        if let Some(d) = &at.example {
            // Where each output step looks: the input position with the most weight.
            let n = d.weights.len().min(d.tokens.len());
            let peaks: Vec<usize> = d.weights[..n]
                .iter()
                .map(|r| {
                    r.iter()
                        .enumerate()
                        .fold(
                            (0, f64::NEG_INFINITY),
                            |a, (j, &w)| if w > a.1 { (j, w) } else { a },
                        )
                        .0
                })
                .collect();
            let len = src.len();
            let anti = peaks
                .iter()
                .enumerate()
                .filter(|&(j, &k)| k + j + 1 == len)
                .count();
            let mean_peak = d.weights[..n]
                .iter()
                .map(|r| r.iter().copied().fold(0.0f64, f64::max))
                .sum::<f64>()
                / n.max(1) as f64;
            let (en, zh) = if p.sort {
                (
                    format!(
                        "Sorting: output digit j should look at wherever that digit sits in the input, not at a fixed position; the peaks of the {n} rows are at input positions {:?} (mean peak weight {mean_peak:.2}).",
                        peaks.iter().map(|k| k + 1).collect::<Vec<_>>()
                    ),
                    format!(
                        "排序：第 j 个输出数字应当关注该数字在输入中的位置，而不是固定的位置；{n} 行的峰值分别位于输入位置 {:?}（平均峰值权重 {mean_peak:.2}）。",
                        peaks.iter().map(|k| k + 1).collect::<Vec<_>>()
                    ),
                )
            } else {
                (
                    format!(
                        "Reversal: output digit j should look at input position {len} − j + 1, the anti-diagonal of the heat map; in the example {anti} of {n} output steps put their largest weight there (mean peak weight {mean_peak:.2})."
                    ),
                    format!(
                        "反转：第 j 个输出数字应当关注输入的第 {len} − j + 1 个位置，即热图的反对角线；在这个样例中 {n} 步输出里有 {anti} 步的最大权重落在那里（平均峰值权重 {mean_peak:.2}）。"
                    ),
                )
            };
            o.notice(bi(en, zh), Some("attention-mechanism"));
        }
    }
    let best = results
        .iter()
        .max_by(|a, b| a.greedy.0.total_cmp(&b.greedy.0));
    if let Some(r) = best {
        let d = r.beam.0 - r.greedy.0;
        o.notice(
            bi(
                format!(
                    "Beam search (width {}) keeps the {} best partial outputs instead of only the single best next token: exact match {:.2} vs greedy {:.2} ({}{:.3}) for the {} model. It helps only where the greedy choice of an early token was wrong but a later one would have exposed it.",
                    p.beam, p.beam, r.beam.0, r.greedy.0, if d >= 0.0 { "+" } else { "" }, d, variant_name(r.att)
                ),
                format!(
                    "束搜索（束宽 {}）每一步保留 {} 个最好的部分输出，而不是只取当前最好的一个词：{} 模型的完全匹配率为 {:.2}，贪心解码为 {:.2}（{}{:.3}）。只有当贪心在早期选错了词、而后续步骤能暴露这个错误时，束搜索才有帮助。",
                    p.beam, p.beam, zh_variant(r.att), r.beam.0, r.greedy.0, if d >= 0.0 { "+" } else { "" }, d
                ),
            ),
            Some("seq2seq"),
        );
    }
    if p.teacher_forcing < 1.0 {
        o.notice(
            bi(
                format!(
                    "Teacher forcing ratio {:.2}: at {:.0}% of training steps the decoder was fed its own previous guess instead of the truth, as it will be when decoding; lower ratios train slower at first but see their own mistakes.",
                    p.teacher_forcing,
                    100.0 * (1.0 - p.teacher_forcing)
                ),
                format!(
                    "教师强制比例 {:.2}：训练时有 {:.0}% 的步骤给解码器喂的是它自己上一步的预测而不是真实词，和推断时一样；比例越低，起初训练越慢，但模型能见到自己的错误。",
                    p.teacher_forcing,
                    100.0 * (1.0 - p.teacher_forcing)
                ),
            ),
            Some("seq2seq"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::testing::{params, run_quiet};

    #[test]
    fn strings_are_disjoint_and_targets_right() -> Result<(), LabError> {
        let (tr, te) = strings(0, 5, 300, 50)?;
        assert_eq!((tr.len(), te.len()), (300, 50));
        let set: HashSet<_> = tr.iter().collect();
        assert!(te.iter().all(|s| !set.contains(s)));
        assert!(tr.iter().all(|s| (3..=5).contains(&s.len())));
        assert_eq!(target(&[3, 1, 2], false), vec![2, 1, 3]);
        assert_eq!(target(&[3, 1, 2], true), vec![1, 2, 3]);
        assert!(strings(0, 3, 600, 10).is_err());
        Ok(())
    }

    #[test]
    fn a_tiny_run_trains_both_models() -> Result<(), Box<dyn std::error::Error>> {
        let p = params::<Seq2Seq>(&[
            ("max_len", "4"),
            ("train", "200"),
            ("test", "20"),
            ("hidden", "8"),
            ("epochs", "2"),
            ("beam", "2"),
            ("teacher_forcing", "0.5"),
        ])?;
        let o = run_quiet(&p)?;
        for k in ["plain", "attention"] {
            for f in ["exact_greedy", "exact_beam", "bleu_greedy", "bleu_beam"] {
                let v = o.find_figure(&format!("{k}_{f}")).ok_or("figure")?;
                assert!((0.0..=1.0).contains(&v), "{k}_{f} = {v}");
            }
        }
        let h = &o.heatmaps[0];
        assert_eq!(h.key, "attention");
        // Each row of attention weights sums to 1.
        for r in h.values.chunks(h.cols) {
            assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-4);
        }
        assert_eq!(o.notices.len(), 4);
        assert_eq!(o.done, o.total);
        let again = run_quiet(&p)?;
        assert_eq!(o.figures, again.figures, "determinism per seed");
        Ok(())
    }

    /// Beam width 1 is greedy decoding.
    #[test]
    fn beam_one_equals_greedy() -> Result<(), LabError> {
        let (_, test) = strings(1, 5, 50, 10)?;
        let mut m = Model::new(true, 6, 3)?;
        let mut g = Graph::new(0);
        for s in &test {
            let gr = m.greedy(&mut g, &[s])?;
            let b = m.beam(&mut g, s, 1)?;
            assert_eq!(gr[0].tokens, b.tokens);
            assert!((gr[0].logp - b.logp).abs() < 1e-4);
        }
        Ok(())
    }

    #[test]
    fn bad_example_index_is_refused() -> Result<(), ParamError> {
        let p = params::<Seq2Seq>(&[("test", "5"), ("example", "6")])?;
        assert!(matches!(run_quiet(&p), Err(LabError::Setup(_))));
        Ok(())
    }
}
