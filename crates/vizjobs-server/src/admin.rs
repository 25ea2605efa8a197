//! What `vizjobs admin` does to a server's database, as functions: the CLI parses and prints,
//! the rules live here beside the server that relies on them (passwords hashed, secret keys
//! sealed with the master key the servers use, ids in their one format, a master-key rotation
//! that survives an interruption).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use vizjobs_api::ProjectId;
use vizjobs_store::{AccessKey, Project, Store, TokenKind, TokenRecord, User};

use crate::auth::bootstrap::{self, new_access_key, new_project_id, new_user_id};
use crate::auth::secrets::{
    ALNUM, MasterKey, hash_password, new_token, random_string, token_digest,
};
use crate::clock::{Clock, SystemClock};
use crate::config::ServerConfig;

/// A password given by the operator, or generated (then shown once).
pub struct NewPassword {
    pub password: String,
    pub generated: bool,
}

impl NewPassword {
    fn given_or_generated(given: Option<String>) -> anyhow::Result<Self> {
        Ok(match given {
            Some(password) => Self {
                password,
                generated: false,
            },
            None => Self {
                password: random_string(24, ALNUM)?,
                generated: true,
            },
        })
    }
}

/// A new AK/SK pair; the SK is shown once and kept only sealed.
pub struct NewKey {
    pub access_key: String,
    pub secret_key: String,
}

/// What a master-key rotation did.
pub struct Rotation {
    pub resealed: usize,
    pub fingerprint: String,
    /// The key file now holding the new key, when the key is kept in one.
    pub key_file: Option<PathBuf>,
}

/// The administration of one server's database.
pub struct Admin {
    store: Arc<dyn Store>,
    config: ServerConfig,
    now_ms: i64,
}

