//! Framing: a byte-at-a-time state machine that finds where the XML declaration, the stream header,
//! each top-level stanza and the closing tag begin and end, whatever the chunking of the input.
//!
//! It enforces, as each byte arrives, everything that must not wait for the end of a stanza: the
//! size, depth and attribute bounds (RFC 6120 §13.12), the RFC 6120 §11.1 restrictions (comments,
//! processing instructions, DTDs, undefined entity references) and the characters XML 1.0 §2.2
//! forbids below U+0020. Only the bytes of the current unit are kept, so memory stays bounded.
//! The complete unit is then handed to quick-xml (see `build.rs`) for the full parse.

use super::chars::{is_name_start_byte, is_xml_char, is_xml_space};
use super::error::{FormatProblem, LimitExceeded, Malformed, Restricted, StreamError};
use super::limits::StreamLimits;

/// A complete unit of input, whose bytes are in [`Framer::unit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// The XML declaration `<?xml …?>` at the very start.
    Decl,
    /// The stream header start tag (self-closed if the peer sent `<stream:stream/>`).
    Header,
    /// One complete top-level stanza.
    Stanza,
    /// The end tag closing the stream.
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before the stream header: only a BOM, the XML declaration and whitespace may come.
    Prolog,
    /// Inside the stream.
    Stream,
    /// After the stream's end tag: only whitespace may come.
    Closed,
}

#[derive(Debug, Clone, Copy)]
enum Lex {
    /// Character data; `brackets` counts trailing `]` to spot `]]>` (XML 1.0 §2.4).
    Text { brackets: u8 },
    /// Just after `<`.
    Lt,
    /// After `<!`, having matched that many bytes of `[CDATA[`.
    Bang(u8),
    /// Inside a CDATA section, counting trailing `]` (0 to 2).
    CData(u8),
    /// After `<?` at the very start, having matched that many bytes of `xml`.
    XmlTarget(u8),
    /// Inside the XML declaration; whether the previous byte was `?`.
    Decl { question: bool },
    /// Inside a start tag: the open quote (0 outside values), whether `/` was seen, and whether a
    /// value just closed (XML 1.0 §3.1 wants whitespace before the next attribute).
    StartTag {
        quote: u8,
        slash: bool,
        need_space: bool,
    },
    /// Inside an end tag.
    EndTag,
    /// After `&`, in text (`quote` 0) or in an attribute value delimited by `quote`.
    Ref { quote: u8 },
}

/// Longest reference name kept; longer ones cannot be predefined or valid numeric references.
const MAX_REF: usize = 32;
/// Longest XML declaration accepted.
const MAX_DECL: usize = 256;
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
const CDATA_OPEN: &[u8; 7] = b"[CDATA[";

/// The framing state of one inbound stream.
#[derive(Debug)]
pub(crate) struct Framer {
    limits: StreamLimits,
    phase: Phase,
    lex: Lex,
    /// Element depth inside the current stanza (0 between stanzas).
    depth: usize,
    /// Attributes seen in the current start tag.
    attrs: usize,
    /// Bytes consumed so far.
    consumed: u64,
    /// Bytes of a leading BOM matched.
    bom: u8,
    /// Whether the current `<` is the first byte after the BOM, where an XML declaration may stand.
    lt_at_start: bool,
    reference: [u8; MAX_REF],
    ref_len: usize,
    unit: Vec<u8>,
}

impl Framer {
    pub(crate) fn new(limits: StreamLimits) -> Self {
        Self {
            limits,
            phase: Phase::Prolog,
            lex: Lex::Text { brackets: 0 },
            depth: 0,
            attrs: 0,
            consumed: 0,
            bom: 0,
            lt_at_start: false,
            reference: [0; MAX_REF],
            ref_len: 0,
            unit: Vec::new(),
        }
    }

    /// The bytes of the unit being read, or of the one just completed.
    pub(crate) fn unit(&self) -> &[u8] {
        &self.unit
    }

