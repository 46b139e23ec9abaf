//! The protocol-neutral presence model: RFC 3859 common presence, in the shape of a PIDF document (RFC 3863)
//! with the RPID activities of RFC 4480 for away, busy and the like.
//!
//! Adapters translate their network's presence into a [`Presence`] and back; [`Presence::show`] gives the
//! XMPP-style summary that most networks can express.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::OffsetDateTime;

use crate::address::Address;

/// Why a presence document is invalid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PresenceError {
    /// Happens when a tuple id is empty, does not start with a letter or `_`, or holds a character other
    /// than letters, digits, `.`, `-` and `_` (RFC 3863 §4.1.2: an XML `ID`).
    #[error(
        "presence tuple id `{0}` must start with a letter or '_' and hold only letters, digits, '.', '-' or '_'"
    )]
    InvalidTupleId(String),
    /// Happens when two tuples share an id (RFC 3863 §4.1.2: unique within the document).
    #[error("presence tuple id `{0}` is used by more than one tuple")]
    DuplicateTupleId(String),
    /// Happens when a note's language is not a well-formed language tag (RFC 3863 §4.1.6, BCP 47).
    #[error("presence note language `{0}` is not a language tag such as en or pt-BR")]
    InvalidLanguageTag(String),
}

/// Why a contact priority is invalid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PriorityError {
    /// Happens when the text is not a decimal number such as `0.5`.
    #[error("contact priority `{0}` is not a decimal number such as 0.5")]
    NotANumber(String),
    /// Happens when the value is below 0 or above 1 (RFC 3863 §4.1.5).
    #[error("contact priority `{0}` is outside 0 to 1")]
    OutOfRange(String),
    /// Happens when the value has more than three decimals (RFC 3863 §4.1.5, the `qvalue` of RFC 3261 §25.1).
    #[error("contact priority `{0}` has more than three decimals")]
    TooManyDecimals(String),
}

/// A presence document about one entity (RFC 3863 §4.1.1 `<presence>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawPresence")]
pub struct Presence {
    /// The presentity (RFC 3863 §4.1.1 `entity`): a `pres:` URI or any other address.
    pub entity: Address,
    /// One tuple per device or service (RFC 3863 §4.1.2).
    pub tuples: Vec<Tuple>,
    /// Notes about the entity as a whole (RFC 3863 §4.1.6).
    pub notes: Vec<Note>,
}

/// Mirror of [`Presence`] used to validate deserialised documents.
#[derive(Deserialize)]
struct RawPresence {
    entity: Address,
    tuples: Vec<Tuple>,
    notes: Vec<Note>,
}

impl TryFrom<RawPresence> for Presence {
    type Error = PresenceError;

    fn try_from(raw: RawPresence) -> Result<Self, Self::Error> {
        let presence = Presence {
            entity: raw.entity,
            tuples: raw.tuples,
            notes: raw.notes,
        };
        presence.validate()?;
        Ok(presence)
    }
}

/// The tuple id used by [`Presence::available`] and [`Presence::unavailable`].
pub const DEFAULT_TUPLE_ID: &str = "default";

impl Presence {
    /// The entity is available: one open tuple with id [`DEFAULT_TUPLE_ID`].
    pub fn available(entity: Address) -> Self {
        Presence {
            entity,
            tuples: vec![Tuple::new(DEFAULT_TUPLE_ID, BasicStatus::Open)],
            notes: Vec::new(),
        }
    }

    /// The entity is unavailable: one closed tuple with id [`DEFAULT_TUPLE_ID`].
    pub fn unavailable(entity: Address) -> Self {
        Presence {
            entity,
            tuples: vec![Tuple::new(DEFAULT_TUPLE_ID, BasicStatus::Closed)],
            notes: Vec::new(),
        }
    }

    /// Whether any tuple is open (RFC 3863 §4.1.4: `open` means able to receive instant messages).
    pub fn is_available(&self) -> bool {
        self.tuples
            .iter()
            .any(|tuple| tuple.status == BasicStatus::Open)
    }

