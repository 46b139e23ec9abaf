//! Writing a CPIM message as a `message/cpim` body (RFC 3862 §3.6 syntax, CRLF line ends).

use super::message::{CpimMessage, Header};
use super::syntax;
use super::values::{HeaderParam, NameAddr};

impl CpimMessage {
    /// The message as a `message/cpim` body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.content().body.len());
        self.write_to(&mut out);
        out
    }

    /// Appends the message as a `message/cpim` body to `out`.
    ///
    /// Display names are written bare when they are space-separated tokens, quoted otherwise; values get the
    /// escapes of RFC 3862 §2.3; MIME headers are written `Name: value`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let mut line = String::with_capacity(128);
        for header in self.headers() {
            line.clear();
            write_header(header, &mut line);
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        for (name, value) in self.content().headers() {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.content().body);
    }
}

fn write_header(header: &Header, out: &mut String) {
    match header {
        Header::From(addr) => write_name_addr("From", addr, out),
        Header::To(addr) => write_name_addr("To", addr, out),
        Header::Cc(addr) => write_name_addr("cc", addr, out),
        Header::DateTime(at) => {
            out.push_str("DateTime: ");
            out.push_str(&at.to_string());
        }
        Header::Subject(subject) => {
            out.push_str("Subject:");
            if let Some(lang) = &subject.lang {
                out.push_str(";lang=");
                out.push_str(lang.as_str());
            }
            out.push(' ');
            syntax::write_escaped(&subject.text, out);
        }
        Header::Ns(ns) => {
            out.push_str("NS: ");
            if let Some(prefix) = &ns.prefix {
                out.push_str(prefix.as_str());
                out.push(' ');
            }
            push_angle_uri(ns.uri.as_str(), out);
        }
        Header::Require(names) => {
            out.push_str("Require: ");
            for (i, name) in names.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(name.as_str());
            }
        }
        Header::Extension(ext) => {
            out.push_str(ext.name().as_str());
            out.push(':');
            for param in ext.params() {
                write_param(param, out);
            }
            out.push(' ');
            syntax::write_escaped(ext.value(), out);
        }
    }
}

/// RFC 3862 §3.6: `[ Formal-name ] "<" URI ">"`, `Formal-name = 1*( Token SP ) / String`.
fn write_name_addr(name: &str, addr: &NameAddr, out: &mut String) {
    out.push_str(name);
    out.push_str(": ");
    match &addr.display_name {
        Some(display) if syntax::is_token_phrase(display) => {
            out.push_str(display);
            out.push(' ');
        }
        Some(display) => syntax::write_quoted(display, out),
        None => {}
    }
    push_angle_uri(addr.uri.as_str(), out);
}

fn push_angle_uri(uri: &str, out: &mut String) {
    out.push('<');
    out.push_str(uri);
    out.push('>');
}

/// RFC 3862 §3.6: `";" Param-name "=" ( Token / Number / String )`.
fn write_param(param: &HeaderParam, out: &mut String) {
    out.push(';');
    out.push_str(param.name.as_str());
    out.push('=');
    if syntax::is_token(&param.value) {
        out.push_str(&param.value);
    } else {
        syntax::write_quoted(&param.value, out);
    }
}
