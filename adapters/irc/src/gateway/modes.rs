//! Which channel modes take a parameter (RFC 2811 §4, ISUPPORT CHANMODES and PREFIX), so a MODE line's
//! parameters are matched to the right modes.

use crate::wire::Isupport;

/// Whether `mode`, set (`giving`) or unset, takes a parameter: list modes (CHANMODES type A) and
/// always-parameter modes (B) do, set-only modes (C) when set, flags (D) never. Status modes (PREFIX) are
/// handled before this is asked.
pub(crate) fn takes_param(isupport: &Isupport, mode: char, giving: bool) -> bool {
    let kinds = &isupport.chanmodes;
    if kinds.a.contains(mode) || kinds.b.contains(mode) {
        return true;
    }
    if kinds.c.contains(mode) {
        return giving;
    }
    false
}
