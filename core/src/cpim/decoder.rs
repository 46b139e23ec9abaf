//! Reading a `message/cpim` body, in one go or chunk by chunk, within limits.

use super::error::CpimError;
use super::message::{CpimMessage, Header};
use super::mime::MimePart;
use super::parse::{MimeLine, parse_message_header, parse_mime_header};

/// Bounds on what the decoder accepts, so that a peer cannot make the gateway buffer without end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CpimLimits {
    /// The largest whole body in bytes; more is refused before it is buffered.
    pub max_bytes: usize,
    /// The most headers, message headers and MIME headers together (folded lines count once).
    pub max_headers: usize,
    /// The longest header line in bytes, not counting its CRLF.
    pub max_header_line: usize,
}

impl Default for CpimLimits {
    /// 1 MiB, 256 headers, 8 KiB per header line.
    fn default() -> Self {
        Self {
            max_bytes: 1024 * 1024,
            max_headers: 256,
            max_header_line: 8 * 1024,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    MessageHeaders,
    MimeHeaders,
    Body,
}

/// Reads a `message/cpim` body fed in chunks of any size (RFC 3862 §2).
///
/// Header lines are checked as soon as each is complete and limits as soon as a byte breaks them, so the
/// result (message or error) is the same however the input is split; [`CpimMessage::parse`] is this decoder
/// fed once. After an error every call returns that error.
#[derive(Debug)]
pub struct CpimDecoder {
    limits: CpimLimits,
    buf: Vec<u8>,
    section: Section,
    line_start: usize,
    scanned: usize,
    line_no: usize,
    header_count: usize,
    headers: Vec<Header>,
    content: MimePart,
    failed: Option<CpimError>,
}

impl CpimDecoder {
    /// A decoder that enforces `limits`.
    pub fn new(limits: CpimLimits) -> Self {
        Self {
            limits,
            buf: Vec::new(),
            section: Section::MessageHeaders,
            line_start: 0,
            scanned: 0,
            line_no: 0,
            header_count: 0,
            headers: Vec::new(),
            content: MimePart::new(Vec::new()),
            failed: None,
        }
    }

    /// Takes the next chunk of the body.
    ///
    /// Fails with [`CpimError::Oversized`] once the total passes `max_bytes` (the excess is never buffered), or
    /// with the first header error the bytes so far reveal.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), CpimError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let result = self.take(chunk);
        if let Err(err) = &result {
            self.failed = Some(err.clone());
        }
        result
    }

    /// Ends the input and returns the message.
    ///
    /// Fails with [`CpimError::MessageHeadersNotTerminated`] or [`CpimError::MimeHeadersNotTerminated`] when the
    /// input stopped inside a header block, or with the error an earlier [`feed`](Self::feed) returned.
    pub fn finish(mut self) -> Result<CpimMessage, CpimError> {
        if let Some(err) = self.failed {
            return Err(err);
        }
        match self.section {
            Section::MessageHeaders => Err(CpimError::MessageHeadersNotTerminated),
            Section::MimeHeaders => Err(CpimError::MimeHeadersNotTerminated),
            Section::Body => {
                self.content.body = self.buf.split_off(self.line_start);
                CpimMessage::from_parts(self.headers, self.content)
            }
        }
    }

    fn take(&mut self, chunk: &[u8]) -> Result<(), CpimError> {
        let room = self.limits.max_bytes.saturating_sub(self.buf.len());
        let (fits, excess) = chunk.split_at(room.min(chunk.len()));
        self.buf.extend_from_slice(fits);
        // Lines inside the limit are judged first, so a split never changes which error comes out.
        self.scan_lines()?;
        if excess.is_empty() {
            Ok(())
        } else {
            Err(CpimError::Oversized {
                limit: self.limits.max_bytes,
            })
        }
    }

    fn scan_lines(&mut self) -> Result<(), CpimError> {
        while self.section != Section::Body {
            let Some(offset) = self.buf[self.scanned..].iter().position(|&b| b == b'\n') else {
                self.scanned = self.buf.len();
                return self.check_open_line();
            };
            let lf = self.scanned + offset;
            self.scanned = lf + 1;
            self.line_no += 1;
            self.take_line(lf)?;
            self.line_start = lf + 1;
        }
        Ok(())
    }

    /// An unfinished line already longer than the limit fails now rather than when its LF comes.
    fn check_open_line(&self) -> Result<(), CpimError> {
        let open = &self.buf[self.line_start..];
        let content_len = open.len() - usize::from(open.last() == Some(&b'\r'));
        if content_len > self.limits.max_header_line {
            return Err(CpimError::HeaderLineTooLong {
                line: self.line_no + 1,
                limit: self.limits.max_header_line,
            });
        }
        Ok(())
    }

    fn take_line(&mut self, lf: usize) -> Result<(), CpimError> {
        let line = self.line_no;
        let raw = &self.buf[self.line_start..lf];
        let (content, has_cr) = match raw.strip_suffix(b"\r") {
            Some(content) => (content, true),
            None => (raw, false),
        };
        if content.len() > self.limits.max_header_line {
            return Err(CpimError::HeaderLineTooLong {
                line,
                limit: self.limits.max_header_line,
            });
        }
        if !has_cr {
            return Err(CpimError::MalformedHeader {
                line,
                reason: "line ends with a bare LF instead of CRLF",
            });
        }
        if content.is_empty() {
            return self.end_block();
        }
        let text = std::str::from_utf8(content).map_err(|_| CpimError::NonUtf8Header { line })?;
        if self.section == Section::MessageHeaders {
            count_header(&mut self.header_count, self.limits.max_headers)?;
            let header = parse_message_header(text, line)?;
            let single = match &header {
                Header::From(_) => Some("From"),
                Header::DateTime(_) => Some("DateTime"),
                _ => None,
            };
            if let Some(name) = single
                && self
                    .headers
                    .iter()
                    .any(|h| std::mem::discriminant(h) == std::mem::discriminant(&header))
            {
                return Err(CpimError::DuplicateHeader { name, line });
            }
            self.headers.push(header);
            return Ok(());
        }
        match parse_mime_header(text, line)? {
            MimeLine::Header(name, value) => {
                count_header(&mut self.header_count, self.limits.max_headers)?;
                self.content
                    .push_raw_header(name.to_owned(), value.to_owned());
                Ok(())
            }
            MimeLine::Continuation(more) => {
                if self.content.continue_last_header(more) {
                    Ok(())
                } else {
                    Err(CpimError::MalformedHeader {
                        line,
                        reason: "folded line with no header before it",
                    })
                }
            }
        }
    }

    /// A blank line closes the message headers (which must then hold From and To), then the MIME headers.
    fn end_block(&mut self) -> Result<(), CpimError> {
        match self.section {
            Section::MessageHeaders => {
                if !self.headers.iter().any(|h| matches!(h, Header::From(_))) {
                    return Err(CpimError::MissingFrom);
                }
                if !self.headers.iter().any(|h| matches!(h, Header::To(_))) {
                    return Err(CpimError::MissingTo);
                }
                self.section = Section::MimeHeaders;
            }
            Section::MimeHeaders | Section::Body => self.section = Section::Body,
        }
        Ok(())
    }
}

fn count_header(count: &mut usize, limit: usize) -> Result<(), CpimError> {
    *count += 1;
    if *count > limit {
        return Err(CpimError::TooManyHeaders { limit });
    }
    Ok(())
}

impl CpimMessage {
    /// Reads a whole `message/cpim` body (RFC 3862 §2), within `limits`.
    pub fn parse(input: &[u8], limits: &CpimLimits) -> Result<Self, CpimError> {
        let mut decoder = CpimDecoder::new(*limits);
        decoder.feed(input)?;
        decoder.finish()
    }
}
