//! The MIME part a CPIM message encapsulates (RFC 3862 §2.4).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::error::CpimError;

/// The encapsulated MIME entity: its headers in order and its body, bytes as sent (RFC 3862 §2.4, RFC 2045 §2.4).
///
/// Folded header lines (RFC 5322 §2.2.3) are joined on reading and written back on one line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "MimePartFields")]
pub struct MimePart {
    headers: Vec<(String, String)>,
    /// The body, from after the blank line to the end of the CPIM body.
    pub body: Vec<u8>,
}

#[derive(Deserialize)]
struct MimePartFields {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl TryFrom<MimePartFields> for MimePart {
    type Error = CpimError;
    fn try_from(fields: MimePartFields) -> Result<Self, CpimError> {
        fields
            .headers
            .into_iter()
            .try_fold(Self::new(fields.body), |part, (name, value)| {
                part.with_header(name, value)
            })
    }
}

impl MimePart {
    /// A part with `body` and no headers yet.
    pub fn new(body: impl Into<Vec<u8>>) -> Self {
        Self {
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// A UTF-8 text part: `Content-Type: text/plain; charset=utf-8`.
    pub fn text_plain(body: &str) -> Self {
        Self {
            headers: vec![(
                "Content-Type".to_owned(),
                "text/plain; charset=utf-8".to_owned(),
            )],
            body: body.as_bytes().to_vec(),
        }
    }

    /// Adds a header after the present ones.
    ///
    /// Fails with [`CpimError::BadMimeHeader`] when the name is empty or not printable ASCII without `:`, or the
    /// value holds a control character other than tab or starts with a space or tab (RFC 5322 §2.2).
    pub fn with_header(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Self, CpimError> {
        let (name, value) = (name.into(), value.into());
        let value_ok = !value.starts_with([' ', '\t'])
            && !value.chars().any(|c| c.is_ascii_control() && c != '\t');
        if !is_mime_header_name(&name) || !value_ok {
            return Err(CpimError::BadMimeHeader { name });
        }
        self.headers.push((name, value));
        Ok(self)
    }

    /// The headers, in order, names as written.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first header called `name`, compared without regard to ASCII case (RFC 5322 §1.2.2).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `Content-Type` value, e.g. `text/xml; charset=utf-8` (RFC 2045 §5).
    pub fn content_type(&self) -> Option<&str> {
        self.header("Content-Type")
    }

    /// The `charset` parameter of `Content-Type`, unquoted (RFC 2046 §4.1.2).
    pub fn charset(&self) -> Option<&str> {
        self.content_type()?.split(';').skip(1).find_map(|param| {
            let (key, value) = param.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("charset")
                .then(|| value.trim().trim_matches('"'))
        })
    }

    /// The body as text when its charset is UTF-8 (also assumed when none is declared), US-ASCII or
    /// ISO-8859-1 and the bytes fit it; `None` otherwise.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        let charset = self.charset().unwrap_or("utf-8").to_ascii_lowercase();
        match charset.as_str() {
            "utf-8" | "utf8" => std::str::from_utf8(&self.body).ok().map(Cow::Borrowed),
            "us-ascii" | "ascii" => self
                .body
                .is_ascii()
                .then(|| std::str::from_utf8(&self.body).ok().map(Cow::Borrowed))
                .flatten(),
            "iso-8859-1" | "latin1" | "iso_8859-1" => Some(Cow::Owned(
                self.body.iter().map(|&b| char::from(b)).collect(),
            )),
            _ => None,
        }
    }

    /// Parsing joins folded lines here; keeps the invariant that a value starts with no blank.
    pub(crate) fn push_raw_header(&mut self, name: String, value: String) {
        self.headers.push((name, value));
    }

    /// Appends a folded continuation line to the last header.
    pub(crate) fn continue_last_header(&mut self, more: &str) -> bool {
        match self.headers.last_mut() {
            Some((_, value)) => {
                value.push_str(more);
                let trimmed = value.trim_start_matches([' ', '\t']);
                if trimmed.len() != value.len() {
                    *value = trimmed.to_owned();
                }
                true
            }
            None => false,
        }
    }
}

/// RFC 5322 §2.2 `ftext`: printable ASCII except `:`.
pub(crate) fn is_mime_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_plain_reports_its_type_and_text() {
        let part = MimePart::text_plain("héllo");
        assert_eq!(part.content_type(), Some("text/plain; charset=utf-8"));
        assert_eq!(part.charset(), Some("utf-8"));
        assert_eq!(part.text().as_deref(), Some("héllo"));
    }

    #[test]
    fn declared_charsets_decode_or_refuse() {
        let latin = MimePart::new(vec![0x68, 0xe9])
            .with_header("content-type", "text/plain; charset=\"ISO-8859-1\"");
        assert_eq!(latin.unwrap().text().as_deref(), Some("hé"));
        let ascii = MimePart::new(vec![0xe9])
            .with_header("Content-Type", "text/plain;charset=us-ascii")
            .unwrap();
        assert_eq!(ascii.text(), None);
        let other = MimePart::new(b"x".to_vec())
            .with_header("Content-Type", "text/plain; charset=koi8-r")
            .unwrap();
        assert_eq!(other.text(), None);
        assert_eq!(
            MimePart::new(b"plain".to_vec()).text().as_deref(),
            Some("plain")
        );
    }

    #[test]
    fn bad_headers_are_refused() {
        for (name, value) in [
            ("", "x"),
            ("a b", "x"),
            ("a:b", "x"),
            ("ok", "x\r\ny"),
            ("ok", " lead"),
        ] {
            assert_eq!(
                MimePart::new(Vec::new()).with_header(name, value),
                Err(CpimError::BadMimeHeader {
                    name: name.to_owned()
                })
            );
        }
    }
}
