//! Parsing one IRC line (RFC 1459 §2.3.1, RFC 2812 §2.3.1, IRCv3 message tags), as the ircdocs parser tests
//! expect: atoms separated by one or more spaces, a trailing parameter after ` :`, tag values unescaped.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Charset, WireError};

/// The longest line accepted from a server: 8191 bytes of tags (IRCv3 message-tags) plus 512 for the rest.
pub const MAX_INCOMING: usize = 8191 + 512;

/// One parsed IRC line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrcMessage {
    /// IRCv3 tags, in order, with values unescaped; a tag without a value has `None`. A repeated key keeps
    /// only its last value.
    pub tags: Vec<(String, Option<String>)>,
    /// Who sent it.
    pub source: Option<Source>,
    /// The command, uppercased (`PRIVMSG`, `001`).
    pub command: String,
    /// The parameters, the trailing one last.
    pub params: Vec<String>,
}

/// A line's source: `nick!user@host` or a server name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The nick (or server name).
    pub nick: String,
    /// The user (ident), after `!`.
    pub user: Option<String>,
    /// The host, after `@`.
    pub host: Option<String>,
}

impl Source {
    /// Splits `nick!user@host` (the ircdocs userhost-split rules).
    pub fn parse(source: &str) -> Self {
        let (rest, host) = match source.split_once('@') {
            Some((rest, host)) => (rest, Some(host.to_owned())),
            None => (source, None),
        };
        let (nick, user) = match rest.split_once('!') {
            Some((nick, user)) => (nick, Some(user.to_owned())),
            None => (rest, None),
        };
        Self {
            nick: nick.to_owned(),
            user,
            host,
        }
    }
}

impl IrcMessage {
    /// Parses `line` (without its CRLF); bytes that are not UTF-8 are decoded with `charset`.
    pub fn parse(line: &[u8], charset: Charset) -> Result<IrcMessage, WireError> {
        if line.len() > MAX_INCOMING {
            return Err(WireError::TooLong {
                length: line.len(),
                limit: MAX_INCOMING,
            });
        }
        let text = charset.decode(line);
        let mut rest: &str = text.trim_end_matches(['\r', '\n']);
        let mut tags = Vec::new();
        if let Some(after) = rest.strip_prefix('@') {
            let (raw, remainder) = after.split_once(' ').unwrap_or((after, ""));
            tags = parse_tags(raw);
            rest = remainder;
        }
        rest = rest.trim_start_matches(' ');
        let mut source = None;
        if let Some(after) = rest.strip_prefix(':') {
            let (raw, remainder) = after.split_once(' ').unwrap_or((after, ""));
            source = Some(Source::parse(raw));
            rest = remainder;
        }
        rest = rest.trim_start_matches(' ');
        let (command, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
        if command.is_empty() {
            return Err(WireError::NoCommand);
        }
        let mut params = Vec::new();
        loop {
            rest = rest.trim_start_matches(' ');
            if rest.is_empty() {
                break;
            }
            if let Some(trailing) = rest.strip_prefix(':') {
                params.push(trailing.to_owned());
                break;
            }
            let (param, remainder) = rest.split_once(' ').unwrap_or((rest, ""));
            params.push(param.to_owned());
            rest = remainder;
        }
        Ok(IrcMessage {
            tags,
            source,
            command: command.to_ascii_uppercase(),
            params,
        })
    }

    /// The value of tag `key` (an empty string for a tag without a value).
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    }

    /// The IRCv3 `server-time` of the line (`time` tag, RFC 3339).
    pub fn server_time(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(self.tag("time")?, &Rfc3339).ok()
    }

    /// The sender's nick.
    pub fn nick(&self) -> Option<&str> {
        self.source.as_ref().map(|s| s.nick.as_str())
    }
}

/// IRCv3 message-tags §Escaping values.
fn parse_tags(raw: &str) -> Vec<(String, Option<String>)> {
    let mut tags: Vec<(String, Option<String>)> = Vec::new();
    for tag in raw.split(';').filter(|t| !t.is_empty()) {
        let (key, value) = match tag.split_once('=') {
            Some((key, value)) => (key, Some(unescape(value))),
            None => (tag, None),
        };
        let value = value.filter(|v| !v.is_empty());
        tags.retain(|(k, _)| k != key);
        tags.push((key.to_owned(), value));
    }
    tags
}

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(':') => out.push(';'),
            Some('s') => out.push(' '),
            Some('\\') => out.push('\\'),
            Some('r') => out.push('\r'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            // A trailing lone backslash is dropped.
            None => {}
        }
    }
    out
}

/// IRCv3 message-tags: the escaped form of a tag value.
pub(crate) fn escape_tag_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            ';' => out.push_str("\\:"),
            ' ' => out.push_str("\\s"),
            '\\' => out.push_str("\\\\"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\0' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_privmsg_with_tags_parses() {
        let line = IrcMessage::parse(
            b"@time=2026-01-02T03:04:05.678Z;msgid=a\\sb :nick!user@host PRIVMSG #chan :hi there",
            Charset::Latin1,
        )
        .unwrap();
        assert_eq!(line.command, "PRIVMSG");
        assert_eq!(line.params, ["#chan", "hi there"]);
        assert_eq!(line.tag("msgid"), Some("a b"));
        assert_eq!(line.nick(), Some("nick"));
        assert_eq!(line.server_time().unwrap().year(), 2026);
    }

    #[test]
    fn latin1_lines_decode_and_overlong_lines_are_refused() {
        let line = IrcMessage::parse(b":a PRIVMSG #c :caf\xe9", Charset::Latin1).unwrap();
        assert_eq!(line.params[1], "café");
        let long = vec![b'a'; MAX_INCOMING + 1];
        assert!(matches!(
            IrcMessage::parse(&long, Charset::Latin1),
            Err(WireError::TooLong { .. })
        ));
        assert!(IrcMessage::parse(&vec![b'a'; MAX_INCOMING], Charset::Latin1).is_ok());
        assert_eq!(
            IrcMessage::parse(b"@a=b :src", Charset::Latin1),
            Err(WireError::NoCommand)
        );
    }
}
