//! The namespaces the stanza mapping reads and writes.

/// Stanza error conditions and `<text/>` (RFC 6120 §8.3.2).
pub const STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";
/// Message delivery receipts (XEP-0184 §3).
pub const RECEIPTS: &str = "urn:xmpp:receipts";
/// Last message correction (XEP-0308 §3).
pub const CORRECT: &str = "urn:xmpp:message-correct:0";
/// Message replies (XEP-0461 §3).
pub const REPLY: &str = "urn:xmpp:reply:0";
/// Out-of-band data in messages (XEP-0066 §3).
pub const OOB: &str = "jabber:x:oob";
/// Delayed delivery stamps (XEP-0203 §3).
pub const DELAY: &str = "urn:xmpp:delay";
/// Unique and stable stanza ids: `<stanza-id/>` and `<origin-id/>` (XEP-0359 §3).
pub const SID: &str = "urn:xmpp:sid:0";
/// Chat state notifications (XEP-0085 §5).
pub const CHAT_STATES: &str = "http://jabber.org/protocol/chatstates";
/// Service discovery, information (XEP-0030 §3).
pub const DISCO_INFO: &str = "http://jabber.org/protocol/disco#info";
/// Service discovery, items (XEP-0030 §4).
pub const DISCO_ITEMS: &str = "http://jabber.org/protocol/disco#items";
/// Software version (XEP-0092 §2).
pub const VERSION: &str = "jabber:iq:version";
/// XMPP ping (XEP-0199 §3).
pub const PING: &str = "urn:xmpp:ping";
/// XEP-0050 Ad-Hoc Commands.
pub const COMMANDS: &str = "http://jabber.org/protocol/commands";
/// XEP-0077 In-Band Registration.
pub const REGISTER: &str = "jabber:iq:register";
/// XEP-0100 §6 address translation.
pub const GATEWAY: &str = "jabber:iq:gateway";
