//! What the connections hear, made into core messages and room events: channel lines and private
//! messages (RFC 2812 §3.3), CTCP ACTION, and JOIN, PART, QUIT, KICK, NICK, TOPIC, MODE and NAMES (§3.2) as
//! occupant changes. The relay carries a bridged channel across its bridges; a transport user's connection
//! shows its channels and private messages to that user; a puppet hears only what is said to it.

use std::time::SystemTime;

use switchboard_core::address::{Address, XmppAddress};
use switchboard_core::cpim::{CpimDateTime, CpimMessage, MimePart, NameAddr};
use switchboard_core::envelope::Payload;
use switchboard_core::message::{Message, MessageKind, MessageMeta, name_addr, uri_of};
use switchboard_core::room::{Affiliation, Role, RoomChange, RoomEvent};
use tracing::{debug, info, warn};

use super::channel::{role_and_affiliation, split_names_entry};
use super::conns::{ConnEvent, ConnId, Owner};
use super::{Gateway, MsgidScope, channel_address, nick_address};
use crate::client::ClientEvent;
use crate::wire::{self, Ctcp, IrcMessage, Isupport, Source};

/// Where what a connection hears goes.
#[derive(Debug, Clone)]
enum Audience {
    /// Across the bridges of the channel (the relay).
    Bridges,
    /// To one transport user.
    User(XmppAddress),
    /// Nowhere (a puppet: the relay hears its channels).
    Nobody,
}

impl Gateway {
    /// Handles what connection `id` reports.
    pub(crate) async fn on_conn_event(&mut self, id: ConnId, event: ConnEvent) {
        let event = match event {
            ConnEvent::Closed => return self.on_closed(id).await,
            ConnEvent::Client(event) => *event,
        };
        match event {
            ClientEvent::Registered {
                nick,
                own_prefix,
                caps,
                isupport,
            } => {
                if let Some(conn) = self.conns.get_mut(id) {
                    info!(network = %conn.network, conn = id, nick = %nick, caps = ?caps, "IRC connection registered");
                    conn.nick = Some(nick);
                    conn.own_prefix = Some(own_prefix);
                    conn.caps = caps;
                    conn.isupport = isupport;
                    // The channels are joined again by the client; their member lists start afresh.
                    for channel in conn.channels.values_mut() {
                        channel.joined = false;
                        channel.names_complete = false;
                    }
                }
            }
            ClientEvent::NickInUse { wanted, using } => {
                if let Some(conn) = self.conns.get_mut(id) {
                    info!(network = %conn.network, conn = id, wanted = %wanted, using = %using, "Nick in use; using another");
                    conn.nick = Some(using);
                }
            }
            ClientEvent::Disconnected { reason, retry_in } => {
                if let Some(conn) = self.conns.get(id) {
                    warn!(network = %conn.network, conn = id, reason = %reason, retry_in_ms = retry_in.as_millis() as u64, "IRC connection lost; reconnecting");
                }
            }
            ClientEvent::Failed(error) => {
                if let Some(conn) = self.conns.get(id) {
                    warn!(network = %conn.network, conn = id, error = %error, "IRC connection failed for good");
                }
                self.on_closed(id).await;
            }
            ClientEvent::Message(message) => self.on_line(id, message).await,
        }
    }

    /// A connection ended: a transport user sees they left its channels.
    async fn on_closed(&mut self, id: ConnId) {
        let Some(conn) = self.conns.close(id, None) else {
            return;
        };
        if let (Owner::User(_), Some(user)) = (&conn.owner, &conn.user) {
            for channel in conn.channels.values() {
                let nick = conn
                    .nick
                    .clone()
                    .unwrap_or_else(|| conn.wanted_nick.clone());
                self.show_self(
                    &conn.network,
                    &channel.name,
                    &nick,
                    user,
                    RoomChange::Left {
                        reason: Some("the IRC connection ended".to_owned()),
                    },
                )
                .await;
            }
        }
    }

