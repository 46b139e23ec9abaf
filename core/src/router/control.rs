//! Requests to the running router from adapters and the binary: reloading bridges and routes from the
//! configuration (an admin command, SIGHUP).

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::router::table::RoutingTable;

/// Reads the routing table afresh (the binary re-reads its configuration file); the error text is shown to
/// the operator.
#[derive(Clone)]
pub struct ReloadHook(Arc<dyn Fn() -> Result<RoutingTable, String> + Send + Sync>);

impl ReloadHook {
    /// A hook that calls `read`.
    pub fn new(read: impl Fn() -> Result<RoutingTable, String> + Send + Sync + 'static) -> Self {
        Self(Arc::new(read))
    }

    /// Reads the table.
    pub(crate) fn read(&self) -> Result<RoutingTable, String> {
        (self.0)()
    }
}

impl std::fmt::Debug for ReloadHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReloadHook")
    }
}

/// A request to the router.
#[derive(Debug)]
pub(crate) enum ControlRequest {
    /// Replace bridges and routes with what the reload hook reads; answer with a summary or the reason.
    Reload(oneshot::Sender<Result<String, String>>),
}

/// The handle adapters and the binary use to ask the router for something.
#[derive(Debug, Clone)]
pub struct GatewayControl {
    pub(crate) tx: mpsc::UnboundedSender<ControlRequest>,
}

impl GatewayControl {
    /// Reloads bridges and routes from the configuration; answers a one-line summary, or why not (no
    /// configuration to reload from, a configuration with problems, the gateway shutting down).
    pub async fn reload(&self) -> Result<String, String> {
        let (answer, reply) = oneshot::channel();
        self.tx
            .send(ControlRequest::Reload(answer))
            .map_err(|_| "the gateway is shutting down".to_owned())?;
        reply
            .await
            .map_err(|_| "the gateway is shutting down".to_owned())?
    }
}
