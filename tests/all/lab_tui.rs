//! The lab pane, headless: a lab opened from a note with `e`, run with small
//! settings and drawn at 80x24 and 120x40, with and without colour; and a
//! synthetic outcome with every kind of panel, so the renderer is covered
//! whatever the labs produce.

use mlwb::content::{Library, TopicSource};
use mlwb::labs::{
    bi, Cell, Chart, Heatmap, Histogram, LabClassification, LabOutcome, Series, Table,
};
use mlwb::tui::{view, App, Headless, Msg};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn bundled(w: u16, h: u16, color: bool) -> Headless {
    let mut app = App::new(Library::load(TopicSource::Bundled), w, h);
    app.color = color;
    app.lang = mlwb::settings::Lang::En;
    Headless::new(app)
}

/// The screen as text, and whether any cell has a foreground colour.
fn draw(app: &App) -> (String, bool) {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| view::draw(f, app)).expect("draw");
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    let mut coloured = false;
    for y in 0..buf.area.height {
        let mut skip = 0;
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            coloured |= c.fg != Color::Reset;
            if skip > 0 {
                skip -= 1;
                continue;
            }
            out.push_str(c.symbol());
            skip = mlwb::text::width(c.symbol()).saturating_sub(1);
        }
        out.push('\n');
    }
    (out, coloured)
}

fn screen(app: &App) -> String {
    draw(app).0
}

fn send(app: &mut Headless, msgs: &[Msg]) {
    for m in msgs {
        app.send(m.clone());
    }
}

fn open_topic(app: &mut Headless, id: &str) {
    let i = app.lib.index_of(id).expect("topic");
    app.reveal(i);
}

fn wait_for_run(app: &mut Headless) {
    assert!(
        app.wait_idle(std::time::Duration::from_secs(20)),
        "the run did not finish in 20 s"
    );
    assert!(!app.exp.as_ref().is_some_and(|e| e.is_running()));
}

/// `e` on the representation-learning note, small settings, `r`, wait.
fn init_run(w: u16, h: u16, color: bool) -> Headless {
    let mut app = bundled(w, h, color);
    open_topic(&mut app, "representation-learning");
    send(&mut app, &[Msg::ToggleExperiment]);
    let exp = app.exp.as_mut().expect("pane");
    assert_eq!(exp.config.algo, "init", "the note's first preset");
    assert_eq!(exp.config.dataset, "", "a lab runs on its own data");
    for (k, v) in [("depth", "6"), ("width", "32"), ("batch", "32")] {
        exp.config.params.push((k.into(), v.into()));
    }
    send(&mut app, &[Msg::Run]);
    wait_for_run(&mut app);
    let exp = app.exp.as_mut().expect("pane");
    assert!(exp.error.is_none(), "{:?}", exp.error);
    exp.report.as_mut().expect("report").fit_seconds = 0.0123;
    app
}

