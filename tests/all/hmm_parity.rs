//! Parity of `mlwb::seq::hmm` with hmmlearn 0.3.3, and the located error
//! messages of `mlwb::seq::hmm_io` on the files under tests/fixtures/hmm/.
//!
//! The reference figures are in tests/reference/hmm_reference.json, written by
//! tests/reference/make_hmm_reference.py (versions pinned in
//! tests/reference/requirements-hmm.txt), so this test needs no Python.
//! Tolerances: Viterbi paths identical; log-likelihoods, Viterbi
//! log-probabilities and Baum–Welch histories equal to 1e-6 relative;
//! posteriors and fitted parameters to 1e-6 absolute.
//!
//! `speed_vs_hmmlearn` (ignored) is the Rust half of
//! benches/compare_hmmlearn.py.

use std::path::{Path, PathBuf};

use mlwb::algos::Progress;
use mlwb::seq::hmm::{fit_supervised, Hmm};
use mlwb::seq::hmm_io::{
    load_model, load_observations, model_to_json, parse_model, parse_observations, IoError, Names,
};
use ndarray::{Array1, Array2};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    cases: Vec<Case>,
}

#[derive(Deserialize, Clone)]
struct Model {
    startprob: Vec<f64>,
    transmat: Vec<Vec<f64>>,
    emissionprob: Vec<Vec<f64>>,
}

#[derive(Deserialize)]
struct Vit {
    path: Vec<usize>,
    log_prob: f64,
}

#[derive(Deserialize)]
struct Post {
    sequence: usize,
    steps: Vec<usize>,
    posteriors: Vec<Vec<f64>>,
}

#[derive(Deserialize)]
struct BwRun {
    history: Vec<f64>,
    iterations: usize,
    #[serde(rename = "final")]
    final_model: Model,
}

