use super::kernel::{KData, Kernel};
use super::solver::Solver;
use super::*;
use crate::algos::core::{Classifier, Progress, Step};
use ndarray::{array, Array2, Axis};

/// Reads a bundled CSV: features, then `target` (class names, mapped to
/// indices in sorted order, as scikit-learn's `np.unique`).
fn load(name: &str) -> (Array2<f64>, Vec<usize>) {
    let path = format!("{}/datasets/{name}.csv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let d = lines.next().unwrap().split(',').count() - 1;
    let mut vals = Vec::new();
    let mut names = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        vals.extend(f[..d].iter().map(|v| v.parse::<f64>().unwrap()));
        names.push(f[d].to_string());
    }
    let mut uniq = names.clone();
    uniq.sort();
    uniq.dedup();
    let y = names
        .iter()
        .map(|n| uniq.iter().position(|u| u == n).unwrap())
        .collect();
    (Array2::from_shape_vec((names.len(), d), vals).unwrap(), y)
}

type Split = (Array2<f64>, Vec<usize>, Array2<f64>, Vec<usize>);

fn split(x: &Array2<f64>, y: &[usize], test: &[usize]) -> Split {
    let tr: Vec<usize> = (0..y.len())
        .filter(|i| test.binary_search(i).is_err())
        .collect();
    (
        x.select(Axis(0), &tr),
        tr.iter().map(|&i| y[i]).collect(),
        x.select(Axis(0), test),
        test.iter().map(|&i| y[i]).collect(),
    )
}

