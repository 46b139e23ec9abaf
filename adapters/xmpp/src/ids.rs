//! Message ids across the XMPP boundary: every XMPP stanza id is mapped to the gateway's canonical id in the
//! store, so that an XEP-0308 correction or an XEP-0461 reply, even days later and after restarts, names the
//! same message on every network.

use switchboard_core::address::{Address, XmppAddress};
use switchboard_core::ids::MessageId;
use switchboard_core::message::Message;
use switchboard_core::store::Store;
use tracing::warn;

/// The store's name for XMPP ids.
const NETWORK: &str = "xmpp";

/// For a message from XMPP: scopes its stanza id to its sender (ids are only unique per sender, RFC 6120
/// §8.1.3), records it against its canonical id, and turns the ids its correction or reply names into
/// canonical ids (left as they are when the original is unknown).
pub(crate) fn inbound(store: &dyn Store, message: &mut Message) {
    let sender = message
        .sender()
        .map(|sender| sender.bare().to_string())
        .unwrap_or_default();
    if let Some(stanza_id) = message.meta.source_id.take() {
        let scoped = format!("{sender} {stanza_id}");
        match store.canonical_id(NETWORK, &scoped) {
            // A resent stanza keeps the id it was first given.
            Ok(Some(known)) => message.meta.id = known,
            Ok(None) => record(store, &scoped, &message.meta.id),
            Err(error) => warn!(error = %error, "Message-id lookup failed"),
        }
        // The router de-duplicates by source id: two users may both send id "1".
        message.meta.source_id = Some(scoped);
    }
    // A correction names the sender's own earlier stanza; a reply names ours (a canonical id) or theirs.
    if let Some(original) = &mut message.meta.correction_of {
        let scoped = format!("{sender} {original}");
        if let Ok(Some(canonical)) = store.canonical_id(NETWORK, &scoped) {
            *original = canonical;
        }
    }
    if let Some(original) = &mut message.meta.in_reply_to {
        let scoped = format!("{sender} {original}");
        for key in [original.as_str().to_owned(), scoped] {
            if let Ok(Some(canonical)) = store.canonical_id(NETWORK, &key) {
                *original = canonical;
                break;
            }
        }
    }
}

/// For a message to XMPP: its stanza id is its canonical id (so an XMPP reply naming it needs no lookup),
/// and a correction or reply it names becomes the id the recipient saw for that message: the XMPP stanza
/// id when the message came from this very recipient (the user, or the room it was said in), the canonical
/// id otherwise (what every other recipient was shown). A message shown back to the XMPP user who sent it
/// (a room's reflection, XEP-0045 §7.4) carries their own stanza id, so their client recognises it.
pub(crate) fn outbound(store: &dyn Store, message: &mut Message, recipient: &XmppAddress) {
    let recipient = Address::Xmpp(recipient.bare()).to_string();
    // Stored as "sender-bare-jid stanza-id" (see `inbound`); a bare JID holds no space.
    let seen_by_recipient = |canonical: &MessageId| {
        let scoped = store.network_id(canonical, NETWORK).ok()??;
        let (sender, stanza_id) = scoped.split_once(' ')?;
        (sender == recipient).then(|| MessageId::new(stanza_id))
    };
    if let Some(own) = seen_by_recipient(&message.meta.id) {
        message.meta.id = own;
    }
    for reference in [
        &mut message.meta.correction_of,
        &mut message.meta.in_reply_to,
    ]
    .into_iter()
    .flatten()
    {
        if let Some(seen) = seen_by_recipient(reference) {
            *reference = seen;
        }
    }
}

fn record(store: &dyn Store, stanza_id: &str, canonical: &MessageId) {
    if let Err(error) =
        store.map_message_id(NETWORK, stanza_id, canonical, std::time::SystemTime::now())
    {
        warn!(error = %error, "Recording a message id failed; a later correction may not find it");
    }
}
