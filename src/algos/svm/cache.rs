//! libsvm's LRU cache of kernel rows (`f32`, bounded in megabytes), with the
//! row swapping that shrinking needs.

use super::kernel::KData;

/// libsvm's kernel-row cache: rows `Q_i[0..len)` as `f32`, least recently
/// used rows evicted first, total size bounded in floats.
pub(super) struct Cache {
    pub(super) rows: Vec<Vec<f32>>,
    linked: Vec<bool>,
    prev: Vec<usize>,
    next: Vec<usize>,
    /// Floats still available.
    free: usize,
}

impl Cache {
    pub(super) fn new(l: usize, cache_mb: f64) -> Cache {
        let floats = (cache_mb * 1_048_576.0 / 4.0).min(usize::MAX as f64 / 2.0) as usize;
        // Per-row bookkeeping (Vec header + links), as libsvm subtracts its heads.
        let overhead = l.saturating_mul(10);
        let free = floats.saturating_sub(overhead).max(2 * l);
        let s = l; // sentinel of the circular list
        Cache {
            rows: vec![Vec::new(); l],
            linked: vec![false; l],
            prev: vec![s; l + 1],
            next: vec![s; l + 1],
            free,
        }
    }

    fn sentinel(&self) -> usize {
        self.rows.len()
    }

    fn lru_delete(&mut self, h: usize) {
        let (p, n) = (self.prev[h], self.next[h]);
        self.next[p] = n;
        self.prev[n] = p;
        self.linked[h] = false;
    }

    fn lru_insert(&mut self, h: usize) {
        let s = self.sentinel();
        let p = self.prev[s];
        self.next[h] = s;
        self.prev[h] = p;
        self.next[p] = h;
        self.prev[s] = h;
        self.linked[h] = true;
    }

    fn drop_row(&mut self, h: usize) {
        self.lru_delete(h);
        self.free += self.rows[h].len();
        self.rows[h] = Vec::new();
    }

    /// Makes row `i` hold at least `len` values and marks it most recent.
    pub(super) fn ensure(&mut self, kd: &mut KData, i: usize, len: usize) {
        if self.linked[i] {
            self.lru_delete(i);
        }
        let have = self.rows[i].len();
        if len > have {
            let more = len - have;
            let s = self.sentinel();
            while self.free < more {
                let old = self.next[s];
                if old == s {
                    break;
                }
                self.drop_row(old);
            }
            self.free = self.free.saturating_sub(more);
            let row = &mut self.rows[i];
            row.reserve_exact(more);
            kd.fill(i, row, len);
        }
        self.lru_insert(i);
    }

    pub(super) fn swap_index(&mut self, i: usize, j: usize) {
        if i == j {
            return;
        }
        let (li, lj) = (self.linked[i], self.linked[j]);
        if li {
            self.lru_delete(i);
        }
        if lj {
            self.lru_delete(j);
        }
        self.rows.swap(i, j);
        if lj {
            self.lru_insert(i);
        }
        if li {
            self.lru_insert(j);
        }
        let (a, b) = (i.min(j), i.max(j));
        let s = self.sentinel();
        let mut h = self.next[s];
        while h != s {
            let nh = self.next[h];
            let len = self.rows[h].len();
            if len > a {
                if len > b {
                    self.rows[h].swap(a, b);
                } else {
                    // Give up on this row, as libsvm does.
                    self.drop_row(h);
                }
            }
            h = nh;
        }
    }
}
