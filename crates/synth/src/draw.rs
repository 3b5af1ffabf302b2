//! Who each plant picks. People are drawn without replacement from one shuffled pool, so
//! no person carries two plants and one rule's truth never depends on another's.

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

pub(super) struct Draw {
    pool: Vec<usize>,
    n: usize,
}

impl Draw {
    /// The registry's `n` people, shuffled once by the county's own generator.
    pub(super) fn new(n: usize, rng: &mut ChaCha8Rng) -> Draw {
        let mut pool: Vec<usize> = (0..n).collect();
        pool.shuffle(rng);
        Draw { pool, n }
    }

    /// A person no plant has taken yet (the first person once all are taken: a tiny
    /// registry repeats rather than fails).
    pub(super) fn take(&mut self) -> usize {
        self.pool.pop().unwrap_or(0)
    }

    /// A person no plant has taken yet for whom `fits` holds, None when nobody left
    /// does: a plant that needs someone of a kind (a person of 80 with 高龄津贴).
    pub(super) fn take_where(&mut self, fits: impl Fn(usize) -> bool) -> Option<usize> {
        let at = self.pool.iter().rposition(|&p| fits(p))?;
        Some(self.pool.remove(at))
    }

    /// How many of an anomaly to plant: a share of the registry, at least three.
    pub(super) fn count(&self, share: f64) -> usize {
        ((self.n as f64 * share) as usize).max(3)
    }
}
