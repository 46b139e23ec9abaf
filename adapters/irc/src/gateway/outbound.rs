//! What the core hands the IRC adapter: messages to say in a channel or to a nick, and room events (a
//! transport user joining or leaving a channel, a bridged person arriving, renaming or leaving), each through
//! the connection of the person it is for — their own, a puppet, or the relay.

use switchboard_core::address::{Address, IrcAddress, IrcTarget, XmppAddress};
use switchboard_core::cpim::{CpimMessage, NameAddr};
use switchboard_core::envelope::{
    DeliveryError, DeliveryOutcome, Envelope, EnvelopeId, ErrorKind, Payload,
};
use switchboard_core::message::{Message, MessageKind, MessageMeta, name_addr, uri_of};
use switchboard_core::room::{RoomChange, RoomEvent};
use tokio::sync::oneshot;
use tracing::{debug, warn};

use super::conns::{ConnId, Identity, Owner};
use super::names::{DEFAULT_NICK_LEN, display_nick, irc_nick, person_in_room};
use super::{Gateway, MsgidScope, REPLY_TAG, channel_address};
use crate::config::NetworkSettings;
use crate::wire::{self, WireError};

impl Gateway {
    /// Handles an envelope from the core and reports how its delivery went.
    pub(crate) async fn on_envelope(&mut self, envelope: Envelope) {
        let Envelope {
            id,
            recipient,
            bridge,
            payload,
        } = envelope;
        match payload {
            Payload::Message(message) => {
                let outcome = match self
                    .deliver(&message, recipient.as_ref(), bridge.is_some())
                    .await
                {
                    Ok(Some(receipt)) => {
                        self.report_when_written(id, recipient, receipt);
                        return;
                    }
                    Ok(None) => DeliveryOutcome::Delivered,
                    Err(error) => {
                        debug!(error = %error, "IRC delivery failed");
                        DeliveryOutcome::Failed(error)
                    }
                };
                if self.to_core.report(id, recipient, outcome).await.is_err() {
                    warn!("The router has stopped; a delivery report was not made");
                }
            }
            Payload::Room(event) => {
                if let Err(error) = self.on_room_event(*event, recipient.as_ref(), bridge.is_some())
                {
                    warn!(error = %error, "Room event not carried to IRC");
                }
            }
            Payload::Presence(_) | Payload::Status(_) => {}
        }
    }

    /// Reports `Delivered` once the message's last line is written to the server, so the outbox keeps it
    /// while it waits for flood control or a reconnect. If the connection ends first the sender hears so;
    /// if the adapter is stopping, nothing is reported and the outbox delivers it again on the next start.
    fn report_when_written(
        &self,
        id: EnvelopeId,
        recipient: Option<Address>,
        receipt: oneshot::Receiver<()>,
    ) {
        let to_core = self.to_core.clone();
        let stopping = self.stopping.clone();
        tokio::spawn(async move {
            let outcome = match receipt.await {
                Ok(()) => DeliveryOutcome::Delivered,
                Err(_) if stopping.is_cancelled() => return,
                Err(_) => DeliveryOutcome::Failed(DeliveryError::new(
                    ErrorKind::RecipientUnavailable,
                    "the IRC connection closed before the message could be sent",
                )),
            };
            if to_core.report(id, recipient, outcome).await.is_err() {
                warn!("The router has stopped; a delivery report was not made");
            }
        });
    }

    /// Queues the message on the right connection; the receipt completes when its last line is written.
    async fn deliver(
        &mut self,
        message: &Message,
        recipient: Option<&Address>,
        bridged: bool,
    ) -> Result<Option<oneshot::Receiver<()>>, DeliveryError> {
        let Some(Address::Irc(target)) = recipient else {
            return Err(DeliveryError::new(
                ErrorKind::BadRequest,
                "the IRC adapter delivers only to irc:// addresses",
            ));
        };
        let settings = self.settings(target.network())?;
        let sender = message.sender().map_err(|error| {
            DeliveryError::new(
                ErrorKind::BadRequest,
                format!("the sender is not a valid address: {error}"),
            )
        })?;
        let text = text_of(message)?;
        match (bridged, target.target()) {
            (true, IrcTarget::Channel(channel)) => self.speak_bridged(
                target.network(),
                &settings,
                &sender,
                message,
                channel,
                &text,
            ),
            (true, IrcTarget::Nick(_)) => Err(DeliveryError::new(
                ErrorKind::BadRequest,
                "a bridge endpoint on IRC must be a channel",
            )),
            (false, _) => {
                let Address::Xmpp(user) = &sender else {
                    return Err(DeliveryError::new(
                        ErrorKind::NotAcceptable,
                        "only XMPP users have IRC connections of their own; bridge the channel instead",
                    ));
                };
                self.speak_as_user(target, &settings, user, message, &text)
                    .await
            }
        }
    }

