//! CTCP (the `\x01COMMAND args\x01` convention inside PRIVMSG and NOTICE; ACTION is `/me`).

/// What a PRIVMSG or NOTICE text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctcp<'a> {
    /// `\x01ACTION text\x01`: the text of a `/me`.
    Action(&'a str),
    /// Another CTCP request or reply (`VERSION`, `PING 123`).
    Other {
        /// The CTCP command.
        command: &'a str,
        /// Its arguments.
        args: &'a str,
    },
    /// Plain text.
    None(&'a str),
}

/// Classifies `text`. The closing `\x01` is optional, as many clients leave it out.
pub fn parse(text: &str) -> Ctcp<'_> {
    let Some(inner) = text.strip_prefix('\u{1}') else {
        return Ctcp::None(text);
    };
    let inner = inner.strip_suffix('\u{1}').unwrap_or(inner);
    let (command, args) = inner.split_once(' ').unwrap_or((inner, ""));
    if command.eq_ignore_ascii_case("ACTION") {
        Ctcp::Action(args)
    } else {
        Ctcp::Other { command, args }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctcp_is_recognised() {
        assert_eq!(parse("\u{1}ACTION waves\u{1}"), Ctcp::Action("waves"));
        assert_eq!(parse("\u{1}ACTION waves"), Ctcp::Action("waves"));
        assert_eq!(
            parse("\u{1}PING 42\u{1}"),
            Ctcp::Other {
                command: "PING",
                args: "42"
            }
        );
        assert_eq!(parse("hello"), Ctcp::None("hello"));
    }
}