    /// Forgets the completed unit; a large buffer is released so an idle stream stays small.
    pub(crate) fn clear_unit(&mut self) {
        self.unit.clear();
        self.unit.shrink_to(8 * 1024);
    }

    /// Bytes of memory held for the unit being read.
    pub(crate) fn buffered_bytes(&self) -> usize {
        self.unit.capacity()
    }

    /// Consumes one byte; returns the unit it completes, if any.
    pub(crate) fn push(&mut self, b: u8) -> Result<Option<Unit>, StreamError> {
        let at = self.consumed;
        self.consumed += 1;
        // Bytes below 0x20 are never part of a multi-byte UTF-8 sequence, so this is exact.
        if b < 0x20 && !is_xml_space(b) {
            return Err(Malformed::ForbiddenChar(u32::from(b)).into());
        }
        match self.lex {
            Lex::Text { brackets } => self.text(b, brackets, at),
            Lex::Lt => self.after_lt(b).map(|()| None),
            Lex::Bang(n) => self.bang(b, n).map(|()| None),
            Lex::CData(k) => {
                self.lex = match b {
                    b']' => Lex::CData((k + 1).min(2)),
                    b'>' if k == 2 => Lex::Text { brackets: 0 },
                    _ => Lex::CData(0),
                };
                self.append(b).map(|()| None)
            }
            Lex::XmlTarget(n) => {
                let ok = match b"xml".get(usize::from(n)) {
                    Some(&want) => b == want,
                    None => is_xml_space(b),
                };
                if !ok {
                    return Err(Restricted::ProcessingInstruction.into());
                }
                self.lex = if n < 3 {
                    Lex::XmlTarget(n + 1)
                } else {
                    Lex::Decl { question: false }
                };
                self.append(b).map(|()| None)
            }
            Lex::Decl { question } => {
                if self.unit.len() >= MAX_DECL {
                    return Err(Malformed::BadXmlDeclaration.into());
                }
                self.append(b)?;
                if b == b'>' && question {
                    self.lex = Lex::Text { brackets: 0 };
                    return Ok(Some(Unit::Decl));
                }
                self.lex = Lex::Decl {
                    question: b == b'?',
                };
                Ok(None)
            }
            Lex::StartTag {
                quote,
                slash,
                need_space,
            } => self.start_tag(b, quote, slash, need_space),
            Lex::EndTag => self.end_tag(b),
            Lex::Ref { quote } => self.reference(b, quote).map(|()| None),
        }
    }

    fn text(&mut self, b: u8, brackets: u8, at: u64) -> Result<Option<Unit>, StreamError> {
        if self.depth > 0 {
            self.lex = match b {
                b'<' => Lex::Lt,
                b'&' => {
                    self.ref_len = 0;
                    Lex::Ref { quote: 0 }
                }
                b'>' if brackets >= 2 => return Err(Malformed::CdataEndInText.into()),
                b']' => Lex::Text {
                    brackets: (brackets + 1).min(2),
                },
                _ => Lex::Text { brackets: 0 },
            };
            return self.append(b).map(|()| None);
        }
        // Outside any stanza: the prolog, between stanzas, or after the close.
        if self.phase == Phase::Prolog && self.bom < 3 && at == u64::from(self.bom) {
            if b == BOM[usize::from(self.bom)] {
                self.bom += 1;
                return Ok(None);
            }
            if self.bom > 0 {
                return Err(Malformed::ContentBeforeHeader.into());
            }
        }
        if is_xml_space(b) {
            return Ok(None);
        }
        if b == b'<' && self.phase != Phase::Closed {
            self.lt_at_start = at == u64::from(self.bom);
            self.unit.clear();
            self.lex = Lex::Lt;
            return self.append(b).map(|()| None);
        }
        Err(self.stray_content())
    }

