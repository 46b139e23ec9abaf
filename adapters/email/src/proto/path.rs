//! SMTP paths in `MAIL FROM` / `RCPT TO` (RFC 5321 §4.1.2), checked strictly enough that nothing taken from
//! them can carry a CR, LF or other control character into a header or another network.

/// A path from `MAIL FROM:` or `RCPT TO:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailPath {
    /// `<>`: the null reverse path of bounces and auto-replies (RFC 5321 §4.5.5).
    Null,
    /// `<local@domain>`.
    Mailbox {
        /// The local part, unquoted.
        local: String,
        /// The domain, lowercase.
        domain: String,
    },
}

/// Why a path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// Happens when the path is not enclosed in `<` `>`.
    #[error("the address must be enclosed in <>")]
    NotBracketed,
    /// Happens when there is no `@` between local part and domain.
    #[error("the address has no @domain")]
    NoDomain,
    /// Happens when the local part is longer than 64 octets (RFC 5321 §4.5.3.1.1).
    #[error("the local part is longer than 64 octets")]
    LocalTooLong,
    /// Happens when the domain is longer than 255 octets (RFC 5321 §4.5.3.1.2).
    #[error("the domain is longer than 255 octets")]
    DomainTooLong,
    /// Happens when the local part has a character RFC 5321 §4.1.2 does not allow there.
    #[error("the local part has a character not allowed there")]
    BadLocal,
    /// Happens when the domain has a character a domain name cannot have (address literals are not taken).
    #[error("the domain has a character not allowed there")]
    BadDomain,
}

/// Longest local part (RFC 5321 §4.5.3.1.1).
pub const MAX_LOCAL: usize = 64;
/// Longest domain (RFC 5321 §4.5.3.1.2).
pub const MAX_DOMAIN: usize = 255;

/// Parses `<local@domain>` or `<>`; a source route (`<@a,@b:local@domain>`, RFC 5321 §4.1.2 obsolete) is
/// skipped as §C asks.
pub fn parse_path(text: &str) -> Result<MailPath, PathError> {
    let inner = text
        .trim()
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .ok_or(PathError::NotBracketed)?;
    if inner.is_empty() {
        return Ok(MailPath::Null);
    }
    let inner = match inner.strip_prefix('@') {
        Some(_) => inner
            .split_once(':')
            .map(|(_, rest)| rest)
            .ok_or(PathError::NoDomain)?,
        None => inner,
    };
    let at = inner.rfind('@').ok_or(PathError::NoDomain)?;
    let (local, domain) = (&inner[..at], &inner[at + 1..]);
    let local = parse_local(local)?;
    if domain.is_empty() {
        return Err(PathError::NoDomain);
    }
    if domain.len() > MAX_DOMAIN {
        return Err(PathError::DomainTooLong);
    }
    if !domain.chars().all(|c| {
        c.is_ascii_alphanumeric() || c == '-' || c == '.' || (!c.is_ascii() && !c.is_control())
    }) {
        return Err(PathError::BadDomain);
    }
    Ok(MailPath::Mailbox {
        local,
        domain: domain.to_lowercase(),
    })
}

fn parse_local(local: &str) -> Result<String, PathError> {
    if local.len() > MAX_LOCAL {
        return Err(PathError::LocalTooLong);
    }
    if local.is_empty() {
        return Err(PathError::BadLocal);
    }
    if let Some(quoted) = local.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        // RFC 5321 §4.1.2 quoted-string: printable characters, `\` escapes one.
        let mut out = String::with_capacity(quoted.len());
        let mut chars = quoted.chars();
        while let Some(c) = chars.next() {
            let c = if c == '\\' {
                chars.next().ok_or(PathError::BadLocal)?
            } else {
                c
            };
            if c.is_control() {
                return Err(PathError::BadLocal);
            }
            out.push(c);
        }
        return Ok(out);
    }
    // Dot-string: atext (RFC 5322 §3.2.3) plus UTF-8 (RFC 6531), dots not leading, trailing or doubled.
    let atext = |c: char| {
        c.is_ascii_alphanumeric()
            || "!#$%&'*+-/=?^_`{|}~".contains(c)
            || (!c.is_ascii() && !c.is_control())
    };
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(PathError::BadLocal);
    }
    if !local.chars().all(|c| c == '.' || atext(c)) {
        return Err(PathError::BadLocal);
    }
    Ok(local.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailbox(local: &str, domain: &str) -> MailPath {
        MailPath::Mailbox {
            local: local.into(),
            domain: domain.into(),
        }
    }

    #[test]
    fn simple_null_and_source_route() {
        assert_eq!(parse_path("<a@B.example>"), Ok(mailbox("a", "b.example")));
        assert_eq!(parse_path("<>"), Ok(MailPath::Null));
        assert_eq!(
            parse_path("<@relay.example:a@b.example>"),
            Ok(mailbox("a", "b.example"))
        );
        assert_eq!(
            parse_path("<\"a b\"@c.example>"),
            Ok(mailbox("a b", "c.example"))
        );
    }

    #[test]
    fn invalid_with_exact_errors() {
        assert_eq!(
            parse_path("a@b").unwrap_err().to_string(),
            "the address must be enclosed in <>"
        );
        assert_eq!(parse_path("<ab>"), Err(PathError::NoDomain));
        assert_eq!(parse_path("<a..b@c>"), Err(PathError::BadLocal));
        assert_eq!(parse_path("<a\r\nb@c>"), Err(PathError::BadLocal));
        assert_eq!(parse_path("<\"a\rb\"@c>"), Err(PathError::BadLocal));
        assert_eq!(parse_path("<a@[127.0.0.1]>"), Err(PathError::BadDomain));
        assert_eq!(parse_path("<a@b\r\nc>"), Err(PathError::BadDomain));
    }

    #[test]
    fn length_limits_at_and_past() {
        let at = "l".repeat(MAX_LOCAL);
        assert!(parse_path(&format!("<{at}@d>")).is_ok());
        assert_eq!(
            parse_path(&format!("<{at}l@d>")),
            Err(PathError::LocalTooLong)
        );
        let domain = "d".repeat(MAX_DOMAIN);
        assert!(parse_path(&format!("<a@{domain}>")).is_ok());
        assert_eq!(
            parse_path(&format!("<a@{domain}d>")),
            Err(PathError::DomainTooLong)
        );
    }
}
