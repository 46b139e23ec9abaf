//! `<message/>` stanzas (RFC 6121 §5) <-> core [`Message`]s.
//!
//! Besides body, subject and thread (RFC 6121 §5.2), the mapping carries the XEPs that hold the core's
//! message metadata: XEP-0359 stanza ids, XEP-0184 receipt requests, XEP-0308 corrections, XEP-0461 replies,
//! XEP-0245 `/me`, XEP-0066 links and XEP-0203 delays. Body text is kept byte for byte: XEP-0393 styling is
//! plain text and stays as written.

use switchboard_core::address::{Address, XmppAddress};
use switchboard_core::composing::ComposingState;
use switchboard_core::cpim::{CpimDateTime, CpimMessage, LanguageTag, MimePart};
use switchboard_core::envelope::{DeliveryError, ErrorKind};
use switchboard_core::ids::MessageId;
use switchboard_core::message::{Link, Message, MessageKind, MessageMeta, name_addr};
use time::{Duration, OffsetDateTime};

use super::attrs::{language, recipient, sender};
use super::stamp::{delay_element, delay_of};
use super::{MapError, error_of, ns};
use crate::proto::{Element, NS_COMPONENT, NS_XML};
use crate::transport::TransportDomains;

/// XEP-0245 §2: an action is a body starting with this.
const ME: &str = "/me ";

/// How old a message's DateTime must be before the stanza carries it as a XEP-0203 `<delay/>`.
const DELAY_THRESHOLD: Duration = Duration::seconds(5);

/// A chat state notification (XEP-0085 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatState {
    /// `<active/>`: paying attention.
    Active,
    /// `<composing/>`: typing.
    Composing,
    /// `<paused/>`: stopped typing.
    Paused,
    /// `<inactive/>`: not paying attention.
    Inactive,
    /// `<gone/>`: left the conversation.
    Gone,
}

impl ChatState {
    /// The element name (XEP-0085 §5).
    pub fn as_str(self) -> &'static str {
        match self {
            ChatState::Active => "active",
            ChatState::Composing => "composing",
            ChatState::Paused => "paused",
            ChatState::Inactive => "inactive",
            ChatState::Gone => "gone",
        }
    }

    /// The chat state a message carries, if any.
    pub fn of(stanza: &Element) -> Option<ChatState> {
        stanza
            .elements()
            .filter(|child| child.namespace == ns::CHAT_STATES)
            .find_map(|child| {
                Some(match child.name.as_str() {
                    "active" => ChatState::Active,
                    "composing" => ChatState::Composing,
                    "paused" => ChatState::Paused,
                    "inactive" => ChatState::Inactive,
                    "gone" => ChatState::Gone,
                    _ => return None,
                })
            })
    }
}

/// Maps messages between XMPP users and the core, with legacy contacts appearing under the gateway's
/// domains.
#[derive(Debug, Clone)]
pub struct MessageMapper {
    domains: TransportDomains,
}

impl MessageMapper {
    /// A mapper for the gateway's `domains`.
    pub fn new(domains: TransportDomains) -> Self {
        Self { domains }
    }

    /// The domains the mapper addresses contacts under.
    pub fn domains(&self) -> &TransportDomains {
        &self.domains
    }

    /// [`MessageMapper::message_to_core_at`] with the current time.
    pub fn message_to_core(&self, stanza: &Element) -> Result<Message, MapError> {
        self.message_to_core_at(stanza, OffsetDateTime::now_utc())
    }

