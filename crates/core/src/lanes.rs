//! Work handed out in order to a few plain threads, the results put back in order: many
//! small files read side by side, a run's parts audited two at a time.
//!
//! Plain threads, not a rayon pool's: the work they run may itself wait on a pool (Polars'
//! reader, a part's rules), and a rayon worker waiting there steals the next item onto
//! the same stack, item after item, holding each one's memory (and, for thousands of
//! files, overflowing the stack). A plain thread that waits only waits.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// `f` over `0..n` on up to `threads` plain threads, each taking the next index when it
/// has finished its last; the results in index order. Once a result that `stop` holds
/// for is in, no further index is handed out (those under way finish), so the results
/// are those of `0..m` for some `m`, the stopping one among them.
pub fn in_order<T: Send>(
    n: usize,
    threads: usize,
    f: impl Fn(usize) -> T + Sync,
    stop: impl Fn(&T) -> bool + Sync,
) -> Vec<T> {
    let threads = threads.min(n);
    if threads <= 1 {
        let mut done = Vec::with_capacity(n);
        for i in 0..n {
            let result = f(i);
            let stops = stop(&result);
            done.push(result);
            if stops {
                break;
            }
        }
        return done;
    }
    let (next, stopped) = (AtomicUsize::new(0), AtomicBool::new(false));
    let worker = || {
        let mut done = Vec::new();
        while !stopped.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            let result = f(i);
            if stop(&result) {
                stopped.store(true, Ordering::Relaxed);
            }
            done.push((i, result));
        }
        done
    };
    let mut done: Vec<(usize, T)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads).map(|_| s.spawn(worker)).collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_whatever_ends_first() {
        for threads in [1, 2, 3, 8] {
            // Later items end first: the order is the indexes', not the finishing.
            let out = in_order(
                20,
                threads,
                |i| {
                    std::thread::sleep(std::time::Duration::from_micros(((20 - i) * 50) as u64));
                    i * i
                },
                |_| false,
            );
            assert_eq!(
                out,
                (0..20).map(|i| i * i).collect::<Vec<_>>(),
                "{threads} threads"
            );
        }
        assert!(in_order(0, 2, |i| i, |_| false).is_empty());
    }

    #[test]
    fn a_stop_ends_the_hand_out_and_keeps_everything_before_it() {
        for threads in [1, 2, 4] {
            let out = in_order(100, threads, |i| i, |&i| i == 7);
            // Everything up to the stop is there, in order, and the hand-out ended soon
            // after it (each thread may have taken one more).
            assert_eq!(
                out[..8],
                (0..8).collect::<Vec<_>>()[..],
                "{threads} threads"
            );
            assert!(out.len() <= 8 + threads, "{threads} threads: {}", out.len());
            assert_eq!(out, (0..out.len()).collect::<Vec<_>>());
        }
    }
}
