use super::*;

fn reference() -> serde_json::Value {
    serde_json::from_str(include_str!(
        "../../tests/reference/bayesnet_reference.json"
    ))
    .unwrap()
}

fn student() -> Network {
    parse(
        include_str!("../../tests/fixtures/bayesnet/student.yaml"),
        "student.yaml",
    )
    .unwrap()
}

fn net(name: &str) -> Network {
    match name {
        "alarm" => Network::alarm().unwrap(),
        _ => student(),
    }
}

fn evidence(n: &Network, e: &serde_json::Value) -> Evidence {
    e.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let i = n.var(k).unwrap();
            (i, n.state(i, v.as_str().unwrap()).unwrap())
        })
        .collect()
}

#[test]
fn alarm_burglary_given_both_calls_is_0_284() {
    let n = Network::alarm().unwrap();
    let b = n.var("Burglary").unwrap();
    let e = n.parse_evidence("JohnCalls=true,MaryCalls=true").unwrap();
    let p = enumerate(&n, b, &e).unwrap();
    assert_eq!(format!("{:.3}", p[0]), "0.284");
    let v = variable_elimination(&n, b, &e).unwrap();
    assert_eq!(format!("{:.3}", v.distribution[0]), "0.284");
}

#[test]
fn enumeration_and_elimination_match_the_numpy_joint_table() {
    let r = reference();
    for name in ["alarm", "student"] {
        let n = net(name);
        for q in r[name]["queries"].as_array().unwrap() {
            let qi = n.var(q["query"].as_str().unwrap()).unwrap();
            let e = evidence(&n, &q["evidence"]);
            let want: Vec<f64> = q["distribution"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            let en = enumerate(&n, qi, &e).unwrap();
            let ve = variable_elimination(&n, qi, &e).unwrap().distribution;
            for k in 0..want.len() {
                assert!((en[k] - want[k]).abs() < 1e-12, "{name} {q}: enum {en:?}");
                assert!((ve[k] - want[k]).abs() < 1e-12, "{name} {q}: ve {ve:?}");
            }
        }
    }
}

#[test]
fn markov_blankets_match_the_reference() {
    let r = reference();
    for name in ["alarm", "student"] {
        let n = net(name);
        for (x, want) in r[name]["blankets"].as_object().unwrap() {
            let got: Vec<String> = markov_blanket(&n, n.var(x).unwrap())
                .iter()
                .map(|&i| n.vars[i].name.clone())
                .collect();
            let mut got = got;
            got.sort();
            let want: Vec<String> = want
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect();
            assert_eq!(got, want, "{name} {x}");
        }
    }
}

#[test]
fn gibbs_converges_to_the_exact_value_and_is_deterministic() {
    let n = net("student");
    let q = n.var("Intelligence").unwrap();
    let e = n.parse_evidence("Grade=C,SAT=high").unwrap();
    let exact = enumerate(&n, q, &e).unwrap();
    let opts = GibbsOptions {
        samples: 20_000,
        burn_in: 200,
        seed: 3,
    };
    let g = gibbs(&n, q, 1, &e, opts, |_| true).unwrap();
    assert!(
        (g.distribution[1] - exact[1]).abs() < 0.02,
        "{:?} vs {exact:?}",
        g.distribution
    );
    assert_eq!(g.curve.last().map(|c| c.0), Some(20_000));
    let again = gibbs(&n, q, 1, &e, opts, |_| true).unwrap();
    assert_eq!(g, again);
    // The error of the estimate shrinks with samples (first vs last checkpoint).
    let first = g.curve.first().unwrap().1;
    let last = g.curve.last().unwrap().1;
    assert!((last - exact[1]).abs() <= (first - exact[1]).abs() + 1e-9);
}

#[test]
fn impossible_evidence_and_bad_queries_are_errors() {
    let n = Network::alarm().unwrap();
    let b = n.var("Burglary").unwrap();
    assert!(n
        .parse_evidence("JohnCalls=maybe")
        .unwrap_err()
        .to_string()
        .contains("no state `maybe`"));
    assert!(n
        .parse_evidence("Jon=true")
        .unwrap_err()
        .to_string()
        .contains("no variable `Jon`"));
    assert!(n
        .parse_evidence("JohnCalls")
        .unwrap_err()
        .to_string()
        .contains("NAME=STATE"));
    let e = n.parse_evidence("Burglary=true").unwrap();
    assert!(enumerate(&n, b, &e)
        .unwrap_err()
        .to_string()
        .contains("both the query and evidence"));
    // A zero-probability evidence in a net with a deterministic CPT.
    let text = "nodes:\n  - name: A\n    states: [t, f]\n    cpt: [1.0, 0.0]\n";
    let z = parse(text, "z.yaml").unwrap();
    let a = z.var("A").unwrap();
    let e = z.parse_evidence("").unwrap();
    assert_eq!(enumerate(&z, a, &e).unwrap(), vec![1.0, 0.0]);
}

fn bad(name: &str) -> NetError {
    let path = format!(
        "{}/tests/fixtures/bad/bayesnet/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut e = load(&path).unwrap_err();
    e.file = name.to_string();
    e
}

#[test]
fn bad_network_files_are_located_errors() {
    let e = bad("syntax.yaml");
    assert_eq!((e.line, e.column), (Some(5), Some(8)), "{e}");
    let e = bad("row_sum.yaml");
    assert_eq!(
        e.to_string(),
        "row_sum.yaml:6:5: node `WetGrass`: CPT row 2 (Rain=false) sums to 0.8999999999999999, not 1"
    );
    let e = bad("rows.yaml");
    assert_eq!(
        e.to_string(),
        "rows.yaml:9:5: node `WetGrass`: the CPT has 3 row(s), expected 4 (one per combination of Rain (2) × Sprinkler (2))"
    );
    let e = bad("row_length.yaml");
    assert_eq!(
        e.to_string(),
        "row_length.yaml:3:5: node `Weather`: CPT row 1 has 2 value(s), expected 3 (one per state: sun, rain, snow)"
    );
    let e = bad("cycle.yaml");
    assert!(e.message.contains("cycle: "), "{e}");
    assert!(
        e.message.contains("A → B → C → A")
            || e.message.contains("C → A → B → C")
            || e.message.contains("B → C → A → B"),
        "{e}"
    );
    let e = bad("unknown_parent.yaml");
    assert_eq!(
        e.to_string(),
        "unknown_parent.yaml:3:5: node `Alarm`: parent `Burglar` is not a node of this network"
    );
    let e = bad("unknown_field.yaml");
    assert_eq!(e.line, Some(5), "{e}");
    assert!(e.message.contains("unknown field `probs`"), "{e}");
    let e = bad("not_probability.yaml");
    assert!(e.message.contains("not a probability"), "{e}");
    let e = load("no/such/net.yaml").unwrap_err();
    assert!(e.message.contains("bundled: alarm"), "{e}");
}