    /// The core message for a `<message/>` from an XMPP user (RFC 6121 §5) to a contact under the gateway's
    /// domains. The sender is the full `from` JID; the addressee is what
    /// [`TransportDomains::to_legacy`] makes of `to`. The CPIM DateTime is the earliest XEP-0203 delay
    /// stamp, else `now`.
    ///
    /// The metadata gets a fresh canonical id; `source_id` is the stanza's `id`, else its XEP-0359
    /// `<origin-id/>`, else a `<stanza-id/>` assigned `by` the addressed JID. XEP-0308 `<replace/>` and
    /// XEP-0461 `<reply/>` ids are taken as they are, as ids of the sender's network: the session translates
    /// them to canonical ids through the message-id store.
    ///
    /// Fails with [`MapError::ErrorStanza`] for type `error` (a failure report, not a message to route),
    /// [`MapError::ChatStateOnly`], [`MapError::Receipt`] or [`MapError::NoContent`] when there is no body,
    /// subject or link, and with the addressing errors of `from` and `to`.
    pub fn message_to_core_at(
        &self,
        stanza: &Element,
        now: OffsetDateTime,
    ) -> Result<Message, MapError> {
        refuse_error_stanza(stanza)?;
        let from = Address::Xmpp(sender(stanza)?);
        let to = recipient(stanza, &self.domains)?;
        build_message(stanza, from, to, now)
    }

    /// The typing notification for a body-less `<message/>` carrying only an XEP-0085 chat state
    /// (`MapError::ChatStateOnly`): `<composing/>` is RFC 3994 active, every other state idle.
    pub fn chat_state_to_core(
        &self,
        stanza: &Element,
        state: ChatState,
    ) -> Result<Message, MapError> {
        let from = Address::Xmpp(sender(stanza)?);
        let to = recipient(stanza, &self.domains)?;
        let composing = match state {
            ChatState::Composing => ComposingState::Active,
            _ => ComposingState::Idle,
        };
        Ok(Message::composing(
            kind_of(stanza.attr("type")),
            &from,
            &to,
            composing,
        ))
    }

    /// The core message for a groupchat `<message/>` that a MUC room (XEP-0045 §7.4) reflected to the
    /// gateway's listener: from the occupant (`room@service/nick`) to the room's bare JID, so the router can
    /// carry it across the room's bridges. Fails like [`MessageMapper::message_to_core_at`].
    pub fn room_message_to_core(
        &self,
        stanza: &Element,
        now: OffsetDateTime,
    ) -> Result<Message, MapError> {
        refuse_error_stanza(stanza)?;
        let occupant = sender(stanza)?;
        let room = Address::Xmpp(occupant.bare());
        build_message(stanza, Address::Xmpp(occupant), room, now)
    }
}

/// A type `error` message is a failure report, not a message to route.
fn refuse_error_stanza(stanza: &Element) -> Result<(), MapError> {
    if stanza.attr("type") == Some("error") {
        let error = error_of(stanza)
            .unwrap_or_else(|| DeliveryError::new(ErrorKind::ServiceUnavailable, "error stanza"));
        return Err(MapError::ErrorStanza(error));
    }
    Ok(())
}

/// The core message for `stanza` from `from` to `to` (see [`MessageMapper::message_to_core_at`]).
fn build_message(
    stanza: &Element,
    from: Address,
    to: Address,
    now: OffsetDateTime,
) -> Result<Message, MapError> {
    let kind = kind_of(stanza.attr("type"));
    let stanza_lang = stanza.attr_ns("lang", NS_XML);
    let body = pick_body(stanza, stanza_lang);
    let subjects: Vec<_> = children(stanza, "subject", NS_COMPONENT)
        .map(|subject| (subject.text(), language(subject, stanza_lang)))
        .collect();
    let links: Vec<Link> = children(stanza, "x", ns::OOB).filter_map(link_of).collect();
    let Some((text, lang)) =
        body.or_else(|| (!subjects.is_empty() || !links.is_empty()).then(|| (String::new(), None)))
    else {
        return Err(empty_reason(stanza));
    };
    let (action, text) = match text.strip_prefix(ME) {
        Some(rest) => (true, rest.to_owned()),
        None => (false, text),
    };
    let mut content = MimePart::text_plain(&text);
    if let Some(lang) = lang {
        content = content
            .with_header("Content-Language", lang.as_str())
            .expect("a language tag is a valid MIME header value");
    }
    let sent = delay_of(stanza).unwrap_or(now);
    let mut cpim = CpimMessage::new(name_addr(&from), name_addr(&to), content);
    if let Ok(sent) = CpimDateTime::new(sent).or_else(|_| CpimDateTime::new(now)) {
        cpim = cpim.with_date_time(sent);
    }
    for (text, lang) in subjects {
        cpim = cpim.with_subject(text, lang);
    }
    let mut meta = MessageMeta::new(kind);
    meta.source_id = source_id(stanza);
    meta.thread = children(stanza, "thread", NS_COMPONENT)
        .map(Element::text)
        .find(|thread| !thread.is_empty());
    meta.in_reply_to = id_of(stanza, "reply", ns::REPLY);
    meta.correction_of = id_of(stanza, "replace", ns::CORRECT);
    meta.action = action;
    meta.wants_receipt = stanza.child("request", ns::RECEIPTS).is_some();
    meta.links = links;
    let cpim = super::payload::carry(stanza, cpim);
    Ok(Message { cpim, meta })
}

