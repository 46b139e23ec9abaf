//! The owned DOM of one stanza: elements with resolved namespaces (Namespaces in XML 1.0 §5),
//! ordered attributes and mixed content. Namespace declarations are not attributes here: they are
//! consumed while parsing and generated again when serializing (see `serialize.rs`).

/// An XML element with its namespace resolved (RFC 6120 §8, Namespaces in XML 1.0 §5).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// The local name, without prefix, e.g. `message`.
    pub name: String,
    /// The namespace name, e.g. `jabber:component:accept`; empty when the element has none.
    pub namespace: String,
    /// The attributes in document order, without `xmlns` / `xmlns:*` declarations.
    pub attributes: Vec<Attribute>,
    /// The children in document order; adjacent text is merged into one [`Node::Text`].
    pub children: Vec<Node>,
}

/// One attribute, with its namespace resolved when it had a prefix (Namespaces in XML 1.0 §6.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The local name, e.g. `to`, or `lang` for `xml:lang`.
    pub name: String,
    /// The namespace of a prefixed attribute (`http://www.w3.org/XML/1998/namespace` for
    /// `xml:lang`); `None` for an unprefixed one, which is in no namespace.
    pub namespace: Option<String>,
    /// The value after XML 1.0 §3.3.3 normalization and reference expansion.
    pub value: String,
}

/// A child of an [`Element`] (XML 1.0 §3.1 `content`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A child element.
    Element(Element),
    /// Character data, unescaped (CDATA sections included).
    Text(String),
}

impl Element {
    /// An element with no attributes and no children.
    #[must_use]
    pub fn new(name: impl Into<String>, namespace: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            namespace: namespace.into(),
            attributes: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Builder form of [`Element::set_attr`].
    #[must_use]
    pub fn with_attr(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set_attr(name, value);
        self
    }

    /// Builder: adds (or replaces) an attribute in namespace `namespace`, e.g. `xml:lang`.
    #[must_use]
    pub fn with_attr_ns(
        mut self,
        name: impl Into<String>,
        namespace: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        let (name, namespace) = (name.into(), Some(namespace.into()));
        self.attributes
            .retain(|a| !(a.name == name && a.namespace == namespace));
        self.attributes.push(Attribute {
            name,
            namespace,
            value: value.into(),
        });
        self
    }

    /// Builder: appends a child element.
    #[must_use]
    pub fn with_child(mut self, child: Element) -> Self {
        self.children.push(Node::Element(child));
        self
    }

    /// Builder: appends text, merging it with a preceding text node.
    #[must_use]
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.push_text(&text.into());
        self
    }

    /// Sets the unprefixed attribute `name`, replacing its value if present (order is kept).
    pub fn set_attr(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        match self
            .attributes
            .iter_mut()
            .find(|a| a.namespace.is_none() && a.name == name)
        {
            Some(existing) => existing.value = value,
            None => self.attributes.push(Attribute {
                name,
                namespace: None,
                value,
            }),
        }
    }

    /// Appends text, merging it into a trailing text node so the tree stays in the form the
    /// parser produces (needed for parse(serialize(e)) == e).
    pub fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if let Some(Node::Text(last)) = self.children.last_mut() {
            last.push_str(text);
        } else {
            self.children.push(Node::Text(text.to_owned()));
        }
    }

    /// The value of the unprefixed attribute `name`, e.g. `attr("to")`.
    #[must_use]
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.namespace.is_none() && a.name == name)
            .map(|a| a.value.as_str())
    }

    /// The value of attribute `name` in namespace `namespace`, e.g. `attr_ns("lang", NS_XML)`.
    #[must_use]
    pub fn attr_ns(&self, name: &str, namespace: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.name == name && a.namespace.as_deref() == Some(namespace))
            .map(|a| a.value.as_str())
    }

    /// Whether this element is `name` in `namespace`.
    #[must_use]
    pub fn is(&self, name: &str, namespace: &str) -> bool {
        self.name == name && self.namespace == namespace
    }

    /// The first child element named `name` in `namespace`.
    #[must_use]
    pub fn child(&self, name: &str, namespace: &str) -> Option<&Element> {
        self.elements().find(|e| e.is(name, namespace))
    }

    /// The child elements, in order, skipping text.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The concatenated text children (not descendants), e.g. the body of `<body/>`.
    #[must_use]
    pub fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_find_attributes_children_and_text() {
        let e = Element::new("message", "jabber:component:accept")
            .with_attr("to", "a@b")
            .with_attr_ns("lang", super::super::NS_XML, "en")
            .with_text("x")
            .with_child(Element::new("body", "jabber:component:accept").with_text("hi"))
            .with_text("y")
            .with_text("z");
        assert_eq!(e.attr("to"), Some("a@b"));
        assert_eq!(e.attr("lang"), None);
        assert_eq!(e.attr_ns("lang", super::super::NS_XML), Some("en"));
        assert_eq!(
            e.child("body", "jabber:component:accept")
                .map(Element::text),
            Some("hi".to_owned())
        );
        assert_eq!(e.child("body", "jabber:client"), None);
        assert_eq!(e.text(), "xyz");
        assert_eq!(e.children.len(), 3);
    }

    #[test]
    fn set_attr_replaces_in_place() {
        let mut e = Element::new("iq", "")
            .with_attr("a", "1")
            .with_attr("b", "2");
        e.set_attr("a", "3");
        let names: Vec<_> = e
            .attributes
            .iter()
            .map(|a| (a.name.as_str(), a.value.as_str()))
            .collect();
        assert_eq!(names, [("a", "3"), ("b", "2")]);
    }

    #[test]
    fn empty_text_adds_no_node() {
        assert!(Element::new("a", "").with_text("").children.is_empty());
    }
}
