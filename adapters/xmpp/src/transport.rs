//! Transport addresses: how legacy contacts appear to XMPP users as JIDs under the gateway's domains.
//!
//! The forms are Biboumi's, so its users can switch: `#channel%network@irc.gw.example` (a room, with the
//! occupant's nick as resource), `nick%network@irc.gw.example` (a person on IRC), and for the other networks
//! `user%host@sip.gw.example`, `+15551234567@sms.gw.example`, `alice%example.org@email.gw.example`.
//! Characters a JID localpart forbids are XEP-0106 escaped.
//!
//! Any other address (an `im:` or `xmpp:` address, or one of a network no domain fronts) appears under the
//! first domain with its whole URI XEP-0106 escaped as the localpart, e.g.
//! `im\3aconformance\40switchboard.invalid@gw.example`; such a localpart maps back to that URI.

use switchboard_core::address::{
    Address, IrcAddress, IrcTarget, MailtoAddress, Scheme, TelNumber, XmppAddress, xep0106,
};
use thiserror::Error;

/// Which legacy network a component domain fronts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegacyNetwork {
    /// IRC: `nick%network` and `#channel%network`.
    Irc,
    /// SIP/SIMPLE: `user%host`.
    Sip,
    /// SMS: `+E.164`.
    Sms,
    /// Email: `local%domain`.
    Email,
}

/// Why a JID under a transport domain does not name a legacy address.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TransportAddressError {
    /// Happens when the JID has no localpart, so it names the gateway itself, not a contact.
    #[error("{jid} names the gateway itself, not a contact")]
    NoLocalpart {
        /// The JID.
        jid: String,
    },
    /// Happens when the localpart lacks the `%` that separates the legacy user from the network or host.
    #[error("{jid} is not a transport address: write it as user%network@{domain}")]
    MissingPercent {
        /// The JID.
        jid: String,
        /// The transport domain.
        domain: String,
    },
    /// Happens when the legacy part is not a valid address of that network.
    #[error("{jid} does not name a valid {network} address: {reason}")]
    InvalidLegacy {
        /// The JID.
        jid: String,
        /// The network kind.
        network: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Happens when the localpart is an escaped URI naming an XMPP address under the gateway's own domains,
    /// which would route the message back to the gateway.
    #[error("{jid} names {address}, which is the gateway itself")]
    LoopsBack {
        /// The JID.
        jid: String,
        /// The address its localpart names.
        address: String,
    },
}

/// The component domains and the network each fronts.
#[derive(Debug, Clone, Default)]
pub struct TransportDomains {
    domains: Vec<(String, LegacyNetwork)>,
}

impl TransportDomains {
    /// Adds a domain fronting `network`; the first domain added for a network is where its contacts appear.
    pub fn add(&mut self, domain: &str, network: LegacyNetwork) {
        self.domains.push((domain.to_ascii_lowercase(), network));
    }

    /// Every domain, in the order added.
    pub fn domains(&self) -> impl Iterator<Item = (&str, LegacyNetwork)> {
        self.domains.iter().map(|(d, n)| (d.as_str(), *n))
    }

    /// Whether `domain` is one of the gateway's.
    pub fn is_ours(&self, domain: &str) -> bool {
        self.network_of(domain).is_some()
    }

    /// The network `domain` fronts.
    pub fn network_of(&self, domain: &str) -> Option<LegacyNetwork> {
        self.domains
            .iter()
            .find(|(d, _)| d.eq_ignore_ascii_case(domain))
            .map(|(_, n)| *n)
    }

    fn domain_for(&self, network: LegacyNetwork) -> Option<&str> {
        self.domains
            .iter()
            .find(|(_, n)| *n == network)
            .map(|(d, _)| d.as_str())
    }

    /// The JID under which an address appears to XMPP users: its legacy form under the domain fronting its
    /// network (for an IRC channel, the room's bare JID), else the fallback form under the first domain (the
    /// whole URI XEP-0106 escaped as localpart); an XMPP address already under one of the domains is kept.
    /// `None` when there is no domain at all or the fallback localpart is not a valid one (too long, say).
    pub fn to_jid(&self, address: &Address) -> Option<XmppAddress> {
        if let Address::Xmpp(jid) = address
            && self.is_ours(jid.domain())
        {
            return Some(jid.clone());
        }
        self.native_jid(address)
            .or_else(|| self.fallback_jid(address))
    }

    /// The Biboumi-style JID of a legacy address, when a domain fronts its network.
    fn native_jid(&self, address: &Address) -> Option<XmppAddress> {
        let (network, local) = match address {
            Address::Irc(irc) => (LegacyNetwork::Irc, irc_local(irc)),
            Address::Sip(sip) => {
                let user = sip.user()?;
                (
                    LegacyNetwork::Sip,
                    format!("{}%{}", xep0106::escape(user), sip.host()),
                )
            }
            Address::Tel(tel) => (LegacyNetwork::Sms, tel.as_str().to_owned()),
            Address::Mailto(mail) => (
                LegacyNetwork::Email,
                format!("{}%{}", xep0106::escape(mail.local()), mail.domain()),
            ),
            _ => return None,
        };
        let domain = self.domain_for(network)?;
        XmppAddress::from_jid_str(&format!("{local}@{domain}")).ok()
    }

