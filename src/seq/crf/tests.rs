use super::features::{
    build, is_digit, is_title, is_upper, state_feature, transition_matrix, Built, FeatureIndex,
    NO_FEATURE,
};
use super::lattice::{log_sum_exp, Lattice};
use super::train::objective_and_gradient;
use super::*;
use crate::algos::core::{Progress, Step};
use rand::Rng as _;

fn s(words: &str) -> Vec<String> {
    words.split_whitespace().map(String::from).collect()
}

fn toy() -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let sents = vec![
        s("John lives in Paris"),
        s("Mary visited London"),
        s("Paris is big"),
        s("John and Mary"),
        s("He went to London today"),
    ];
    let tags = vec![
        s("B-PER O O B-LOC"),
        s("B-PER O B-LOC"),
        s("B-LOC O O"),
        s("B-PER O B-PER"),
        s("O O O B-LOC O"),
    ];
    (sents, tags)
}

fn fit_default(sents: &[Vec<String>], tags: &[Vec<String>]) -> CrfModel {
    fit(sents, tags, &CrfParams::default(), &mut Progress::none()).unwrap()
}

// ---- parameters ---------------------------------------------------------

#[test]
fn defaults_are_crfsuites() {
    let p = CrfParams::default();
    assert_eq!(
        (p.c2, p.max_iter, p.memory, p.epsilon, p.period, p.delta),
        (1.0, 100, 6, 1e-5, 10, 1e-5)
    );
    assert!(p.check().is_ok());
}

#[test]
fn invalid_params_are_named() {
    let name = |p: CrfParams| match p.check() {
        Err(AlgoError::InvalidParam { name, .. }) => name,
        other => panic!("{other:?}"),
    };
    let d = CrfParams::default;
    assert_eq!(name(CrfParams { c2: -1.0, ..d() }), "c2");
    assert_eq!(
        name(CrfParams {
            c2: f64::NAN,
            ..d()
        }),
        "c2"
    );
    assert_eq!(name(CrfParams { max_iter: 0, ..d() }), "max_iter");
    assert_eq!(name(CrfParams { memory: 0, ..d() }), "memory");
    assert_eq!(
        name(CrfParams {
            epsilon: -1.0,
            ..d()
        }),
        "epsilon"
    );
    assert_eq!(name(CrfParams { delta: -1.0, ..d() }), "delta");
    let (x, y) = toy();
    let r = fit(
        &x,
        &y,
        &CrfParams { c2: -1.0, ..d() },
        &mut Progress::none(),
    );
    assert!(matches!(r, Err(AlgoError::InvalidParam { .. })));
}

#[test]
fn bad_data_is_an_error() {
    let (x, y) = toy();
    let none = &mut Progress::none();
    let p = CrfParams::default();
    assert!(matches!(
        fit(&x[..2], &y, &p, none),
        Err(AlgoError::BadData(_))
    ));
    let mut y2 = y.clone();
    y2[1].pop();
    match fit(&x, &y2, &p, none) {
        Err(AlgoError::BadData(m)) => assert!(m.contains("sentence 1"), "{m}"),
        other => panic!("{other:?}"),
    }
    let one = vec![s("O O O"), s("O")];
    assert!(matches!(
        fit(&[s("a b c"), s("d")], &one, &p, none),
        Err(AlgoError::BadData(_))
    ));
    assert!(matches!(
        fit(&[], &[], &p, none),
        Err(AlgoError::BadData(_))
    ));
    assert!(matches!(
        fit(&[vec![]], &[vec![]], &p, none),
        Err(AlgoError::BadData(_))
    ));
}

// ---- features -------------------------------------------------------------

