//! The one serializer every outgoing line passes through (RFC 1459 §2.3.1): CR, LF and NUL never reach the
//! wire, middle parameters are single words, and no line is longer than the protocol allows.

use super::WireError;
use super::message::escape_tag_value;

/// RFC 1459 §2.3: a line is at most 512 bytes, CRLF included.
pub const MAX_LINE: usize = 512;
/// IRCv3 message-tags: client tags take at most 4094 bytes with `@` and the space.
const MAX_CLIENT_TAGS: usize = 4094;

/// `COMMAND param ... :last\r\n`. Fails when a parameter contains CR, LF or NUL, a middle parameter is empty,
/// has a space or starts with `:`, the command is not a word or numeric, or the line exceeds 512 bytes.
pub fn serialize(command: &str, params: &[&str]) -> Result<Vec<u8>, WireError> {
    serialize_tagged(&[], command, params)
}

/// An already serialized line (from [`serialize`] or `text_lines`) with IRCv3 client tags put in front;
/// the tags have a budget of their own, so the line keeps its 512 bytes.
pub fn with_client_tags(tags: &[(&str, &str)], line: Vec<u8>) -> Result<Vec<u8>, WireError> {
    let mut tagged = tag_block(tags)?;
    tagged.extend_from_slice(&line);
    Ok(tagged)
}

/// `@key=value;key ` with values escaped (IRCv3 message-tags), or nothing for no tags.
fn tag_block(tags: &[(&str, &str)]) -> Result<Vec<u8>, WireError> {
    let mut line = Vec::with_capacity(64);
    if tags.is_empty() {
        return Ok(line);
    }
    line.push(b'@');
    for (i, (key, value)) in tags.iter().enumerate() {
        check_forbidden("tag", key)?;
        if key.is_empty() || key.contains([' ', ';', '=']) {
            return Err(WireError::BadMiddle {
                index: i + 1,
                value: (*key).to_owned(),
            });
        }
        if i > 0 {
            line.push(b';');
        }
        line.extend_from_slice(key.as_bytes());
        if !value.is_empty() {
            line.push(b'=');
            line.extend_from_slice(escape_tag_value(value).as_bytes());
        }
    }
    line.push(b' ');
    if line.len() > MAX_CLIENT_TAGS {
        return Err(WireError::TooLong {
            length: line.len(),
            limit: MAX_CLIENT_TAGS,
        });
    }
    Ok(line)
}

/// [`serialize`] with IRCv3 client tags (`+draft/reply=...`), escaped.
pub fn serialize_tagged(
    tags: &[(&str, &str)],
    command: &str,
    params: &[&str],
) -> Result<Vec<u8>, WireError> {
    let is_word = !command.is_empty() && command.bytes().all(|b| b.is_ascii_alphabetic());
    let is_numeric = command.len() == 3 && command.bytes().all(|b| b.is_ascii_digit());
    if !is_word && !is_numeric {
        return Err(WireError::BadCommand(command.to_owned()));
    }
    let mut line = tag_block(tags)?;
    let tags_len = line.len();
    line.extend_from_slice(command.as_bytes());
    for (i, param) in params.iter().enumerate() {
        check_forbidden(&field_name(command, i), param)?;
        let last = i + 1 == params.len();
        let needs_colon = param.is_empty() || param.contains(' ') || param.starts_with(':');
        if needs_colon && !last {
            return Err(WireError::BadMiddle {
                index: i + 1,
                value: (*param).to_owned(),
            });
        }
        line.push(b' ');
        if needs_colon {
            line.push(b':');
        }
        line.extend_from_slice(param.as_bytes());
    }
    line.extend_from_slice(b"\r\n");
    if line.len() - tags_len > MAX_LINE {
        return Err(WireError::TooLong {
            length: line.len() - tags_len,
            limit: MAX_LINE,
        });
    }
    Ok(line)
}

