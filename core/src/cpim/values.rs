//! Validated values that appear in CPIM message headers (RFC 3862 §3 and §4).

use std::fmt;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use super::error::CpimError;
use super::syntax;

/// An absolute URI as carried between `<` and `>` in `From`, `To`, `cc` and `NS` (RFC 3862 §4.1, RFC 3986 §4.3).
///
/// Checked to be `scheme ":" rest` with a non-empty rest made of RFC 3986 characters (percent-escapes must have
/// two hex digits); nothing more, since turning it into a gateway address is another module's job.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uri(String);

impl Uri {
    /// Checks and wraps `text`, e.g. `im:piglet@100akerwood.com`.
    pub fn parse(text: &str) -> Result<Self, CpimError> {
        if is_absolute_uri(text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(CpimError::BadUri {
                text: text.to_owned(),
            })
        }
    }

    /// The URI as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The scheme, e.g. `im`, `pres`, `sip`, `mailto` (RFC 3986 §3.1), as written.
    pub fn scheme(&self) -> &str {
        self.0.split_once(':').map_or("", |(scheme, _)| scheme)
    }
}

fn is_absolute_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || rest.is_empty() {
        return false;
    }
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex_ok = bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
            if !hex_ok {
                return false;
            }
            i += 3;
            continue;
        }
        // RFC 3986 §2.2 and §2.3: reserved and unreserved characters.
        let allowed = b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&b);
        if !allowed {
            return false;
        }
        i += 1;
    }
    true
}

impl TryFrom<String> for Uri {
    type Error = CpimError;
    fn try_from(text: String) -> Result<Self, CpimError> {
        Self::parse(&text)
    }
}

