//! IM <-> mail: a core message to an outgoing mail of a conversation, and a reply mail to a core message in
//! the same conversation and thread.

use std::time::SystemTime;

use switchboard_core::address::{Address, MailtoAddress};
use switchboard_core::cpim::{CpimDateTime, CpimMessage, MimePart, NameAddr};
use switchboard_core::envelope::{DeliveryError, ErrorKind};
use switchboard_core::message::{Message, MessageKind, MessageMeta, uri_of};
use time::OffsetDateTime;

use crate::config::EmailAdapterConfig;
use crate::conversations::{Conversation, Conversations};
use crate::error::EmailError;
use crate::proto::build::{OutgoingMail, build_mail};
use crate::proto::header::id_atom;
use crate::proto::parse::InboundMail;

/// A mail ready for the relay.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The addressee's mailbox.
    pub to: String,
    /// The mail.
    pub bytes: Vec<u8>,
    /// Its Message-ID.
    pub message_id: String,
    /// The conversation it belongs to (to record the Message-ID in once the relay took it).
    pub conversation: Conversation,
}

fn internal(error: EmailError) -> DeliveryError {
    DeliveryError::new(ErrorKind::InternalServerError, error.to_string())
}

/// How an address is shown to mail readers: the JID or mailbox, not the URI.
pub fn display(address: &Address) -> String {
    match address {
        Address::Xmpp(jid) => jid.bare().jid().to_string(),
        Address::Mailto(mail) => format!("{}@{}", mail.local(), mail.domain()),
        other => other.to_string(),
    }
}

/// Builds the mail for one copy of `message` to `recipient`.
pub fn prepare(
    config: &EmailAdapterConfig,
    conversations: &Conversations,
    message: &Message,
    recipient: &Address,
) -> Result<Prepared, DeliveryError> {
    let Address::Mailto(mailbox) = recipient else {
        return Err(DeliveryError::new(
            ErrorKind::ItemNotFound,
            format!("{recipient} is not a mail address"),
        ));
    };
    if mailbox.domain().eq_ignore_ascii_case(&config.mail_domain) {
        return Err(DeliveryError::new(
            ErrorKind::Forbidden,
            "mail to the gateway's own domain is not sent (it would loop)",
        ));
    }
    let sender = message
        .sender()
        .map_err(|e| DeliveryError::new(ErrorKind::BadRequest, format!("bad sender: {e}")))?;
    if matches!(sender, Address::Mailto(_)) {
        // Loop protection: what came in as mail never leaves as mail.
        return Err(DeliveryError::new(
            ErrorKind::Forbidden,
            "a message that came from mail is not sent out as mail again",
        ));
    }
    let (user, kind) = match message.meta.kind {
        MessageKind::GroupChat => (
            message
                .recipients()
                .ok()
                .and_then(|r| r.into_iter().next())
                .unwrap_or_else(|| sender.clone()),
            MessageKind::GroupChat,
        ),
        _ => (sender.clone(), MessageKind::Chat),
    };
    let subject_default = match kind {
        MessageKind::GroupChat => format!("Messages in {}", display(&user)),
        _ => format!("Message from {}", display(&user)),
    };
    let mut conversation = conversations
        .open(&user, kind, recipient, &subject_default)
        .map_err(internal)?;
    if let Some(thread) = &message.meta.thread
        && *thread != conversation.thread
    {
        // Answers go to the thread the IM side used last.
        conversation.thread = thread.clone();
        conversations.save(&conversation).map_err(internal)?;
    }
    let to = format!("{}@{}", mailbox.local(), mailbox.domain());
    let message_id = format!(
        "sb.{}.{:016x}@{}",
        id_atom(message.meta.id.as_str(), 64),
        fnv1a(to.as_bytes()),
        config.mail_domain
    );
    let in_reply_to = match &message.meta.in_reply_to {
        Some(parent) => conversations.mail_id_of(parent).map_err(internal)?,
        None => None,
    }
    .or_else(|| conversation.last().map(str::to_owned));
    let mut references = conversation.references.clone();
    if let Some(parent) = &in_reply_to
        && !references.contains(parent)
    {
        references.push(parent.clone());
    }
    let subject = message
        .cpim
        .subjects()
        .next()
        .map(|s| s.text.clone())
        .unwrap_or_else(|| conversation.subject.clone());
    let date = message
        .cpim
        .date_time()
        .map(|d| d.as_offset_date_time().unix_timestamp())
        .unwrap_or_else(|| OffsetDateTime::now_utc().unix_timestamp());
    let text = message.body_text().unwrap_or_default();
    let body = if message.meta.action {
        format!("* {} {text}", display(&sender))
    } else {
        text.into_owned()
    };
    let from_name = format!("{} via {}", display(&sender), config.from_name);
    let reply_to = format!("{}@{}", conversation.token, config.mail_domain);
    let bytes = build_mail(&OutgoingMail {
        from_name: &from_name,
        from_address: &config.from_address,
        to: &to,
        reply_to: &reply_to,
        subject: &subject,
        message_id: &message_id,
        in_reply_to: in_reply_to.as_deref(),
        references: &references,
        date,
        body: &body,
        links: &message.meta.links,
    })
    .map_err(|e| DeliveryError::new(ErrorKind::BadRequest, e.to_string()))?;
    conversations
        .record_mail(
            &message_id,
            &message.meta.id,
            &conversation.thread,
            SystemTime::now(),
        )
        .map_err(internal)?;
    Ok(Prepared {
        to,
        bytes,
        message_id,
        conversation,
    })
}

