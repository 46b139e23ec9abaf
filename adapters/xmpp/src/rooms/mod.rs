//! Existing MUC rooms bridged through the gateway (XEP-0045): the component joins each configured room with a
//! listener occupant, and every remote person who speaks in it with an occupant of their own, from their
//! transport JID, so an IRC user appears in the room under their own nick rather than behind a bot prefix.

use std::collections::{HashMap, HashSet};

use switchboard_core::address::{Address, IrcTarget, XmppAddress};
use switchboard_core::room::{Affiliation, Role, RoomChange, RoomEvent};

use tracing::warn;

use crate::proto::{Element, NS_COMPONENT};

/// The resource of the listener occupant's JID under the main domain.
pub(crate) const LISTENER_RESOURCE: &str = "switchboard-listener";
/// The resource of each remote person's occupant JID (their transport JID plus this).
const PUPPET_RESOURCE: &str = "bridge";
/// XEP-0045 §17.2 namespaces.
const NS_MUC: &str = "http://jabber.org/protocol/muc";
const NS_MUC_USER: &str = "http://jabber.org/protocol/muc#user";
/// XEP-0203.
const NS_DELAY: &str = "urn:xmpp:delay";
/// RFC 6120 §8.3 stanza error conditions.
const NS_STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";
/// How many `_` a puppet's nick may gain over the person's own in conflicts before it stops trying.
const MAX_NICK_SUFFIX: usize = 8;

/// What an inbound stanza is to the bridged rooms.
#[derive(Debug)]
pub(crate) enum RoomInbound {
    /// A groupchat message from a real occupant, to carry across the bridge.
    Message,
    /// Something that happened in the room (join, leave, topic).
    Event(Box<RoomEvent>),
    /// Our own occupants' echoes, room history, reflections to puppets: not to be carried.
    Ignore,
    /// Stanzas to send to the room (a puppet joining again under another nick).
    Send(Vec<Element>),
}

/// The bridged rooms and the occupants the gateway holds in them.
#[derive(Debug)]
pub(crate) struct Rooms {
    main_domain: String,
    listener_nick: String,
    /// Bare room JID -> who is in it.
    rooms: HashMap<String, Room>,
}

/// One bridged room: the gateway's puppets and the real occupants it has seen.
#[derive(Debug, Default)]
struct Room {
    /// Remote person (see [`puppet_key`]) -> their puppet.
    puppets: HashMap<String, Puppet>,
    /// The nicks of the room's own (non-gateway) occupants: a puppet never takes one (XEP-0045 §7.2.9).
    real: HashSet<String>,
}

/// The occupant speaking for one remote person.
#[derive(Debug, Clone)]
struct Puppet {
    /// Its real JID (the person's transport JID plus a resource), which keeps the nick it joined with even
    /// after a nick change.
    jid: String,
    /// Its nick in the room: the person's nick, with `_` added while a real occupant holds that one.
    nick: String,
}

impl Room {
    /// A room nick for a remote person who wants `wanted`: taken by no real occupant and no other puppet
    /// (but the one keyed `except`, the person's own).
    fn free_nick(&self, wanted: &str, except: Option<&str>) -> String {
        let taken = |nick: &str| {
            self.real.contains(nick)
                || self
                    .puppets
                    .iter()
                    .any(|(remote, p)| Some(remote.as_str()) != except && p.nick == nick)
        };
        let mut nick = wanted.to_owned();
        while taken(&nick) {
            nick.push('_');
        }
        nick
    }

    fn is_puppet_nick(&self, nick: &str) -> bool {
        self.puppets.values().any(|p| p.nick == nick)
    }

    /// A puppet's join refused: on a nick conflict (XEP-0045 §7.2.9, someone joined under it first) the
    /// puppet joins again under the next free nick, a few times at most; other errors are left to the log.
    fn after_join_error(
        &mut self,
        room: &str,
        nick: &str,
        to: &str,
        stanza: &Element,
    ) -> RoomInbound {
        let conflict = stanza
            .child("error", NS_COMPONENT)
            .is_some_and(|error| error.child("conflict", NS_STANZAS).is_some());
        let Some(key) = self
            .puppets
            .iter()
            .find(|(_, p)| p.jid == to && p.nick == nick)
            .map(|(key, _)| key.clone())
        else {
            return RoomInbound::Ignore;
        };
        if !conflict {
            warn!(
                room,
                nick, "A bridged person's occupant could not join the room"
            );
            return RoomInbound::Ignore;
        }
        self.real.insert(nick.to_owned());
        let new_nick = self.free_nick(nick, Some(&key));
        let remote = key.rsplit('\u{0}').next().unwrap_or(nick);
        if new_nick.chars().count() > remote.chars().count() + MAX_NICK_SUFFIX {
            warn!(
                room,
                nick, "A bridged person's occupant gave up joining: every nick tried was taken"
            );
            return RoomInbound::Ignore;
        }
        let Some(puppet) = self.puppets.get_mut(&key) else {
            return RoomInbound::Ignore;
        };
        puppet.nick = new_nick;
        RoomInbound::Send(vec![join(&puppet.jid, room, &puppet.nick)])
    }
}

