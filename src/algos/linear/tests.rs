use ndarray::{array, Array2};

use super::*;

fn data<'a>(x: &'a Array2<f64>, y: &'a [f64]) -> RegressData<'a> {
    RegressData {
        x: x.view(),
        names: &[],
        y,
    }
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-10, "{a} vs {b}");
}

/// x = 0,1,2,3; y = 1,2,2,4 by hand: Sxx = 5, Sxy = 4.5, slope 0.9,
/// intercept 0.9, RSS 0.7, s² = 0.35, se(slope) = √(0.35/5),
/// se(intercept) = √(0.35 (1/4 + 1.5²/5)).
#[test]
fn ols_matches_a_hand_solved_line_with_standard_errors() {
    let x = array![[0.0], [1.0], [2.0], [3.0]];
    let y = [1.0, 2.0, 2.0, 4.0];
    let m = fit_ols(data(&x, &y)).expect("fit");
    let c = &m.coefficients;
    close(c.coef[0], 0.9);
    close(c.intercept, 0.9);
    let (se0, se) = c.std_err.clone().expect("dof > 0");
    close(se[0], (0.35_f64 / 5.0).sqrt());
    close(se0, (0.35_f64 * (0.25 + 2.25 / 5.0)).sqrt());
    let p = m.predict(array![[4.0]].view());
    close(p[0], 0.9 + 3.6);
}

/// Two features solved exactly: y = 1 + 2 a - 3 b on 5 rows.
#[test]
fn ols_recovers_an_exact_plane() {
    let x = array![[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0], [4.0, 5.0]];
    let y: Vec<f64> = x
        .rows()
        .into_iter()
        .map(|r| 1.0 + 2.0 * r[0] - 3.0 * r[1])
        .collect();
    let m = fit_ols(data(&x, &y)).expect("fit");
    close(m.coefficients.coef[0], 2.0);
    close(m.coefficients.coef[1], -3.0);
    close(m.coefficients.intercept, 1.0);
}

#[test]
fn ols_names_the_column_that_makes_the_design_rank_deficient() {
    let x = array![[0.0, 0.0], [1.0, 2.0], [2.0, 4.0], [3.0, 6.0]];
    let names = vec!["a".to_string(), "twice_a".to_string()];
    let y = [1.0, 2.0, 2.0, 4.0];
    let e = fit_ols(RegressData {
        x: x.view(),
        names: &names,
        y: &y,
    })
    .expect_err("rank deficient");
    let m = e.to_string();
    assert!(
        m.contains("`twice_a`") && m.contains("rank deficient"),
        "{m}"
    );
    // Ridge has a unique answer on the same data.
    assert!(fit_ridge(data(&x, &y), 1.0).is_ok());
}

/// Ridge on the same line: slope = Sxy / (Sxx + alpha) = 4.5 / 6.
#[test]
fn ridge_is_the_closed_form() {
    let x = array![[0.0], [1.0], [2.0], [3.0]];
    let y = [1.0, 2.0, 2.0, 4.0];
    let m = fit_ridge(data(&x, &y), 1.0).expect("fit");
    close(m.coefficients.coef[0], 0.75);
    close(m.coefficients.intercept, 2.25 - 0.75 * 1.5);
    let m0 = fit_ridge(data(&x, &y), 0.0).expect("alpha 0 is least squares");
    close(m0.coefficients.coef[0], 0.9);
}

/// Orthogonal columns with ||x_j||² = n: each lasso weight is the soft
/// threshold of xⱼᵀy/n at alpha (here xᵀy/n = 2 and 1), and the elastic
/// net divides it by 1 + alpha (1 - l1_ratio).
#[test]
fn lasso_soft_thresholds_an_orthogonal_design() {
    let x = array![[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]];
    let y = [4.0, 2.0, 0.0, -2.0];
    let fit = |alpha: f64, l1_ratio: f64| {
        let p = EnetParams {
            alpha,
            l1_ratio,
            max_iter: 100,
            tol: 1e-10,
        };
        fit_enet(data(&x, &y), &p, &mut Progress::none()).expect("fit")
    };
    let m = fit(1.5, 1.0);
    close(m.coefficients.coef[0], 0.5);
    close(m.coefficients.coef[1], 0.0);
    close(m.coefficients.intercept, 1.0);
    let m = fit(0.5, 1.0);
    close(m.coefficients.coef[0], 1.5);
    close(m.coefficients.coef[1], 0.5);
    let m = fit(1.0, 0.5);
    close(m.coefficients.coef[0], 1.5 / 1.5);
    close(m.coefficients.coef[1], 0.5 / 1.5);
}

#[test]
fn the_path_starts_at_all_zero_and_ends_near_least_squares() {
    let x = array![
        [0.0, 1.0],
        [1.0, 0.0],
        [2.0, 2.0],
        [3.0, 1.0],
        [4.0, 5.0],
        [5.0, 3.0]
    ];
    let y = [1.0, 3.0, 0.0, 5.0, -2.0, 4.0];
    let p = path(data(&x, &y), 1.0, 10_000, 1e-12).expect("path");
    assert_eq!(p.alphas.len(), PATH_ALPHAS);
    assert!(p.alphas.windows(2).all(|w| w[0] > w[1]));
    assert!(p.coefs.iter().all(|c| c[0].abs() < 1e-12));
    let ols = fit_ols(data(&x, &y)).expect("ols");
    for (c, w) in p.coefs.iter().zip(&ols.coefficients.coef) {
        let last = c[c.len() - 1];
        assert!((last - w).abs() < 0.05 * w.abs().max(1.0), "{last} vs {w}");
    }
}
