//! One component domain's connection task: keeps the link up (reconnecting with backoff and jitter), queues
//! outbound stanzas while it is down, and confirms each written stanza with an XEP-0199 ping round trip before
//! it is reported delivered, so a stanza that died in a socket buffer is sent again after the reconnect.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::config::XmppAdapterConfig;
use crate::link::{self, LinkError, LinkReader, LinkWriter};
use crate::proto::{Element, NS_COMPONENT};

/// Ids of our confirmation pings start with this, so their answers are recognised and not passed on.
const CONFIRM_PREFIX: &str = "sb-confirm-";
/// The XEP-0199 namespace.
const NS_PING: &str = "urn:xmpp:ping";

/// A stanza for the server, with what to report once the server has it.
#[derive(Debug)]
pub(crate) struct Outgoing {
    /// The stanza.
    pub(crate) stanza: Element,
    /// The token reported back in [`LinkEvent::Confirmed`] or [`LinkEvent::Dropped`]; `None` for stanzas
    /// nobody waits for (IQ answers, presence).
    pub(crate) token: Option<u64>,
}

/// What a connection task tells the session.
#[derive(Debug)]
pub(crate) enum LinkEvent {
    /// The component is connected and authenticated.
    Connected {
        /// The component domain.
        domain: String,
    },
    /// The link went down; stanzas are queued until it is back.
    Disconnected {
        /// The component domain.
        domain: String,
        /// Why.
        reason: String,
    },
    /// A stanza from the server.
    Stanza {
        /// The component domain it arrived on.
        domain: String,
        /// The stanza.
        stanza: Element,
    },
    /// The server has processed the stanza with this token.
    Confirmed(u64),
    /// The stanza with this token could not be queued (the queue is full); the sender must hear.
    Dropped(u64),
    /// The server bounced the stanza with this token before confirming it (an unknown user, say): the
    /// error stanza, for the session to turn into a failure for the sender.
    Bounced(u64, Element),
    /// The server refused the component for good (wrong secret, domain taken); the task keeps retrying with
    /// backoff, since an operator may fix the server side.
    Refused {
        /// The component domain.
        domain: String,
        /// The operator-facing explanation.
        reason: String,
    },
}

/// The connection task of one component domain.
pub(crate) struct ComponentTask {
    pub(crate) domain: String,
    pub(crate) config: Arc<XmppAdapterConfig>,
    pub(crate) events: mpsc::Sender<LinkEvent>,
    /// Unbounded so the session never waits on a connection task while that task waits on the session (a
    /// deadlock under load both ways); the session bounds what it puts in flight instead.
    pub(crate) outgoing: mpsc::UnboundedReceiver<Outgoing>,
    pub(crate) shutdown: CancellationToken,
}

/// Stanzas written but not yet confirmed, with the ping that will confirm them.
#[derive(Debug, Default)]
struct Unconfirmed {
    written: VecDeque<Outgoing>,
    /// The outstanding ping's id and how many stanzas were written before it.
    ping: Option<(String, usize)>,
    next_ping: u64,
}

impl ComponentTask {
    /// Runs until shutdown.
    pub(crate) async fn run(mut self) {
        let mut queue: VecDeque<Outgoing> = VecDeque::new();
        let mut attempt = 0u32;
        loop {
            let connecting = link::connect(
                &self.config.server,
                &self.domain,
                self.config.secret.expose(),
                self.config.limits,
                self.config.connect_timeout,
            );
            let connected = tokio::select! {
                connected = connecting => connected,
                () = self.shutdown.cancelled() => return,
            };
            match connected {
                Ok((reader, writer)) => {
                    attempt = 0;
                    info!(domain = %self.domain, server = %self.config.server, "XMPP component connected");
                    let _ = self
                        .events
                        .send(LinkEvent::Connected {
                            domain: self.domain.clone(),
                        })
                        .await;
                    let reason = self.serve(reader, writer, &mut queue).await;
                    match reason {
                        None => return,
                        Some(reason) => {
                            warn!(domain = %self.domain, error = %reason, queued = queue.len(),
                                "XMPP component link lost; reconnecting");
                            let _ = self
                                .events
                                .send(LinkEvent::Disconnected {
                                    domain: self.domain.clone(),
                                    reason,
                                })
                                .await;
                        }
                    }
                }
                Err(error) => {
                    let reason = error_chain(&error);
                    warn!(domain = %self.domain, error = %reason, attempt, "XMPP component could not connect");
                    if matches!(error, LinkError::Refused { .. }) {
                        let _ = self
                            .events
                            .send(LinkEvent::Refused {
                                domain: self.domain.clone(),
                                reason,
                            })
                            .await;
                    }
                }
            }
            let delay = self.config.reconnect.delay(attempt);
            attempt = attempt.saturating_add(1);
            if !self.wait_queueing(delay, &mut queue).await {
                return;
            }
        }
    }