    /// XEP-0106 §4.2: the whole URI escaped as localpart under the first domain.
    fn fallback_jid(&self, address: &Address) -> Option<XmppAddress> {
        let (domain, _) = self.domains.first()?;
        let local = xep0106::escape_localpart(&address.to_string()).ok()?;
        XmppAddress::from_jid_str(&format!("{local}@{domain}")).ok()
    }

    /// The legacy address a JID under one of the gateway's domains stands for; `Ok(None)` when the JID is not
    /// under a transport domain. The resource is ignored (for a room JID it is the occupant's nick).
    pub fn to_legacy(&self, jid: &XmppAddress) -> Result<Option<Address>, TransportAddressError> {
        let Some(network) = self.network_of(jid.domain()) else {
            return Ok(None);
        };
        let bare = plain_bare(jid);
        let Some(node) = jid.node() else {
            return Err(TransportAddressError::NoLocalpart { jid: bare });
        };
        let local = xep0106::unescape(node);
        if let Some(address) = self.fallback_legacy(jid, &local)? {
            return Ok(Some(address));
        }
        let invalid =
            |network: &'static str, reason: String| TransportAddressError::InvalidLegacy {
                jid: plain_bare(jid),
                network,
                reason,
            };
        if network == LegacyNetwork::Sms {
            return TelNumber::from_e164(&local)
                .map(|tel| Some(Address::Tel(tel)))
                .map_err(|e| invalid("SMS", e.to_string()));
        }
        let Some((user, host)) = local.rsplit_once('%') else {
            return Err(TransportAddressError::MissingPercent {
                jid: bare,
                domain: jid.domain().to_owned(),
            });
        };
        let address = match network {
            LegacyNetwork::Irc => {
                let irc = if user.starts_with(['#', '&', '+', '!']) {
                    IrcAddress::channel(host, user)
                } else {
                    IrcAddress::nick(host, user)
                };
                Address::Irc(irc.map_err(|e| invalid("IRC", e.to_string()))?)
            }
            LegacyNetwork::Email => Address::Mailto(
                MailtoAddress::from_mailbox(&format!("{user}@{host}"))
                    .map_err(|e| invalid("email", e.to_string()))?,
            ),
            LegacyNetwork::Sip => format!("sip:{}@{host}", percent_encode_user(user))
                .parse()
                .map_err(|e: switchboard_core::address::AddressError| {
                    invalid("SIP", e.to_string())
                })?,
            LegacyNetwork::Sms => unreachable!("handled above"),
        };
        Ok(Some(address))
    }
}

impl TransportDomains {
    /// The fallback form: an unescaped localpart `scheme:…` whose scheme the gateway routes names that URI.
    /// No legacy localpart starts that way: IRC names, SIP users, mailbox locals and E.164 numbers hold no `:`
    /// before a known scheme name.
    fn fallback_legacy(
        &self,
        jid: &XmppAddress,
        local: &str,
    ) -> Result<Option<Address>, TransportAddressError> {
        let Some((scheme, _)) = local.split_once(':') else {
            return Ok(None);
        };
        if scheme.parse::<Scheme>().is_err() {
            return Ok(None);
        }
        let address: Address =
            local
                .parse()
                .map_err(|e: switchboard_core::address::AddressError| {
                    TransportAddressError::InvalidLegacy {
                        jid: plain_bare(jid),
                        network: "URI",
                        reason: e.to_string(),
                    }
                })?;
        if let Address::Xmpp(inner) = &address
            && self.is_ours(inner.domain())
        {
            return Err(TransportAddressError::LoopsBack {
                jid: plain_bare(jid),
                address: address.to_string(),
            });
        }
        Ok(Some(address))
    }
}

/// The bare JID as users write it (`bob%libera@gw.example`), not as an `xmpp:` URI, for error texts.
fn plain_bare(jid: &XmppAddress) -> String {
    jid.jid().to_bare().to_string()
}

fn irc_local(irc: &IrcAddress) -> String {
    let name = match irc.target() {
        IrcTarget::Channel(channel) => channel.as_str(),
        IrcTarget::Nick(nick) => nick.as_str(),
    };
    format!("{}%{}", xep0106::escape(name), irc.network())
}

