//! The I/O-free IRC line codec: parsing (RFC 1459 §2.3.1, IRCv3 message tags), the one serializer every
//! outgoing line passes through, splitting of message text into lines, CTCP, mIRC formatting <-> XEP-0393
//! styling, charset fallback, and ISUPPORT.

mod charset;
pub mod ctcp;
mod error;
mod format;
mod isupport;
mod message;
mod serialize;
mod split;

pub use charset::Charset;
pub use ctcp::Ctcp;
pub use error::WireError;
pub use format::{irc_to_styling, styling_to_irc};
pub use isupport::{ChanModes, Isupport};
pub use message::{IrcMessage, MAX_INCOMING, Source};
pub use serialize::{MAX_LINE, serialize, serialize_tagged, with_client_tags};
pub use split::text_lines;
