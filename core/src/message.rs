//! The gateway's message: a CPIM message (RFC 3862) plus the metadata networks attach outside the CPIM text.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::address::{Address, AddressError};
use crate::cpim::{CpimMessage, MimePart, NameAddr, Uri};
use crate::ids::MessageId;

/// One instant message as the core sees it.
///
/// The CPIM part carries what RFC 3862 defines (From, To, cc, DateTime, Subject, extension headers and the
/// encapsulated MIME body); [`MessageMeta`] carries what the networks add on top (XMPP message type, stanza
/// ids, threads, corrections, /me, out-of-band links).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// The RFC 3862 message.
    pub cpim: CpimMessage,
    /// Gateway metadata.
    pub meta: MessageMeta,
}

/// Gateway metadata of a message, outside the CPIM text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageMeta {
    /// One-to-one, room, headline or normal (XMPP message types, RFC 6121 §5.2.2).
    pub kind: MessageKind,
    /// The gateway's canonical id, the same on every network the message crosses.
    pub id: MessageId,
    /// The id the source network gave it (stanza-id, IRC msgid, Message-ID), used for de-duplication and the
    /// message-id map.
    pub source_id: Option<String>,
    /// The conversation thread (XMPP `<thread>`, email References root, SIP Call-ID).
    pub thread: Option<String>,
    /// The message this one answers (XEP-0461, email In-Reply-To).
    pub in_reply_to: Option<MessageId>,
    /// The message this one corrects (XEP-0308 Last Message Correction, IRCv3 edits).
    pub correction_of: Option<MessageId>,
    /// An action (`/me waves`, CTCP ACTION): the body is the action text without `/me `.
    pub action: bool,
    /// Whether the sender asked to hear when it is delivered (XEP-0184, IMDN RFC 5438).
    pub wants_receipt: bool,
    /// Attachments carried as links (XEP-0066 out-of-band data).
    pub links: Vec<Link>,
}

impl MessageMeta {
    /// Metadata for a fresh message of `kind` with a newly generated canonical id.
    pub fn new(kind: MessageKind) -> Self {
        Self {
            kind,
            id: MessageId::generate(),
            source_id: None,
            thread: None,
            in_reply_to: None,
            correction_of: None,
            action: false,
            wants_receipt: false,
            links: Vec::new(),
        }
    }
}

/// The kind of a message (RFC 6121 §5.2.2 message types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MessageKind {
    /// A one-to-one conversation.
    Chat,
    /// A message in a multi-user room.
    GroupChat,
    /// An alert that expects no reply.
    Headline,
    /// A standalone message, like an email.
    Normal,
}

/// An attachment carried as a link (XEP-0066 §3: URL plus description).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Where the content is.
    pub url: String,
    /// Its media type, when known (`image/png`).
    pub media_type: Option<String>,
    /// Its size in bytes, when known.
    pub size: Option<u64>,
    /// A file name or description.
    pub name: Option<String>,
}

impl Message {
    /// A plain-text message from `from` to `to` (`text/plain; charset=utf-8`), with fresh metadata.
    pub fn text(kind: MessageKind, from: &Address, to: &Address, body: &str) -> Self {
        let cpim = CpimMessage::new(name_addr(from), name_addr(to), MimePart::text_plain(body));
        Self {
            cpim,
            meta: MessageMeta::new(kind),
        }
    }

    /// The sender's address (RFC 3862 §5.1 From).
    pub fn sender(&self) -> Result<Address, AddressError> {
        self.cpim.from().uri.as_str().parse()
    }

    /// Every addressee (RFC 3862 §5.2 To, then §5.3 cc).
    pub fn recipients(&self) -> Result<Vec<Address>, AddressError> {
        self.cpim
            .to()
            .chain(self.cpim.cc())
            .map(|name_addr| name_addr.uri.as_str().parse())
            .collect()
    }

    /// The body as text, when its content type is textual and its charset decodable.
    pub fn body_text(&self) -> Option<Cow<'_, str>> {
        self.cpim.content().text()
    }
}

/// A CPIM name-address for a gateway address, without a display name.
pub fn name_addr(address: &Address) -> NameAddr {
    NameAddr::new(uri_of(address))
}

/// The CPIM URI of a gateway address.
pub fn uri_of(address: &Address) -> Uri {
    // Every Address prints as an absolute URI with anything unsafe percent-encoded (a property the address
    // tests pin down), so this cannot fail for a validated address.
    Uri::parse(&address.to_string()).expect("an Address always prints as an absolute URI")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_address_makes_a_cpim_uri_and_back() {
        for text in [
            "xmpp:alice@example.org/my%20phone",
            "sip:bob@example.net;transport=tcp",
            "irc://libera/%23dev",
            "irc://libera/bob,isnick",
            "tel:+15551234567",
            "mailto:o'brien@example.org",
            "im:piglet@100akerwood.com",
            "pres:piglet@100akerwood.com",
        ] {
            let address: Address = text.parse().expect(text);
            let message = Message::text(MessageKind::Chat, &address, &address, "x");
            assert_eq!(message.sender().expect("sender"), address);
            assert_eq!(message.recipients().expect("recipients"), vec![address]);
        }
    }
}