#[test]
fn the_init_lab_runs_from_its_note_and_shows_every_panel() {
    for (w, h) in SIZES {
        let mut app = init_run(w, h, false);
        let s = screen(&app);
        insta::assert_snapshot!(format!("init_lab_{w}x{h}"), s);
        // The setup: the lab's fields, no dataset/scale/cv/missing.
        for f in [
            "depth=6",
            "width=32",
            "init=all",
            "activation=tanh",
            "seed=0",
        ] {
            assert!(s.contains(f), "{w}x{h}: field {f}\n{s}");
        }
        for f in ["scale=", "cv=", "missing=", "dataset="] {
            assert!(!s.contains(f), "{w}x{h}: {f} shown for a lab\n{s}");
        }
        // Every figure, whole, and the chart's legend with its glyphs.
        let exp = app.exp.as_ref().expect("pane");
        let o = exp.lab_outcome().expect("outcome");
        for f in &o.figures {
            let text = format!(
                "{} {}",
                f.label.en,
                mlwb::labs::format::figure(f.value, &f.unit)
            );
            assert!(s.contains(&text), "{w}x{h}: figure {text}\n{s}");
        }
        assert!(
            s.contains("o Xavier") && s.contains("x He") && s.contains("+ N(0,1)"),
            "{s}"
        );
        // The panels: 2 charts, 3 histogram groups, a table, the notices,
        // the figures.
        assert_eq!(exp.lab_panels().len(), 8);
        let mut pages = Vec::new();
        for n in 1..=8u8 {
            send(&mut app, &[Msg::Digit(n)]);
            pages.push(screen(&app));
        }
        assert!(pages[2].contains("Xavier layer 1"), "{}", pages[2]);
        assert!(pages[5].contains("grad norm"), "{}", pages[5]);
        assert!(pages[6].contains("What to notice"), "{}", pages[6]);
        assert!(pages[6].contains("with N(0,1) and tanh"), "{}", pages[6]);
        insta::assert_snapshot!(format!("init_lab_histograms_{w}x{h}"), pages[2]);
        insta::assert_snapshot!(format!("init_lab_notices_{w}x{h}"), pages[6]);
        // The last panel lists every figure.
        assert!(pages[7].contains("figures · PgDn/PgUp"), "{}", pages[7]);
        let first = &app
            .exp
            .as_ref()
            .expect("pane")
            .lab_outcome()
            .expect("outcome")
            .figures[0];
        assert!(pages[7].contains(&first.label.en), "{}", pages[7]);
        // ] and [ cycle; o opens the linked note.
        send(&mut app, &[Msg::NextPanel]);
        assert_eq!(app.exp.as_ref().expect("pane").lab_panel, 0);
        send(&mut app, &[Msg::PrevPanel]);
        assert_eq!(app.exp.as_ref().expect("pane").lab_panel, 7);
        // z: the whole screen.
        send(&mut app, &[Msg::ToggleZoom]);
        let z = screen(&app);
        assert!(!z.contains("Topics"), "{z}");
        send(&mut app, &[Msg::ToggleZoom, Msg::OpenNoticeTopic]);
        assert!(app.exp.is_none());
        let i = app.selected_topic().expect("selection");
        assert_eq!(app.lib.topics[i].id, "representation-learning");
    }
}

#[test]
fn colour_changes_only_colours() {
    for (w, h) in SIZES {
        let plain = init_run(w, h, false);
        let color = init_run(w, h, true);
        let (a, ac) = draw(&plain);
        let (b, bc) = draw(&color);
        assert_eq!(a, b, "{w}x{h}: the same glyphs with and without colour");
        assert!(!ac && bc, "{w}x{h}: colour only with colour on");
    }
}

#[test]
fn a_bad_setting_and_a_cancel_leave_the_app_running() {
    let mut app = bundled(120, 40, false);
    open_topic(&mut app, "representation-learning");
    send(&mut app, &[Msg::ToggleExperiment]);
    let exp = app.exp.as_mut().expect("pane");
    exp.config.params.push(("batch".into(), "1797".into()));
    exp.config.params.push(("input".into(), "gaussian".into()));
    exp.config.params.push(("depth".into(), "0".into()));
    send(&mut app, &[Msg::Run]);
    let s = screen(&app);
    assert!(s.contains("error: invalid parameter `depth`"), "{s}");
    // A run refused by the lab itself: the message, and the app goes on.
    let exp = app.exp.as_mut().expect("pane");
    exp.config
        .params
        .retain(|(k, _)| k != "depth" && k != "input");
    exp.config.params.push(("batch".into(), "1797".into()));
    exp.config.dataset = "iris".into();
    send(&mut app, &[Msg::Run]);
    wait_for_run(&mut app);
    let s = screen(&app);
    assert!(s.contains("takes no dataset"), "{s}");
    // Cancel: Esc while running.
    let exp = app.exp.as_mut().expect("pane");
    exp.config.dataset.clear();
    send(&mut app, &[Msg::Run, Msg::Close]);
    wait_for_run(&mut app);
    let exp = app
        .exp
        .as_ref()
        .expect("the pane stays open after a cancel");
    assert!(exp.cancelled, "{:?}", exp.error);
    assert!(screen(&app).contains("cancelled"));
    assert!(!app.quit);
}

