//! The task behind one connection: the reconnect loop around a session, and the session itself.

use std::collections::VecDeque;
use std::time::Duration;

use rand::Rng;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use super::connect::connect;
use super::flood::TokenBucket;
use super::lines::{LineReader, Read, too_long};
use super::registration::Registration;
use super::{ClientConfig, ClientError, ClientEvent, Command, QUEUE_LIMIT, own_line};
use crate::wire::{IrcMessage, MAX_INCOMING};

/// How long registration may take before the attempt counts as failed.
const REGISTRATION_TIMEOUT: Duration = Duration::from_secs(60);

/// A line waiting to be written, and who wants to know once it is.
#[derive(Debug)]
struct Outgoing {
    line: Vec<u8>,
    written: Option<oneshot::Sender<()>>,
}

impl Outgoing {
    fn plain(line: Vec<u8>) -> Self {
        Self {
            line,
            written: None,
        }
    }
}

/// What outlives a session: lines not yet written and the channels to be in.
#[derive(Debug, Default)]
struct Kept {
    pending: VecDeque<Outgoing>,
    channels: Vec<(String, Option<String>)>,
}

impl Kept {
    /// Whether more may be taken in: at most [`QUEUE_LIMIT`] lines wait here (and as many in the channel), so
    /// a connection that stays down cannot hold an unbounded backlog.
    fn has_room(&self) -> bool {
        self.pending.len() < QUEUE_LIMIT
    }

    fn apply(&mut self, command: Command) {
        match command {
            Command::Send(line, written) => self.pending.push_back(Outgoing { line, written }),
            Command::Join(channel, key) => {
                if !self
                    .channels
                    .iter()
                    .any(|(c, _)| c.eq_ignore_ascii_case(&channel))
                {
                    self.channels.push((channel.clone(), key.clone()));
                }
                if let Some(line) = join_line(&channel, key.as_deref()) {
                    self.pending.push_back(Outgoing::plain(line));
                }
            }
            Command::Part(channel, reason) => {
                self.channels
                    .retain(|(c, _)| !c.eq_ignore_ascii_case(&channel));
                let line = match reason.as_deref().filter(|r| !r.is_empty()) {
                    Some(reason) => own_line("PART", &[&channel, reason]),
                    None => own_line("PART", &[&channel]),
                };
                self.pending.extend(line.map(Outgoing::plain));
            }
            Command::Quit(_) => {}
        }
    }

    /// After (re)registration: the channels are joined first, then what waited is sent.
    fn rejoin_first(&mut self) {
        self.pending.retain(|out| !out.line.starts_with(b"JOIN "));
        for (channel, key) in self.channels.iter().rev() {
            if let Some(line) = join_line(channel, key.as_deref()) {
                self.pending.push_front(Outgoing::plain(line));
            }
        }
    }
}

fn join_line(channel: &str, key: Option<&str>) -> Option<Vec<u8>> {
    match key {
        Some(key) => own_line("JOIN", &[channel, key]),
        None => own_line("JOIN", &[channel]),
    }
}

/// How a session ended.
enum End {
    /// QUIT was asked for, or the handle is gone.
    Quit,
    /// The gateway is shutting down.
    Shutdown,
    /// Retrying will not help.
    Fatal(ClientError),
    /// The link was lost; `registered` says whether it had been up.
    Lost { reason: String, registered: bool },
}

pub(super) async fn run(
    config: ClientConfig,
    mut commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<ClientEvent>,
    shutdown: CancellationToken,
) {
    let mut kept = Kept::default();
    let mut attempt: u32 = 0;
    loop {
        let end = session(&config, &mut kept, &mut commands, &events, &shutdown).await;
        let (reason, registered) = match end {
            End::Quit | End::Shutdown => return,
            End::Fatal(error) => {
                warn!(host = %config.host, error = %error, "IRC connection failed for good");
                let _ = events.send(ClientEvent::Failed(error)).await;
                return;
            }
            End::Lost { reason, registered } => (reason, registered),
        };
        if registered {
            attempt = 0;
        }
        let delay = backoff(&config, attempt);
        attempt = attempt.saturating_add(1);
        debug!(host = %config.host, reason = %reason, delay_ms = delay.as_millis() as u64, "IRC link lost; reconnecting");
        if events
            .send(ClientEvent::Disconnected {
                reason,
                retry_in: delay,
            })
            .await
            .is_err()
        {
            return;
        }
        let wake = tokio::time::sleep(delay);
        tokio::pin!(wake);
        loop {
            tokio::select! {
                _ = &mut wake => break,
                _ = shutdown.cancelled() => return,
                // Past QUEUE_LIMIT waiting lines the channel fills up and senders get QueueFull.
                command = commands.recv(), if kept.has_room() => match command {
                    None | Some(Command::Quit(_)) => return,
                    Some(command) => kept.apply(command),
                },
            }
        }
    }
}

/// Exponential backoff from `reconnect_min` to `reconnect_max`, with ±25 % jitter so that many
/// connections do not come back at once.
fn backoff(config: &ClientConfig, attempt: u32) -> Duration {
    let base = config
        .reconnect_min
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(config.reconnect_max);
    base.mul_f64(rand::rng().random_range(0.75..1.25))
}

async fn write(writer: &mut (impl AsyncWrite + Unpin), line: &[u8]) -> Result<(), String> {
    writer.write_all(line).await.map_err(|e| e.to_string())?;
    writer.flush().await.map_err(|e| e.to_string())
}

