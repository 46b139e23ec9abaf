//! Secrets: passwords and shared secrets that never show up in logs, Debug output or error messages.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use toml::Spanned;

use crate::validate::Collector;

/// A password or shared secret read from the config file, a file or an environment variable.
///
/// `Debug` prints `[redacted]`; there is no `Display`. Call [`Secret::expose`] only where the value is
/// sent to the peer that needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value itself; never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Looks up environment variables for `*_env` keys; tests pass their own instead of the process
/// environment, which Rust 2024 only lets `unsafe` code change.
pub trait Environment {
    /// The value of variable `name`, or `None` when it is not set.
    fn var_os(&self, name: &str) -> Option<OsString>;
}

/// The environment of the running process.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn var_os(&self, name: &str) -> Option<OsString> {
        std::env::var_os(name)
    }
}

impl<S: std::hash::BuildHasher> Environment for std::collections::HashMap<String, String, S> {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.get(name).map(OsString::from)
    }
}

impl Environment for std::collections::BTreeMap<String, String> {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.get(name).map(OsString::from)
    }
}

/// The three raw keys that can give one secret, such as `secret`, `secret_file` and `secret_env`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SecretKeys<'a> {
    /// Dotted path of the table holding the keys, such as `xmpp` or `irc.networks.libera`.
    pub(crate) table: &'a str,
    /// Name of the inline key, such as `secret`; the others are this plus `_file` and `_env`.
    pub(crate) name: &'a str,
    /// The inline value.
    pub(crate) value: Option<&'a Spanned<String>>,
    /// The file to read the value from.
    pub(crate) file: Option<&'a Spanned<PathBuf>>,
    /// The environment variable to read the value from.
    pub(crate) env: Option<&'a Spanned<String>>,
}

impl SecretKeys<'_> {
    fn key(&self, suffix: &str) -> String {
        format!("{}.{}{suffix}", self.table, self.name)
    }

    /// Resolves the secret, recording a problem when it is given two ways at once, cannot be read or is
    /// empty. `None` when no key is set at all (the caller decides whether that is allowed) or on a
    /// problem.
    pub(crate) fn resolve(&self, out: &mut Collector<'_>, env: &dyn Environment) -> Option<Secret> {
        let name = self.name;
        let given = [
            self.value.map(|v| (v.span(), "")),
            self.file.map(|v| (v.span(), "_file")),
            self.env.map(|v| (v.span(), "_env")),
        ];
        let mut given = given.into_iter().flatten();
        let (_, first_suffix) = given.next()?;
        if let Some((span, suffix)) = given.next() {
            out.problem(
                span,
                self.key(suffix),
                format!(
                    "{name}{suffix} is set although {name}{first_suffix} already gives this secret; \
                     keep only one of {name}, {name}_file and {name}_env"
                ),
            );
            return None;
        }
        let (value, span, key) = if let Some(value) = self.value {
            (value.get_ref().clone(), value.span(), self.key(""))
        } else if let Some(path) = self.file {
            let key = self.key("_file");
            match read_secret_file(path.get_ref()) {
                Ok(value) => (value, path.span(), key),
                Err(message) => {
                    out.problem(path.span(), key, message);
                    return None;
                }
            }
        } else {
            let variable = self.env?;
            let key = self.key("_env");
            match env.var_os(variable.get_ref()).map(OsString::into_string) {
                Some(Ok(value)) => (value, variable.span(), key),
                None => {
                    out.problem(
                        variable.span(),
                        key,
                        format!(
                            "environment variable `{}` is not set; export it before starting the \
                             gateway or use {name} / {name}_file instead",
                            variable.get_ref()
                        ),
                    );
                    return None;
                }
                Some(Err(_)) => {
                    out.problem(
                        variable.span(),
                        key,
                        format!(
                            "environment variable `{}` is not valid UTF-8; store the secret as UTF-8 text",
                            variable.get_ref()
                        ),
                    );
                    return None;
                }
            }
        };
        if value.is_empty() {
            out.problem(span, key, format!("{name} is empty; give the real secret"));
            return None;
        }
        Some(Secret(value))
    }
}

/// Reads a secret file, dropping the trailing newline editors add; the error names the path, never the
/// contents.
fn read_secret_file(path: &Path) -> Result<String, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text.trim_end_matches(['\r', '\n']).to_owned()),
        Err(error) => Err(format!(
            "cannot read secret file `{}`: {error}; check the path and that the gateway user may read it",
            path.display()
        )),
    }
}
