//! Many small files, read side by side: a county's per-village posted lists or a bank's
//! daily files are thousands of files of a few kilobytes, each milliseconds of fixed work
//! (open, sniff, parse, validate) and nothing to share.
//!
//! Plain threads, one per core, not a rayon pool: Polars' reader waits on its own pool,
//! and a rayon worker waiting there steals the next file's read onto the same stack, file
//! after file, until the stack overflows. And Polars' work stays on each of these threads
//! ([`polars_inline`]), as Polars' own executor threads keep theirs.

/// `f` over `items` on every core, results in the items' order.
pub(crate) fn map_each<I: Sync, T: Send>(items: &[I], f: impl Fn(&I) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(items.len());
    // One thread: here, and without `polars_inline` (which must never run on the caller's
    // thread; `in_order` would run a lone worker's items here).
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    // Polars' work stays on each worker (see the module comment).
    fundaudit_core::lanes::in_order(
        items.len(),
        threads,
        |i| polars_inline(|| f(&items[i])),
        |_| false,
    )
}

/// Runs `f` with Polars' work kept on one thread: for a 2 KiB file, handing each parse
/// and cast to the pool and back costs more in thread switches than the work (ten
/// thousand posted lists took seconds of it). On a thread of its own, never the caller's:
/// see [`polars_inline`].
pub(crate) fn on_own_thread<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|s| {
        s.spawn(|| polars_inline(f))
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

/// Runs `f` with Polars' work kept on the current thread. Only on a thread that ends
/// with the work: Polars keeps such work in a one-thread rayon pool made of the current
/// thread, and the thread stays that pool's worker for good, so every later parallel
/// loop on it (the rules, the reports) would run on this one thread. Done once on the
/// main thread, a 200,000 county's night with its posted lists ran its rules on one core.
fn polars_inline<R>(f: impl FnOnce() -> R) -> R {
    use polars_async::executor::ALLOW_RAYON_THREADS;
    let before = ALLOW_RAYON_THREADS.get();
    ALLOW_RAYON_THREADS.set(false);
    let out = f();
    ALLOW_RAYON_THREADS.set(before);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    fn polars_work() {
        let df = df!("a" => (0..100_000).rev().collect::<Vec<i64>>()).unwrap();
        df.sort(["a"], SortMultipleOptions::default()).unwrap();
    }

    #[test]
    fn polars_kept_on_one_thread_leaves_the_caller_parallel() {
        // The hazard: a thread that ran Polars inline is a one-thread pool for good.
        let inline = std::thread::spawn(|| {
            polars_inline(polars_work);
            rayon::current_num_threads()
        })
        .join()
        .unwrap();
        assert_eq!(inline, 1);
        let before = rayon::current_num_threads();
        on_own_thread(polars_work);
        assert_eq!(rayon::current_num_threads(), before);
    }
}
