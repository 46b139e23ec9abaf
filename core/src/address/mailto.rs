//! `mailto:` URIs (RFC 6068), restricted to one mailbox and no header fields.

use std::fmt;
use std::str::FromStr;

use super::Scheme;
use super::mailbox::{Mailbox, MailboxError};

/// One e-mail mailbox as a `mailto:` URI (RFC 6068 §2): the local part kept as written, the domain
/// lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MailtoAddress(Mailbox);

impl MailtoAddress {
    /// Validates an unescaped `local@domain` mailbox (RFC 5322 §3.4.1 `addr-spec`).
    pub fn from_mailbox(mailbox: &str) -> Result<Self, MailboxError> {
        Mailbox::from_decoded(mailbox).map(MailtoAddress)
    }

    /// The local part, unescaped and as written.
    pub fn local(&self) -> &str {
        &self.0.local
    }

    /// The domain, lowercase.
    pub fn domain(&self) -> &str {
        &self.0.domain
    }
}

impl FromStr for MailtoAddress {
    type Err = MailboxError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mailbox::parse(s, Scheme::Mailto).map(MailtoAddress)
    }
}

impl fmt::Display for MailtoAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write_uri(Scheme::Mailto, f)
    }
}
