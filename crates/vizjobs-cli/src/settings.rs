//! Settings declared once: each one's flag, environment variable, config-file key, help and
//! default in one place.
//!
//! A group of settings is one struct declared through [`settings!`](crate::settings!). Each field
//! is a clap argument (its `#[arg]` names the flag and the `VIZJOBS_*` variable, its doc comment
//! is the help, which ends with the default) and a key of the TOML config file named as the field.
//! Every field is an `Option` (or a nested group), `None` meaning "not given", so the layers
//! merge without code per setting:
//!
//! 1. clap fills the struct from the flags and the environment (a flag beats its variable);
//! 2. [`Setting::or`] fills what is still unset from the environment alone (a no-op after clap,
//!    it completes a struct built in code, as `vizjobs admin` builds one);
//! 3. [`ConfigFile::fill`] fills what is still unset from the config file, refusing keys no
//!    setting has;
//! 4. the code that turns the settings into the typed configuration applies the built-in
//!    defaults, the only place they live besides the help text (a test compares the two).
//!
//! Markers written before a field's `pub`:
//! - `@secret`: the value prints as `***` in `Debug`; its `#[arg]` also has
//!   `hide_env_values = true` so `--help` does not show it;
//! - `@not_in_file`: not a key of the config file (`--config` itself, and the secrets that may
//!   only come from the environment, whose `#[arg]` has `value_parser = EnvOnly`).

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use clap::parser::ValueSource;
use serde::de::DeserializeOwned;

/// One setting, or a group of them.
pub trait Setting {
    /// Takes `key` (for a group: each of its fields' keys) out of `file` and keeps its value
    /// where none is set yet. A value the setting would refuse is an error even when unused.
    fn fill(&mut self, key: &'static str, file: &mut ConfigFile) -> anyhow::Result<()>;

    /// Keeps the values set here, and takes the others from `lower`.
    fn or(&mut self, lower: Self);
}

impl<T: DeserializeOwned> Setting for Option<T> {
    fn fill(&mut self, key: &'static str, file: &mut ConfigFile) -> anyhow::Result<()> {
        if let Some(value) = file.take(key) {
            let value: T = value.try_into().with_context(|| format!("key `{key}`"))?;
            if self.is_none() {
                *self = Some(value);
            }
        }
        Ok(())
    }

    fn or(&mut self, lower: Self) {
        if self.is_none() {
            *self = lower;
        }
    }
}

impl<T: Setting> Setting for Box<T> {
    fn fill(&mut self, key: &'static str, file: &mut ConfigFile) -> anyhow::Result<()> {
        (**self).fill(key, file)
    }

    fn or(&mut self, lower: Self) {
        (**self).or(*lower)
    }
}

/// The TOML config file: keys as the settings' fields (the flags' names with `_` for `-`).
pub struct ConfigFile {
    path: PathBuf,
    table: toml::Table,
    /// The keys settings asked for, for the message about an unknown one.
    known: BTreeSet<&'static str>,
}

impl ConfigFile {
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the config file {}", path.display()))?;
        Self::parse(path, &text)
    }

    /// The file `path` holding `text`.
    pub fn parse(path: &Path, text: &str) -> anyhow::Result<Self> {
        let table = text
            .parse::<toml::Table>()
            .with_context(|| format!("parsing the config file {}", path.display()))?;
        Ok(Self {
            path: path.to_owned(),
            table,
            known: BTreeSet::new(),
        })
    }

    /// Fills the unset settings of `settings` from the file; a key no setting takes is refused.
    pub fn fill(mut self, settings: &mut impl Setting) -> anyhow::Result<()> {
        let context = format!("parsing the config file {}", self.path.display());
        settings.fill("", &mut self).context(context.clone())?;
        if let Some(key) = self.table.keys().next() {
            let expected: Vec<String> = self.known.iter().map(|k| format!("`{k}`")).collect();
            return Err(anyhow::anyhow!(
                "unknown key `{key}`, expected one of {}",
                expected.join(", ")
            ))
            .context(context);
        }
        Ok(())
    }