#[test]
fn templates_of_a_token() {
    let sent = s("In New-York 1999");
    assert_eq!(
        token_attributes(&sent, 1),
        vec![
            "bias",
            "word=New-York",
            "lower=new-york",
            "prefix1=N",
            "prefix2=Ne",
            "prefix3=New",
            "suffix1=k",
            "suffix2=rk",
            "suffix3=ork",
            "shape=Xxx-Xxxx",
            "has_hyphen",
            "-1:word=In",
            "-1:lower=in",
            "-1:is_title",
            "+1:word=1999",
            "+1:lower=1999",
        ]
    );
    let a0 = token_attributes(&sent, 0);
    assert!(a0.contains(&"BOS".to_string()) && a0.contains(&"is_title".to_string()));
    let a2 = token_attributes(&sent, 2);
    assert!(a2.contains(&"EOS".to_string()) && a2.contains(&"is_digit".to_string()));
    assert!(!a2.iter().any(|a| a == "is_title" || a == "is_upper"));
    assert!(token_attributes(&sent, 3).is_empty());
    // Short words: no prefix/suffix longer than the word.
    let a = token_attributes(&s("a"), 0);
    assert!(a.contains(&"prefix1=a".to_string()) && !a.iter().any(|x| x.starts_with("prefix2")));
    assert!(a.contains(&"BOS".to_string()) && a.contains(&"EOS".to_string()));
}

#[test]
fn shapes_and_flags() {
    assert_eq!(word_shape("Washington"), "Xxxxx");
    assert_eq!(word_shape("1999"), "dddd");
    assert_eq!(word_shape("123456"), "dddd");
    assert_eq!(word_shape("U.S."), "X.X.");
    assert_eq!(word_shape("5-year"), "d-xxxx");
    assert_eq!(word_shape("straße"), "xxxx");
    assert_eq!(word_shape("NASA"), "XXXX");
    assert!(is_title("Paris") && is_title("A") && !is_title("NASA") && !is_title("paris"));
    assert!(is_title("Ökonom") && !is_title("McDonald"));
    assert!(is_upper("NASA") && is_upper("U.S.") && is_upper("A") && !is_upper("1999"));
    assert!(!is_upper("NaSA"));
    assert!(is_digit("2024") && !is_digit("") && !is_digit("1.5") && !is_digit("٣"));
}

#[test]
fn feature_index_only_holds_observed_pairs() {
    let (x, y) = toy();
    let b = build(&x, &y).unwrap();
    assert_eq!(b.labels, vec!["B-PER", "O", "B-LOC"]);
    // "bias" occurs with all three labels; "word=Paris" only with B-LOC.
    let bias = b.attr_ids["bias"] as usize;
    let paris = b.attr_ids["word=Paris"] as usize;
    let l =
        |f: &FeatureIndex, a: usize| f.state_label[f.attr_start[a]..f.attr_start[a + 1]].to_vec();
    assert_eq!(l(&b.feats, bias), vec![0, 1, 2]);
    assert_eq!(l(&b.feats, paris), vec![2]);
    // Transitions seen: PER->O, O->O, O->LOC, LOC->O, O->PER, ... but never LOC->PER.
    let t = |i: usize, j: usize| b.feats.trans_id[i * 3 + j] != NO_FEATURE;
    assert!(t(0, 1) && t(1, 1) && t(1, 2) && t(2, 1) && t(1, 0));
    assert!(!t(2, 0) && !t(0, 0) && !t(0, 2) && !t(2, 2));
    // Empirical counts: "bias" with O = number of O tokens.
    let n_o = y.iter().flatten().filter(|t| *t == "O").count() as f64;
    let f = state_feature(&b.feats, bias, 1).unwrap();
    assert_eq!(b.empirical[f], n_o);
    let total_tokens: usize = x.iter().map(Vec::len).sum();
    let bias_total: f64 = (0..3)
        .map(|y| b.empirical[state_feature(&b.feats, bias, y).unwrap()])
        .sum();
    assert_eq!(bias_total, total_tokens as f64);
}

// ---- inference against brute force -------------------------------------

/// A random model over `l` labels and the attributes of `sents`.
fn random_model(sents: &[Vec<String>], tags: &[Vec<String>], seed: u64) -> (Built, Vec<f64>) {
    let b = build(sents, tags).unwrap();
    let mut r = crate::algos::core::rng(seed);
    let w = (0..b.feats.n_features())
        .map(|_| r.gen_range(-1.5..1.5))
        .collect();
    (b, w)
}