    /// The XMPP-style summary (RFC 6121 §4.7.2.1): the most available [`Show`] among the open tuples, or
    /// `None` when no tuple is open.
    pub fn show(&self) -> Option<Show> {
        self.tuples
            .iter()
            .filter(|tuple| tuple.status == BasicStatus::Open)
            .map(Tuple::show)
            .min_by_key(|show| show.rank())
    }

    /// Checks the rules a deserialised document is held to: tuple ids well-formed and unique, note languages
    /// well-formed.
    pub fn validate(&self) -> Result<(), PresenceError> {
        for (index, tuple) in self.tuples.iter().enumerate() {
            if !is_xml_id(&tuple.id) {
                return Err(PresenceError::InvalidTupleId(tuple.id.clone()));
            }
            if self.tuples[..index]
                .iter()
                .any(|earlier| earlier.id == tuple.id)
            {
                return Err(PresenceError::DuplicateTupleId(tuple.id.clone()));
            }
        }
        let notes = self
            .notes
            .iter()
            .chain(self.tuples.iter().flat_map(|tuple| &tuple.notes));
        for note in notes {
            if let Some(lang) = &note.lang
                && !is_language_tag(lang)
            {
                return Err(PresenceError::InvalidLanguageTag(lang.clone()));
            }
        }
        Ok(())
    }
}

/// RFC 3863 §4.1.2: the tuple id is an XML `ID`; this accepts its ASCII subset.
fn is_xml_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// BCP 47 shape: subtags of 1 to 8 letters or digits separated by `-`, the first made of letters.
fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let first_ok = subtags.next().is_some_and(|first| {
        (1..=8).contains(&first.len()) && first.chars().all(|c| c.is_ascii_alphabetic())
    });
    first_ok
        && subtags.all(|subtag| {
            (1..=8).contains(&subtag.len()) && subtag.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

/// One device or service of the entity (RFC 3863 §4.1.2 `<tuple>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tuple {
    /// Identifies the tuple within the document (RFC 3863 §4.1.2).
    pub id: String,
    /// Whether the tuple can receive messages (RFC 3863 §4.1.4).
    pub status: BasicStatus,
    /// Where to reach it (RFC 3863 §4.1.5).
    pub contact: Option<Contact>,
    /// Notes about this tuple (RFC 3863 §4.1.6).
    pub notes: Vec<Note>,
    /// What the person is doing (RFC 4480 §3.2).
    pub activity: Option<Activity>,
    /// When this tuple last changed (RFC 3863 §4.1.7).
    #[serde(with = "rfc3339_option")]
    pub timestamp: Option<OffsetDateTime>,
}

impl Tuple {
    /// A tuple with only an id and a status.
    pub fn new(id: &str, status: BasicStatus) -> Self {
        Tuple {
            id: id.to_owned(),
            status,
            contact: None,
            notes: Vec::new(),
            activity: None,
            timestamp: None,
        }
    }

    /// The XMPP-style show of this tuple, from its activity; closed tuples still map their activity.
    ///
    /// RPID `busy` and its kin (on-the-phone, meeting) give `dnd`; `away` gives `away`; the XMPP-only extended
    /// away, and sleeping and vacation, give `xa`; no activity or an unlisted one gives plain availability.
    pub fn show(&self) -> Show {
        match &self.activity {
            None | Some(Activity::Unknown(_)) => Show::Available,
            Some(Activity::Chat) => Show::Chat,
            Some(Activity::Away) => Show::Away,
            Some(Activity::ExtendedAway | Activity::Sleeping | Activity::Vacation) => Show::Xa,
            Some(Activity::Busy | Activity::OnThePhone | Activity::Meeting) => Show::Dnd,
        }
    }
}

/// RFC 3863 §4.1.4 `<basic>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BasicStatus {
    /// Can receive instant messages.
    Open,
    /// Cannot receive instant messages.
    Closed,
}

