//! The routing table and the pure resolution of destinations: bridges, routes, adapter claims, identities.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::adapter::AddressClaim;
use crate::address::Address;
use crate::envelope::{DeliveryError, ErrorKind};
use crate::ids::PersonId;
use crate::store::Store;

/// Rooms joined across networks and one-way forwarding rules, as configured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoutingTable {
    /// `[[bridge]]`: rooms whose messages and events cross to each other.
    pub bridges: Vec<Bridge>,
    /// `[[route]]`: one-way forwarding of a person's or room's messages to another address.
    pub routes: Vec<Route>,
}

/// Rooms on several networks joined into one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bridge {
    /// The bridge's name, for logs.
    pub name: String,
    /// Two or more room addresses.
    pub endpoints: Vec<Address>,
}

/// A one-way forwarding rule: messages addressed to `from` are also sent to `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// The person or room whose incoming messages are forwarded.
    pub from: Address,
    /// Where copies go (`mailto:alice@example.net`).
    pub to: Address,
    /// Always, or only while `from` has no available presence.
    pub when: RouteWhen,
}

/// When a [`Route`] fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RouteWhen {
    /// For every message.
    Always,
    /// Only while the person has no available resource (presence tracked by the router).
    Offline,
}

/// One copy to deliver: which adapter slot, for which recipient, through which bridge.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Target {
    pub(crate) slot: usize,
    pub(crate) recipient: Address,
    pub(crate) bridge: Option<usize>,
}

/// The routing table compiled for lookups, with each adapter's claims.
#[derive(Debug)]
pub(crate) struct Resolver {
    claims: Vec<(AddressClaim, usize)>,
    bridges: Vec<Bridge>,
    bridge_index: HashMap<Address, Vec<usize>>,
    routes: Vec<Route>,
    route_index: HashMap<Address, Vec<usize>>,
}

impl Resolver {
    pub(crate) fn new(table: RoutingTable, claims: Vec<(AddressClaim, usize)>) -> Self {
        let mut bridge_index: HashMap<Address, Vec<usize>> = HashMap::new();
        for (index, bridge) in table.bridges.iter().enumerate() {
            for endpoint in &bridge.endpoints {
                bridge_index.entry(endpoint.bare()).or_default().push(index);
            }
        }
        let mut route_index: HashMap<Address, Vec<usize>> = HashMap::new();
        for (index, route) in table.routes.iter().enumerate() {
            route_index
                .entry(route.from.bare())
                .or_default()
                .push(index);
        }
        Self {
            claims,
            bridges: table.bridges,
            bridge_index,
            routes: table.routes,
            route_index,
        }
    }

    /// The same adapters' claims with another table (a reload).
    pub(crate) fn with_table(&self, table: RoutingTable) -> Self {
        Self::new(table, self.claims.clone())
    }

    pub(crate) fn bridge_name(&self, index: usize) -> Option<&str> {
        self.bridges.get(index).map(|b| b.name.as_str())
    }

    /// The adapter slot whose most specific claim covers `address`.
    pub(crate) fn adapter_for(&self, address: &Address) -> Option<usize> {
        self.claims
            .iter()
            .filter(|(claim, _)| claim.matches(address))
            .max_by_key(|(claim, _)| claim.specificity())
            .map(|(_, slot)| *slot)
    }

    /// Every copy of a message addressed to `recipients`, sent by adapter `origin`.
    ///
    /// A recipient that is a bridge endpoint fans out to the bridge's other endpoints (never back to the one
    /// it came from, so bridges cannot echo); any other recipient goes to the adapter claiming it, or, failing
    /// that, to an address linked to the same person in the identity store. Routes add copies.
    pub(crate) fn resolve_message(
        &self,
        recipients: &[Address],
        is_offline: &dyn Fn(&Address) -> bool,
        store: &dyn Store,
    ) -> Result<Vec<Target>, DeliveryError> {
        let mut targets: Vec<Target> = Vec::with_capacity(recipients.len());
        // Copies are few (a handful of endpoints), so a linear check beats hashing addresses.
        let push = |target: Target, targets: &mut Vec<Target>| {
            if !targets
                .iter()
                .any(|t| t.slot == target.slot && t.recipient == target.recipient)
            {
                targets.push(target);
            }
        };
        for recipient in recipients {
            let bare = recipient.bare_cow();
            if let Some(bridges) = self.bridge_index.get(bare.as_ref()) {
                for &bridge in bridges {
                    for target in self.bridge_targets(bridge, bare.as_ref()) {
                        push(target, &mut targets);
                    }
                }
            } else {
                let target = self.direct_target(recipient, store)?;
                push(target, &mut targets);
            }
            for &route in self.route_index.get(bare.as_ref()).into_iter().flatten() {
                let route = &self.routes[route];
                if route.when == RouteWhen::Offline && !is_offline(&route.from) {
                    continue;
                }
                let target = self.direct_target(&route.to, store)?;
                push(target, &mut targets);
            }
        }
        Ok(targets)
    }

    /// Copies of a room event that happened in `room`: the other endpoints of its bridges.
    pub(crate) fn resolve_room(&self, room: &Address) -> Vec<Target> {
        let bare = room.bare();
        self.bridge_index
            .get(&bare)
            .into_iter()
            .flatten()
            .flat_map(|&bridge| self.bridge_targets(bridge, &bare))
            .collect()
    }

    fn bridge_targets(&self, bridge: usize, source: &Address) -> Vec<Target> {
        self.bridges[bridge]
            .endpoints
            .iter()
            .filter(|endpoint| *endpoint.bare_cow() != *source)
            .filter_map(|endpoint| {
                self.adapter_for(endpoint).map(|slot| Target {
                    slot,
                    recipient: endpoint.clone(),
                    bridge: Some(bridge),
                })
            })
            .collect()
    }

    /// The adapter for one addressee, looking through the identity store when no adapter claims it
    /// (an `im:` address linked to a person's JID, say).
    pub(crate) fn direct_target(
        &self,
        recipient: &Address,
        store: &dyn Store,
    ) -> Result<Target, DeliveryError> {
        if let Some(slot) = self.adapter_for(recipient) {
            return Ok(Target {
                slot,
                recipient: recipient.clone(),
                bridge: None,
            });
        }
        let key = recipient.bare().to_string();
        let person: Option<PersonId> = store.person_of(&key).map_err(|error| {
            DeliveryError::new(
                ErrorKind::InternalServerError,
                format!("identity lookup failed: {error}"),
            )
        })?;
        if let Some(person) = person {
            let linked = store.addresses_of(&person).map_err(|error| {
                DeliveryError::new(
                    ErrorKind::InternalServerError,
                    format!("identity lookup failed: {error}"),
                )
            })?;
            for address in linked.iter().filter_map(|a| a.parse::<Address>().ok()) {
                if let Some(slot) = self.adapter_for(&address) {
                    return Ok(Target {
                        slot,
                        recipient: address,
                        bridge: None,
                    });
                }
            }
        }
        Err(DeliveryError::new(
            ErrorKind::ItemNotFound,
            format!(
                "no network delivers to {recipient}: configure its adapter or link the address to a person"
            ),
        ))
    }
}
