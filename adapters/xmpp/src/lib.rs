//! XMPP adapter (being written).