    /// The error for non-whitespace content outside any stanza.
    fn stray_content(&self) -> StreamError {
        match self.phase {
            Phase::Prolog => Malformed::ContentBeforeHeader.into(),
            Phase::Stream => FormatProblem::TextBetweenStanzas.into(),
            Phase::Closed => Malformed::ContentAfterClose.into(),
        }
    }

    fn after_lt(&mut self, b: u8) -> Result<(), StreamError> {
        self.lex = match b {
            b'/' if self.depth > 0 || self.phase == Phase::Stream => Lex::EndTag,
            b'?' if self.phase == Phase::Prolog && self.lt_at_start => Lex::XmlTarget(0),
            b'?' => return Err(Restricted::ProcessingInstruction.into()),
            b'!' => Lex::Bang(0),
            b if is_name_start_byte(b) => {
                if self.phase == Phase::Stream {
                    self.depth += 1;
                    if self.depth > self.limits.max_depth {
                        return Err(LimitExceeded::Depth {
                            limit: self.limits.max_depth,
                        }
                        .into());
                    }
                }
                self.attrs = 0;
                Lex::StartTag {
                    quote: 0,
                    slash: false,
                    need_space: false,
                }
            }
            _ => return Err(Malformed::UnexpectedByte(b).into()),
        };
        self.append(b)
    }

    fn bang(&mut self, b: u8, n: u8) -> Result<(), StreamError> {
        if n == 0 {
            match b {
                b'-' => return Err(Restricted::Comment.into()),
                b'D' => return Err(Restricted::Doctype.into()),
                b'A'..=b'Z' => return Err(Restricted::MarkupDeclaration.into()),
                b'[' if self.depth > 0 => {}
                b'[' => return Err(self.stray_content()),
                _ => return Err(Malformed::UnexpectedByte(b).into()),
            }
        } else if b != CDATA_OPEN[usize::from(n)] {
            return Err(Malformed::UnexpectedByte(b).into());
        }
        self.lex = if usize::from(n) + 1 == CDATA_OPEN.len() {
            Lex::CData(0)
        } else {
            Lex::Bang(n + 1)
        };
        self.append(b)
    }

    fn start_tag(
        &mut self,
        b: u8,
        quote: u8,
        slash: bool,
        need_space: bool,
    ) -> Result<Option<Unit>, StreamError> {
        let mut next = (quote, slash, need_space);
        if quote != 0 {
            match b {
                _ if b == quote => next = (0, false, true),
                // XML 1.0 §3.1 AttValue: no literal `<` in attribute values.
                b'<' => return Err(Malformed::UnexpectedByte(b).into()),
                b'&' => {
                    self.ref_len = 0;
                    self.lex = Lex::Ref { quote };
                    return self.append(b).map(|()| None);
                }
                _ => {}
            }
        } else {
            if slash && b != b'>' {
                return Err(Malformed::UnexpectedByte(b).into());
            }
            match b {
                b'>' => {
                    self.append(b)?;
                    return Ok(self.start_tag_end(slash));
                }
                b'/' => next.1 = true,
                b'"' | b'\'' if !need_space => {
                    self.attrs += 1;
                    if self.attrs > self.limits.max_attributes {
                        return Err(LimitExceeded::Attributes {
                            limit: self.limits.max_attributes,
                        }
                        .into());
                    }
                    next.0 = b;
                }
                _ if is_xml_space(b) => next.2 = false,
                b'<' | b'"' | b'\'' => return Err(Malformed::UnexpectedByte(b).into()),
                _ if need_space => return Err(Malformed::UnexpectedByte(b).into()),
                _ => {}
            }
        }
        self.lex = Lex::StartTag {
            quote: next.0,
            slash: next.1,
            need_space: next.2,
        };
        self.append(b).map(|()| None)
    }

