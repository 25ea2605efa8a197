//! Reservoir sampling for the bulky series (images, audio, histograms, text, tensors).
//!
//! Keeps at most `capacity` items, uniformly sampled over everything offered, and always keeps
//! the most recent item (so a live chart shows the latest step). Items stay in arrival order.
//! The random source is a fixed-seed xorshift: the same log always yields the same sample.

/// One sampled item with the step it belongs to.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Stepped<T> {
    pub step: i64,
    pub wall_time: f64,
    pub item: T,
}

/// Saved whole by the persistent cache (`crate::cache`), random state included, so a restored
/// reservoir samples what follows exactly as the original would have.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Reservoir<T> {
    items: Vec<Stepped<T>>,
    capacity: usize,
    seen: u64,
    rng: u64,
}

impl<T> Reservoir<T> {
    /// A reservoir keeping at most `capacity` items (0 means unlimited).
    pub fn new(capacity: usize) -> Self {
        Reservoir {
            items: Vec::new(),
            capacity,
            seen: 0,
            rng: 0x9E37_79B9_7F4A_7C15,
        }
    }

    pub fn offer(&mut self, step: i64, wall_time: f64, item: T) {
        self.seen += 1;
        let entry = Stepped {
            step,
            wall_time,
            item,
        };
        if self.capacity == 0 || self.items.len() < self.capacity {
            self.items.push(entry);
            return;
        }
        // Keep the new item; it evicts a uniformly chosen old one with probability
        // capacity/seen, otherwise it replaces the previous "latest" (which was only kept for
        // being the latest).
        let r = self.next_random() % self.seen;
        let evict = match usize::try_from(r) {
            Ok(i) if i < self.capacity => i,
            _ => self.items.len() - 1,
        };
        self.items.remove(evict);
        self.items.push(entry);
    }

    pub fn items(&self) -> &[Stepped<T>] {
        &self.items
    }

    /// Drops items with `step >= from` (a restarted writer supersedes them).
    pub fn purge_from(&mut self, from: i64) {
        self.items.retain(|s| s.step < from);
    }

    fn next_random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_keeps_latest_and_order() {
        let mut r = Reservoir::new(10);
        for step in 0..1000 {
            r.offer(step, 0.0, ());
        }
        let steps: Vec<i64> = r.items().iter().map(|s| s.step).collect();
        assert_eq!(steps.len(), 10);
        assert_eq!(steps.last(), Some(&999));
        assert!(steps.windows(2).all(|w| w[0] < w[1]));
        assert!(steps[0] < 900, "sample spreads over the history: {steps:?}");
    }

    #[test]
    fn unlimited_and_purge() {
        let mut r = Reservoir::new(0);
        for step in 0..50 {
            r.offer(step, 0.0, step);
        }
        r.purge_from(20);
        assert_eq!(r.items().len(), 20);
    }
}
