//! Decoding of lines that are not UTF-8 (many IRC clients still send latin-1 or windows-1252).

use std::borrow::Cow;

/// The charset a network's non-UTF-8 lines are decoded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Charset {
    /// ISO-8859-1.
    #[default]
    Latin1,
    /// ISO-8859-15.
    Latin9,
    /// Windows code page 1252.
    Windows1252,
}

impl Charset {
    /// `bytes` as text: UTF-8 when valid, else decoded with this charset. Never fails, never drops a line.
    pub fn decode(self, bytes: &[u8]) -> Cow<'_, str> {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return Cow::Borrowed(text);
        }
        match self {
            // ISO-8859-1 is the first 256 code points of Unicode (WHATWG maps the label to windows-1252,
            // which differs in 0x80-0x9F, so it is decoded by hand here).
            Charset::Latin1 => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
            Charset::Latin9 => {
                encoding_rs::ISO_8859_15
                    .decode_without_bom_handling(bytes)
                    .0
            }
            Charset::Windows1252 => {
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(bytes)
                    .0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_kept_and_other_bytes_are_decoded_with_the_charset() {
        assert_eq!(Charset::Latin1.decode("héllo".as_bytes()), "héllo");
        assert_eq!(Charset::Latin1.decode(b"h\xe9llo"), "héllo");
        assert_eq!(Charset::Latin1.decode(b"\x80"), "\u{80}");
        assert_eq!(Charset::Windows1252.decode(b"\x80 \xe9"), "€ é");
        assert_eq!(Charset::Latin9.decode(b"\xa4"), "€");
    }
}