    async fn on_line(&mut self, id: ConnId, line: IrcMessage) {
        let Some(conn) = self.conns.get(id) else {
            return;
        };
        let audience = match &conn.owner {
            Owner::Relay => Audience::Bridges,
            Owner::User(_) => match &conn.user {
                Some(user) => Audience::User(user.clone()),
                None => Audience::Nobody,
            },
            Owner::Puppet(_) => Audience::Nobody,
        };
        let source = line
            .source
            .as_ref()
            .map(|s| s.nick.clone())
            .unwrap_or_default();
        let param = |i: usize| line.params.get(i).map(String::as_str);
        match line.command.as_str() {
            "PRIVMSG" | "NOTICE" => self.on_text(id, &line, audience).await,
            "JOIN" => {
                // Our own JOIN shows the prefix the server relays our lines with.
                if let Some(conn) = self.conns.get_mut(id)
                    && conn.is_me(&source)
                    && let Some(Source {
                        nick,
                        user: Some(user),
                        host: Some(host),
                    }) = &line.source
                {
                    conn.own_prefix = Some(format!("{nick}!{user}@{host}"));
                }
                if let Some(channel) = param(0) {
                    self.on_join(id, &source, channel, audience).await;
                }
            }
            "PART" => {
                if let Some(channels) = param(0) {
                    let reason = param(1).map(str::to_owned);
                    for channel in channels.split(',') {
                        self.on_leave(
                            id,
                            &source,
                            channel,
                            RoomChange::Left {
                                reason: reason.clone(),
                            },
                            &audience,
                        )
                        .await;
                    }
                }
            }
            "KICK" => {
                if let (Some(channel), Some(kicked)) = (param(0), param(1)) {
                    let change = RoomChange::Kicked {
                        by: Some(source.clone()),
                        reason: param(2).map(str::to_owned),
                    };
                    self.on_leave(id, kicked, channel, change, &audience).await;
                }
            }
            "QUIT" => {
                let channels: Vec<String> = conn
                    .channels
                    .values()
                    .filter(|c| c.contains(conn.casemapping(), &source))
                    .map(|c| c.name.clone())
                    .collect();
                let reason = param(0).map(str::to_owned);
                for channel in channels {
                    self.on_leave(
                        id,
                        &source,
                        &channel,
                        RoomChange::Left {
                            reason: reason.clone(),
                        },
                        &audience,
                    )
                    .await;
                }
            }
            "NICK" => {
                if let Some(new_nick) = param(0) {
                    self.on_nick(id, &source, new_nick, &audience).await;
                }
            }
            "TOPIC" => {
                if let (Some(channel), Some(text)) = (param(0), param(1)) {
                    if let Some(c) = self.conns.get_mut(id).and_then(|c| c.channel_mut(channel)) {
                        c.topic = Some(text.to_owned());
                    }
                    let change = RoomChange::Topic {
                        text: wire::irc_to_styling(text),
                    };
                    self.show(id, channel, &source, change, &audience).await;
                }
            }
            "MODE" => self.on_mode(id, &line, &source, &audience).await,
            // RPL_TOPIC: the topic of a channel we joined.
            "332" => {
                if let (Some(channel), Some(text)) = (param(1), param(2))
                    && let Some(c) = self.conns.get_mut(id).and_then(|c| c.channel_mut(channel))
                {
                    c.topic = Some(text.to_owned());
                }
            }
            // RPL_NAMREPLY: `<me> <symbol> <channel> :<names>`.
            "353" => {
                if let (Some(channel), Some(names)) = (param(2), param(3)) {
                    let Some(conn) = self.conns.get_mut(id) else {
                        return;
                    };
                    let mapping = conn.casemapping();
                    let order = conn.isupport.prefixes.clone();
                    if let Some(c) = conn.channel_mut(channel)
                        && !c.names_complete
                    {
                        for entry in names.split(' ').filter(|e| !e.is_empty()) {
                            let (prefixes, nick) = split_names_entry(entry, &order);
                            c.add(mapping, nick, prefixes);
                        }
                    }
                }
            }
            // RPL_ENDOFNAMES: the member list is complete; show it.
            "366" => {
                if let Some(channel) = param(1) {
                    self.on_names_complete(id, channel, &audience).await;
                }
            }
            // ERR_CHANNELISFULL, ERR_INVITEONLYCHAN, ERR_BANNEDFROMCHAN, ERR_BADCHANNELKEY, ERR_NOSUCHCHANNEL,
            // ERR_TOOMANYCHANNELS: a join was refused.
            "471" | "473" | "474" | "475" | "403" | "405" => {
                if let Some(channel) = param(1) {
                    let text = param(2).unwrap_or("cannot join").to_owned();
                    warn!(conn = id, channel, reason = %text, "JOIN refused");
                    if let Audience::User(user) = &audience
                        && let Some(conn) = self.conns.get_mut(id)
                        && conn.forget_channel(channel).is_some()
                    {
                        let network = conn.network.clone();
                        let nick = conn
                            .nick
                            .clone()
                            .unwrap_or_else(|| conn.wanted_nick.clone());
                        let user = user.clone();
                        self.show_self(
                            &network,
                            channel,
                            &nick,
                            &user,
                            RoomChange::Left { reason: Some(text) },
                        )
                        .await;
                        self.close_if_idle(id);
                    }
                }
            }
            // ERR_NOSUCHNICK, ERR_CANNOTSENDTOCHAN, ERR_NOTONCHANNEL, ERR_CHANOPRIVSNEEDED: something we sent
            // on a user's behalf was refused; they are told, from the channel or nick it concerns.
            "401" | "404" | "442" | "482" => {
                if let (Audience::User(user), Some(target), Some(text)) =
                    (&audience, param(1), param(2))
                {
                    let network = self
                        .conns
                        .get(id)
                        .map(|c| c.network.clone())
                        .unwrap_or_default();
                    let from = channel_address(&network, target)
                        .or_else(|| nick_address(&network, target));
                    if let Some(from) = from {
                        let message = Message::text(
                            MessageKind::Normal,
                            &from,
                            &Address::Xmpp(user.clone()),
                            &format!("IRC error: {text}"),
                        );
                        self.carry(
                            Some(Address::Xmpp(user.clone())),
                            Payload::Message(Box::new(message)),
                        )
                        .await;
                    }
                }
            }
            other => debug!(conn = id, command = other, "IRC line not carried"),
        }
    }

