//! First start: the master key, and the first project, admin user and AK/SK pair.
//!
//! On a fresh database the server creates one project, one admin user and one access key, and
//! writes them to `<data-dir>/credentials.json` (mode 0600), the file the CLI and SDK read by
//! default. Replicas starting together on one empty database agree on a single winner through
//! `put_setting_if_absent`, so the bootstrap happens once.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use vizjobs_store::{AccessKey, Project, Store, User};

use super::secrets::{ALNUM, MasterKey, UPPER_DIGITS, hash_password, random_string};

const MASTER_KEY_FILE: &str = "master.key";

/// Where the master key is kept when the configuration gives none.
pub fn master_key_file(data_dir: &Path) -> PathBuf {
    data_dir.join(MASTER_KEY_FILE)
}
const BOOTSTRAP_SETTING: &str = "bootstrap_owner";
pub const CREDENTIALS_FILE: &str = "credentials.json";
pub const DEFAULT_ACCOUNT: &str = "vizjobs";
pub const DEFAULT_USER: &str = "admin";

/// What a client needs to reach this server; the format of `credentials.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Credentials {
    pub endpoint: String,
    pub project_id: String,
    pub account: String,
    pub username: String,
    pub password: String,
    pub access_key: String,
    pub secret_key: String,
}

/// Writes a file readable by its owner only.
pub fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    file.write_all(contents)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The master key: from the configuration when given, else from `<data_dir>/master.key`,
/// created on first start. Refuses a key that does not open every secret key in the database.
///
/// A generated key is written only once it is known to fit the database: a replica started
/// without the shared key must not leave a useless `master.key` behind that later starts
/// would pick up.
pub async fn master_key(
    store: &dyn Store,
    configured: Option<&str>,
    data_dir: &Path,
) -> anyhow::Result<MasterKey> {
    let path = master_key_file(data_dir);
    let (text, generated) = match configured {
        Some(key) => (key.to_owned(), false),
        None => match std::fs::read_to_string(&path) {
            Ok(text) => (text, false),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                (MasterKey::generate()?, true)
            }
            Err(err) => {
                return Err(err).with_context(|| format!("reading {}", path.display()));
            }
        },
    };
    let key = MasterKey::from_base64(&text)
        .context("the master key (VIZJOBS_MASTER_KEY or master.key) is invalid")?;
    // Every stored secret key must open with it; otherwise signatures would fail later, one
    // request at a time, with an internal error.
    let sealed = store.list_access_keys().await?;
    let unopened = sealed
        .iter()
        .filter(|k| key.open(&k.secret_ciphertext).is_err())
        .count();
    if unopened > 0 && generated {
        bail!(
            "no master key is configured and {} does not exist, but the database already \
             holds {} secret keys sealed with a master key: give that key with \
             VIZJOBS_MASTER_KEY (or --master-key), or copy master.key from the server that \
             created them",
            path.display(),
            sealed.len()
        );
    }
    if unopened > 0 {
        bail!(
            "this master key (fingerprint {}) does not open {unopened} of the {} secret keys \
             stored in the database; start with the key they were sealed with, or re-seal \
             them with `vizjobs admin master-key rotate`",
            key.fingerprint(),
            sealed.len()
        );
    }
    if generated {
        write_private(&path, text.as_bytes())?;
    }
    Ok(key)
}

/// Replaces the master key: re-seals every secret key with `new`. Returns how many were
/// re-sealed by this call.
///
/// The store has no transaction across keys, so a rotation may stop half way (a crash, a lost
/// database). Running it again with the same two keys finishes it: keys that already open with
/// `new` are left alone.
pub async fn rotate_master_key(
    store: &dyn Store,
    old: &MasterKey,
    new: &MasterKey,
) -> anyhow::Result<usize> {
    let keys = store.list_access_keys().await?;
    // Open everything first, so a wrong old key changes nothing.
    let mut opened = Vec::new();
    for key in &keys {
        if new.open(&key.secret_ciphertext).is_ok() {
            continue;
        }
        let plain = old
            .open(&key.secret_ciphertext)
            .with_context(|| format!("opening the secret of {}", key.access_key))?;
        opened.push((key.access_key.clone(), plain));
    }
    for (ak, plain) in &opened {
        store.set_access_key_secret(ak, &new.seal(plain)?).await?;
    }
    Ok(opened.len())
}

pub fn new_project_id() -> anyhow::Result<String> {
    Ok(random_string(32, b"0123456789abcdef")?)
}

pub fn new_user_id() -> anyhow::Result<String> {
    Ok(random_string(32, b"0123456789abcdef")?)
}

/// A new AK/SK pair, sealed for storage. Returns the stored key and the SK in the clear.
pub fn new_access_key(
    master: &MasterKey,
    user_id: &str,
    project_id: &str,
    now_ms: i64,
) -> anyhow::Result<(AccessKey, String)> {
    let secret = random_string(40, ALNUM)?;
    let key = AccessKey {
        access_key: random_string(20, UPPER_DIGITS)?,
        user_id: user_id.to_owned(),
        project_id: project_id.to_owned(),
        secret_ciphertext: master.seal(secret.as_bytes())?,
        created_ms: now_ms,
    };
    Ok((key, secret))
}

/// Creates the first project, user and key when the database has none, and writes
/// `credentials.json`. Returns its path when this call did the bootstrap.
pub async fn first_start(
    store: &dyn Store,
    master: &MasterKey,
    data_dir: &Path,
    endpoint: &str,
    now_ms: i64,
) -> anyhow::Result<Option<PathBuf>> {
    if !store.list_projects().await?.is_empty() {
        return Ok(None);
    }
    let ticket = random_string(16, ALNUM)?;
    if store
        .put_setting_if_absent(BOOTSTRAP_SETTING, &ticket)
        .await?
        != ticket
    {
        return Ok(None); // another replica is doing it
    }
    let password = random_string(24, ALNUM)?;
    let project = Project {
        id: new_project_id()?,
        name: "default".into(),
        account: DEFAULT_ACCOUNT.into(),
        job_quota: None,
        created_ms: now_ms,
    };
    let user = User {
        id: new_user_id()?,
        account: DEFAULT_ACCOUNT.into(),
        name: DEFAULT_USER.into(),
        password_hash: hash_password(&password)?,
        password_changed_ms: now_ms,
        created_ms: now_ms,
    };
    store.create_project(&project).await?;
    store.create_user(&user).await?;
    let (key, secret) = new_access_key(master, &user.id, &project.id, now_ms)?;
    store.create_access_key(&key).await?;
    let credentials = Credentials {
        endpoint: endpoint.to_owned(),
        project_id: project.id,
        account: user.account,
        username: user.name,
        password,
        access_key: key.access_key,
        secret_key: secret,
    };
    let path = data_dir.join(CREDENTIALS_FILE);
    write_private(
        &path,
        serde_json::to_string_pretty(&credentials)?.as_bytes(),
    )?;
    Ok(Some(path))
}