/// All label sequences of length n over l labels.
fn all_paths(n: usize, l: usize) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    for _ in 0..n {
        out = out
            .into_iter()
            .flat_map(|p| {
                (0..l).map(move |y| {
                    let mut q = p.clone();
                    q.push(y);
                    q
                })
            })
            .collect();
    }
    out
}

fn path_score(e: &[f64], trans: &[f64], l: usize, path: &[usize]) -> f64 {
    let mut sc = 0.0;
    for (t, &y) in path.iter().enumerate() {
        sc += e[t * l + y];
        if t > 0 {
            sc += trans[path[t - 1] * l + y];
        }
    }
    sc
}

fn model_from(b: Built, w: Vec<f64>) -> CrfModel {
    let trans = transition_matrix(&b.feats, &w);
    CrfModel {
        labels: b.labels,
        attr_names: b.attr_names,
        attr_ids: b.attr_ids,
        feats: b.feats,
        weights: w,
        trans,
        summary: TrainingSummary {
            iterations: 0,
            evaluations: 0,
            objective: 0.0,
            stop: String::new(),
        },
    }
}

#[test]
fn log_z_marginals_and_viterbi_match_brute_force() {
    let (x, y) = toy();
    for seed in 0..4 {
        let (b, w) = random_model(&x, &y, seed);
        let model = model_from(b, w);
        let l = model.labels.len();
        for sent in x.iter().chain([&s("Unknown words here"), &s("Paris")]) {
            let n = sent.len();
            let e = model.emissions_of(sent);
            let paths = all_paths(n, l);
            let scores: Vec<f64> = paths
                .iter()
                .map(|p| path_score(&e, &model.trans, l, p))
                .collect();
            let log_z = log_sum_exp(scores.iter().copied());
            // log Z and marginals through both passes of the lattice.
            let mut lat = Lattice::new(l, n, model.trans.clone());
            lat.emit = e.clone();
            let scaled = lat.scaled_pass(n).unwrap();
            assert!((scaled - log_z).abs() < 1e-10, "{scaled} vs {log_z}");
            lat.scaled = true;
            let mut m_scaled = vec![0.0; n * l];
            for t in 0..n {
                lat.marginals_at(t, log_z, &mut m_scaled[t * l..(t + 1) * l]);
            }
            assert!((lat.log_pass(n) - log_z).abs() < 1e-10);
            lat.scaled = false;
            for t in 0..n {
                let mut row = vec![0.0; l];
                lat.marginals_at(t, log_z, &mut row);
                for (a, b) in row.iter().zip(&m_scaled[t * l..(t + 1) * l]) {
                    assert!((a - b).abs() < 1e-12);
                }
            }
            // Pair marginals: both passes against brute force.
            for t in 1..n {
                let pairs: Vec<(u16, u16)> = (0..l)
                    .flat_map(|i| (0..l).map(move |j| (i as u16, j as u16)))
                    .collect();
                let want: Vec<f64> = pairs
                    .iter()
                    .map(|&(i, j)| {
                        paths
                            .iter()
                            .zip(&scores)
                            .filter(|(p, _)| p[t - 1] == i as usize && p[t] == j as usize)
                            .map(|(_, sc)| (sc - log_z).exp())
                            .sum::<f64>()
                    })
                    .collect();
                for scaled in [false, true] {
                    if scaled {
                        lat.scaled_pass(n).unwrap();
                    } else {
                        lat.log_pass(n);
                    }
                    lat.scaled = scaled;
                    let mut g = vec![0.0; pairs.len()];
                    let mut v = vec![0.0; l];
                    lat.add_pair_marginals(t, log_z, &pairs, &mut v, &mut g);
                    for (a, b) in g.iter().zip(&want) {
                        assert!((a - b).abs() < 1e-10, "t={t} scaled={scaled}");
                    }
                }
            }
            // marginals
            let marg = model.marginals(sent);
            for t in 0..n {
                for (yv, &got) in marg[t].iter().enumerate() {
                    let p: f64 = paths
                        .iter()
                        .zip(&scores)
                        .filter(|(p, _)| p[t] == yv)
                        .map(|(_, sc)| (sc - log_z).exp())
                        .sum();
                    assert!((got - p).abs() < 1e-10, "{t} {yv}");
                }
                assert!((marg[t].iter().sum::<f64>() - 1.0).abs() < 1e-12);
            }
            // Viterbi
            let best = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let pred = model.predict_ids(sent);
            assert!((path_score(&e, &model.trans, l, &pred) - best).abs() < 1e-10);
        }
    }
}

