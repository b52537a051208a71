//! One helper thread for the pure computation of a heap scan, so that it overlaps with
//! reading memory on the main thread.
//!
//! mdb is single-threaded and may leave a dcmd by `longjmp` at any instruction (SIGINT,
//! the pager), which skips Rust frames without running their destructors. So:
//! - the helper never calls mdb: it only computes on data it owns (jobs are `'static`);
//! - it blocks every signal, so that SIGINT is always handled on mdb's thread;
//! - nothing here is held across a blocking wait: if the main thread is interrupted while
//!   the helper works, the job's result is simply never collected;
//! - `_mdb_fini` stops and joins the thread ([`stop`]), so it never outlives the module.
//!
//! If the thread cannot be started (or its slot was left locked by an interruption), jobs
//! run on the calling thread: slower, same results.

use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Mutex;
use std::thread::JoinHandle;

type Job = Box<dyn FnOnce() + Send>;

struct Helper {
    jobs: Sender<Job>,
    thread: JoinHandle<()>,
}

static HELPER: Mutex<Option<Helper>> = Mutex::new(None);

/// The result of a job, once [`Ticket::wait`] collects it.
pub struct Ticket<T>(Receiver<Result<T, Box<dyn Any + Send>>>);

impl<T> Ticket<T> {
    /// Wait for the job's result. A panic in the job is resumed here, on the caller's
    /// thread, where the entry point's guard reports it.
    pub fn wait(self) -> T {
        match self.0.recv() {
            Ok(Ok(v)) => v,
            Ok(Err(panic)) => resume_unwind(panic),
            Err(_) => panic!("the scan's helper thread stopped"),
        }
    }
}

/// Run `f` on the helper thread (starting it on first use) and return its ticket.
pub fn spawn<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Ticket<T> {
    let (tx, rx) = mpsc::sync_channel(1);
    let job: Job = Box::new(move || {
        // The receiver is gone if the caller was interrupted: nobody wants the result.
        let _ = tx.send(catch_unwind(AssertUnwindSafe(f)));
    });
    let job = match HELPER.try_lock() {
        Ok(mut slot) => {
            if slot.is_none() {
                *slot = start();
            }
            match slot.as_ref() {
                Some(h) => h.jobs.send(job).err().map(|e| e.0),
                None => Some(job),
            }
        }
        Err(_) => Some(job),
    };
    // No helper: do the work here.
    if let Some(job) = job {
        job();
    }
    Ticket(rx)
}

/// Stop and join the helper thread, if it runs (`_mdb_fini`).
pub fn stop() {
    let helper = match HELPER.try_lock() {
        Ok(mut slot) => slot.take(),
        Err(_) => None,
    };
    if let Some(h) = helper {
        // Closing the queue ends the thread's loop once its current job is done.
        drop(h.jobs);
        let _ = h.thread.join();
    }
}

fn start() -> Option<Helper> {
    let (jobs, queue) = mpsc::channel::<Job>();
    // The thread inherits the signal mask in effect when it is created: block everything
    // around the spawn, so that no signal meant for mdb is ever delivered to the helper.
    let thread = with_signals_blocked(|| {
        std::thread::Builder::new().name("v8-scan".into()).spawn(move || {
            while let Ok(job) = queue.recv() {
                job();
            }
        })
    })
    .ok()?;
    Some(Helper { jobs, thread })
}

fn with_signals_blocked<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: plain libc calls on sigset_t values owned by this frame.
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut old);
        let v = f();
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The helper is shared: a test that finds it busy (its slot locked by another test's
    /// spawn) would run its job inline, so the tests take turns.
    fn serial() -> std::sync::MutexGuard<'static, ()> {
        static SERIAL: Mutex<()> = Mutex::new(());
        SERIAL.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[test]
    fn jobs_run_in_order_and_return_their_results() {
        let _turn = serial();
        let tickets: Vec<_> = (0..10u64).map(|i| spawn(move || i * i)).collect();
        let got: Vec<u64> = tickets.into_iter().map(Ticket::wait).collect();
        assert_eq!(got, (0..10u64).map(|i| i * i).collect::<Vec<_>>());
    }

    #[test]
    fn a_panicking_job_panics_in_the_waiter_and_the_helper_survives() {
        let _turn = serial();
        let t = spawn(|| -> u32 { panic!("boom") });
        let err = catch_unwind(AssertUnwindSafe(|| t.wait())).unwrap_err();
        assert_eq!(err.downcast_ref::<&str>(), Some(&"boom"));
        assert_eq!(spawn(|| 7).wait(), 7);
    }

    #[test]
    fn the_helper_blocks_signals() {
        let _turn = serial();
        let mask = spawn(|| unsafe {
            let mut cur: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut cur);
            (std::thread::current().name() == Some("v8-scan"), libc::sigismember(&cur, libc::SIGINT))
        })
        .wait();
        assert_eq!(mask, (true, 1));
    }

    #[test]
    fn a_busy_slot_runs_the_job_inline() {
        let _turn = serial();
        let _slot = HELPER.lock().unwrap_or_else(|e| e.into_inner());
        let name = spawn(|| std::thread::current().name().map(String::from)).wait();
        assert_ne!(name.as_deref(), Some("v8-scan"));
    }

    #[test]
    fn stop_joins_the_thread_and_the_next_job_starts_another() {
        let _turn = serial();
        let first = spawn(|| std::thread::current().id()).wait();
        stop();
        assert!(HELPER.lock().unwrap_or_else(|e| e.into_inner()).is_none());
        let second = spawn(|| std::thread::current().id()).wait();
        assert_ne!(first, second);
        assert_ne!(second, std::thread::current().id());
    }
}
