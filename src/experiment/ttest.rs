//! The corrected resampled t-test of Nadeau & Bengio (2003), as Weka's
//! Experimenter uses it to compare two algorithms over the same k-fold ×
//! r-repeat cross-validation folds, and the Student-t distribution it needs.
//!
//! Why our own Student-t CDF: it is one call of the regularised incomplete
//! beta function, a 40-line continued fraction (Numerical Recipes §6.4, with
//! Lentz's method) plus a Lanczos log-gamma. The crate made for it, statrs,
//! would bring nalgebra and its own dependency tree into a build that uses
//! nothing else of it. The values are checked against `scipy.stats.t` in
//! `tests/all/compare.rs` (figures from `tests/reference/make_compare_reference.py`).

use serde::Serialize;

/// The test of one algorithm's per-fold scores against the best one's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TTest {
    /// Mean of the paired differences (best − this), in the metric's units.
    pub mean_diff: f64,
    pub t: f64,
    /// Degrees of freedom: k·r − 1.
    pub df: usize,
    /// Two-sided p-value.
    pub p: f64,
}

/// The corrected resampled t-test on paired per-fold scores `a` and `b`
/// (same folds, same order): t = mean(d) / sqrt((1/n + n_test/n_train) ·
/// var(d)) with d = a − b, var with n − 1, df = n − 1, two-sided p. The
/// correction term n_test/n_train accounts for the overlap of the training
/// sets between folds (the plain paired t-test ignores it and finds
/// differences far too often).
///
/// When every difference is the same: p = 1 if it is 0 (the two agree on
/// every fold), else p = 0 (one is better on every fold by the same amount;
/// t is infinite).
pub fn corrected_resampled(a: &[f64], b: &[f64], test_train_ratio: f64) -> Option<TTest> {
    if a.len() != b.len() || a.len() < 2 {
        return None;
    }
    let n = a.len();
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let mean = d.iter().sum::<f64>() / n as f64;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let df = n - 1;
    // Differences equal up to rounding count as equal.
    if var <= 1e-24 * (1.0 + mean * mean) {
        let (t, p) = if mean.abs() <= 1e-12 {
            (0.0, 1.0)
        } else {
            (f64::INFINITY.copysign(mean), 0.0)
        };
        return Some(TTest {
            mean_diff: mean,
            t,
            df,
            p,
        });
    }
    let t = mean / ((1.0 / n as f64 + test_train_ratio) * var).sqrt();
    Some(TTest {
        mean_diff: mean,
        t,
        df,
        p: student_t_two_sided(t, df as f64),
    })
}

/// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom:
/// I_{df/(df+t²)}(df/2, 1/2).
pub fn student_t_two_sided(t: f64, df: f64) -> f64 {
    if !t.is_finite() {
        return if t.is_nan() { f64::NAN } else { 0.0 };
    }
    let x = df / (df + t * t);
    incomplete_beta(df / 2.0, 0.5, x).clamp(0.0, 1.0)
}

/// P(T ≤ t) for Student's t with `df` degrees of freedom.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    let tail = student_t_two_sided(t, df) / 2.0;
    if t >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; about 15 digits).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularised incomplete beta function I_x(a, b), a, b > 0, x in [0, 1].
pub fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    // The continued fraction converges fast for x < (a+1)/(a+b+2); use the
    // symmetry I_x(a,b) = 1 − I_{1−x}(b,a) on the other side.
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

/// The continued fraction of I_x(a, b) by the modified Lentz method.
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-15;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        // Even step.
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        // Odd step.
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // t with 1 df is Cauchy: P(T ≤ 1) = 3/4.
        assert!((student_t_cdf(1.0, 1.0) - 0.75).abs() < 1e-12);
        // 2 df: P(T ≤ t) = 1/2 + t / (2 sqrt(2 + t²)).
        let t: f64 = 1.7;
        let exact = 0.5 + t / (2.0 * (2.0 + t * t).sqrt());
        assert!((student_t_cdf(t, 2.0) - exact).abs() < 1e-12);
        assert!((student_t_two_sided(0.0, 9.0) - 1.0).abs() < 1e-12);
        // ln Γ(5) = ln 24, Γ(1/2) = √π.
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
    }

    #[test]
    fn identical_and_constant_differences() {
        let a = [0.9, 0.8, 0.85];
        let same = corrected_resampled(&a, &a, 0.25).expect("test");
        assert_eq!((same.t, same.p), (0.0, 1.0));
        let b = [0.8, 0.7, 0.75];
        let shifted = corrected_resampled(&a, &b, 0.25).expect("test");
        assert_eq!(shifted.p, 0.0);
        assert!(corrected_resampled(&a, &b[..2], 0.25).is_none());
    }
}
