//! Serializing the DOM back to XML text: escaping per XML 1.0 §2.4 and §3.3.3, and namespace
//! declarations generated so that every element and attribute resolves to the namespace it has in
//! the DOM (Namespaces in XML 1.0 §6), whatever prefixes the original document used.

use super::element::{Element, Node};
use super::{NS_COMPONENT, NS_STREAMS, NS_XML};

impl Element {
    /// Serializes the element as a self-contained fragment: the root declares its namespace with
    /// `xmlns='…'`, so parsing the result anywhere gives back an equal element (Namespaces in
    /// XML 1.0 §6.2).
    #[must_use]
    pub fn to_xml(&self) -> String {
        let mut w = Writer::new(&[("xml", NS_XML)]);
        w.element(self, "");
        w.out
    }

    /// Serializes the element for writing inside a component stream (XEP-0114 §3), whose header
    /// makes `jabber:component:accept` the default namespace and binds `stream` to
    /// `http://etherx.jabber.org/streams` (RFC 6120 §4.8.5): stanzas carry no redundant `xmlns`
    /// and stream-level elements use the `stream:` prefix.
    #[must_use]
    pub fn to_stream_xml(&self) -> String {
        let mut w = Writer::new(&[("xml", NS_XML), ("stream", NS_STREAMS)]);
        w.element(self, NS_COMPONENT);
        w.out
    }
}

/// The output and the prefix bindings in scope while walking the tree.
struct Writer {
    out: String,
    /// (prefix, namespace) pairs in scope, innermost last.
    prefixes: Vec<(String, String)>,
    /// Counter for generated prefixes `ns0`, `ns1`, …; never reused, so no binding is shadowed.
    generated: usize,
}

impl Writer {
    fn new(bound: &[(&str, &str)]) -> Self {
        Self {
            out: String::new(),
            prefixes: bound
                .iter()
                .map(|(p, n)| ((*p).to_owned(), (*n).to_owned()))
                .collect(),
            generated: 0,
        }
    }

    fn prefix_for(&self, namespace: &str) -> Option<&str> {
        self.prefixes
            .iter()
            .rev()
            .find(|(_, ns)| ns == namespace)
            .map(|(p, _)| p.as_str())
    }

    fn element(&mut self, e: &Element, default_ns: &str) {
        let mark = self.prefixes.len();
        let mut decls = String::new();
        let mut inner_default = default_ns;
        self.out.push('<');
        let prefix = if e.namespace == default_ns {
            None
        } else if let Some(p) = self.prefix_for(&e.namespace).filter(|p| *p != "xml") {
            Some(p.to_owned())
        } else {
            // A default-namespace declaration also covers the children, which usually share it.
            decls.push_str(" xmlns='");
            escape_into(&mut decls, &e.namespace, true);
            decls.push('\'');
            inner_default = &e.namespace;
            None
        };
        let qname_start = self.out.len();
        if let Some(p) = &prefix {
            self.out.push_str(p);
            self.out.push(':');
        }
        self.out.push_str(&e.name);
        let qname_end = self.out.len();
        for a in &e.attributes {
            self.out.push(' ');
            match a.namespace.as_deref().filter(|ns| !ns.is_empty()) {
                None => {}
                Some(ns) => {
                    let p = match self.prefix_for(ns) {
                        Some(p) => p.to_owned(),
                        None => {
                            let p = format!("ns{}", self.generated);
                            self.generated += 1;
                            decls.push_str(" xmlns:");
                            decls.push_str(&p);
                            decls.push_str("='");
                            escape_into(&mut decls, ns, true);
                            decls.push('\'');
                            self.prefixes.push((p.clone(), ns.to_owned()));
                            p
                        }
                    };
                    self.out.push_str(&p);
                    self.out.push(':');
                }
            }
            self.out.push_str(&a.name);
            self.out.push_str("='");
            escape_into(&mut self.out, &a.value, true);
            self.out.push('\'');
        }
        self.out.insert_str(qname_end, &decls);
        if e.children.is_empty() {
            self.out.push_str("/>");
        } else {
            self.out.push('>');
            for child in &e.children {
                match child {
                    Node::Element(c) => self.element(c, inner_default),
                    Node::Text(t) => escape_into(&mut self.out, t, false),
                }
            }
            self.out.push_str("</");
            let qname = self.out[qname_start..qname_end].to_owned();
            self.out.push_str(&qname);
            self.out.push('>');
        }
        self.prefixes.truncate(mark);
    }
}

/// Escapes the five XML special characters (XML 1.0 §2.4), plus the characters that a parser
/// would otherwise normalize away: CR in text (§2.11 end-of-line handling) and TAB, LF, CR in
/// attribute values (§3.3.3), written as character references so they survive.
pub(crate) fn escape_into(out: &mut String, s: &str, attribute: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_all_five_and_normalizable_whitespace() {
        let e = Element::new("body", "jabber:client")
            .with_attr("a", "<&>\"'\t\n\r")
            .with_text("<&>\"'\t\n\r");
        assert_eq!(
            e.to_xml(),
            "<body xmlns='jabber:client' a='&lt;&amp;&gt;&quot;&apos;&#9;&#10;&#13;'>\
             &lt;&amp;&gt;&quot;&apos;\t\n&#13;</body>"
        );
    }

    #[test]
    fn stream_form_omits_default_namespace_and_uses_stream_prefix() {
        let e = Element::new("error", NS_STREAMS)
            .with_child(Element::new("host-unknown", "urn:x").with_attr_ns("lang", NS_XML, "en"));
        assert_eq!(
            e.to_stream_xml(),
            "<stream:error><host-unknown xmlns='urn:x' xml:lang='en'/></stream:error>"
        );
        let m = Element::new("message", NS_COMPONENT).with_attr("to", "a@b");
        assert_eq!(m.to_stream_xml(), "<message to='a@b'/>");
    }

    #[test]
    fn generated_prefixes_for_namespaced_attributes() {
        let e = Element::new("x", "urn:a")
            .with_attr_ns("p", "urn:b", "1")
            .with_child(Element::new("y", "urn:b").with_attr_ns("q", "urn:b", "2"))
            .with_child(Element::new("z", ""));
        assert_eq!(
            e.to_xml(),
            "<x xmlns='urn:a' xmlns:ns0='urn:b' ns0:p='1'><ns0:y ns0:q='2'/><z xmlns=''/></x>"
        );
    }
}