impl From<Uri> for String {
    fn from(uri: Uri) -> String {
        uri.0
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! checked_text {
    ($(#[$doc:meta])* $ty:ident, $check:path, $err:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $ty(String);

        impl $ty {
            /// Checks and wraps `text`.
            pub fn parse(text: &str) -> Result<Self, CpimError> {
                if $check(text) {
                    Ok(Self(text.to_owned()))
                } else {
                    Err(CpimError::$err { text: text.to_owned() })
                }
            }

            /// The text as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $ty {
            type Error = CpimError;
            fn try_from(text: String) -> Result<Self, CpimError> {
                Self::parse(&text)
            }
        }

        impl From<$ty> for String {
            fn from(value: $ty) -> String {
                value.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

checked_text!(
    /// A CPIM `Name` (RFC 3862 §3.6): a namespace prefix or a parameter name, e.g. `MyFeatures`.
    Name,
    syntax::is_name,
    BadName
);

checked_text!(
    /// A CPIM `Header-name` (RFC 3862 §3.1): `Name` or `Prefix.Name`, e.g. `MyFeatures.VitalMessageOption`.
    HeaderName,
    syntax::is_header_name,
    BadName
);

checked_text!(
    /// A language tag as used by the `lang` parameter (RFC 3862 §3.3, RFC 3066 form), e.g. `fr`.
    LanguageTag,
    syntax::is_language_tag,
    BadLanguageTag
);

impl HeaderName {
    /// The namespace prefix before the dot, if any (RFC 3862 §3.4).
    pub fn prefix(&self) -> Option<&str> {
        self.0.split_once('.').map(|(prefix, _)| prefix)
    }

    /// The name after the prefix, or the whole name when unprefixed.
    pub fn local_name(&self) -> &str {
        self.0.split_once('.').map_or(&self.0, |(_, name)| name)
    }
}

/// The `DateTime` header's value: an RFC 3339 date-time with offset (RFC 3862 §4.4).
///
/// Keeps the sender's offset, so `2000-12-13T13:40:00-08:00` writes back as it came; equality compares
/// instants. UTC is written `Z`, fractions of a second with as few digits as they need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CpimDateTime(OffsetDateTime);

impl CpimDateTime {
    /// Takes `at` for a `DateTime` header; an offset with seconds is rounded to whole minutes (RFC 3339 §5.6
    /// cannot write seconds), keeping the instant.
    ///
    /// Fails with [`CpimError::BadDateTime`] when the year falls outside 0000-9999.
    pub fn new(at: OffsetDateTime) -> Result<Self, CpimError> {
        let offset = at.offset();
        let at = if offset.seconds_past_minute() == 0 {
            at
        } else {
            let whole = UtcOffset::from_hms(offset.whole_hours(), offset.minutes_past_hour(), 0)
                .map_err(|_| CpimError::BadDateTime {
                    text: at.to_string(),
                })?;
            at.to_offset(whole)
        };
        if (0..=9999).contains(&at.year()) {
            Ok(Self(at))
        } else {
            Err(CpimError::BadDateTime {
                text: at.to_string(),
            })
        }
    }

    /// Reads an RFC 3339 date-time such as `2000-12-13T13:40:00-08:00`.
    pub fn parse(text: &str) -> Result<Self, CpimError> {
        OffsetDateTime::parse(text, &Rfc3339)
            .ok()
            .and_then(|at| Self::new(at).ok())
            .ok_or_else(|| CpimError::BadDateTime {
                text: text.to_owned(),
            })
    }

    /// The instant with the sender's offset.
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.0
    }
}

impl fmt::Display for CpimDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        )?;
        let nanos = at.nanosecond();
        if nanos != 0 {
            let digits = format!("{nanos:09}");
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        let offset = at.offset();
        if offset.is_utc() {
            return f.write_str("Z");
        }
        let sign = if offset.is_negative() { '-' } else { '+' };
        write!(
            f,
            "{sign}{:02}:{:02}",
            offset.whole_hours().unsigned_abs(),
            offset.minutes_past_hour().unsigned_abs()
        )
    }
}

impl TryFrom<String> for CpimDateTime {
    type Error = CpimError;
    fn try_from(text: String) -> Result<Self, CpimError> {
        Self::parse(&text)
    }
}

impl From<CpimDateTime> for String {
    fn from(value: CpimDateTime) -> String {
        value.to_string()
    }
}

/// The value of `From`, `To` and `cc`: an optional display name and a URI (RFC 3862 §4.1-§4.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NameAddr {
    /// The display name, unescaped (`MR SANDERS`); `None` when only `<URI>` was given.
    pub display_name: Option<String>,
    /// The address.
    pub uri: Uri,
}

impl NameAddr {
    /// An address without display name.
    pub fn new(uri: Uri) -> Self {
        Self {
            display_name: None,
            uri,
        }
    }

    /// An address with a display name.
    pub fn with_name(display_name: impl Into<String>, uri: Uri) -> Self {
        Self {
            display_name: Some(display_name.into()),
            uri,
        }
    }
}

/// The `Subject` header's value with its optional `lang` parameter (RFC 3862 §4.5, §3.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Subject {
    /// The language of `text`, from `;lang=`.
    pub lang: Option<LanguageTag>,
    /// The subject, unescaped.
    pub text: String,
}

/// The `NS` header's value: a prefix bound to a namespace URI, or the default namespace (RFC 3862 §3.4, §4.6).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NsDeclaration {
    /// The prefix used as `Prefix.Name` in later header names; `None` sets the default namespace.
    pub prefix: Option<Name>,
    /// The namespace URI.
    pub uri: Uri,
}

/// A header parameter `;name=value` (RFC 3862 §3.6 `Ext-param`), value unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HeaderParam {
    /// The parameter's name.
    pub name: Name,
    /// The parameter's value, without quotes or escapes.
    pub value: String,
}

/// A header RFC 3862 §4 does not define, kept in place: `Prefix.Name` or an unprefixed unknown name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "ExtensionFields")]
pub struct ExtensionHeader {
    name: HeaderName,
    params: Vec<HeaderParam>,
    value: String,
}

#[derive(Deserialize)]
struct ExtensionFields {
    name: HeaderName,
    params: Vec<HeaderParam>,
    value: String,
}

