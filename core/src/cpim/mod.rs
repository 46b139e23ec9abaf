//! The CPIM message format, `message/cpim` (RFC 3862): the protocol-neutral message that CPIM (RFC 3860)
//! defines for instant messages crossing gateways, and the gateway's own message model.
//!
//! [`CpimMessage`] keeps the message headers in order (From, To, cc, DateTime, Subject, NS, Require and
//! extension headers) and the encapsulated [`MimePart`]. [`CpimMessage::parse`] and [`CpimDecoder`] read a body
//! within [`CpimLimits`]; [`CpimMessage::to_bytes`] writes one. Everything here is I/O-free.
//!
//! ```
//! use switchboard_core::cpim::{CpimLimits, CpimMessage, MimePart, NameAddr, Uri};
//!
//! let from = NameAddr::with_name("Piglet", Uri::parse("im:piglet@100akerwood.com")?);
//! let to = NameAddr::new(Uri::parse("im:eeyore@100akerwood.com")?);
//! let message = CpimMessage::new(from, to, MimePart::text_plain("hello")).with_subject("hi", None);
//! let bytes = message.to_bytes();
//! assert_eq!(CpimMessage::parse(&bytes, &CpimLimits::default())?, message);
//! # Ok::<(), switchboard_core::cpim::CpimError>(())
//! ```

mod decoder;
mod error;
mod message;
mod mime;
mod parse;
mod serialize;
mod syntax;
mod values;

pub use decoder::{CpimDecoder, CpimLimits};
pub use error::CpimError;
pub use message::{CpimMessage, Header};
pub use mime::MimePart;
pub use values::{
    CpimDateTime, ExtensionHeader, HeaderName, HeaderParam, LanguageTag, Name, NameAddr,
    NsDeclaration, Subject, Uri,
};