impl Rooms {
    pub(crate) fn new(main_domain: &str, listener_nick: &str, rooms: &[XmppAddress]) -> Self {
        Self {
            main_domain: main_domain.to_owned(),
            listener_nick: listener_nick.to_owned(),
            rooms: rooms
                .iter()
                .map(|room| (room.bare().jid().to_string(), Room::default()))
                .collect(),
        }
    }

    /// Whether `room` is one of the bridged rooms.
    pub(crate) fn is_bridged(&self, room: &XmppAddress) -> bool {
        self.rooms.contains_key(&room.bare().jid().to_string())
    }

    fn listener_jid(&self) -> String {
        format!("{}/{LISTENER_RESOURCE}", self.main_domain)
    }

    /// The listener's joins (XEP-0045 §7.2, asking for no history, §7.2.14) for every room, and every
    /// puppet's join again: after a (re)connect the rooms have forgotten them. The room's own occupants are
    /// learnt afresh, but the puppets are kept, so a puppet made before the stream came up is never taken
    /// for a real occupant and pushed to another nick.
    pub(crate) fn on_connected(&mut self) -> Vec<Element> {
        let listener = self.listener_jid();
        let mut out = Vec::new();
        for (room, state) in &mut self.rooms {
            state.real.clear();
            out.push(join(&listener, room, &self.listener_nick));
            for puppet in state.puppets.values() {
                out.push(join(&puppet.jid, room, &puppet.nick));
            }
        }
        out
    }

    /// The puppet of the remote person `remote_nick` from `origin` in `room`, made (with its join stanza) if
    /// needed.
    fn puppet(
        &mut self,
        room: &str,
        origin: &str,
        remote_nick: &str,
        person: &str,
        out: &mut Vec<Element>,
    ) -> Puppet {
        let state = self.rooms.entry(room.to_owned()).or_default();
        let key = puppet_key(origin, remote_nick);
        if let Some(puppet) = state.puppets.get(&key) {
            return puppet.clone();
        }
        let mut nick = state.free_nick(remote_nick, None);
        if nick == self.listener_nick {
            nick.push('_');
        }
        let puppet = Puppet {
            jid: format!("{person}/{PUPPET_RESOURCE}"),
            nick,
        };
        out.push(join(&puppet.jid, room, &puppet.nick));
        state.puppets.insert(key, puppet.clone());
        puppet
    }

    /// The stanzas that say `message` in `room` for `sender`: the puppet's join first if it is not in the
    /// room yet, then the message from the puppet's occupant JID. `message` is the groupchat stanza the
    /// mapper made, from the sender's transport JID.
    pub(crate) fn speak(
        &mut self,
        room: &XmppAddress,
        sender: &Address,
        mut message: Element,
    ) -> Vec<Element> {
        let room = room.bare().jid().to_string();
        let person = message.attr("from").unwrap_or_default().to_owned();
        let mut out = Vec::with_capacity(2);
        let puppet = self.puppet(
            &room,
            &origin_of(sender),
            &nick_of(sender),
            &person,
            &mut out,
        );
        message.set_attr("from", puppet.jid);
        message.set_attr("to", room);
        message.set_attr("type", "groupchat");
        out.push(message);
        out
    }

