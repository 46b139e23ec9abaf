//! The IRC connections the gateway holds, who each speaks for, and what each knows of its channels.

use std::collections::{BTreeSet, HashMap};

use switchboard_core::address::{CaseMapping, XmppAddress};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use super::channel::Channel;
use crate::client::{ClientConfig, ClientEvent, ClientHandle, IrcClient};
use crate::config::NetworkSettings;
use crate::wire::Isupport;

/// The IRCv3 capabilities asked for when the server offers them (IRCv3 `CAP LS 302`).
const WANTED_CAPS: [&str; 9] = [
    "server-time",
    "message-tags",
    "echo-message",
    "multi-prefix",
    "away-notify",
    "account-tag",
    "labeled-response",
    "batch",
    "sasl",
];

/// What a connection's task reports.
#[derive(Debug)]
pub(crate) enum ConnEvent {
    /// Something the client said.
    Client(Box<ClientEvent>),
    /// The client's task ended (after QUIT, a fatal error, or shutdown).
    Closed,
}

/// A connection's number, unique for the adapter's lifetime.
pub(crate) type ConnId = u64;

/// Who a connection speaks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Owner {
    /// The gateway's own connection on a network: it sits in the bridged channels, hears them for the
    /// bridges, and speaks for bridged people beyond the puppet cap (`<nick> text`).
    Relay,
    /// A transport user (Biboumi's model: `#chan%network@gw/nick`), by bare JID.
    User(String),
    /// A person on another network of a static bridge, by their address (`xmpp:room@muc/nick`,
    /// `irc://other/nick,isnick`).
    Puppet(String),
}

/// One IRC connection and what it knows.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) network: String,
    pub(crate) owner: Owner,
    pub(crate) handle: ClientHandle,
    /// The nick asked for; the server may have given another (433 fallback).
    pub(crate) wanted_nick: String,
    /// The nick in use, once registered.
    pub(crate) nick: Option<String>,
    /// `nick!user@host` as the server relays our lines, for splitting within 512 bytes.
    pub(crate) own_prefix: Option<String>,
    pub(crate) isupport: Isupport,
    pub(crate) caps: BTreeSet<String>,
    /// Channels by folded name: joined, or asked to join.
    pub(crate) channels: HashMap<String, Channel>,
    /// A transport user's full JID, to which what happens is shown (the resource that last spoke or joined).
    pub(crate) user: Option<XmppAddress>,
}

impl Conn {
    pub(crate) fn casemapping(&self) -> CaseMapping {
        self.isupport.casemapping
    }

    /// Whether `nick` is this connection's own.
    pub(crate) fn is_me(&self, nick: &str) -> bool {
        let mapping = self.casemapping();
        let mine = self.nick.as_deref().unwrap_or(&self.wanted_nick);
        mapping.fold(mine) == mapping.fold(nick)
    }

    /// The prefix to count when splitting lines (a pessimistic one until the server told us ours).
    pub(crate) fn prefix_for_split(&self) -> String {
        self.own_prefix.clone().unwrap_or_else(|| {
            format!(
                "{}!{}@{}",
                self.nick.as_deref().unwrap_or(&self.wanted_nick),
                "x".repeat(10),
                "h".repeat(63)
            )
        })
    }

    /// The channel `name` as this connection knows it.
    pub(crate) fn channel(&self, name: &str) -> Option<&Channel> {
        self.channels.get(&self.casemapping().fold(name))
    }

    pub(crate) fn channel_mut(&mut self, name: &str) -> Option<&mut Channel> {
        let key = self.casemapping().fold(name);
        self.channels.get_mut(&key)
    }

    /// Starts tracking `name` (our JOIN was asked for).
    pub(crate) fn track_channel(&mut self, name: &str) -> &mut Channel {
        let key = self.casemapping().fold(name);
        self.channels
            .entry(key)
            .or_insert_with(|| Channel::new(name))
    }

    pub(crate) fn forget_channel(&mut self, name: &str) -> Option<Channel> {
        let key = self.casemapping().fold(name);
        self.channels.remove(&key)
    }
}

/// Every connection, by number and by (network, owner).
#[derive(Debug)]
pub(crate) struct Conns {
    by_id: HashMap<ConnId, Conn>,
    by_owner: HashMap<(String, Owner), ConnId>,
    next_id: ConnId,
    events: mpsc::Sender<(ConnId, ConnEvent)>,
    shutdown: CancellationToken,
}

/// How a new connection identifies itself.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub(crate) nick: String,
    pub(crate) username: String,
    pub(crate) realname: String,
}

