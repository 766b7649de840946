//! The text path never makes a dense documents x vocabulary matrix: a
//! counting global allocator records the peak of live heap bytes while a
//! generated corpus (4,000 documents drawn from a 20,000-word Zipf law) is
//! vectorised and classified. Dense, its training matrix alone would be
//! 3,000 x ~10,500 x 8 bytes, about 250 MB; the bound asserted is 32 MB (measured: 5 to 11 MB),
//! 72 MB for the kernel SVM, whose kernel-row cache comes on top.
//!
//! One test in this file (its own process): the allocator's counters are
//! global, so nothing else may run beside it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use mlwb::experiment::{self, Config, Event};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// A seeded corpus: words `w0..w19999` drawn from a Zipf(1.1) law, three
/// classes each favouring its own 30 words.
fn corpus(docs: usize, vocab: usize) -> String {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let weights: Vec<f64> = (1..=vocab).map(|r| 1.0 / (r as f64).powf(1.1)).collect();
    let total: f64 = weights.iter().sum();
    let mut cdf = Vec::with_capacity(vocab);
    let mut acc = 0.0;
    for w in &weights {
        acc += w / total;
        cdf.push(acc);
    }
    let mut out = String::from("text,label\n");
    for d in 0..docs {
        let class = d % 3;
        let len = 20 + (next() * 40.0) as usize;
        for k in 0..len {
            let word = if next() < 0.15 {
                100 + class * 30 + (next() * 30.0) as usize
            } else {
                let u = next();
                cdf.partition_point(|&c| c < u).min(vocab - 1)
            };
            if k > 0 {
                out.push(' ');
            }
            out.push_str(&format!("w{word}"));
        }
        out.push_str(&format!(",c{class}\n"));
    }
    out
}

#[test]
fn text_runs_never_allocate_a_dense_document_term_matrix() {
    let mut file = tempfile::Builder::new()
        .suffix(".csv")
        .tempfile()
        .expect("temp file");
    file.write_all(corpus(4000, 20_000).as_bytes())
        .expect("write corpus");
    let path = file.path().to_str().expect("utf-8 path").to_string();
    for algo in ["multinomial-nb", "logistic-regression", "linear-svm", "svm"] {
        let config = Config {
            algo: algo.into(),
            dataset: path.clone(),
            params: vec![("max_iter".into(), "20".into())]
                .into_iter()
                .filter(|_| algo == "logistic-regression")
                .collect(),
            ..Config::default()
        };
        let cancel = AtomicBool::new(false);
        let before = LIVE.load(Ordering::SeqCst);
        PEAK.store(before, Ordering::SeqCst);
        let report = experiment::run(&config, &mut |_: Event| {}, &cancel).expect("run");
        let peak = PEAK.load(Ordering::SeqCst) - before;
        let c = report.classification().expect("classification");
        let t = c.text.as_ref().expect("text summary");
        let dense = report.n_train * t.vocabulary_size * 8;
        eprintln!("{algo}: peak {peak} bytes; a dense training matrix: {dense} bytes");
        assert!(t.sparse, "{algo}: fitted sparse");
        assert!(
            t.vocabulary_size > 8_000,
            "vocabulary {}",
            t.vocabulary_size
        );
        // The kernel SVM also holds its cache of kernel rows (f32, up to
        // 200 MB by default; here at most the 2,000 x 2,000 rows of each
        // of the two pairs solved at once, 32 MB).
        let bound = if algo == "svm" { 72 << 20 } else { 32 << 20 };
        assert!(
            peak < bound,
            "{algo}: peak {peak} bytes (a dense training matrix would be {dense})"
        );
        assert!(
            c.metrics.accuracy > 0.8,
            "{algo}: accuracy {}",
            c.metrics.accuracy
        );
    }
}
