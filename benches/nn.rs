//! One training epoch of the nn engine on the bundled digits (1,347 training
//! rows of mlwb's stratified 75/25 split, pixels / 16, batch 32, Adam lr 1e-3,
//! one thread):
//! - `mlp_epoch`: 64 → 64 ReLU → 10;
//! - `cnn_epoch`: VGG-style, images 1×8×8: conv3×3×16, conv3×3×16, pool,
//!   conv3×3×32, pool, fc10 (`mlwb::nn::vgg_small`).
//!
//! `cargo bench --bench nn` runs divan. With `MLWB_NN_TIMING=EPOCHS` set,
//! it instead trains each network for EPOCHS epochs and prints one JSON object
//! (median ms per epoch, final test accuracy); `benches/compare_mlp_sklearn.py`
//! reads that.

use std::sync::OnceLock;
use std::time::Instant;

use mlwb::algos::{Progress, Step};
use mlwb::data::{self, Dataset};
use mlwb::nn::{
    self, Adam, ClassData, Layer, MlpSpec, ParamStore, Tensor, TrainConfig, WeightInit,
};

struct Digits {
    xtr: Tensor,
    ytr: Vec<usize>,
    xte: Tensor,
    yte: Vec<usize>,
}

fn digits(row_shape: &'static [usize]) -> Digits {
    let Ok(Dataset::Table(t)) = data::load("digits", &Default::default()) else {
        panic!("bundled digits");
    };
    let (train, test) =
        mlwb::data::split::stratified_split(&t.y, t.n_classes(), 0.25, 0).expect("split");
    let x = nn::to_tensor(t.x.view(), row_shape, 1.0 / 16.0).expect("tensor");
    let pick = |idx: &[usize]| x.select(ndarray::Axis(0), idx);
    Digits {
        xtr: pick(&train),
        ytr: train.iter().map(|&i| t.y[i]).collect(),
        xte: pick(&test),
        yte: test.iter().map(|&i| t.y[i]).collect(),
    }
}

fn flat() -> &'static Digits {
    static D: OnceLock<Digits> = OnceLock::new();
    D.get_or_init(|| digits(&[64]))
}

fn images() -> &'static Digits {
    static D: OnceLock<Digits> = OnceLock::new();
    D.get_or_init(|| digits(&[1, 8, 8]))
}

#[derive(Clone, Copy)]
enum Net {
    Mlp,
    Cnn,
}

fn build(which: Net, seed: u64) -> (Box<dyn Layer>, ParamStore) {
    let mut ps = ParamStore::new(seed);
    let net: Box<dyn Layer> = match which {
        Net::Mlp => Box::new(nn::mlp(&mut ps, 64, 10, &MlpSpec::default()).expect("mlp")),
        Net::Cnn => {
            Box::new(nn::vgg_small(&mut ps, 1, 8, 8, 10, WeightInit::HeNormal).expect("cnn"))
        }
    };
    (net, ps)
}

fn data(which: Net) -> &'static Digits {
    match which {
        Net::Mlp => flat(),
        Net::Cnn => images(),
    }
}

/// Trains for `epochs`; returns each epoch's wall time (ms) and the final
/// test accuracy.
fn train(which: Net, epochs: usize, seed: u64) -> (Vec<f64>, f64) {
    let d = data(which);
    let (net, mut ps) = build(which, seed);
    let mut opt = Adam::new(1e-3).expect("adam");
    let cfg = TrainConfig {
        epochs,
        batch_size: 32,
        seed,
        ..Default::default()
    };
    let mut times = Vec::with_capacity(epochs);
    let mut last = Instant::now();
    let mut sink = |s: Step| {
        if s.metric == "train loss" {
            times.push(last.elapsed().as_secs_f64() * 1e3);
        }
        last = Instant::now();
        true
    };
    nn::train_classifier(
        net.as_ref(),
        &mut ps,
        &mut opt,
        ClassData {
            x: &d.xtr,
            y: &d.ytr,
        },
        None,
        10,
        &cfg,
        &mut Progress::new(&mut sink),
    )
    .expect("training");
    let (_, acc) = nn::evaluate(
        net.as_ref(),
        &mut ps,
        ClassData {
            x: &d.xte,
            y: &d.yte,
        },
        256,
    )
    .expect("eval");
    (times, acc)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    if let Ok(e) = std::env::var("MLWB_NN_TIMING") {
        let epochs: usize = e.parse().unwrap_or(20).max(1);
        let mut parts = Vec::new();
        for (name, which) in [("mlp", Net::Mlp), ("cnn", Net::Cnn)] {
            let (times, acc) = train(which, epochs, 0);
            parts.push(format!(
                "\"{name}\": {{\"epochs\": {epochs}, \"ms_per_epoch_median\": {:.4}, \"ms_per_epoch_min\": {:.4}, \"test_accuracy\": {acc:.6}}}",
                median(times.clone()),
                times.iter().copied().fold(f64::INFINITY, f64::min)
            ));
        }
        println!("{{{}}}", parts.join(", "));
        return;
    }
    divan::main();
}

fn one_epoch(bencher: divan::Bencher, which: Net) {
    let d = data(which);
    bencher
        .with_inputs(|| build(which, 0))
        .bench_local_values(|(net, mut ps)| {
            let mut opt = Adam::new(1e-3).expect("adam");
            let cfg = TrainConfig {
                epochs: 1,
                batch_size: 32,
                ..Default::default()
            };
            nn::train_classifier(
                net.as_ref(),
                &mut ps,
                &mut opt,
                ClassData {
                    x: &d.xtr,
                    y: &d.ytr,
                },
                None,
                10,
                &cfg,
                &mut Progress::none(),
            )
            .expect("training")
        });
}

#[divan::bench(sample_count = 20)]
fn mlp_epoch(bencher: divan::Bencher) {
    one_epoch(bencher, Net::Mlp);
}

#[divan::bench(sample_count = 5)]
fn cnn_epoch(bencher: divan::Bencher) {
    one_epoch(bencher, Net::Cnn);
}
