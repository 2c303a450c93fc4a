//! Giving memory back (issue 19).
//!
//! 2,000 readers at once take Causerie from 23 MB to 75 MB (browsers) or 120 MB
//! (clients that take no gzip: actix copies each answer into its connection's write
//! buffer while it is sent), and it used to stay there after they left. Two causes in
//! glibc's allocator, each with its remedy here:
//! - It keeps one arena per thread that allocates, and gives back a thread arena's
//!   free top only above its trim threshold, which it raises by itself (up to 64 MiB)
//!   each time a large mapped block is freed; `malloc_trim` does not touch a thread
//!   arena's top at all. Measured: after plain clients, 77–90 MB stayed; with the
//!   thresholds fixed ([`tune_allocator`]), 28 MB. The mapping threshold is fixed at
//!   the same 1 MiB, so that blocks of up to 1 MiB (a thread's answer, a page of
//!   rows) come from the heap rather than from a new mapping each time.
//! - Freed blocks between live ones stay with it; [`spawn_trimmer`] asks it to give
//!   back their whole pages (`malloc_trim`) while much of its memory is free.

/// The thresholds [`tune_allocator`] fixes: above this much free memory at a heap's
/// top, the top goes back to the system; blocks from this size get their own mapping.
pub const ALLOCATOR_THRESHOLD: usize = 1024 * 1024;

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
        STARTED.call_once(|| {
            tune_allocator();
            start_trimmer();
        });
    }
}

/// Fixes glibc's trim and mapping thresholds at [`ALLOCATOR_THRESHOLD`] (glibc
/// otherwise moves both up as large blocks come and go, and then keeps tens of
/// megabytes of freed memory per thread). Process-wide; returns whether glibc took
/// both.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune_allocator() -> bool {
    let at = ALLOCATOR_THRESHOLD as libc::c_int;
    // SAFETY: mallopt only sets glibc's allocator parameters, under its lock.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, at) == 1
            && libc::mallopt(libc::M_MMAP_THRESHOLD, at) == 1
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

    #[test]
    fn a_threads_freed_memory_goes_back_even_after_a_large_block_came_and_went() {
        // A large mapped block freed makes glibc raise its thresholds by itself (here
        // to 30 MiB for mappings and 60 MiB for trimming), as a spike's buffers do;
        // fixed thresholds keep them where tune_allocator put them.
        assert!(tune_allocator());
        drop(std::hint::black_box(vec![1u8; 30 * 1024 * 1024]));
        // 48 MiB in small blocks on a thread of its own (its own arena), written to,
        // then all freed: the arena's top, which no malloc_trim gives back.
        let (full, after) = std::thread::spawn(|| {
            let blocks: Vec<Vec<u8>> = (0..12_288).map(|_| vec![1u8; 4096]).collect();
            let full = resident();
            drop(blocks);
            (full, resident())
        })
        .join()
        .unwrap();
        assert!(
            after + 32 * 1024 * 1024 < full,
            "resident {full} with the blocks, {after} once they were freed"
        );
    }
}
