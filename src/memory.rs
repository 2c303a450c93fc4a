//! Giving memory back (issue 19).
//!
//! 2,000 readers at once take Causerie from 23 MB to 75 MB (browsers) or 120 MB
//! (clients that take no gzip: actix copies each answer into its connection's write
//! buffer while it is sent), and it used to stay there after they left: glibc keeps
//! what was freed for the next allocation, in one arena per thread. Two remedies:
//! - [`spawn_trimmer`] asks glibc to give back its free pages (`malloc_trim`) while
//!   much of its memory is free. Alone, it brought memory back to 28–45 MB after
//!   browsers, but 77–90 MB stayed after plain clients.
//! - [`tune_allocator`] fixes glibc's trim and mapping thresholds at 1 MiB, which
//!   glibc otherwise raises by itself (up to 64 and 32 MiB) each time a large mapped
//!   block is freed. With both, memory was back to 26–32 MB 10 s after either crowd
//!   in three runs of the benchmark's crowd (`GLIBC_TUNABLES` with the same values
//!   did the same; 128 KiB and 4 MiB as well), at the same CPU per read, cached and
//!   uncached. That is measured by the benchmark, not by a unit test: a test of one
//!   thread's blocks is given back by the trimmer whatever the thresholds, and what
//!   a crowd leaves that only fixed thresholds free is not pinned down yet.

/// The thresholds [`tune_allocator`] fixes: above this much free memory at a heap's
/// top, the top goes back to the system; blocks from this size get their own mapping.
pub const ALLOCATOR_THRESHOLD: usize = 1024 * 1024;

/// Free memory held by the allocator above which it is given back.
pub const TRIM_ABOVE: usize = 1024 * 1024;

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
/// [`TRIM_EVERY`] (at 1 MiB rather than 8, reads' and posts' p99 in the benchmark did
/// not move, and 1.6 MB less stayed after its ordinary phases; what was trimmed and is
/// used again costs page faults, which the next spike pays anyway).
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

    /// Whether this is the process of its own that `test` runs in; if not, runs it
    /// there (this test binary again, that test only) and checks that it passed. Other
    /// tests' threads share the allocator's arenas and hold blocks at their tops, so
    /// what this process gives back is not this test's alone.
    fn alone(test: &str) -> bool {
        if std::env::var_os("MEMORY_TEST_ALONE").is_some() {
            return true;
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", test, "--test-threads=1"])
            .env("MEMORY_TEST_ALONE", "1")
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success() && said.contains("1 passed"), "{said}");
        false
    }

    #[test]
    fn freed_memory_is_given_back_once_it_is_worth_it() {
        if !alone("memory::tests::freed_memory_is_given_back_once_it_is_worth_it") {
            return;
        }
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
