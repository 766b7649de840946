//! The interview drills' content: every fill-the-gap expression of the
//! bundled map is accepted in algebraically equal forms and refuses near
//! misses; every spot-the-error fault really changes its step.

use std::collections::BTreeMap;

use mlwb::content::{CardKind, Library, TopicSource};
use mlwb::mathexpr::{equivalent, parse, Verdict};

fn gaps() -> Vec<(String, mlwb::content::Gap)> {
    let lib = Library::load(TopicSource::Bundled);
    lib.topics
        .iter()
        .flat_map(|t| &t.cards)
        .flat_map(|c| c.gaps.iter().map(move |g| (c.id.clone(), g.clone())))
        .collect()
}

fn ranges(g: &mlwb::content::Gap) -> BTreeMap<String, (f64, f64)> {
    g.vars
        .iter()
        .map(|(k, r)| (k.clone(), (r.0[0], r.0[1])))
        .collect()
}

#[test]
fn the_map_has_the_drills_the_interview_mode_needs() {
    let lib = Library::load(TopicSource::Bundled);
    let derivations: Vec<_> = lib
        .topics
        .iter()
        .flat_map(|t| &t.cards)
        .filter(|c| c.kind == CardKind::Derivation)
        .collect();
    let with_faults = derivations.iter().filter(|c| c.faults.len() >= 2).count();
    let with_gaps = derivations.iter().filter(|c| !c.gaps.is_empty()).count();
    assert!(
        with_faults >= 40,
        "{with_faults} derivations with >= 2 faults"
    );
    assert!(with_gaps >= 40, "{with_gaps} derivations with a gap");
    for c in &derivations {
        for f in &c.faults {
            assert_ne!(
                f.math.trim(),
                c.steps[f.step].math.trim(),
                "{}: a fault must change its step",
                c.id
            );
        }
    }
}

#[test]
fn every_gap_accepts_equal_forms_and_refuses_near_misses() {
    let all = gaps();
    assert!(all.len() >= 60, "{} gaps", all.len());
    for (card, g) in all {
        let r = ranges(&g);
        let e = parse(&g.expr).unwrap_or_else(|err| panic!("{card}: {err}"));
        let ok = |typed: &str| matches!(equivalent(&e, typed, &r, 25, 11), Verdict::Equivalent);
        // Algebraically equal rewrites.
        for same in [
            g.expr.clone(),
            format!("({})", g.expr),
            format!("0 + ({})", g.expr),
            format!("2*({})/2", g.expr),
            format!("({}) * 1", g.expr),
            format!("-(-({}))", g.expr),
        ] {
            assert!(ok(&same), "{card}: `{same}` should equal `{}`", g.expr);
        }
        // Near misses: scaled by 1%, shifted, negated (unless it is 0 there).
        for wrong in [
            format!("1.01*({})", g.expr),
            format!("({}) + 0.01", g.expr),
            format!("({}) + 1", g.expr),
        ] {
            assert!(!ok(&wrong), "{card}: `{wrong}` accepted for `{}`", g.expr);
        }
    }
}
