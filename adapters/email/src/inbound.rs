//! The SMTP listener for replies: a tokio accept loop around the I/O-free [`SmtpSession`], answering `250`
//! only once the router holds the message durably.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use switchboard_core::adapter::CoreSender;
use switchboard_core::envelope::{DeliveryOutcome, Envelope, EnvelopeId, ErrorKind, Payload};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::config::EmailAdapterConfig;
use crate::conversations::{Conversation, Conversations};
use crate::map;
use crate::proto::parse::parse_mail;
use crate::proto::smtp_server::{MailVerdict, ReceivedMail, SmtpSession, greeting};

/// Envelopes sent to the router and waiting for their `Accepted` (or `Failed`) status.
pub type Waiting = Arc<Mutex<HashMap<u64, oneshot::Sender<DeliveryOutcome>>>>;

/// What every inbound session shares.
#[derive(Debug)]
pub struct Inbound {
    /// The adapter's settings.
    pub config: EmailAdapterConfig,
    /// The conversation records.
    pub conversations: Conversations,
    /// To the router.
    pub to_core: CoreSender,
    /// Envelopes waiting for their acceptance.
    pub waiting: Waiting,
    /// Numbers the envelopes this adapter sends.
    pub next_id: AtomicU64,
}

impl Inbound {
    /// The local part of the gateway's own mailbox, when it is in the mail domain.
    fn own_local(&self) -> Option<&str> {
        self.config
            .from_address
            .rsplit_once('@')
            .filter(|(_, domain)| domain.eq_ignore_ascii_case(&self.config.mail_domain))
            .map(|(local, _)| local)
    }

    fn accepts(&self, local: &str) -> bool {
        if self
            .own_local()
            .is_some_and(|own| own.eq_ignore_ascii_case(local))
        {
            return true;
        }
        match self.conversations.by_token(&local.to_ascii_lowercase()) {
            Ok(found) => found.is_some(),
            Err(error) => {
                // The token is not logged: whoever holds it can write into the conversation.
                warn!(error = %error, "Reading a conversation failed; the recipient is refused");
                false
            }
        }
    }

    /// Hands a received mail to the router and decides the SMTP answer.
    async fn deliver(&self, peer: &str, mail: ReceivedMail) -> MailVerdict {
        let parsed = match parse_mail(
            &mail.data,
            mail.reverse_path.as_deref(),
            &self.config.mail_domain,
        ) {
            Ok(parsed) => parsed,
            Err(error) => {
                warn!(peer, error = %error, "Incoming mail refused: unreadable");
                return MailVerdict::Refused(error.to_string());
            }
        };
        if let Some(reason) = &parsed.not_for_chat {
            // Logged, accepted and not relayed: refusing would only make another bounce (RFC 3834 §2).
            info!(peer, from = ?parsed.from, message_id = ?parsed.message_id, reason = %reason,
                "Incoming mail not relayed to chat");
            return MailVerdict::Discarded;
        }
        let mut conversations = Vec::new();
        for local in &mail.recipients {
            if self
                .own_local()
                .is_some_and(|own| own.eq_ignore_ascii_case(local))
            {
                info!(peer, from = ?parsed.from, "Mail to the gateway's own mailbox is not relayed to chat");
                continue;
            }
            match self.conversations.by_token(&local.to_ascii_lowercase()) {
                Ok(Some(conversation)) => conversations.push(conversation),
                Ok(None) => return MailVerdict::Refused("no such conversation".into()),
                Err(error) => {
                    warn!(error = %error, "Reading a conversation failed");
                    return MailVerdict::TryLater("the gateway's store failed".into());
                }
            }
        }
        for conversation in conversations {
            let verdict = self.deliver_one(&conversation, &parsed).await;
            if verdict != MailVerdict::Accepted {
                return verdict;
            }
        }
        MailVerdict::Accepted
    }