    /// The stanzas that show a remote room's `event` in the bridged `room`, through the occupant of the person
    /// whose transport JID is `person`: a join becomes the puppet's join, a part, kick or ban its leaving
    /// (XEP-0045 §7.14), a nick change a presence to the new nick (§7.6), a topic a subject change (§8.1).
    pub(crate) fn event_stanzas(
        &mut self,
        room: &XmppAddress,
        event: &RoomEvent,
        person: &str,
    ) -> Vec<Element> {
        let room = room.bare().jid().to_string();
        let origin = origin_of(&event.room);
        let key = puppet_key(&origin, &event.nick);
        let mut out = Vec::new();
        match &event.change {
            RoomChange::Joined { .. } | RoomChange::Privileges { .. } => {
                self.puppet(&room, &origin, &event.nick, person, &mut out);
            }
            RoomChange::Left { reason }
            | RoomChange::Kicked { reason, .. }
            | RoomChange::Banned { reason, .. } => {
                let state = self.rooms.entry(room.clone()).or_default();
                if let Some(puppet) = state.puppets.remove(&key) {
                    let mut leave = Element::new("presence", NS_COMPONENT)
                        .with_attr("from", puppet.jid)
                        .with_attr("to", format!("{room}/{}", puppet.nick))
                        .with_attr("type", "unavailable");
                    if let Some(reason) = reason.as_deref().filter(|r| !r.is_empty()) {
                        leave = leave
                            .with_child(Element::new("status", NS_COMPONENT).with_text(reason));
                    }
                    out.push(leave);
                }
            }
            RoomChange::NickChanged { new_nick } => {
                let state = self.rooms.entry(room.clone()).or_default();
                if let Some(mut puppet) = state.puppets.remove(&key) {
                    puppet.nick = state.free_nick(new_nick, None);
                    out.push(
                        Element::new("presence", NS_COMPONENT)
                            .with_attr("from", puppet.jid.clone())
                            .with_attr("to", format!("{room}/{}", puppet.nick)),
                    );
                    state.puppets.insert(puppet_key(&origin, new_nick), puppet);
                }
            }
            RoomChange::Topic { text } => {
                let puppet = self.puppet(&room, &origin, &event.nick, person, &mut out);
                out.push(
                    Element::new("message", NS_COMPONENT)
                        .with_attr("from", puppet.jid)
                        .with_attr("to", room.clone())
                        .with_attr("type", "groupchat")
                        .with_child(Element::new("subject", NS_COMPONENT).with_text(text.clone())),
                );
            }
        }
        out
    }

    /// What `stanza` is to the bridged rooms; `None` when it does not concern them. The room's own
    /// occupants are remembered, so no puppet takes their nick.
    pub(crate) fn classify(&mut self, stanza: &Element) -> Option<RoomInbound> {
        let from = XmppAddress::from_jid_str(stanza.attr("from")?).ok()?;
        let room = from.bare().jid().to_string();
        let listener = self.listener_jid();
        let state = self.rooms.get_mut(&room)?;
        let to = stanza.attr("to").unwrap_or_default();
        if stanza.name == "presence" && stanza.attr("type") == Some("error") {
            let nick = from.resource().unwrap_or_default();
            return Some(state.after_join_error(&room, nick, to, stanza));
        }
        if to != listener {
            // Reflections to our puppets: the listener already sees everything once.
            return Some(RoomInbound::Ignore);
        }
        let nick = from.resource().unwrap_or_default();
        if nick == self.listener_nick || state.is_puppet_nick(nick) {
            return Some(RoomInbound::Ignore);
        }
        match stanza.name.as_str() {
            "message" if stanza.attr("type") == Some("groupchat") => {
                if stanza.child("delay", NS_DELAY).is_some() {
                    // Room history (XEP-0045 §7.2.15): already seen on the other side, if ever.
                    return Some(RoomInbound::Ignore);
                }
                let body = stanza.child("body", NS_COMPONENT);
                match (body, stanza.child("subject", NS_COMPONENT)) {
                    (None, Some(subject)) => Some(RoomInbound::Event(Box::new(event(
                        &from,
                        nick,
                        RoomChange::Topic {
                            text: subject.text(),
                        },
                    )))),
                    (Some(_), _) => Some(RoomInbound::Message),
                    (None, None) => Some(RoomInbound::Ignore),
                }
            }
            "presence" if stanza.attr("type") != Some("error") => {
                let event = presence_event(stanza, &from, nick);
                match &event.change {
                    RoomChange::Joined { .. } | RoomChange::Privileges { .. } => {
                        state.real.insert(nick.to_owned());
                    }
                    RoomChange::NickChanged { new_nick } => {
                        state.real.remove(nick);
                        state.real.insert(new_nick.clone());
                    }
                    _ => {
                        state.real.remove(nick);
                    }
                }
                Some(RoomInbound::Event(Box::new(event)))
            }
            _ => Some(RoomInbound::Ignore),
        }
    }
}

