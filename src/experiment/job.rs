//! One type for all background work: the experiment run, the HMM vs CRF
//! learning curve, neural training. A [`Job`] is a named thread that sends
//! events of type `T` over a channel and checks a [`Cancel`] token.
//!
//! The owner (the UI thread) never joins: dropping or cancelling a job only
//! raises the token and returns at once; the worker notices at its next
//! check, or when its next `send` fails because the receiver is gone (as in
//! bottom), and ends on its own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::thread::JoinHandle;

/// A cancellation token shared by a job and its worker.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Ask the work to stop at its next check.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// The flag itself, for code that takes `&AtomicBool`.
    pub fn flag(&self) -> &AtomicBool {
        &self.0
    }
}

/// The worker's end of the channel.
pub struct Sender<T> {
    tx: mpsc::Sender<T>,
    cancel: Cancel,
}

impl<T> Sender<T> {
    /// Send one event. Returns false when nobody listens any more; the
    /// job's token is then raised, so the work stops at its next check.
    pub fn send(&self, event: T) -> bool {
        if self.tx.send(event).is_err() {
            self.cancel.cancel();
            return false;
        }
        true
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    pub fn cancel_token(&self) -> &Cancel {
        &self.cancel
    }
}

/// Background work sending events of type `T`.
pub struct Job<T> {
    name: String,
    events: Receiver<T>,
    cancel: Cancel,
    /// Never joined: only asked whether it has finished.
    handle: JoinHandle<()>,
}

impl<T: Send + 'static> Job<T> {
    /// Start `work` on a thread called `name`. The work gets the sending end
    /// of the channel and the cancel token; it should check the token (or
    /// the result of `send`) often and return when either says stop.
    pub fn spawn<F>(name: &str, work: F) -> std::io::Result<Job<T>>
    where
        F: FnOnce(Sender<T>, Cancel) + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        let cancel = Cancel::new();
        let sender = Sender {
            tx,
            cancel: cancel.clone(),
        };
        let token = cancel.clone();
        let handle = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || work(sender, token))?;
        Ok(Job {
            name: name.to_string(),
            events: rx,
            cancel,
            handle,
        })
    }
}

impl<T> Job<T> {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Ask the work to stop. Returns at once.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Has the worker thread ended? Events it sent may still be queued.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// The next queued event, without waiting.
    pub fn try_recv(&self) -> Option<T> {
        self.events.try_recv().ok()
    }

    /// Every queued event, without waiting.
    pub fn drain(&self) -> Vec<T> {
        std::iter::from_fn(|| self.try_recv()).collect()
    }

    /// Wait up to `timeout` for the next event (CLI and tests; never the UI).
    pub fn recv_timeout(&self, timeout: std::time::Duration) -> Option<T> {
        self.events.recv_timeout(timeout).ok()
    }
}

impl<T> Drop for Job<T> {
    /// Cancel and let go: no join, so dropping never blocks.
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn events_arrive_and_the_job_finishes() {
        let job = Job::spawn("test-count", |tx, _| {
            for i in 0..3 {
                tx.send(i);
            }
        })
        .expect("spawn");
        let mut got = Vec::new();
        let t0 = Instant::now();
        while got.len() < 3 && t0.elapsed() < Duration::from_secs(5) {
            got.extend(job.recv_timeout(Duration::from_millis(50)));
        }
        assert_eq!(got, vec![0, 1, 2]);
        while !job.is_finished() && t0.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(job.is_finished());
    }

    #[test]
    fn dropping_a_job_whose_work_sleeps_returns_at_once() {
        // Work that never checks the token: a fit without a progress hook.
        let job: Job<()> = Job::spawn("test-sleeper", |_, _| {
            std::thread::sleep(Duration::from_secs(3));
        })
        .expect("spawn");
        let t0 = Instant::now();
        drop(job);
        assert!(
            t0.elapsed() < Duration::from_millis(100),
            "drop blocked for {:?}",
            t0.elapsed()
        );
    }

    #[test]
    fn cancel_reaches_the_work_and_returns_at_once() {
        let job = Job::spawn("test-cancel", |tx, cancel| {
            while !cancel.is_cancelled() {
                std::thread::sleep(Duration::from_millis(5));
            }
            tx.send("stopped");
        })
        .expect("spawn");
        let t0 = Instant::now();
        job.cancel();
        assert!(t0.elapsed() < Duration::from_millis(50));
        assert_eq!(job.recv_timeout(Duration::from_secs(5)), Some("stopped"));
    }

    #[test]
    fn the_worker_stops_when_send_fails() {
        let (done_tx, done_rx) = mpsc::channel();
        let job = Job::spawn("test-orphan", move |tx, cancel| {
            let mut sent = 0u64;
            while tx.send(sent) {
                sent += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
            let _ = done_tx.send(cancel.is_cancelled());
        })
        .expect("spawn");
        std::thread::sleep(Duration::from_millis(20));
        drop(job);
        assert_eq!(
            done_rx.recv_timeout(Duration::from_secs(5)),
            Ok(true),
            "the worker saw the failed send and the raised token"
        );
    }
}
