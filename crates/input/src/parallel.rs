//! Many small files, read side by side: a county's per-village posted lists or a bank's
//! daily files are thousands of files of a few kilobytes, each milliseconds of fixed work
//! (open, sniff, parse, validate) and nothing to share.
//!
//! Plain threads, one per core, not a rayon pool: Polars' reader waits on its own pool,
//! and a rayon worker waiting there steals the next file's read onto the same stack, file
//! after file, until the stack overflows. And Polars' work stays on the calling thread
//! ([`on_this_thread`]), as Polars' own executor threads keep theirs.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` over `items` on every core, results in the items' order.
pub(crate) fn map_each<I: Sync, T: Send>(items: &[I], f: impl Fn(&I) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, T)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    on_this_thread(|| {
                        let mut mine = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(item) = items.get(i) else { break };
                            mine.push((i, f(item)));
                        }
                        mine
                    })
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, t)| t).collect()
}

/// Runs `f` with Polars' work kept on the calling thread: for a 2 KiB file, handing each
/// parse and cast to the pool and back costs more in thread switches than the work (ten
/// thousand posted lists took seconds of it).
pub(crate) fn on_this_thread<R>(f: impl FnOnce() -> R) -> R {
    use polars_async::executor::ALLOW_RAYON_THREADS;
    let before = ALLOW_RAYON_THREADS.get();
    ALLOW_RAYON_THREADS.set(false);
    let out = f();
    ALLOW_RAYON_THREADS.set(before);
    out
}
