//! Shared set-up for the email scenarios: a gateway with the email adapter against a real aiosmtpd relay,
//! and an in-memory stand-in for the IM side (the Prosody scenarios live in integration-tests).
#![allow(dead_code)] // Each test file uses its own subset.

use std::sync::Arc;
use std::time::Duration;

pub(crate) use integration_tests::ports::{free_port, wait_for_listener};
pub(crate) use integration_tests::smtp::{SmtpCapture, swaks};
pub(crate) use switchboard_core::adapter::AddressClaim;
pub(crate) use switchboard_core::address::{Address, Scheme};
pub(crate) use switchboard_core::envelope::{DeliveryOutcome, Payload};
pub(crate) use switchboard_core::message::{Message, MessageKind};
pub(crate) use switchboard_core::router::{RouterBuilder, RunningGateway};
pub(crate) use switchboard_core::store::{SharedStore, SledStore};
pub(crate) use switchboard_core::testing::{MemoryAdapter, MemoryHandle};
pub(crate) use switchboard_email::{EmailAdapter, EmailAdapterConfig, RelaySecurity};

/// How long a scenario waits for something before it fails (only a bound; nothing is timed).
pub(crate) const WAIT: Duration = Duration::from_secs(30);
/// The gateway's mail domain in these scenarios.
pub(crate) const MAIL_DOMAIN: &str = "mail.gw.localhost";

pub(crate) fn addr(text: &str) -> Address {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Adapter settings for a relay on `relay_port` and a listener on `listen_port`, with quick retries.
pub(crate) fn email_config(relay_port: u16, listen_port: u16) -> EmailAdapterConfig {
    let mut config = EmailAdapterConfig::new("127.0.0.1", relay_port, MAIL_DOMAIN);
    config.security = RelaySecurity::None;
    config.listen = Some(
        format!("127.0.0.1:{listen_port}")
            .parse()
            .expect("socket address"),
    );
    config.retry.initial = Duration::from_millis(100);
    config.retry.max = Duration::from_millis(500);
    config
}

/// A running gateway: the email adapter and a memory adapter claiming `xmpp:`.
pub(crate) struct Gateway {
    pub(crate) running: RunningGateway,
    pub(crate) im: MemoryHandle,
    pub(crate) listen_port: u16,
}

pub(crate) fn start_gateway(store_dir: &std::path::Path, config: EmailAdapterConfig) -> Gateway {
    let store: SharedStore = Arc::new(SledStore::open(store_dir).expect("store"));
    let (im, handle) = MemoryAdapter::new("xmpp", vec![AddressClaim::Scheme(Scheme::Xmpp)]);
    let listen_port = config.listen.expect("listen address").port();
    let running = RouterBuilder::new(store)
        .adapter(Arc::new(EmailAdapter::new(config)))
        .adapter(im)
        .start()
        .expect("start gateway");
    assert!(
        wait_for_listener(listen_port, WAIT),
        "the gateway never listened for mail on {listen_port}"
    );
    Gateway {
        running,
        im: handle,
        listen_port,
    }
}

/// Parses a captured mail with mail-parser (an independent reader of what we built).
pub(crate) fn parse(bytes: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(bytes)
        .expect("a well-formed mail")
}

/// The value of header `name` in raw mail bytes (first occurrence, unfolded).
pub(crate) fn raw_header(bytes: &[u8], name: &str) -> Option<String> {
    // Maildir files store lines with LF endings.
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    let head = text
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .replace("\n\t", " ")
        .replace("\n ", " ");
    let prefix = format!("{}:", name.to_ascii_lowercase());
    head.split('\n')
        .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
        .map(|line| line[prefix.len()..].trim().to_owned())
}

/// The body text of the IM-side delivery matching `text`.
pub(crate) async fn im_got(im: &MemoryHandle, text: &str) -> (Message, Option<Address>) {
    let envelope = im
        .wait_for_delivery(WAIT, |e| matches!(&e.payload, Payload::Message(m) if m.body_text().is_some_and(|b| b.contains(text))))
        .await
        .unwrap_or_else(|| panic!("{text:?} never reached the IM side; got {:?}", im.delivered()));
    let Payload::Message(message) = envelope.payload else {
        unreachable!()
    };
    (*message, envelope.recipient)
}

/// The Reply-To address of a mail the gateway sent (the conversation's token address).
pub(crate) fn reply_address(mail: &mail_parser::Message<'_>) -> String {
    mail.reply_to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .expect("Reply-To")
        .to_owned()
}

/// Alice writes "start" to bob@example.net; answers the reply address of the mail that went out.
pub(crate) async fn start_conversation(gateway: &Gateway, relay: &SmtpCapture) -> String {
    gateway
        .im
        .send_text(
            &addr("xmpp:alice@localhost"),
            &addr("mailto:bob@example.net"),
            "start",
        )
        .await;
    let mails = tokio::task::block_in_place(|| relay.wait_for_mails(1, WAIT)).expect("mail");
    reply_address(&parse(&mails[0]))
}
