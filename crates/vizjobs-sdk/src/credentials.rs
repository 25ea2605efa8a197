//! Building sessions from a vizjobs `credentials.json` or from environment variables.
//!
//! `credentials.json` is what a vizjobs server writes on its first start (readable by its owner
//! only): `{"endpoint", "project_id", "account", "username", "password", "access_key",
//! "secret_key"}`, every key optional, unknown keys ignored. Its default place is
//! `$VIZJOBS_CREDENTIALS`, else `./vizjobs-data/credentials.json`.
//!
//! Environment variables: `VIZJOBS_ENDPOINT` (or `VIZJOBS_MODELARTS_ENDPOINT` with
//! `VIZJOBS_IAM_ENDPOINT`), `VIZJOBS_REGION`, `VIZJOBS_PROJECT_ID`, and one credential:
//! `VIZJOBS_ACCESS_KEY` + `VIZJOBS_SECRET_KEY`, or `VIZJOBS_ACCOUNT` + `VIZJOBS_USERNAME` +
//! `VIZJOBS_PASSWORD`, or `VIZJOBS_TOKEN` (in that order of preference).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::SdkError;
use crate::session::{Session, SessionBuilder};

/// The environment variable naming the credentials file.
pub const CREDENTIALS_ENV: &str = "VIZJOBS_CREDENTIALS";
/// Where the credentials file is when the variable is not set (relative to the working dir).
pub const DEFAULT_CREDENTIALS_PATH: &str = "vizjobs-data/credentials.json";

/// The contents of a `credentials.json`.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
pub struct CredentialsFile {
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub access_key: Option<String>,
    #[serde(default)]
    pub secret_key: Option<String>,
}

impl fmt::Debug for CredentialsFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "***");
        f.debug_struct("CredentialsFile")
            .field("endpoint", &self.endpoint)
            .field("project_id", &self.project_id)
            .field("account", &self.account)
            .field("username", &self.username)
            .field("password", &hidden(&self.password))
            .field("access_key", &self.access_key)
            .field("secret_key", &hidden(&self.secret_key))
            .finish()
    }
}