    async fn deliver_one(
        &self,
        conversation: &Conversation,
        parsed: &crate::proto::parse::InboundMail,
    ) -> MailVerdict {
        let message = match map::incoming(&self.conversations, conversation, parsed) {
            Ok(message) => message,
            Err(error) => {
                warn!(error = %error, "Mapping an incoming mail failed");
                return MailVerdict::TryLater("the gateway's store failed".into());
            }
        };
        let canonical = message.meta.id.clone();
        let thread = message.meta.thread.clone().unwrap_or_default();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.waiting
            .lock()
            .expect("waiting map poisoned")
            .insert(id, tx);
        let envelope = Envelope::new(EnvelopeId(id), Payload::Message(Box::new(message)));
        if self.to_core.send(envelope).await.is_err() {
            self.waiting
                .lock()
                .expect("waiting map poisoned")
                .remove(&id);
            return MailVerdict::TryLater("the gateway is shutting down".into());
        }
        let outcome = tokio::time::timeout(self.config.acceptance_timeout, rx).await;
        self.waiting
            .lock()
            .expect("waiting map poisoned")
            .remove(&id);
        match outcome {
            Ok(Ok(DeliveryOutcome::Accepted | DeliveryOutcome::Delivered)) => {
                if let Some(message_id) = &parsed.message_id {
                    let recorded = self
                        .conversations
                        .record_mail(message_id, &canonical, &thread, SystemTime::now())
                        .and_then(|()| {
                            self.conversations
                                .add_reference(&conversation.token, message_id)
                        });
                    if let Err(error) = recorded {
                        // The message is already queued: threading of later replies suffers, nothing is lost.
                        warn!(error = %error, message_id, "Recording an incoming mail's id failed");
                    }
                }
                info!(from = %conversation.contact, to = %conversation.user, "Incoming mail accepted for chat");
                MailVerdict::Accepted
            }
            Ok(Ok(DeliveryOutcome::Failed(error))) => match error.kind {
                ErrorKind::ResourceConstraint
                | ErrorKind::InternalServerError
                | ErrorKind::RemoteServerTimeout
                | ErrorKind::ServiceUnavailable => MailVerdict::TryLater(error.text),
                _ => MailVerdict::Refused(error.text),
            },
            Ok(Err(_)) | Err(_) => {
                MailVerdict::TryLater("the gateway did not queue the message in time".into())
            }
        }
    }
}

/// Accepts connections until `stop` is cancelled.
pub async fn serve(listener: TcpListener, inbound: Arc<Inbound>, stop: CancellationToken) {
    let places = Arc::new(Semaphore::new(inbound.config.max_sessions.max(1)));
    // Sessions are this task's own: when it ends, they have ended (and released the store).
    let mut sessions = JoinSet::new();
    loop {
        let permit = tokio::select! {
            () = stop.cancelled() => break,
            Some(_) = sessions.join_next() => continue,
            permit = places.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                let inbound = inbound.clone();
                sessions.spawn(async move {
                    let peer = peer.to_string();
                    if let Err(error) = session(stream, &peer, &inbound).await {
                        debug!(peer, error = %error, "SMTP session ended with an I/O error");
                    }
                    drop(permit);
                });
            }
            Err(error) => {
                warn!(error = %error, "Accepting an SMTP connection failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
    sessions.shutdown().await;
}

async fn session(mut stream: TcpStream, peer: &str, inbound: &Inbound) -> std::io::Result<()> {
    let limit = inbound.config.session_timeout;
    send(&mut stream, &greeting(&inbound.config.mail_domain), limit).await?;
    let mut session = SmtpSession::new(&inbound.config.mail_domain, inbound.config.smtp_limits);
    let policy = |local: &str| inbound.accepts(local);
    let mut buffer = vec![0; 16 * 1024];
    loop {
        let read =
            tokio::time::timeout(inbound.config.session_timeout, stream.read(&mut buffer)).await;
        let n = match read {
            Ok(result) => result?,
            Err(_) => {
                // RFC 5321 §4.5.3.2.7: the server may close an idle session.
                send(
                    &mut stream,
                    b"421 4.4.2 idle too long, closing connection\r\n",
                    limit,
                )
                .await?;
                return Ok(());
            }
        };
        if n == 0 {
            return Ok(());
        }
        let mut step = session.feed(&buffer[..n], &policy);
        loop {
            send(&mut stream, &step.reply, limit).await?;
            let Some(mail) = step.mail.take() else { break };
            let verdict = inbound.deliver(peer, mail).await;
            send(&mut stream, &session.finish_mail(&verdict), limit).await?;
            if step.close {
                break;
            }
            step = session.feed(b"", &policy);
        }
        if step.close || session.is_closed() {
            stream.flush().await?;
            return Ok(());
        }
    }
}

/// Writes a reply, giving up after `limit`: a client that never reads must not hold a session (and one of
/// the `max_sessions` places) forever.
async fn send(
    stream: &mut TcpStream,
    bytes: &[u8],
    limit: std::time::Duration,
) -> std::io::Result<()> {
    match tokio::time::timeout(limit, stream.write_all(bytes)).await {
        Ok(result) => result,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the SMTP client did not read our replies",
        )),
    }
}