    /// Waits `delay` while still taking outbound stanzas into the queue; `false` at shutdown.
    async fn wait_queueing(&mut self, delay: Duration, queue: &mut VecDeque<Outgoing>) -> bool {
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => return true,
                () = self.shutdown.cancelled() => return false,
                Some(out) = self.outgoing.recv() => self.enqueue(out, queue).await,
            }
        }
    }

    async fn enqueue(&self, out: Outgoing, queue: &mut VecDeque<Outgoing>) {
        if queue.len() >= self.config.max_queued {
            if let Some(token) = out.token {
                let _ = self.events.send(LinkEvent::Dropped(token)).await;
            }
            return;
        }
        queue.push_back(out);
    }

    /// Carries stanzas until the link fails (returns why) or shutdown (returns `None`). Whatever was written
    /// but not confirmed when the link failed goes back to the front of `queue`.
    async fn serve(
        &mut self,
        mut reader: LinkReader,
        mut writer: LinkWriter,
        queue: &mut VecDeque<Outgoing>,
    ) -> Option<String> {
        let mut unconfirmed = Unconfirmed::default();
        let mut keepalive = tokio::time::interval(self.config.keepalive);
        keepalive.tick().await;
        let outcome = loop {
            if let Err(error) = self.flush_queue(&mut writer, queue, &mut unconfirmed).await {
                break Some(error_chain(&error));
            }
            tokio::select! {
                () = self.shutdown.cancelled() => {
                    writer.close().await;
                    break None;
                }
                stanza = reader.next_stanza() => match stanza {
                    Ok(stanza) => {
                        if self.is_confirmation(&stanza, &mut unconfirmed).await
                            || self.is_bounce(&stanza, &mut unconfirmed).await
                        {
                            continue;
                        }
                        let event = LinkEvent::Stanza { domain: self.domain.clone(), stanza };
                        if self.events.send(event).await.is_err() {
                            break None;
                        }
                    }
                    Err(LinkError::BadStream(error)) => {
                        writer.fail(&error).await;
                        break Some(format!("the server sent a bad stream: {error}"));
                    }
                    Err(error) => break Some(error_chain(&error)),
                },
                Some(out) = self.outgoing.recv() => self.enqueue(out, queue).await,
                _ = keepalive.tick() => {
                    // RFC 6120 §4.6.1: whitespace keeps NATs and the server's idle timers happy.
                    if let Err(error) = writer.send_raw(" ").await {
                        break Some(error_chain(&error));
                    }
                }
            }
        };
        // Written but unconfirmed stanzas may have died with the connection: send them again.
        for out in unconfirmed.written.into_iter().rev() {
            queue.push_front(out);
        }
        outcome
    }

    async fn flush_queue(
        &self,
        writer: &mut LinkWriter,
        queue: &mut VecDeque<Outgoing>,
        unconfirmed: &mut Unconfirmed,
    ) -> Result<(), LinkError> {
        while let Some(out) = queue.pop_front() {
            if let Err(error) = writer.send(&out.stanza).await {
                queue.push_front(out);
                return Err(error);
            }
            if out.token.is_some() {
                unconfirmed.written.push_back(out);
            }
        }
        if unconfirmed.ping.is_none() && !unconfirmed.written.is_empty() {
            unconfirmed.next_ping += 1;
            let id = format!("{CONFIRM_PREFIX}{}", unconfirmed.next_ping);
            let ping = Element::new("iq", NS_COMPONENT)
                .with_attr("type", "get")
                .with_attr("id", id.clone())
                .with_attr("from", self.domain.clone())
                .with_attr("to", self.config.server_domain.clone())
                .with_child(Element::new("ping", NS_PING));
            writer.send(&ping).await?;
            unconfirmed.ping = Some((id, unconfirmed.written.len()));
        }
        Ok(())
    }

    /// Whether `stanza` is the server's error for a stanza written but not yet confirmed; if so, reports that
    /// stanza bounced instead of delivered. The server processes in order, so the bounce arrives before the
    /// ping that would have confirmed it.
    async fn is_bounce(&self, stanza: &Element, unconfirmed: &mut Unconfirmed) -> bool {
        if stanza.attr("type") != Some("error") {
            return false;
        }
        let Some(id) = stanza.attr("id") else {
            return false;
        };
        let Some(index) = unconfirmed
            .written
            .iter()
            .position(|out| out.stanza.attr("id") == Some(id) && out.stanza.name == stanza.name)
        else {
            return false;
        };
        let out = unconfirmed
            .written
            .remove(index)
            .expect("the position was just found");
        if let Some((_, count)) = &mut unconfirmed.ping
            && index < *count
        {
            *count -= 1;
        }
        if let Some(token) = out.token {
            let _ = self
                .events
                .send(LinkEvent::Bounced(token, stanza.clone()))
                .await;
        }
        true
    }

    /// Whether `stanza` answers our confirmation ping (any answer, result or error, shows the server processed
    /// everything written before the ping); if so, reports those stanzas confirmed.
    async fn is_confirmation(&self, stanza: &Element, unconfirmed: &mut Unconfirmed) -> bool {
        let is_answer = stanza.name == "iq"
            && matches!(stanza.attr("type"), Some("result" | "error"))
            && stanza
                .attr("id")
                .is_some_and(|id| id.starts_with(CONFIRM_PREFIX));
        if !is_answer {
            return false;
        }
        let Some((id, count)) = unconfirmed.ping.take() else {
            return true;
        };
        if stanza.attr("id") != Some(id.as_str()) {
            unconfirmed.ping = Some((id, count));
            return true;
        }
        for out in unconfirmed
            .written
            .drain(..count.min(unconfirmed.written.len()))
        {
            if let Some(token) = out.token {
                let _ = self.events.send(LinkEvent::Confirmed(token)).await;
            }
        }
        true
    }
}

/// An error and its causes, for one log field.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
