//! A map of the most recent entries by id, bounded: past its capacity the oldest entry is forgotten, so a
//! peer that never gets answers cannot grow the gateway's memory.

use std::collections::{HashMap, VecDeque};

/// The `capacity` most recently inserted entries.
#[derive(Debug)]
pub(crate) struct Recent<V> {
    capacity: usize,
    entries: HashMap<u64, V>,
    order: VecDeque<u64>,
}

impl<V> Recent<V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Adds an entry, forgetting the oldest ones past the capacity.
    pub(crate) fn insert(&mut self, id: u64, value: V) {
        // Ids already taken out by `remove` still sit in `order`; they are skipped here.
        while self.entries.len() >= self.capacity {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            self.entries.remove(&oldest);
        }
        self.order.retain(|&known| known != id);
        self.order.push_back(id);
        self.entries.insert(id, value);
        // Keep the order list from filling up with ids that were removed.
        if self.order.len() > 2 * self.capacity {
            let entries = &self.entries;
            self.order.retain(|known| entries.contains_key(known));
        }
    }

    /// Takes an entry out.
    pub(crate) fn remove(&mut self, id: u64) -> Option<V> {
        self.entries.remove(&id)
    }

    /// How many entries are held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_capacity_the_oldest_entry_is_forgotten() {
        let mut recent = Recent::new(3);
        for id in 1..=4 {
            recent.insert(id, id * 10);
        }
        assert_eq!(recent.len(), 3);
        assert_eq!(recent.remove(1), None, "the oldest went first");
        assert_eq!(recent.remove(4), Some(40));
        // A removed entry frees its place: two more fit without losing 2 and 3.
        recent.insert(5, 50);
        assert_eq!(recent.remove(2), Some(20));
        assert_eq!(recent.remove(3), Some(30));
        assert_eq!(recent.remove(5), Some(50));
    }
}
