//! Rooms presented at the component (transport mode, XEP-0045 as Biboumi does it): an XMPP user joins
//! `#channel%network@gw.example/nick`; the join goes to the legacy network as a room event, and what the
//! network says about the channel (its occupants, the user's own join, topic, nick changes, parts, kicks)
//! comes back as MUC presence and messages from `#channel%network@gw.example/nick`.

use switchboard_core::address::{Address, IrcTarget, XmppAddress};
use switchboard_core::room::{Affiliation, Role, RoomChange, RoomEvent};

use crate::proto::{Element, NS_COMPONENT};
use crate::transport::TransportDomains;

const NS_MUC_USER: &str = "http://jabber.org/protocol/muc#user";

/// A join or leave of a component room by an XMPP user, as the room event and its recipient (the channel).
pub(crate) fn occupant_presence_to_core(
    presence: &Element,
    domains: &TransportDomains,
) -> Option<(RoomEvent, Address)> {
    let to = XmppAddress::from_jid_str(presence.attr("to")?).ok()?;
    let nick = to.resource()?.to_owned();
    let channel = domains.to_legacy(&to).ok()??;
    let Address::Irc(irc) = &channel else {
        return None;
    };
    if !matches!(irc.target(), IrcTarget::Channel(_)) {
        return None;
    }
    let user = XmppAddress::from_jid_str(presence.attr("from")?).ok()?;
    let change = match presence.attr("type") {
        None => RoomChange::Joined {
            role: Role::Participant,
            affiliation: Affiliation::None,
        },
        Some("unavailable") => RoomChange::Left {
            reason: presence.child("status", NS_COMPONENT).map(Element::text),
        },
        Some(_) => return None,
    };
    let event = RoomEvent {
        room: channel.clone(),
        nick,
        real_address: Some(Address::Xmpp(user)),
        change,
    };
    Some((event, channel))
}

/// The stanzas that show `event` of a channel to the XMPP user `user` in the component room.
pub(crate) fn event_to_xmpp(
    event: &RoomEvent,
    user: &XmppAddress,
    domains: &TransportDomains,
) -> Vec<Element> {
    let Some(room) = domains.to_jid(&event.room) else {
        return Vec::new();
    };
    let room = room.bare().jid().to_string();
    let occupant = format!("{room}/{}", event.nick);
    let is_self = event
        .real_address
        .as_ref()
        .is_some_and(|real| real.bare() == Address::Xmpp(user.bare()));
    let presence = |kind: Option<&str>, item: Element, statuses: &[&str]| {
        let mut x = Element::new("x", NS_MUC_USER).with_child(item);
        for code in statuses.iter().copied().chain(is_self.then_some("110")) {
            x = x.with_child(Element::new("status", NS_MUC_USER).with_attr("code", code));
        }
        let mut presence = Element::new("presence", NS_COMPONENT)
            .with_attr("from", occupant.clone())
            .with_attr("to", user.jid().to_string());
        if let Some(kind) = kind {
            presence = presence.with_attr("type", kind);
        }
        presence.with_child(x)
    };
    let item = |role: &str, affiliation: &str| {
        Element::new("item", NS_MUC_USER)
            .with_attr("role", role)
            .with_attr("affiliation", affiliation)
    };
    match &event.change {
        RoomChange::Joined { role, affiliation } | RoomChange::Privileges { role, affiliation } => {
            vec![presence(
                None,
                item(role_name(*role), affiliation_name(*affiliation)),
                &[],
            )]
        }
        RoomChange::Left { reason } => {
            let mut leave = presence(Some("unavailable"), item("none", "none"), &[]);
            if let Some(reason) = reason.as_deref().filter(|r| !r.is_empty()) {
                leave = leave.with_child(Element::new("status", NS_COMPONENT).with_text(reason));
            }
            vec![leave]
        }
        RoomChange::Kicked { reason, .. } | RoomChange::Banned { reason, .. } => {
            let code = if matches!(event.change, RoomChange::Kicked { .. }) {
                "307"
            } else {
                "301"
            };
            let mut gone = item("none", "none");
            if let Some(reason) = reason.as_deref() {
                gone = gone.with_child(Element::new("reason", NS_MUC_USER).with_text(reason));
            }
            vec![presence(Some("unavailable"), gone, &[code])]
        }
        RoomChange::NickChanged { new_nick } => {
            let renamed = item("participant", "none").with_attr("nick", new_nick.clone());
            let joined = Element::new("presence", NS_COMPONENT)
                .with_attr("from", format!("{room}/{new_nick}"))
                .with_attr("to", user.jid().to_string())
                .with_child(Element::new("x", NS_MUC_USER).with_child(item("participant", "none")));
            vec![presence(Some("unavailable"), renamed, &["303"]), joined]
        }
        RoomChange::Topic { text } => vec![
            Element::new("message", NS_COMPONENT)
                .with_attr("from", occupant.clone())
                .with_attr("to", user.jid().to_string())
                .with_attr("type", "groupchat")
                .with_child(Element::new("subject", NS_COMPONENT).with_text(text.clone())),
        ],
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Moderator => "moderator",
        Role::Participant => "participant",
        Role::Visitor => "visitor",
        Role::None => "none",
    }
}

fn affiliation_name(affiliation: Affiliation) -> &'static str {
    match affiliation {
        Affiliation::Owner => "owner",
        Affiliation::Admin => "admin",
        Affiliation::Member => "member",
        Affiliation::Outcast => "outcast",
        Affiliation::None => "none",
    }
}
