//! The IRC side of the gateway: the connections it holds (a relay per network with bridged channels, one
//! per transport user, one per bridged person), what arrives from the core for them, and what they hear.

mod channel;
mod conns;
mod inbound;
mod modes;
mod names;
mod outbound;

use switchboard_core::adapter::CoreSender;
use switchboard_core::address::{Address, IrcAddress, XmppAddress};
use switchboard_core::envelope::{Envelope, EnvelopeId, Payload};
use switchboard_core::store::SharedStore;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::warn;

pub(crate) use conns::ConnEvent;
use conns::{ConnId, Conns, Identity, Owner};

use crate::config::IrcAdapterConfig;

/// The message-id map's network name for IRCv3 msgids.
const ID_NETWORK: &str = "irc";
/// The IRCv3 client tag naming the message a line answers (ircv3.net/specs/client-tags/reply).
const REPLY_TAG: &str = "+draft/reply";

/// Who heard a line with an IRCv3 msgid, as the message-id map keys it: `NETWORK MSGID` for the bridges of a
/// network, `NETWORK MSGID USER` for one transport user (each user's copy has a canonical id of its own).
#[derive(Debug, Clone, Copy)]
pub(crate) struct MsgidScope<'a> {
    network: &'a str,
    user: Option<&'a XmppAddress>,
}

impl<'a> MsgidScope<'a> {
    pub(crate) fn bridges(network: &'a str) -> Self {
        Self {
            network,
            user: None,
        }
    }

    pub(crate) fn user(network: &'a str, user: &'a XmppAddress) -> Self {
        Self {
            network,
            user: Some(user),
        }
    }

    /// The message-id map key of `msgid` in this scope; `None` for a msgid with a space, which a key could
    /// not be read back from.
    pub(crate) fn key(self, msgid: &str) -> Option<String> {
        if msgid.is_empty() || msgid.contains(' ') {
            return None;
        }
        Some(match self.user {
            Some(user) => format!("{} {msgid} {}", self.network, user.bare().jid()),
            None => format!("{} {msgid}", self.network),
        })
    }

    /// The msgid a key names.
    pub(crate) fn msgid_of(key: &str) -> Option<&str> {
        key.split(' ').nth(1)
    }
}

/// The IRC adapter's state, driven by one task: envelopes from the core and events from the connections.
#[derive(Debug)]
pub(crate) struct Gateway {
    config: IrcAdapterConfig,
    conns: Conns,
    to_core: CoreSender,
    store: SharedStore,
    next_envelope: u64,
    /// Cancelled when the adapter stops (its connections end with it).
    stopping: CancellationToken,
}

impl Gateway {
    pub(crate) fn new(
        config: IrcAdapterConfig,
        to_core: CoreSender,
        store: SharedStore,
        events: mpsc::Sender<(ConnId, ConnEvent)>,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            config,
            conns: Conns::new(events, shutdown.clone()),
            to_core,
            store,
            next_envelope: 0,
            stopping: shutdown.child_token(),
        }
    }

    /// From now on a line the connections could not send is left in the outbox, not reported failed: the
    /// adapter is stopping and the next start delivers it.
    pub(crate) fn stop_reporting_failures(&self) {
        self.stopping.cancel();
    }

    /// Opens the relay connection of every network with bridged channels; it joins them once registered.
    pub(crate) fn start(&mut self) {
        let networks: Vec<(String, Vec<String>)> = self
            .config
            .bridged_channels
            .iter()
            .map(|(network, channels)| (network.clone(), channels.clone()))
            .collect();
        for (network, channels) in networks {
            let Some(settings) = self.config.network(&network) else {
                warn!(
                    network,
                    "A bridge names an IRC network that is not configured; add [irc.networks.{network}]"
                );
                continue;
            };
            let identity = Identity {
                nick: settings.nick.clone(),
                username: "switchboard".to_owned(),
                realname: "Switchboard relay".to_owned(),
            };
            let id = self.conns.open(&network, Owner::Relay, &settings, identity);
            for channel in channels {
                self.join(id, &channel);
            }
        }
    }

    /// Says QUIT on every connection.
    pub(crate) fn quit_all(&mut self, reason: &str) {
        for id in self.conns.ids() {
            self.conns.close(id, Some(reason));
        }
    }

    /// Whether any connection is still open.
    pub(crate) fn has_connections(&self) -> bool {
        !self.conns.ids().is_empty()
    }

    /// Asks connection `id` to join `channel`, remembering it.
    fn join(&mut self, id: ConnId, channel: &str) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        conn.track_channel(channel);
        if let Err(error) = conn.handle.join(channel, None) {
            warn!(network = %conn.network, channel, error = %error, "JOIN could not be queued");
        }
    }

    /// The next id for an envelope this adapter makes.
    fn envelope_id(&mut self) -> EnvelopeId {
        self.next_envelope += 1;
        EnvelopeId(self.next_envelope)
    }

    /// Hands `payload` to the core, to `recipient` (or, without one, across the bridges of its room or
    /// addressee).
    async fn carry(&mut self, recipient: Option<Address>, payload: Payload) {
        let mut envelope = Envelope::new(self.envelope_id(), payload);
        envelope.recipient = recipient;
        if self.to_core.send(envelope).await.is_err() {
            warn!("The router has stopped; an IRC event was not carried");
        }
    }
}

/// `irc://network/#channel` or `irc://network/nick`, when the names are valid for an address.
fn channel_address(network: &str, channel: &str) -> Option<Address> {
    IrcAddress::channel(network, channel).ok().map(Address::Irc)
}

fn nick_address(network: &str, nick: &str) -> Option<Address> {
    IrcAddress::nick(network, nick).ok().map(Address::Irc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msgid_keys_name_their_scope_and_read_back() {
        let user = XmppAddress::from_jid_str("alice@example.org/phone").expect("jid");
        let bridged = MsgidScope::bridges("libera").key("abc").expect("key");
        let personal = MsgidScope::user("libera", &user).key("abc").expect("key");
        assert_eq!(bridged, "libera abc");
        assert_eq!(personal, "libera abc alice@example.org");
        assert_eq!(MsgidScope::msgid_of(&bridged), Some("abc"));
        assert_eq!(MsgidScope::msgid_of(&personal), Some("abc"));
        // A msgid that could not be read back from a key is not mapped at all.
        assert_eq!(MsgidScope::bridges("libera").key("a b"), None);
        assert_eq!(MsgidScope::bridges("libera").key(""), None);
    }
}
