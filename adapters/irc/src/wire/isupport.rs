//! RPL_ISUPPORT (005): what the server says about itself, as far as the gateway needs it.

use switchboard_core::address::CaseMapping;

/// The server's ISUPPORT tokens the gateway uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Isupport {
    /// `CASEMAPPING` (rfc1459 when not said).
    pub casemapping: CaseMapping,
    /// `PREFIX=(qaohv)~&@%+`: (mode, prefix) pairs, highest first.
    pub prefixes: Vec<(char, char)>,
    /// `CHANTYPES` (`#&` when not said).
    pub chantypes: String,
    /// `NICKLEN`.
    pub nicklen: Option<usize>,
    /// `NETWORK`.
    pub network: Option<String>,
    /// `CHANMODES=A,B,C,D`.
    pub chanmodes: ChanModes,
}

/// `CHANMODES`: which channel modes take parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChanModes {
    /// Lists (`b`, `e`, `I`): always a parameter.
    pub a: String,
    /// Always a parameter (`k`).
    pub b: String,
    /// A parameter when set (`l`).
    pub c: String,
    /// Flags, no parameter.
    pub d: String,
}

impl Default for Isupport {
    fn default() -> Self {
        Self {
            casemapping: CaseMapping::Rfc1459,
            prefixes: vec![('o', '@'), ('v', '+')],
            chantypes: "#&".to_owned(),
            nicklen: None,
            network: None,
            chanmodes: ChanModes {
                a: "beI".to_owned(),
                b: "k".to_owned(),
                c: "l".to_owned(),
                d: "imnpst".to_owned(),
            },
        }
    }
}

impl Isupport {
    /// Takes in the tokens of one 005 line (`<me> TOKEN TOKEN=value ... :are supported by this server`).
    pub fn apply(&mut self, params: &[String]) {
        let tokens = params.iter().skip(1).take(params.len().saturating_sub(2));
        for token in tokens {
            let (key, value) = token.split_once('=').unwrap_or((token, ""));
            match key {
                "CASEMAPPING" => {
                    if let Ok(mapping) = value.parse() {
                        self.casemapping = mapping;
                    }
                }
                "PREFIX" => {
                    if let Some((modes, prefixes)) =
                        value.strip_prefix('(').and_then(|v| v.split_once(')'))
                    {
                        self.prefixes = modes.chars().zip(prefixes.chars()).collect();
                    }
                }
                "CHANTYPES" => self.chantypes = value.to_owned(),
                "NICKLEN" => self.nicklen = value.parse().ok(),
                "NETWORK" => self.network = Some(value.to_owned()),
                "CHANMODES" => {
                    let mut kinds = value.split(',').map(str::to_owned);
                    self.chanmodes = ChanModes {
                        a: kinds.next().unwrap_or_default(),
                        b: kinds.next().unwrap_or_default(),
                        c: kinds.next().unwrap_or_default(),
                        d: kinds.next().unwrap_or_default(),
                    };
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_taken_in() {
        let mut isupport = Isupport::default();
        let params: Vec<String> = [
            "me",
            "CASEMAPPING=ascii",
            "PREFIX=(qaohv)~&@%+",
            "CHANTYPES=#",
            "NICKLEN=30",
            "NETWORK=Test",
            "CHANMODES=beI,k,l,imnpst",
            "are supported by this server",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        isupport.apply(&params);
        assert_eq!(isupport.casemapping, CaseMapping::Ascii);
        assert_eq!(isupport.prefixes[0], ('q', '~'));
        assert_eq!(isupport.prefixes.len(), 5);
        assert_eq!(isupport.chantypes, "#");
        assert_eq!(isupport.nicklen, Some(30));
        assert_eq!(isupport.network.as_deref(), Some("Test"));
        assert_eq!(isupport.chanmodes.c, "l");
    }
}