#[test]
fn gradient_matches_finite_differences() {
    let (x, y) = toy();
    let (b, w) = random_model(&x, &y, 7);
    let c2 = 0.3;
    let d = b.feats.n_features();
    let mut g = vec![0.0; d];
    objective_and_gradient(&b.feats, &b.corpus, &b.empirical, c2, &w, &mut g);
    let mut scratch = vec![0.0; d];
    let h = 1e-6;
    for i in 0..d {
        let mut wp = w.clone();
        wp[i] += h;
        let fp = objective_and_gradient(&b.feats, &b.corpus, &b.empirical, c2, &wp, &mut scratch);
        wp[i] -= 2.0 * h;
        let fm = objective_and_gradient(&b.feats, &b.corpus, &b.empirical, c2, &wp, &mut scratch);
        let fd = (fp - fm) / (2.0 * h);
        assert!(
            (fd - g[i]).abs() <= 1e-6 * (1.0 + g[i].abs()),
            "feature {i}: analytic {} vs finite difference {fd}",
            g[i]
        );
    }
}

#[test]
fn objective_at_zero_is_n_log_labels_and_model_objective_agrees() {
    let (x, y) = toy();
    let b = build(&x, &y).unwrap();
    let d = b.feats.n_features();
    let mut g = vec![0.0; d];
    let f0 = objective_and_gradient(
        &b.feats,
        &b.corpus,
        &b.empirical,
        1.0,
        &vec![0.0; d],
        &mut g,
    );
    let tokens: usize = x.iter().map(Vec::len).sum();
    assert!((f0 - tokens as f64 * 3f64.ln()).abs() < 1e-10);
    let m = fit_default(&x, &y);
    let f = m.objective(&x, &y, 1.0).unwrap();
    assert!(
        (f - m.training().objective).abs() < 1e-9 * f,
        "{f} {:?}",
        m.training()
    );
    assert!(f < f0);
    assert!(m.objective(&x, &[s("B-PER X O B-LOC")], 1.0).is_err());
}

#[test]
fn stable_for_huge_weights() {
    let (x, y) = toy();
    let (b, mut w) = random_model(&x, &y, 3);
    for v in w.iter_mut() {
        *v *= 2000.0;
    }
    let model = model_from(b, w);
    // Weights this large defeat the scaled pass: the log pass takes over.
    let l = model.labels.len();
    let fallbacks = x
        .iter()
        .filter(|sent| {
            let mut lat = Lattice::new(l, sent.len(), model.trans.clone());
            lat.emit = model.emissions_of(sent);
            lat.scaled_pass(sent.len()).is_none()
        })
        .count();
    assert!(fallbacks > 0);
    for sent in &x {
        let marg = model.marginals(sent);
        for row in &marg {
            assert!(row.iter().all(|p| p.is_finite()));
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{row:?}");
        }
        assert_eq!(model.predict(sent).len(), sent.len());
    }
    let f = model.objective(&x, &y, 1.0).unwrap();
    assert!(f.is_finite());
}

// ---- training -------------------------------------------------------------