/// Where a tuple can be reached (RFC 3863 §4.1.5 `<contact>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// The contact address.
    pub uri: Address,
    /// Preference among the entity's contacts; higher is preferred.
    pub priority: Option<Priority>,
}

/// A contact priority from 0 to 1 with at most three decimals (RFC 3863 §4.1.5, a `qvalue` of RFC 3261
/// §25.1); serialised as its decimal text, such as `"0.8"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Priority(u16);

impl Priority {
    /// The lowest priority, 0.
    pub const MIN: Priority = Priority(0);
    /// The highest priority, 1.
    pub const MAX: Priority = Priority(1000);

    /// A priority from thousandths: 0 to 1000.
    pub fn from_thousandths(thousandths: u16) -> Result<Self, PriorityError> {
        if thousandths > 1000 {
            return Err(PriorityError::OutOfRange(format!(
                "{}",
                f64::from(thousandths) / 1000.0
            )));
        }
        Ok(Priority(thousandths))
    }

    /// The priority in thousandths.
    pub fn thousandths(self) -> u16 {
        self.0
    }

    /// The priority as a number from 0 to 1.
    pub fn value(self) -> f64 {
        f64::from(self.0) / 1000.0
    }
}

impl TryFrom<f64> for Priority {
    type Error = PriorityError;

    fn try_from(value: f64) -> Result<Self, Self::Error> {
        if !value.is_finite() {
            return Err(PriorityError::NotANumber(value.to_string()));
        }
        if !(0.0..=1.0).contains(&value) {
            return Err(PriorityError::OutOfRange(value.to_string()));
        }
        let thousandths = (value * 1000.0).round();
        if (thousandths / 1000.0 - value).abs() > 1e-9 {
            return Err(PriorityError::TooManyDecimals(value.to_string()));
        }
        // In range 0..=1000 by the checks above.
        Ok(Priority(thousandths as u16))
    }
}

impl FromStr for Priority {
    type Err = PriorityError;

    /// Accepts `0`, `1`, `0.5`, `.5`, `1.000`; rejects signs, exponents and more than three decimals.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let not_a_number = || PriorityError::NotANumber(s.to_owned());
        let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
        let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction)
        {
            return Err(not_a_number());
        }
        let whole = whole.trim_start_matches('0');
        // Anything of two or more significant digits is above 1 whatever the fraction.
        if whole.len() > 1 {
            return Err(PriorityError::OutOfRange(s.to_owned()));
        }
        let whole_value = whole.bytes().fold(0u32, |_, digit| u32::from(digit - b'0'));
        let significant = fraction.trim_end_matches('0');
        if significant.len() > 3 {
            return Err(PriorityError::TooManyDecimals(s.to_owned()));
        }
        let thousandths = significant
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(3)
            .fold(0u32, |acc, digit| acc * 10 + u32::from(digit - b'0'));
        let total = whole_value * 1000 + thousandths;
        if total > 1000 {
            return Err(PriorityError::OutOfRange(s.to_owned()));
        }
        Ok(Priority(total as u16))
    }
}

impl fmt::Display for Priority {
    /// Shortest decimal form: `0`, `1`, `0.5`, `0.125`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            1000 => f.write_str("1"),
            0 => f.write_str("0"),
            thousandths => {
                let digits = format!("{thousandths:03}");
                write!(f, "0.{}", digits.trim_end_matches('0'))
            }
        }
    }
}

