//! Every parameter of every algorithm: the TUI (field stepping and the
//! check before a run), the CLI path (`experiment::run`, which parses the
//! `--param` values) and `mlwb check` (which calls `AlgoSpec::values`, the
//! function both of the others end in) accept the bounds of the spec and
//! refuse just outside them.

use std::process::Command;
use std::sync::atomic::AtomicBool;

use mlwb::content::schema::ExperimentRef;
use mlwb::experiment::{self, Config, ExperimentError};
use mlwb::registry::{self, ParamKind, ParamSpec};
use mlwb::tui::experiment::{ExperimentPane, Field};

/// (accepted, refused) values at each end of the range.
fn bounds(p: &ParamSpec) -> Option<[(String, String); 2]> {
    match p.kind {
        ParamKind::Int { min, max } => Some([
            (min.to_string(), (min - 1).to_string()),
            (max.to_string(), (max + 1).to_string()),
        ]),
        ParamKind::Float {
            min,
            max,
            min_exclusive,
        } => {
            let (low_ok, low_bad) = if min_exclusive {
                (min + 1e-12, min)
            } else {
                (min, min - min.abs().max(1.0) * 1e-9)
            };
            Some([
                (low_ok.to_string(), low_bad.to_string()),
                (
                    max.to_string(),
                    (max + max.abs().max(1.0) * 1e-9).to_string(),
                ),
            ])
        }
        ParamKind::Choice { .. } => None,
        // Free text: only a length bound (both ends are the same pair).
        ParamKind::Text { max_chars } => {
            let pair = ("x".repeat(max_chars), "x".repeat(max_chars + 1));
            Some([pair.clone(), pair])
        }
    }
}

fn pane(algo: &str) -> ExperimentPane {
    ExperimentPane::new(
        0,
        vec![ExperimentRef {
            algo: algo.to_string(),
            dataset: "iris".into(),
            params: Default::default(),
            scale: None,
        }],
    )
}

#[test]
fn every_face_accepts_the_bounds_and_refuses_just_outside() {
    for spec in registry::algos() {
        for (i, p) in spec.params.iter().enumerate() {
            let Some(ends) = bounds(p) else { continue };
            for (ok, bad) in ends {
                let given = |v: &str| vec![(p.name.to_string(), v.to_string())];
                let what = format!("{} {}={}", spec.name, p.name, bad);
                // The one checking function.
                assert!(spec.values(&given(&ok)).is_ok(), "{what}");
                assert!(spec.values(&given(&bad)).is_err(), "{what}");
                // CLI: `experiment::run` refuses before loading any data.
                let config = Config {
                    algo: spec.name.into(),
                    params: given(&bad),
                    ..Config::default()
                };
                let r = experiment::run(&config, &mut |_| {}, &AtomicBool::new(false));
                assert!(
                    matches!(r, Err(ExperimentError::Param(_))),
                    "{what}: {:?}",
                    r.err()
                );
                // TUI: a typed value out of range is refused by `run`.
                let mut tui = pane(spec.name);
                tui.config.params = given(&bad);
                tui.run();
                assert!(!tui.is_running(), "{what}");
                assert!(
                    tui.error
                        .as_deref()
                        .is_some_and(|e| e.contains("invalid parameter")),
                    "{what}: {:?}",
                    tui.error
                );
                // TUI: stepping from a bound outwards stays on the bound,
                // a value the checking function accepts.
                let mut tui = pane(spec.name);
                tui.config.params = given(&ok);
                tui.field = tui
                    .fields()
                    .iter()
                    .position(|f| *f == Field::Param(i))
                    .expect("a field per parameter");
                let at_max = ok == ends_max(p);
                tui.step_value(at_max);
                let stepped = tui.param_value(p.name);
                assert!(
                    spec.values(&given(&stepped)).is_ok(),
                    "{what}: stepped to {stepped}"
                );
            }
        }
    }
}

fn ends_max(p: &ParamSpec) -> String {
    bounds(p).map(|[_, (max, _)]| max).unwrap_or_default()
}

/// `mlwb check` on a topic whose experiments set every parameter to each
/// bound and just outside it: one error per value outside, none inside.
#[test]
fn mlwb_check_accepts_the_bounds_and_refuses_just_outside() {
    let dir = std::env::temp_dir().join(format!("mlwb-param-bounds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let root = std::fs::read_to_string("tests/fixtures/good/01-root.yaml").expect("fixture");
    std::fs::write(dir.join("01-root.yaml"), root).expect("write");
    let mut experiments = String::new();
    let mut n_bad = 0;
    for spec in registry::algos() {
        for p in spec.params {
            let Some(ends) = bounds(p) else { continue };
            for (ok, bad) in ends {
                for v in [&ok, &bad] {
                    experiments.push_str(&format!(
                        "      - {{algo: {}, dataset: iris, params: {{{}: \"{v}\"}}}}\n",
                        spec.name, p.name
                    ));
                }
                n_bad += 1;
            }
        }
    }
    let topic = format!(
        "format: 1\ntopics:\n  - id: bounds-card\n    parent: my-notes\n    experiments:\n{experiments}    title: {{zh: 范围, en: Bounds}}\n    body: |\n      Every parameter at and just outside its bounds.\n    interview: |\n      - Which values are refused? Those outside.\n"
    );
    std::fs::write(dir.join("02-bounds.yaml"), topic).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_mlwb"))
        .args(["check", "--topics"])
        .arg(&dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run mlwb");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
    let refused = text.matches("invalid parameter").count();
    assert_eq!(refused, n_bad, "{text}");
}