impl MessageMapper {
    /// The stanza that delivers `message` to the XMPP user `recipient`.
    ///
    /// Its `from` is the JID standing for the sender under the gateway's domains
    /// ([`TransportDomains::to_jid`], which falls back to the escaped URI under the first domain), so every
    /// stanza comes from one of them. `type` follows the message kind, `id` is the canonical id; body (with
    /// `/me ` in front of an action, and in its `xml:lang` from `Content-Language`), subjects, thread,
    /// XEP-0461 reply, XEP-0308 correction, XEP-0184 request (not in groupchat, XEP-0184 §5.4) and XEP-0066
    /// links follow. A body-less message with links gets their URLs as body, as XEP-0066 §3 clients expect.
    /// A DateTime more than five seconds before `now` is carried as a XEP-0203 `<delay/>`.
    ///
    /// Fails with bad-request when the sender is not an address or no JID can stand for it, and with
    /// not-acceptable when the body is not text.
    pub fn message_from_core(
        &self,
        message: &Message,
        recipient: &XmppAddress,
        now: OffsetDateTime,
    ) -> Result<Element, DeliveryError> {
        let sender = message.sender().map_err(|error| {
            DeliveryError::new(
                ErrorKind::BadRequest,
                format!("the sender is not a valid address: {error}"),
            )
        })?;
        let from = self.domains.to_jid(&sender).ok_or_else(|| {
            DeliveryError::new(
                ErrorKind::BadRequest,
                format!("no jid under the gateway's domains can stand for {sender}"),
            )
        })?;
        if let Some(state) = message.composing_state() {
            // XEP-0085 §5 <- RFC 3994: typing becomes <composing/>, idle <paused/>; no body.
            let state = match state {
                ComposingState::Active => ChatState::Composing,
                ComposingState::Idle => ChatState::Paused,
            };
            return Ok(Element::new("message", NS_COMPONENT)
                .with_attr("from", from.jid().to_string())
                .with_attr("to", recipient.jid().to_string())
                .with_attr("type", "chat")
                .with_attr("id", message.meta.id.as_str())
                .with_child(Element::new(state.as_str(), ns::CHAT_STATES)));
        }
        let content = message.cpim.content();
        let is_text = content.content_type().is_none_or(|content_type| {
            content_type
                .trim_start()
                .get(..5)
                .is_some_and(|major| major.eq_ignore_ascii_case("text/"))
        });
        let body = message.body_text().filter(|_| is_text).ok_or_else(|| {
            DeliveryError::new(
                ErrorKind::NotAcceptable,
                format!(
                    "xmpp carries text bodies only, not {}",
                    content.content_type().unwrap_or("undecodable text")
                ),
            )
        })?;
        let meta = &message.meta;
        let mut stanza = Element::new("message", NS_COMPONENT)
            .with_attr("from", from.jid().to_string())
            .with_attr("to", recipient.jid().to_string())
            .with_attr("type", type_of(meta.kind))
            .with_attr("id", meta.id.as_str());
        let mut text = if meta.action {
            format!("{ME}{body}")
        } else {
            body.into_owned()
        };
        if text.is_empty() && !meta.links.is_empty() {
            text = meta
                .links
                .iter()
                .map(|link| link.url.as_str())
                .collect::<Vec<_>>()
                .join("\n");
        }
        if !text.is_empty() {
            let mut body = Element::new("body", NS_COMPONENT);
            if let Some(lang) = content.header("Content-Language") {
                body = body.with_attr_ns("lang", NS_XML, lang);
            }
            stanza = stanza.with_child(body.with_text(text));
        }
        for subject in message.cpim.subjects() {
            let mut element = Element::new("subject", NS_COMPONENT);
            if let Some(lang) = &subject.lang {
                element = element.with_attr_ns("lang", NS_XML, lang.as_str());
            }
            stanza = stanza.with_child(element.with_text(subject.text.as_str()));
        }
        if let Some(thread) = &meta.thread {
            stanza =
                stanza.with_child(Element::new("thread", NS_COMPONENT).with_text(thread.as_str()));
        }
        if let Some(original) = &meta.in_reply_to {
            stanza = stanza
                .with_child(Element::new("reply", ns::REPLY).with_attr("id", original.as_str()));
        }
        if let Some(original) = &meta.correction_of {
            stanza = stanza.with_child(
                Element::new("replace", ns::CORRECT).with_attr("id", original.as_str()),
            );
        }
        if meta.wants_receipt && meta.kind != MessageKind::GroupChat {
            stanza = stanza.with_child(Element::new("request", ns::RECEIPTS));
        }
        for link in &meta.links {
            stanza = stanza.with_child(oob_element(link));
        }
        if let Some(sent) = message.cpim.date_time()
            && now - sent.as_offset_date_time() > DELAY_THRESHOLD
            && let Some(delay) = delay_element(sent.as_offset_date_time())
        {
            stanza = stanza.with_child(delay);
        }
        for payload in super::payload::restore(&message.cpim) {
            stanza = stanza.with_child(payload);
        }
        Ok(stanza)
    }
}

