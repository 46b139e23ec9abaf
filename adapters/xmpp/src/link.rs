//! One XEP-0114 component connection: connect, open the stream, authenticate with the handshake, then carry
//! stanzas both ways.

use std::time::Duration;

use thiserror::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tracing::debug;

use crate::proto::{
    Element, NS_STREAM_ERRORS, NS_STREAMS, STREAM_CLOSE, StreamError, StreamEvent, StreamHeader,
    StreamLimits, StreamParser, handshake_element,
};

/// How much one read takes from the socket at most.
const READ_CHUNK: usize = 64 * 1024;

/// Why a component connection failed or ended.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LinkError {
    /// Happens when the XMPP server cannot be reached.
    #[error(
        "cannot connect to the XMPP server at {server}: check [xmpp] server and that the server is running"
    )]
    Connect {
        /// The address tried.
        server: String,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
    /// Happens when the server does not answer within the time allowed.
    #[error("the XMPP server did not answer the {step} within {timeout:?}")]
    Timeout {
        /// Which step of the set-up.
        step: &'static str,
        /// How long we waited.
        timeout: Duration,
    },
    /// Happens when the server refuses the handshake (wrong secret) or the domain (conflict, host-unknown).
    #[error(
        "the XMPP server refused the component {domain} ({condition}{}): check that [xmpp] secret matches the server's component_secret for this domain and that no other component holds it",
        text.as_deref().map(|t| format!(": {t}")).unwrap_or_default()
    )]
    Refused {
        /// The component domain.
        domain: String,
        /// The stream error condition (RFC 6120 §4.9.3).
        condition: String,
        /// The server's explanation.
        text: Option<String>,
    },
    /// Happens when the server closes the stream with a stream error after set-up.
    #[error("the XMPP server closed the stream with {condition}{}", text.as_deref().map(|t| format!(": {t}")).unwrap_or_default())]
    StreamClosedWithError {
        /// The stream error condition.
        condition: String,
        /// The server's explanation.
        text: Option<String>,
    },
    /// Happens when the server closes the stream or the connection.
    #[error("the XMPP server closed the connection")]
    Closed,
    /// Happens when reading or writing the socket fails.
    #[error("the connection to the XMPP server failed")]
    Io(#[source] std::io::Error),
    /// Happens when the server sends XML the stream rules refuse; we answered with this stream error.
    #[error("the XMPP server sent a bad stream")]
    BadStream(#[source] StreamError),
}

/// The reading half of an authenticated component stream.
#[derive(Debug)]
pub(crate) struct LinkReader {
    socket: OwnedReadHalf,
    parser: StreamParser,
    buffer: Vec<u8>,
}

/// The writing half of an authenticated component stream.
#[derive(Debug)]
pub(crate) struct LinkWriter {
    socket: OwnedWriteHalf,
}

/// Connects to `server`, opens a `jabber:component:accept` stream for `domain` and authenticates with the
/// XEP-0114 §3 handshake.
pub(crate) async fn connect(
    server: &str,
    domain: &str,
    secret: &str,
    limits: StreamLimits,
    timeout: Duration,
) -> Result<(LinkReader, LinkWriter), LinkError> {
    let socket = tokio::time::timeout(timeout, TcpStream::connect(server))
        .await
        .map_err(|_| LinkError::Timeout {
            step: "TCP connection",
            timeout,
        })?
        .map_err(|source| LinkError::Connect {
            server: server.to_owned(),
            source,
        })?;
    socket.set_nodelay(true).map_err(LinkError::Io)?;
    let (read, write) = socket.into_split();
    let mut reader = LinkReader {
        socket: read,
        parser: StreamParser::new(limits),
        buffer: vec![0; READ_CHUNK],
    };
    let mut writer = LinkWriter { socket: write };
    writer.send_raw(&StreamHeader::new(domain).to_xml()).await?;
    let stream_id = tokio::time::timeout(timeout, reader.stream_id())
        .await
        .map_err(|_| LinkError::Timeout {
            step: "stream header",
            timeout,
        })??;
    writer.send(&handshake_element(&stream_id, secret)).await?;
    let answer = tokio::time::timeout(timeout, reader.next_event())
        .await
        .map_err(|_| LinkError::Timeout {
            step: "handshake",
            timeout,
        })?;
    match answer {
        Ok(StreamEvent::Stanza(element)) if element.name == "handshake" => {
            debug!(domain, "Component handshake accepted");
            Ok((reader, writer))
        }
        Ok(StreamEvent::Stanza(element)) if element.is("error", NS_STREAMS) => {
            let (condition, text) = stream_error_parts(&element);
            Err(LinkError::Refused {
                domain: domain.to_owned(),
                condition,
                text,
            })
        }
        Ok(_) | Err(LinkError::Closed) => Err(LinkError::Refused {
            domain: domain.to_owned(),
            condition: "closed".to_owned(),
            text: None,
        }),
        Err(error) => Err(error),
    }
}

impl LinkReader {
    async fn stream_id(&mut self) -> Result<String, LinkError> {
        match self.next_event().await? {
            StreamEvent::StreamOpen(open) => Ok(open.id().unwrap_or_default().to_owned()),
            StreamEvent::Stanza(element) if element.is("error", NS_STREAMS) => {
                let (condition, text) = stream_error_parts(&element);
                Err(LinkError::StreamClosedWithError { condition, text })
            }
            _ => Err(LinkError::Closed),
        }
    }

    /// The next event of the stream. Cancel-safe: a cancelled call loses nothing, what was read stays in the
    /// parser.
    async fn next_event(&mut self) -> Result<StreamEvent, LinkError> {
        loop {
            if let Some(event) = self.parser.next_event() {
                return Ok(event);
            }
            let read = self
                .socket
                .read(&mut self.buffer)
                .await
                .map_err(LinkError::Io)?;
            if read == 0 {
                return Err(LinkError::Closed);
            }
            self.parser
                .feed(&self.buffer[..read])
                .map_err(LinkError::BadStream)?;
        }
    }

    /// The next stanza; a stream error or the end of the stream ends the link. Cancel-safe.
    pub(crate) async fn next_stanza(&mut self) -> Result<Element, LinkError> {
        match self.next_event().await? {
            StreamEvent::Stanza(element) if element.is("error", NS_STREAMS) => {
                let (condition, text) = stream_error_parts(&element);
                Err(LinkError::StreamClosedWithError { condition, text })
            }
            StreamEvent::Stanza(element) => Ok(element),
            StreamEvent::StreamClose => Err(LinkError::Closed),
            StreamEvent::StreamOpen(_) => Err(LinkError::BadStream(StreamError::BadFormat(
                crate::proto::FormatProblem::TextBetweenStanzas,
            ))),
        }
    }
}

impl LinkWriter {
    /// Writes one stanza.
    pub(crate) async fn send(&mut self, element: &Element) -> Result<(), LinkError> {
        self.send_raw(&element.to_stream_xml()).await
    }

    /// Writes raw text: the stream header, a whitespace keep-alive (RFC 6120 §4.6.1), the closing tag.
    pub(crate) async fn send_raw(&mut self, text: &str) -> Result<(), LinkError> {
        self.socket
            .write_all(text.as_bytes())
            .await
            .map_err(LinkError::Io)
    }

    /// Sends a stream error and closes the stream (RFC 6120 §4.9.1.1).
    pub(crate) async fn fail(&mut self, error: &StreamError) {
        let _ = self.send_raw(&error.to_stream_error_xml()).await;
        self.close().await;
    }

    /// Closes the stream politely.
    pub(crate) async fn close(&mut self) {
        let _ = self.send_raw(STREAM_CLOSE).await;
        let _ = self.socket.shutdown().await;
    }
}

/// The defined condition and text of a `<stream:error/>`.
fn stream_error_parts(error: &Element) -> (String, Option<String>) {
    let condition = error
        .elements()
        .find(|child| child.namespace == NS_STREAM_ERRORS && child.name != "text")
        .map(|child| child.name.clone())
        .unwrap_or_else(|| "undefined-condition".to_owned());
    let text = error
        .child("text", NS_STREAM_ERRORS)
        .map(Element::text)
        .filter(|t| !t.is_empty());
    (condition, text)
}