#[test]
fn learns_the_toy_data_and_reports_progress() {
    let (x, y) = toy();
    let mut steps = Vec::new();
    let mut sink = |st: Step| {
        steps.push(st);
        true
    };
    let params = CrfParams {
        c2: 0.01,
        ..CrfParams::default()
    };
    let m = fit(&x, &y, &params, &mut Progress::new(&mut sink)).unwrap();
    for (sent, tag) in x.iter().zip(&y) {
        assert_eq!(&m.predict(sent), tag);
    }
    assert_eq!(m.predict(&s("Mary lives in London")), s("B-PER O O B-LOC"));
    assert!(m.predict(&[]).is_empty());
    assert_eq!(steps.len(), m.training().iterations);
    for (i, st) in steps.iter().enumerate() {
        assert_eq!((st.iter, st.total, st.metric), (i + 1, 100, "objective"));
    }
    assert!(steps.windows(2).all(|w| w[1].value <= w[0].value));
    assert_eq!(steps.last().map(|s| s.value), Some(m.training().objective));
    // What it learned: LOC -> PER never seen, so not a feature.
    assert_eq!(m.transition("B-LOC", "B-PER"), Some(0.0));
    assert_eq!(m.transition("B-LOC", "nope"), None);
    let top = m.top_transitions(100);
    assert_eq!(top.len(), m.n_transition_features());
    assert!(top
        .windows(2)
        .all(|w| w[0].weight.abs() >= w[1].weight.abs()));
    let st = m.top_state_features(5);
    assert_eq!(st.len(), 5);
    assert!(st
        .windows(2)
        .all(|w| w[0].weight.abs() >= w[1].weight.abs()));
    for f in &st {
        // Each reported weight is really the weight of that (attribute, label).
        let a = m.attr_ids[&f.attribute] as usize;
        let yl = m.labels.iter().position(|l| *l == f.label).unwrap() as u16;
        assert_eq!(m.weights[state_feature(&m.feats, a, yl).unwrap()], f.weight);
    }
    assert_eq!(
        m.n_features(),
        m.n_state_features() + m.n_transition_features()
    );
}

#[test]
fn cancel_stops_the_fit() {
    let (x, y) = toy();
    let mut calls = 0;
    let mut sink = |_s: Step| {
        calls += 1;
        calls < 2
    };
    let r = fit(&x, &y, &CrfParams::default(), &mut Progress::new(&mut sink));
    assert_eq!(r, Err(AlgoError::Cancelled));
    assert_eq!(calls, 2);
}

#[test]
fn deterministic() {
    let (x, y) = toy();
    assert_eq!(fit_default(&x, &y), fit_default(&x, &y));
}

#[test]
fn from_weights_round_trips_a_model() {
    let (x, y) = toy();
    let m = fit_default(&x, &y);
    let n_state = m.feats.n_state();
    let mut state = Vec::new();
    for a in 0..m.attr_names.len() {
        for f in m.feats.attr_start[a]..m.feats.attr_start[a + 1] {
            let lab = m.labels[m.feats.state_label[f] as usize].clone();
            state.push((m.attr_names[a].clone(), lab, m.weights[f]));
        }
    }
    let trans: Vec<_> = m
        .feats
        .trans_pairs
        .iter()
        .enumerate()
        .map(|(k, &(i, j))| {
            (
                m.labels[i as usize].clone(),
                m.labels[j as usize].clone(),
                m.weights[n_state + k],
            )
        })
        .collect();
    let m2 = CrfModel::from_weights(m.labels.clone(), &state, &trans).unwrap();
    assert_eq!(m2.n_features(), m.n_features());
    for sent in &x {
        assert_eq!(m2.predict(sent), m.predict(sent));
    }
    let (f1, f2) = (
        m.objective(&x, &y, 1.0).unwrap(),
        m2.objective(&x, &y, 1.0).unwrap(),
    );
    assert!((f1 - f2).abs() < 1e-9 * f1);
    let bad = CrfModel::from_weights(m.labels.clone(), &[("bias".into(), "X".into(), 1.0)], &[]);
    assert!(matches!(bad, Err(AlgoError::BadData(_))));
    let twice = vec![("O".to_string(), "O".to_string(), 1.0); 2];
    assert!(CrfModel::from_weights(m.labels.clone(), &[], &twice).is_err());
}
