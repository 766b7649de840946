//! Entity-level metrics against seqeval 1.2.2: on every case of
//! tests/reference/seqeval_reference.json (made by
//! tests/reference/make_seqeval_reference.py, versions pinned in
//! requirements-seqeval.txt) our entities equal seqeval's exactly and the
//! report's precision / recall / F1 are within 1e-12 of seqeval's, in the
//! default mode and in strict IOB2 / IOB1 / IOBES / BILOU mode; where seqeval
//! raises (a tag the strict scheme does not allow) we return an error naming
//! the same tag.

use mlwb::metrics::seqeval::{
    entity_report, get_entities, get_entities_joined, get_entities_strict, tag_confusion,
    EntityReport, Mode, SeqevalError,
};
use mlwb::seq::conll::Scheme;
use serde_json::Value;

const TOL: f64 = 1e-12;

fn reference() -> Value {
    serde_json::from_str(include_str!("../reference/seqeval_reference.json"))
        .expect("reference JSON")
}

fn sentences(v: &Value) -> Vec<Vec<String>> {
    v.as_array()
        .expect("sentences")
        .iter()
        .map(|s| {
            s.as_array()
                .expect("tags")
                .iter()
                .map(|t| t.as_str().expect("tag").to_string())
                .collect()
        })
        .collect()
}

fn entity_list(v: &Value) -> Vec<(String, usize, usize)> {
    v.as_array()
        .expect("entities")
        .iter()
        .map(|e| {
            (
                e[0].as_str().expect("type").to_string(),
                e[1].as_u64().expect("start") as usize,
                e[2].as_u64().expect("end") as usize,
            )
        })
        .collect()
}

/// A float of the reference: a string holding Python's repr (exact), or
/// null for seqeval's NaN.
fn float(v: &Value) -> Option<f64> {
    v.as_str().map(|s| s.parse().expect("float text"))
}

fn scheme(name: &str) -> Scheme {
    match name {
        "IOB2" => Scheme::Bio,
        "IOB1" => Scheme::Iob1,
        "IOBES" => Scheme::Bioes,
        "BILOU" => Scheme::Bilou,
        other => panic!("unknown scheme {other}"),
    }
}

/// Figures compared, how many were bit-identical, the largest difference.
#[derive(Default)]
struct Tally {
    n: usize,
    exact: usize,
    max_diff: f64,
}

/// Compares one report with seqeval's `output_dict`. A null (NaN) in
/// seqeval's macro average must be our documented 0.
fn check_report(ours: &EntityReport, theirs: &Value, what: &str, tally: &mut Tally) {
    let obj = theirs.as_object().expect("report");
    let types: Vec<&String> = obj.keys().filter(|k| !k.ends_with(" avg")).collect();
    let mut sorted: Vec<&String> = types.clone();
    sorted.sort();
    let ours_types: Vec<&String> = ours.per_type.iter().map(|m| &m.entity_type).collect();
    assert_eq!(ours_types, sorted, "{what}: types");
    let mut close = |a: f64, b: &Value, field: &str| match float(b) {
        Some(b) => {
            assert!((a - b).abs() <= TOL, "{what} {field}: ours {a} seqeval {b}");
            tally.n += 1;
            tally.exact += usize::from(a.to_bits() == b.to_bits());
            tally.max_diff = tally.max_diff.max((a - b).abs());
        }
        None => assert_eq!(a, 0.0, "{what} {field}: seqeval NaN, ours must be 0"),
    };
    for m in &ours.per_type {
        let r = &obj[&m.entity_type];
        close(
            m.precision,
            &r["precision"],
            &format!("{} precision", m.entity_type),
        );
        close(m.recall, &r["recall"], &format!("{} recall", m.entity_type));
        close(m.f1, &r["f1"], &format!("{} f1", m.entity_type));
        assert_eq!(
            m.support as u64,
            r["support"].as_u64().expect("support"),
            "{what}"
        );
    }
    for (name, avg) in [
        ("micro avg", &ours.micro),
        ("macro avg", &ours.macro_avg),
        ("weighted avg", &ours.weighted_avg),
    ] {
        let r = &obj[name];
        close(avg.precision, &r["precision"], &format!("{name} precision"));
        close(avg.recall, &r["recall"], &format!("{name} recall"));
        close(avg.f1, &r["f1"], &format!("{name} f1"));
        assert_eq!(
            ours.support as u64,
            r["support"].as_u64().expect("support"),
            "{what} {name}"
        );
    }
}

