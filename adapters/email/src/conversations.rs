//! Conversations between an IM user and a mail contact, and the Message-ID map, kept in the store so that a
//! reply days later, after restarts, lands in the same chat thread with the right people.
//!
//! A conversation has a random token; its reply address is `token@mail_domain` (RFC 5322 §3.6.2 Reply-To).
//! Only mail to a known token is accepted, so the listener cannot be used to write to arbitrary IM users.
//! Records live in the store's registration table under networks of their own (they are not pruned); the
//! Message-ID <-> canonical id and Message-ID -> thread maps use the message-id map (pruned with the router's
//! retention, 30 days by default).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use switchboard_core::address::Address;
use switchboard_core::ids::MessageId;
use switchboard_core::message::MessageKind;
use switchboard_core::store::{Registration, SharedStore};

use crate::error::EmailError;
use crate::proto::build::MAX_REFERENCES;

/// Conversation records by token.
const BY_TOKEN: &str = "email:conversation";
/// Tokens by (IM user, mail contact).
const BY_PAIR: &str = "email:conversation-of";
/// Message-ID -> canonical message id, and back (the network name of mail in the message-id map).
pub const MAIL_IDS: &str = "email";
/// Message-ID -> conversation thread.
const MAIL_THREADS: &str = "email:thread";
/// How a token starts; anything else at the mail domain is not a conversation.
pub const TOKEN_PREFIX: &str = "c-";

/// One conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// The token in its reply address.
    pub token: String,
    /// Who answers go to (the IM user or room that wrote).
    pub user: Address,
    /// The mail contact (`mailto:`).
    pub contact: Address,
    /// Whether `user` is a person (`Chat`) or a room (`GroupChat`): answers go back as that kind.
    pub kind: MessageKind,
    /// The chat thread (XMPP `<thread>`) of the conversation.
    pub thread: String,
    /// The subject of its mail.
    pub subject: String,
    /// Message-IDs of its mail so far, oldest first, at most [`MAX_REFERENCES`].
    pub references: Vec<String>,
}

impl Conversation {
    /// The newest Message-ID, which the next mail answers.
    pub fn last(&self) -> Option<&str> {
        self.references.last().map(String::as_str)
    }

    /// Adds a Message-ID, keeping the root and the newest.
    pub fn push_reference(&mut self, id: &str) {
        if self.references.iter().any(|r| r == id) {
            return;
        }
        self.references.push(id.to_owned());
        if self.references.len() > MAX_REFERENCES {
            self.references.remove(1);
        }
    }
}

/// The conversation and Message-ID records in the store.
#[derive(Debug, Clone)]
pub struct Conversations {
    store: SharedStore,
    /// Serialises read-modify-write of a record: the sender and the listener both add references.
    updating: Arc<Mutex<()>>,
}

impl Conversations {
    /// Records in `store`.
    pub fn new(store: SharedStore) -> Self {
        Self {
            store,
            updating: Arc::new(Mutex::new(())),
        }
    }

    /// Adds `message_id` to the references of conversation `token` as stored now, so two writers do not
    /// overwrite each other's additions.
    pub fn add_reference(&self, token: &str, message_id: &str) -> Result<(), EmailError> {
        let _one_at_a_time = self
            .updating
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(mut conversation) = self.by_token(token)? else {
            return Ok(());
        };
        conversation.push_reference(message_id);
        self.save(&conversation)
    }

    /// The conversation between `user` and `contact`, made (with a fresh token and thread) if there is none.
    pub fn open(
        &self,
        user: &Address,
        kind: MessageKind,
        contact: &Address,
        subject: &str,
    ) -> Result<Conversation, EmailError> {
        let pair = pair_key(user, contact);
        if let Some(record) = self.store.registration(&pair, BY_PAIR)?
            && let Some(token) = record.settings.get("token")
            && let Some(conversation) = self.by_token(token)?
        {
            return Ok(conversation);
        }
        let conversation = Conversation {
            token: new_token(),
            user: user.bare(),
            contact: contact.bare(),
            kind,
            thread: format!("email-{}", MessageId::generate()),
            subject: subject.to_owned(),
            references: Vec::new(),
        };
        self.save(&conversation)?;
        let mut settings = BTreeMap::new();
        settings.insert("token".to_owned(), conversation.token.clone());
        self.store.put_registration(&Registration {
            user: pair,
            network: BY_PAIR.to_owned(),
            legacy_username: None,
            legacy_password: None,
            settings,
        })?;
        Ok(conversation)
    }