#[derive(Deserialize)]
struct Bw {
    init: Model,
    n_iter: usize,
    tol: f64,
    log: BwRun,
    scaling: BwRun,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    model: Model,
    sequences: Vec<Vec<usize>>,
    viterbi: Vec<Vit>,
    log_likelihood: f64,
    log_likelihood_scaling: Option<f64>,
    log_likelihood_per_sequence: Vec<f64>,
    posteriors: Vec<Post>,
    baum_welch: Option<Bw>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn reference() -> Reference {
    let text = std::fs::read_to_string(root().join("tests/reference/hmm_reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn matrix(rows: &[Vec<f64>]) -> Array2<f64> {
    let (r, c) = (rows.len(), rows[0].len());
    Array2::from_shape_vec((r, c), rows.iter().flatten().copied().collect()).unwrap()
}

fn hmm(m: &Model) -> Hmm {
    Hmm::new(
        Array1::from(m.startprob.clone()),
        matrix(&m.transmat),
        matrix(&m.emissionprob),
    )
    .unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / a.abs().max(b.abs())
    }
}

fn max_abs_model(h: &Hmm, m: &Model) -> f64 {
    let r = hmm(m);
    h.startprob
        .iter()
        .zip(&r.startprob)
        .chain(h.transmat.iter().zip(&r.transmat))
        .chain(h.emissionprob.iter().zip(&r.emissionprob))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

#[test]
fn viterbi_matches_hmmlearn() {
    let mut worst = 0.0f64;
    for case in reference().cases {
        let h = hmm(&case.model);
        for (k, (seq, v)) in case.sequences.iter().zip(&case.viterbi).enumerate() {
            let (path, lp) = h.viterbi(seq).unwrap();
            assert_eq!(path, v.path, "{} sequence {k}: Viterbi path", case.name);
            assert!(
                rel(lp, v.log_prob) <= 1e-6,
                "{} {k}: {lp} vs {}",
                case.name,
                v.log_prob
            );
            worst = worst.max(rel(lp, v.log_prob));
            let t = h.viterbi_trellis(seq).unwrap();
            assert_eq!(t.path, v.path, "{} sequence {k}: trellis path", case.name);
            assert_eq!(t.log_prob, lp);
            assert_eq!(t.delta.dim(), (seq.len(), h.n_states()));
        }
    }
    println!("viterbi: paths identical, max relative log-prob difference {worst:.3e}");
}

#[test]
fn log_likelihood_matches_hmmlearn() {
    let mut worst = 0.0f64;
    for case in reference().cases {
        let h = hmm(&case.model);
        let ll = h.log_likelihood(&case.sequences).unwrap();
        assert!(
            rel(ll, case.log_likelihood) <= 1e-6,
            "{}: {ll} vs {}",
            case.name,
            case.log_likelihood
        );
        worst = worst.max(rel(ll, case.log_likelihood));
        if let Some(s) = case.log_likelihood_scaling {
            assert!(rel(ll, s) <= 1e-6);
        }
        for (seq, &r) in case.sequences.iter().zip(&case.log_likelihood_per_sequence) {
            let one = h.log_likelihood(std::slice::from_ref(seq)).unwrap();
            assert!(rel(one, r) <= 1e-6, "{}: {one} vs {r}", case.name);
            let f = h.forward(seq).unwrap();
            assert!(rel(f.log_likelihood, r) <= 1e-6);
            let ft = h.forward_trellis(seq).unwrap();
            assert!(rel(ft.log_likelihood, r) <= 1e-6);
            worst = worst.max(rel(one, r)).max(rel(ft.log_likelihood, r));
        }
    }
    println!("log-likelihood: max relative difference {worst:.3e}");
}

#[test]
fn posteriors_match_hmmlearn() {
    let mut worst = 0.0f64;
    for case in reference().cases {
        let h = hmm(&case.model);
        for p in &case.posteriors {
            let seq = &case.sequences[p.sequence];
            let ours = h.posteriors(seq).unwrap();
            let f = h.forward(seq).unwrap();
            let b = h.backward(seq, &f).unwrap();
            let ab = &f.alpha * &b;
            for (&t, row) in p.steps.iter().zip(&p.posteriors) {
                for (i, &r) in row.iter().enumerate() {
                    let d = (ours[[t, i]] - r).abs();
                    assert!(
                        d <= 1e-6,
                        "{} step {t} state {i}: {} vs {r}",
                        case.name,
                        ours[[t, i]]
                    );
                    assert!((ab[[t, i]] - r).abs() <= 1e-6);
                    worst = worst.max(d);
                }
            }
            // Posterior decoding = argmax of the posteriors.
            let pd = h.posterior_decode(seq).unwrap();
            for (t, &z) in pd.iter().enumerate() {
                let row = ours.row(t);
                assert!(row.iter().all(|&x| x <= row[z]));
            }
        }
    }
    println!("posteriors: max absolute difference {worst:.3e}");
}

#[test]
fn baum_welch_matches_hmmlearn() {
    let mut worst_hist = 0.0f64;
    let mut worst_param = 0.0f64;
    let mut n_cases = 0;
    for case in reference().cases {
        let Some(bw) = &case.baum_welch else { continue };
        n_cases += 1;
        let init = hmm(&bw.init);
        let mut reported = Vec::new();
        let mut sink = |s: mlwb::algos::Step| {
            assert_eq!(s.metric, "log-likelihood");
            assert_eq!(s.total, bw.n_iter);
            reported.push((s.iter, s.value));
            true
        };
        let (fitted, hist) = init
            .baum_welch(
                &case.sequences,
                bw.n_iter,
                bw.tol,
                &mut Progress::new(&mut sink),
            )
            .unwrap();
        for run in [&bw.log, &bw.scaling] {
            assert_eq!(hist.len(), run.history.len(), "{}: iterations", case.name);
            assert_eq!(hist.len(), run.iterations);
            for (a, b) in hist.iter().zip(&run.history) {
                assert!(rel(*a, *b) <= 1e-6, "{}: history {a} vs {b}", case.name);
                worst_hist = worst_hist.max(rel(*a, *b));
            }
            let d = max_abs_model(&fitted, &run.final_model);
            assert!(d <= 1e-6, "{}: final parameters differ by {d}", case.name);
            worst_param = worst_param.max(d);
        }
        let expected: Vec<(usize, f64)> =
            hist.iter().enumerate().map(|(i, &v)| (i + 1, v)).collect();
        assert_eq!(reported, expected);
    }
    assert!(n_cases >= 4);
    println!(
        "baum-welch: {n_cases} runs, max relative history difference {worst_hist:.3e}, max absolute parameter difference {worst_param:.3e}"
    );
}

/// Casino rolls from datasets/casino.csv via the observation reader and the
/// model file reader give the reference sequence and model.
#[test]
fn casino_files_read_as_in_the_reference() {
    let r = reference();
    let case = r.cases.iter().find(|c| c.name == "casino").unwrap();
    let (h, names) = load_model(&root().join("datasets/casino_model.json")).unwrap();
    assert_eq!(h, hmm(&case.model));
    let seqs = load_observations(
        &root().join("datasets/casino.csv"),
        Some(h.n_symbols()),
        &names,
    )
    .unwrap();
    assert_eq!(seqs, case.sequences);
    // fit's output reads back to the same model.
    let (back, names2) = parse_model(&model_to_json(&h, &names), "out.json").unwrap();
    assert_eq!(back, h);
    assert_eq!(names2, names);
    // Supervised fit on the labelled rolls recovers the switching rates roughly.
    let text = std::fs::read_to_string(root().join("datasets/casino.csv")).unwrap();
    let states: Vec<usize> = text
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| usize::from(l.ends_with("loaded")))
        .collect();
    let fit = fit_supervised(&seqs, &[states], 2, 6, 1.0).unwrap();
    assert!((fit.emissionprob[[1, 5]] - 0.5).abs() < 0.1);
}

// ---------------------------------------------------------------------------
// Bad (and good) files
// ---------------------------------------------------------------------------

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/hmm").join(name)
}

fn model_error(name: &str) -> IoError {
    match load_model(&fixture(name)) {
        Ok(_) => panic!("{name} should be refused"),
        Err(e) => e,
    }
}

fn obs_error(name: &str, n_symbols: Option<usize>, names: &Names) -> IoError {
    match load_observations(&fixture(name), n_symbols, names) {
        Ok(s) => panic!("{name} should be refused, read {s:?}"),
        Err(e) => e,
    }
}

/// (line, column, message), and the file name leads the Display form.
fn check(e: &IoError, name: &str, line: usize, column: usize, message: &str) {
    assert_eq!(
        (e.line, e.column, e.message.as_str()),
        (Some(line), Some(column), message),
        "{name}"
    );
    let shown = e.to_string();
    assert!(
        shown.ends_with(&format!("{name}:{line}:{column}: {message}")),
        "{shown}"
    );
}

#[test]
fn bad_model_files_give_located_messages() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("model_empty.json", 1, 1, "empty file (expected a JSON or YAML model with startprob, transmat and emissionprob)"),
        ("model_syntax.json", 3, 3, "invalid JSON: expected `,` or `}`"),
        ("model_syntax.yaml", 4, 2, "invalid YAML: did not find expected key"),
        ("model_rowsum.json", 7, 5, "transmat row 2 sums to 0.97, expected 1 (within 1e-6)"),
        ("model_startprob_sum.yaml", 2, 12, "startprob sums to 0.9, expected 1 (within 1e-6)"),
        ("model_shape_transmat.json", 3, 15, "transmat has 2 rows, expected 3 (one per state: startprob has 3 entries)"),
        ("model_shape_transmat_row.yaml", 4, 5, "transmat row 1 has 3 entries, expected 2 (one per state)"),
        ("model_shape_emission.json", 6, 5, "emissionprob row 1 has 2 entries, expected 3 (one per symbol, as in row 0)"),
        ("model_symbols_count.yaml", 1, 10, "symbols has 3 names, expected 2 (one per symbol: emissionprob rows have 2 entries)"),
        ("model_states_count.json", 2, 13, "states has 3 names, expected 2 (one per state: startprob has 2 entries)"),
        ("model_negative.yaml", 5, 6, "emissionprob row 1, entry 0: 1.1 is not a probability (expected a number from 0 to 1)"),
        ("model_not_number.json", 2, 22, "startprob, entry 1: expected a number, found the text \"0.5\""),
        ("model_missing_key.yaml", 1, 1, "missing key `emissionprob` (expected an N x M matrix: row i = probabilities of each symbol in state i)"),
        ("model_unknown_key.json", 3, 16, "unknown key `transmats` (expected startprob, transmat, emissionprob, states or symbols)"),
        ("model_duplicate_key.json", 5, 16, "duplicate key `startprob`"),
        ("model_duplicate_state.json", 2, 22, "states entry 1: the name \"fair\" is already used by entry 0"),
        ("model_not_mapping.yaml", 1, 1, "expected a mapping with keys startprob, transmat and emissionprob, found a list"),
    ];
    for (name, line, column, message) in cases {
        check(&model_error(name), name, *line, *column, message);
    }
    let e = load_model(&fixture("no_such_model.json")).unwrap_err();
    assert!(
        e.to_string().contains("no_such_model.json: cannot read"),
        "{e}"
    );
}