/// RFC 3261 §25.1 `user` production: unreserved, escaped, and the user-unreserved marks; anything else is
/// percent-encoded (RFC 7247 §5.1).
fn percent_encode_user(user: &str) -> String {
    let mut out = String::with_capacity(user.len());
    for byte in user.bytes() {
        let allowed = byte.is_ascii_alphanumeric() || b"-_.!~*'()&=+$,;?/".contains(&byte);
        if allowed {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domains() -> TransportDomains {
        let mut d = TransportDomains::default();
        d.add("gw.localhost", LegacyNetwork::Irc);
        d.add("email.gw.localhost", LegacyNetwork::Email);
        d.add("sip.gw.localhost", LegacyNetwork::Sip);
        d.add("sms.gw.localhost", LegacyNetwork::Sms);
        d
    }

    fn jid(s: &str) -> XmppAddress {
        XmppAddress::from_jid_str(s).expect("jid")
    }

    fn addr(s: &str) -> Address {
        s.parse().expect("address")
    }

    #[test]
    fn legacy_addresses_round_trip_through_their_jids() {
        let d = domains();
        for (legacy, expected_jid) in [
            ("irc://libera/bob,isnick", "bob%libera@gw.localhost"),
            ("irc://libera/%23dev", "#dev%libera@gw.localhost"),
            (
                "mailto:alice@example.org",
                "alice%example.org@email.gw.localhost",
            ),
            (
                "sip:carol@sip.example.net",
                "carol%sip.example.net@sip.gw.localhost",
            ),
            ("tel:+15551234567", "+15551234567@sms.gw.localhost"),
        ] {
            let mapped = d.to_jid(&addr(legacy)).expect("mapped");
            assert_eq!(mapped.jid().to_string(), expected_jid);
            assert_eq!(d.to_legacy(&mapped).expect("valid"), Some(addr(legacy)));
        }
    }

    #[test]
    fn a_room_jid_with_a_nick_resource_names_the_channel() {
        let room = jid("#dev%libera@gw.localhost/alice");
        assert_eq!(
            domains().to_legacy(&room).expect("valid"),
            Some(addr("irc://libera/%23dev"))
        );
    }

    #[test]
    fn characters_a_localpart_forbids_are_xep0106_escaped() {
        let d = domains();
        let mapped = d
            .to_jid(&addr("mailto:o'brien@example.org"))
            .expect("mapped");
        assert_eq!(mapped.node(), Some("o\\27brien%example.org"));
        assert_eq!(
            d.to_legacy(&mapped).expect("valid"),
            Some(addr("mailto:o'brien@example.org"))
        );
    }

    #[test]
    fn addresses_without_a_legacy_form_use_the_escaped_uri_under_the_first_domain() {
        let d = domains();
        for (address, expected) in [
            (
                "im:conformance@switchboard.invalid",
                "im\\3aconformance\\40switchboard.invalid@gw.localhost",
            ),
            (
                "xmpp:alice@example.org/phone",
                "xmpp\\3aalice\\40example.org\\2fphone@gw.localhost",
            ),
            (
                "pres:piglet@example.org",
                "pres\\3apiglet\\40example.org@gw.localhost",
            ),
        ] {
            let mapped = d.to_jid(&addr(address)).expect("mapped");
            assert_eq!(mapped, jid(expected), "{address}");
            assert_eq!(d.to_legacy(&mapped).expect("valid"), Some(addr(address)));
        }
    }

    #[test]
    fn a_network_without_a_domain_falls_back_too() {
        let mut d = TransportDomains::default();
        d.add("irc.gw.localhost", LegacyNetwork::Irc);
        let mapped = d.to_jid(&addr("tel:+15551234567")).expect("mapped");
        assert_eq!(mapped, jid("tel\\3a+15551234567@irc.gw.localhost"));
        assert_eq!(
            d.to_legacy(&mapped).expect("valid"),
            Some(addr("tel:+15551234567"))
        );
        assert_eq!(
            TransportDomains::default().to_jid(&addr("tel:+15551234567")),
            None
        );
    }

    #[test]
    fn a_jid_under_our_domains_is_its_own_jid() {
        let ours = addr("xmpp:bob%25libera@gw.localhost");
        assert_eq!(
            domains().to_jid(&ours),
            Some(jid("bob%libera@gw.localhost"))
        );
    }

    #[test]
    fn fallback_localparts_that_do_not_parse_or_loop_back_are_refused() {
        let d = domains();
        assert_eq!(
            d.to_legacy(&jid("xmpp\\3abob\\40gw.localhost@gw.localhost")),
            Err(TransportAddressError::LoopsBack {
                jid: "xmpp\\3abob\\40gw.localhost@gw.localhost".into(),
                address: "xmpp:bob@gw.localhost".into(),
            })
        );
        assert!(matches!(
            d.to_legacy(&jid("tel\\3a12@gw.localhost")),
            Err(TransportAddressError::InvalidLegacy { network: "URI", .. })
        ));
    }

    #[test]
    fn jids_outside_the_transport_domains_are_not_legacy() {
        assert_eq!(
            domains().to_legacy(&jid("alice@localhost")).expect("fine"),
            None
        );
    }

    #[test]
    fn malformed_transport_jids_are_refused_with_a_reason() {
        let d = domains();
        assert_eq!(
            d.to_legacy(&jid("gw.localhost")).unwrap_err().to_string(),
            "gw.localhost names the gateway itself, not a contact"
        );
        assert_eq!(
            d.to_legacy(&jid("bob@gw.localhost"))
                .unwrap_err()
                .to_string(),
            "bob@gw.localhost is not a transport address: write it as user%network@gw.localhost"
        );
        assert!(matches!(
            d.to_legacy(&jid("12345@sms.gw.localhost")),
            Err(TransportAddressError::InvalidLegacy { network: "SMS", .. })
        ));
    }
}
