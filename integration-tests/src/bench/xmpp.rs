//! A lean XMPP c2s client for the bench: plain TCP (the harness's Prosody has TLS off), SASL PLAIN,
//! resource binding, initial presence; then a reader thread splits the stream into top-level stanzas,
//! answers IQ requests (pings) and hands every stanza on with the instant it was read.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use anyhow::{Context, bail};

/// One top-level element received, with the instant its last byte was read.
#[derive(Debug, Clone)]
pub struct Stanza {
    /// When the read that completed it returned.
    pub at: Instant,
    /// Its XML, as received.
    pub xml: String,
}

impl Stanza {
    /// The element's name (`message`, `presence`, `iq`, `stream:features`...).
    pub fn name(&self) -> &str {
        let rest = self.xml.trim_start_matches('<');
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        &rest[..end]
    }

    /// The value of attribute `name` on the top element, unescaped.
    pub fn attr(&self, name: &str) -> Option<String> {
        let head = &self.xml[..tag_end(self.xml.as_bytes(), 0).unwrap_or(self.xml.len())];
        attribute(head, name).map(|raw| unescape(&raw))
    }

    /// The text of the first `<body>` child, unescaped.
    pub fn body(&self) -> Option<String> {
        let open = self.xml.find("<body")?;
        let after = self.xml[open..].find('>')? + open;
        if self.xml.as_bytes()[after - 1] == b'/' {
            return Some(String::new());
        }
        let close = self.xml[after..].find("</body>")? + after;
        Some(unescape(&self.xml[after + 1..close]))
    }
}

/// The value of the first `name='...'` or `name="..."` in `xml`, as written (still escaped).
pub fn attribute(xml: &str, name: &str) -> Option<String> {
    let bytes = xml.as_bytes();
    let mut from = 0;
    while let Some(found) = xml[from..].find(name) {
        let at = from + found;
        from = at + name.len();
        let before_ok = at > 0 && bytes[at - 1].is_ascii_whitespace();
        let rest = xml[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let rest = rest[1..].trim_start();
        let quote = rest.chars().next()?;
        if quote != '\'' && quote != '"' {
            continue;
        }
        let value = &rest[1..];
        return value.find(quote).map(|end| value[..end].to_owned());
    }
    None
}

/// Escapes text for element content or an attribute value.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}

/// Undoes XML's five predefined entities (enough for what the peers send).
pub fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Where the tag starting at `start` (a `<`) ends: the index of its `>`, skipping quoted values.
fn tag_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate().skip(start + 1) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if b == b'>' => return Some(i),
            None => {}
        }
    }
    None
}

/// Splits an XMPP stream into its top-level stanzas as bytes arrive.
#[derive(Debug, Default)]
pub struct StanzaSplitter {
    buffer: Vec<u8>,
    /// Where scanning resumes.
    scanned: usize,
    /// Element depth: 0 outside the stream, 1 inside `<stream:stream>`, more inside a stanza.
    depth: usize,
    /// Where the stanza being read began.
    start: usize,
    /// Set once `</stream:stream>` arrived.
    pub closed: bool,
}

impl StanzaSplitter {
    /// Takes in `bytes` and returns the stanzas they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buffer.extend_from_slice(bytes);
        let mut done = Vec::new();
        loop {
            let Some(open) = self.buffer[self.scanned..]
                .iter()
                .position(|&b| b == b'<')
                .map(|p| p + self.scanned)
            else {
                self.scanned = self.buffer.len();
                break;
            };
            let Some(close) = tag_end(&self.buffer, open) else {
                self.scanned = open;
                break;
            };
            self.scanned = close + 1;
            let tag = &self.buffer[open..=close];
            if tag.starts_with(b"<?") || tag.starts_with(b"<!") {
                continue;
            }
            if tag.starts_with(b"<stream:stream") {
                // A stream header, also the new one after SASL success.
                self.depth = 1;
                continue;
            }
            if tag.starts_with(b"</") {
                self.depth = self.depth.saturating_sub(1);
                match self.depth {
                    0 => self.closed = true,
                    1 => {
                        done.push(String::from_utf8_lossy(&self.buffer[self.start..=close]).into())
                    }
                    _ => {}
                }
            } else if tag.ends_with(b"/>") {
                if self.depth == 1 {
                    done.push(String::from_utf8_lossy(tag).into());
                }
            } else {
                if self.depth == 1 {
                    self.start = open;
                }
                self.depth += 1;
            }
        }
        // Forget what is behind us when no stanza is half-read.
        if self.depth <= 1 {
            self.buffer.drain(..self.scanned);
            self.scanned = 0;
            self.start = 0;
        }
        done
    }
}

