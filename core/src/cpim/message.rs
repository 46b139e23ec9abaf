//! The CPIM message: ordered message headers and the encapsulated MIME part (RFC 3862 §2).

use serde::{Deserialize, Serialize};

use super::error::CpimError;
use super::mime::MimePart;
use super::values::{
    CpimDateTime, ExtensionHeader, HeaderName, LanguageTag, NameAddr, NsDeclaration, Subject,
};

/// One message header (RFC 3862 §3, §4), in the order it stands in the message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Header {
    /// `From`: the sender (RFC 3862 §4.1); exactly one per message.
    From(NameAddr),
    /// `To`: a recipient (RFC 3862 §4.2); at least one per message.
    To(NameAddr),
    /// `cc`: a recipient to be informed (RFC 3862 §4.3).
    Cc(NameAddr),
    /// `DateTime`: when the message was sent (RFC 3862 §4.4); at most one.
    DateTime(CpimDateTime),
    /// `Subject`, possibly one per language (RFC 3862 §4.5).
    Subject(Subject),
    /// `NS`: a namespace declaration for later header names (RFC 3862 §4.6).
    Ns(NsDeclaration),
    /// `Require`: header names the recipient must understand (RFC 3862 §4.7).
    Require(Vec<HeaderName>),
    /// Any other header, kept in its place (RFC 3862 §3.4).
    Extension(ExtensionHeader),
}

/// A `message/cpim` body (RFC 3862): message headers in order, then the encapsulated MIME part.
///
/// Always holds exactly one `From`, at least one `To` and at most one `DateTime`: every way of building one
/// (parsing, [`CpimMessage::new`], the builders, serde) keeps that true.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "MessageFields")]
pub struct CpimMessage {
    headers: Vec<Header>,
    content: MimePart,
}

#[derive(Deserialize)]
struct MessageFields {
    headers: Vec<Header>,
    content: MimePart,
}

impl TryFrom<MessageFields> for CpimMessage {
    type Error = CpimError;
    fn try_from(fields: MessageFields) -> Result<Self, CpimError> {
        Self::from_parts(fields.headers, fields.content)
    }
}

impl CpimMessage {
    /// A message `From: from`, `To: to`, carrying `content`.
    pub fn new(from: NameAddr, to: NameAddr, content: MimePart) -> Self {
        Self {
            headers: vec![Header::From(from), Header::To(to)],
            content,
        }
    }

    /// Puts headers and content together, checking the mandatory headers (RFC 3862 §4.1, §4.2): fails with
    /// [`CpimError::MissingFrom`], [`CpimError::MissingTo`] or [`CpimError::AlreadyHasHeader`].
    pub fn from_parts(headers: Vec<Header>, content: MimePart) -> Result<Self, CpimError> {
        let count = |pick: fn(&Header) -> bool| headers.iter().filter(|h| pick(h)).count();
        match count(|h| matches!(h, Header::From(_))) {
            0 => return Err(CpimError::MissingFrom),
            1 => {}
            _ => return Err(CpimError::AlreadyHasHeader { name: "From" }),
        }
        if count(|h| matches!(h, Header::To(_))) == 0 {
            return Err(CpimError::MissingTo);
        }
        if count(|h| matches!(h, Header::DateTime(_))) > 1 {
            return Err(CpimError::AlreadyHasHeader { name: "DateTime" });
        }
        Ok(Self { headers, content })
    }

    /// Adds `header` after the present ones; fails with [`CpimError::AlreadyHasHeader`] for a second `From` or
    /// `DateTime`.
    pub fn push_header(&mut self, header: Header) -> Result<&mut Self, CpimError> {
        let clash = match &header {
            Header::From(_) => Some("From"),
            Header::DateTime(_) if self.date_time().is_some() => Some("DateTime"),
            _ => None,
        };
        if let Some(name) = clash {
            return Err(CpimError::AlreadyHasHeader { name });
        }
        self.headers.push(header);
        Ok(self)
    }

    /// Adds a `To` recipient.
    pub fn with_to(mut self, to: NameAddr) -> Self {
        self.headers.push(Header::To(to));
        self
    }

    /// Adds a `cc` recipient.
    pub fn with_cc(mut self, cc: NameAddr) -> Self {
        self.headers.push(Header::Cc(cc));
        self
    }

