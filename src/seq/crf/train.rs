//! Training: the negative log-likelihood with its expected feature counts,
//! the penalised objective and gradient, and the L-BFGS driver ([`fit`]).

use super::features::{build, check_data, emissions, transition_matrix, Corpus, FeatureIndex};
use super::lattice::Lattice;
use super::model::{CrfModel, TrainingSummary};
use super::CrfParams;
use crate::algos::core::{AlgoError, Progress};
use crate::algos::optim::lbfgs;

/// Negative log-likelihood of the labelled `corpus` (no penalty); when `grad` is
/// given, adds the expected feature counts into it (the caller subtracts the
/// empirical ones and adds the penalty).
pub(super) fn nll_and_expectations(
    feats: &FeatureIndex,
    corpus: &Corpus,
    w: &[f64],
    mut grad: Option<&mut [f64]>,
) -> f64 {
    let l = feats.n_labels;
    let n_state = feats.n_state();
    let mut lat = Lattice::new(l, corpus.max_len, transition_matrix(feats, w));
    let mut v = vec![0.0; l];
    let mut marg = vec![0.0; l];
    let mut nll = 0.0;
    for s in 0..corpus.n_sentences() {
        let (t0, t1) = (corpus.sent_start[s], corpus.sent_start[s + 1]);
        let n = t1 - t0;
        if n == 0 {
            continue;
        }
        emissions(feats, corpus, w, t0, t1, &mut lat.emit[..n * l]);
        let log_z = lat.run(n);
        // Score of the gold path.
        let mut gold = 0.0;
        for t in 0..n {
            let y = corpus.labels[t0 + t] as usize;
            gold += lat.emit[t * l + y];
            if t > 0 {
                gold += lat.trans[corpus.labels[t0 + t - 1] as usize * l + y];
            }
        }
        nll += log_z - gold;
        let Some(g) = grad.as_deref_mut() else {
            continue;
        };
        for t in 0..n {
            lat.marginals_at(t, log_z, &mut marg);
            let tok = t0 + t;
            for &at in &corpus.attrs[corpus.tok_start[tok]..corpus.tok_start[tok + 1]] {
                let (lo, hi) = (
                    feats.attr_start[at as usize],
                    feats.attr_start[at as usize + 1],
                );
                for (gv, &y) in g[lo..hi].iter_mut().zip(&feats.state_label[lo..hi]) {
                    *gv += marg[y as usize];
                }
            }
            if t > 0 {
                lat.add_pair_marginals(t, log_z, &feats.trans_pairs, &mut v, &mut g[n_state..]);
            }
        }
    }
    nll
}

/// `F(w) = NLL + c2 ||w||^2` and its gradient.
pub(super) fn objective_and_gradient(
    feats: &FeatureIndex,
    corpus: &Corpus,
    empirical: &[f64],
    c2: f64,
    w: &[f64],
    g: &mut [f64],
) -> f64 {
    g.fill(0.0);
    let nll = nll_and_expectations(feats, corpus, w, Some(g));
    let mut norm = 0.0;
    for ((gv, &e), &wv) in g.iter_mut().zip(empirical).zip(w) {
        *gv += 2.0 * c2 * wv - e;
        norm += wv * wv;
    }
    nll + c2 * norm
}

fn stop_name(s: lbfgs::Stop) -> &'static str {
    match s {
        lbfgs::Stop::Gradient => "gradient",
        lbfgs::Stop::Epsilon => "epsilon",
        lbfgs::Stop::Ftol => "ftol",
        lbfgs::Stop::Delta => "delta",
        lbfgs::Stop::MaxIter => "max_iter",
        lbfgs::Stop::LineSearch => "line search",
    }
}

/// Trains a linear-chain CRF on tokenised, tagged sentences (see the module
/// docs for features, objective and optimiser). Reports the objective after every
/// L-BFGS iteration as metric "objective"; a cancel returns
/// [`AlgoError::Cancelled`].
///
/// Errors: invalid parameters; `sentences` and `tags` of different lengths or a
/// sentence whose token and tag counts differ; no tokens; fewer than 2 distinct
/// tags. Empty sentences are allowed (they contribute nothing).
pub fn fit(
    sentences: &[Vec<String>],
    tags: &[Vec<String>],
    params: &CrfParams,
    progress: &mut Progress<'_>,
) -> Result<CrfModel, AlgoError> {
    params.check()?;
    check_data(sentences, tags)?;
    let b = build(sentences, tags)?;
    let opts = params.lbfgs_options();
    let max_iter = params.max_iter;
    let c2 = params.c2;
    let m = lbfgs::minimize(
        vec![0.0; b.feats.n_features()],
        &opts,
        |w, g| {
            Ok(objective_and_gradient(
                &b.feats,
                &b.corpus,
                &b.empirical,
                c2,
                w,
                g,
            ))
        },
        |it| progress.report(it.iter, max_iter, "objective", it.f),
    )?;
    let trans = transition_matrix(&b.feats, &m.x);
    Ok(CrfModel {
        labels: b.labels,
        attr_names: b.attr_names,
        attr_ids: b.attr_ids,
        feats: b.feats,
        weights: m.x,
        trans,
        summary: TrainingSummary {
            iterations: m.iterations,
            evaluations: m.evaluations,
            objective: m.f,
            stop: stop_name(m.stop).to_string(),
        },
    })
}