    /// The conversation of a token, if there is one.
    pub fn by_token(&self, token: &str) -> Result<Option<Conversation>, EmailError> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let Some(record) = self.store.registration(token, BY_TOKEN)? else {
            return Ok(None);
        };
        let field = |name: &str| {
            record
                .settings
                .get(name)
                .cloned()
                .ok_or_else(|| EmailError::Conversation {
                    why: format!("no {name}"),
                })
        };
        let address = |name: &str| -> Result<Address, EmailError> {
            field(name)?.parse().map_err(|e| EmailError::Conversation {
                why: format!("{name}: {e}"),
            })
        };
        Ok(Some(Conversation {
            token: token.to_owned(),
            user: address("user")?,
            contact: address("contact")?,
            kind: if record.settings.get("kind").map(String::as_str) == Some("groupchat") {
                MessageKind::GroupChat
            } else {
                MessageKind::Chat
            },
            thread: field("thread")?,
            subject: field("subject")?,
            references: record
                .settings
                .get("references")
                .map(|r| r.split_ascii_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
        }))
    }

    /// Writes a conversation (its references change with every mail).
    pub fn save(&self, conversation: &Conversation) -> Result<(), EmailError> {
        let mut settings = BTreeMap::new();
        settings.insert("user".to_owned(), conversation.user.to_string());
        settings.insert("contact".to_owned(), conversation.contact.to_string());
        settings.insert("thread".to_owned(), conversation.thread.clone());
        let kind = match conversation.kind {
            MessageKind::GroupChat => "groupchat",
            _ => "chat",
        };
        settings.insert("kind".to_owned(), kind.to_owned());
        settings.insert("subject".to_owned(), conversation.subject.clone());
        settings.insert("references".to_owned(), conversation.references.join(" "));
        self.store.put_registration(&Registration {
            user: conversation.token.clone(),
            network: BY_TOKEN.to_owned(),
            legacy_username: None,
            legacy_password: None,
            settings,
        })?;
        Ok(())
    }

    /// Records a mail's Message-ID as the network id of `canonical`, in `thread`.
    pub fn record_mail(
        &self,
        message_id: &str,
        canonical: &MessageId,
        thread: &str,
        at: SystemTime,
    ) -> Result<(), EmailError> {
        self.store
            .map_message_id(MAIL_IDS, message_id, canonical, at)?;
        self.store
            .map_message_id(MAIL_THREADS, message_id, &MessageId::new(thread), at)?;
        Ok(())
    }

    /// The canonical id of a mail, if it went through the gateway.
    pub fn canonical_of(&self, message_id: &str) -> Result<Option<MessageId>, EmailError> {
        Ok(self.store.canonical_id(MAIL_IDS, message_id)?)
    }

    /// The Message-ID a canonical message had as mail, if it was mailed.
    pub fn mail_id_of(&self, canonical: &MessageId) -> Result<Option<String>, EmailError> {
        Ok(self.store.network_id(canonical, MAIL_IDS)?)
    }

    /// The thread of the newest of `ids` the gateway knows.
    pub fn thread_of(&self, ids: &[String]) -> Result<Option<String>, EmailError> {
        for id in ids.iter().rev() {
            if let Some(thread) = self.store.canonical_id(MAIL_THREADS, id)? {
                return Ok(Some(thread.as_str().to_owned()));
            }
        }
        Ok(None)
    }
}

fn pair_key(user: &Address, contact: &Address) -> String {
    // Addresses print without spaces (they are URIs), so a space separates them unambiguously.
    format!("{} {}", user.bare(), contact.bare())
}