/// While a lab runs, its latest snapshot is drawn with the progress.
#[test]
fn a_running_lab_draws_its_live_snapshot() {
    let mut app = synthetic_app(80, 24, mlwb::settings::Lang::En);
    let exp = app.exp.as_mut().expect("pane");
    let mut partial = synthetic();
    partial.done = 1;
    exp.lab_live = Some(Box::new(partial));
    exp.running = Some(99);
    let s = screen(&app);
    assert!(s.contains("running 1/4"), "{s}");
    assert!(s.contains("init 1/4"), "the gauge\n{s}");
    assert!(s.contains("o train"), "the live chart\n{s}");
}

fn synthetic() -> LabOutcome {
    let mut o = LabOutcome {
        done: 4,
        total: 4,
        dataset: "synthetic".into(),
        ..LabOutcome::default()
    };
    o.figure(
        "test_accuracy",
        bi("test accuracy", "测试准确率"),
        0.9733,
        "",
    );
    o.figure("time", bi("epoch time", "每轮耗时"), 12.5, "ms");
    o.figure("dead", bi("dead units", "死亡单元"), 3.0, "%");
    let c = o.chart_mut(
        "loss",
        bi("Loss (train and test)", "损失（训练与测试）"),
        "epoch",
        "loss",
    );
    for e in 1..=30 {
        let x = f64::from(e);
        c.push("train", x, 2.0 / x);
        c.push("test", x, 2.2 / x + 0.05);
    }
    o.charts.push(Chart {
        key: "grad".into(),
        title: bi("Gradient norm per layer", "各层梯度范数"),
        x_label: "layer".into(),
        y_label: "norm".into(),
        log_y: true,
        series: vec![
            Series {
                name: "plain".into(),
                points: (1..=20)
                    .map(|l| [f64::from(l), 10f64.powi(-l / 3)])
                    .collect(),
            },
            Series {
                name: "residual".into(),
                points: (1..=20)
                    .map(|l| [f64::from(l), 0.5 + 0.01 * f64::from(l)])
                    .collect(),
            },
        ],
    });
    for k in 0..6 {
        o.heatmaps.push(Heatmap {
            key: format!("map{k}"),
            title: bi(format!("map {k}"), format!("特征图 {k}")),
            rows: 8,
            cols: 8,
            values: (0..64).map(|i| f64::from((i * (k + 1)) % 17)).collect(),
            row_labels: Vec::new(),
            col_labels: Vec::new(),
            group: "conv1".into(),
        });
    }
    o.heatmaps.push(Heatmap {
        key: "attn".into(),
        title: bi("attention", "注意力"),
        rows: 3,
        cols: 4,
        values: vec![
            0.1,
            0.2,
            0.3,
            0.4,
            0.5,
            0.6,
            0.7,
            0.8,
            0.9,
            1.0,
            0.0,
            f64::NAN,
        ],
        row_labels: vec!["a".into(), "b".into(), "c".into()],
        col_labels: vec!["w".into(), "x".into(), "y".into(), "z".into()],
        group: String::new(),
    });
    for l in 0..8u64 {
        o.histograms.push(Histogram {
            key: format!("h{l}"),
            title: bi(format!("layer {}", l + 1), format!("第 {} 层", l + 1)),
            edges: (0..=10).map(|i| -1.0 + 0.2 * f64::from(i)).collect(),
            counts: (0..10).map(|i| (i as u64 + l) % 7 * 10).collect(),
            group: "tanh".into(),
        });
    }
    let mut cols = vec!["layer".to_string()];
    cols.extend((0..9).map(|i| format!("column number {i}")));
    o.tables.push(Table {
        key: "layers".into(),
        title: bi("Layers", "各层"),
        columns: cols,
        rows: (0..40)
            .map(|r| {
                let mut row = vec![Cell::Text(format!("conv{r}"))];
                row.extend((0..9).map(|c| {
                    if c % 2 == 0 {
                        Cell::Int(r * 1000 + c)
                    } else {
                        Cell::Num(1.0 / (r as f64 + c as f64 + 1.0))
                    }
                }));
                row
            })
            .collect(),
    });
    let labels: Vec<String> = ["cat", "dog", "bird"].map(String::from).to_vec();
    let truth = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2];
    let pred = [0, 0, 1, 1, 1, 1, 2, 2, 0, 2];
    let metrics = mlwb::metrics::classification::report(&truth, &pred, &labels).expect("report");
    o.classification = Some(LabClassification {
        classes: labels,
        confusion_matrix: metrics.confusion.clone(),
        metrics,
    });
    o.notice(
        bi(
            "the test loss stops falling after epoch 12 while the training loss keeps going: overfitting",
            "第 12 轮之后测试损失不再下降，训练损失却继续下降：过拟合",
        ),
        Some("representation-learning"),
    );
    o.notice(bi("a second line to notice", "第二条要点"), None);
    o
}

