//! Stanza mapping, I/O-free: XMPP `<message/>`, `<presence/>` and `<iq/>` stanzas (in
//! `jabber:component:accept`) to and from the core's types.
//!
//! - [`error`]: stanza errors (RFC 6120 §8.3) <-> [`ErrorKind`].
//! - [`message`]: `<message/>` <-> [`Message`](switchboard_core::message::Message), with the XEPs that
//!   carry the core's message metadata, and XEP-0184 receipts.
//! - [`presence`]: `<presence/>` <-> [`Presence`](switchboard_core::presence::Presence); subscription
//!   requests are a separate [`SubscriptionRequest`].
//! - [`iq`]: the IQs the gateway answers itself (service discovery, version, ping).
//! - [`register`]: XEP-0077 in-band registration with a transport domain (XEP-0100 §4).
//! - [`gateway`]: XEP-0100 §6 `jabber:iq:gateway` address translation.

use switchboard_core::address::XmppAddressError;
use switchboard_core::envelope::{DeliveryError, ErrorKind};
use thiserror::Error;

use crate::transport::TransportAddressError;

mod attrs;
pub mod error;
pub mod gateway;
pub mod iq;
pub mod message;
pub mod ns;
mod payload;
pub mod presence;
pub mod register;
mod stamp;

pub use error::{ErrorType, error_element, error_of, error_reply};
pub use gateway::{PromptError, answer_gateway};
pub use iq::{FEATURES, ServiceInfo, answer_iq, iq_result};
pub use message::{ChatState, MessageMapper, receipt};
pub use presence::{
    SubscriptionRequest, answer_subscription, presence_from_core, presence_to_core,
    priority_from_core, priority_to_core,
};
pub use register::{
    RegisterError, RegisterRequest, parse_register, presences_after_removal, register_form,
    register_result, registration_from, subscription_after_registration, updated_registration,
};

/// Why a stanza from XMPP does not become a core message or presence.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MapError {
    /// Happens when the stanza has no `from` (RFC 6120 §8.1.2.1: the server stamps it on every stanza it
    /// routes to a component).
    #[error("the stanza has no 'from' address")]
    MissingFrom,
    /// Happens when the `from` is not a valid JID (RFC 7622 §3).
    #[error("the 'from' address {from} is not a valid jid: {reason}")]
    BadFrom {
        /// The attribute value.
        from: String,
        /// What is wrong with it.
        reason: XmppAddressError,
    },
    /// Happens when the stanza has no `to`, so it names no contact.
    #[error("the stanza has no 'to' address")]
    MissingTo,
    /// Happens when the `to` is not a valid JID (RFC 7622 §3).
    #[error("the 'to' address {to} is not a valid jid: {reason}")]
    BadTo {
        /// The attribute value.
        to: String,
        /// What is wrong with it.
        reason: XmppAddressError,
    },
    /// Happens when the `to` is not under one of the gateway's domains.
    #[error("{to} is not served by this gateway")]
    NotOurs {
        /// The JID.
        to: String,
    },
    /// Happens when the `to` is under one of the gateway's domains but names no contact.
    #[error(transparent)]
    Recipient(#[from] TransportAddressError),
    /// Happens when the stanza has type `error` (RFC 6120 §8.3): it reports a failure of something the
    /// gateway sent and is not to be routed.
    #[error("the stanza reports an error: {0}")]
    ErrorStanza(DeliveryError),
    /// Happens when a message carries only a chat state notification (XEP-0085 §5) and no content.
    #[error("the message carries only the chat state '{}'", .0.as_str())]
    ChatStateOnly(ChatState),
    /// Happens when a message carries only a delivery receipt (XEP-0184 §3) for the message with this id.
    #[error("the message only acknowledges message {id}")]
    Receipt {
        /// The id of the message received.
        id: String,
    },
    /// Happens when a message has no body, subject or link: nothing to pass on.
    #[error("the message has no body, subject or link")]
    NoContent,
    /// Happens when a presence has a `type` RFC 6121 §4.7.1 does not define.
    #[error(
        "presence type '{0}' is not one of unavailable, subscribe, subscribed, unsubscribe, unsubscribed, probe or error"
    )]
    BadPresenceType(String),
    /// Happens when `<priority/>` is not an integer from -128 to 127 (RFC 6121 §4.7.2.3).
    #[error("presence priority '{0}' is not an integer from -128 to 127")]
    BadPriority(String),
}

impl MapError {
    /// The error to answer the stanza with (RFC 6120 §8.3); `None` when it gets no answer: it was an error
    /// itself, or it carried nothing to route (a chat state, a receipt), which is not the sender's fault.
    pub fn error_kind(&self) -> Option<ErrorKind> {
        match self {
            MapError::MissingFrom
            | MapError::BadFrom { .. }
            | MapError::MissingTo
            | MapError::BadTo { .. }
            | MapError::BadPresenceType(_)
            | MapError::BadPriority(_) => Some(ErrorKind::BadRequest),
            MapError::NotOurs { .. } => Some(ErrorKind::ItemNotFound),
            MapError::Recipient(TransportAddressError::NoLocalpart { .. }) => {
                Some(ErrorKind::ServiceUnavailable)
            }
            MapError::Recipient(_) => Some(ErrorKind::BadRequest),
            MapError::ErrorStanza(_)
            | MapError::ChatStateOnly(_)
            | MapError::Receipt { .. }
            | MapError::NoContent => None,
        }
    }
}

/// The gateway domains the unit tests of the mapping use: one per network kind.
#[cfg(test)]
pub(crate) fn test_domains() -> crate::transport::TransportDomains {
    let mut domains = crate::transport::TransportDomains::default();
    domains.add("irc.gw.example", crate::transport::LegacyNetwork::Irc);
    domains.add("sip.gw.example", crate::transport::LegacyNetwork::Sip);
    domains.add("sms.gw.example", crate::transport::LegacyNetwork::Sms);
    domains.add("email.gw.example", crate::transport::LegacyNetwork::Email);
    domains
}
