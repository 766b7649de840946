//! Information-theory helpers for the notes and the quiz: entropy, Gini
//! impurity, information gain (the split criteria of decision trees:
//! scikit-learn's `criterion="entropy"` / `"gini"`).
//!
//! Conventions: 0·log 0 = 0; empty or all-zero inputs have entropy and
//! impurity 0. Nothing returns NaN.

/// Shannon entropy in nats, −Σ pᵢ ln pᵢ.
///
/// `p` is normalised to sum 1 first (as `scipy.stats.entropy`), so counts or
/// unnormalised weights work too. Entries that are zero, negative or not
/// finite are ignored (they contribute 0). Returns 0 for an empty or
/// all-zero input.
pub fn entropy(p: &[f64]) -> f64 {
    let valid = || p.iter().copied().filter(|v| v.is_finite() && *v > 0.0);
    let total: f64 = valid().sum();
    if total <= 0.0 || !total.is_finite() {
        return 0.0;
    }
    let h: f64 = valid()
        .map(|v| {
            let q = v / total;
            -q * q.ln()
        })
        .sum();
    h.max(0.0)
}

/// Shannon entropy in bits, −Σ pᵢ log₂ pᵢ (see [`entropy`]).
pub fn entropy_bits(p: &[f64]) -> f64 {
    entropy(p) / std::f64::consts::LN_2
}

/// Entropy in nats of the class distribution given by `counts`.
pub fn entropy_of_counts(counts: &[usize]) -> f64 {
    let p: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
    entropy(&p)
}

/// Gini impurity 1 − Σ pᵢ² of the class distribution given by `counts`:
/// the probability that two samples drawn with replacement have different
/// classes. 0 for a pure node and for no samples.
pub fn gini(counts: &[usize]) -> f64 {
    let n: usize = counts.iter().sum();
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    let s: f64 = counts.iter().map(|&c| (c as f64 / n).powi(2)).sum();
    (1.0 - s).max(0.0)
}

/// Information gain in nats of splitting a node with class counts
/// `parent_counts` into children with class counts `child_counts`:
/// H(parent) − Σₖ (nₖ / n) H(childₖ).
///
/// The weights nₖ / n use the children's own sizes (n = Σ nₖ), which is the
/// parent's size when the children partition it, as they should. Never
/// negative: rounding just below 0 (e.g. an uninformative split) gives 0.
/// With no child samples the gain is H(parent).
pub fn information_gain(parent_counts: &[usize], child_counts: &[Vec<usize>]) -> f64 {
    let sizes: Vec<usize> = child_counts.iter().map(|c| c.iter().sum()).collect();
    let n: usize = sizes.iter().sum();
    let parent = entropy_of_counts(parent_counts);
    if n == 0 {
        return parent;
    }
    let children: f64 = child_counts
        .iter()
        .zip(&sizes)
        .map(|(c, &s)| s as f64 / n as f64 * entropy_of_counts(c))
        .sum();
    (parent - children).max(0.0)
}

/// [`information_gain`] in bits (ID3's usual unit).
pub fn information_gain_bits(parent_counts: &[usize], child_counts: &[Vec<usize>]) -> f64 {
    information_gain(parent_counts, child_counts) / std::f64::consts::LN_2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    // Reference helper for the snippets below:
    // def H(c, b=np.e):
    //     c = np.array(c, float); p = c[c > 0] / c.sum()
    //     return -(p * np.log(p)).sum() / np.log(b)

    #[test]
    fn entropy_values() {
        assert_eq!(entropy(&[1.0]), 0.0);
        assert!(close(entropy(&[0.5, 0.5]), std::f64::consts::LN_2));
        assert!(close(entropy_bits(&[0.5, 0.5]), 1.0));
        // H([1,1,1,1], 2) -> 2.0
        assert!(close(entropy_bits(&[0.25; 4]), 2.0));
        // H([9,5], 2) -> 0.940285958670631 ; H([9,5]) -> 0.6517565611726531
        assert!(close(entropy_bits(&[9.0, 5.0]), 0.940285958670631));
        assert!(close(entropy_of_counts(&[9, 5]), 0.6517565611726531));
        // normalisation: counts and probabilities agree
        assert!(close(
            entropy(&[9.0, 5.0]),
            entropy(&[9.0 / 14.0, 5.0 / 14.0])
        ));
    }

    #[test]
    fn entropy_degenerate() {
        assert_eq!(entropy(&[]), 0.0);
        assert_eq!(entropy(&[0.0, 0.0]), 0.0);
        assert_eq!(entropy_of_counts(&[0, 7, 0]), 0.0);
        assert!(close(entropy(&[0.5, 0.0, 0.5]), std::f64::consts::LN_2));
        assert!(close(
            entropy(&[0.5, f64::NAN, -1.0, 0.5, f64::INFINITY]),
            std::f64::consts::LN_2
        ));
        assert_eq!(entropy_bits(&[]), 0.0);
    }

    #[test]
    fn gini_values() {
        assert_eq!(gini(&[]), 0.0);
        assert_eq!(gini(&[0, 0]), 0.0);
        assert_eq!(gini(&[5]), 0.0);
        assert!(close(gini(&[5, 5]), 0.5));
        // 1 - ((np.array([9,5]) / 14)**2).sum() -> 0.4591836734693877
        assert!(close(gini(&[9, 5]), 0.4591836734693877));
    }

    #[test]
    fn information_gain_play_tennis() {
        // Quinlan's play-tennis data, split on Outlook:
        // H([9,5],2) - (5/14*H([2,3],2) + 4/14*H([4,0],2) + 5/14*H([3,2],2))
        //   -> 0.246749819774439
        let children = vec![vec![2, 3], vec![4, 0], vec![3, 2]];
        assert!(close(
            information_gain_bits(&[9, 5], &children),
            0.246749819774439
        ));
        assert!(close(
            information_gain(&[9, 5], &children),
            0.246749819774439 * std::f64::consts::LN_2
        ));
    }

    #[test]
    fn information_gain_extremes() {
        // A perfect split recovers all the parent's entropy.
        assert!(close(
            information_gain_bits(&[5, 5], &[vec![5, 0], vec![0, 5]]),
            1.0
        ));
        // An uninformative split gains nothing, and never goes below 0.
        let g = information_gain(&[6, 9], &[vec![2, 3], vec![4, 6]]);
        assert!((0.0..1e-15).contains(&g));
        assert_eq!(information_gain(&[0, 0], &[]), 0.0);
        assert!(close(
            information_gain(&[1, 1], &[]),
            std::f64::consts::LN_2
        ));
    }
}