/// The synthetic outcome in the pane of the `init` lab.
fn synthetic_app(w: u16, h: u16, lang: mlwb::settings::Lang) -> Headless {
    let mut app = bundled(w, h, false);
    app.lang = lang;
    open_topic(&mut app, "representation-learning");
    send(&mut app, &[Msg::ToggleExperiment]);
    let exp = app.exp.as_mut().expect("pane");
    exp.lab_live = Some(Box::new(synthetic()));
    app
}

#[test]
fn every_panel_kind_renders_at_both_sizes() {
    for (w, h) in SIZES {
        let mut app = synthetic_app(w, h, mlwb::settings::Lang::En);
        let exp = app.exp.as_ref().expect("pane");
        let n = exp.lab_panels().len();
        assert_eq!(
            n, 9,
            "2 charts, 2 heat-map groups, 1 histogram group, table, matrix, notices, figures"
        );
        let s = screen(&app);
        for f in [
            "test accuracy 0.9733",
            "epoch time 12.50 ms",
            "dead units 3.000%",
        ] {
            assert!(s.contains(f), "{w}x{h}: {f}\n{s}");
        }
        assert!(s.contains("o train") && s.contains("x test"), "{s}");
        insta::assert_snapshot!(format!("synthetic_1_chart_{w}x{h}"), s);
        for p in 2..=n as u8 {
            send(&mut app, &[Msg::Digit(p)]);
            insta::assert_snapshot!(format!("synthetic_{p}_{w}x{h}"), screen(&app));
        }
        // The table: rows and columns scroll.
        send(&mut app, &[Msg::Digit(6)]);
        let before = screen(&app);
        assert!(before.contains(" cols < >"), "{before}");
        send(
            &mut app,
            &[Msg::ColumnsRight, Msg::ColumnsRight, Msg::PageDown],
        );
        let after = screen(&app);
        assert!(after.contains("column number 2"), "{after}");
        assert!(!after.contains("column number 0"), "{after}");
        // A wide-enough zoom shows every column.
        send(&mut app, &[Msg::ToggleZoom]);
    }
}

#[test]
fn notices_follow_the_language() {
    use mlwb::settings::Lang;
    let mut app = synthetic_app(120, 40, Lang::Zh);
    send(&mut app, &[Msg::Digit(8)]);
    let s = screen(&app);
    assert!(s.contains("过拟合") && !s.contains("overfitting"), "{s}");
    assert!(s.contains("测试准确率 0.9733"), "{s}");
    let mut app = synthetic_app(120, 40, Lang::Both);
    send(&mut app, &[Msg::Digit(8)]);
    let s = screen(&app);
    assert!(s.contains("过拟合") && s.contains("overfitting"), "{s}");
    insta::assert_snapshot!("synthetic_notices_both_120x40", s);
}

/// `?` in a lab lists the lab's keys first, then the setup's.
#[test]
fn help_in_a_lab_lists_its_keys() {
    let mut app = synthetic_app(120, 40, mlwb::settings::Lang::En);
    send(&mut app, &[Msg::ToggleHelp]);
    let s = screen(&app);
    for want in [
        "Experiment: a lab's results",
        "draw the next panel big",
        "scroll a wide table's columns right",
        "Experiment setup",
    ] {
        assert!(s.contains(want), "missing {want}:\n{s}");
    }
    send(&mut app, &[Msg::Close, Msg::ToggleTrellis]);
    assert!(app.exp.as_ref().is_some_and(|e| e.trellis.is_none()));
}

