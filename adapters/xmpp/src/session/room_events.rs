//! The session's handling of rooms: events of remote rooms shown in bridged MUCs or in rooms at the
//! component, and what happens in bridged MUCs carried into the core.

use switchboard_core::adapter::AdapterContext;
use switchboard_core::address::{Address, IrcAddress, XmppAddress};
use switchboard_core::envelope::{Envelope, EnvelopeId, Payload};
use switchboard_core::room::RoomEvent;
use tracing::{debug, warn};

use super::Session;
use crate::ids;
use crate::proto::Element;
use crate::rooms::RoomInbound;
use crate::transport_rooms;

impl Session {
    /// Shows an event of a remote room in the bridged MUC it is for.
    pub(super) async fn show_room_event(&mut self, recipient: Option<&Address>, event: &RoomEvent) {
        let Some(Address::Xmpp(target)) = recipient else {
            warn!(room = %event.room, "Room event not shown: it names no XMPP recipient");
            return;
        };
        if !self.rooms.is_bridged(target) {
            // A channel's event for one transport user, shown in the component room they joined.
            let user = target.clone();
            for stanza in transport_rooms::event_to_xmpp(event, &user, &self.config.domains) {
                let domain = stanza
                    .attr("from")
                    .and_then(|f| XmppAddress::from_jid_str(f).ok())
                    .map(|f| f.domain().to_owned())
                    .unwrap_or_else(|| self.main_domain.clone());
                self.send_to_domain(&domain, stanza, None).await;
            }
            return;
        }
        let room = target;
        let person = event.real_address.clone().or_else(|| match &event.room {
            Address::Irc(channel) => IrcAddress::nick(channel.network(), &event.nick)
                .ok()
                .map(Address::Irc),
            _ => None,
        });
        let Some(person) = person.and_then(|p| self.config.domains.to_jid(&p)) else {
            warn!(room = %event.room, nick = %event.nick, "Room event not shown: no JID for the person");
            return;
        };
        let room = room.clone();
        let stanzas = self
            .rooms
            .event_stanzas(&room, event, &person.bare().jid().to_string());
        let domain = self.main_domain.clone();
        for stanza in stanzas {
            self.send_to_domain(&domain, stanza, None).await;
        }
    }

    /// Carries what happens in a bridged room into the core.
    pub(super) async fn on_room_stanza(
        &mut self,
        cx: &AdapterContext,
        inbound: RoomInbound,
        stanza: &Element,
    ) {
        let payload = match inbound {
            RoomInbound::Ignore => return,
            RoomInbound::Send(stanzas) => {
                let domain = self.main_domain.clone();
                for stanza in stanzas {
                    self.send_to_domain(&domain, stanza, None).await;
                }
                return;
            }
            RoomInbound::Event(event) => Payload::Room(event),
            RoomInbound::Message => {
                match self
                    .mapper
                    .room_message_to_core(stanza, time::OffsetDateTime::now_utc())
                {
                    Ok(mut message) => {
                        ids::inbound(cx.store.as_ref(), &mut message);
                        Payload::Message(Box::new(message))
                    }
                    Err(error) => {
                        debug!(error = %error, "Room message not carried");
                        return;
                    }
                }
            }
        };
        self.next_envelope += 1;
        let _ = cx
            .to_core
            .send(Envelope::new(EnvelopeId(self.next_envelope), payload))
            .await;
    }
}