/// Where a remote person speaks from: their IRC network, or the address (bare, so a MUC occupant's room)
/// for anything else. Two people with one nick from two origins get two puppets.
fn origin_of(address: &Address) -> String {
    match address {
        Address::Irc(irc) => format!("irc://{}", irc.network().to_ascii_lowercase()),
        other => other.bare().to_string(),
    }
}

/// The key of a remote person's puppet: their origin and nick.
fn puppet_key(origin: &str, nick: &str) -> String {
    format!("{origin}\u{0}{nick}")
}

/// The nick a remote person gets in a room: their IRC nick, the local part of a mail or XMPP address, a
/// phone number as it is.
pub(crate) fn nick_of(sender: &Address) -> String {
    match sender {
        Address::Irc(irc) => match irc.target() {
            IrcTarget::Nick(nick) | IrcTarget::Channel(nick) => nick.clone(),
        },
        Address::Mailto(mail) => mail.local().to_owned(),
        Address::Xmpp(xmpp) => xmpp
            .resource()
            .or(xmpp.node())
            .unwrap_or(xmpp.domain())
            .to_owned(),
        Address::Tel(tel) => tel.as_str().to_owned(),
        Address::Sip(sip) => sip.user().unwrap_or(sip.host()).to_owned(),
        other => other.to_string(),
    }
}

fn join(from: &str, room: &str, nick: &str) -> Element {
    Element::new("presence", NS_COMPONENT)
        .with_attr("from", from)
        .with_attr("to", format!("{room}/{nick}"))
        .with_child(
            Element::new("x", NS_MUC)
                .with_child(Element::new("history", NS_MUC).with_attr("maxstanzas", "0")),
        )
}

fn event(occupant: &XmppAddress, nick: &str, change: RoomChange) -> RoomEvent {
    RoomEvent {
        room: Address::Xmpp(occupant.bare()),
        nick: nick.to_owned(),
        real_address: None,
        change,
    }
}

fn presence_event(stanza: &Element, occupant: &XmppAddress, nick: &str) -> RoomEvent {
    let item = stanza
        .child("x", NS_MUC_USER)
        .and_then(|x| x.child("item", NS_MUC_USER));
    let real_address = item
        .and_then(|item| item.attr("jid"))
        .and_then(|jid| XmppAddress::from_jid_str(jid).ok())
        .map(Address::Xmpp);
    let statuses: Vec<&str> = stanza
        .child("x", NS_MUC_USER)
        .map(|x| {
            x.elements()
                .filter(|e| e.name == "status")
                .filter_map(|e| e.attr("code"))
                .collect()
        })
        .unwrap_or_default();
    let change = if stanza.attr("type") == Some("unavailable") {
        let reason = item
            .and_then(|item| item.child("reason", NS_MUC_USER))
            .map(Element::text)
            .or_else(|| stanza.child("status", NS_COMPONENT).map(Element::text));
        if statuses.contains(&"303") {
            RoomChange::NickChanged {
                new_nick: item
                    .and_then(|i| i.attr("nick"))
                    .unwrap_or_default()
                    .to_owned(),
            }
        } else if statuses.contains(&"307") {
            RoomChange::Kicked { by: None, reason }
        } else if statuses.contains(&"301") {
            RoomChange::Banned { by: None, reason }
        } else {
            RoomChange::Left { reason }
        }
    } else {
        RoomChange::Joined {
            role: role_of(item.and_then(|i| i.attr("role"))),
            affiliation: affiliation_of(item.and_then(|i| i.attr("affiliation"))),
        }
    };
    let mut event = event(occupant, nick, change);
    event.real_address = real_address;
    event
}

fn role_of(role: Option<&str>) -> Role {
    match role {
        Some("moderator") => Role::Moderator,
        Some("participant") => Role::Participant,
        Some("visitor") => Role::Visitor,
        _ => Role::None,
    }
}

fn affiliation_of(affiliation: Option<&str>) -> Affiliation {
    match affiliation {
        Some("owner") => Affiliation::Owner,
        Some("admin") => Affiliation::Admin,
        Some("member") => Affiliation::Member,
        Some("outcast") => Affiliation::Outcast,
        _ => Affiliation::None,
    }
}

#[cfg(test)]
mod tests;
