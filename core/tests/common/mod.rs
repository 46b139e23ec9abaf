//! Helpers shared by the address test files.
#![allow(dead_code)] // Each test file uses its own subset.

use switchboard_core::address::{Address, AddressError};

/// Parses an address a test knows to be valid.
pub(crate) fn parse(text: &str) -> Address {
    text.parse()
        .unwrap_or_else(|error| panic!("{text}: {error}"))
}

/// Parses an address a test knows to be invalid and returns the error.
pub(crate) fn parse_err(text: &str) -> AddressError {
    text.parse::<Address>().expect_err(text)
}

/// Parses, prints, and checks that printing is canonical and that reading the print gives the same value.
pub(crate) fn canonical(text: &str) -> String {
    let address = parse(text);
    let printed = address.to_string();
    assert_eq!(parse(&printed), address, "round trip of {text}");
    assert_eq!(
        parse(&printed).to_string(),
        printed,
        "print is stable for {text}"
    );
    printed
}