/// A logged-in XMPP user on `localhost`.
#[derive(Debug)]
pub struct XmppClient {
    /// The full JID bound.
    pub jid: String,
    writer: Arc<Mutex<TcpStream>>,
    stanzas: mpsc::Receiver<Stanza>,
    /// Stanzas taken off the channel by a wait but not matched, for later waits.
    held: Vec<Stanza>,
}

impl XmppClient {
    /// Connects to Prosody's c2s port, authenticates `user@localhost` and sends initial presence.
    pub fn login(port: u16, user: &str, password: &str) -> anyhow::Result<Self> {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).context("connecting to c2s")?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(20)))?;
        let mut splitter = StanzaSplitter::default();
        let header = "<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' \
                      xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
        stream.write_all(header.as_bytes())?;
        next_stanza(&mut stream, &mut splitter, "stream:features")?;
        let credentials = STANDARD.encode(format!("\0{user}\0{password}").as_bytes());
        stream.write_all(
            format!(
                "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{credentials}</auth>"
            )
            .as_bytes(),
        )?;
        let outcome = next_stanza(&mut stream, &mut splitter, "")?;
        if outcome.name() != "success" {
            bail!("{user}: authentication failed: {}", outcome.xml);
        }
        stream.write_all(header.as_bytes())?;
        next_stanza(&mut stream, &mut splitter, "stream:features")?;
        stream.write_all(
            b"<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
              <resource>bench</resource></bind></iq>",
        )?;
        let bound = next_stanza(&mut stream, &mut splitter, "iq")?;
        let Some(jid) = bound
            .xml
            .split_once("<jid>")
            .and_then(|(_, rest)| rest.split_once("</jid>"))
            .map(|(jid, _)| jid.to_owned())
        else {
            bail!("{user}: binding failed: {}", bound.xml);
        };
        stream.write_all(b"<presence/>")?;
        stream.set_read_timeout(None)?;

        let writer = Arc::new(Mutex::new(stream.try_clone()?));
        let (tx, stanzas) = mpsc::channel();
        let replies = Arc::clone(&writer);
        std::thread::Builder::new()
            .name(format!("xmpp-{user}"))
            .spawn(move || read_loop(stream, splitter, &tx, &replies))?;
        Ok(Self {
            jid,
            writer,
            stanzas,
            held: Vec::new(),
        })
    }

    /// Writes raw XML to the stream.
    pub fn send(&self, xml: &str) -> anyhow::Result<()> {
        let mut stream = self
            .writer
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?;
        stream.write_all(xml.as_bytes())?;
        Ok(())
    }

    /// Joins a MUC as `room/nick` without history.
    pub fn join(&self, room: &str, nick: &str) -> anyhow::Result<()> {
        self.send(&format!(
            "<presence to='{}/{}'><x xmlns='http://jabber.org/protocol/muc'>\
             <history maxstanzas='0'/></x></presence>",
            escape(room),
            escape(nick)
        ))
    }

    /// Says `body` in `room`.
    pub fn groupchat(&self, room: &str, body: &str, id: &str) -> anyhow::Result<()> {
        self.send(&format!(
            "<message to='{}' type='groupchat' id='{id}'><body>{}</body></message>",
            escape(room),
            escape(body)
        ))
    }

    /// The next stanza within `timeout` (held ones first).
    pub fn recv_timeout(&mut self, timeout: Duration) -> Option<Stanza> {
        if !self.held.is_empty() {
            return Some(self.held.remove(0));
        }
        self.stanzas.recv_timeout(timeout).ok()
    }

    /// Waits up to `timeout` for a stanza matching `predicate`; the others are kept for later waits.
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        what: &str,
        predicate: impl Fn(&Stanza) -> bool,
    ) -> anyhow::Result<Stanza> {
        if let Some(at) = self.held.iter().position(&predicate) {
            return Ok(self.held.remove(at));
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(stanza) = self.stanzas.recv_timeout(left) else {
                let seen: Vec<&str> = self.held.iter().map(|s| s.xml.as_str()).collect();
                bail!(
                    "{}: no {what} within {timeout:?}; received:\n{}",
                    self.jid,
                    seen.join("\n")
                );
            };
            if predicate(&stanza) {
                return Ok(stanza);
            }
            self.held.push(stanza);
        }
    }

    /// Throws away everything received so far; returns how much.
    pub fn drain(&mut self) -> usize {
        let mut count = self.held.len();
        self.held.clear();
        while self.stanzas.try_recv().is_ok() {
            count += 1;
        }
        count
    }
}