/// The XEP-0184 §3 receipt for a delivered message that asked for one: `<received id='…'/>` from the
/// addressee back to the sender, in a message with a fresh id. `None` when `stanza` asked for no receipt, has
/// no id to acknowledge (XEP-0184 §5.3) or is a groupchat message or an error (XEP-0184 §5.4).
pub fn receipt(stanza: &Element) -> Option<Element> {
    if stanza.name != "message" || matches!(stanza.attr("type"), Some("error" | "groupchat")) {
        return None;
    }
    stanza.child("request", ns::RECEIPTS)?;
    let id = stanza.attr("id")?;
    let (from, to) = (stanza.attr("to")?, stanza.attr("from")?);
    Some(
        Element::new("message", NS_COMPONENT)
            .with_attr("from", from)
            .with_attr("to", to)
            .with_attr("id", MessageId::generate().as_str())
            .with_child(Element::new("received", ns::RECEIPTS).with_attr("id", id)),
    )
}

/// RFC 6121 §5.2.2: no type, or one not understood, is `normal`.
fn kind_of(message_type: Option<&str>) -> MessageKind {
    match message_type {
        Some("chat") => MessageKind::Chat,
        Some("groupchat") => MessageKind::GroupChat,
        Some("headline") => MessageKind::Headline,
        _ => MessageKind::Normal,
    }
}

fn type_of(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Chat => "chat",
        MessageKind::GroupChat => "groupchat",
        MessageKind::Headline => "headline",
        MessageKind::Normal => "normal",
    }
}