    /// A bridged person's words in `channel`: through their puppet, or the relay as `<nick> text` when puppets
    /// are off, over the cap, or not yet made.
    fn speak_bridged(
        &mut self,
        network: &str,
        settings: &NetworkSettings,
        sender: &Address,
        message: &Message,
        channel: &str,
        text: &str,
    ) -> Result<Option<oneshot::Receiver<()>>, DeliveryError> {
        let nick = message
            .cpim
            .from()
            .display_name
            .clone()
            .unwrap_or_else(|| display_nick(sender));
        if let Some(puppet) = self.puppet(network, settings, sender, &nick) {
            self.ensure_joined(puppet, channel);
            return self.send_text(
                puppet,
                "PRIVMSG",
                channel,
                text,
                message.meta.action,
                message,
                settings,
            );
        }
        let relay = self.conns.find(network, &Owner::Relay).ok_or_else(|| {
            DeliveryError::new(
                ErrorKind::ServiceUnavailable,
                format!("no relay connection on {network}: is the channel part of a [[bridge]]?"),
            )
        })?;
        let clean: String = nick.chars().filter(|c| !c.is_control()).collect();
        let relayed = if message.meta.action {
            split_breaks(text)
                .map(|line| format!("* {clean} {line}"))
                .collect::<Vec<_>>()
        } else {
            split_breaks(text)
                .map(|line| format!("<{clean}> {line}"))
                .collect()
        };
        self.send_text(
            relay,
            "PRIVMSG",
            channel,
            &relayed.join("\n"),
            false,
            message,
            settings,
        )
    }

    /// The puppet speaking for `person` on `network`, made on first use; `None` when puppets are off
    /// (`relay = true`) or `max_puppets` are already open.
    fn puppet(
        &mut self,
        network: &str,
        settings: &NetworkSettings,
        person: &Address,
        nick: &str,
    ) -> Option<ConnId> {
        let owner = Owner::Puppet(person.to_string());
        if let Some(id) = self.conns.find(network, &owner) {
            return Some(id);
        }
        if settings.relay || self.conns.puppets_on(network) >= settings.max_puppets {
            debug!(network, person = %person, "No puppet (relay mode or cap reached); the relay speaks");
            return None;
        }
        let identity = Identity {
            nick: irc_nick(nick, self.nick_len(network)),
            username: "switchboard".to_owned(),
            realname: format!("{person} via Switchboard"),
        };
        Some(self.conns.open(network, owner, settings, identity))
    }

    /// The longest nick the network takes, as any connection on it learnt.
    fn nick_len(&self, network: &str) -> usize {
        self.conns
            .on_network(network)
            .find_map(|c| c.isupport.nicklen)
            .unwrap_or(DEFAULT_NICK_LEN)
    }

    fn ensure_joined(&mut self, id: ConnId, channel: &str) {
        if self
            .conns
            .get(id)
            .is_some_and(|c| c.channel(channel).is_none())
        {
            self.join(id, channel);
        }
    }

    /// A transport user's words to a channel (they must have joined it) or to a nick (their connection is
    /// made if needed). Channel lines are reflected back to them, as a MUC reflects a message to its sender
    /// (XEP-0045 §7.4).
    async fn speak_as_user(
        &mut self,
        target: &IrcAddress,
        settings: &NetworkSettings,
        user: &XmppAddress,
        message: &Message,
        text: &str,
    ) -> Result<Option<oneshot::Receiver<()>>, DeliveryError> {
        let network = target.network();
        let owner = Owner::User(user.bare().jid().to_string());
        let id = match (self.conns.find(network, &owner), target.target()) {
            (Some(id), _) => id,
            (None, IrcTarget::Nick(_)) => {
                let nick = user.node().unwrap_or("switchboard");
                self.open_user(network, settings, user, nick)
            }
            (None, IrcTarget::Channel(channel)) => {
                return Err(DeliveryError::new(
                    ErrorKind::NotAcceptable,
                    format!("join {channel} on {network} before writing to it"),
                ));
            }
        };
        if let Some(conn) = self.conns.get_mut(id) {
            conn.user = Some(user.clone());
        }
        let name = target.target().name().to_owned();
        let command = if message.meta.kind == MessageKind::Headline {
            "NOTICE"
        } else {
            "PRIVMSG"
        };
        let receipt = self.send_text(
            id,
            command,
            &name,
            text,
            message.meta.action,
            message,
            settings,
        )?;
        if let IrcTarget::Channel(channel) = target.target() {
            self.reflect(id, network, channel, user, message).await;
        }
        Ok(receipt)
    }

