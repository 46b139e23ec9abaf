//! Reading the common stanza attributes (RFC 6120 §8.1): `from`, `to` and `xml:lang`.

use switchboard_core::address::{Address, XmppAddress};
use switchboard_core::cpim::LanguageTag;

use super::MapError;
use crate::proto::{Element, NS_XML};
use crate::transport::TransportDomains;

/// The sender: the `from` JID (RFC 6120 §8.1.2), full JID kept.
pub(crate) fn sender(stanza: &Element) -> Result<XmppAddress, MapError> {
    let from = stanza.attr("from").ok_or(MapError::MissingFrom)?;
    XmppAddress::from_jid_str(from).map_err(|reason| MapError::BadFrom {
        from: from.to_owned(),
        reason,
    })
}

/// The addressee: the legacy address the `to` JID (RFC 6120 §8.1.1) stands for under the gateway's domains.
pub(crate) fn recipient(stanza: &Element, domains: &TransportDomains) -> Result<Address, MapError> {
    let to = stanza.attr("to").ok_or(MapError::MissingTo)?;
    let jid = XmppAddress::from_jid_str(to).map_err(|reason| MapError::BadTo {
        to: to.to_owned(),
        reason,
    })?;
    match domains.to_legacy(&jid) {
        Ok(Some(address)) => Ok(address),
        Ok(None) => Err(MapError::NotOurs { to: to.to_owned() }),
        Err(error) => Err(MapError::Recipient(error)),
    }
}

/// The language of `element` (XML 1.0 §2.12 `xml:lang`), else the one it inherits; a value that is not a
/// language tag is dropped rather than refusing the stanza.
pub(crate) fn language(element: &Element, inherited: Option<&str>) -> Option<LanguageTag> {
    element
        .attr_ns("lang", NS_XML)
        .or(inherited)
        .and_then(|tag| LanguageTag::parse(tag).ok())
}
