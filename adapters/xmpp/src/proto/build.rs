//! Turning one complete unit framed by `framer.rs` into events: quick-xml tokenizes it, the
//! namespace resolver carries the stream header's bindings into every stanza (Namespaces in
//! XML 1.0 §6), and the stanza becomes an owned [`Element`].

use quick_xml::XmlVersion;
use quick_xml::errors::{Error as XmlError, IllFormedError};
use quick_xml::events::attributes::Attribute as RawAttribute;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{
    Namespace, NamespaceError, NamespaceResolver, PrefixDeclaration, QName, ResolveResult,
};
use quick_xml::reader::Reader;

use super::chars::{is_qname, is_xml_char};
use super::element::{Attribute, Element, Node};
use super::error::{LimitExceeded, Malformed, Restricted, StreamError};

/// Validates a unit as UTF-8 made only of XML `Char`s (RFC 6120 §11.6, XML 1.0 §2.2).
pub(crate) fn as_xml_text(unit: &[u8]) -> Result<&str, StreamError> {
    let text = std::str::from_utf8(unit).map_err(|_| Malformed::InvalidUtf8)?;
    match text.chars().find(|&c| !is_xml_char(c)) {
        Some(c) => Err(Malformed::ForbiddenChar(u32::from(c)).into()),
        None => Ok(text),
    }
}

/// A start tag with its name and attributes checked and namespaces not yet resolved.
struct Tag<'a> {
    start: BytesStart<'a>,
    /// (qualified name, normalized value), namespace declarations included.
    attributes: Vec<(String, String)>,
}

/// Reads a start tag's attributes, refusing malformed names and duplicates (XML 1.0 §3.1 WFC:
/// Unique Att Spec).
fn read_tag(start: BytesStart<'_>) -> Result<Tag<'_>, StreamError> {
    let name = start.name().0;
    if !is_qname(name) {
        return Err(Malformed::BadName(name.to_owned()).into());
    }
    let mut attributes: Vec<(String, String)> = Vec::new();
    for attr in start.attributes().with_checks(false) {
        let attr: RawAttribute<'_> = attr.map_err(|e| Malformed::Syntax(e.to_string()))?;
        let key = attr.key.0;
        if !is_qname(key) {
            return Err(Malformed::BadName(key.to_owned()).into());
        }
        if attributes.iter().any(|(k, _)| k == key) {
            return Err(Malformed::DuplicateAttribute(key.to_owned()).into());
        }
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| Malformed::Syntax(e.to_string()))?;
        attributes.push((key.to_owned(), value.into_owned()));
    }
    Ok(Tag { start, attributes })
}

fn namespace_error(e: NamespaceError, limit: usize) -> StreamError {
    match e {
        NamespaceError::TooManyBindings(_) => LimitExceeded::NamespaceBindings { limit }.into(),
        other => Malformed::BadNamespaceDeclaration(other.to_string()).into(),
    }
}

fn xml_error(e: XmlError) -> StreamError {
    match e {
        XmlError::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => {
            Malformed::MismatchedEndTag { expected, found }.into()
        }
        other => Malformed::Syntax(other.to_string()).into(),
    }
}

fn resolved(result: ResolveResult<'_>) -> Result<String, StreamError> {
    match result {
        ResolveResult::Bound(ns) => Ok(ns.0.to_owned()),
        ResolveResult::Unbound => Ok(String::new()),
        ResolveResult::Unknown(prefix) => Err(Malformed::UndeclaredPrefix(prefix).into()),
    }
}

/// Opens a namespace scope for `tag` and builds its element (children still empty).
fn open_element(
    tag: &Tag<'_>,
    resolver: &mut NamespaceResolver,
    ns_limit: usize,
) -> Result<Element, StreamError> {
    // The resolver's own `push` would bind the raw attribute text; Namespaces in XML 1.0 §3 binds
    // the normalized value, so open an empty scope and add the declarations ourselves.
    resolver
        .push(&BytesStart::new(""))
        .map_err(|e| namespace_error(e, ns_limit))?;
    for (key, value) in &tag.attributes {
        let decl = match QName(key).as_namespace_binding() {
            None => continue,
            // Namespaces in XML 1.0 §5 (Namespace constraint: No Prefix Undeclaring).
            Some(PrefixDeclaration::Named(p)) if value.is_empty() => {
                return Err(Malformed::BadNamespaceDeclaration(format!(
                    "prefix '{p}' bound to the empty namespace"
                ))
                .into());
            }
            Some(decl) => decl,
        };
        resolver
            .add(decl, Namespace(value))
            .map_err(|e| namespace_error(e, ns_limit))?;
    }
    let (ns, local) = resolver.resolve_element(tag.start.name());
    let mut element = Element::new(local.into_inner(), resolved(ns)?);
    for (key, value) in &tag.attributes {
        let qname = QName(key);
        if qname.as_namespace_binding().is_some() {
            continue;
        }
        let (ns, local) = resolver.resolve_attribute(qname);
        let local = local.into_inner();
        let namespace = match resolved(ns)? {
            ns if ns.is_empty() => None,
            ns => Some(ns),
        };
        // Namespaces in XML 1.0 §6.3: two prefixes bound to one namespace still clash.
        if element
            .attributes
            .iter()
            .any(|a| a.name == local && a.namespace == namespace)
        {
            return Err(Malformed::DuplicateAttribute(key.clone()).into());
        }
        element.attributes.push(Attribute {
            name: local.to_owned(),
            namespace,
            value: value.clone(),
        });
    }
    Ok(element)
}