    /// PRIVMSG and NOTICE.
    async fn on_text(&mut self, id: ConnId, line: &IrcMessage, audience: Audience) {
        let (Some(source), Some(target), Some(text)) = (
            line.source.as_ref(),
            line.params.first(),
            line.params.get(1),
        ) else {
            return;
        };
        let Some(conn) = self.conns.get(id) else {
            return;
        };
        let network = conn.network.clone();
        let nick = source.nick.clone();
        if source.user.is_none() && source.host.is_none() && nick.contains('.') {
            debug!(conn = id, server = %nick, "Server notice not carried");
            return;
        }
        let is_notice = line.command == "NOTICE";
        let is_channel = is_channel_name(&conn.isupport, target);
        let (text, action) = match wire::ctcp::parse(text) {
            Ctcp::Action(action) => (action.to_owned(), true),
            Ctcp::Other { command, args } => {
                if !is_notice {
                    self.answer_ctcp(id, &nick, command, args);
                }
                return;
            }
            Ctcp::None(plain) => (plain.to_owned(), false),
        };
        if self.hidden(&audience, &network, &nick) || conn.is_me(&nick) {
            // Our own line, echoed (IRCv3 echo-message) or heard by another of our connections.
            return;
        }
        match (audience, is_channel) {
            (Audience::Bridges, true) => {
                let (Some(from), Some(room)) = (
                    nick_address(&network, &nick),
                    channel_address(&network, target),
                ) else {
                    return;
                };
                let scope = MsgidScope::bridges(&network);
                let message = self.incoming(
                    MessageKind::GroupChat,
                    &from,
                    Some(&nick),
                    &room,
                    &text,
                    action,
                    line,
                    scope,
                );
                self.carry(None, Payload::Message(Box::new(message))).await;
            }
            (Audience::User(user), true) => {
                let Some(room) = channel_address(&network, target) else {
                    return;
                };
                let to = Address::Xmpp(user.clone());
                let scope = MsgidScope::user(&network, &user);
                let message = self.incoming(
                    MessageKind::GroupChat,
                    &room,
                    Some(&nick),
                    &to,
                    &text,
                    action,
                    line,
                    scope,
                );
                self.carry(Some(to), Payload::Message(Box::new(message)))
                    .await;
            }
            (Audience::User(user), false) => {
                let Some(from) = nick_address(&network, &nick) else {
                    return;
                };
                let to = Address::Xmpp(user.clone());
                let scope = MsgidScope::user(&network, &user);
                let message = self.incoming(
                    MessageKind::Chat,
                    &from,
                    None,
                    &to,
                    &text,
                    action,
                    line,
                    scope,
                );
                self.carry(Some(to), Payload::Message(Box::new(message)))
                    .await;
            }
            (_, false) if !is_notice => {
                // Private words to the relay or a puppet reach no one: say so rather than drop them silently.
                let reply = "This nick is a bridge from another network; private messages to it are not \
                             carried. Please write in the channel.";
                if let Some(conn) = self.conns.get(id)
                    && let Ok(lines) =
                        wire::text_lines("NOTICE", &conn.prefix_for_split(), &nick, reply, false, 0)
                {
                    for bytes in lines {
                        let _ = conn.handle.send(bytes);
                    }
                }
            }
            _ => {}
        }
    }