async fn session(
    config: &ClientConfig,
    kept: &mut Kept,
    commands: &mut mpsc::Receiver<Command>,
    events: &mpsc::Sender<ClientEvent>,
    shutdown: &CancellationToken,
) -> End {
    let lost = |reason: String, registered: bool| End::Lost { reason, registered };
    let stream = tokio::select! {
        stream = connect(config) => stream,
        _ = shutdown.cancelled() => return End::Shutdown,
    };
    let stream = match stream {
        Ok(stream) => stream,
        Err(error) => return lost(error.to_string(), false),
    };
    let (mut reader, mut writer) = tokio::io::split(stream);
    let (mut registration, first) = Registration::start(
        &config.nick,
        &config.username,
        &config.realname,
        &config.caps,
        config.sasl.clone(),
    );
    for line in first {
        if let Err(error) = write(&mut writer, &line).await {
            return lost(error, false);
        }
    }
    let mut registered = false;
    let mut lines = LineReader::new(MAX_INCOMING);
    let mut bucket = TokenBucket::new(config.flood_burst, config.flood_per_second);
    let started = Instant::now();
    let mut last_heard = Instant::now();
    let mut ping_sent: Option<Instant> = None;
    loop {
        // Send what is waiting, as far as flood control allows.
        let mut flood_wait = None;
        while registered && !kept.pending.is_empty() {
            match bucket.take(Instant::now()) {
                Ok(()) => {
                    let Some(out) = kept.pending.front_mut() else {
                        break;
                    };
                    if let Err(error) = write(&mut writer, &out.line).await {
                        return lost(error, true);
                    }
                    if let Some(written) = out.written.take() {
                        let _ = written.send(());
                    }
                    kept.pending.pop_front();
                }
                Err(wait) => {
                    flood_wait = Some(wait);
                    break;
                }
            }
        }
        let ping_at = match ping_sent {
            Some(sent) => sent + config.ping_interval,
            None => last_heard + config.ping_interval,
        };
        let deadline = if registered {
            ping_at
        } else {
            ping_at.min(started + REGISTRATION_TIMEOUT)
        };
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => {
                if let Some(line) = own_line("QUIT", &["Gateway shutting down"]) {
                    let _ = write(&mut writer, &line).await;
                }
                return End::Shutdown;
            }
            read = lines.next(&mut reader) => {
                let bytes = match read {
                    Ok(Read::Line(bytes)) => bytes,
                    Ok(Read::TooLong(length)) => {
                        warn!(host = %config.host, error = %too_long(length, MAX_INCOMING), "Overlong IRC line skipped");
                        continue;
                    }
                    Ok(Read::Closed) => return lost("the server closed the connection".into(), registered),
                    Err(error) => return lost(error.to_string(), registered),
                };
                last_heard = Instant::now();
                ping_sent = None;
                let message = match IrcMessage::parse(&bytes, config.charset) {
                    Ok(message) => message,
                    Err(error) => {
                        warn!(host = %config.host, error = %error, "Unparseable IRC line skipped");
                        continue;
                    }
                };
                match message.command.as_str() {
                    "PING" => {
                        let token = message.params.first().map(String::as_str).unwrap_or("");
                        if let Some(line) = own_line("PONG", &[token])
                            && let Err(error) = write(&mut writer, &line).await
                        {
                            return lost(error, registered);
                        }
                        continue;
                    }
                    "PONG" => continue,
                    "ERROR" => {
                        let reason = message.params.last().cloned().unwrap_or_default();
                        return lost(format!("the server said: {reason}"), registered);
                    }
                    _ => {}
                }
                if registered {
                    if events.send(ClientEvent::Message(message)).await.is_err() {
                        return End::Quit;
                    }
                    continue;
                }
                let step = registration.on_line(&message);
                for line in &step.send {
                    if let Err(error) = write(&mut writer, line).await {
                        return lost(error, false);
                    }
                }
                if let Some((wanted, using)) = step.nick_fallback {
                    let _ = events.send(ClientEvent::NickInUse { wanted, using }).await;
                }
                if let Some(error) = step.fatal {
                    return End::Fatal(error);
                }
                if step.done {
                    registered = true;
                    kept.rejoin_first();
                    let own_prefix = format!("{}!~{}@{}", registration.nick, config.username, "h".repeat(63));
                    let event = ClientEvent::Registered {
                        nick: registration.nick.clone(),
                        own_prefix,
                        caps: registration.enabled.clone(),
                        isupport: registration.isupport.clone(),
                    };
                    if events.send(event).await.is_err() {
                        return End::Quit;
                    }
                }
            }
            command = commands.recv(), if kept.has_room() => match command {
                None => return End::Quit,
                Some(Command::Quit(reason)) => {
                    let reason = reason.unwrap_or_else(|| "Leaving".to_owned());
                    // Lines already queued go first, then QUIT.
                    for out in kept.pending.drain(..) {
                        if write(&mut writer, &out.line).await.is_err() {
                            return End::Quit;
                        }
                        if let Some(written) = out.written {
                            let _ = written.send(());
                        }
                    }
                    if let Some(line) = own_line("QUIT", &[&reason]) {
                        let _ = write(&mut writer, &line).await;
                    }
                    return End::Quit;
                }
                Some(command) => kept.apply(command),
            },
            _ = tokio::time::sleep(flood_wait.unwrap_or(Duration::from_secs(3600))), if flood_wait.is_some() => {}
            _ = tokio::time::sleep_until(deadline) => {
                if !registered && Instant::now() >= started + REGISTRATION_TIMEOUT {
                    return lost("registration timed out".into(), false);
                }
                if ping_sent.is_some() {
                    return lost("no answer to PING".into(), registered);
                }
                if let Some(line) = own_line("PING", &["switchboard"])
                    && let Err(error) = write(&mut writer, &line).await
                {
                    return lost(error, registered);
                }
                ping_sent = Some(Instant::now());
            }
        }
    }
}