impl TryFrom<ExtensionFields> for ExtensionHeader {
    type Error = CpimError;
    fn try_from(fields: ExtensionFields) -> Result<Self, CpimError> {
        Ok(Self::new(fields.name, fields.value)?.with_params(fields.params))
    }
}

/// Header names RFC 3862 §4 defines; they never stand as extensions.
pub(crate) const STANDARD_NAMES: [&str; 7] =
    ["From", "To", "cc", "DateTime", "Subject", "NS", "Require"];

impl ExtensionHeader {
    /// An extension header `name: value`; fails with [`CpimError::ReservedHeaderName`] for a name of
    /// RFC 3862 §4 (`From`, `To`, `cc`, `DateTime`, `Subject`, `NS`, `Require`).
    pub fn new(name: HeaderName, value: impl Into<String>) -> Result<Self, CpimError> {
        if STANDARD_NAMES.contains(&name.as_str()) {
            return Err(CpimError::ReservedHeaderName { name: name.into() });
        }
        Ok(Self {
            name,
            params: Vec::new(),
            value: value.into(),
        })
    }

    /// Adds parameters after the name (`Name:;p=v value`), in order.
    pub fn with_params(mut self, params: impl IntoIterator<Item = HeaderParam>) -> Self {
        self.params.extend(params);
        self
    }

    /// The header's name.
    pub fn name(&self) -> &HeaderName {
        &self.name
    }

    /// The header's parameters, in order.
    pub fn params(&self) -> &[HeaderParam] {
        &self.params
    }

    /// The header's value, unescaped.
    pub fn value(&self) -> &str {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_checks() {
        let uri = Uri::parse("im:piglet@100akerwood.com").unwrap();
        assert_eq!(uri.scheme(), "im");
        assert_eq!(uri.as_str(), "im:piglet@100akerwood.com");
        for bad in [
            "", "im:", ":x", "1im:x", "im:a b", "im:<x>", "im:%4", "im:%zz", "noscheme", "im:é",
        ] {
            assert_eq!(
                Uri::parse(bad),
                Err(CpimError::BadUri {
                    text: bad.to_owned()
                }),
                "{bad}"
            );
        }
        assert!(Uri::parse("sip:alice%40x@example.com;transport=tcp").is_ok());
    }

    #[test]
    fn date_time_writes_back_as_read() {
        for text in [
            "2000-12-13T13:40:00-08:00",
            "2024-02-29T23:59:59.5Z",
            "0000-01-01T00:00:00+14:00",
        ] {
            assert_eq!(CpimDateTime::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(
            CpimDateTime::parse("2000-12-13T21:40:00+00:00")
                .unwrap()
                .to_string(),
            "2000-12-13T21:40:00Z"
        );
        assert_eq!(
            CpimDateTime::parse("2000-12-13 13:40"),
            Err(CpimError::BadDateTime {
                text: "2000-12-13 13:40".to_owned()
            })
        );
    }

    #[test]
    fn date_time_rounds_offset_seconds_and_rejects_far_years() {
        let odd = OffsetDateTime::UNIX_EPOCH.to_offset(UtcOffset::from_hms(1, 2, 3).unwrap());
        let dt = CpimDateTime::new(odd).unwrap();
        assert_eq!(dt.as_offset_date_time(), odd);
        assert_eq!(dt.to_string(), "1970-01-01T01:02:00+01:02");
        let far = time::macros::datetime!(-0001-01-01 0:00 UTC);
        assert!(matches!(
            CpimDateTime::new(far),
            Err(CpimError::BadDateTime { .. })
        ));
    }

    #[test]
    fn extension_names_must_not_be_standard() {
        let name = HeaderName::parse("From").unwrap();
        assert_eq!(
            ExtensionHeader::new(name, "x"),
            Err(CpimError::ReservedHeaderName {
                name: "From".to_owned()
            })
        );
        let ext = ExtensionHeader::new(HeaderName::parse("My.Opt").unwrap(), "v").unwrap();
        assert_eq!(
            (ext.name().prefix(), ext.name().local_name()),
            (Some("My"), "Opt")
        );
    }
}
