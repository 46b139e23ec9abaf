//! One IRC connection, kept up: connect (TLS or plain), register ([`registration`]), answer PING, send queued
//! lines under flood control, and on a lost link reconnect with exponential backoff and jitter, join the
//! channels again and send what had not been written yet.

mod connect;
mod flood;
mod lines;
mod registration;
mod task;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::wire::{Charset, IrcMessage, Isupport, serialize};

/// Lines waiting for a connection before `send` says the queue is full.
pub const QUEUE_LIMIT: usize = 4096;

/// How to reach and identify to one IRC server.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Server host name or address.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Whether to use TLS.
    pub tls: bool,
    /// A plain-text port to try when TLS cannot connect (open gateways: 6697, then 6667).
    pub plain_fallback_port: Option<u16>,
    /// Certificates to trust; `None` trusts the web PKI roots.
    pub tls_roots: Option<Arc<rustls::RootCertStore>>,
    /// The nick to ask for.
    pub nick: String,
    /// The user name (ident).
    pub username: String,
    /// The real name (gecos).
    pub realname: String,
    /// SASL credentials.
    pub sasl: Option<Sasl>,
    /// Lines sent at once before throttling.
    pub flood_burst: u32,
    /// Sustained lines per second; 0 disables flood control.
    pub flood_per_second: f64,
    /// Decoding of lines that are not UTF-8.
    pub charset: Charset,
    /// How long connecting may take.
    pub connect_timeout: Duration,
    /// Idle time before we PING the server; as long again without an answer and the link is dropped.
    pub ping_interval: Duration,
    /// First reconnect delay.
    pub reconnect_min: Duration,
    /// Longest reconnect delay.
    pub reconnect_max: Duration,
    /// IRCv3 capabilities to ask for when offered.
    pub caps: Vec<String>,
}

/// SASL credentials (IRCv3 sasl-3.1).
#[derive(Clone)]
pub enum Sasl {
    /// SASL PLAIN (RFC 4616).
    Plain {
        /// Account name.
        user: String,
        /// Password.
        password: String,
    },
    /// SASL EXTERNAL with a TLS client certificate.
    External {
        /// PEM certificate chain.
        cert_chain_pem: Vec<u8>,
        /// PEM private key.
        key_pem: Vec<u8>,
    },
}

impl std::fmt::Debug for Sasl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password or key.
        match self {
            Sasl::Plain { user, .. } => {
                write!(f, "Sasl::Plain {{ user: {user:?}, password: <redacted> }}")
            }
            Sasl::External { .. } => f.write_str("Sasl::External { <certificate> }"),
        }
    }
}

/// Why a connection failed or a line could not be queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The TCP connection failed.
    #[error("cannot connect to the IRC server {0}; check the server address and that it is up")]
    Connect(String),
    /// TLS failed (certificate, handshake).
    #[error("TLS with the IRC server failed: {0}; check `tls` and the server's certificate")]
    Tls(String),
    /// The server refused our SASL login.
    #[error("the IRC server refused the SASL login ({0}); check sasl_user and sasl_password")]
    Sasl(String),
    /// The server refused us (banned, wrong password).
    #[error("the IRC server refused the connection: {0}")]
    Refused(String),
    /// Too many lines are waiting.
    #[error("{QUEUE_LIMIT} lines are already waiting for this IRC connection")]
    QueueFull,
    /// The connection has ended.
    #[error("the IRC connection has ended")]
    Closed,
}