    /// Answers CTCP VERSION and PING (CTCP spec), through the connection that was asked.
    fn answer_ctcp(&self, id: ConnId, nick: &str, command: &str, args: &str) {
        let reply = match command.to_ascii_uppercase().as_str() {
            "VERSION" => format!(
                "\u{1}VERSION Switchboard {}\u{1}",
                env!("CARGO_PKG_VERSION")
            ),
            "PING" => format!("\u{1}PING {args}\u{1}"),
            _ => return,
        };
        if let Some(conn) = self.conns.get(id)
            && let Ok(bytes) = wire::serialize("NOTICE", &[nick, &reply])
        {
            let _ = conn.handle.send(bytes);
        }
    }

    /// A core message for a line heard on IRC; its IRCv3 msgid (and that of the line it answers) are mapped
    /// in `scope`.
    #[allow(clippy::too_many_arguments)]
    fn incoming(
        &self,
        kind: MessageKind,
        from: &Address,
        display: Option<&str>,
        to: &Address,
        text: &str,
        action: bool,
        line: &IrcMessage,
        scope: MsgidScope<'_>,
    ) -> Message {
        let body = wire::irc_to_styling(text);
        let from = match display {
            Some(name) => NameAddr::with_name(name, uri_of(from)),
            None => name_addr(from),
        };
        let mut cpim = CpimMessage::new(from, name_addr(to), MimePart::text_plain(&body));
        if let Some(at) = line.server_time()
            && let Ok(at) = CpimDateTime::new(at)
        {
            cpim = cpim.with_date_time(at);
        }
        let mut meta = MessageMeta::new(kind);
        meta.action = action;
        // A reply (IRCv3 reply client tag) names its parent's msgid, keyed like this line's own.
        let parent = line
            .tag(super::REPLY_TAG)
            .or_else(|| line.tag("+reply"))
            .and_then(|parent| scope.key(parent));
        if let Some(parent) = parent {
            match self.store.canonical_id(super::ID_NETWORK, &parent) {
                Ok(found) => meta.in_reply_to = found,
                Err(error) => warn!(error = %error, "Looking up a reply's parent failed"),
            }
        }
        if let Some(key) = line.tag("msgid").and_then(|id| scope.key(id)) {
            match self.store.canonical_id(super::ID_NETWORK, &key) {
                Ok(Some(known)) => meta.id = known,
                Ok(None) => {
                    if let Err(error) = self.store.map_message_id(
                        super::ID_NETWORK,
                        &key,
                        &meta.id,
                        SystemTime::now(),
                    ) {
                        warn!(error = %error, "Recording an IRC msgid failed");
                    }
                }
                Err(error) => warn!(error = %error, "Looking up an IRC msgid failed"),
            }
            meta.source_id = Some(key);
        }
        Message { cpim, meta }
    }

