//! Stanza errors (RFC 6120 §8.3): the core's [`ErrorKind`] as a defined condition and back.
//!
//! The core's kinds are named after the XMPP conditions, so each has a twin; the conditions with no core twin
//! map to the nearest kind when read. The core's own docs give the SIP equivalents of RFC 7247 §6 (400
//! bad-request, 403 forbidden, 410 gone, 500 internal-server-error, 404 item-not-found, 406 not-acceptable,
//! 401 not-authorized, 480 recipient-unavailable, 3xx redirect, 408 remote-server-timeout, 503
//! service-unavailable); the SIP adapter maps the same kinds, so an XMPP error reaches SIP as RFC 7247
//! suggests.

use switchboard_core::envelope::{DeliveryError, ErrorKind};

use super::ns;
use crate::proto::{Element, NS_COMPONENT};

/// The `type` of a stanza error: what the sender may do about it (RFC 6120 §8.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// Retry after providing credentials.
    Auth,
    /// Do not retry: the error cannot be remedied.
    Cancel,
    /// Proceed: the condition was only a warning.
    Continue,
    /// Retry after changing the data sent.
    Modify,
    /// Retry after waiting: the error is temporary.
    Wait,
}

impl ErrorType {
    /// The attribute value (RFC 6120 §8.3.2).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::Auth => "auth",
            ErrorType::Cancel => "cancel",
            ErrorType::Continue => "continue",
            ErrorType::Modify => "modify",
            ErrorType::Wait => "wait",
        }
    }

    /// Reads the attribute value; `None` for anything RFC 6120 §8.3.2 does not define.
    pub fn parse(value: &str) -> Option<ErrorType> {
        Some(match value {
            "auth" => ErrorType::Auth,
            "cancel" => ErrorType::Cancel,
            "continue" => ErrorType::Continue,
            "modify" => ErrorType::Modify,
            "wait" => ErrorType::Wait,
            _ => return None,
        })
    }

    /// The kind to assume for an unknown or `undefined-condition` error of this type: modify is a bad
    /// request, auth a missing authorisation, wait a temporary shortage; cancel and continue say only that
    /// the service did not do it.
    pub fn default_kind(self) -> ErrorKind {
        match self {
            ErrorType::Auth => ErrorKind::NotAuthorized,
            ErrorType::Modify => ErrorKind::BadRequest,
            ErrorType::Wait => ErrorKind::ResourceConstraint,
            ErrorType::Cancel | ErrorType::Continue => ErrorKind::ServiceUnavailable,
        }
    }
}

/// The defined condition and error type for a core kind; the types are those RFC 6120 §8.3.3 gives for
/// each condition (§8.3.3.1 bad-request: modify, §8.3.3.5 gone: cancel, §8.3.3.13 recipient-unavailable:
/// wait, …).
pub fn condition_of(kind: ErrorKind) -> (&'static str, ErrorType) {
    match kind {
        ErrorKind::BadRequest => ("bad-request", ErrorType::Modify),
        ErrorKind::Forbidden => ("forbidden", ErrorType::Auth),
        ErrorKind::Gone => ("gone", ErrorType::Cancel),
        ErrorKind::InternalServerError => ("internal-server-error", ErrorType::Cancel),
        ErrorKind::ItemNotFound => ("item-not-found", ErrorType::Cancel),
        ErrorKind::NotAcceptable => ("not-acceptable", ErrorType::Modify),
        ErrorKind::NotAuthorized => ("not-authorized", ErrorType::Auth),
        ErrorKind::PolicyViolation => ("policy-violation", ErrorType::Modify),
        ErrorKind::RecipientUnavailable => ("recipient-unavailable", ErrorType::Wait),
        ErrorKind::Redirect => ("redirect", ErrorType::Modify),
        ErrorKind::RemoteServerTimeout => ("remote-server-timeout", ErrorType::Wait),
        ErrorKind::ResourceConstraint => ("resource-constraint", ErrorType::Wait),
        ErrorKind::ServiceUnavailable => ("service-unavailable", ErrorType::Cancel),
        // A kind added to the core later and not mapped yet (RFC 6120 §8.3.3.21).
        _ => ("undefined-condition", ErrorType::Cancel),
    }
}