impl Admin {
    /// Opens the database `config` names (as `vizjobs serve` would).
    pub async fn open(config: ServerConfig) -> anyhow::Result<Self> {
        let store = crate::open_store(&config).await?;
        Ok(Self {
            store,
            config,
            now_ms: SystemClock.now_ms(),
        })
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The master key the servers use, checked against the database as at a server's start.
    async fn master_key(&self) -> anyhow::Result<MasterKey> {
        bootstrap::master_key(
            self.store.as_ref(),
            self.config.master_key.as_deref(),
            &self.config.data_dir,
        )
        .await
    }

    async fn user(&self, account: &str, name: &str) -> anyhow::Result<User> {
        self.store
            .get_user_by_name(account, name)
            .await?
            .with_context(|| format!("no user {name:?} in account {account:?}"))
    }

    async fn existing_project(&self, id: &str) -> anyhow::Result<()> {
        if self.store.get_project(id).await?.is_none() {
            bail!("no project {id:?}");
        }
        Ok(())
    }

    /// Creates a project; its id is `id` or 32 random hex digits.
    pub async fn add_project(
        &self,
        name: String,
        account: String,
        quota: Option<i64>,
        id: Option<String>,
    ) -> anyhow::Result<ProjectId> {
        let id = match id {
            Some(id) => id,
            None => new_project_id()?,
        };
        let id = ProjectId::parse(&id).map_err(|e| anyhow::anyhow!(e.message))?;
        self.store
            .create_project(&Project {
                id: id.to_string(),
                name,
                account,
                job_quota: quota,
                created_ms: self.now_ms,
            })
            .await?;
        Ok(id)
    }

    pub async fn remove_project(&self, id: &str) -> anyhow::Result<()> {
        if !self.store.delete_project(id).await? {
            bail!("no project {id:?}");
        }
        Ok(())
    }

    /// Sets a project's job quota; `None` returns it to the server's default.
    pub async fn set_quota(&self, id: &str, quota: Option<i64>) -> anyhow::Result<()> {
        if !self.store.set_project_quota(id, quota).await? {
            bail!("no project {id:?}");
        }
        Ok(())
    }

    pub async fn add_user(
        &self,
        account: &str,
        name: &str,
        password: Option<String>,
    ) -> anyhow::Result<NewPassword> {
        let password = NewPassword::given_or_generated(password)?;
        self.store
            .create_user(&User {
                id: new_user_id()?,
                account: account.to_owned(),
                name: name.to_owned(),
                password_hash: hash_password(&password.password)?,
                password_changed_ms: self.now_ms,
                created_ms: self.now_ms,
            })
            .await?;
        Ok(password)
    }

    pub async fn remove_user(&self, account: &str, name: &str) -> anyhow::Result<()> {
        let user = self.user(account, name).await?;
        self.store.delete_user(&user.id).await?;
        Ok(())
    }

    /// Sets a new password; the user's tokens and sessions stop working.
    pub async fn set_password(
        &self,
        account: &str,
        name: &str,
        password: Option<String>,
    ) -> anyhow::Result<NewPassword> {
        let user = self.user(account, name).await?;
        let password = NewPassword::given_or_generated(password)?;
        self.store
            .set_password(&user.id, &hash_password(&password.password)?, self.now_ms)
            .await?;
        Ok(password)
    }

    /// A new AK/SK pair for a user of `account` in `project`.
    pub async fn add_key(
        &self,
        account: &str,
        user: &str,
        project: &str,
    ) -> anyhow::Result<NewKey> {
        let master = self.master_key().await?;
        let user = self.user(account, user).await?;
        self.existing_project(project).await?;
        self.create_key(&master, &user.id, project).await
    }

    async fn create_key(
        &self,
        master: &MasterKey,
        user_id: &str,
        project: &str,
    ) -> anyhow::Result<NewKey> {
        let (key, secret_key): (AccessKey, String) =
            new_access_key(master, user_id, project, self.now_ms)?;
        self.store.create_access_key(&key).await?;
        Ok(NewKey {
            access_key: key.access_key,
            secret_key,
        })
    }

    pub async fn remove_key(&self, access_key: &str) -> anyhow::Result<()> {
        if !self.store.delete_access_key(access_key).await? {
            bail!("no access key {access_key:?}");
        }
        Ok(())
    }

    /// Replaces a pair with a new one for the same user and project; the old one stops working.
    pub async fn rotate_key(&self, access_key: &str) -> anyhow::Result<NewKey> {
        let master = self.master_key().await?;
        let old = self
            .store
            .get_access_key(access_key)
            .await?
            .with_context(|| format!("no access key {access_key:?}"))?;
        let new = self
            .create_key(&master, &old.user_id, &old.project_id)
            .await?;
        self.store.delete_access_key(access_key).await?;
        Ok(new)
    }

    /// A static token for `project`, expiring after `expires_hours` if given.
    pub async fn add_token(
        &self,
        project: &str,
        label: String,
        expires_hours: Option<f64>,
    ) -> anyhow::Result<String> {
        self.existing_project(project).await?;
        let expires_ms = expires_hours.map(|hours| self.now_ms + (hours * 3_600_000.0) as i64);
        let token = new_token("vjs_")?;
        self.store
            .insert_token(&TokenRecord {
                token_hash: token_digest(&token),
                kind: TokenKind::Static,
                user_id: None,
                project_id: project.to_owned(),
                label,
                issued_ms: self.now_ms,
                expires_ms,
            })
            .await?;
        Ok(token)
    }

    /// Removes the static token whose id (the start of its digest, as listed) is `id`.
    pub async fn remove_token(&self, id: &str) -> anyhow::Result<()> {
        let tokens = self.store.list_tokens(TokenKind::Static).await?;
        let matching: Vec<_> = tokens
            .iter()
            .filter(|t| !id.is_empty() && t.token_hash.starts_with(id))
            .collect();
        match matching.as_slice() {
            [one] => {
                self.store.delete_token(&one.token_hash).await?;
                Ok(())
            }
            [] => bail!("no static token {id:?}"),
            _ => bail!("{id:?} matches several tokens; give more of the id"),
        }
    }

    /// Re-seals every secret key with `new_key` (generated when the current key is kept in the
    /// data directory and none is given).
    pub async fn rotate_master_key(&self, new_key: Option<String>) -> anyhow::Result<Rotation> {
        let key_file = bootstrap::master_key_file(&self.config.data_dir);
        // The old key is read as is, not checked against the database: after an interrupted
        // rotation it opens only some secrets, and rotating again finishes.
        let old_text = match &self.config.master_key {
            Some(key) => key.clone(),
            None => std::fs::read_to_string(&key_file).with_context(|| {
                format!(
                    "reading the current master key from {}; give it with \
                     VIZJOBS_MASTER_KEY when it is not kept there",
                    key_file.display()
                )
            })?,
        };
        let old = MasterKey::from_base64(&old_text).context("the current master key")?;
        let from_file = self.config.master_key.is_none();
        let new_text = match new_key {
            Some(k) => k,
            None if from_file => MasterKey::generate()?,
            None => bail!("the master key comes from the configuration: give --new-key"),
        };
        let new = MasterKey::from_base64(&new_text).context("the new master key")?;
        // With the key kept in a file, stage the new one beside it before touching the
        // database, so an interruption cannot lose the only copy of the key in use.
        let staged = key_file.with_extension("key.new");
        if from_file {
            bootstrap::write_private(&staged, new_text.as_bytes())?;
        }
        let resealed = bootstrap::rotate_master_key(self.store.as_ref(), &old, &new).await?;
        if from_file {
            std::fs::rename(&staged, &key_file)
                .with_context(|| format!("replacing {}", key_file.display()))?;
        }
        Ok(Rotation {
            resealed,
            fingerprint: new.fingerprint().to_owned(),
            key_file: from_file.then_some(key_file),
        })
    }
}
