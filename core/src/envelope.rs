//! What travels between adapters and the router: messages, presence, room events and delivery status.

use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::message::Message;
use crate::presence::Presence;
use crate::room::RoomEvent;

/// Names one envelope within the sender's own numbering; a [`DeliveryStatus`] refers back to it.
///
/// Adapters number what they send to the core; the router numbers what it sends to adapters (for a durable
/// message this is its outbox sequence number, so a status after a restart still finds the entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EnvelopeId(pub u64);

/// One unit of traffic between an adapter and the router.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The sender's id for this envelope.
    pub id: EnvelopeId,
    /// Who it is for. On the way out the router always sets it (the bridge endpoint, route target or addressee
    /// this copy is for); on the way in it is optional and, when set, overrides the payload's own recipients
    /// (a presence directed at one contact, say).
    pub recipient: Option<Address>,
    /// The bridge this copy crossed, when it was fanned out from a `[[bridge]]`.
    pub bridge: Option<String>,
    /// What it carries.
    pub payload: Payload,
}

impl Envelope {
    /// An envelope with no recipient override, as an adapter sends it to the core.
    pub fn new(id: EnvelopeId, payload: Payload) -> Self {
        Self {
            id,
            recipient: None,
            bridge: None,
            payload,
        }
    }

    /// A status report about envelope `about`.
    pub fn status(id: EnvelopeId, status: DeliveryStatus) -> Self {
        Self::new(id, Payload::Status(status))
    }
}

/// The content of an [`Envelope`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Payload {
    /// An instant message (RFC 3862 model plus gateway metadata).
    Message(Box<Message>),
    /// A presence document (RFC 3859 / RFC 3863 model).
    Presence(Box<Presence>),
    /// Something that happened in a room: join, leave, nick change, topic, kick.
    Room(Box<RoomEvent>),
    /// What became of an envelope sent earlier.
    Status(DeliveryStatus),
}

impl Payload {
    /// A short name for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Payload::Message(_) => "message",
            Payload::Presence(_) => "presence",
            Payload::Room(_) => "room",
            Payload::Status(_) => "status",
        }
    }
}

/// What became of one envelope, reported back the way it came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryStatus {
    /// The envelope this is about, in the numbering of whoever sent that envelope.
    pub about: EnvelopeId,
    /// The recipient this outcome concerns, when the envelope had several.
    pub recipient: Option<Address>,
    /// The outcome.
    pub outcome: DeliveryOutcome,
}

/// The outcome of a delivery attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DeliveryOutcome {
    /// The gateway holds the message durably (written to the outbox): the source network may now be told it
    /// was accepted (SMTP 250, SIP 202, SMPP deliver_sm_resp). RFC 7572 §6: a 2xx means only this.
    Accepted,
    /// The destination network took the message (written to its server, or acknowledged by it).
    Delivered,
    /// It could not be delivered; the sender's network should see an error.
    Failed(DeliveryError),
}

/// Why a delivery failed, in the gateway's own terms; adapters map it to their network's errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{kind}: {text}")]
pub struct DeliveryError {
    /// The class of error, which each adapter maps to its network (RFC 7247 §6 for XMPP <-> SIP).
    pub kind: ErrorKind,
    /// A human-readable explanation, safe to show to the sender.
    pub text: String,
}

impl DeliveryError {
    /// Makes an error of `kind` with an explanation.
    pub fn new(kind: ErrorKind, text: impl Into<String>) -> Self {
        Self {
            kind,
            text: text.into(),
        }
    }
}

/// Error classes shared by every network. Named after the XMPP stanza error conditions (RFC 6120 §8.3.3),
/// which have the finest grain; RFC 7247 §6 gives their SIP equivalents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request was malformed (SIP 400).
    BadRequest,
    /// The sender may not do this (SIP 403).
    Forbidden,
    /// The recipient is gone for good (SIP 410).
    Gone,
    /// The gateway failed (SIP 500).
    InternalServerError,
    /// The addressee does not exist (SIP 404).
    ItemNotFound,
    /// The content was refused (SIP 406).
    NotAcceptable,
    /// Credentials are needed or wrong (SIP 401).
    NotAuthorized,
    /// The message breaks a local rule: too long, too many lines (XMPP policy-violation).
    PolicyViolation,
    /// The addressee exists but is not reachable now (SIP 480).
    RecipientUnavailable,
    /// The addressee moved (SIP 3xx).
    Redirect,
    /// The far server did not answer in time (SIP 408).
    RemoteServerTimeout,
    /// A queue or other resource is full: try again later (XMPP resource-constraint).
    ResourceConstraint,
    /// The service is not offered or is down (SIP 503).
    ServiceUnavailable,
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ErrorKind::BadRequest => "bad-request",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Gone => "gone",
            ErrorKind::InternalServerError => "internal-server-error",
            ErrorKind::ItemNotFound => "item-not-found",
            ErrorKind::NotAcceptable => "not-acceptable",
            ErrorKind::NotAuthorized => "not-authorized",
            ErrorKind::PolicyViolation => "policy-violation",
            ErrorKind::RecipientUnavailable => "recipient-unavailable",
            ErrorKind::Redirect => "redirect",
            ErrorKind::RemoteServerTimeout => "remote-server-timeout",
            ErrorKind::ResourceConstraint => "resource-constraint",
            ErrorKind::ServiceUnavailable => "service-unavailable",
        })
    }
}
