//! Typing notifications as CPIM content: RFC 3994 isComposing (`application/im-iscomposing+xml`), which
//! XEP-0085 chat states map onto (design notes: XEP-0085 <-> RFC 3994), so every network sees one model.

use crate::address::Address;
use crate::cpim::{CpimMessage, MimePart};
use crate::message::{Message, MessageKind, MessageMeta, name_addr};

/// RFC 3994 §4: the content type of an isComposing document.
pub const CONTENT_TYPE: &str = "application/im-iscomposing+xml";

/// RFC 3994 §3: whether the sender is composing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComposingState {
    /// The sender is typing.
    Active,
    /// The sender stopped typing (or never started).
    Idle,
}

impl ComposingState {
    fn as_str(self) -> &'static str {
        match self {
            ComposingState::Active => "active",
            ComposingState::Idle => "idle",
        }
    }
}

/// The isComposing document for `state` (RFC 3994 §5, with the content type being composed: plain text).
pub fn composing_part(state: ComposingState) -> MimePart {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">\n\
         <state>{}</state>\n<contenttype>text/plain</contenttype>\n</isComposing>\n",
        state.as_str()
    );
    MimePart::new(body.into_bytes())
        .with_header("Content-Type", CONTENT_TYPE)
        .expect("a fixed content type is a valid header")
}

/// The state an isComposing part carries; `None` for any other content, or a document without a valid
/// `<state>` (RFC 3994 §4: `active` or `idle`).
pub fn composing_state(part: &MimePart) -> Option<ComposingState> {
    let content_type = part.content_type()?;
    if !content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(CONTENT_TYPE))
    {
        return None;
    }
    let text = std::str::from_utf8(&part.body).ok()?;
    let start = text.find("<state>")? + "<state>".len();
    let end = start + text[start..].find("</state>")?;
    match text[start..end].trim() {
        "active" => Some(ComposingState::Active),
        "idle" => Some(ComposingState::Idle),
        _ => None,
    }
}

impl Message {
    /// A typing notification from `from` to `to`.
    pub fn composing(
        kind: MessageKind,
        from: &Address,
        to: &Address,
        state: ComposingState,
    ) -> Self {
        Self {
            cpim: CpimMessage::new(name_addr(from), name_addr(to), composing_part(state)),
            meta: MessageMeta::new(kind),
        }
    }

    /// The typing state, when this message is a typing notification.
    pub fn composing_state(&self) -> Option<ComposingState> {
        composing_state(self.cpim.content())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_other_content_is_not_a_state() {
        for state in [ComposingState::Active, ComposingState::Idle] {
            assert_eq!(composing_state(&composing_part(state)), Some(state));
        }
        assert_eq!(
            composing_state(&MimePart::text_plain("<state>active</state>")),
            None
        );
        let bogus = MimePart::new(b"<isComposing><state>typing</state></isComposing>".to_vec())
            .with_header("Content-Type", CONTENT_TYPE)
            .expect("header");
        assert_eq!(
            composing_state(&bogus),
            None,
            "only active and idle are states"
        );
    }
}
