//! Switchboard's XMPP adapter: the XEP-0114 component side of the gateway.
//!
//! - [`proto`] is the I/O-free stream codec (parser, DOM, serializer, stream errors, handshake).
//! - [`transport`] maps legacy addresses to JIDs under the gateway's domains and back (Biboumi's forms).
//! - [`map`] translates stanzas to and from the core's types, I/O-free.
//! - [`XmppAdapter`] runs one component connection per domain against the XMPP server.
#![forbid(unsafe_code)]

mod commands;
mod component;
mod config;
mod ids;
mod link;
pub mod map;
pub mod proto;
mod rooms;
mod session;
pub mod transport;
mod transport_rooms;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use switchboard_core::adapter::{Adapter, AdapterContext, AdapterError, AddressClaim};
use switchboard_core::address::Scheme;
use switchboard_core::ids::AdapterId;
use tokio::sync::mpsc;

pub use config::XmppAdapterConfig;
pub use link::LinkError;

use component::ComponentTask;
use session::Session;

/// How many stanzas may wait between the session and one connection task.
const LINK_QUEUE: usize = 1024;

/// The XMPP adapter: an XEP-0114 external component (one connection per domain) that presents legacy
/// contacts as JIDs under the gateway's domains and delivers the core's messages to XMPP users.
#[derive(Debug)]
pub struct XmppAdapter {
    config: Arc<XmppAdapterConfig>,
}

impl XmppAdapter {
    /// An adapter with these settings.
    pub fn new(config: XmppAdapterConfig) -> Self {
        Self {
            config: Arc::new(config),
        }
    }
}

/// Connects and authenticates every component domain once, then closes the streams: tells an operator (and
/// the tests) whether the server, the secret and the domains are right.
pub async fn check_connection(config: &XmppAdapterConfig) -> Result<(), LinkError> {
    for (domain, _) in config.domains.domains() {
        let (_reader, mut writer) = link::connect(
            &config.server,
            domain,
            config.secret.expose(),
            config.limits,
            config.connect_timeout,
        )
        .await?;
        writer.close().await;
    }
    Ok(())
}

#[async_trait]
impl Adapter for XmppAdapter {
    fn id(&self) -> AdapterId {
        AdapterId::new("xmpp")
    }

    fn claims(&self) -> Vec<AddressClaim> {
        vec![AddressClaim::Scheme(Scheme::Xmpp)]
    }

    async fn run(&self, mut cx: AdapterContext) -> Result<(), AdapterError> {
        let (events_tx, mut events) = mpsc::channel(LINK_QUEUE);
        let mut links = HashMap::new();
        let mut tasks = tokio::task::JoinSet::new();
        let stop_links = cx.shutdown.child_token();
        for (domain, _) in self.config.domains.domains() {
            let (tx, rx) = mpsc::unbounded_channel();
            links.insert(domain.to_owned(), tx);
            tasks.spawn(
                ComponentTask {
                    domain: domain.to_owned(),
                    config: Arc::clone(&self.config),
                    events: events_tx.clone(),
                    outgoing: rx,
                    shutdown: stop_links.clone(),
                }
                .run(),
            );
        }
        drop(events_tx);
        let mut session = Session::new(Arc::clone(&self.config), Arc::clone(&cx.store), links);
        loop {
            tokio::select! {
                () = cx.shutdown.cancelled() => break,
                envelope = cx.inbox.recv() => match envelope {
                    Some(envelope) => session.on_core_envelope(&cx, envelope).await,
                    None => break,
                },
                Some(event) = events.recv() => session.on_link_event(&cx, event).await,
            }
        }
        stop_links.cancel();
        while tasks.join_next().await.is_some() {}
        Ok(())
    }
}
