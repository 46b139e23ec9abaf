//! Existing MUC rooms bridged through the gateway (XEP-0045): the component joins each configured room with a
//! listener occupant, and every remote person who speaks in it with an occupant of their own, from their
//! transport JID, so an IRC user appears in the room under their own nick rather than behind a bot prefix.

use std::collections::HashMap;

use switchboard_core::address::{Address, IrcTarget, XmppAddress};
use switchboard_core::room::{Affiliation, Role, RoomChange, RoomEvent};

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

/// What an inbound stanza is to the bridged rooms.
#[derive(Debug)]
pub(crate) enum RoomInbound {
    /// A groupchat message from a real occupant, to carry across the bridge.
    Message,
    /// Something that happened in the room (join, leave, topic).
    Event(Box<RoomEvent>),
    /// Our own occupants' echoes, room history, reflections to puppets: not to be carried.
    Ignore,
}

/// The bridged rooms and the occupants the gateway holds in them.
#[derive(Debug)]
pub(crate) struct Rooms {
    main_domain: String,
    listener_nick: String,
    /// Bare room JID -> our puppets in it: nick -> the occupant's real JID (which keeps the nick it joined
    /// with in its transport JID, even after a nick change).
    rooms: HashMap<String, HashMap<String, String>>,
}

impl Rooms {
    pub(crate) fn new(main_domain: &str, listener_nick: &str, rooms: &[XmppAddress]) -> Self {
        Self {
            main_domain: main_domain.to_owned(),
            listener_nick: listener_nick.to_owned(),
            rooms: rooms
                .iter()
                .map(|room| (room.bare().jid().to_string(), HashMap::new()))
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

    /// The listener's joins (XEP-0045 §7.2, asking for no history, §7.2.14) for every room; after a
    /// (re)connect every puppet has to join again, so they are forgotten.
    pub(crate) fn on_connected(&mut self) -> Vec<Element> {
        let listener = self.listener_jid();
        self.rooms
            .iter_mut()
            .map(|(room, puppets)| {
                puppets.clear();
                join(&listener, room, &self.listener_nick)
            })
            .collect()
    }

    /// The stanzas that say `message` in `room` as `nick`: the puppet's join first if it is not in the room
    /// yet, then the message from the puppet's occupant JID. `message` is the groupchat stanza the mapper
    /// made, from the sender's transport JID.
    pub(crate) fn speak(
        &mut self,
        room: &XmppAddress,
        nick: &str,
        mut message: Element,
    ) -> Vec<Element> {
        let room = room.bare().jid().to_string();
        let sender = message.attr("from").unwrap_or_default().to_owned();
        let puppet = format!("{sender}/{PUPPET_RESOURCE}");
        let mut out = Vec::with_capacity(2);
        let puppets = self.rooms.entry(room.clone()).or_default();
        let puppet = match puppets.get(nick) {
            Some(joined) => joined.clone(),
            None => {
                puppets.insert(nick.to_owned(), puppet.clone());
                out.push(join(&puppet, &room, nick));
                puppet
            }
        };
        message.set_attr("from", puppet);
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
        let fresh = format!("{person}/{PUPPET_RESOURCE}");
        let puppets = self.rooms.entry(room.clone()).or_default();
        let mut out = Vec::new();
        let puppet = puppets.get(&event.nick).cloned().unwrap_or(fresh);
        let ensure_joined = |out: &mut Vec<Element>, puppets: &mut HashMap<String, String>| {
            if !puppets.contains_key(&event.nick) {
                puppets.insert(event.nick.clone(), puppet.clone());
                out.push(join(&puppet, &room, &event.nick));
            }
        };
        match &event.change {
            RoomChange::Joined { .. } | RoomChange::Privileges { .. } => {
                ensure_joined(&mut out, puppets)
            }
            RoomChange::Left { reason }
            | RoomChange::Kicked { reason, .. }
            | RoomChange::Banned { reason, .. } => {
                if puppets.remove(&event.nick).is_some() {
                    let mut leave = Element::new("presence", NS_COMPONENT)
                        .with_attr("from", puppet.clone())
                        .with_attr("to", format!("{room}/{}", event.nick))
                        .with_attr("type", "unavailable");
                    if let Some(reason) = reason.as_deref().filter(|r| !r.is_empty()) {
                        leave = leave
                            .with_child(Element::new("status", NS_COMPONENT).with_text(reason));
                    }
                    out.push(leave);
                }
            }
            RoomChange::NickChanged { new_nick } => {
                if let Some(joined) = puppets.remove(&event.nick) {
                    puppets.insert(new_nick.clone(), joined.clone());
                    out.push(
                        Element::new("presence", NS_COMPONENT)
                            .with_attr("from", joined)
                            .with_attr("to", format!("{room}/{new_nick}")),
                    );
                }
            }
            RoomChange::Topic { text } => {
                ensure_joined(&mut out, puppets);
                out.push(
                    Element::new("message", NS_COMPONENT)
                        .with_attr("from", puppet.clone())
                        .with_attr("to", room.clone())
                        .with_attr("type", "groupchat")
                        .with_child(Element::new("subject", NS_COMPONENT).with_text(text.clone())),
                );
            }
        }
        out
    }

    /// What `stanza` is to the bridged rooms; `None` when it does not concern them.
    pub(crate) fn classify(&self, stanza: &Element) -> Option<RoomInbound> {
        let from = XmppAddress::from_jid_str(stanza.attr("from")?).ok()?;
        let room = from.bare().jid().to_string();
        let puppets = self.rooms.get(&room)?;
        let to = stanza.attr("to").unwrap_or_default();
        if to != self.listener_jid() {
            // Reflections to our puppets: the listener already sees everything once.
            return Some(RoomInbound::Ignore);
        }
        let nick = from.resource().unwrap_or_default();
        if nick == self.listener_nick || puppets.contains_key(nick) {
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
            "presence" => Some(RoomInbound::Event(Box::new(presence_event(
                stanza, &from, nick,
            )))),
            _ => Some(RoomInbound::Ignore),
        }
    }
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