    fn start_tag_end(&mut self, empty: bool) -> Option<Unit> {
        self.lex = Lex::Text { brackets: 0 };
        if self.phase == Phase::Prolog {
            self.phase = if empty { Phase::Closed } else { Phase::Stream };
            return Some(Unit::Header);
        }
        if empty {
            self.depth -= 1;
            if self.depth == 0 {
                return Some(Unit::Stanza);
            }
        }
        None
    }

    fn end_tag(&mut self, b: u8) -> Result<Option<Unit>, StreamError> {
        match b {
            b'<' | b'"' | b'\'' | b'&' => Err(Malformed::UnexpectedByte(b).into()),
            b'>' => {
                self.append(b)?;
                self.lex = Lex::Text { brackets: 0 };
                if self.depth == 0 {
                    self.phase = Phase::Closed;
                    return Ok(Some(Unit::Close));
                }
                self.depth -= 1;
                Ok((self.depth == 0).then_some(Unit::Stanza))
            }
            _ => self.append(b).map(|()| None),
        }
    }

    fn reference(&mut self, b: u8, quote: u8) -> Result<(), StreamError> {
        if b == b';' {
            check_reference(&self.reference[..self.ref_len])?;
            self.lex = if quote == 0 {
                Lex::Text { brackets: 0 }
            } else {
                Lex::StartTag {
                    quote,
                    slash: false,
                    need_space: false,
                }
            };
            return self.append(b);
        }
        if is_xml_space(b) || matches!(b, b'<' | b'>' | b'&' | b'"' | b'\'' | b'/' | b'=') {
            return Err(Malformed::BadReference.into());
        }
        if self.ref_len == MAX_REF {
            return Err(match self.reference[0] {
                b'#' => Malformed::BadReference.into(),
                _ => undefined_entity(&self.reference),
            });
        }
        self.reference[self.ref_len] = b;
        self.ref_len += 1;
        self.append(b)
    }

    /// Keeps one byte of the current unit, refusing it if the unit would outgrow the limit.
    fn append(&mut self, b: u8) -> Result<(), StreamError> {
        let max = self.limits.max_stanza_bytes;
        let len = self.unit.len();
        if len >= max {
            return Err(LimitExceeded::StanzaBytes { limit: max }.into());
        }
        if len == self.unit.capacity() {
            // Grow geometrically but never past the limit, so capacity is bounded by it too.
            self.unit
                .reserve_exact(self.unit.capacity().max(64).min(max - len));
        }
        self.unit.push(b);
        Ok(())
    }
}

/// Checks a complete reference body (between `&` and `;`): one of the five predefined entities
/// (XML 1.0 §4.6) or a character reference to an XML `Char` (§4.1); any other name is an entity
/// RFC 6120 §11.1 forbids.
fn check_reference(body: &[u8]) -> Result<(), StreamError> {
    let (digits, radix) = match body {
        b"lt" | b"gt" | b"amp" | b"quot" | b"apos" => return Ok(()),
        [b'#', b'x', hex @ ..] => (hex, 16),
        [b'#', dec @ ..] => (dec, 10),
        [first, ..] if is_name_start_byte(*first) => return Err(undefined_entity(body)),
        _ => return Err(Malformed::BadReference.into()),
    };
    let valid_digits = !digits.is_empty()
        && digits.iter().all(|d| match radix {
            16 => d.is_ascii_hexdigit(),
            _ => d.is_ascii_digit(),
        });
    let value = std::str::from_utf8(digits)
        .ok()
        .filter(|_| valid_digits)
        .and_then(|s| u32::from_str_radix(s, radix).ok())
        .ok_or(Malformed::BadReference)?;
    match char::from_u32(value) {
        Some(c) if is_xml_char(c) => Ok(()),
        _ => Err(Malformed::ForbiddenChar(value).into()),
    }
}