impl CredentialsFile {
    /// `$VIZJOBS_CREDENTIALS`, else `./vizjobs-data/credentials.json`.
    pub fn default_path() -> PathBuf {
        std::env::var_os(CREDENTIALS_ENV)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CREDENTIALS_PATH))
    }

    pub fn load(path: impl AsRef<Path>) -> Result<Self, SdkError> {
        let path = path.as_ref();
        let text = std::fs::read(path).map_err(|source| SdkError::CredentialsFile {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_slice(&text).map_err(|source| SdkError::CredentialsFormat {
            path: path.to_owned(),
            source,
        })
    }

    /// Endpoint and project, without a credential.
    fn base(&self) -> Result<SessionBuilder, SdkError> {
        let endpoint = self
            .endpoint
            .as_deref()
            .ok_or_else(|| SdkError::Config("the credentials file has no endpoint".into()))?;
        let project_id = self
            .project_id
            .as_deref()
            .ok_or_else(|| SdkError::Config("the credentials file has no project_id".into()))?;
        Ok(Session::builder().endpoint(endpoint).project_id(project_id))
    }

    /// A builder that signs with the file's AK/SK.
    pub fn access_key_session(&self) -> Result<SessionBuilder, SdkError> {
        match (&self.access_key, &self.secret_key) {
            (Some(ak), Some(sk)) => Ok(self.base()?.access_key(ak, sk)),
            _ => Err(SdkError::Config(
                "the credentials file has no access_key/secret_key".into(),
            )),
        }
    }

    /// A builder that logs in with the file's account, username and password.
    pub fn password_session(&self) -> Result<SessionBuilder, SdkError> {
        match (&self.account, &self.username, &self.password) {
            (Some(account), Some(user), Some(password)) => {
                Ok(self.base()?.password(account, user, password))
            }
            _ => Err(SdkError::Config(
                "the credentials file has no account/username/password".into(),
            )),
        }
    }

    /// AK/SK when the file has them, else the password.
    pub fn session_builder(&self) -> Result<SessionBuilder, SdkError> {
        if self.access_key.is_some() && self.secret_key.is_some() {
            self.access_key_session()
        } else {
            self.password_session()
        }
    }
}

impl Session {
    /// A session from a `credentials.json` (AK/SK preferred over the password).
    pub fn from_credentials_file(path: impl AsRef<Path>) -> Result<Session, SdkError> {
        CredentialsFile::load(path)?.session_builder()?.build()
    }

    /// A session from the credentials file at its default place
    /// ([`CredentialsFile::default_path`]).
    pub fn from_default_credentials() -> Result<Session, SdkError> {
        Self::from_credentials_file(CredentialsFile::default_path())
    }

    /// A session from `VIZJOBS_*` environment variables (see the module docs).
    pub fn from_env() -> Result<Session, SdkError> {
        SessionBuilder::from_vars(|name| std::env::var(name).ok())?.build()
    }
}

impl SessionBuilder {
    /// A builder from variables looked up by `var` (the process environment in
    /// [`Session::from_env`]).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<SessionBuilder, SdkError> {
        let var = |name: &str| var(name).filter(|v| !v.is_empty());
        let modelarts = var("VIZJOBS_MODELARTS_ENDPOINT")
            .or_else(|| var("VIZJOBS_ENDPOINT"))
            .ok_or_else(|| SdkError::Config("VIZJOBS_ENDPOINT is not set".into()))?;
        let iam = var("VIZJOBS_IAM_ENDPOINT").unwrap_or_else(|| modelarts.clone());
        let region = var("VIZJOBS_REGION").unwrap_or_else(|| "local".into());
        let project_id = var("VIZJOBS_PROJECT_ID")
            .ok_or_else(|| SdkError::Config("VIZJOBS_PROJECT_ID is not set".into()))?;
        let builder = SessionBuilder::default()
            .set_endpoint(iam, modelarts, region)
            .project_id(project_id);
        if let (Some(ak), Some(sk)) = (var("VIZJOBS_ACCESS_KEY"), var("VIZJOBS_SECRET_KEY")) {
            return Ok(builder.access_key(ak, sk));
        }
        if let (Some(account), Some(user), Some(password)) = (
            var("VIZJOBS_ACCOUNT"),
            var("VIZJOBS_USERNAME"),
            var("VIZJOBS_PASSWORD"),
        ) {
            return Ok(builder.password(account, user, password));
        }
        if let Some(token) = var("VIZJOBS_TOKEN") {
            return Ok(builder.token(token));
        }
        Err(SdkError::Config(
            "no credential in the environment: set VIZJOBS_ACCESS_KEY and VIZJOBS_SECRET_KEY, \
             or VIZJOBS_ACCOUNT, VIZJOBS_USERNAME and VIZJOBS_PASSWORD, or VIZJOBS_TOKEN"
                .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::session::AuthKind;

    #[test]
    fn loads_a_credentials_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.json");
        std::fs::write(
            &path,
            r#"{"endpoint":"http://127.0.0.1:9","project_id":"p1","account":"acct",
                "username":"admin","password":"pw","access_key":"AK","secret_key":"SK","extra":1}"#,
        )
        .unwrap();
        let file = CredentialsFile::load(&path).unwrap();
        assert_eq!(file.username.as_deref(), Some("admin"));
        assert!(!format!("{file:?}").contains("\"SK\""));
        let s = Session::from_credentials_file(&path).unwrap();
        assert_eq!(s.auth_kind(), AuthKind::AccessKey);
        assert_eq!(s.project_id(), "p1");
        let s = file.password_session().unwrap().build().unwrap();
        assert_eq!(s.auth_kind(), AuthKind::Password);
    }

    #[test]
    fn missing_or_broken_files_are_typed_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = Session::from_credentials_file(dir.path().join("nope.json"));
        assert!(matches!(missing, Err(SdkError::CredentialsFile { .. })));
        let path = dir.path().join("bad.json");
        std::fs::write(&path, "{not json").unwrap();
        let broken = Session::from_credentials_file(&path);
        assert!(matches!(broken, Err(SdkError::CredentialsFormat { .. })));
        std::fs::write(&path, r#"{"endpoint":"http://h","project_id":"p"}"#).unwrap();
        let no_credential = Session::from_credentials_file(&path);
        assert!(matches!(no_credential, Err(SdkError::Config(_))));
    }

    #[test]
    fn environment_variables_pick_a_credential() {
        let vars: HashMap<&str, &str> = [
            ("VIZJOBS_ENDPOINT", "http://127.0.0.1:9"),
            ("VIZJOBS_PROJECT_ID", "p1"),
            ("VIZJOBS_ACCOUNT", "acct"),
            ("VIZJOBS_USERNAME", "u"),
            ("VIZJOBS_PASSWORD", "pw"),
            ("VIZJOBS_TOKEN", "t"),
        ]
        .into();
        let lookup = |name: &str| vars.get(name).map(|v| (*v).to_owned());
        let s = SessionBuilder::from_vars(lookup).unwrap().build().unwrap();
        assert_eq!(s.auth_kind(), AuthKind::Password);
        assert_eq!(s.endpoints().iam.as_str(), "http://127.0.0.1:9/");

        let only_token = |name: &str| match name {
            "VIZJOBS_ENDPOINT" => Some("h:1".to_owned()),
            "VIZJOBS_PROJECT_ID" => Some("p".to_owned()),
            "VIZJOBS_TOKEN" => Some("t".to_owned()),
            _ => None,
        };
        let s = SessionBuilder::from_vars(only_token)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(s.auth_kind(), AuthKind::Token);
        assert!(SessionBuilder::from_vars(|_| None).is_err());
    }
}