#[test]
fn seqeval_parity_all_cases() {
    let r = reference();
    let cases = r["cases"].as_array().expect("cases");
    assert!(cases.len() >= 300, "only {} cases", cases.len());
    let (mut n_entities, mut n_errors, mut n_strict) = (0, 0, 0);
    let mut tally = Tally::default();
    for (ci, case) in cases.iter().enumerate() {
        let family = case["family"].as_str().expect("family");
        let what = format!("case {ci} ({family})");
        let truth = sentences(&case["true"]);
        let pred = sentences(&case["pred"]);

        // Default mode: entities on the joined sentences, as seqeval.
        let d = &case["default"];
        let et = get_entities_joined(&truth);
        let ep = get_entities_joined(&pred);
        assert_eq!(
            et,
            entity_list(&d["entities_true"]),
            "{what}: true entities"
        );
        assert_eq!(
            ep,
            entity_list(&d["entities_pred"]),
            "{what}: pred entities"
        );
        n_entities += et.len() + ep.len();
        // get_entities on one joined sequence gives the same.
        let flat: Vec<String> = truth
            .iter()
            .flat_map(|s| s.iter().cloned().chain(std::iter::once("O".to_string())))
            .collect();
        assert_eq!(get_entities(&flat), et, "{what}");
        let rep = entity_report(&truth, &pred, Mode::Default).expect("default report");
        check_report(&rep, &d["report"], &format!("{what} default"), &mut tally);
        match float(&d["accuracy"]) {
            Some(a) => assert!((rep.token_accuracy - a).abs() <= TOL, "{what}: accuracy"),
            None => assert_eq!(rep.token_accuracy, 0.0),
        }
        let cm = tag_confusion(&truth, &pred).expect("confusion");
        assert_eq!(cm.total(), rep.n_tokens, "{what}");
        if rep.n_tokens > 0 {
            let acc = cm.correct() as f64 / rep.n_tokens as f64;
            assert_eq!(acc, rep.token_accuracy, "{what}: confusion diagonal");
        }

        // Strict modes.
        for (name, st) in case["strict"].as_object().expect("strict") {
            let sch = scheme(name);
            let what = format!("{what} strict {name}");
            n_strict += 1;
            let ours = entity_report(&truth, &pred, Mode::Strict(sch));
            if st.get("error").is_some() {
                n_errors += 1;
                let Err(SeqevalError::InvalidTag { tag, .. }) = ours else {
                    panic!("{what}: seqeval raised {}, we gave {ours:?}", st["error"]);
                };
                if let Some(bad) = st.get("bad_tag") {
                    assert_eq!(tag, bad.as_str().expect("bad_tag"), "{what}");
                } else {
                    let prefix = st["bad_prefix"].as_str().expect("bad_prefix");
                    assert!(tag.starts_with(prefix), "{what}: {tag} vs {prefix}");
                }
                continue;
            }
            let rep = ours.unwrap_or_else(|e| panic!("{what}: {e}"));
            check_report(&rep, &st["report"], &what, &mut tally);
            for (side, sents) in [("entities_true", &truth), ("entities_pred", &pred)] {
                let want = st[side].as_array().expect("per sentence");
                assert_eq!(want.len(), sents.len(), "{what}");
                for (k, (s, w)) in sents.iter().zip(want).enumerate() {
                    let got = get_entities_strict(s, sch).expect("valid tags");
                    // seqeval's strict entities end exclusively.
                    let want: Vec<_> = entity_list(w)
                        .into_iter()
                        .map(|(t, a, b)| (t, a, b - 1))
                        .collect();
                    assert_eq!(got, want, "{what}: {side} sentence {k}");
                    n_entities += got.len();
                }
            }
        }
    }
    eprintln!(
        "seqeval parity: {} cases, {n_strict} strict runs ({n_errors} seqeval errors matched), \
         {n_entities} entities identical, {} P/R/F1 figures within {TOL:e} ({} bit-identical, \
         largest difference {:e})",
        cases.len(),
        tally.n,
        tally.exact,
        tally.max_diff
    );
    assert!(n_errors > 20 && tally.n > 5000);
}

#[test]
fn bundled_test_file_against_itself_and_a_shifted_copy() {
    // Not a seqeval comparison: a sanity check on real files.
    let c = mlwb::seq::conll::load_bundled("ner_synthetic_test.conll").expect("bundled");
    let truth = c.tag_sequences();
    let rep = entity_report(&truth, &truth, Mode::Strict(Scheme::Bio)).expect("report");
    assert_eq!(rep.micro.f1, 1.0);
    assert_eq!(rep.per_type.len(), 4);
    // Predict every B- as I-: default mode still finds the same entities
    // (I- after O starts one) except where two entities touch; strict IOB2
    // finds none.
    let pred: Vec<Vec<String>> = truth
        .iter()
        .map(|s| s.iter().map(|t| t.replacen("B-", "I-", 1)).collect())
        .collect();
    let d = entity_report(&truth, &pred, Mode::Default).expect("default");
    assert!(d.micro.recall > 0.95, "{}", d.micro.recall);
    let s = entity_report(&truth, &pred, Mode::Strict(Scheme::Bio)).expect("strict");
    assert_eq!(s.predicted, 0);
    assert_eq!(s.micro.f1, 0.0);
}