/// The parsed stream header: its qualified name and attributes, namespace declarations included.
pub(crate) struct Header {
    pub(crate) element: Element,
    pub(crate) qname: String,
    pub(crate) attributes: Vec<(String, String)>,
    pub(crate) empty: bool,
}

/// Parses the stream header start tag, leaving its namespace bindings open in `resolver`.
pub(crate) fn parse_header(
    text: &str,
    resolver: &mut NamespaceResolver,
    ns_limit: usize,
) -> Result<Header, StreamError> {
    let mut reader = Reader::from_str(text);
    let (start, empty) = match reader.read_event().map_err(xml_error)? {
        Event::Start(s) => (s, false),
        Event::Empty(s) => (s, true),
        other => return Err(Malformed::Syntax(format!("unexpected {other:?}")).into()),
    };
    let tag = read_tag(start)?;
    let element = open_element(&tag, resolver, ns_limit)?;
    Ok(Header {
        element,
        qname: tag.start.name().0.to_owned(),
        attributes: tag.attributes,
        empty,
    })
}

/// Parses the XML declaration and returns its `encoding` label, if any (XML 1.0 §2.8, §4.3.3).
pub(crate) fn parse_decl(text: &str) -> Result<Option<String>, StreamError> {
    let mut reader = Reader::from_str(text);
    match reader.read_event() {
        Ok(Event::Decl(decl)) => {
            match decl.version() {
                Ok(v) if v == "1.0" => {}
                _ => return Err(Malformed::BadXmlDeclaration.into()),
            }
            match decl.encoding() {
                None => Ok(None),
                Some(Ok(enc)) => Ok(Some(enc.into_owned())),
                Some(Err(_)) => Err(Malformed::BadXmlDeclaration.into()),
            }
        }
        _ => Err(Malformed::BadXmlDeclaration.into()),
    }
}

/// Parses one complete stanza. `resolver` holds the stream header's bindings at `base_level` and
/// is put back there afterwards.
pub(crate) fn parse_stanza(
    text: &str,
    resolver: &mut NamespaceResolver,
    base_level: u16,
    ns_limit: usize,
) -> Result<Element, StreamError> {
    let result = build(text, resolver, ns_limit);
    resolver.set_level(base_level);
    result
}

fn build(
    text: &str,
    resolver: &mut NamespaceResolver,
    ns_limit: usize,
) -> Result<Element, StreamError> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let event = reader.read_event().map_err(xml_error)?;
        let done = match event {
            Event::Start(start) => {
                let tag = read_tag(start)?;
                stack.push(open_element(&tag, resolver, ns_limit)?);
                None
            }
            Event::Empty(start) => {
                let tag = read_tag(start)?;
                let element = open_element(&tag, resolver, ns_limit)?;
                resolver.pop();
                Some(element)
            }
            Event::End(_) => {
                resolver.pop();
                stack.pop()
            }
            Event::Text(t) => {
                push_text(&mut stack, &t.xml10_content())?;
                None
            }
            Event::CData(t) => {
                push_text(&mut stack, &t.xml10_content())?;
                None
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().map_err(xml_error)? {
                    Some(c) => c,
                    None => predefined(&r).ok_or_else(|| Restricted::EntityReference {
                        name: r.to_string(),
                    })?,
                };
                push_text(&mut stack, c.encode_utf8(&mut [0; 4]))?;
                None
            }
            // The framer refuses these before a unit completes; kept total for safety.
            Event::Comment(_) => return Err(Restricted::Comment.into()),
            Event::PI(_) | Event::Decl(_) => return Err(Restricted::ProcessingInstruction.into()),
            Event::DocType(_) => return Err(Restricted::Doctype.into()),
            Event::Eof => break,
        };
        if let Some(element) = done {
            match stack.last_mut() {
                Some(parent) => parent.children.push(Node::Element(element)),
                None if root.is_none() => root = Some(element),
                None => return Err(Malformed::Syntax("more than one root element".into()).into()),
            }
        }
    }
    match (root, stack.pop()) {
        (Some(root), None) => Ok(root),
        (_, Some(open)) => Err(Malformed::Syntax(format!("unclosed <{}>", open.name)).into()),
        (None, None) => Err(Malformed::Syntax("no element".into()).into()),
    }
}

fn predefined(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), StreamError> {
    match stack.last_mut() {
        Some(parent) => {
            parent.push_text(text);
            Ok(())
        }
        None if text.bytes().all(|b| b.is_ascii_whitespace()) => Ok(()),
        None => Err(Malformed::Syntax("text outside the stanza".into()).into()),
    }
}
