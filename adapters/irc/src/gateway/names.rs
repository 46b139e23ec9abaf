//! Nicks for the people the gateway speaks for: a MUC nick or an XMPP local part made into a valid IRC nick
//! (RFC 2812 §2.3.1), and the addresses that key their connections.

use switchboard_core::address::{Address, IrcAddress, XmppAddress};

/// The longest nick used when the server has not said (ISUPPORT NICKLEN); RFC 2812 §1.2.1 allows 9, most
/// networks 30 or more, and the client falls back on a shorter one when the server refuses (432).
pub(crate) const DEFAULT_NICK_LEN: usize = 30;

/// `wanted` as an IRC nick: characters IRC does not allow in nicks become `_`, a nick that would start with
/// a digit or `-` gets a `_` in front, and it is cut to `max_len` characters. Never empty.
pub(crate) fn irc_nick(wanted: &str, max_len: usize) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "[]\\`_^{|}-".contains(c);
    let mut nick: String = wanted
        .chars()
        .map(|c| if allowed(c) { c } else { '_' })
        .collect();
    if nick.is_empty() || nick.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        nick.insert(0, '_');
    }
    nick.chars().take(max_len.max(1)).collect()
}

/// The address of `nick` in `room`: the occupant JID of a MUC, the nick on an IRC network. It keys the
/// puppet that speaks for them, and matches the sender of what they say in the room.
pub(crate) fn person_in_room(room: &Address, nick: &str) -> Option<Address> {
    match room {
        Address::Xmpp(room) => XmppAddress::from_jid_str(&format!("{}/{nick}", room.bare().jid()))
            .ok()
            .map(Address::Xmpp),
        Address::Irc(channel) => IrcAddress::nick(channel.network(), nick)
            .ok()
            .map(Address::Irc),
        _ => None,
    }
}

/// The nick a person of another network is shown with: their occupant nick, IRC nick, or local part.
pub(crate) fn display_nick(person: &Address) -> String {
    use switchboard_core::address::IrcTarget;
    match person {
        Address::Xmpp(xmpp) => xmpp
            .resource()
            .or(xmpp.node())
            .unwrap_or(xmpp.domain())
            .to_owned(),
        Address::Irc(irc) => match irc.target() {
            IrcTarget::Nick(nick) | IrcTarget::Channel(nick) => nick.clone(),
        },
        Address::Mailto(mail) => mail.local().to_owned(),
        Address::Tel(tel) => tel.as_str().to_owned(),
        Address::Sip(sip) => sip.user().unwrap_or(sip.host()).to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicks_are_made_valid_for_irc() {
        assert_eq!(irc_nick("alice", 30), "alice");
        assert_eq!(irc_nick("Zoë Smith", 30), "Zo__Smith");
        assert_eq!(irc_nick("42", 30), "_42");
        assert_eq!(irc_nick("-x", 30), "_-x");
        assert_eq!(irc_nick("", 30), "_");
        assert_eq!(irc_nick("averyveryverylongnick", 9), "averyvery");
        assert_eq!(irc_nick("a\r\nQUIT", 30), "a__QUIT");
    }

    #[test]
    fn people_in_rooms_have_addresses() {
        let room: Address = "xmpp:lobby@conference.localhost".parse().unwrap();
        assert_eq!(
            person_in_room(&room, "alice").unwrap().to_string(),
            "xmpp:lobby@conference.localhost/alice"
        );
        let channel: Address = "irc://libera/%23dev".parse().unwrap();
        let bob = person_in_room(&channel, "bob").unwrap();
        assert_eq!(display_nick(&bob), "bob");
    }
}