    /// Sets `DateTime`, replacing a present one in its place.
    pub fn with_date_time(mut self, at: CpimDateTime) -> Self {
        match self
            .headers
            .iter_mut()
            .find(|h| matches!(h, Header::DateTime(_)))
        {
            Some(slot) => *slot = Header::DateTime(at),
            None => self.headers.push(Header::DateTime(at)),
        }
        self
    }

    /// Adds a `Subject`, optionally tagged with its language.
    pub fn with_subject(mut self, text: impl Into<String>, lang: Option<LanguageTag>) -> Self {
        self.headers.push(Header::Subject(Subject {
            lang,
            text: text.into(),
        }));
        self
    }

    /// Adds an `NS` declaration (RFC 3862 §3.4); declare a prefix before the headers that use it.
    pub fn with_namespace(mut self, ns: NsDeclaration) -> Self {
        self.headers.push(Header::Ns(ns));
        self
    }

    /// Adds a `Require` header naming headers the recipient must understand (RFC 3862 §3.5).
    pub fn with_require(mut self, names: Vec<HeaderName>) -> Self {
        self.headers.push(Header::Require(names));
        self
    }

    /// Adds an extension header.
    pub fn with_extension(mut self, header: ExtensionHeader) -> Self {
        self.headers.push(Header::Extension(header));
        self
    }

    /// All message headers, in order.
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// The encapsulated MIME part.
    pub fn content(&self) -> &MimePart {
        &self.content
    }

    /// The encapsulated MIME part, to change.
    pub fn content_mut(&mut self) -> &mut MimePart {
        &mut self.content
    }

    /// Gives up the message for its MIME part.
    pub fn into_content(self) -> MimePart {
        self.content
    }

    /// The sender (RFC 3862 §4.1).
    pub fn from(&self) -> &NameAddr {
        self.headers
            .iter()
            .find_map(|h| match h {
                Header::From(addr) => Some(addr),
                _ => None,
            })
            .expect("every CpimMessage holds a From header")
    }

    /// The recipients, in order (RFC 3862 §4.2).
    pub fn to(&self) -> impl Iterator<Item = &NameAddr> {
        self.headers.iter().filter_map(|h| match h {
            Header::To(addr) => Some(addr),
            _ => None,
        })
    }

    /// The `cc` recipients, in order (RFC 3862 §4.3).
    pub fn cc(&self) -> impl Iterator<Item = &NameAddr> {
        self.headers.iter().filter_map(|h| match h {
            Header::Cc(addr) => Some(addr),
            _ => None,
        })
    }

    /// When the message was sent, if it says (RFC 3862 §4.4).
    pub fn date_time(&self) -> Option<&CpimDateTime> {
        self.headers.iter().find_map(|h| match h {
            Header::DateTime(at) => Some(at),
            _ => None,
        })
    }

    /// The subjects, in order (RFC 3862 §4.5).
    pub fn subjects(&self) -> impl Iterator<Item = &Subject> {
        self.headers.iter().filter_map(|h| match h {
            Header::Subject(subject) => Some(subject),
            _ => None,
        })
    }

    /// The namespace declarations, in order (RFC 3862 §4.6).
    pub fn namespaces(&self) -> impl Iterator<Item = &NsDeclaration> {
        self.headers.iter().filter_map(|h| match h {
            Header::Ns(ns) => Some(ns),
            _ => None,
        })
    }

    /// Every header name listed by `Require` headers, in order (RFC 3862 §4.7).
    pub fn require(&self) -> impl Iterator<Item = &HeaderName> {
        self.headers
            .iter()
            .filter_map(|h| match h {
                Header::Require(names) => Some(names.iter()),
                _ => None,
            })
            .flatten()
    }

    /// The extension headers, in order.
    pub fn extensions(&self) -> impl Iterator<Item = &ExtensionHeader> {
        self.headers.iter().filter_map(|h| match h {
            Header::Extension(ext) => Some(ext),
            _ => None,
        })
    }

    /// The `Require`d header names `understood` says no to. RFC 3862 §3.5: a recipient that does not
    /// understand one of them must not process the message.
    pub fn unsupported_requirements(
        &self,
        understood: impl Fn(&HeaderName) -> bool,
    ) -> Vec<&HeaderName> {
        self.require().filter(|name| !understood(name)).collect()
    }
}