fn undefined_entity(name: &[u8]) -> StreamError {
    Restricted::EntityReference {
        name: String::from_utf8_lossy(name).into_owned(),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &[u8]) -> Result<Vec<Unit>, StreamError> {
        let mut f = Framer::new(StreamLimits::default());
        let mut units = Vec::new();
        for &b in input {
            if let Some(u) = f.push(b)? {
                units.push(u);
            }
        }
        Ok(units)
    }

    const HEADER: &str = "<stream:stream xmlns='jabber:component:accept' \
                          xmlns:stream='http://etherx.jabber.org/streams'>";

    #[test]
    fn frames_units() {
        let s = format!(
            "\u{FEFF}<?xml version='1.0'?>\n{HEADER} <a><b x='1>'/>]<![CDATA[<]]>]</a>\n<c/></stream:stream>\n"
        );
        assert_eq!(
            run(s.as_bytes()),
            Ok(vec![
                Unit::Decl,
                Unit::Header,
                Unit::Stanza,
                Unit::Stanza,
                Unit::Close
            ])
        );
    }

    #[test]
    fn references() {
        assert_eq!(check_reference(b"amp"), Ok(()));
        assert_eq!(check_reference(b"#x1F600"), Ok(()));
        assert_eq!(check_reference(b"#65"), Ok(()));
        assert_eq!(check_reference(b"#x"), Err(Malformed::BadReference.into()));
        assert_eq!(
            check_reference(b"#X41"),
            Err(Malformed::BadReference.into())
        );
        assert_eq!(check_reference(b""), Err(Malformed::BadReference.into()));
        assert_eq!(
            check_reference(b"#0"),
            Err(Malformed::ForbiddenChar(0).into())
        );
        assert_eq!(
            check_reference(b"#xD800"),
            Err(Malformed::ForbiddenChar(0xD800).into())
        );
        assert_eq!(
            check_reference(b"#99999999999"),
            Err(Malformed::BadReference.into())
        );
        assert_eq!(check_reference(b"nbsp"), Err(undefined_entity(b"nbsp")));
    }

    #[test]
    fn long_entity_name_is_refused_at_the_cap() {
        let name = "e".repeat(MAX_REF + 10);
        let s = format!("{HEADER}<a>&{name};</a>");
        assert_eq!(
            run(s.as_bytes()),
            Err(undefined_entity(&name.as_bytes()[..MAX_REF]))
        );
    }

    #[test]
    fn markup_errors() {
        let cases: [(&str, StreamError); 8] = [
            ("<a>x]]>y</a>", Malformed::CdataEndInText.into()),
            ("<a b='<'/>", Malformed::UnexpectedByte(b'<').into()),
            ("<a b='1'c='2'/>", Malformed::UnexpectedByte(b'c').into()),
            ("<a/ >", Malformed::UnexpectedByte(b' ').into()),
            ("< a/>", Malformed::UnexpectedByte(b' ').into()),
            ("<a>& b</a>", Malformed::BadReference.into()),
            ("<!-- x -->", Restricted::Comment.into()),
            ("<![CDATA[x]]>", FormatProblem::TextBetweenStanzas.into()),
        ];
        for (input, want) in cases {
            assert_eq!(
                run(format!("{HEADER}{input}").as_bytes()),
                Err(want),
                "{input}"
            );
        }
    }

    #[test]
    fn capacity_never_exceeds_the_limit() {
        let limits = StreamLimits {
            max_stanza_bytes: 1000,
            ..StreamLimits::default()
        };
        let mut f = Framer::new(limits);
        let mut result = Ok(None);
        for &b in HEADER.as_bytes() {
            result = f.push(b);
        }
        assert_eq!(result, Ok(Some(Unit::Header)));
        f.clear_unit();
        let mut err = None;
        for &b in b"<a>".iter().chain([b'x'; 2000].iter()) {
            if let Err(e) = f.push(b) {
                err = Some(e);
                break;
            }
            assert!(f.buffered_bytes() <= 1000);
        }
        assert_eq!(err, Some(LimitExceeded::StanzaBytes { limit: 1000 }.into()));
    }
}