/// FNV-1a: a stable short hash, so a retried mail keeps its Message-ID (the recipient's system dedupes).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The core message for a reply mail in `conversation`.
pub fn incoming(
    conversations: &Conversations,
    conversation: &Conversation,
    mail: &InboundMail,
) -> Result<Message, EmailError> {
    let from = mail
        .from
        .as_deref()
        .and_then(|f| MailtoAddress::from_mailbox(f).ok())
        .map(Address::Mailto)
        .unwrap_or_else(|| conversation.contact.clone());
    let name_addr = match &mail.from_name {
        Some(name) => NameAddr::with_name(name.clone(), uri_of(&from)),
        None => NameAddr::new(uri_of(&from)),
    };
    let mut cpim = CpimMessage::new(
        name_addr,
        NameAddr::new(uri_of(&conversation.user)),
        MimePart::text_plain(&mail.text),
    );
    if let Some(at) = mail
        .date
        .and_then(|d| OffsetDateTime::from_unix_timestamp(d).ok())
        .and_then(|d| CpimDateTime::new(d).ok())
    {
        cpim = cpim.with_date_time(at);
    }
    if mail.in_reply_to.is_empty()
        && let Some(subject) = &mail.subject
    {
        // A fresh mail (not an answer) keeps its subject; a reply's `Re: …` is noise in a chat.
        cpim = cpim.with_subject(subject.clone(), None);
    }
    let mut meta = MessageMeta::new(conversation.kind);
    let mut known: Vec<String> = mail.references.clone();
    known.extend(mail.in_reply_to.iter().cloned());
    meta.thread = Some(
        conversations
            .thread_of(&known)?
            .unwrap_or_else(|| conversation.thread.clone()),
    );
    if let Some(parent) = mail.in_reply_to.first() {
        meta.in_reply_to = conversations.canonical_of(parent)?;
    }
    // The router dedupes on this: a mail the client sends again (after a 451 on timeout, say) is one message.
    // Without a Message-ID, what the mail says and when stands in for it.
    let identity = match &mail.message_id {
        Some(id) => id.clone(),
        None => {
            let said = format!(
                "{:?}\0{:?}\0{:?}\0{}",
                mail.from, mail.date, mail.subject, mail.text
            );
            format!("no-id-{:016x}", fnv1a(said.as_bytes()))
        }
    };
    meta.source_id = Some(format!("{identity} {}", conversation.token));
    Ok(Message { cpim, meta })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_is_stable() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn a_mail_without_message_id_sent_twice_keeps_one_dedupe_key() {
        use std::sync::Arc;
        use switchboard_core::store::{SharedStore, SledStore};

        let store: SharedStore = Arc::new(SledStore::temporary().expect("store"));
        let conversations = Conversations::new(store);
        let conversation = conversations
            .open(
                &"xmpp:alice@example.org".parse().expect("address"),
                MessageKind::Chat,
                &"mailto:bob@example.net".parse().expect("address"),
                "Chat",
            )
            .expect("open");
        let mail = |text: &str| InboundMail {
            from: Some("bob@example.net".into()),
            from_name: None,
            subject: Some("Re: Chat".into()),
            message_id: None,
            in_reply_to: Vec::new(),
            references: Vec::new(),
            date: Some(1_795_514_400),
            text: text.into(),
            not_for_chat: None,
        };
        let key = |text: &str| {
            incoming(&conversations, &conversation, &mail(text))
                .expect("mapped")
                .meta
                .source_id
                .expect("a dedupe key")
        };
        assert_eq!(
            key("yes"),
            key("yes"),
            "the same mail again is the same message"
        );
        assert_ne!(key("yes"), key("no"), "another mail is another message");
    }
}
