//! How far a loader has read a file, for a progress bar: a throttle that
//! calls its sink about once per percent of the file (never more than 101
//! times a load), so the per-record check costs one comparison.

/// Calls `sink(done, total)` (bytes) as a loader's read position moves.
pub(crate) struct ReadProgress<'a> {
    sink: &'a mut dyn FnMut(u64, u64),
    total: u64,
    step: u64,
    next: u64,
}

impl<'a> ReadProgress<'a> {
    pub(crate) fn new(total: u64, sink: &'a mut dyn FnMut(u64, u64)) -> ReadProgress<'a> {
        let step = (total / 100).max(1);
        ReadProgress {
            sink,
            total,
            step,
            next: 0,
        }
    }

    /// The read position is now `done` bytes into the file.
    #[inline]
    pub(crate) fn at(&mut self, done: u64) {
        if done >= self.next {
            (self.sink)(done.min(self.total), self.total);
            self.next = if done >= self.total {
                u64::MAX
            } else {
                done.saturating_add(self.step)
            };
        }
    }

    /// The whole file has been read.
    pub(crate) fn finish(&mut self) {
        (self.sink)(self.total, self.total);
        self.next = u64::MAX;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_about_once_per_percent_and_ends_at_the_total() {
        let mut seen = Vec::new();
        {
            let mut sink = |d: u64, t: u64| seen.push((d, t));
            let mut p = ReadProgress::new(10_000, &mut sink);
            for b in (0..=12_000).step_by(7) {
                p.at(b);
            }
            p.finish();
        }
        assert!(seen.len() <= 102, "{} reports", seen.len());
        assert!(seen.len() >= 90, "{} reports", seen.len());
        assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0));
        assert!(seen.iter().all(|&(d, t)| d <= t && t == 10_000));
        assert_eq!(seen.last(), Some(&(10_000, 10_000)));
    }

    #[test]
    fn an_empty_file_reports_without_dividing_by_zero() {
        let mut seen = Vec::new();
        {
            let mut sink = |d: u64, t: u64| seen.push((d, t));
            let mut p = ReadProgress::new(0, &mut sink);
            p.at(0);
            p.finish();
        }
        assert_eq!(seen, vec![(0, 0), (0, 0)]);
    }
}