#[test]
fn bad_observation_files_give_located_messages() {
    let (_, casino) = load_model(&root().join("datasets/casino_model.json")).unwrap();
    let (coin_model, coin) = load_model(&fixture("coin.yaml")).unwrap();
    assert_eq!(coin_model.n_symbols(), 2);
    let plain = Names::default();
    let cases: &[(&str, &Names, usize, usize, &str)] = &[
        ("obs_empty.txt", &plain, 1, 1, "empty file (expected observations: symbols one per line, or a sequence per line separated by commas)"),
        ("obs_only_comment.txt", &plain, 1, 1, "empty file (expected observations: symbols one per line, or a sequence per line separated by commas)"),
        ("obs_out_of_range.txt", &plain, 4, 1, "symbol 7 is out of range (the model has 6 symbols: 0..=5)"),
        ("obs_not_a_symbol.txt", &plain, 5, 1, "expected a symbol index (a whole number 0..=5), found \"x\""),
        ("obs_unknown_name.csv", &casino, 3, 1, "unknown symbol \"7\" (expected one of the model's symbols: 1, 2, 3, 4, 5, 6)"),
        ("obs_mixed.txt", &plain, 3, 3, "2 symbols on one line, expected one per line as on line 1 (a file with a whole sequence per line must start with such a line)"),
        ("obs_header_only.csv", &plain, 2, 1, "no observations after the header line (expected one row per observation)"),
        ("obs_seq_not_contiguous.csv", &plain, 5, 1, "sequence \"a\" started on line 2 and reappears here after other sequences (expected the rows of a sequence together)"),
        ("obs_field_count.csv", &plain, 3, 5, "3 fields, expected 2 as in the header (seq,obs)"),
        ("obs_empty_field.txt", &plain, 1, 5, "empty field (expected a symbol)"),
    ];
    for (name, names, line, column, message) in cases {
        check(
            &obs_error(name, Some(6), names),
            name,
            *line,
            *column,
            message,
        );
    }
    check(
        &obs_error("obs_coin_unknown.txt", Some(2), &coin),
        "obs_coin_unknown.txt",
        3,
        1,
        "unknown symbol \"X\" (expected one of the model's symbols: H, T; or an index 0..=1)",
    );
}