/// The core kind of a defined condition (RFC 6120 §8.3.3); `None` for `undefined-condition` and names
/// RFC 6120 does not define. Conditions with no core twin take the nearest kind: jid-malformed, conflict and
/// unexpected-request are bad requests (RFC 7247 §6 gives the first two SIP 400), feature-not-implemented is a
/// service not offered, not-allowed is forbidden, registration-required and subscription-required ask for
/// an authorisation, remote-server-not-found means the addressee cannot be found.
pub fn kind_of_condition(condition: &str) -> Option<ErrorKind> {
    Some(match condition {
        "bad-request" | "jid-malformed" | "conflict" | "unexpected-request" => {
            ErrorKind::BadRequest
        }
        "forbidden" | "not-allowed" => ErrorKind::Forbidden,
        "gone" => ErrorKind::Gone,
        "internal-server-error" => ErrorKind::InternalServerError,
        "item-not-found" | "remote-server-not-found" => ErrorKind::ItemNotFound,
        "not-acceptable" => ErrorKind::NotAcceptable,
        "not-authorized" | "registration-required" | "subscription-required" => {
            ErrorKind::NotAuthorized
        }
        "policy-violation" => ErrorKind::PolicyViolation,
        "recipient-unavailable" => ErrorKind::RecipientUnavailable,
        "redirect" => ErrorKind::Redirect,
        "remote-server-timeout" => ErrorKind::RemoteServerTimeout,
        "resource-constraint" => ErrorKind::ResourceConstraint,
        "service-unavailable" | "feature-not-implemented" => ErrorKind::ServiceUnavailable,
        _ => return None,
    })
}

/// The `<error type='…'>` child of an error stanza (RFC 6120 §8.3.2): the defined condition of `kind` and,
/// when `text` is not empty, a `<text/>` with it.
pub fn error_element(kind: ErrorKind, text: &str) -> Element {
    let (condition, error_type) = condition_of(kind);
    let mut error = Element::new("error", NS_COMPONENT)
        .with_attr("type", error_type.as_str())
        .with_child(Element::new(condition, ns::STANZAS));
    if !text.is_empty() {
        error = error.with_child(Element::new("text", ns::STANZAS).with_text(text));
    }
    error
}

/// The error stanza answering `stanza` (RFC 6120 §8.3.1): same element and id, `from` and `to` swapped,
/// type `error`, with [`error_element`] as its child.
///
/// `None` when no answer is allowed: `stanza` is itself an error (RFC 6120 §8.3.1: an error is never answered
/// with an error) or an IQ result (RFC 6120 §8.2.3), or it has no `from` to send the answer to.
pub fn error_reply(stanza: &Element, kind: ErrorKind, text: &str) -> Option<Element> {
    match stanza.attr("type") {
        Some("error") => return None,
        Some("result") if stanza.name == "iq" => return None,
        _ => {}
    }
    let to = stanza.attr("from")?;
    let mut reply = Element::new(stanza.name.clone(), stanza.namespace.clone());
    if let Some(from) = stanza.attr("to") {
        reply.set_attr("from", from);
    }
    reply.set_attr("to", to);
    if let Some(id) = stanza.attr("id") {
        reply.set_attr("id", id);
    }
    reply.set_attr("type", "error");
    Some(reply.with_child(error_element(kind, text)))
}