    /// The user's own channel line, shown back to them from their occupant.
    async fn reflect(
        &mut self,
        id: ConnId,
        network: &str,
        channel: &str,
        user: &XmppAddress,
        original: &Message,
    ) {
        let Some(conn) = self.conns.get(id) else {
            return;
        };
        let nick = conn
            .nick
            .clone()
            .unwrap_or_else(|| conn.wanted_nick.clone());
        let Some(room) = channel_address(network, channel) else {
            return;
        };
        let to = Address::Xmpp(user.clone());
        let mut cpim = CpimMessage::new(
            NameAddr::with_name(nick, uri_of(&room)),
            name_addr(&to),
            original.cpim.content().clone(),
        );
        if let Some(at) = original.cpim.date_time() {
            cpim = cpim.with_date_time(*at);
        }
        let mut meta = MessageMeta::new(MessageKind::GroupChat);
        meta.id = original.meta.id.clone();
        meta.action = original.meta.action;
        meta.correction_of = original.meta.correction_of.clone();
        let reflection = Message { cpim, meta };
        self.carry(Some(to), Payload::Message(Box::new(reflection)))
            .await;
    }

    fn open_user(
        &mut self,
        network: &str,
        settings: &NetworkSettings,
        user: &XmppAddress,
        nick: &str,
    ) -> ConnId {
        let identity = Identity {
            nick: irc_nick(nick, self.nick_len(network)),
            username: "switchboard".to_owned(),
            realname: self
                .config
                .realname
                .replace("{jid}", &user.bare().jid().to_string()),
        };
        let owner = Owner::User(user.bare().jid().to_string());
        let id = self.conns.open(network, owner, settings, identity);
        if let Some(conn) = self.conns.get_mut(id) {
            conn.user = Some(user.clone());
        }
        id
    }

    /// Queues `text` as PRIVMSG/NOTICE lines on connection `id`, split to fit (one serializer, no CR/LF/NUL).
    /// When `message` answers one heard on IRC and the server takes message tags, the first line carries
    /// the IRCv3 reply tag naming it.
    #[allow(clippy::too_many_arguments)]
    fn send_text(
        &mut self,
        id: ConnId,
        command: &str,
        target: &str,
        text: &str,
        action: bool,
        message: &Message,
        settings: &NetworkSettings,
    ) -> Result<Option<oneshot::Receiver<()>>, DeliveryError> {
        let parent = self.irc_msgid_of_parent(message);
        let conn = self.conns.get(id).ok_or_else(|| {
            DeliveryError::new(ErrorKind::ServiceUnavailable, "the IRC connection closed")
        })?;
        let lines = wire::text_lines(
            command,
            &conn.prefix_for_split(),
            target,
            text,
            action,
            settings.max_lines,
        )
        .map_err(wire_error)?;
        let tag_parent = parent.filter(|_| conn.caps.contains("message-tags"));
        if conn.handle.room() < lines.len() {
            // All or nothing: half a message sent and reported failed would come twice on a retry.
            return Err(DeliveryError::new(
                ErrorKind::ResourceConstraint,
                format!(
                    "the IRC connection has {} lines waiting already; try again later",
                    crate::client::QUEUE_LIMIT - conn.handle.room()
                ),
            ));
        }
        let last = lines.len().saturating_sub(1);
        let mut receipt = None;
        for (n, line) in lines.into_iter().enumerate() {
            let line = match &tag_parent {
                // A parent msgid too long for the tag budget: the line goes without the reply tag.
                Some(parent) if n == 0 => {
                    wire::with_client_tags(&[(REPLY_TAG, parent)], line.clone()).unwrap_or(line)
                }
                _ => line,
            };
            let queue_full = |error| {
                DeliveryError::new(
                    ErrorKind::ResourceConstraint,
                    format!("the IRC connection's queue is full, try again later: {error}"),
                )
            };
            if n == last {
                receipt = Some(conn.handle.send_confirmed(line).map_err(queue_full)?);
            } else {
                conn.handle.send(line).map_err(queue_full)?;
            }
        }
        Ok(receipt)
    }