#[test]
fn good_observation_files() {
    let plain = Names::default();
    let read =
        |name: &str, names: &Names| load_observations(&fixture(name), Some(6), names).unwrap();
    assert_eq!(
        read("obs_one_per_line.txt", &plain),
        vec![vec![0, 1, 1], vec![2, 0]]
    );
    assert_eq!(
        read("obs_per_line.txt", &plain),
        vec![vec![0, 1, 2, 1], vec![3, 4, 0], vec![5]]
    );
    assert_eq!(read("obs_seq.csv", &plain), vec![vec![0, 1], vec![2, 2, 0]]);
    let (_, coin) = load_model(&fixture("coin.yaml")).unwrap();
    assert_eq!(
        load_observations(&fixture("obs_coin.txt"), Some(2), &coin).unwrap(),
        vec![vec![0, 1, 1], vec![1]]
    );
    // A single comma-separated line, and the casino's names in a plain list.
    let (_, casino) = load_model(&root().join("datasets/casino_model.json")).unwrap();
    assert_eq!(
        parse_observations("6,6,1\n", "x.txt", Some(6), &casino).unwrap(),
        vec![vec![5, 5, 0]]
    );
    assert_eq!(
        parse_observations("\u{feff}obs\r\n3\r\n4\r\n", "x.csv", None, &plain).unwrap(),
        vec![vec![3, 4]]
    );
}

// ---------------------------------------------------------------------------
// Speed against hmmlearn (the Rust half of benches/compare_hmmlearn.py)
// ---------------------------------------------------------------------------

#[derive(Deserialize)]
struct BenchData {
    model: Model,
    bw_init: Model,
    viterbi_seq: Vec<usize>,
    bw_seqs: Vec<Vec<usize>>,
    n_iter: usize,
    repeats: usize,
}

fn best_of<T>(repeats: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..repeats.max(1) {
        let t = std::time::Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.unwrap())
}

/// Reads the data file named by `HMM_BENCH_DATA` (written by
/// benches/compare_hmmlearn.py) and prints one `HMM_BENCH {json}` line with
/// the best wall times and the results, for the script to compare.
/// Run: `cargo test --release --test all hmm_parity::speed_vs_hmmlearn -- --ignored --nocapture`.
#[test]
#[ignore]
fn speed_vs_hmmlearn() {
    let Ok(path) = std::env::var("HMM_BENCH_DATA") else {
        println!("HMM_BENCH_DATA not set; run benches/compare_hmmlearn.py");
        return;
    };
    let d: BenchData =
        serde_json::from_str(&std::fs::read_to_string(Path::new(&path)).unwrap()).unwrap();
    let h = hmm(&d.model);
    let init = hmm(&d.bw_init);
    let (t_vit, (path, lp)) = best_of(d.repeats, || h.viterbi(&d.viterbi_seq).unwrap());
    let (t_ll, ll) = best_of(d.repeats, || {
        h.log_likelihood(std::slice::from_ref(&d.viterbi_seq))
            .unwrap()
    });
    let (t_bw, (_, hist)) = best_of(d.repeats, || {
        init.baum_welch(
            &d.bw_seqs,
            d.n_iter,
            f64::NEG_INFINITY,
            &mut Progress::none(),
        )
        .unwrap()
    });
    let out = serde_json::json!({
        "viterbi_s": t_vit,
        "score_s": t_ll,
        "baum_welch_s": t_bw,
        "viterbi_log_prob": lp,
        "viterbi_path_sum": path.iter().sum::<usize>(),
        "viterbi_path_head": &path[..20.min(path.len())],
        "log_likelihood": ll,
        "history": hist,
    });
    println!("HMM_BENCH {out}");
}
