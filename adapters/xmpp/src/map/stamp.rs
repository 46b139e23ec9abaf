//! Delayed delivery (XEP-0203): the `<delay stamp='…'/>` child and its XEP-0082 date-time.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use super::ns;
use crate::proto::Element;

/// The earliest valid `<delay/>` stamp of `stanza`: XEP-0203 §3 lets each entity that delayed the stanza
/// add one, and the earliest is when it was first sent. Stamps that are not XEP-0082 date-times are ignored.
pub(crate) fn delay_of(stanza: &Element) -> Option<OffsetDateTime> {
    stanza
        .elements()
        .filter(|child| child.is("delay", ns::DELAY))
        .filter_map(|delay| delay.attr("stamp"))
        .filter_map(|stamp| OffsetDateTime::parse(stamp, &Rfc3339).ok())
        .min()
}

/// A `<delay/>` element for `at`, written in UTC as XEP-0082 §3.3 requires; `None` for an instant XEP-0082
/// cannot write (outside years 0000-9999).
pub(crate) fn delay_element(at: OffsetDateTime) -> Option<Element> {
    let stamp = at.to_offset(UtcOffset::UTC).format(&Rfc3339).ok()?;
    Some(Element::new("delay", ns::DELAY).with_attr("stamp", stamp))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::proto::NS_COMPONENT;

    #[test]
    fn the_earliest_valid_stamp_wins_and_is_written_back_in_utc() {
        let stanza = Element::new("message", NS_COMPONENT)
            .with_child(Element::new("delay", ns::DELAY).with_attr("stamp", "2024-05-01T10:00:00Z"))
            .with_child(Element::new("delay", ns::DELAY).with_attr("stamp", "not a date"))
            .with_child(
                Element::new("delay", ns::DELAY).with_attr("stamp", "2024-05-01T11:59:30.5+02:00"),
            )
            .with_child(
                Element::new("delay", "jabber:x:delay").with_attr("stamp", "1999-01-01T00:00:00Z"),
            );
        let at = delay_of(&stanza).expect("stamp");
        assert_eq!(at, datetime!(2024-05-01 09:59:30.5 UTC));
        assert_eq!(
            delay_element(at).expect("delay").attr("stamp"),
            Some("2024-05-01T09:59:30.5Z")
        );
    }

    #[test]
    fn no_delay_means_no_stamp() {
        assert_eq!(delay_of(&Element::new("message", NS_COMPONENT)), None);
    }
}
