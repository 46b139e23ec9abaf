//! The `local@domain` mailbox shared by `mailto:` (RFC 6068), `im:` (RFC 3860) and `pres:` (RFC 3859).

use std::fmt;

use thiserror::Error;

use super::percent;
use super::{Scheme, strip_scheme};

/// RFC 5321 §4.5.3.1.1: a local part is at most 64 octets.
const MAX_LOCAL_LEN: usize = 64;
/// RFC 5321 §4.5.3.1.2: a domain is at most 255 octets.
const MAX_DOMAIN_LEN: usize = 255;

/// Why a string is not a valid `mailto:`, `im:` or `pres:` address.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MailboxError {
    /// Happens when the string does not start with the expected scheme.
    #[error("`{input}` is not a {expected}: URI")]
    WrongScheme {
        /// The scheme the caller asked for.
        expected: Scheme,
        /// The string given.
        input: String,
    },
    /// Happens when nothing follows the scheme.
    #[error("{0}: URI has no address after the scheme")]
    Empty(Scheme),
    /// Happens when the URI carries header fields such as `?subject=` (RFC 6068 §2), which an address cannot
    /// carry.
    #[error("`{0}` carries header fields (?...); give only the address")]
    HeaderFields(String),
    /// Happens when the URI lists more than one address separated by commas (RFC 6068 §2 `to`).
    #[error("`{0}` names more than one address; give one address per URI")]
    MultipleAddresses(String),
    /// Happens when a `%` is not followed by two hex digits or the decoded octets are not UTF-8.
    #[error("`{0}` has a malformed percent-escape or escapes octets that are not UTF-8")]
    BadPercentEncoding(String),
    /// Happens when the address, once unescaped, holds a CR, LF or NUL, which could inject mail headers.
    #[error("address holds a CR, LF or NUL character")]
    ControlCharacter,
    /// Happens when there is no `@` between the local part and the domain.
    #[error("mailbox `{0}` has no @ between the local part and the domain")]
    MissingAt(String),
    /// Happens when the local part before the `@` is empty.
    #[error("mailbox `{0}` has an empty local part")]
    EmptyLocalPart(String),
    /// Happens when the local part is longer than 64 octets (RFC 5321 §4.5.3.1.1).
    #[error("mailbox local part is longer than 64 octets")]
    LocalPartTooLong,
    /// Happens when the local part is neither a dot-atom nor a quoted string (RFC 5322 §3.4.1).
    #[error("mailbox local part `{0}` is neither a dot-atom nor a quoted string (RFC 5322 §3.4.1)")]
    InvalidLocalPart(String),
    /// Happens when the domain is longer than 255 octets (RFC 5321 §4.5.3.1.2).
    #[error("mailbox domain is longer than 255 octets")]
    DomainTooLong,
    /// Happens when the domain is neither a dotted host name nor a `[...]` literal (RFC 5322 §3.4.1).
    #[error("mailbox domain `{0}` is neither a host name nor an address literal (RFC 5322 §3.4.1)")]
    InvalidDomain(String),
}

/// A validated `local@domain`; the local part is kept as written, the domain lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Mailbox {
    pub(crate) local: String,
    pub(crate) domain: String,
}

/// RFC 5322 §3.2.3 `atext`, extended to non-ASCII by RFC 6532 §3.2.
fn is_atext(c: char) -> bool {
    !c.is_ascii() || c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

fn is_dot_atom(text: &str) -> bool {
    text.split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(is_atext))
}

/// RFC 5322 §3.2.4 `quoted-string` without folding white space.
fn is_quoted_string(text: &str) -> bool {
    let Some(inner) = text
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        return false;
    };
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        let ok = match c {
            '\\' => chars.next().is_some_and(|next| {
                next == ' ' || next == '\t' || next.is_ascii_graphic() || !next.is_ascii()
            }),
            '"' => false,
            ' ' | '\t' => true,
            _ => c.is_ascii_graphic() || !c.is_ascii(),
        };
        if !ok {
            return false;
        }
    }
    true
}

fn is_domain(text: &str) -> bool {
    if let Some(literal) = text
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        return !literal.is_empty()
            && literal
                .chars()
                .all(|c| c.is_ascii_graphic() && !"[]\\".contains(c));
    }
    text.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    })
}

impl Mailbox {
    /// Parses `scheme:local@domain`.
    pub(crate) fn parse(input: &str, scheme: Scheme) -> Result<Mailbox, MailboxError> {
        let rest =
            strip_scheme(input, scheme.as_str()).ok_or_else(|| MailboxError::WrongScheme {
                expected: scheme,
                input: input.to_owned(),
            })?;
        if rest.is_empty() {
            return Err(MailboxError::Empty(scheme));
        }
        if rest.contains('?') {
            return Err(MailboxError::HeaderFields(input.to_owned()));
        }
        if rest.contains(',') {
            return Err(MailboxError::MultipleAddresses(input.to_owned()));
        }
        let decoded = percent::decode(rest)
            .map_err(|_| MailboxError::BadPercentEncoding(input.to_owned()))?;
        Mailbox::from_decoded(&decoded)
    }

    /// Validates an unescaped `local@domain`.
    pub(crate) fn from_decoded(mailbox: &str) -> Result<Mailbox, MailboxError> {
        if mailbox.chars().any(percent::is_line_breaking) {
            return Err(MailboxError::ControlCharacter);
        }
        let (local, domain) = mailbox
            .rsplit_once('@')
            .ok_or_else(|| MailboxError::MissingAt(mailbox.to_owned()))?;
        if local.is_empty() {
            return Err(MailboxError::EmptyLocalPart(mailbox.to_owned()));
        }
        if local.len() > MAX_LOCAL_LEN {
            return Err(MailboxError::LocalPartTooLong);
        }
        if !is_dot_atom(local) && !is_quoted_string(local) {
            return Err(MailboxError::InvalidLocalPart(local.to_owned()));
        }
        if domain.len() > MAX_DOMAIN_LEN {
            return Err(MailboxError::DomainTooLong);
        }
        if !is_domain(domain) {
            return Err(MailboxError::InvalidDomain(domain.to_owned()));
        }
        Ok(Mailbox {
            local: local.to_owned(),
            domain: domain.to_lowercase(),
        })
    }

    /// Writes `scheme:local@domain` with RFC 6068 §2 escaping.
    pub(crate) fn write_uri(&self, scheme: Scheme, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // RFC 6068 §2 `some-delims` minus `,` and `@`, which would split the address when read back.
        let keep = |c: char| percent::is_unreserved(c) || "!$'()*+;:".contains(c);
        write!(
            f,
            "{scheme}:{}@{}",
            percent::encode(&self.local, keep),
            percent::encode(&self.domain, |c| keep(c) || c == '[' || c == ']')
        )
    }
}
