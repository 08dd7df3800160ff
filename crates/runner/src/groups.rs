//! The process groups of running shell checks.
//!
//! Each shell check runs in its own process group, so that a timeout can kill everything the
//! script started. That also puts it out of reach of Ctrl-C: the terminal signals only its
//! foreground group. So while a run lasts, SIGINT, SIGTERM and SIGHUP are handled: every running
//! check's group gets SIGTERM, then the process ends of the signal as it would have anyway.
//! (SIGTERM, not the signal received: a script's `cmd &` ignores SIGINT.)

use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use libc::{SIGHUP, SIGINT, SIGTERM, SIG_DFL, SIG_ERR, SIG_IGN};

pub(crate) const SIGKILL: i32 = libc::SIGKILL;
const FORWARDED: [i32; 3] = [SIGHUP, SIGINT, SIGTERM];

/// Checks beyond this many at once get no signal on Ctrl-C (their timeout still holds).
const SLOTS: usize = 256;
/// Running checks' process group ids; 0 is a free slot. Read by the signal handler: atomics only.
static GROUPS: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];
/// The dispositions the handler replaced, by position in `FORWARDED`.
static PREVIOUS: [AtomicUsize; FORWARDED.len()] =
    [const { AtomicUsize::new(SIG_DFL) }; FORWARDED.len()];
/// The signal the handler received and raised again (0: none): the process is ending of it.
static ENDING_OF: AtomicI32 = AtomicI32::new(0);
/// Runs in progress (tests run several at once): the first installs the handler, the last
/// puts the previous dispositions back.
static ACTIVE_RUNS: Mutex<usize> = Mutex::new(0);

/// The C functions, from the `libc` crate (already built for `tar`'s filetime).
use libc as sys;

pub(crate) fn kill_group(group: u32, signal: i32) {
    let Ok(group) = i32::try_from(group) else {
        return;
    };
    // SAFETY: kill(2) takes two integers and touches none of our memory. A negative pid names
    // the process group; if it is already gone the call fails harmlessly with ESRCH.
    unsafe {
        sys::kill(-group, signal);
    }
}

/// Forwards an interrupt to the running checks while alive.
pub(crate) struct Forwarding(());

impl Forwarding {
    pub(crate) fn start() -> Forwarding {
        let mut runs = ACTIVE_RUNS.lock().unwrap_or_else(PoisonError::into_inner);
        if *runs == 0 {
            for (signal, previous) in FORWARDED.into_iter().zip(&PREVIOUS) {
                // SAFETY: `forward` only does async-signal-safe things (atomics, kill, signal,
                // raise).
                let replaced = unsafe {
                    sys::signal(signal, forward as extern "C" fn(i32) as libc::sighandler_t)
                };
                previous.store(replaced, Ordering::SeqCst);
                if replaced == SIG_IGN {
                    // Ignored on purpose (`nohup`): leave it so.
                    // SAFETY: restores the disposition found.
                    unsafe { sys::signal(signal, SIG_IGN) };
                }
            }
        }
        *runs += 1;
        Forwarding(())
    }
}

impl Drop for Forwarding {
    fn drop(&mut self) {
        // The checks this run waited for ended because the handler signalled them; the signal
        // it raised again ends the process the moment the handler returns. Until then, the
        // run must not return: its caller would carry on as if the run had finished.
        if ENDING_OF.load(Ordering::SeqCst) != 0 {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
        let mut runs = ACTIVE_RUNS.lock().unwrap_or_else(PoisonError::into_inner);
        *runs -= 1;
        if *runs == 0 {
            for (signal, previous) in FORWARDED.into_iter().zip(&PREVIOUS) {
                let previous = previous.load(Ordering::SeqCst);
                if previous != SIG_ERR {
                    // SAFETY: puts back the disposition `start` found.
                    unsafe { sys::signal(signal, previous) };
                }
            }
        }
    }
}

extern "C" fn forward(signal: i32) {
    let index = FORWARDED.iter().position(|&s| s == signal).unwrap_or(0);
    let previous = match PREVIOUS[index].load(Ordering::SeqCst) {
        SIG_ERR => SIG_DFL,
        previous => previous,
    };
    if previous == SIG_DFL {
        ENDING_OF.store(signal, Ordering::SeqCst);
    }
    for slot in &GROUPS {
        let group = slot.load(Ordering::SeqCst);
        if group > 0 {
            // SAFETY: kill(2) is async-signal-safe and takes plain integers.
            unsafe { sys::kill(-group, SIGTERM) };
        }
    }
    // SAFETY: both are async-signal-safe. The raised signal is delivered once this handler
    // returns, to the previous disposition: by default, the process ends as it would have.
    unsafe {
        sys::signal(signal, previous);
        sys::raise(signal);
    }
}

/// A running check's group, known to the interrupt handler until dropped (drop it as soon as
/// the check is reaped: its id may be reused).
pub(crate) struct Registered(Option<&'static AtomicI32>);

pub(crate) fn register(group: u32) -> Registered {
    let Ok(group) = i32::try_from(group) else {
        return Registered(None);
    };
    let slot = GROUPS.iter().find(|slot| {
        slot.compare_exchange(0, group, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    });
    Registered(slot)
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Some(slot) = self.0 {
            slot.store(0, Ordering::SeqCst);
        }
    }
}