impl Conns {
    pub(crate) fn new(
        events: mpsc::Sender<(ConnId, ConnEvent)>,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            by_id: HashMap::new(),
            by_owner: HashMap::new(),
            next_id: 0,
            events,
            shutdown,
        }
    }

    pub(crate) fn get(&self, id: ConnId) -> Option<&Conn> {
        self.by_id.get(&id)
    }

    pub(crate) fn get_mut(&mut self, id: ConnId) -> Option<&mut Conn> {
        self.by_id.get_mut(&id)
    }

    pub(crate) fn find(&self, network: &str, owner: &Owner) -> Option<ConnId> {
        self.by_owner
            .get(&(network.to_owned(), owner.clone()))
            .copied()
    }

    /// Connections on `network` that speak for bridged people.
    pub(crate) fn puppets_on(&self, network: &str) -> usize {
        self.by_id
            .values()
            .filter(|c| c.network == network && matches!(c.owner, Owner::Puppet(_)))
            .count()
    }

    /// Whether `nick` is one of the gateway's own connections on `network` (the relay or a puppet), so what
    /// it says is an echo of ours, not something to carry.
    pub(crate) fn is_ours(&self, network: &str, nick: &str) -> bool {
        self.by_id
            .values()
            .any(|c| c.network == network && !matches!(c.owner, Owner::User(_)) && c.is_me(nick))
    }

    /// Connections on `network`.
    pub(crate) fn on_network<'a>(&'a self, network: &'a str) -> impl Iterator<Item = &'a Conn> {
        self.by_id.values().filter(move |c| c.network == network)
    }

    /// Every connection id.
    pub(crate) fn ids(&self) -> Vec<ConnId> {
        self.by_id.keys().copied().collect()
    }

    /// Opens a connection for `owner` on `network`; its events arrive tagged with its number.
    pub(crate) fn open(
        &mut self,
        network: &str,
        owner: Owner,
        settings: &NetworkSettings,
        identity: Identity,
    ) -> ConnId {
        self.next_id += 1;
        let id = self.next_id;
        let config = ClientConfig {
            host: settings.host.clone(),
            port: settings.port,
            tls: settings.tls,
            plain_fallback_port: settings.plain_fallback_port,
            tls_roots: settings.tls_roots.clone(),
            nick: identity.nick.clone(),
            username: identity.username,
            realname: identity.realname,
            sasl: if owner == Owner::Relay {
                settings.sasl.clone()
            } else {
                None
            },
            flood_burst: settings.flood_burst,
            flood_per_second: settings.flood_per_second,
            charset: settings.charset,
            connect_timeout: settings.connect_timeout,
            ping_interval: settings.ping_interval,
            reconnect_min: settings.reconnect_min,
            reconnect_max: settings.reconnect_max,
            caps: WANTED_CAPS.iter().map(|c| (*c).to_owned()).collect(),
        };
        let (handle, mut events) = IrcClient::spawn(config, self.shutdown.child_token());
        let forward = self.events.clone();
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                if forward
                    .send((id, ConnEvent::Client(Box::new(event))))
                    .await
                    .is_err()
                {
                    break;
                }
            }
            let _ = forward.send((id, ConnEvent::Closed)).await;
        });
        debug!(network, conn = id, owner = ?owner, nick = %identity.nick, "Opening an IRC connection");
        self.by_owner
            .insert((network.to_owned(), owner.clone()), id);
        self.by_id.insert(
            id,
            Conn {
                network: network.to_owned(),
                owner,
                handle,
                wanted_nick: identity.nick,
                nick: None,
                own_prefix: None,
                isupport: Isupport::default(),
                caps: BTreeSet::new(),
                channels: HashMap::new(),
                user: None,
            },
        );
        id
    }

    /// Closes a connection with QUIT and forgets it.
    pub(crate) fn close(&mut self, id: ConnId, reason: Option<&str>) -> Option<Conn> {
        let conn = self.by_id.remove(&id)?;
        self.by_owner
            .remove(&(conn.network.clone(), conn.owner.clone()));
        conn.handle.quit(reason);
        Some(conn)
    }

    /// Re-keys a puppet whose person changed address (a nick change in their room).
    pub(crate) fn rekey(&mut self, id: ConnId, owner: Owner) {
        if let Some(conn) = self.by_id.get_mut(&id) {
            self.by_owner
                .remove(&(conn.network.clone(), conn.owner.clone()));
            conn.owner = owner.clone();
            self.by_owner.insert((conn.network.clone(), owner), id);
        }
    }
}
