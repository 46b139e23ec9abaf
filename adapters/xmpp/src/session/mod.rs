//! The adapter's central task: translates between the core's envelopes and stanzas, and between the
//! per-domain connection tasks and the router.

use std::collections::HashMap;
use std::sync::Arc;

use switchboard_core::adapter::AdapterContext;
use switchboard_core::address::{Address, XmppAddress};
use switchboard_core::envelope::{
    DeliveryError, DeliveryOutcome, DeliveryStatus, Envelope, EnvelopeId, ErrorKind, Payload,
};
use switchboard_core::message::Message;
use switchboard_core::store::SharedStore;
use tokio::sync::mpsc;
use tracing::{debug, warn};

mod accounts;
mod recent;
mod room_events;

use recent::Recent;

use crate::commands;
use crate::component::{LinkEvent, Outgoing};
use crate::config::XmppAdapterConfig;
use crate::ids;
use crate::map::{self, MapError, MessageMapper, ServiceInfo};
use crate::proto::Element;
use crate::rooms::Rooms;
use crate::transport_rooms;

/// How many messages from XMPP are remembered so that a failure reported later can be answered with an error
/// stanza to their sender.
const REMEMBERED_MESSAGES: usize = 10_000;

/// A message from an XMPP user, kept until the core reports on it.
#[derive(Debug)]
struct Remembered {
    stanza: Element,
    domain: String,
}

/// The central task's state.
pub(crate) struct Session {
    pub(crate) config: Arc<XmppAdapterConfig>,
    store: SharedStore,
    pub(crate) mapper: MessageMapper,
    pub(crate) info: ServiceInfo,
    pub(crate) links: HashMap<String, mpsc::UnboundedSender<Outgoing>>,
    from_xmpp: Recent<Remembered>,
    to_xmpp: HashMap<u64, (EnvelopeId, Address)>,
    /// Whether each domain's link is up, for status reports.
    pub(crate) link_up: HashMap<String, bool>,
    rooms: Rooms,
    main_domain: String,
    next_envelope: u64,
    next_token: u64,
}