fn children<'a>(
    stanza: &'a Element,
    name: &'a str,
    namespace: &'a str,
) -> impl Iterator<Item = &'a Element> {
    stanza
        .elements()
        .filter(move |child| child.is(name, namespace))
}

/// RFC 6121 §5.2.3: of several bodies (one per language), the one in the stanza's language (a body without
/// `xml:lang` inherits it), else the first. Empty bodies count as none.
fn pick_body(stanza: &Element, stanza_lang: Option<&str>) -> Option<(String, Option<LanguageTag>)> {
    let bodies: Vec<_> = children(stanza, "body", NS_COMPONENT)
        .filter(|body| !body.text().is_empty())
        .collect();
    let own_language = |body: &&Element| {
        let lang = body.attr_ns("lang", NS_XML).or(stanza_lang);
        lang.map(str::to_ascii_lowercase) == stanza_lang.map(str::to_ascii_lowercase)
    };
    let body = bodies
        .iter()
        .copied()
        .find(own_language)
        .or_else(|| bodies.first().copied())?;
    Some((body.text(), language(body, stanza_lang)))
}

/// Why a message with no content is not routed: it only reports a receipt or a chat state, or holds nothing.
fn empty_reason(stanza: &Element) -> MapError {
    if let Some(id) = stanza
        .child("received", ns::RECEIPTS)
        .and_then(|received| received.attr("id"))
    {
        return MapError::Receipt { id: id.to_owned() };
    }
    match ChatState::of(stanza) {
        Some(state) => MapError::ChatStateOnly(state),
        None => MapError::NoContent,
    }
}

/// XEP-0359 §3: the stanza `id` first (receipts, corrections and replies refer to it), else the sender's
/// `<origin-id/>`, else a `<stanza-id/>` whose `by` is the addressed entity (XEP-0359 §4: only those are
/// trustworthy).
fn source_id(stanza: &Element) -> Option<String> {
    let non_empty = |id: Option<&str>| id.filter(|id| !id.is_empty()).map(str::to_owned);
    let addressed = stanza
        .attr("to")
        .and_then(|to| XmppAddress::from_jid_str(to).ok())
        .map(|to| to.bare());
    non_empty(stanza.attr("id"))
        .or_else(|| {
            non_empty(
                stanza
                    .child("origin-id", ns::SID)
                    .and_then(|o| o.attr("id")),
            )
        })
        .or_else(|| {
            children(stanza, "stanza-id", ns::SID)
                .filter(|sid| {
                    sid.attr("by")
                        .and_then(|by| XmppAddress::from_jid_str(by).ok())
                        .is_some_and(|by| Some(by) == addressed)
                })
                .find_map(|sid| non_empty(sid.attr("id")))
        })
}

/// The `id` attribute of a child such as XEP-0308 `<replace/>` or XEP-0461 `<reply/>`.
fn id_of(stanza: &Element, name: &str, namespace: &str) -> Option<MessageId> {
    stanza
        .child(name, namespace)
        .and_then(|child| child.attr("id"))
        .filter(|id| !id.is_empty())
        .map(MessageId::new)
}

/// XEP-0066 §3: `<x xmlns='jabber:x:oob'><url/><desc/></x>`; one without a URL is skipped.
fn link_of(x: &Element) -> Option<Link> {
    let url = x.child("url", ns::OOB)?.text();
    if url.is_empty() {
        return None;
    }
    let name = x
        .child("desc", ns::OOB)
        .map(Element::text)
        .filter(|desc| !desc.is_empty());
    Some(Link {
        url,
        media_type: None,
        size: None,
        name,
    })
}

fn oob_element(link: &Link) -> Element {
    let mut x = Element::new("x", ns::OOB)
        .with_child(Element::new("url", ns::OOB).with_text(link.url.as_str()));
    if let Some(name) = &link.name {
        x = x.with_child(Element::new("desc", ns::OOB).with_text(name.as_str()));
    }
    x
}
