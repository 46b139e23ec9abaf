//! Message text as PRIVMSG/NOTICE lines: line breaks make separate lines, and each line is split to fit
//! 512 bytes counting the prefix the server will put in front when it relays it (RFC 1459 §2.3), on word and
//! UTF-8 boundaries, never truncated.

use super::WireError;
use super::serialize::{MAX_LINE, serialize};

/// `text` from `own_prefix` (`nick!user@host`, as the server relays our lines) to `target`, as serialized
/// lines. CR LF, LF and CR break lines (empty lines are skipped); NUL is removed; `action` wraps each line
/// as CTCP ACTION. More than `max_lines` lines (0: no limit) is [`WireError::TooManyLines`].
pub fn text_lines(
    command: &str,
    own_prefix: &str,
    target: &str,
    text: &str,
    action: bool,
    max_lines: usize,
) -> Result<Vec<Vec<u8>>, WireError> {
    // `:prefix COMMAND target :` ... `\r\n`, and the CTCP wrapper when it is an action.
    let overhead = 1 + own_prefix.len() + 1 + command.len() + 1 + target.len() + 2 + 2;
    let wrapper = if action { "\u{1}ACTION \u{1}".len() } else { 0 };
    let room = MAX_LINE
        .checked_sub(overhead + wrapper)
        .filter(|room| *room >= 4)
        .ok_or_else(|| WireError::NoRoom {
            target: target.to_owned(),
        })?;
    let clean = text.replace('\0', "");
    let mut chunks: Vec<&str> = Vec::new();
    for line in clean.split(['\r', '\n']).filter(|l| !l.is_empty()) {
        split_line(line, room, &mut chunks);
    }
    if max_lines > 0 && chunks.len() > max_lines {
        return Err(WireError::TooManyLines {
            lines: chunks.len(),
            max: max_lines,
        });
    }
    chunks
        .into_iter()
        .filter_map(|chunk| {
            if action {
                // A \x01 inside would end the ACTION early and could open another CTCP request.
                let inner = chunk.replace('\u{1}', "");
                Some(serialize(
                    command,
                    &[target, &format!("\u{1}ACTION {inner}\u{1}")],
                ))
            } else {
                // Text that happens to start with \x01 (however many) is not a CTCP request of ours.
                let plain = chunk.trim_start_matches('\u{1}');
                (!plain.is_empty()).then(|| serialize(command, &[target, plain]))
            }
        })
        .collect()
}

/// Splits one line into pieces of at most `room` bytes, breaking at the last space of a piece (the space
/// itself is not sent: servers strip trailing spaces, and a leading one looks like indentation), or, in a
/// word longer than a line, at the last UTF-8 boundary that fits.
fn split_line<'a>(mut line: &'a str, room: usize, out: &mut Vec<&'a str>) {
    while line.len() > room {
        let mut cut = room;
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        // Break at the last space in the piece, unless that leaves it very short (one long word).
        let space = if line.as_bytes().get(cut) == Some(&b' ') {
            Some(cut)
        } else {
            line[..cut].rfind(' ')
        };
        match space {
            Some(space) if space > cut / 2 => {
                out.push(&line[..space]);
                line = &line[space + 1..];
            }
            _ => {
                out.push(&line[..cut]);
                line = &line[cut..];
            }
        }
    }
    if !line.is_empty() {
        out.push(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREFIX: &str = "alice!~alice@127.0.0.1";

    fn texts(lines: &[Vec<u8>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| {
                let l = std::str::from_utf8(l).unwrap();
                let (_, text) = l.split_once(" :").unwrap();
                text.trim_end_matches("\r\n").to_owned()
            })
            .collect()
    }

    #[test]
    fn line_breaks_make_lines_and_nul_is_removed() {
        let lines = text_lines(
            "PRIVMSG",
            PREFIX,
            "#c",
            "one\r\ntwo\nthree\rfo\0ur\n\n",
            false,
            0,
        )
        .unwrap();
        assert_eq!(
            lines,
            [
                b"PRIVMSG #c one\r\n".to_vec(),
                b"PRIVMSG #c two\r\n".to_vec(),
                b"PRIVMSG #c three\r\n".to_vec(),
                b"PRIVMSG #c four\r\n".to_vec()
            ]
        );
    }

    #[test]
    fn long_text_fits_512_bytes_with_the_prefix_and_reassembles_exactly() {
        for (unit, glue) in [("word ", " "), ("é🙂世ж ", " "), ("x", "")] {
            let text: String = unit.repeat(2000 / unit.len() + 1);
            let lines = text_lines("PRIVMSG", PREFIX, "#chan", &text, false, 0).unwrap();
            assert!(lines.len() > 1);
            for line in &lines {
                assert!(
                    1 + PREFIX.len() + 1 + line.len() <= 512,
                    "{} bytes",
                    line.len()
                );
                assert!(std::str::from_utf8(line).is_ok());
            }
            let joined = lines
                .iter()
                .map(|l| {
                    let l = std::str::from_utf8(l).unwrap().trim_end_matches("\r\n");
                    let rest = l.strip_prefix("PRIVMSG #chan ").unwrap();
                    rest.strip_prefix(':').unwrap_or(rest).to_owned()
                })
                .collect::<Vec<_>>()
                .join(glue);
            assert_eq!(joined.trim_end(), text.trim_end());
        }
    }

    #[test]
    fn max_lines_is_a_limit_with_an_error_past_it() {
        let ten = "line\n".repeat(10);
        assert_eq!(
            text_lines("PRIVMSG", PREFIX, "#c", &ten, false, 10)
                .unwrap()
                .len(),
            10
        );
        let eleven = "line\n".repeat(11);
        assert_eq!(
            text_lines("PRIVMSG", PREFIX, "#c", &eleven, false, 10),
            Err(WireError::TooManyLines { lines: 11, max: 10 })
        );
        assert_eq!(
            text_lines("PRIVMSG", PREFIX, "#c", &eleven, false, 0)
                .unwrap()
                .len(),
            11
        );
    }

    #[test]
    fn text_never_smuggles_a_ctcp_request() {
        let lines =
            text_lines("PRIVMSG", PREFIX, "#c", "\u{1}\u{1}VERSION\u{1}", false, 0).unwrap();
        assert_eq!(lines, [b"PRIVMSG #c VERSION\x01\r\n".to_vec()]);
        let only = text_lines("PRIVMSG", PREFIX, "#c", "\u{1}\0\u{1}", false, 0).unwrap();
        assert!(only.is_empty(), "nothing left to say: {only:?}");
        let action = text_lines(
            "PRIVMSG",
            PREFIX,
            "#c",
            "waves\u{1} \u{1}DCC SEND x",
            true,
            0,
        )
        .unwrap();
        assert_eq!(texts(&action), ["\u{1}ACTION waves DCC SEND x\u{1}"]);
    }

    #[test]
    fn actions_are_wrapped_and_counted() {
        let lines = text_lines("PRIVMSG", PREFIX, "#c", &"wave ".repeat(200), true, 0).unwrap();
        for line in &lines {
            assert!(1 + PREFIX.len() + 1 + line.len() <= 512);
            assert!(line.starts_with(b"PRIVMSG #c :\x01ACTION "));
            assert!(line.ends_with(b"\x01\r\n"));
        }
        assert_eq!(texts(&lines[..1])[0].chars().next(), Some('\u{1}'));
    }
}
