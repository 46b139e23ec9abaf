//! Reading CRLF- (or LF-) terminated lines with a bound: a line over the limit is skipped with an error,
//! not buffered without end.

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::wire::WireError;

/// What one read gave.
#[derive(Debug)]
pub(crate) enum Read {
    /// A complete line, without its line ending.
    Line(Vec<u8>),
    /// A line over the limit was skipped.
    TooLong(usize),
    /// The peer closed the connection.
    Closed,
}

/// A bounded line reader.
#[derive(Debug)]
pub(crate) struct LineReader {
    buffer: Vec<u8>,
    limit: usize,
    skipping: Option<usize>,
}

impl LineReader {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            buffer: Vec::with_capacity(1024),
            limit,
            skipping: None,
        }
    }

    /// The next line from `source`. Cancel-safe: bytes read stay in the buffer.
    pub(crate) async fn next<R: AsyncRead + Unpin>(
        &mut self,
        source: &mut R,
    ) -> std::io::Result<Read> {
        loop {
            if let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buffer.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                if let Some(skipped) = self.skipping.take() {
                    return Ok(Read::TooLong(skipped + line.len()));
                }
                if line.len() > self.limit {
                    return Ok(Read::TooLong(line.len()));
                }
                return Ok(Read::Line(line));
            }
            if self.buffer.len() > self.limit {
                *self.skipping.get_or_insert(0) += self.buffer.len();
                self.buffer.clear();
            }
            let mut chunk = [0u8; 4096];
            let n = source.read(&mut chunk).await?;
            if n == 0 {
                return Ok(Read::Closed);
            }
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }
}

/// The error for a skipped line, for logs.
pub(crate) fn too_long(length: usize, limit: usize) -> WireError {
    WireError::TooLong { length, limit }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_split_on_crlf_and_lf_and_overlong_ones_are_skipped() {
        let data = format!("one\r\ntwo\n{}\r\nthree\r\n", "x".repeat(10_000));
        let mut source = data.as_bytes();
        let mut reader = LineReader::new(100);
        let mut got = Vec::new();
        loop {
            match reader.next(&mut source).await.unwrap() {
                Read::Line(line) => got.push(String::from_utf8(line).unwrap()),
                Read::TooLong(n) => got.push(format!("too long {n}")),
                Read::Closed => break,
            }
        }
        assert_eq!(got, ["one", "two", "too long 10000", "three"]);
    }
}
