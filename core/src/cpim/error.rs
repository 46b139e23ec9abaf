//! The one error type of the CPIM codec.

use thiserror::Error;

/// Why a `message/cpim` body (RFC 3862) could not be read, or why a value could not go into one.
///
/// Line numbers count from 1 over the whole body: message headers, the blank line, then the MIME headers.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CpimError {
    /// Happens when the input ends before the blank line (CRLF CRLF) that closes the message headers
    /// (RFC 3862 §2).
    #[error("cpim message headers are not closed by a blank line (CRLF CRLF)")]
    MessageHeadersNotTerminated,

    /// Happens when the input ends before the blank line that closes the encapsulated MIME part's headers
    /// (RFC 3862 §2, RFC 2045 §3).
    #[error("the encapsulated mime part's headers are not closed by a blank line (CRLF CRLF)")]
    MimeHeadersNotTerminated,

    /// Happens when the message headers carry no `From` header (RFC 3862 §4.1 makes it mandatory).
    #[error("cpim message has no From header")]
    MissingFrom,

    /// Happens when the message headers carry no `To` header (RFC 3862 §4.2 makes at least one mandatory).
    #[error("cpim message has no To header")]
    MissingTo,

    /// Happens when a header that may appear once (`From`, `DateTime`) appears again.
    #[error("line {line}: second {name} header; a cpim message carries only one")]
    DuplicateHeader {
        /// The repeated header's name.
        name: &'static str,
        /// Where the repeat stands.
        line: usize,
    },

    /// Happens when code adds a second `From` header to a message that has one.
    #[error("the message already has a {name} header and may carry only one")]
    AlreadyHasHeader {
        /// The header's name.
        name: &'static str,
    },

    /// Happens when a `DateTime` value is not an RFC 3339 date-time with offset (RFC 3862 §4.4), or a
    /// date-time cannot be written as one (year outside 0000-9999).
    #[error("{text:?} is not an rfc 3339 date-time with offset (e.g. 2000-12-13T13:40:00-08:00)")]
    BadDateTime {
        /// The offending text.
        text: String,
    },

    /// Happens when the input is longer than [`CpimLimits::max_bytes`](super::CpimLimits::max_bytes).
    #[error("cpim body is larger than the limit of {limit} bytes")]
    Oversized {
        /// The configured limit in bytes.
        limit: usize,
    },

    /// Happens when the body carries more headers (message and MIME together) than
    /// [`CpimLimits::max_headers`](super::CpimLimits::max_headers).
    #[error("cpim body has more than the limit of {limit} headers")]
    TooManyHeaders {
        /// The configured limit.
        limit: usize,
    },

    /// Happens when one header line (without its CRLF) is longer than
    /// [`CpimLimits::max_header_line`](super::CpimLimits::max_header_line).
    #[error("line {line}: header line is longer than the limit of {limit} bytes")]
    HeaderLineTooLong {
        /// Where the long line starts.
        line: usize,
        /// The configured limit in bytes.
        limit: usize,
    },

    /// Happens when a header line does not follow the syntax of RFC 3862 §3.6 (message headers) or
    /// RFC 5322 §2.2 (MIME headers).
    #[error("line {line}: malformed header line: {reason}")]
    MalformedHeader {
        /// Where the line stands.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// Happens when a header line is not valid UTF-8 (RFC 3862 §3 requires UTF-8).
    #[error("line {line}: header line is not valid utf-8")]
    NonUtf8Header {
        /// Where the line stands.
        line: usize,
    },

    /// Happens when the text between `<` and `>` (or given to [`Uri::parse`](super::Uri::parse)) is not an
    /// absolute URI (`scheme:rest`, RFC 3986 characters only).
    #[error("{text:?} is not an absolute uri (scheme:rest, no spaces or <>)")]
    BadUri {
        /// The offending text.
        text: String,
    },

    /// Happens when a header name, namespace prefix or parameter name is not a CPIM `Name`
    /// (`[Prefix.]Name`, RFC 3862 §3.1).
    #[error(
        "{text:?} is not a cpim header name (letters, digits and !#$%&'*+-^_`|~, one optional '.')"
    )]
    BadName {
        /// The offending text.
        text: String,
    },

    /// Happens when code names an extension header after one of the headers RFC 3862 §4 defines.
    #[error("{name:?} is a standard cpim header; use its typed variant instead of an extension")]
    ReservedHeaderName {
        /// The standard name.
        name: String,
    },

    /// Happens when a `lang` value is not a language tag (`1*8ALPHA *("-" 1*8alphanum)`, RFC 3862 §3.3).
    #[error("{text:?} is not a language tag (e.g. en, fr-CA)")]
    BadLanguageTag {
        /// The offending text.
        text: String,
    },

    /// Happens when code gives a MIME header whose name is not printable ASCII without `:` or whose value
    /// holds a control character other than tab (RFC 5322 §2.2).
    #[error("mime header {name:?} has a bad name or a control character in its value")]
    BadMimeHeader {
        /// The header's name as given.
        name: String,
    },
}
