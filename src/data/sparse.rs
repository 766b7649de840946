//! A compressed sparse row (CSR) matrix of `f64`: what text corpora become
//! (a document-term matrix is more than 99% zeros; the dense `docs x vocab`
//! array it replaces took 23 GB for a 17 MB corpus).
//!
//! Storage is `sprs::CsMat` (sprs 0.11, already in our dependency tree through
//! linfa-preprocessing, on the same ndarray 0.16, so it costs no build time):
//! a well-kept CSR/CSC type that checks its own invariants on construction
//! (`try_new`: sorted, in-range column indices per row). The hot loops of the
//! algorithms (naive Bayes counts, the logistic gradient, SVM dot products)
//! read its raw slices through [`Csr::row`], which is as fast as a hand-rolled
//! CSR and keeps one definition of the layout.

use sprs::CsMat;

/// A sparse `rows x cols` matrix in CSR form; every row's column indices are
/// sorted and distinct.
#[derive(Debug, Clone, PartialEq)]
pub struct Csr {
    m: CsMat<f64>,
}

impl Csr {
    /// Builds from raw CSR arrays: `indptr` has `rows + 1` entries, row `i`
    /// owns `indices[indptr[i]..indptr[i+1]]` (sorted, distinct, `< cols`)
    /// and the same range of `data`.
    pub fn try_new(
        rows: usize,
        cols: usize,
        indptr: Vec<usize>,
        indices: Vec<usize>,
        data: Vec<f64>,
    ) -> Result<Csr, String> {
        CsMat::try_new((rows, cols), indptr, indices, data)
            .map(|m| Csr { m })
            .map_err(|(_, _, _, e)| format!("invalid sparse matrix: {e}"))
    }

    /// An all-zero matrix.
    pub fn zeros(rows: usize, cols: usize) -> Csr {
        Csr {
            m: CsMat::zero((rows, cols)),
        }
    }

    pub fn nrows(&self) -> usize {
        self.m.rows()
    }

    pub fn ncols(&self) -> usize {
        self.m.cols()
    }

    /// Number of stored (non-zero) entries.
    pub fn nnz(&self) -> usize {
        self.m.nnz()
    }

    /// Share of the `rows x cols` cells that are stored (0 for an empty shape).
    pub fn density(&self) -> f64 {
        let cells = self.nrows() as f64 * self.ncols() as f64;
        if cells == 0.0 {
            0.0
        } else {
            self.nnz() as f64 / cells
        }
    }

    /// Column indices and values of row `i` (empty slices out of range).
    #[inline]
    pub fn row(&self, i: usize) -> (&[usize], &[f64]) {
        if i >= self.nrows() {
            return (&[], &[]);
        }
        let r = self.m.indptr().outer_inds_sz(i);
        (&self.m.indices()[r.clone()], &self.m.data()[r])
    }

    /// Iterator over rows as (indices, values).
    pub fn rows(&self) -> impl Iterator<Item = (&[usize], &[f64])> + '_ {
        (0..self.nrows()).map(move |i| self.row(i))
    }

    /// All stored values (row after row).
    pub fn values(&self) -> &[f64] {
        self.m.data()
    }

    /// The rows `rows` (in that order; repeats allowed; out-of-range rows are
    /// skipped).
    pub fn select_rows(&self, rows: &[usize]) -> Csr {
        let mut indptr = Vec::with_capacity(rows.len() + 1);
        indptr.push(0);
        let nnz: usize = rows.iter().map(|&r| self.row(r).0.len()).sum();
        let mut indices = Vec::with_capacity(nnz);
        let mut data = Vec::with_capacity(nnz);
        for &r in rows.iter().filter(|&&r| r < self.nrows()) {
            let (ix, v) = self.row(r);
            indices.extend_from_slice(ix);
            data.extend_from_slice(v);
            indptr.push(indices.len());
        }
        let n = indptr.len() - 1;
        Csr::try_new(n, self.ncols(), indptr, indices, data)
            .unwrap_or_else(|_| Csr::zeros(n, self.ncols()))
    }

    /// `<row i, w>` for a dense `w` of length `ncols`.
    #[inline]
    pub fn row_dot(&self, i: usize, w: &[f64]) -> f64 {
        let (ix, v) = self.row(i);
        ix.iter().zip(v).map(|(&j, &x)| x * w[j]).sum()
    }

    /// Sum of squares of each row.
    pub fn row_sq_norms(&self) -> Vec<f64> {
        self.rows()
            .map(|(_, v)| v.iter().map(|x| x * x).sum())
            .collect()
    }

    /// `<row i of self, row j of other>` by merging the sorted index lists.
    pub fn dot_rows(&self, i: usize, other: &Csr, j: usize) -> f64 {
        sparse_dot(self.row(i), other.row(j))
    }
}

/// Dot product of two sparse vectors with sorted indices (a merge, as
/// libsvm's sparse `dot`).
#[inline]
pub fn sparse_dot(a: (&[usize], &[f64]), b: (&[usize], &[f64])) -> f64 {
    let (ai, av) = a;
    let (bi, bv) = b;
    let (mut p, mut q) = (0, 0);
    let mut s = 0.0;
    while p < ai.len() && q < bi.len() {
        match ai[p].cmp(&bi[q]) {
            std::cmp::Ordering::Equal => {
                s += av[p] * bv[q];
                p += 1;
                q += 1;
            }
            std::cmp::Ordering::Less => p += 1,
            std::cmp::Ordering::Greater => q += 1,
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Csr {
        // [[1, 0, 2], [0, 0, 0], [0, 3, 4]]
        Csr::try_new(
            3,
            3,
            vec![0, 2, 2, 4],
            vec![0, 2, 1, 2],
            vec![1.0, 2.0, 3.0, 4.0],
        )
        .expect("valid")
    }

    #[test]
    fn rows_dots_and_selection() {
        let m = small();
        assert_eq!(m.nnz(), 4);
        assert!((m.density() - 4.0 / 9.0).abs() < 1e-12);
        assert_eq!(m.row(2), (&[1usize, 2][..], &[3.0, 4.0][..]));
        assert_eq!(m.row(1).0.len(), 0);
        assert_eq!(m.row(7).0.len(), 0);
        assert_eq!(m.row_dot(2, &[1.0, 1.0, 0.5]), 5.0);
        assert_eq!(m.dot_rows(0, &m, 2), 8.0);
        assert_eq!(m.row_sq_norms(), vec![5.0, 0.0, 25.0]);
        let s = m.select_rows(&[2, 0, 2]);
        assert_eq!(s.nrows(), 3);
        assert_eq!(s.row(1), (&[0usize, 2][..], &[1.0, 2.0][..]));
        assert_eq!(s.row(2), m.row(2));
    }

    #[test]
    fn invalid_layouts_are_errors_not_panics() {
        // unsorted indices in a row, and an index past the last column
        assert!(Csr::try_new(1, 3, vec![0, 2], vec![2, 0], vec![1.0, 1.0]).is_err());
        assert!(Csr::try_new(1, 3, vec![0, 1], vec![3], vec![1.0]).is_err());
    }
}