    /// The IRCv3 msgid of the message `message` answers, when that one was heard on IRC with a msgid.
    fn irc_msgid_of_parent(&self, message: &Message) -> Option<String> {
        let parent = message.meta.in_reply_to.as_ref()?;
        match self.store.network_id(parent, super::ID_NETWORK) {
            Ok(key) => MsgidScope::msgid_of(&key?).map(str::to_owned),
            Err(error) => {
                warn!(error = %error, "Looking up the IRC msgid of a reply's parent failed");
                None
            }
        }
    }

    fn settings(&self, network: &str) -> Result<NetworkSettings, DeliveryError> {
        self.config.network(network).ok_or_else(|| {
            DeliveryError::new(
                ErrorKind::ItemNotFound,
                format!(
                    "{network} is not a configured IRC network: the operator can add [irc.networks.\"{network}\"] \
                     or set [irc] open = true"
                ),
            )
        })
    }

    /// A room event from the core: a transport user's join, part or nick change (to the channel, no bridge),
    /// or a bridged person's arrival, rename, departure or topic (across a bridge).
    fn on_room_event(
        &mut self,
        event: RoomEvent,
        recipient: Option<&Address>,
        bridged: bool,
    ) -> Result<(), DeliveryError> {
        let Some(Address::Irc(target)) = recipient else {
            return Err(DeliveryError::new(
                ErrorKind::BadRequest,
                "a room event for IRC must name a channel",
            ));
        };
        let IrcTarget::Channel(channel) = target.target() else {
            return Err(DeliveryError::new(
                ErrorKind::BadRequest,
                "a room event for IRC must name a channel",
            ));
        };
        let network = target.network();
        let settings = self.settings(network)?;
        if bridged {
            self.bridged_room_event(network, &settings, channel, &event)
        } else {
            self.user_room_event(network, &settings, channel, &event)
        }
    }

    fn bridged_room_event(
        &mut self,
        network: &str,
        settings: &NetworkSettings,
        channel: &str,
        event: &RoomEvent,
    ) -> Result<(), DeliveryError> {
        let Some(person) = person_in_room(&event.room, &event.nick) else {
            return Ok(());
        };
        let owner = Owner::Puppet(person.to_string());
        match &event.change {
            RoomChange::Joined { .. } => {
                if let Some(puppet) = self.puppet(network, settings, &person, &event.nick) {
                    self.ensure_joined(puppet, channel);
                }
            }
            RoomChange::Left { reason }
            | RoomChange::Kicked { reason, .. }
            | RoomChange::Banned { reason, .. } => {
                if let Some(id) = self.conns.find(network, &owner)
                    && let Some(conn) = self.conns.get_mut(id)
                {
                    conn.forget_channel(channel);
                    let clean = reason.as_deref().map(single_line);
                    if let Err(error) = conn.handle.part(channel, clean.as_deref()) {
                        warn!(error = %error, "PART could not be queued");
                    }
                    if conn.channels.is_empty() {
                        self.conns.close(id, clean.as_deref());
                    }
                }
            }
            RoomChange::NickChanged { new_nick } => {
                if let Some(id) = self.conns.find(network, &owner) {
                    if let Some(renamed) = person_in_room(&event.room, new_nick) {
                        self.conns.rekey(id, Owner::Puppet(renamed.to_string()));
                    }
                    let nick = irc_nick(new_nick, self.nick_len(network));
                    if let Some(conn) = self.conns.get(id) {
                        let line = wire::serialize("NICK", &[&nick]).map_err(wire_error)?;
                        let _ = conn.handle.send(line);
                    }
                }
            }
            RoomChange::Topic { text } => {
                let speaker = self
                    .conns
                    .find(network, &owner)
                    .or_else(|| self.conns.find(network, &Owner::Relay));
                if let Some(id) = speaker
                    && let Some(conn) = self.conns.get(id)
                {
                    let text = wire::styling_to_irc(text);
                    let line = wire::serialize("TOPIC", &[channel, &text]).map_err(wire_error)?;
                    let _ = conn.handle.send(line);
                }
            }
            RoomChange::Privileges { .. } => {}
        }
        Ok(())
    }