impl Serialize for Priority {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Priority {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Free text about the entity or a tuple, in a language (RFC 3863 §4.1.6 `<note>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Note {
    /// The `xml:lang` language tag, if known.
    pub lang: Option<String>,
    /// The text.
    pub text: String,
}

impl Note {
    /// A note with no language tag.
    pub fn new(text: &str) -> Self {
        Note {
            lang: None,
            text: text.to_owned(),
        }
    }
}

/// What the person is doing (RFC 4480 §3.2 `<activities>`), with the two XMPP states RPID lacks.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Activity {
    /// RPID `away`; XMPP `away`.
    Away,
    /// RPID `busy`; XMPP `dnd`.
    Busy,
    /// XMPP `xa` (extended away), which RPID has no token for.
    ExtendedAway,
    /// XMPP `chat` (free for chat), which RPID has no token for.
    Chat,
    /// RPID `on-the-phone`.
    OnThePhone,
    /// RPID `meeting`.
    Meeting,
    /// RPID `sleeping`.
    Sleeping,
    /// RPID `vacation`.
    Vacation,
    /// Any other RPID activity token (RFC 4480 §3.2 lists more, such as `meal` or `travel`), kept as given.
    Unknown(String),
}

impl Activity {
    /// The token: the RPID element name, or `extended-away` / `chat` for the XMPP-only states.
    pub fn as_str(&self) -> &str {
        match self {
            Activity::Away => "away",
            Activity::Busy => "busy",
            Activity::ExtendedAway => "extended-away",
            Activity::Chat => "chat",
            Activity::OnThePhone => "on-the-phone",
            Activity::Meeting => "meeting",
            Activity::Sleeping => "sleeping",
            Activity::Vacation => "vacation",
            Activity::Unknown(token) => token,
        }
    }

    /// Maps a token back; XMPP's `dnd` and `xa` are accepted as [`Activity::Busy`] and
    /// [`Activity::ExtendedAway`], anything unlisted becomes [`Activity::Unknown`].
    pub fn from_token(token: &str) -> Activity {
        match token {
            "away" => Activity::Away,
            "busy" | "dnd" => Activity::Busy,
            "extended-away" | "xa" => Activity::ExtendedAway,
            "chat" => Activity::Chat,
            "on-the-phone" => Activity::OnThePhone,
            "meeting" => Activity::Meeting,
            "sleeping" => Activity::Sleeping,
            "vacation" => Activity::Vacation,
            other => Activity::Unknown(other.to_owned()),
        }
    }
}

/// The XMPP presence summary (RFC 6121 §4.7.2.1 `<show/>`, with plain availability as
/// [`Show::Available`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Show {
    /// Online, no `<show/>`.
    Available,
    /// `chat`: actively interested in chatting.
    Chat,
    /// `away`: temporarily away.
    Away,
    /// `xa`: away for an extended period.
    Xa,
    /// `dnd`: busy, do not disturb.
    Dnd,
}

impl Show {
    /// Lower is more available; used to summarise several open tuples.
    fn rank(self) -> u8 {
        match self {
            Show::Chat => 0,
            Show::Available => 1,
            Show::Away => 2,
            Show::Xa => 3,
            Show::Dnd => 4,
        }
    }

    /// The RFC 6121 `<show/>` value, `None` for plain availability.
    pub fn as_xmpp(self) -> Option<&'static str> {
        match self {
            Show::Available => None,
            Show::Chat => Some("chat"),
            Show::Away => Some("away"),
            Show::Xa => Some("xa"),
            Show::Dnd => Some("dnd"),
        }
    }
}

/// RFC 3339 text for the optional timestamp (RFC 3863 §4.1.7 uses that format), read through a plain string
/// so that non-self-describing formats such as postcard can carry it.
mod rfc3339_option {
    use std::borrow::Cow;

    use serde::{Deserialize, Deserializer, Serializer, de, ser};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    pub(super) fn serialize<S: Serializer>(
        timestamp: &Option<OffsetDateTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match timestamp {
            Some(timestamp) => {
                let text = timestamp.format(&Rfc3339).map_err(ser::Error::custom)?;
                serializer.serialize_some(&text)
            }
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        Option::<Cow<'de, str>>::deserialize(deserializer)?
            .map(|text| OffsetDateTime::parse(&text, &Rfc3339).map_err(de::Error::custom))
            .transpose()
    }
}
