//! Giving memory back (issue 19).
//!
//! 2,000 readers at once take Causerie from 23 MB to about 118 MB (actix copies each
//! answer into its connection's write buffer, and a keep-alive connection keeps that
//! buffer's size), and it used to stay there after they left: glibc's allocator keeps
//! what was freed for the next allocation, in one arena per thread that allocated, and
//! gives back only what lies at the very top of a heap. [`spawn_trimmer`] asks it to
//! give back its free pages (`malloc_trim`) while much of its memory is free.

/// Free memory held by the allocator above which it is given back.
pub const TRIM_ABOVE: usize = 8 * 1024 * 1024;

/// How often the allocator's free memory is looked at.
pub const TRIM_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Starts the thread that gives freed memory back to the system (glibc only; other
/// allocators do it themselves): once per process, however many applications it
/// builds (the tests build many), since the allocator is the process's.
pub fn spawn_trimmer() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static STARTED: std::sync::Once = std::sync::Once::new();
        STARTED.call_once(start_trimmer);
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn start_trimmer() {
    let spawned = std::thread::Builder::new()
        .name("causerie-trim".into())
        .spawn(|| loop {
            std::thread::sleep(TRIM_EVERY);
            trim_if_worth_it();
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the memory trimmer");
    }
}

/// Gives the allocator's free pages back when its free memory is at least
/// [`TRIM_ABOVE`]; returns whether it tried. The free chunks stay counted once their
/// pages are given back, so this trims every time while they are there: a trim with
/// nothing left to give still walks the free lists, under each arena's lock, every
/// [`TRIM_EVERY`] (its cost on readers' latency is not measured yet; what was trimmed
/// and is used again costs page faults, which the next spike pays anyway).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn trim_if_worth_it() -> bool {
    // SAFETY: mallinfo2 and malloc_trim only read and adjust glibc's own heap
    // bookkeeping, under its locks; they take no pointer of ours.
    let free = unsafe { libc::mallinfo2() }.fordblks;
    if free < TRIM_ABOVE {
        return false;
    }
    unsafe { libc::malloc_trim(0) };
    true
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// Resident memory of this process, from /proc/self/statm, in bytes.
    fn resident() -> usize {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
        let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
        pages * 4096
    }

    #[test]
    fn freed_memory_is_given_back_once_it_is_worth_it() {
        // 64 MiB in small blocks on this thread's arena, written to (resident), then
        // freed but the last one: the allocator keeps them (they are not at a heap's
        // top) until trimmed.
        let mut blocks: Vec<Vec<u8>> = (0..16_384).map(|_| vec![1u8; 4096]).collect();
        let keep = blocks.pop();
        let full = resident();
        drop(blocks);
        assert!(trim_if_worth_it(), "64 MiB freed is worth a trim");
        let after = resident();
        assert!(
            after + 32 * 1024 * 1024 < full,
            "resident {full} before, {after} after the trim"
        );
        drop(keep);
    }
}