/// `c-` and 26 base32 characters carrying 128 random bits, lowercase so that case-folding mail systems keep it.
fn new_token() -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let bits: u128 = rand::random();
    let mut token = String::from(TOKEN_PREFIX);
    for n in 0..26 {
        token.push(char::from(ALPHABET[((bits >> (n * 5)) & 31) as usize]));
    }
    token
}

#[cfg(test)]
mod tests {
    use switchboard_core::store::SledStore;

    use super::*;

    fn addr(text: &str) -> Address {
        text.parse().expect(text)
    }

    #[test]
    fn references_added_from_two_stale_copies_are_both_kept() {
        let store: SharedStore = Arc::new(SledStore::temporary().expect("store"));
        let conversations = Conversations::new(store);
        let conversation = conversations
            .open(
                &addr("xmpp:alice@example.org"),
                MessageKind::Chat,
                &addr("mailto:bob@example.net"),
                "Chat",
            )
            .expect("open");
        // The sender and the listener each hold the record as it was when they started.
        let (sender_copy, listener_copy) = (conversation.clone(), conversation.clone());
        conversations
            .add_reference(&sender_copy.token, "out-1@gw")
            .expect("sender adds");
        conversations
            .add_reference(&listener_copy.token, "in-1@example.net")
            .expect("listener adds");
        let stored = conversations
            .by_token(&conversation.token)
            .expect("read")
            .expect("there");
        assert_eq!(stored.references, ["out-1@gw", "in-1@example.net"]);
    }

    #[test]
    fn a_conversation_survives_reopening_the_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        let alice = addr("xmpp:alice@example.org/phone");
        let bob = addr("mailto:bob@example.net");
        let (token, thread) = {
            let store: SharedStore =
                Arc::new(SledStore::open(&dir.path().join("s")).expect("store"));
            let conversations = Conversations::new(store);
            let mut first = conversations
                .open(&alice, MessageKind::Chat, &bob, "Chat")
                .expect("open");
            assert_eq!(
                conversations
                    .open(&alice, MessageKind::Chat, &bob, "other")
                    .expect("again"),
                first
            );
            first.push_reference("m1@gw");
            conversations.save(&first).expect("save");
            conversations
                .record_mail(
                    "m1@gw",
                    &MessageId::new("c1"),
                    &first.thread,
                    SystemTime::now(),
                )
                .expect("record");
            (first.token, first.thread)
        };
        let store: SharedStore = Arc::new(SledStore::open(&dir.path().join("s")).expect("reopen"));
        let conversations = Conversations::new(store);
        let found = conversations
            .by_token(&token)
            .expect("read")
            .expect("there");
        assert_eq!(found.user, addr("xmpp:alice@example.org"));
        assert_eq!(found.contact, bob);
        assert_eq!(found.last(), Some("m1@gw"));
        assert_eq!(
            conversations.canonical_of("m1@gw").expect("id"),
            Some(MessageId::new("c1"))
        );
        assert_eq!(
            conversations
                .mail_id_of(&MessageId::new("c1"))
                .expect("id")
                .as_deref(),
            Some("m1@gw")
        );
        assert_eq!(
            conversations
                .thread_of(&["x@y".into(), "m1@gw".into()])
                .expect("thread"),
            Some(thread)
        );
        assert_eq!(conversations.by_token("c-unknown").expect("read"), None);
        assert_eq!(conversations.by_token("gateway").expect("read"), None);
    }

    #[test]
    fn references_keep_the_root_at_the_limit() {
        let mut c = Conversation {
            token: "c-x".into(),
            user: addr("xmpp:a@b"),
            contact: addr("mailto:c@d"),
            kind: MessageKind::Chat,
            thread: "t".into(),
            subject: "s".into(),
            references: Vec::new(),
        };
        for n in 0..=MAX_REFERENCES {
            c.push_reference(&format!("{n}@d"));
        }
        assert_eq!(c.references.len(), MAX_REFERENCES);
        assert_eq!(c.references[0], "0@d");
        assert_eq!(c.last(), Some(&*format!("{MAX_REFERENCES}@d")));
    }
}
