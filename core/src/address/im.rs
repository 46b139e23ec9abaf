//! `im:` (RFC 3860 §3) and `pres:` (RFC 3859 §4) URIs: protocol-neutral `user@domain` addresses.

use std::fmt;
use std::str::FromStr;

use super::Scheme;
use super::mailbox::{Mailbox, MailboxError};

/// An abstract instant-messaging address, `im:user@domain` (RFC 3860 §3), without header fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImAddress(Mailbox);

/// An abstract presence address, `pres:user@domain` (RFC 3859 §4), without header fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PresAddress(Mailbox);

macro_rules! mailbox_uri {
    ($ty:ident, $scheme:expr) => {
        impl $ty {
            /// Validates an unescaped `user@domain` (RFC 5322 §3.4.1 `addr-spec`).
            pub fn from_mailbox(mailbox: &str) -> Result<Self, MailboxError> {
                Mailbox::from_decoded(mailbox).map($ty)
            }

            /// The user part, unescaped and as written.
            pub fn local(&self) -> &str {
                &self.0.local
            }

            /// The domain, lowercase.
            pub fn domain(&self) -> &str {
                &self.0.domain
            }
        }

        impl FromStr for $ty {
            type Err = MailboxError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Mailbox::parse(s, $scheme).map($ty)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.write_uri($scheme, f)
            }
        }
    };
}

mailbox_uri!(ImAddress, Scheme::Im);
mailbox_uri!(PresAddress, Scheme::Pres);

impl From<ImAddress> for PresAddress {
    /// RFC 3859 §4 and RFC 3860 §3 share the mailbox, so the same entity has both forms.
    fn from(address: ImAddress) -> Self {
        PresAddress(address.0)
    }
}

impl From<PresAddress> for ImAddress {
    fn from(address: PresAddress) -> Self {
        ImAddress(address.0)
    }
}