    fn take(&mut self, key: &'static str) -> Option<toml::Value> {
        self.known.insert(key);
        self.table.remove(key)
    }
}

/// Shows a secret setting in `Debug` without its value.
pub struct Redacted<'a, T>(pub &'a Option<T>);

impl<T> std::fmt::Debug for Redacted<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(_) => f.write_str("Some(***)"),
            None => f.write_str("None"),
        }
    }
}

/// A value parser for secrets taken only from their environment variable: a flag's value
/// would be visible to every user of the machine (`ps`), so one is refused, without echoing it.
#[derive(Clone, Copy, Debug)]
pub struct EnvOnly;

impl TypedValueParser for EnvOnly {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        self.parse_ref_(cmd, arg, value, ValueSource::CommandLine)
    }

    fn parse_ref_(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
        source: ValueSource,
    ) -> Result<String, clap::Error> {
        let env = arg
            .and_then(|a| a.get_env())
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        if source != ValueSource::EnvVariable {
            let flag = arg
                .and_then(|a| a.get_long())
                .map(|long| format!("--{long}"))
                .unwrap_or_default();
            return Err(clap::Error::raw(
                ErrorKind::ValueValidation,
                format!(
                    "{flag} is never taken from a flag (every user of the machine could read it); set {env}\n"
                ),
            )
            .with_cmd(cmd));
        }
        value.to_str().map(str::to_owned).ok_or_else(|| {
            clap::Error::raw(ErrorKind::InvalidUtf8, format!("{env} is not UTF-8\n")).with_cmd(cmd)
        })
    }
}

/// Declares a group of settings: a struct deriving `clap::Args`, `Clone` and `Default`, with
/// [`Setting`] (filling from the config file, one key per field) and a `Debug` that hides the
/// fields marked `@secret`. A field marked `@not_in_file` is no key of the file. A nested group
/// is a field with `#[command(flatten)]` whose type is another group (or a `Box` of one).
#[macro_export]
macro_rules! settings {
    (
        $(#[$struct_attr:meta])*
        pub struct $name:ident {
            $(
                $(#[$field_attr:meta])*
                $(@$marker:ident)*
                pub $field:ident : $ty:ty,
            )*
        }
    ) => {
        $(#[$struct_attr])*
        #[derive(clap::Args, Clone, Default)]
        pub struct $name {
            $(
                $(#[$field_attr])*
                pub $field: $ty,
            )*
        }

        impl $crate::settings::Setting for $name {
            fn fill(
                &mut self,
                _group: &'static str,
                file: &mut $crate::settings::ConfigFile,
            ) -> anyhow::Result<()> {
                $( $crate::settings!(@fill self file $field $($marker)*); )*
                Ok(())
            }

            fn or(&mut self, lower: Self) {
                $( $crate::settings::Setting::or(&mut self.$field, lower.$field); )*
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut s = f.debug_struct(stringify!($name));
                $( $crate::settings!(@debug s self $field $($marker)*); )*
                s.finish()
            }
        }
    };

    (@fill $self:ident $file:ident $field:ident) => {
        $crate::settings::Setting::fill(&mut $self.$field, stringify!($field), $file)?
    };
    (@fill $self:ident $file:ident $field:ident not_in_file $($rest:ident)*) => {};
    (@fill $self:ident $file:ident $field:ident secret $($rest:ident)*) => {
        $crate::settings!(@fill $self $file $field $($rest)*)
    };

    (@debug $s:ident $self:ident $field:ident) => {
        $s.field(stringify!($field), &$self.$field)
    };
    (@debug $s:ident $self:ident $field:ident secret $($rest:ident)*) => {
        $s.field(stringify!($field), &$crate::settings::Redacted(&$self.$field))
    };
    (@debug $s:ident $self:ident $field:ident not_in_file $($rest:ident)*) => {
        $crate::settings!(@debug $s $self $field $($rest)*)
    };
}
