//! Bridges and routes: their addresses must parse and name a network the file configures.

use std::collections::{BTreeSet, HashMap};

use switchboard_core::address::Address;
use toml::Spanned;

use crate::model::{BridgeConfig, RouteConfig};
use crate::raw::{RawBridge, RawRoute};
use crate::validate::Collector;

/// Which networks the file has tables for, valid or not, for checking the addresses that use them.
#[derive(Debug)]
pub(crate) struct Networks {
    pub(crate) xmpp: bool,
    pub(crate) email: bool,
    /// `None` without `[irc]`; the names of the `[irc.networks.NAME]` tables otherwise.
    pub(crate) irc: Option<BTreeSet<String>>,
    pub(crate) irc_open: bool,
}

pub(crate) fn bridge_configs(
    raw: Vec<Spanned<RawBridge>>,
    networks: &Networks,
    out: &mut Collector<'_>,
) -> Vec<BridgeConfig> {
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut bridges = Vec::new();
    for (index, bridge) in raw.into_iter().enumerate() {
        let bridge = bridge.into_inner();
        let table = format!("bridge[{index}]");
        let name = bridge.name.get_ref();
        let mut valid = true;
        if name.trim().is_empty() {
            out.problem(
                bridge.name.span(),
                format!("{table}.name"),
                "bridge name is empty; give each bridge a short unique name".to_owned(),
            );
            valid = false;
        } else if name.chars().count() > BridgeConfig::MAX_NAME_LEN {
            out.problem(
                bridge.name.span(),
                format!("{table}.name"),
                format!(
                    "bridge name is longer than {} characters; choose a shorter one",
                    BridgeConfig::MAX_NAME_LEN
                ),
            );
            valid = false;
        } else if let Some(first) = names.get(name) {
            out.problem(
                bridge.name.span(),
                format!("{table}.name"),
                format!(
                    "bridge name `{name}` is already used by bridge[{first}]; give each bridge its own name"
                ),
            );
            valid = false;
        } else {
            names.insert(name.clone(), index);
        }
        let count = bridge.endpoints.get_ref().len();
        if count < BridgeConfig::MIN_ENDPOINTS {
            out.problem(
                bridge.endpoints.span(),
                format!("{table}.endpoints"),
                format!(
                    "a bridge needs at least {} endpoints, this one has {count}; add an endpoint or \
                     remove the bridge",
                    BridgeConfig::MIN_ENDPOINTS
                ),
            );
            valid = false;
        }
        let mut endpoints: Vec<Address> = Vec::new();
        for (position, endpoint) in bridge.endpoints.get_ref().iter().enumerate() {
            let key = format!("{table}.endpoints[{position}]");
            match address(endpoint, &key, networks, out) {
                Some(parsed) if endpoints.contains(&parsed) => {
                    out.problem(
                        endpoint.span(),
                        key,
                        format!("`{parsed}` is listed twice in this bridge; remove one"),
                    );
                    valid = false;
                }
                Some(parsed) => endpoints.push(parsed),
                None => valid = false,
            }
        }
        if valid {
            bridges.push(BridgeConfig {
                name: bridge.name.into_inner(),
                endpoints,
            });
        }
    }
    bridges
}

pub(crate) fn route_config(
    index: usize,
    raw: RawRoute,
    networks: &Networks,
    out: &mut Collector<'_>,
) -> Option<RouteConfig> {
    let from = address(&raw.from, &format!("route[{index}].from"), networks, out);
    let to = address(&raw.to, &format!("route[{index}].to"), networks, out);
    let (from, to) = (from?, to?);
    if from == to {
        out.problem(
            raw.to.span(),
            format!("route[{index}].to"),
            format!("the route sends `{to}` to itself; give a different to address"),
        );
        return None;
    }
    Some(RouteConfig {
        from,
        to,
        when: raw.when,
    })
}

/// Parses an address and checks that the file configures its network.
fn address(
    raw: &Spanned<String>,
    key: &str,
    networks: &Networks,
    out: &mut Collector<'_>,
) -> Option<Address> {
    let parsed = match raw.get_ref().parse::<Address>() {
        Ok(parsed) => parsed,
        Err(error) => {
            out.problem(
                raw.span(),
                key.to_owned(),
                format!("invalid address: {error}"),
            );
            return None;
        }
    };
    let missing = match &parsed {
        Address::Xmpp(_) if !networks.xmpp => {
            Some("xmpp: addresses need an [xmpp] table; add one or remove this address".to_owned())
        }
        Address::Mailto(_) if !networks.email => Some(
            "mailto: addresses need an [email] table; add one or remove this address".to_owned(),
        ),
        Address::Xmpp(_) | Address::Mailto(_) => None,
        Address::Irc(irc) => match &networks.irc {
            None => Some(
                "irc:// addresses need an [irc] table; add one or remove this address".to_owned(),
            ),
            Some(configured) if !networks.irc_open && !configured.contains(irc.network()) => {
                Some(format!(
                    "IRC network `{0}` is not configured; add [irc.networks.{0}] or set open = true \
                     under [irc]",
                    irc.network()
                ))
            }
            Some(_) => None,
        },
        other => Some(format!(
            "{}: addresses cannot be bridged yet: this gateway version has no network for them",
            other.scheme()
        )),
    };
    match missing {
        Some(message) => {
            out.problem(raw.span(), key.to_owned(), message);
            None
        }
        None => Some(parsed),
    }
}
