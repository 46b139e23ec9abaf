//! The IRC adapter as the router sees it: it claims `irc:` addresses and runs the gateway's IRC side until
//! shutdown.

use std::time::Duration;

use async_trait::async_trait;
use switchboard_core::adapter::{Adapter, AdapterContext, AdapterError, AddressClaim};
use switchboard_core::address::Scheme;
use switchboard_core::ids::AdapterId;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::config::IrcAdapterConfig;
use crate::gateway::Gateway;

/// How long QUIT lines get to reach the servers at shutdown.
const QUIT_GRACE: Duration = Duration::from_secs(2);
/// Events from the connections waiting for the gateway task.
const EVENT_QUEUE: usize = 4096;

/// Switchboard's IRC adapter: every `irc://NETWORK/...` address.
#[derive(Debug)]
pub struct IrcAdapter {
    config: IrcAdapterConfig,
}

impl IrcAdapter {
    /// An adapter for the configured networks.
    pub fn new(config: IrcAdapterConfig) -> Self {
        Self { config }
    }
}

#[async_trait]
impl Adapter for IrcAdapter {
    fn id(&self) -> AdapterId {
        AdapterId::new("irc")
    }

    fn claims(&self) -> Vec<AddressClaim> {
        vec![AddressClaim::Scheme(Scheme::Irc)]
    }

    async fn run(&self, cx: AdapterContext) -> Result<(), AdapterError> {
        let AdapterContext {
            to_core,
            mut inbox,
            store,
            shutdown,
            ..
        } = cx;
        let (events_tx, mut events) = mpsc::channel(EVENT_QUEUE);
        // The connections live as long as this run: a restarted adapter starts them afresh.
        let connections = CancellationToken::new();
        let _stop_connections = connections.clone().drop_guard();
        let mut gateway = Gateway::new(
            self.config.clone(),
            to_core,
            store,
            events_tx,
            connections.clone(),
        );
        gateway.start();
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                envelope = inbox.recv() => match envelope {
                    Some(envelope) => gateway.on_envelope(envelope).await,
                    None => break,
                },
                Some((id, event)) = events.recv() => gateway.on_conn_event(id, event).await,
            }
        }
        info!("IRC adapter stopping: QUIT on every connection");
        gateway.stop_reporting_failures();
        gateway.quit_all("Switchboard is shutting down");
        let _ = tokio::time::timeout(QUIT_GRACE, async {
            while gateway.has_connections() {
                match events.recv().await {
                    Some((id, event)) => gateway.on_conn_event(id, event).await,
                    None => break,
                }
            }
        })
        .await;
        Ok(())
    }
}