    fn user_room_event(
        &mut self,
        network: &str,
        settings: &NetworkSettings,
        channel: &str,
        event: &RoomEvent,
    ) -> Result<(), DeliveryError> {
        let Some(Address::Xmpp(user)) = &event.real_address else {
            return Err(DeliveryError::new(
                ErrorKind::BadRequest,
                "a transport room event must name its XMPP user",
            ));
        };
        let owner = Owner::User(user.bare().jid().to_string());
        let existing = self.conns.find(network, &owner);
        match &event.change {
            RoomChange::Joined { .. } => {
                let id = match existing {
                    Some(id) => id,
                    None => self.open_user(network, settings, user, &event.nick),
                };
                let Some(conn) = self.conns.get_mut(id) else {
                    return Ok(());
                };
                conn.user = Some(user.clone());
                let already = conn.channel(channel).is_some_and(|c| c.names_complete);
                if already {
                    // Another resource, or a rejoin: show the channel again (names and own presence).
                    if let Some(c) = conn.channel_mut(channel) {
                        c.names_complete = false;
                    }
                    let line = wire::serialize("NAMES", &[channel]).map_err(wire_error)?;
                    let _ = conn.handle.send(line);
                } else if conn.channel(channel).is_none() {
                    self.join(id, channel);
                }
            }
            RoomChange::Left { reason } => {
                if let Some(id) = existing
                    && let Some(conn) = self.conns.get_mut(id)
                {
                    let clean = reason.as_deref().map(single_line);
                    if let Err(error) = conn.handle.part(channel, clean.as_deref()) {
                        warn!(error = %error, "PART could not be queued");
                    }
                    // The PART echo shows the user their own departure and closes an idle connection.
                }
            }
            RoomChange::NickChanged { new_nick } => {
                if let Some(id) = existing
                    && let Some(conn) = self.conns.get(id)
                {
                    let line = wire::serialize("NICK", &[new_nick]).map_err(wire_error)?;
                    let _ = conn.handle.send(line);
                }
            }
            RoomChange::Topic { text } => {
                if let Some(id) = existing
                    && let Some(conn) = self.conns.get(id)
                {
                    let line = wire::serialize("TOPIC", &[channel, &wire::styling_to_irc(text)])
                        .map_err(wire_error)?;
                    let _ = conn.handle.send(line);
                }
            }
            RoomChange::Kicked { .. }
            | RoomChange::Banned { .. }
            | RoomChange::Privileges { .. } => {}
        }
        Ok(())
    }
}

/// The text to say for `message`: its body (a correction marked `* `, as IRC cannot edit), or its links when
/// it has no body; styled with mIRC codes from XEP-0393.
fn text_of(message: &Message) -> Result<String, DeliveryError> {
    let body = message
        .body_text()
        .map(|b| b.into_owned())
        .unwrap_or_default();
    let mut text = if body.trim().is_empty() {
        message
            .meta
            .links
            .iter()
            .map(|l| l.url.clone())
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        body
    };
    if text.trim().is_empty() {
        return Err(DeliveryError::new(
            ErrorKind::NotAcceptable,
            "the message has no text to say on IRC",
        ));
    }
    if message.meta.correction_of.is_some() {
        text.insert_str(0, "* ");
    }
    Ok(wire::styling_to_irc(&text))
}

/// The lines of `text` (CR LF, LF and CR all break lines).
fn split_breaks(text: &str) -> impl Iterator<Item = &str> {
    text.split(['\r', '\n']).filter(|line| !line.is_empty())
}

/// `text` on one line, for fields that cannot hold a line break (part reasons).
fn single_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if matches!(c, '\r' | '\n' | '\0') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// A wire error as the sender hears it.
fn wire_error(error: WireError) -> DeliveryError {
    let kind = match &error {
        WireError::TooManyLines { .. } => ErrorKind::PolicyViolation,
        _ => ErrorKind::BadRequest,
    };
    DeliveryError::new(kind, error.to_string())
}