fn accuracy(p: &[usize], y: &[usize]) -> f64 {
    assert_eq!(p.len(), y.len());
    p.iter().zip(y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64
}

fn fit_p(x: &Array2<f64>, y: &[usize], k: usize, params: &SvmParams) -> SvmModel {
    fit(x.view(), y, k, params, 0, &mut Progress::none()).unwrap()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

/// 400 points on a 2-D lattice with scrambled labels: a hard problem
/// (thousands of SMO iterations, shrinking and unshrinking happen).
/// Python: `i = np.arange(400); X = np.column_stack([((i*37) % 101)/50.0 - 1,
/// ((i*59) % 103)/51.5 - 1]); y = (((i*i*7 + 3) % 11) < 5).astype(int)`.
fn hard() -> (Array2<f64>, Vec<usize>) {
    let n = 400usize;
    let x = Array2::from_shape_fn((n, 2), |(i, j)| {
        if j == 0 {
            ((i * 37) % 101) as f64 / 50.0 - 1.0
        } else {
            ((i * 59) % 103) as f64 / 51.5 - 1.0
        }
    });
    let y = (0..n)
        .map(|i| usize::from((i * i * 7 + 3) % 11 < 5))
        .collect();
    (x, y)
}

fn hard_params(shrinking: bool) -> SvmParams {
    SvmParams {
        c: 100.0,
        gamma: Some(5.0),
        shrinking,
        ..SvmParams::default()
    }
}

// ------------------------------------------------ hand-checkable cases

#[test]
fn two_points_linear_hard_margin() {
    // x = -1 (class 0), x = +1 (class 1): w = 1, b = 0, alpha = 1/2 each,
    // dual objective ½·1 − 1 = −½, decision function f(x) = x.
    let x = array![[-1.0], [1.0]];
    let params = SvmParams {
        c: 10.0,
        kernel: KernelKind::Linear,
        ..SvmParams::default()
    };
    let m = fit_p(&x, &[0, 1], 2, &params);
    let info = &m.pair_info()[0];
    assert!(close(info.dual_objective, -0.5, 1e-9), "{info:?}");
    assert!(info.rho.abs() < 1e-9);
    assert_eq!(m.n_support(), vec![1, 1]);
    let f = m
        .decision_function(array![[0.5], [2.0], [-3.0]].view())
        .unwrap();
    assert!(close(f[0], 0.5, 1e-9) && close(f[1], 2.0, 1e-9) && close(f[2], -3.0, 1e-9));
    assert_eq!(m.predict(array![[0.5], [-0.1]].view()), vec![1, 0]);
    let s = m.scores(array![[0.5]].view()).unwrap();
    assert!(close(s[[0, 0]], -0.5, 1e-9) && close(s[[0, 1]], 0.5, 1e-9));
}

#[test]
fn four_points_rbf_symmetric() {
    // (±1, 0) class 0, (0, ±1) class 1, K = exp(-|x-y|²), C large.
    // By symmetry all alphas are equal and rho = 0; the margin condition
    // a (1 + e⁻⁴ − 2 e⁻²) = 1 gives a = 1.337532…, objective −2a.
    let x = array![[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]];
    let params = SvmParams {
        c: 100.0,
        gamma: Some(1.0),
        ..SvmParams::default()
    };
    let m = fit_p(&x, &[0, 0, 1, 1], 2, &params);
    let e = std::f64::consts::E;
    let a = 1.0 / (1.0 + e.powi(-4) - 2.0 * e.powi(-2));
    let info = &m.pair_info()[0];
    // Kernel values are stored as f32, as in libsvm: 1e-6 relative.
    assert!(
        close(info.dual_objective, -2.0 * a, 1e-6),
        "{info:?} vs {}",
        -2.0 * a
    );
    assert!(info.rho.abs() < 1e-6);
    assert_eq!(m.n_support(), vec![2, 2]);
    assert_eq!(m.predict(x.view()), vec![0, 0, 1, 1]);
    let f = m.decision_function(array![[0.0, 0.0]].view()).unwrap();
    assert!(f[0].abs() < 1e-6);
}

// --------------------------------------------------- invalid parameters

fn bad(p: SvmParams, name: &str) {
    match p.check(4) {
        Err(AlgoError::InvalidParam { name: n, .. }) => assert_eq!(n, name),
        other => panic!("expected InvalidParam({name}), got {other:?}"),
    }
    let (x, y) = load("iris");
    let r = fit(x.view(), &y, 3, &p, 0, &mut Progress::none());
    assert!(matches!(r, Err(AlgoError::InvalidParam { .. })));
}

#[test]
fn default_params_are_valid() {
    assert!(SvmParams::default().check(4).is_ok());
    let d = SvmParams::default();
    assert_eq!(
        (d.c, d.kernel, d.gamma, d.degree),
        (1.0, KernelKind::Rbf, None, 3)
    );
    assert_eq!(
        (d.coef0, d.tol, d.cache_mb, d.max_iter),
        (0.0, 1e-3, 200.0, 10_000_000)
    );
}

#[test]
fn invalid_c() {
    for c in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        bad(
            SvmParams {
                c,
                ..SvmParams::default()
            },
            "c",
        );
    }
}

#[test]
fn invalid_gamma() {
    for g in [0.0, -0.5, f64::NAN, f64::INFINITY] {
        bad(
            SvmParams {
                gamma: Some(g),
                ..SvmParams::default()
            },
            "gamma",
        );
    }
}

#[test]
fn invalid_degree() {
    for degree in [0, 21, 101] {
        bad(
            SvmParams {
                degree,
                ..SvmParams::default()
            },
            "degree",
        );
    }
}

/// `check` accepts exactly the registry's `degree` range.
#[test]
fn degree_range_matches_registry() {
    let spec = crate::registry::find("svm").unwrap();
    for degree in [1, 20] {
        let p = SvmParams {
            degree,
            ..SvmParams::default()
        };
        assert!(p.check(4).is_ok(), "degree {degree}");
        assert!(spec
            .values(&[("degree".into(), degree.to_string())])
            .is_ok());
    }
    for degree in [0, 21] {
        assert!(spec
            .values(&[("degree".into(), degree.to_string())])
            .is_err());
    }
}

#[test]
fn invalid_coef0() {
    bad(
        SvmParams {
            coef0: f64::NAN,
            ..SvmParams::default()
        },
        "coef0",
    );
}

#[test]
fn invalid_tol() {
    for tol in [0.0, -1e-3, f64::NAN] {
        bad(
            SvmParams {
                tol,
                ..SvmParams::default()
            },
            "tol",
        );
    }
}

#[test]
fn invalid_cache_mb() {
    for cache_mb in [0.0, -5.0, f64::NAN, f64::INFINITY] {
        bad(
            SvmParams {
                cache_mb,
                ..SvmParams::default()
            },
            "cache_mb",
        );
    }
}

#[test]
fn invalid_max_iter() {
    bad(
        SvmParams {
            max_iter: 0,
            ..SvmParams::default()
        },
        "max_iter",
    );
}

#[test]
fn no_features_is_bad_data() {
    assert!(matches!(
        SvmParams::default().check(0),
        Err(AlgoError::BadData(_))
    ));
    let x = Array2::<f64>::zeros((4, 0));
    let r = fit(
        x.view(),
        &[0, 1, 0, 1],
        2,
        &SvmParams::default(),
        0,
        &mut Progress::none(),
    );
    assert!(matches!(r, Err(AlgoError::BadData(_))));
}

// ------------------------------------------------------------ bad data

#[test]
fn bad_data_is_reported() {
    let p = SvmParams::default();
    let x = array![[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]];
    let run =
        |x: &Array2<f64>, y: &[usize], k: usize| fit(x.view(), y, k, &p, 0, &mut Progress::none());
    // row count mismatch
    assert!(matches!(run(&x, &[0, 1], 2), Err(AlgoError::BadData(_))));
    // one class present / fewer than two classes declared
    assert!(matches!(run(&x, &[1, 1, 1], 2), Err(AlgoError::BadData(_))));
    assert!(matches!(run(&x, &[0, 0, 0], 1), Err(AlgoError::BadData(_))));
    // label out of range
    assert!(matches!(run(&x, &[0, 1, 2], 2), Err(AlgoError::BadData(_))));
    // NaN / infinity
    let mut xn = x.clone();
    xn[[1, 1]] = f64::NAN;
    assert!(matches!(
        run(&xn, &[0, 1, 0], 2),
        Err(AlgoError::BadData(_))
    ));
    xn[[1, 1]] = f64::NEG_INFINITY;
    assert!(matches!(
        run(&xn, &[0, 1, 0], 2),
        Err(AlgoError::BadData(_))
    ));
    // empty
    let x0 = Array2::<f64>::zeros((0, 2));
    assert!(matches!(run(&x0, &[], 2), Err(AlgoError::BadData(_))));
}

#[test]
fn wrong_feature_count_gives_empty_prediction() {
    let (x, y) = load("iris");
    let m = fit_p(&x, &y, 3, &SvmParams::default());
    let x3 = Array2::<f64>::zeros((5, 3));
    assert!(m.predict(x3.view()).is_empty());
    assert!(m.scores(x3.view()).is_none());
    assert!(m.decision_function(x3.view()).is_none());
    assert_eq!(m.decision_function_ovo(x3.view()).dim(), (5, 0));
    assert_eq!(m.predict(x.slice(ndarray::s![0..0, ..])).len(), 0);
}

// ------------------------------------------- comparisons with sklearn

#[test]
fn matches_sklearn_on_full_datasets() {
    // for name in ["iris", "wine", "breast_cancer", "digits"]:
    //     X, y = load(name)  # features as float, y = sorted class-name index
    //     m = SVC().fit(X, y)   # scikit-learn 1.7.2
    //     print(m.n_support_.tolist(), (m.predict(X) == y).mean())
    let cases: [(&str, &[usize], f64); 4] = [
        ("iris", &[7, 29, 24], 0.973333),
        ("wine", &[18, 48, 48], 0.707865),
        ("breast_cancer", &[73, 75], 0.922671),
        (
            "digits",
            &[45, 94, 66, 78, 62, 77, 52, 72, 106, 95],
            0.996661,
        ),
    ];
    for (name, n_support, acc) in cases {
        let (x, y) = load(name);
        let k = n_support.len();
        let m = fit_p(&x, &y, k, &SvmParams::default());
        assert_eq!(m.n_support(), n_support, "{name}");
        let a = accuracy(&m.predict(x.view()), &y);
        assert!((a - acc).abs() < 1e-6, "{name}: {a} vs {acc}");
        assert!(!m.reached_max_iter());
    }
}

// Test rows of train_test_split(np.arange(n), test_size=0.25, stratify=y,
// random_state=0), sorted (scikit-learn 1.7.2, numpy 2.4).
const IRIS_TEST: &[usize] = &[
    0, 3, 6, 9, 12, 19, 21, 23, 24, 36, 39, 46, 48, 50, 51, 54, 55, 65, 67, 81, 85, 86, 88, 89, 90,
    99, 100, 103, 109, 113, 121, 129, 134, 136, 139, 142, 147, 149,
];
const WINE_TEST: &[usize] = &[
    0, 3, 6, 9, 19, 21, 23, 24, 36, 39, 44, 45, 47, 53, 54, 60, 63, 64, 70, 76, 90, 94, 95, 97, 98,
    100, 101, 105, 112, 115, 117, 119, 126, 131, 133, 144, 147, 148, 150, 157, 160, 164, 165, 166,
    176,
];
const BREAST_CANCER_TEST: &[usize] = &[
    3, 4, 6, 7, 8, 13, 23, 25, 27, 32, 33, 42, 52, 54, 65, 75, 77, 81, 82, 85, 87, 89, 93, 96, 104,
    106, 110, 115, 116, 119, 128, 135, 137, 152, 153, 155, 156, 164, 167, 173, 175, 179, 183, 188,
    190, 192, 195, 196, 197, 202, 203, 206, 208, 218, 219, 221, 229, 233, 235, 236, 237, 240, 242,
    245, 250, 253, 255, 262, 263, 264, 266, 267, 270, 283, 288, 292, 293, 296, 311, 313, 317, 318,
    322, 325, 328, 330, 331, 332, 334, 337, 340, 342, 350, 354, 356, 358, 363, 364, 365, 368, 373,
    375, 380, 401, 419, 420, 421, 428, 430, 437, 438, 445, 450, 453, 459, 465, 467, 468, 474, 477,
    480, 481, 482, 494, 502, 505, 510, 513, 517, 518, 520, 526, 530, 531, 532, 535, 537, 539, 547,
    548, 550, 558, 561,
];
const DIGITS_TEST: &[usize] = &[
    21, 24, 28, 34, 35, 37, 39, 42, 45, 46, 51, 57, 75, 77, 78, 81, 87, 95, 96, 99, 102, 103, 105,
    110, 117, 119, 131, 132, 134, 148, 159, 166, 170, 173, 186, 188, 197, 198, 202, 204, 205, 211,
    212, 213, 214, 220, 227, 231, 236, 240, 243, 245, 246, 252, 254, 264, 267, 275, 276, 279, 283,
    286, 293, 298, 304, 305, 306, 307, 308, 312, 314, 326, 328, 335, 339, 344, 345, 346, 353, 364,
    372, 374, 376, 379, 380, 382, 386, 387, 393, 397, 403, 405, 407, 410, 413, 417, 420, 423, 425,
    430, 432, 433, 440, 442, 452, 454, 458, 466, 467, 472, 481, 493, 496, 497, 499, 500, 506, 511,
    513, 520, 524, 526, 527, 528, 538, 553, 556, 560, 565, 567, 568, 569, 573, 587, 593, 604, 608,
    610, 616, 619, 637, 639, 641, 644, 649, 650, 652, 666, 667, 675, 694, 700, 701, 702, 704, 705,
    709, 716, 719, 731, 734, 738, 741, 744, 749, 760, 766, 767, 768, 770, 771, 772, 783, 786, 787,
    788, 789, 794, 799, 800, 802, 805, 806, 808, 811, 812, 813, 820, 822, 830, 837, 852, 853, 854,
    855, 857, 860, 865, 876, 885, 888, 890, 893, 899, 900, 905, 908, 911, 918, 923, 926, 929, 937,
    938, 943, 944, 945, 946, 949, 951, 960, 970, 973, 977, 978, 985, 988, 989, 990, 992, 995, 997,
    1002, 1003, 1005, 1006, 1007, 1009, 1010, 1012, 1014, 1016, 1023, 1024, 1027, 1030, 1035, 1037,
    1038, 1047, 1049, 1051, 1053, 1056, 1073, 1076, 1081, 1086, 1088, 1090, 1096, 1098, 1101, 1107,
    1108, 1116, 1118, 1121, 1123, 1136, 1138, 1141, 1148, 1150, 1151, 1152, 1157, 1159, 1161, 1162,
    1167, 1168, 1169, 1170, 1173, 1174, 1176, 1180, 1187, 1192, 1201, 1204, 1207, 1211, 1214, 1217,
    1220, 1221, 1224, 1232, 1233, 1242, 1246, 1253, 1255, 1261, 1262, 1264, 1268, 1269, 1270, 1287,
    1292, 1295, 1296, 1297, 1298, 1299, 1302, 1310, 1312, 1313, 1319, 1321, 1327, 1330, 1331, 1332,
    1335, 1336, 1340, 1347, 1350, 1351, 1352, 1353, 1364, 1367, 1371, 1372, 1375, 1395, 1397, 1400,
    1404, 1405, 1406, 1415, 1424, 1429, 1435, 1440, 1442, 1448, 1449, 1450, 1455, 1466, 1467, 1470,
    1471, 1474, 1476, 1482, 1484, 1487, 1496, 1497, 1503, 1505, 1509, 1512, 1513, 1516, 1520, 1521,
    1529, 1530, 1532, 1540, 1542, 1551, 1558, 1560, 1563, 1566, 1567, 1574, 1576, 1579, 1582, 1590,
    1591, 1596, 1599, 1602, 1606, 1608, 1610, 1613, 1614, 1617, 1626, 1628, 1629, 1634, 1637, 1638,
    1645, 1650, 1655, 1660, 1664, 1666, 1668, 1673, 1674, 1680, 1687, 1688, 1691, 1692, 1696, 1697,
    1700, 1704, 1706, 1715, 1717, 1723, 1726, 1728, 1733, 1734, 1739, 1742, 1750, 1755, 1758, 1760,
    1767, 1770, 1771, 1772, 1776, 1778, 1781, 1787, 1789, 1791,
];

#[test]
fn matches_sklearn_on_stratified_split() {
    // tr, te = train_test_split(np.arange(len(y)), test_size=0.25,
    //                           stratify=y, random_state=0)
    // m = SVC().fit(X[tr], y[tr]); (m.predict(X[te]) == y[te]).mean(), m.n_support_
    let cases: [(&str, &[usize], f64, &[usize]); 4] = [
        ("iris", IRIS_TEST, 1.0, &[6, 24, 20]),
        ("wine", WINE_TEST, 0.600000, &[13, 36, 36]),
        ("breast_cancer", BREAST_CANCER_TEST, 0.930070, &[58, 62]),
        (
            "digits",
            DIGITS_TEST,
            0.986667,
            &[43, 75, 56, 68, 55, 61, 42, 56, 92, 70],
        ),
    ];
    for (name, test, sk_acc, n_support) in cases {
        let (x, y) = load(name);
        let (xtr, ytr, xte, yte) = split(&x, &y, test);
        let m = fit_p(&xtr, &ytr, n_support.len(), &SvmParams::default());
        let acc = accuracy(&m.predict(xte.view()), &yte);
        eprintln!(
            "{name}: test accuracy {acc:.6} (sklearn {sk_acc:.6}), n_support {:?}",
            m.n_support()
        );
        assert!(
            (acc - sk_acc).abs() <= 0.01,
            "{name}: {acc} vs sklearn {sk_acc}"
        );
        assert_eq!(m.n_support(), n_support, "{name}");
    }
}

#[test]
fn binary_dual_objective_matches_libsvm() {
    // breast_cancer, split above, rows kept in index order as in `split`:
    // tr, te = np.sort(tr), np.sort(te); m = SVC(verbose=True).fit(X[tr], y[tr])
    // libsvm prints: #iter = 76, obj = -103.354642, rho = 0.687356
    // (the same for shrinking=False; with tr unsorted: #iter = 78, same obj)
    // sv = m.support_vectors_; a = m.dual_coef_[0]
    // 0.5 * a @ rbf_kernel(sv, sv, gamma=m._gamma) @ a - abs(a).sum()
    //   -> -103.3546418898;  m.intercept_ -> 0.6873557582
    // m.decision_function(X[te[:5]])
    //   -> [-1.2189219225, 2.158026234, 2.5467285731, 0.0747524725, -0.6741775967]
    let (x, y) = load("breast_cancer");
    let (xtr, ytr, xte, _) = split(&x, &y, BREAST_CANCER_TEST);
    for shrinking in [true, false] {
        let params = SvmParams {
            shrinking,
            ..SvmParams::default()
        };
        let m = fit_p(&xtr, &ytr, 2, &params);
        let info = &m.pair_info()[0];
        assert!(
            close(info.dual_objective, -103.3546418898, 1e-7),
            "{info:?}"
        );
        assert!(close(info.rho, 0.6873557582, 1e-6), "{info:?}");
        assert_eq!(info.iterations, 76);
        let f = m
            .decision_function(xte.slice(ndarray::s![0..5, ..]))
            .unwrap();
        let sk = [
            -1.2189219225,
            2.158026234,
            2.5467285731,
            0.0747524725,
            -0.6741775967,
        ];
        for (a, b) in f.iter().zip(sk) {
            assert!(close(*a, b, 1e-6), "{f:?}");
        }
    }
}

#[test]
fn hard_problem_matches_libsvm_with_and_without_shrinking() {
    // X, y = hard() in Python (see `hard`);
    // SVC(C=100, gamma=5.0, shrinking=True, verbose=True).fit(X, y):
    //   #iter = 17508, obj = -34633.782194, rho = -0.107428, n_support [202, 182]
    // same with shrinking=False:
    //   #iter = 14777, obj = -34633.777832, rho = -0.108191, n_support [202, 182]
    // (both stop within tol = 1e-3 of the optimum, at slightly different points)
    let (x, y) = hard();
    for (shrinking, obj, rho) in [
        (true, -34633.782194, -0.107428),
        (false, -34633.777832, -0.108191),
    ] {
        let m = fit_p(&x, &y, 2, &hard_params(shrinking));
        let info = &m.pair_info()[0];
        // On the reference machine the iteration counts are libsvm's too
        // (17508 / 14777): same kernel values, same path. Not asserted, as
        // a different libm `exp` may change the path slightly.
        eprintln!("shrinking {shrinking}: {info:?}");
        assert!(info.iterations > 1000);
        assert!(close(info.dual_objective, obj, 1e-9), "{info:?}");
        assert!((info.rho - rho).abs() < 1e-5, "{info:?}");
        assert_eq!(m.n_support(), vec![202, 182]);
    }
}

#[test]
fn other_kernels_match_sklearn_on_iris() {
    // for kern, kw in [("linear", {}), ("poly", {}),
    //                  ("poly", dict(degree=2, coef0=1.0, gamma=0.5)),
    //                  ("rbf", dict(C=10.0, gamma=0.5))]:
    //     m = SVC(kernel=kern, **kw).fit(X, y)   # iris, full
    //     print(m.n_support_, (m.predict(X) == y).mean(), m.intercept_)
    // intercept_ = -rho per pair (0,1), (0,2), (1,2)
    let lin = SvmParams {
        kernel: KernelKind::Linear,
        ..SvmParams::default()
    };
    let poly = SvmParams {
        kernel: KernelKind::Poly,
        ..SvmParams::default()
    };
    let poly2 = SvmParams {
        kernel: KernelKind::Poly,
        degree: 2,
        coef0: 1.0,
        gamma: Some(0.5),
        ..SvmParams::default()
    };
    let rbf = SvmParams {
        c: 10.0,
        gamma: Some(0.5),
        ..SvmParams::default()
    };
    let cases: [(SvmParams, [usize; 3], f64, [f64; 3]); 4] = [
        (
            lin,
            [3, 12, 12],
            0.993333,
            [1.4528445, 1.50771313, 6.78097119],
        ),
        (
            poly,
            [4, 9, 7],
            0.973333,
            [1.13460386, 1.18408165, 3.63798739],
        ),
        (poly2, [4, 7, 7], 0.98, [1.22888751, 1.31196689, 5.71785353]),
        (
            rbf,
            [6, 11, 14],
            0.98,
            [-0.07620924, -0.22402156, 0.06293107],
        ),
    ];
    let (x, y) = load("iris");
    for (p, n_support, acc, intercepts) in cases {
        let m = fit_p(&x, &y, 3, &p);
        assert_eq!(m.n_support(), n_support, "{p:?}");
        assert!(
            (accuracy(&m.predict(x.view()), &y) - acc).abs() < 1e-6,
            "{p:?}"
        );
        for (info, b) in m.pair_info().iter().zip(intercepts) {
            assert!(
                (-info.rho - b).abs() < 1e-4 * (1.0 + b.abs()),
                "{p:?}: {info:?} vs {b}"
            );
        }
    }
}

// ------------------------------------------- shrinking, cache, max_iter

#[test]
fn shrinking_gives_the_same_solution() {
    // Same optimum within the tolerance, with and without shrinking, and
    // with a tiny cache (rows evicted and dropped on swaps all the time).
    let (x, y) = hard();
    let reference = fit_p(&x, &y, 2, &hard_params(false));
    let r_obj = reference.pair_info()[0].dual_objective;
    let grid = Array2::from_shape_fn((900, 2), |(i, j)| {
        let v = if j == 0 { i / 30 } else { i % 30 };
        v as f64 / 15.0 - 1.0
    });
    let r_pred = reference.predict(grid.view());
    for (shrinking, cache_mb) in [(true, 200.0), (true, 0.001), (false, 0.001)] {
        let p = SvmParams {
            cache_mb,
            ..hard_params(shrinking)
        };
        let m = fit_p(&x, &y, 2, &p);
        let obj = m.pair_info()[0].dual_objective;
        // libsvm's stopping rule bounds the objective gap by about tol·C.
        assert!((obj - r_obj).abs() < 0.1, "{obj} vs {r_obj}");
        let agree = accuracy(&m.predict(grid.view()), &r_pred);
        assert!(agree > 0.99, "{agree}");
    }
    // Multiclass with shrinking on/off: the same predictions on digits.
    let (x, y) = load("digits");
    let a = fit_p(&x, &y, 10, &SvmParams::default());
    let b = fit_p(
        &x,
        &y,
        10,
        &SvmParams {
            shrinking: false,
            cache_mb: 0.01,
            ..SvmParams::default()
        },
    );
    assert_eq!(a.predict(x.view()), b.predict(x.view()));
    for (pa, pb) in a.pair_info().iter().zip(b.pair_info()) {
        assert!(
            (pa.dual_objective - pb.dual_objective).abs() < 1e-3,
            "{pa:?} {pb:?}"
        );
    }
}

#[test]
fn small_cache_gives_identical_result() {
    // Without shrinking the cache is only a cache: the iterates are the same.
    let (x, y) = hard();
    let a = fit_p(&x, &y, 2, &hard_params(false));
    let b = fit_p(
        &x,
        &y,
        2,
        &SvmParams {
            cache_mb: 0.001,
            ..hard_params(false)
        },
    );
    assert_eq!(a.pair_info(), b.pair_info());
    // With shrinking too (libsvm's swaps keep cached rows consistent).
    let a = fit_p(&x, &y, 2, &hard_params(true));
    let b = fit_p(
        &x,
        &y,
        2,
        &SvmParams {
            cache_mb: 0.001,
            ..hard_params(true)
        },
    );
    assert_eq!(a.pair_info(), b.pair_info());
}

#[test]
fn running_objective_tracks_libsvm_objective() {
    let (x, y) = hard();
    for shrinking in [true, false] {
        let kd = KData::new(
            x.iter().copied().collect(),
            2,
            y.iter().map(|&c| if c == 0 { 1 } else { -1 }).collect(),
            Kernel {
                kind: KernelKind::Rbf,
                gamma: 5.0,
                coef0: 0.0,
                degree: 3,
            },
        );
        let sol = Solver::new(kd, 100.0, 1e-3, 1.0)
            .solve(shrinking, 10_000_000, &mut |_| true)
            .unwrap();
        assert!(
            close(sol.running_obj, sol.obj, 1e-9),
            "{} vs {}",
            sol.running_obj,
            sol.obj
        );
    }
}

#[test]
fn max_iter_returns_current_solution_with_flag() {
    let (x, y) = hard();
    let m = fit_p(
        &x,
        &y,
        2,
        &SvmParams {
            max_iter: 50,
            ..hard_params(true)
        },
    );
    assert!(m.reached_max_iter());
    let info = &m.pair_info()[0];
    assert_eq!(info.iterations, 50);
    assert!(info.dual_objective < 0.0 && info.rho.is_finite());
    assert_eq!(m.predict(x.view()).len(), 400);
    let full = fit_p(&x, &y, 2, &hard_params(true));
    assert!(!full.reached_max_iter());
    assert!(full.pair_info()[0].dual_objective < info.dual_objective);
}

// ------------------------------------- determinism, progress, cancel

#[test]
fn deterministic() {
    let (x, y) = load("wine");
    let a = fit(
        x.view(),
        &y,
        3,
        &SvmParams::default(),
        1,
        &mut Progress::none(),
    )
    .unwrap();
    let b = fit(
        x.view(),
        &y,
        3,
        &SvmParams::default(),
        2,
        &mut Progress::none(),
    )
    .unwrap();
    assert_eq!(a.pair_info(), b.pair_info());
    assert_eq!(a.support_indices(), b.support_indices());
    assert_eq!(a.scores(x.view()), b.scores(x.view()));
}

#[test]
fn reports_one_step_per_pair_in_order() {
    let (x, y) = load("iris");
    let mut steps: Vec<Step> = Vec::new();
    let mut sink = |s: Step| {
        steps.push(s);
        true
    };
    let m = fit(
        x.view(),
        &y,
        3,
        &SvmParams::default(),
        0,
        &mut Progress::new(&mut sink),
    )
    .unwrap();
    // iris needs < 1000 iterations per pair: no heartbeats.
    let infos = m.pair_info();
    assert_eq!(steps.len(), 3);
    for (p, (s, info)) in steps.iter().zip(&infos).enumerate() {
        assert_eq!((s.iter, s.total, s.metric), (p + 1, 3, "dual objective"));
        assert_eq!(s.value, info.dual_objective);
    }
}

#[test]
fn heartbeats_during_long_solves() {
    let (x, y) = hard();
    let mut steps: Vec<Step> = Vec::new();
    let mut sink = |s: Step| {
        steps.push(s);
        true
    };
    let m = fit(
        x.view(),
        &y,
        2,
        &hard_params(true),
        0,
        &mut Progress::new(&mut sink),
    )
    .unwrap();
    let info = &m.pair_info()[0];
    assert_eq!(steps.len(), info.iterations / 1000 + 1);
    assert!(steps.iter().all(|s| s.iter == 1 && s.total == 1));
    assert_eq!(steps.last().unwrap().value, info.dual_objective);
    // The objective decreases (SMO is a descent method).
    assert!(steps.windows(2).all(|w| w[1].value <= w[0].value + 1e-6));
}

#[test]
fn cancellation() {
    // Cancel at the first report: binary (heartbeat inside SMO) ...
    let (x, y) = hard();
    let mut calls = 0;
    let mut sink = |_: Step| {
        calls += 1;
        false
    };
    let r = fit(
        x.view(),
        &y,
        2,
        &hard_params(true),
        0,
        &mut Progress::new(&mut sink),
    );
    assert_eq!(r.err(), Some(AlgoError::Cancelled));
    assert_eq!(calls, 1);
    // ... and multiclass (pairs on worker threads).
    let (x, y) = load("digits");
    let mut sink = |_: Step| false;
    let r = fit(
        x.view(),
        &y,
        10,
        &SvmParams::default(),
        0,
        &mut Progress::new(&mut sink),
    );
    assert_eq!(r.err(), Some(AlgoError::Cancelled));
    // Cancel after a few pairs.
    let mut seen = 0;
    let mut sink = |_: Step| {
        seen += 1;
        seen < 5
    };
    let r = fit(
        x.view(),
        &y,
        10,
        &SvmParams::default(),
        0,
        &mut Progress::new(&mut sink),
    );
    assert_eq!(r.err(), Some(AlgoError::Cancelled));
}

// ------------------------------------------------------ scores, labels

#[test]
fn scores_are_consistent_with_predict() {
    let (x, y) = load("breast_cancer");
    let m = fit_p(&x, &y, 2, &SvmParams::default());
    let s = m.scores(x.view()).unwrap();
    let f = m.decision_function(x.view()).unwrap();
    let p = m.predict(x.view());
    for r in 0..y.len() {
        assert_eq!(s[[r, 1]], f[r]);
        assert_eq!(s[[r, 0]], -f[r]);
        assert_eq!(p[r], usize::from(f[r] > 0.0));
    }
    // Multiclass: the ovr score's integer part is the vote count, and the
    // argmax agrees with predict (scikit-learn's decision_function).
    let (x, y) = load("iris");
    let m = fit_p(&x, &y, 3, &SvmParams::default());
    let s = m.scores(x.view()).unwrap();
    let p = m.predict(x.view());
    for (row, &pr) in s.rows().into_iter().zip(&p) {
        let best = (0..3).fold(0, |b, c| if row[c] > row[b] { c } else { b });
        assert_eq!(best, pr);
        let votes: f64 = row.iter().map(|v| v.round()).sum();
        assert_eq!(votes, 3.0);
    }
}

#[test]
fn absent_class_gets_no_votes() {
    // Labels 0 and 2 of n_classes = 4: a binary model inside a 4-class space.
    let (x, y) = load("iris");
    let keep: Vec<usize> = (0..y.len()).filter(|&i| y[i] != 1).collect();
    let xs = x.select(Axis(0), &keep);
    let ys: Vec<usize> = keep.iter().map(|&i| y[i]).collect();
    let m = fit_p(&xs, &ys, 4, &SvmParams::default());
    assert_eq!(m.n_classes(), 4);
    assert_eq!(m.n_support()[1], 0);
    assert_eq!(m.n_support()[3], 0);
    assert_eq!(m.predict(xs.view()), ys);
    let s = m.scores(xs.view()).unwrap();
    assert_eq!(s.dim(), (ys.len(), 4));
    assert!(s.column(1).iter().all(|&v| v == 0.0));
    assert!(m.decision_function(xs.view()).is_some());
}

#[test]
fn gamma_scale_matches_sklearn() {
    // X, y = iris; SVC().fit(X, y)._gamma -> 1 / (4 * X.var())
    let (x, y) = load("iris");
    let m = fit_p(&x, &y, 3, &SvmParams::default());
    let n = x.len() as f64;
    let mean = x.sum() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    assert!(close(m.gamma(), 1.0 / (4.0 * var), 1e-12));
    // constant X: gamma = 1 (sklearn), and a fit still works
    let xc = Array2::from_elem((4, 2), 3.0);
    let m = fit_p(&xc, &[0, 1, 0, 1], 2, &SvmParams::default());
    assert_eq!(m.gamma(), 1.0);
}

/// A sparse 3-class problem (about 15% of the cells stored): dense and CSR
/// forms of the same matrix.
fn sparse_problem() -> (Array2<f64>, crate::data::sparse::Csr, Vec<usize>) {
    let (n, d) = (150, 40);
    let mut x = Array2::zeros((n, d));
    let mut y = Vec::with_capacity(n);
    let mut s: u64 = 12345;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 33) as f64 / (1u64 << 31) as f64
    };
    for i in 0..n {
        let c = i % 3;
        y.push(c);
        for j in 0..d {
            // Each class favours its own third of the columns.
            let p = if j % 3 == c { 0.3 } else { 0.08 };
            if next() < p {
                x[(i, j)] = 0.2 + next();
            }
        }
    }
    let (mut indptr, mut indices, mut data) = (vec![0], Vec::new(), Vec::new());
    for r in x.rows() {
        for (j, &v) in r.iter().enumerate() {
            if v != 0.0 {
                indices.push(j);
                data.push(v);
            }
        }
        indptr.push(indices.len());
    }
    let m = crate::data::sparse::Csr::try_new(n, d, indptr, indices, data).unwrap();
    (x, m, y)
}