fn check_forbidden(field: &str, value: &str) -> Result<(), WireError> {
    let character = if value.contains('\r') {
        "CR"
    } else if value.contains('\n') {
        "LF"
    } else if value.contains('\0') {
        "NUL"
    } else {
        return Ok(());
    };
    Err(WireError::Forbidden {
        field: field.to_owned(),
        character,
    })
}

/// What parameter `index` of `command` is, for error messages.
fn field_name(command: &str, index: usize) -> String {
    let name = match (command.to_ascii_uppercase().as_str(), index) {
        ("NICK", 0) => "nick",
        ("JOIN" | "PART" | "TOPIC" | "KICK" | "NAMES" | "MODE", 0) => "channel",
        ("PART", 1) => "part reason",
        ("KICK", 1) => "nick",
        ("KICK", 2) => "kick reason",
        ("TOPIC", 1) => "topic",
        ("PRIVMSG" | "NOTICE", 0) => "target",
        ("PRIVMSG" | "NOTICE", 1) => "message text",
        ("QUIT", 0) => "quit reason",
        _ => return format!("parameter {}", index + 1),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_tags_at_and_past_their_budget() {
        let line = serialize("PRIVMSG", &["#c", "x"]).unwrap();
        // `@` + key + `=` + value + space.
        let key = "+draft/reply";
        let fits = "a".repeat(MAX_CLIENT_TAGS - key.len() - 3);
        let tagged = with_client_tags(&[(key, &fits)], line.clone()).unwrap();
        assert_eq!(tagged.len(), MAX_CLIENT_TAGS + line.len());
        let over = "a".repeat(MAX_CLIENT_TAGS - key.len() - 2);
        assert!(matches!(
            with_client_tags(&[(key, &over)], line),
            Err(WireError::TooLong {
                limit: MAX_CLIENT_TAGS,
                ..
            })
        ));
    }

    #[test]
    fn lines_are_serialized_with_a_trailing_parameter_when_needed() {
        assert_eq!(
            serialize("PRIVMSG", &["#chan", "hello world"]).unwrap(),
            b"PRIVMSG #chan :hello world\r\n"
        );
        assert_eq!(serialize("NICK", &["alice"]).unwrap(), b"NICK alice\r\n");
        assert_eq!(serialize("TOPIC", &["#c", ""]).unwrap(), b"TOPIC #c :\r\n");
        assert_eq!(
            serialize_tagged(&[("+draft/reply", "a b;c")], "PRIVMSG", &["#c", "x"]).unwrap(),
            b"@+draft/reply=a\\sb\\:c PRIVMSG #c x\r\n"
        );
    }

    #[test]
    fn cr_lf_and_nul_in_any_field_are_refused_by_name() {
        for (command, params, field) in [
            ("NICK", vec!["al\r\nQUIT"], "nick"),
            ("JOIN", vec!["#a\n"], "channel"),
            ("KICK", vec!["#a", "bob", "bye\r\nQUIT :x"], "kick reason"),
            ("TOPIC", vec!["#a", "new\0topic"], "topic"),
            ("PRIVMSG", vec!["#a", "x\ry"], "message text"),
        ] {
            match serialize(command, &params) {
                Err(WireError::Forbidden { field: got, .. }) => assert_eq!(got, field),
                other => panic!("{command} {params:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn bad_middles_commands_and_lengths_are_refused() {
        assert!(matches!(
            serialize("KICK", &["#a", "two words", "x"]),
            Err(WireError::BadMiddle { index: 2, .. })
        ));
        assert!(matches!(
            serialize("PRIVMSG", &[":x", "y"]),
            Err(WireError::BadMiddle { .. })
        ));
        assert!(matches!(
            serialize("PRI VMSG", &[]),
            Err(WireError::BadCommand(_))
        ));
        // "PRIVMSG #c :" is 12 bytes, CRLF 2: 498 bytes of text fill the line exactly.
        assert!(serialize("PRIVMSG", &["#c", &format!("{} ", "a".repeat(497))]).is_ok());
        assert!(matches!(
            serialize("PRIVMSG", &["#c", &format!("{} ", "a".repeat(498))]),
            Err(WireError::TooLong { .. })
        ));
    }
}