impl Drop for XmppClient {
    fn drop(&mut self) {
        if let Ok(mut stream) = self.writer.lock() {
            let _ = stream.write_all(b"<presence type='unavailable'/></stream:stream>");
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// Reads (blocking, during login) until a stanza named `name` arrives (any stanza for `""`).
fn next_stanza(
    stream: &mut TcpStream,
    splitter: &mut StanzaSplitter,
    name: &str,
) -> anyhow::Result<Stanza> {
    let mut buffer = [0u8; 16384];
    loop {
        let read = stream.read(&mut buffer).context("reading during login")?;
        if read == 0 {
            bail!("the server closed the stream during login");
        }
        let at = Instant::now();
        for xml in splitter.feed(&buffer[..read]) {
            let stanza = Stanza { at, xml };
            if name.is_empty() || stanza.name() == name {
                return Ok(stanza);
            }
        }
    }
}

/// The reader thread: hands every stanza on, stamped with the time its read returned, and answers IQ
/// requests (Biboumi pings its users) with an empty result.
fn read_loop(
    mut stream: TcpStream,
    mut splitter: StanzaSplitter,
    tx: &mpsc::Sender<Stanza>,
    replies: &Mutex<TcpStream>,
) {
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let read = match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        let at = Instant::now();
        for xml in splitter.feed(&buffer[..read]) {
            let stanza = Stanza { at, xml };
            if stanza.name() == "iq"
                && matches!(stanza.attr("type").as_deref(), Some("get" | "set"))
            {
                let reply = format!(
                    "<iq type='result' to='{}' id='{}'/>",
                    escape(&stanza.attr("from").unwrap_or_default()),
                    escape(&stanza.attr("id").unwrap_or_default())
                );
                if let Ok(mut writer) = replies.lock() {
                    let _ = writer.write_all(reply.as_bytes());
                }
            }
            // Nobody listening (puppets) is fine: keep reading so the server never blocks on us.
            let _ = tx.send(stanza);
        }
        if splitter.closed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_stanzas_across_reads_and_stream_restarts() {
        let mut splitter = StanzaSplitter::default();
        let mut got =
            splitter.feed(b"<?xml version='1.0'?><stream:stream a='>'><stream:features><x/>");
        assert!(got.is_empty());
        got.extend(splitter.feed(b"</stream:features><success xmlns='s'/><stream:stream>"));
        got.extend(splitter.feed(b"<message from='a&apos;b' to=\"c>d\"><body>1 &lt; 2</bo"));
        got.extend(splitter.feed(b"dy></message></stream:stream>"));
        assert_eq!(got.len(), 3, "{got:?}");
        let message = Stanza {
            at: Instant::now(),
            xml: got[2].clone(),
        };
        assert_eq!(message.name(), "message");
        assert_eq!(message.attr("from").as_deref(), Some("a'b"));
        assert_eq!(message.attr("to").as_deref(), Some("c>d"));
        assert_eq!(message.body().as_deref(), Some("1 < 2"));
        assert!(splitter.closed);
    }
}
