//! What can be wrong with an IRC line, coming or going.

/// A line that cannot be parsed or must not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// An empty line, or one with tags or a source but no command.
    #[error("the IRC line has no command")]
    NoCommand,
    /// A line longer than the protocol allows (RFC 1459 §2.3: 512 bytes with CRLF; IRCv3: 8191 more for tags).
    #[error("the IRC line is {length} bytes, over the limit of {limit}")]
    TooLong {
        /// Its length.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// CR, LF or NUL in a field that is sent as it is: they would end the line and start a command of the
    /// sender's choosing.
    #[error("the {field} contains {character}, which IRC cannot carry; remove it")]
    Forbidden {
        /// Which field (`nick`, `channel`, `parameter 2` ...).
        field: String,
        /// The character, named (`CR`, `LF`, `NUL`).
        character: &'static str,
    },
    /// A parameter other than the last that is empty, contains a space or starts with `:`.
    #[error(
        "parameter {index} ({value:?}) cannot be a middle parameter: it is empty, has a space or starts with ':'"
    )]
    BadMiddle {
        /// Its position, from 1.
        index: usize,
        /// Its value.
        value: String,
    },
    /// The command is not letters or a three-digit numeric.
    #[error("{0:?} is not an IRC command")]
    BadCommand(String),
    /// A message that would need more lines than the network allows (`max_lines`).
    #[error(
        "the message needs {lines} IRC lines, more than this network's limit of {max}; send it in parts"
    )]
    TooManyLines {
        /// Lines it would need.
        lines: usize,
        /// The limit.
        max: usize,
    },
    /// The fixed part of a line (prefix, command, target) leaves no room for text.
    #[error("the target {target:?} leaves no room for text within 512 bytes")]
    NoRoom {
        /// The target.
        target: String,
    },
}