#[test]
fn sparse_rows_give_the_dense_model() {
    let (x, m, y) = sparse_problem();
    for (kernel, shrinking, cache_mb) in [
        (KernelKind::Rbf, true, 0.01),
        (KernelKind::Rbf, false, 200.0),
        (KernelKind::Poly, true, 200.0),
        (KernelKind::Linear, true, 0.01),
    ] {
        let p = SvmParams {
            kernel,
            gamma: Some(0.7),
            coef0: 0.5,
            c: 3.0,
            shrinking,
            cache_mb,
            ..SvmParams::default()
        };
        let dense = fit_p(&x, &y, 3, &p);
        let sparse = fit_sparse(&m, &y, 3, &p, &mut Progress::none()).unwrap();
        // The kernel values are the same bits, so the SMO path is too.
        assert_eq!(dense.pair_info(), sparse.pair_info(), "{kernel:?}");
        assert_eq!(dense.support_indices(), sparse.support_indices());
        let dd = dense.decision_function_ovo(x.view());
        let ds = sparse.decision_function_ovo_sparse(&m);
        let dm = sparse.decision_function_ovo(x.view());
        assert_eq!(dd.dim(), ds.dim());
        for ((a, b), c) in dd.iter().zip(&ds).zip(&dm) {
            assert!(close(*b, *a, 1e-9) && close(*c, *a, 1e-9), "{a} {b} {c}");
        }
        assert_eq!(dense.predict(x.view()), sparse.predict_sparse(&m).unwrap());
        assert_eq!(
            dense.decision_function_ovo_sparse(&m).dim(),
            dd.dim(),
            "a dense model predicts sparse rows too"
        );
        assert!(
            sparse
                .predict(x.view())
                .iter()
                .zip(&y)
                .filter(|(a, b)| a == b)
                .count()
                > 100
        );
    }
    // gamma = "scale" from the stored entries agrees with the dense variance.
    let p = SvmParams::default();
    let a = fit_p(&x, &y, 3, &p).gamma();
    let b = fit_sparse(&m, &y, 3, &p, &mut Progress::none())
        .unwrap()
        .gamma();
    assert!(close(a, b, 1e-12), "{a} vs {b}");
    // A sparse matrix of the wrong width predicts nothing.
    let narrow = crate::data::sparse::Csr::zeros(2, 3);
    assert!(fit_sparse(&m, &y, 3, &p, &mut Progress::none())
        .unwrap()
        .predict_sparse(&narrow)
        .is_none());
}