impl Session {
    pub(crate) fn new(
        config: Arc<XmppAdapterConfig>,
        store: SharedStore,
        links: HashMap<String, mpsc::UnboundedSender<Outgoing>>,
    ) -> Self {
        let mapper = MessageMapper::new(config.domains.clone());
        let info = ServiceInfo {
            name: config.name.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        let main_domain = config
            .domains
            .domains()
            .next()
            .map(|(domain, _)| domain.to_owned())
            .unwrap_or_default();
        let rooms = Rooms::new(&main_domain, &config.room_nick, &config.rooms);
        Self {
            rooms,
            main_domain,
            config,
            store,
            mapper,
            info,
            links,
            from_xmpp: Recent::new(REMEMBERED_MESSAGES),
            to_xmpp: HashMap::new(),
            link_up: HashMap::new(),
            next_envelope: 0,
            next_token: 0,
        }
    }

    /// Handles one envelope from the router.
    pub(crate) async fn on_core_envelope(&mut self, cx: &AdapterContext, envelope: Envelope) {
        let id = envelope.id;
        match envelope.payload {
            Payload::Message(message) => {
                let outcome = self
                    .deliver_message(&message, envelope.recipient.as_ref(), id)
                    .await;
                if let Err(error) = outcome {
                    let _ = cx
                        .to_core
                        .report(id, envelope.recipient, DeliveryOutcome::Failed(error))
                        .await;
                }
            }
            Payload::Status(status) => self.on_status(status).await,
            Payload::Presence(presence) => {
                let Some(Address::Xmpp(to)) = envelope.recipient else {
                    debug!("Presence without an XMPP recipient ignored");
                    return;
                };
                let Some(from) = self.config.domains.to_jid(&presence.entity) else {
                    debug!(entity = %presence.entity, "Presence from an address with no JID ignored");
                    return;
                };
                let stanza = map::presence_from_core(&presence, &from, &to);
                self.send_to_domain(from.domain(), stanza, None).await;
            }
            Payload::Room(event) => {
                self.show_room_event(envelope.recipient.as_ref(), &event)
                    .await
            }
        }
    }

    async fn deliver_message(
        &mut self,
        message: &Message,
        recipient: Option<&Address>,
        id: EnvelopeId,
    ) -> Result<(), DeliveryError> {
        let Some(Address::Xmpp(to)) = recipient else {
            return Err(DeliveryError::new(
                ErrorKind::BadRequest,
                format!(
                    "the XMPP adapter cannot deliver to {}",
                    recipient
                        .map(ToString::to_string)
                        .unwrap_or_else(|| "no recipient".into())
                ),
            ));
        };
        let mut message = message.clone();
        ids::outbound(self.store.as_ref(), &mut message, to);
        let room = self.rooms.is_bridged(to).then(|| to.bare());
        let recipient = room.as_ref().unwrap_or(to);
        let stanza =
            self.mapper
                .message_from_core(&message, recipient, time::OffsetDateTime::now_utc())?;
        if let Some(room) = room {
            let sender = message.sender().map_err(|error| {
                DeliveryError::new(ErrorKind::BadRequest, format!("bad sender: {error}"))
            })?;
            let stanzas = self.rooms.speak(&room, &sender, stanza);
            let domain = self.main_domain.clone();
            return self
                .send_tracked(&domain, stanzas, id, Address::Xmpp(room))
                .await;
        }
        // A channel's line for a transport user comes from the speaker's occupant JID in the component room:
        // the CPIM From names the channel, its display name the speaker (as XEP-0045 §7.4 shows it).
        let mut stanza = stanza;
        if let (Some(nick), Ok(Address::Irc(channel))) =
            (message.cpim.from().display_name.clone(), message.sender())
            && matches!(
                channel.target(),
                switchboard_core::address::IrcTarget::Channel(_)
            )
            && let Some(from) = stanza.attr("from").map(str::to_owned)
        {
            stanza.set_attr("from", format!("{from}/{nick}"));
            stanza.set_attr("type", "groupchat");
        }
        let domain = stanza
            .attr("from")
            .and_then(|from| XmppAddress::from_jid_str(from).ok())
            .map(|from| from.domain().to_owned())
            .ok_or_else(|| {
                DeliveryError::new(
                    ErrorKind::InternalServerError,
                    "mapped stanza has no valid from",
                )
            })?;
        // Messages in flight to XMPP are bounded here, since the channel to the connection task is not.
        let limit = self.config.max_queued * self.links.len().max(1);
        if self.to_xmpp.len() >= limit {
            return Err(DeliveryError::new(
                ErrorKind::ResourceConstraint,
                format!("{limit} messages already wait for the XMPP server; try again later"),
            ));
        }
        self.next_token += 1;
        let token = self.next_token;
        self.to_xmpp.insert(token, (id, Address::Xmpp(to.clone())));
        if !self.send_to_domain(&domain, stanza, Some(token)).await {
            self.to_xmpp.remove(&token);
            return Err(DeliveryError::new(
                ErrorKind::ServiceUnavailable,
                format!("the XMPP adapter has no component for {domain}"),
            ));
        }
        Ok(())
    }

    /// Answers a report about a message that came from XMPP: a failure becomes an error stanza to its sender.
    async fn on_status(&mut self, status: DeliveryStatus) {
        let reply = match &status.outcome {
            DeliveryOutcome::Accepted => return,
            // Delivered comes back only when the sender asked for a receipt (XEP-0184 §5).
            DeliveryOutcome::Delivered => {
                self.from_xmpp
                    .remove(status.about.0)
                    .and_then(|remembered| {
                        map::receipt(&remembered.stanza).map(|r| (remembered.domain, r))
                    })
            }
            DeliveryOutcome::Failed(error) => {
                self.from_xmpp
                    .remove(status.about.0)
                    .and_then(|remembered| {
                        map::error_reply(&remembered.stanza, error.kind, &error.text)
                            .map(|r| (remembered.domain, r))
                    })
            }
        };
        match reply {
            Some((domain, reply)) => {
                self.send_to_domain(&domain, reply, None).await;
            }
            None => debug!(
                about = status.about.0,
                "Status for a message no longer remembered"
            ),
        }
    }

    /// Handles one event from a connection task.
    pub(crate) async fn on_link_event(&mut self, cx: &AdapterContext, event: LinkEvent) {
        match event {
            LinkEvent::Stanza { domain, stanza } => self.on_stanza(cx, domain, stanza).await,
            LinkEvent::Confirmed(token) => {
                if let Some((id, recipient)) = self.to_xmpp.remove(&token) {
                    let _ = cx
                        .to_core
                        .report(id, Some(recipient), DeliveryOutcome::Delivered)
                        .await;
                }
            }
            LinkEvent::Bounced(token, bounce) => {
                if let Some((id, recipient)) = self.to_xmpp.remove(&token) {
                    let error = map::error_of(&bounce).unwrap_or_else(|| {
                        DeliveryError::new(
                            ErrorKind::ServiceUnavailable,
                            "the XMPP server refused it",
                        )
                    });
                    let _ = cx
                        .to_core
                        .report(id, Some(recipient), DeliveryOutcome::Failed(error))
                        .await;
                }
            }
            LinkEvent::Dropped(token) => {
                if let Some((id, recipient)) = self.to_xmpp.remove(&token) {
                    let error = DeliveryError::new(
                        ErrorKind::ResourceConstraint,
                        "the XMPP server is unreachable and the queue for it is full; try again later",
                    );
                    let _ = cx
                        .to_core
                        .report(id, Some(recipient), DeliveryOutcome::Failed(error))
                        .await;
                }
            }
            LinkEvent::Connected { domain } => {
                if domain == self.main_domain {
                    for join in self.rooms.on_connected() {
                        self.send_to_domain(&domain, join, None).await;
                    }
                }
                self.link_up.insert(domain, true);
            }
            LinkEvent::Disconnected { domain, reason } | LinkEvent::Refused { domain, reason } => {
                debug!(domain = %domain, reason = %reason, "Component link down; stanzas for it are queued");
                self.link_up.insert(domain, false);
            }
        }
    }

    async fn on_stanza(&mut self, cx: &AdapterContext, domain: String, stanza: Element) {
        if let Some(inbound) = self.rooms.classify(&stanza) {
            self.on_room_stanza(cx, inbound, &stanza).await;
            return;
        }
        match stanza.name.as_str() {
            "iq" if stanza.child("query", map::ns::REGISTER).is_some() => {
                self.on_register(&domain, &stanza).await
            }
            "iq" if stanza.child("query", map::ns::GATEWAY).is_some() => {
                if let Some(answer) = map::answer_gateway(&stanza, &self.config.domains) {
                    self.send_to_domain(&domain, answer, None).await;
                }
            }
            "iq" if commands::node_of(&stanza) == Some(commands::RELOAD) => {
                let answer = if commands::is_admin(stanza.attr("from"), &self.config.admins) {
                    match cx.control.reload().await {
                        Ok(summary) => commands::completed(
                            &stanza,
                            commands::RELOAD,
                            &format!("Reloaded: {summary}"),
                            false,
                        ),
                        Err(reason) => {
                            commands::completed(&stanza, commands::RELOAD, &reason, true)
                        }
                    }
                } else {
                    match map::error_reply(
                        &stanza,
                        ErrorKind::Forbidden,
                        "only the gateway's admins may run this command",
                    ) {
                        Some(reply) => reply,
                        None => return,
                    }
                };
                self.send_to_domain(&domain, answer, None).await;
            }
            "iq" if commands::node_of(&stanza) == Some(commands::SETTINGS) => {
                self.on_settings(&domain, &stanza).await
            }
            "iq" if commands::is_command_iq(&stanza) => {
                let admin = commands::is_admin(stanza.attr("from"), &self.config.admins);
                let answer = commands::answer(&stanza, &self.main_domain, admin, || {
                    commands::StatusReport {
                        links: self
                            .link_up
                            .iter()
                            .map(|(d, up)| (d.clone(), *up))
                            .collect(),
                        waiting: self.to_xmpp.len(),
                        rooms: self
                            .config
                            .rooms
                            .iter()
                            .map(|r| r.jid().to_string())
                            .collect(),
                    }
                });
                if let Some(answer) = answer {
                    self.send_to_domain(&domain, answer, None).await;
                }
            }
            "iq" => {
                if let Some(answer) = map::answer_iq(&stanza, &self.info, &self.config.domains) {
                    self.send_to_domain(&domain, answer, None).await;
                }
            }
            "message" => match self.mapper.message_to_core(&stanza) {
                Ok(mut message) => {
                    ids::inbound(cx.store.as_ref(), &mut message);
                    self.next_envelope += 1;
                    let id = self.next_envelope;
                    self.remember(id, &domain, stanza);
                    let envelope =
                        Envelope::new(EnvelopeId(id), Payload::Message(Box::new(message)));
                    let _ = cx.to_core.send(envelope).await;
                }
                Err(MapError::ChatStateOnly(state)) => {
                    // Typing notifications travel as RFC 3994 isComposing, never stored nor answered.
                    if let Ok(message) = self.mapper.chat_state_to_core(&stanza, state) {
                        self.next_envelope += 1;
                        let envelope = Envelope::new(
                            EnvelopeId(self.next_envelope),
                            Payload::Message(Box::new(message)),
                        );
                        let _ = cx.to_core.send(envelope).await;
                    }
                }
                Err(error) => self.refuse(&domain, &stanza, &error).await,
            },
            // A presence to `#channel%network@domain/nick` is a join, a nick change (XEP-0045 §7.6: the same
            // presence to a new nick; the IRC side tells the two apart) or a leave of a component room.
            "presence"
                if let Some((event, channel)) =
                    transport_rooms::occupant_presence_to_core(&stanza, &self.config.domains) =>
            {
                self.next_envelope += 1;
                let mut envelope = Envelope::new(
                    EnvelopeId(self.next_envelope),
                    Payload::Room(Box::new(event)),
                );
                envelope.recipient = Some(channel);
                let _ = cx.to_core.send(envelope).await;
            }
            "presence" => match map::presence_to_core(&stanza, &self.config.domains) {
                Ok(Some((presence, recipient))) => {
                    self.next_envelope += 1;
                    let mut envelope = Envelope::new(
                        EnvelopeId(self.next_envelope),
                        Payload::Presence(Box::new(presence)),
                    );
                    envelope.recipient = recipient;
                    let _ = cx.to_core.send(envelope).await;
                }
                Ok(None) => {
                    if let Some(answer) = map::answer_subscription(&stanza) {
                        self.send_to_domain(&domain, answer, None).await;
                    }
                }
                Err(error) => debug!(error = %error, "Presence not mapped"),
            },
            other => debug!(element = other, "Unknown top-level element ignored"),
        }
    }

    async fn refuse(&mut self, domain: &str, stanza: &Element, error: &MapError) {
        match error.error_kind() {
            Some(kind) => {
                if let Some(reply) = map::error_reply(stanza, kind, &error.to_string()) {
                    self.send_to_domain(domain, reply, None).await;
                }
            }
            None => debug!(error = %error, "Message without routable content ignored"),
        }
    }

    /// Sends `stanzas` on `domain`, the last one tracked for the delivery report of envelope `id`.
    async fn send_tracked(
        &mut self,
        domain: &str,
        stanzas: Vec<Element>,
        id: EnvelopeId,
        recipient: Address,
    ) -> Result<(), DeliveryError> {
        let count = stanzas.len();
        for (index, stanza) in stanzas.into_iter().enumerate() {
            let token = if index + 1 == count {
                self.next_token += 1;
                self.to_xmpp
                    .insert(self.next_token, (id, recipient.clone()));
                Some(self.next_token)
            } else {
                None
            };
            if !self.send_to_domain(domain, stanza, token).await {
                if let Some(token) = token {
                    self.to_xmpp.remove(&token);
                }
                return Err(DeliveryError::new(
                    ErrorKind::ServiceUnavailable,
                    format!("the XMPP adapter has no component for {domain}"),
                ));
            }
        }
        Ok(())
    }

    fn remember(&mut self, id: u64, domain: &str, stanza: Element) {
        self.from_xmpp.insert(
            id,
            Remembered {
                stanza,
                domain: domain.to_owned(),
            },
        );
    }

    /// Queues a stanza on a domain's connection; `false` when no component serves that domain.
    async fn send_to_domain(&self, domain: &str, stanza: Element, token: Option<u64>) -> bool {
        let Some(link) = self.links.get(&domain.to_ascii_lowercase()) else {
            warn!(
                domain,
                "No component connection for this domain; stanza not sent"
            );
            return false;
        };
        link.send(Outgoing { stanza, token }).is_ok()
    }
}