    async fn on_join(&mut self, id: ConnId, nick: &str, channel: &str, audience: Audience) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        let mapping = conn.casemapping();
        if conn.is_me(nick) {
            let c = conn.track_channel(channel);
            c.joined = true;
            c.names_complete = false;
            return;
        }
        let network = conn.network.clone();
        let Some(c) = conn.channel_mut(channel) else {
            return;
        };
        c.add(mapping, nick, "");
        if !c.names_complete || self.hidden(&audience, &network, nick) {
            return;
        }
        let change = RoomChange::Joined {
            role: Role::Participant,
            affiliation: Affiliation::None,
        };
        self.show(id, channel, nick, change, &audience).await;
    }

    /// PART, KICK and QUIT: `nick` left `channel`.
    async fn on_leave(
        &mut self,
        id: ConnId,
        nick: &str,
        channel: &str,
        change: RoomChange,
        audience: &Audience,
    ) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        let network = conn.network.clone();
        if conn.is_me(nick) {
            let own = conn
                .nick
                .clone()
                .unwrap_or_else(|| conn.wanted_nick.clone());
            let was_tracked = conn.forget_channel(channel).is_some();
            match (&conn.owner, audience) {
                (Owner::User(_), Audience::User(user)) if was_tracked => {
                    let user = user.clone();
                    self.show_self(&network, channel, &own, &user, change).await;
                    self.close_if_idle(id);
                }
                (Owner::Relay, _) if matches!(change, RoomChange::Kicked { .. }) => {
                    // The relay has to stay to hear the channel: join again.
                    warn!(network = %network, channel, "The relay was kicked; joining again");
                    self.join(id, channel);
                }
                _ => {}
            }
            return;
        }
        let mapping = conn.casemapping();
        let Some(c) = conn.channel_mut(channel) else {
            return;
        };
        let was_member = c.remove(mapping, nick);
        if !was_member || !c.names_complete || self.hidden(audience, &network, nick) {
            return;
        }
        self.show(id, channel, nick, change, audience).await;
    }

    async fn on_nick(&mut self, id: ConnId, old: &str, new: &str, audience: &Audience) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        let mapping = conn.casemapping();
        let network = conn.network.clone();
        let me = conn.is_me(old);
        if me {
            conn.nick = Some(new.to_owned());
        }
        let mut renamed = Vec::new();
        for c in conn.channels.values_mut() {
            if c.rename(mapping, old, new) || me {
                renamed.push(c.name.clone());
            }
        }
        if self.hidden(audience, &network, new) && !me {
            return;
        }
        for channel in renamed {
            let change = RoomChange::NickChanged {
                new_nick: new.to_owned(),
            };
            match (me, audience) {
                (true, Audience::User(user)) => {
                    let user = user.clone();
                    self.show_self(&network, &channel, old, &user, change).await;
                }
                (true, _) => {}
                (false, _) => self.show(id, &channel, old, change, audience).await,
            }
        }
    }

    /// MODE on a channel: status prefixes given or taken become privilege changes (RFC 2811 §4.1, ISUPPORT
    /// PREFIX and CHANMODES say which modes take a parameter).
    async fn on_mode(&mut self, id: ConnId, line: &IrcMessage, _source: &str, audience: &Audience) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        let (Some(channel), Some(modes)) = (line.params.first(), line.params.get(1)) else {
            return;
        };
        if conn.channel(channel).is_none() {
            return;
        }
        let mapping = conn.casemapping();
        let order = conn.isupport.prefixes.clone();
        let isupport = conn.isupport.clone();
        let mut args = line.params.iter().skip(2);
        let mut giving = true;
        let mut changed: Vec<(String, String)> = Vec::new();
        for mode in modes.chars() {
            match mode {
                '+' => giving = true,
                '-' => giving = false,
                mode => {
                    if let Some(&(_, prefix)) = order.iter().find(|(m, _)| *m == mode) {
                        let Some(nick) = args.next() else { break };
                        if let Some(c) = conn.channel_mut(channel)
                            && let Some(now) = c.set_prefix(mapping, nick, prefix, giving, &order)
                        {
                            changed.retain(|(n, _)| n != nick);
                            changed.push((nick.clone(), now));
                        }
                    } else if super::modes::takes_param(&isupport, mode, giving) {
                        args.next();
                    }
                }
            }
        }
        let network = conn.network.clone();
        let me_nick = conn.nick.clone();
        for (nick, prefixes) in changed {
            if self.hidden(audience, &network, &nick) && me_nick.as_deref() != Some(nick.as_str()) {
                continue;
            }
            let (role, affiliation) = role_and_affiliation(&prefixes);
            let change = RoomChange::Privileges { role, affiliation };
            self.show(id, channel, &nick, change, audience).await;
        }
    }

    /// The member list of `channel` is complete: everyone is shown, a transport user's own presence last, then
    /// the topic (XEP-0045 §7.2.3 order).
    async fn on_names_complete(&mut self, id: ConnId, channel: &str, audience: &Audience) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        let network = conn.network.clone();
        let own = conn
            .nick
            .clone()
            .unwrap_or_else(|| conn.wanted_nick.clone());
        let mapping = conn.casemapping();
        let Some(c) = conn.channel_mut(channel) else {
            return;
        };
        if c.names_complete {
            return;
        }
        c.names_complete = true;
        let name = c.name.clone();
        let topic = c.topic.clone();
        let mut members: Vec<(String, String)> = c
            .members()
            .filter(|m| mapping.fold(&m.nick) != mapping.fold(&own))
            .map(|m| (m.nick.clone(), m.prefixes.clone()))
            .collect();
        let own_prefixes = c
            .member(mapping, &own)
            .map(|m| m.prefixes.clone())
            .unwrap_or_default();
        members.sort();
        for (nick, prefixes) in members {
            if self.hidden(audience, &network, &nick) {
                continue;
            }
            let (role, affiliation) = role_and_affiliation(&prefixes);
            self.show(
                id,
                &name,
                &nick,
                RoomChange::Joined { role, affiliation },
                audience,
            )
            .await;
        }
        if let Audience::User(user) = audience {
            let (role, affiliation) = role_and_affiliation(&own_prefixes);
            let user = user.clone();
            self.show_self(
                &network,
                &name,
                &own,
                &user,
                RoomChange::Joined { role, affiliation },
            )
            .await;
            // XEP-0045 §7.2.15: the subject comes last, even when empty.
            self.show_self(
                &network,
                &name,
                &own,
                &user,
                RoomChange::Topic {
                    text: topic.map(|t| wire::irc_to_styling(&t)).unwrap_or_default(),
                },
            )
            .await;
        }
    }

    /// Whether what `nick` does is kept from `audience`: the bridges never hear the gateway's own
    /// connections (their words came from the bridge in the first place); a transport user sees everyone.
    fn hidden(&self, audience: &Audience, network: &str, nick: &str) -> bool {
        matches!(audience, Audience::Bridges) && self.conns.is_ours(network, nick)
    }

    /// Shows `change` of `nick` in `channel` to the connection's audience.
    async fn show(
        &mut self,
        id: ConnId,
        channel: &str,
        nick: &str,
        change: RoomChange,
        audience: &Audience,
    ) {
        let Some(conn) = self.conns.get(id) else {
            return;
        };
        let network = conn.network.clone();
        let Some(room) = channel_address(&network, channel) else {
            return;
        };
        let real_address = nick_address(&network, nick);
        let event = RoomEvent {
            room,
            nick: nick.to_owned(),
            real_address,
            change,
        };
        match audience {
            Audience::Bridges => {
                if self
                    .config
                    .is_bridged(&network, channel, conn.casemapping())
                {
                    self.carry(None, Payload::Room(Box::new(event))).await;
                }
            }
            Audience::User(user) => {
                self.carry(
                    Some(Address::Xmpp(user.clone())),
                    Payload::Room(Box::new(event)),
                )
                .await
            }
            Audience::Nobody => {}
        }
    }

    /// Shows a transport user something about themselves in `channel` (XEP-0045 status 110).
    async fn show_self(
        &mut self,
        network: &str,
        channel: &str,
        nick: &str,
        user: &XmppAddress,
        change: RoomChange,
    ) {
        let Some(room) = channel_address(network, channel) else {
            return;
        };
        let event = RoomEvent {
            room,
            nick: nick.to_owned(),
            real_address: Some(Address::Xmpp(user.clone())),
            change,
        };
        self.carry(
            Some(Address::Xmpp(user.clone())),
            Payload::Room(Box::new(event)),
        )
        .await;
    }

    /// Closes a transport user's connection once it is in no channel (Biboumi keeps one only while it is
    /// needed).
    pub(super) fn close_if_idle(&mut self, id: ConnId) {
        if let Some(conn) = self.conns.get(id)
            && matches!(conn.owner, Owner::User(_) | Owner::Puppet(_))
            && conn.channels.is_empty()
        {
            self.conns.close(id, Some("Left every channel"));
        }
    }
}

/// Whether `target` names a channel (ISUPPORT CHANTYPES, `#&` when the server did not say).
pub(super) fn is_channel_name(isupport: &Isupport, target: &str) -> bool {
    let types = if isupport.chantypes.is_empty() {
        "#&"
    } else {
        isupport.chantypes.as_str()
    };
    target.starts_with(|c: char| types.contains(c))
}