/// `e` on `topic` opens `algo`; `params` are set, the setup screen is kept,
/// the run is waited for, and every panel (`1`-`9`) is drawn. Returns the
/// setup screen and all the panels' screens joined (printed when
/// `MLWB_SHOW` is set).
fn run_from_note(
    w: u16,
    h: u16,
    topic: &str,
    algo: &str,
    params: &[(&str, &str)],
) -> (String, String) {
    let mut app = bundled(w, h, false);
    open_topic(&mut app, topic);
    send(&mut app, &[Msg::ToggleExperiment]);
    let exp = app.exp.as_mut().expect("pane");
    assert_eq!(exp.config.algo, algo);
    for (k, v) in params {
        exp.config.params.push((k.to_string(), v.to_string()));
    }
    let setup = screen(&app);
    send(&mut app, &[Msg::Run]);
    wait_for_run(&mut app);
    let exp = app.exp.as_ref().expect("pane");
    assert!(exp.error.is_none(), "{:?}", exp.error);
    let n = exp.lab_panels().len();
    let mut pages = Vec::new();
    for d in 1..=n.min(9) as u8 {
        send(&mut app, &[Msg::Digit(d)]);
        pages.push(screen(&app));
    }
    let all = pages.concat();
    if std::env::var_os("MLWB_SHOW").is_some() {
        println!("{all}");
    }
    (setup, all)
}

/// The adversarial-training note opens the FGM/PGD lab with `e`; a small run
/// fills every panel at both sizes (timings vary, so no snapshot: the
/// panels' content is asserted instead).
#[test]
fn the_adversarial_lab_runs_from_its_note() {
    for (w, h) in SIZES {
        let params = [("epochs", "2"), ("width", "16"), ("epsilon", "1")];
        let (s, all) = run_from_note(w, h, "adversarial-training", "adversarial", &params);
        for f in ["epsilon=1", "pgd_steps=3", "epochs=2", "width=16"] {
            assert!(s.contains(f), "{w}x{h}: field {f}\n{s}");
        }
        for want in [
            "PGD attack",
            "FGM attack",
            "What to notice",
            "Trained normally",
            "perturbation r",
        ] {
            assert!(all.contains(want), "{w}x{h}: {want}\n{all}");
        }
    }
}

/// The metrics-beyond-accuracy note opens the calibration lab with `e`.
#[test]
fn the_calibration_lab_runs_from_its_note() {
    for (w, h) in SIZES {
        let params = [("epochs", "3"), ("width", "16")];
        let (_, all) = run_from_note(w, h, "metrics-beyond-accuracy", "calibration", &params);
        for want in [
            "Brier",
            "ECE",
            "AUC ovo",
            "reliability",
            "Temperature scaling",
        ] {
            assert!(all.contains(want), "{w}x{h}: {want}\n{all}");
        }
    }
}

/// The generative-vs-discriminative note opens the NB vs LR lab with `e`.
#[test]
fn the_gen_vs_disc_lab_runs_from_its_note() {
    for (w, h) in SIZES {
        let params = [("repeats", "2")];
        let (setup, all) =
            run_from_note(w, h, "generative-vs-discriminative", "gen-vs-disc", &params);
        assert!(all.contains("What to notice"), "{w}x{h}\n{all}");
        // No dataset chosen runs all five sets, and the setup says so.
        assert!(setup.contains("all 5 sets"), "{w}x{h}\n{setup}");
    }
    // The dataset field cycles through the sets and back to all of them.
    let mut app = bundled(80, 24, false);
    open_topic(&mut app, "generative-vs-discriminative");
    send(&mut app, &[Msg::ToggleExperiment]);
    let exp = app.exp.as_mut().expect("pane");
    exp.field = exp
        .fields()
        .iter()
        .position(|f| *f == mlwb::tui::experiment::Field::Dataset)
        .expect("a dataset field");
    let sets = exp.lab_datasets();
    let mut seen = vec![exp.config.dataset.clone()];
    for _ in 0..sets.len() + 1 {
        exp.step_value(true);
        seen.push(exp.config.dataset.clone());
    }
    let mut want = vec![String::new()];
    want.extend(sets.iter().map(|s| s.to_string()));
    want.push(String::new());
    assert_eq!(seen, want);
}
