//! Who is online, from the presence adapters report: decides `offline` routes.

use std::collections::{HashMap, HashSet};

use crate::address::Address;
use crate::presence::Presence;

/// Which full addresses of each bare address are available, from the presence adapters report.
#[derive(Debug, Default)]
pub(super) struct PresenceBook {
    available: HashMap<Address, HashSet<Address>>,
}

impl PresenceBook {
    pub(super) fn record(&mut self, presence: &Presence) {
        let full = presence.entity.clone();
        let bare = full.bare();
        let resources = self.available.entry(bare.clone()).or_default();
        if presence.is_available() {
            resources.insert(full);
        } else if full == bare {
            resources.clear();
        } else {
            resources.remove(&full);
        }
        if resources.is_empty() {
            self.available.remove(&bare);
        }
    }

    pub(super) fn is_offline(&self, address: &Address) -> bool {
        !self.available.contains_key(&address.bare())
    }
}
