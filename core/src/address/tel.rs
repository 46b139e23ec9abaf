//! `tel:` URIs (RFC 3966) restricted to global E.164 numbers, the form SMS gateways route on.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use super::strip_scheme;

/// ITU-T E.164 §6.1: a number has at most 15 digits, country code included.
const MAX_DIGITS: usize = 15;

/// Why a string is not a valid `tel:` number.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TelNumberError {
    /// Happens when the string does not start with `tel:`.
    #[error("`{0}` is not a tel: URI")]
    NotTelUri(String),
    /// Happens when the number does not start with `+` (a local number, RFC 3966 §5.1.5), which cannot be
    /// routed without knowing where the sender is.
    #[error(
        "tel number `{0}` is local; a global number starting with + and the country code is needed"
    )]
    LocalNumber(String),
    /// Happens when no digit follows the `+`.
    #[error("tel number has no digits after the +")]
    NoDigits,
    /// Happens when the number has more than 15 digits (ITU-T E.164 §6.1).
    #[error("tel number has {0} digits; E.164 allows at most 15")]
    TooManyDigits(usize),
    /// Happens when the country code starts with 0, which E.164 never assigns.
    #[error("tel number `{0}` starts with 0 after the +; E.164 country codes start with 1-9")]
    LeadingZero(String),
    /// Happens when the number holds a character other than digits and the visual separators `-`, `.`,
    /// `(`, `)` and space (RFC 3966 §5.1.1).
    #[error(
        "tel number holds `{0}`, which is neither a digit nor a visual separator (- . ( ) space)"
    )]
    InvalidCharacter(char),
    /// Happens when the URI carries parameters such as `;ext=` or `;isub=` (RFC 3966 §5.1.3), which an SMS
    /// address cannot use.
    #[error("tel URI `{0}` carries parameters (;...); give only the number")]
    ParametersNotSupported(String),
}

/// A global telephone number in E.164 form (`+` and 1 to 15 digits), printed as `tel:+12025550123`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TelNumber(String);

impl TelNumber {
    /// Parses a bare global number such as `+1 (202) 555-0123`, without the `tel:` scheme.
    pub fn from_e164(number: &str) -> Result<Self, TelNumberError> {
        if number.contains(';') {
            return Err(TelNumberError::ParametersNotSupported(number.to_owned()));
        }
        let Some(rest) = number.trim_start().strip_prefix('+') else {
            return Err(TelNumberError::LocalNumber(number.to_owned()));
        };
        let mut digits = String::from("+");
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                // RFC 3966 §5.1.1 visual-separator, plus space as people write numbers.
                '-' | '.' | '(' | ')' | ' ' => {}
                other => return Err(TelNumberError::InvalidCharacter(other)),
            }
        }
        let count = digits.len() - 1;
        if count == 0 {
            return Err(TelNumberError::NoDigits);
        }
        if count > MAX_DIGITS {
            return Err(TelNumberError::TooManyDigits(count));
        }
        if digits.as_bytes()[1] == b'0' {
            return Err(TelNumberError::LeadingZero(number.to_owned()));
        }
        Ok(TelNumber(digits))
    }

    /// The number as `+` and digits (`+12025550123`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without the `+`.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }
}

impl FromStr for TelNumber {
    type Err = TelNumberError;

    /// RFC 3966 §3 `telephone-uri` with a `global-number-digits` subscriber and no parameters.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rest = strip_scheme(s, "tel").ok_or_else(|| TelNumberError::NotTelUri(s.to_owned()))?;
        if rest.contains(';') {
            return Err(TelNumberError::ParametersNotSupported(s.to_owned()));
        }
        TelNumber::from_e164(rest)
    }
}

impl fmt::Display for TelNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tel:{}", self.0)
    }
}