/// What a connection reports.
#[derive(Debug)]
pub enum ClientEvent {
    /// Registration completed (after each reconnect too).
    Registered {
        /// Our nick.
        nick: String,
        /// `nick!user@host` as the server will relay our lines (host pessimistic until seen).
        own_prefix: String,
        /// The IRCv3 capabilities enabled.
        caps: BTreeSet<String>,
        /// What the server said of itself.
        isupport: Isupport,
    },
    /// A line from the server after registration (PING is answered, not passed on).
    Message(IrcMessage),
    /// The link dropped; a reconnect follows after `retry_in`.
    Disconnected {
        /// Why.
        reason: String,
        /// When the next attempt is.
        retry_in: Duration,
    },
    /// Our nick was taken; we use another.
    NickInUse {
        /// The nick asked for.
        wanted: String,
        /// The nick we got.
        using: String,
    },
    /// The connection cannot be made to work by retrying (SASL refused, banned); it ends.
    Failed(ClientError),
}

/// What the handle asks of the connection's task.
#[derive(Debug)]
enum Command {
    Send(Vec<u8>, Option<oneshot::Sender<()>>),
    Join(String, Option<String>),
    Part(String, Option<String>),
    Quit(Option<String>),
}

/// A handle on one connection; cheap to clone.
#[derive(Debug, Clone)]
pub struct ClientHandle {
    commands: mpsc::Sender<Command>,
}

impl ClientHandle {
    /// Queues a line made by [`crate::wire::serialize`] or [`crate::wire::text_lines`]. It is kept until
    /// written, across reconnects.
    pub fn send(&self, line: Vec<u8>) -> Result<(), ClientError> {
        self.commands
            .try_send(Command::Send(line, None))
            .map_err(queue_error)
    }

    /// How many more lines the queue takes now; the caller can check a whole message fits before queuing any
    /// of it.
    pub fn room(&self) -> usize {
        self.commands.capacity()
    }

    /// [`ClientHandle::send`], with a receipt that completes once the line is written to the server (after
    /// flood control and any reconnects). It fails if the connection ends first: the line was not sent.
    pub fn send_confirmed(&self, line: Vec<u8>) -> Result<oneshot::Receiver<()>, ClientError> {
        let (written, receipt) = oneshot::channel();
        self.commands
            .try_send(Command::Send(line, Some(written)))
            .map_err(queue_error)?;
        Ok(receipt)
    }

    /// Joins `channel`, and again after every reconnect.
    pub fn join(&self, channel: &str, key: Option<&str>) -> Result<(), ClientError> {
        self.commands
            .try_send(Command::Join(channel.to_owned(), key.map(str::to_owned)))
            .map_err(queue_error)
    }

    /// Leaves `channel` for good.
    pub fn part(&self, channel: &str, reason: Option<&str>) -> Result<(), ClientError> {
        self.commands
            .try_send(Command::Part(channel.to_owned(), reason.map(str::to_owned)))
            .map_err(queue_error)
    }

    /// Says QUIT and ends the connection; its events end too.
    pub fn quit(&self, reason: Option<&str>) {
        let _ = self
            .commands
            .try_send(Command::Quit(reason.map(str::to_owned)));
    }
}

fn queue_error<T>(error: mpsc::error::TrySendError<T>) -> ClientError {
    match error {
        mpsc::error::TrySendError::Full(_) => ClientError::QueueFull,
        mpsc::error::TrySendError::Closed(_) => ClientError::Closed,
    }
}

/// Starts IRC connections.
#[derive(Debug)]
pub struct IrcClient;

impl IrcClient {
    /// Starts a connection's task; it runs until QUIT, a fatal error, or `shutdown`.
    pub fn spawn(
        config: ClientConfig,
        shutdown: CancellationToken,
    ) -> (ClientHandle, mpsc::Receiver<ClientEvent>) {
        let (commands_tx, commands) = mpsc::channel(QUEUE_LIMIT);
        let (events, events_rx) = mpsc::channel(1024);
        tokio::spawn(task::run(config, commands, events, shutdown));
        (
            ClientHandle {
                commands: commands_tx,
            },
            events_rx,
        )
    }
}

/// A line we make ourselves from checked parts.
fn own_line(command: &str, params: &[&str]) -> Option<Vec<u8>> {
    serialize(command, params).ok()
}
