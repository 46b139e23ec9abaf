//! Room events: what happens in a multi-user room besides messages (XEP-0045 occupants, IRC JOIN/PART/KICK).

use serde::{Deserialize, Serialize};

use crate::address::Address;

/// Something that happened in a room, relayed across a bridge or to the room's XMPP presentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomEvent {
    /// The room, on the network where it happened (`xmpp:room@conference.example.org`, `irc://libera/#dev`).
    pub room: Address,
    /// The occupant it concerns, by their nick in the room.
    pub nick: String,
    /// The occupant's real address, when the network tells it (an IRC `nick!user@host` made into an address, a
    /// non-anonymous MUC's real JID).
    pub real_address: Option<Address>,
    /// What happened.
    pub change: RoomChange,
}

/// What happened in a room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RoomChange {
    /// The occupant joined (XEP-0045 §7.2, IRC JOIN) with this role and affiliation.
    Joined {
        /// Their role.
        role: Role,
        /// Their affiliation.
        affiliation: Affiliation,
    },
    /// The occupant left (IRC PART/QUIT), with the reason they gave.
    Left {
        /// The part or quit message.
        reason: Option<String>,
    },
    /// The occupant changed nick (XEP-0045 status 303, IRC NICK).
    NickChanged {
        /// The new nick.
        new_nick: String,
    },
    /// The occupant set the subject (XEP-0045 §8.1, IRC TOPIC).
    Topic {
        /// The new subject; empty clears it.
        text: String,
    },
    /// The occupant was removed by a moderator (XEP-0045 status 307, IRC KICK).
    Kicked {
        /// Who kicked them, by nick.
        by: Option<String>,
        /// The reason given.
        reason: Option<String>,
    },
    /// The occupant was banned (XEP-0045 status 301, IRC MODE +b then KICK).
    Banned {
        /// Who banned them, by nick.
        by: Option<String>,
        /// The reason given.
        reason: Option<String>,
    },
    /// The occupant's role or affiliation changed (IRC MODE +o/+v, XEP-0045 §9/§10).
    Privileges {
        /// The new role.
        role: Role,
        /// The new affiliation.
        affiliation: Affiliation,
    },
}

/// XEP-0045 §5.1 roles; IRC prefixes map onto them (`@`/`%` moderator, `+` participant, none visitor in +m).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Can kick and grant voice.
    Moderator,
    /// Can speak.
    Participant,
    /// Cannot speak in a moderated room.
    Visitor,
    /// Not in the room.
    None,
}

/// XEP-0045 §5.2 affiliations; IRC prefixes map onto them (`~` owner, `&` admin, `@` admin, `%`/`+` member).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Affiliation {
    /// Owns the room.
    Owner,
    /// Administers the room.
    Admin,
    /// A registered member.
    Member,
    /// Banned.
    Outcast,
    /// No affiliation.
    None,
}