/// The failure an error stanza reports (RFC 6120 §8.3.2); `None` unless `stanza` has type `error`.
///
/// The text is the `<text/>` child, or the condition name when there is none; a condition with no core twin
/// (or an unknown one) is named in front of the text, and an unknown or `undefined-condition` takes the kind
/// its error type suggests ([`ErrorType::default_kind`]). An error stanza without `<error/>` (which RFC 6120
/// §8.3.2 forbids) reads as service-unavailable.
pub fn error_of(stanza: &Element) -> Option<DeliveryError> {
    if stanza.attr("type") != Some("error") {
        return None;
    }
    let Some(error) = stanza.child("error", NS_COMPONENT) else {
        return Some(DeliveryError::new(
            ErrorKind::ServiceUnavailable,
            "error stanza without an <error/> element",
        ));
    };
    let text = error
        .child("text", ns::STANZAS)
        .map(Element::text)
        .filter(|text| !text.is_empty());
    let condition = error
        .elements()
        .find(|child| child.namespace == ns::STANZAS && child.name != "text")
        .map(|child| child.name.as_str())
        .unwrap_or("undefined-condition");
    let kind = kind_of_condition(condition).unwrap_or_else(|| {
        error
            .attr("type")
            .and_then(ErrorType::parse)
            .unwrap_or(ErrorType::Cancel)
            .default_kind()
    });
    let twin = condition_of(kind).0 == condition;
    let text = match (text, twin) {
        (Some(text), true) => text,
        (None, _) => condition.to_owned(),
        (Some(text), false) => format!("{condition}: {text}"),
    };
    Some(DeliveryError::new(kind, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind the core defines today.
    const KINDS: [ErrorKind; 13] = [
        ErrorKind::BadRequest,
        ErrorKind::Forbidden,
        ErrorKind::Gone,
        ErrorKind::InternalServerError,
        ErrorKind::ItemNotFound,
        ErrorKind::NotAcceptable,
        ErrorKind::NotAuthorized,
        ErrorKind::PolicyViolation,
        ErrorKind::RecipientUnavailable,
        ErrorKind::Redirect,
        ErrorKind::RemoteServerTimeout,
        ErrorKind::ResourceConstraint,
        ErrorKind::ServiceUnavailable,
    ];

    fn message() -> Element {
        Element::new("message", NS_COMPONENT)
            .with_attr("from", "juliet@example.com/balcony")
            .with_attr("to", "bob%libera@gw.example")
            .with_attr("id", "m1")
            .with_attr("type", "chat")
            .with_child(Element::new("body", NS_COMPONENT).with_text("hi"))
    }

    #[test]
    fn every_kind_has_its_condition_and_the_rfc_6120_type() {
        let expected = [
            ("bad-request", "modify"),
            ("forbidden", "auth"),
            ("gone", "cancel"),
            ("internal-server-error", "cancel"),
            ("item-not-found", "cancel"),
            ("not-acceptable", "modify"),
            ("not-authorized", "auth"),
            ("policy-violation", "modify"),
            ("recipient-unavailable", "wait"),
            ("redirect", "modify"),
            ("remote-server-timeout", "wait"),
            ("resource-constraint", "wait"),
            ("service-unavailable", "cancel"),
        ];
        for (kind, (condition, error_type)) in KINDS.into_iter().zip(expected) {
            let error = error_element(kind, "why");
            let xml = format!(
                "<error xmlns='jabber:component:accept' type='{error_type}'><{condition} \
                 xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text \
                 xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>why</text></error>"
            );
            assert_eq!(error.to_xml(), xml, "{kind:?}");
            assert_eq!(condition, kind.to_string());
        }
    }

    #[test]
    fn every_kind_survives_a_reply_and_back() {
        for kind in KINDS {
            let reply = error_reply(&message(), kind, "the reason").expect("reply");
            assert_eq!(
                error_of(&reply),
                Some(DeliveryError::new(kind, "the reason")),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn a_reply_swaps_the_addresses_and_keeps_the_id() {
        let reply = error_reply(&message(), ErrorKind::ItemNotFound, "").expect("reply");
        assert_eq!(
            reply.to_xml(),
            "<message xmlns='jabber:component:accept' from='bob%libera@gw.example' \
             to='juliet@example.com/balcony' id='m1' type='error'><error type='cancel'><item-not-found \
             xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
        );
        assert_eq!(
            error_of(&reply),
            Some(DeliveryError::new(
                ErrorKind::ItemNotFound,
                "item-not-found"
            ))
        );
    }

    #[test]
    fn errors_and_iq_results_are_never_answered() {
        let reply = error_reply(&message(), ErrorKind::BadRequest, "x").expect("reply");
        assert_eq!(error_reply(&reply, ErrorKind::BadRequest, "x"), None);
        let result = Element::new("iq", NS_COMPONENT)
            .with_attr("from", "a@b")
            .with_attr("type", "result");
        assert_eq!(error_reply(&result, ErrorKind::BadRequest, "x"), None);
        let anonymous = Element::new("message", NS_COMPONENT);
        assert_eq!(error_reply(&anonymous, ErrorKind::BadRequest, "x"), None);
    }

    fn error_stanza(error_type: &str, condition: &str, text: Option<&str>) -> Element {
        let mut error = Element::new("error", NS_COMPONENT)
            .with_attr("type", error_type)
            .with_child(Element::new(condition, ns::STANZAS));
        if let Some(text) = text {
            error = error.with_child(Element::new("text", ns::STANZAS).with_text(text));
        }
        Element::new("message", NS_COMPONENT)
            .with_attr("type", "error")
            .with_child(error)
    }

    #[test]
    fn conditions_without_a_core_twin_take_the_nearest_kind_and_keep_their_name() {
        for (condition, error_type, kind) in [
            ("jid-malformed", "modify", ErrorKind::BadRequest),
            ("conflict", "cancel", ErrorKind::BadRequest),
            ("unexpected-request", "wait", ErrorKind::BadRequest),
            (
                "feature-not-implemented",
                "cancel",
                ErrorKind::ServiceUnavailable,
            ),
            ("remote-server-not-found", "cancel", ErrorKind::ItemNotFound),
            ("not-allowed", "cancel", ErrorKind::Forbidden),
            ("registration-required", "auth", ErrorKind::NotAuthorized),
            ("subscription-required", "auth", ErrorKind::NotAuthorized),
        ] {
            assert_eq!(
                error_of(&error_stanza(error_type, condition, Some("t"))),
                Some(DeliveryError::new(kind, format!("{condition}: t")))
            );
            assert_eq!(
                error_of(&error_stanza(error_type, condition, None)),
                Some(DeliveryError::new(kind, condition))
            );
        }
    }

    #[test]
    fn unknown_and_undefined_conditions_follow_the_error_type() {
        for (error_type, kind) in [
            ("auth", ErrorKind::NotAuthorized),
            ("modify", ErrorKind::BadRequest),
            ("wait", ErrorKind::ResourceConstraint),
            ("cancel", ErrorKind::ServiceUnavailable),
            ("continue", ErrorKind::ServiceUnavailable),
            ("nonsense", ErrorKind::ServiceUnavailable),
        ] {
            assert_eq!(
                error_of(&error_stanza(
                    error_type,
                    "undefined-condition",
                    Some("odd")
                )),
                Some(DeliveryError::new(kind, "undefined-condition: odd"))
            );
            assert_eq!(
                error_of(&error_stanza(error_type, "out-of-cheese", None)),
                Some(DeliveryError::new(kind, "out-of-cheese"))
            );
        }
    }

    #[test]
    fn an_error_stanza_without_error_element_is_service_unavailable() {
        let bare = Element::new("message", NS_COMPONENT).with_attr("type", "error");
        assert_eq!(
            error_of(&bare),
            Some(DeliveryError::new(
                ErrorKind::ServiceUnavailable,
                "error stanza without an <error/> element"
            ))
        );
    }

    #[test]
    fn a_stanza_that_is_not_an_error_reports_nothing() {
        assert_eq!(error_of(&message()), None);
    }

    #[test]
    fn error_types_read_back_what_they_write() {
        for error_type in [
            ErrorType::Auth,
            ErrorType::Cancel,
            ErrorType::Continue,
            ErrorType::Modify,
            ErrorType::Wait,
        ] {
            assert_eq!(ErrorType::parse(error_type.as_str()), Some(error_type));
        }
        assert_eq!(ErrorType::parse("Cancel"), None);
    }
}
