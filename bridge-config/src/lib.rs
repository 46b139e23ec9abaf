//! Switchboard's configuration: one TOML file turned into a typed, validated [`Config`].
//!
//! Loading runs three phases:
//!
//! 1. **parse**: TOML syntax and schema (unknown keys, wrong types, missing keys); the first error is
//!    reported with its line, column and key path ([`ConfigError::Parse`]);
//! 2. **validate**: addresses, cross-references between tables, limits; every problem is collected
//!    ([`ConfigError::Invalid`]);
//! 3. **resolve secrets**: `*_file` and `*_env` keys are read; failures join the validation problems.
//!
//! Every problem prints as `file:line:column: key: message`. Secrets never appear in `Debug` output or
//! in messages. See `docs/config.md` for every key.

#![forbid(unsafe_code)]

mod addresses;
mod check;
mod error;
mod model;
mod parse;
mod raw;
mod secret;
mod validate;

use std::path::Path;

pub use error::{ConfigError, Problem, Problems};
pub use model::{
    BridgeConfig, Charset, Config, EmailConfig, EmailSecurity, GatewayConfig, HostPort, IrcConfig,
    IrcNetworkConfig, RouteConfig, RouteWhen, XmppConfig,
};
pub use secret::{Environment, ProcessEnvironment, Secret};

/// Reads, parses and validates the file at `path`, resolving secrets from the process environment.
///
/// Relative `*_file` paths are resolved against the working directory.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    load_with_env(path, &ProcessEnvironment)
}

/// Like [`load`], reading `*_env` secrets from `env` instead of the process environment.
pub fn load_with_env(path: &Path, env: &dyn Environment) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let source = path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    parse_str_with_env(&text, &source, env)
}

/// Parses and validates `text`; `source` names the file in messages. Secrets come from the process
/// environment.
pub fn parse_str(text: &str, source: &str) -> Result<Config, ConfigError> {
    parse_str_with_env(text, source, &ProcessEnvironment)
}

/// Like [`parse_str`], reading `*_env` secrets from `env` instead of the process environment.
pub fn parse_str_with_env(
    text: &str,
    source: &str,
    env: &dyn Environment,
) -> Result<Config, ConfigError> {
    let positions = parse::Positions::new(text);
    let raw = parse::parse(text, &positions)
        .map_err(|problem| ConfigError::Parse(Problems::new(source, vec![problem])))?;
    validate::validate(raw, &positions, env)
        .map_err(|problems| ConfigError::Invalid(Problems::new(source, problems)))
}
