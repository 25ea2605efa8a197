//! Projects, users, access keys, tokens, settings and login attempts.
//!
//! Login attempts are reserved in a `BEGIN IMMEDIATE` transaction: it holds SQLite's one write
//! lock from the first read, so counting a key's attempts and recording the new one cannot
//! interleave with another reservation, in this process or another one on the same file.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use vizjobs_store::{
    AccessKey, AuthStore, LoginReservation, Project, Result, TokenKind, TokenRecord, User,
};

use crate::SqliteStore;
use crate::error::{classify, corrupt, plain};

const PROJECT_COLUMNS: &str = "id, name, account, job_quota, created_ms";
const USER_COLUMNS: &str =
    "id, account, name, password_hash, password_changed_ms, is_admin, created_ms";
const KEY_COLUMNS: &str = "access_key, user_id, project_id, secret_ciphertext, created_ms";
const TOKEN_COLUMNS: &str = "token_hash, kind, user_id, project_id, label, issued_ms, expires_ms";

/// The most rows of attempts out of the window one reservation purges. Each reservation adds a
/// row or two, so this keeps up with any flood of new keys, while a backlog (after a long stop,
/// or a shorter window) is worked off over several calls instead of one long hold of the lock.
const PURGE_BATCH: i64 = 1_000;

fn project_from_row(row: &SqliteRow) -> Result<Project> {
    Ok(Project {
        id: row.try_get("id").map_err(plain)?,
        name: row.try_get("name").map_err(plain)?,
        account: row.try_get("account").map_err(plain)?,
        job_quota: row.try_get("job_quota").map_err(plain)?,
        created_ms: row.try_get("created_ms").map_err(plain)?,
    })
}

fn user_from_row(row: &SqliteRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id").map_err(plain)?,
        account: row.try_get("account").map_err(plain)?,
        name: row.try_get("name").map_err(plain)?,
        password_hash: row.try_get("password_hash").map_err(plain)?,
        password_changed_ms: row.try_get("password_changed_ms").map_err(plain)?,
        is_admin: row.try_get("is_admin").map_err(plain)?,
        created_ms: row.try_get("created_ms").map_err(plain)?,
    })
}

fn key_from_row(row: &SqliteRow) -> Result<AccessKey> {
    Ok(AccessKey {
        access_key: row.try_get("access_key").map_err(plain)?,
        user_id: row.try_get("user_id").map_err(plain)?,
        project_id: row.try_get("project_id").map_err(plain)?,
        secret_ciphertext: row.try_get("secret_ciphertext").map_err(plain)?,
        created_ms: row.try_get("created_ms").map_err(plain)?,
    })
}

fn token_from_row(row: &SqliteRow) -> Result<TokenRecord> {
    let kind: String = row.try_get("kind").map_err(plain)?;
    Ok(TokenRecord {
        token_hash: row.try_get("token_hash").map_err(plain)?,
        kind: TokenKind::parse(&kind).ok_or_else(|| corrupt(format!("token kind {kind:?}")))?,
        user_id: row.try_get("user_id").map_err(plain)?,
        project_id: row.try_get("project_id").map_err(plain)?,
        label: row.try_get("label").map_err(plain)?,
        issued_ms: row.try_get("issued_ms").map_err(plain)?,
        expires_ms: row.try_get("expires_ms").map_err(plain)?,
    })
}

/// The keys of one attempt, each once, as the bytes they are stored as.
fn distinct_keys(keys: &[String]) -> Vec<&[u8]> {
    let mut keys: Vec<&[u8]> = keys.iter().map(|k| k.as_bytes()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

impl SqliteStore {
    async fn fetch_optional<T>(
        &self,
        sql: &str,
        binds: &[&str],
        decode: fn(&SqliteRow) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut query = sqlx::query(sql);
        for value in binds {
            query = query.bind(*value);
        }
        query
            .fetch_optional(&self.pool)
            .await
            .map_err(plain)?
            .as_ref()
            .map(decode)
            .transpose()
    }

    async fn fetch_all<T>(
        &self,
        sql: &str,
        binds: &[&str],
        decode: fn(&SqliteRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut query = sqlx::query(sql);
        for value in binds {
            query = query.bind(*value);
        }
        let rows = query.fetch_all(&self.pool).await.map_err(plain)?;
        rows.iter().map(decode).collect()
    }

    /// Runs a one-key DELETE; true when a row went.
    async fn delete_one(&self, sql: &str, key: &str) -> Result<bool> {
        let done = sqlx::query(sql)
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(plain)?;
        Ok(done.rows_affected() > 0)
    }
}

#[async_trait]
impl AuthStore for SqliteStore {
    async fn create_project(&self, project: &Project) -> Result<()> {
        sqlx::query(
            "INSERT INTO projects (id, name, account, job_quota, created_ms) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&project.id)
        .bind(&project.name)
        .bind(&project.account)
        .bind(project.job_quota)
        .bind(project.created_ms)
        .execute(&self.pool)
        .await
        .map_err(|e| {
            classify(
                e,
                || {
                    format!(
                        "project {:?} (or a project named {:?} in account {:?})",
                        project.id, project.name, project.account
                    )
                },
                String::new,
            )
        })?;
        Ok(())
    }

    async fn get_project(&self, id: &str) -> Result<Option<Project>> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = ?");
        self.fetch_optional(&sql, &[id], project_from_row).await
    }

    async fn get_project_by_name(&self, account: &str, name: &str) -> Result<Option<Project>> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE account = ? AND name = ?");
        self.fetch_optional(&sql, &[account, name], project_from_row)
            .await
    }

    async fn list_projects(&self) -> Result<Vec<Project>> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects ORDER BY id");
        self.fetch_all(&sql, &[], project_from_row).await
    }

    async fn delete_project(&self, id: &str) -> Result<bool> {
        self.delete_one("DELETE FROM projects WHERE id = ?", id)
            .await
    }

    async fn set_project_quota(&self, id: &str, quota: Option<i64>) -> Result<bool> {
        let done = sqlx::query("UPDATE projects SET job_quota = ? WHERE id = ?")
            .bind(quota)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(plain)?;
        Ok(done.rows_affected() > 0)
    }

    async fn create_user(&self, user: &User) -> Result<()> {
        sqlx::query(
            "INSERT INTO users (id, account, name, password_hash, password_changed_ms, is_admin, \
             created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&user.id)
        .bind(&user.account)
        .bind(&user.name)
        .bind(&user.password_hash)
        .bind(user.password_changed_ms)
        .bind(user.is_admin)
        .bind(user.created_ms)
        .execute(&self.pool)
        .await
        .map_err(|e| {
            classify(
                e,
                || {
                    format!(
                        "user {:?} (or a user named {:?} in account {:?})",
                        user.id, user.name, user.account
                    )
                },
                String::new,
            )
        })?;
        Ok(())
    }

    async fn get_user(&self, id: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?");
        self.fetch_optional(&sql, &[id], user_from_row).await
    }

    async fn get_user_by_name(&self, account: &str, name: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE account = ? AND name = ?");
        self.fetch_optional(&sql, &[account, name], user_from_row)
            .await
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
        self.fetch_all(&sql, &[], user_from_row).await
    }

    async fn delete_user(&self, id: &str) -> Result<bool> {
        self.delete_one("DELETE FROM users WHERE id = ?", id).await
    }

    async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        changed_ms: i64,
    ) -> Result<bool> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(plain)?;
        let done =
            sqlx::query("UPDATE users SET password_hash = ?, password_changed_ms = ? WHERE id = ?")
                .bind(password_hash)
                .bind(changed_ms)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(plain)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM tokens WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(plain)?;
        tx.commit().await.map_err(plain)?;
        Ok(true)
    }

    async fn create_access_key(&self, key: &AccessKey) -> Result<()> {
        sqlx::query(
            "INSERT INTO access_keys (access_key, user_id, project_id, secret_ciphertext, \
             created_ms) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&key.access_key)
        .bind(&key.user_id)
        .bind(&key.project_id)
        .bind(&key.secret_ciphertext)
        .bind(key.created_ms)
        .execute(&self.pool)
        .await
        .map_err(|e| {
            classify(
                e,
                || format!("access key {:?}", key.access_key),
                || format!("user {:?} or project {:?}", key.user_id, key.project_id),
            )
        })?;
        Ok(())
    }

    async fn get_access_key(&self, access_key: &str) -> Result<Option<AccessKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM access_keys WHERE access_key = ?");
        self.fetch_optional(&sql, &[access_key], key_from_row).await
    }

    async fn list_access_keys(&self) -> Result<Vec<AccessKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM access_keys ORDER BY access_key");
        self.fetch_all(&sql, &[], key_from_row).await
    }

    async fn delete_access_key(&self, access_key: &str) -> Result<bool> {
        self.delete_one("DELETE FROM access_keys WHERE access_key = ?", access_key)
            .await
    }

    async fn set_access_key_secret(
        &self,
        access_key: &str,
        secret_ciphertext: &[u8],
    ) -> Result<bool> {
        let done = sqlx::query("UPDATE access_keys SET secret_ciphertext = ? WHERE access_key = ?")
            .bind(secret_ciphertext)
            .bind(access_key)
            .execute(&self.pool)
            .await
            .map_err(plain)?;
        Ok(done.rows_affected() > 0)
    }

    async fn insert_token(&self, token: &TokenRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO tokens (token_hash, kind, user_id, project_id, label, issued_ms, \
             expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&token.token_hash)
        .bind(token.kind.as_str())
        .bind(&token.user_id)
        .bind(&token.project_id)
        .bind(&token.label)
        .bind(token.issued_ms)
        .bind(token.expires_ms)
        .execute(&self.pool)
        .await
        .map_err(|e| {
            classify(
                e,
                || "the token".to_owned(),
                || match &token.user_id {
                    Some(user) => format!("user {user:?} or project {:?}", token.project_id),
                    None => format!("project {:?}", token.project_id),
                },
            )
        })?;
        Ok(())
    }

    async fn get_token(&self, token_hash: &str) -> Result<Option<TokenRecord>> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_hash = ?");
        self.fetch_optional(&sql, &[token_hash], token_from_row)
            .await
    }

    async fn list_tokens(&self, kind: TokenKind) -> Result<Vec<TokenRecord>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE kind = ? ORDER BY issued_ms, token_hash"
        );
        self.fetch_all(&sql, &[kind.as_str()], token_from_row).await
    }

    async fn delete_token(&self, token_hash: &str) -> Result<bool> {
        self.delete_one("DELETE FROM tokens WHERE token_hash = ?", token_hash)
            .await
    }

    async fn delete_expired_tokens(&self, now_ms: i64) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM tokens WHERE expires_ms IS NOT NULL AND expires_ms < ?")
                .bind(now_ms)
                .execute(&self.pool)
                .await
                .map_err(plain)?;
        Ok(done.rows_affected())
    }

    async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(plain)
    }

    async fn put_setting_if_absent(&self, key: &str, value: &str) -> Result<String> {
        // Settings are never overwritten, so whichever insert won is what the SELECT sees.
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await
            .map_err(plain)?;
        sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_one(&self.pool)
            .await
            .map_err(plain)
    }

    async fn reserve_login_attempt(
        &self,
        keys: &[String],
        limit: u32,
        window_ms: i64,
        now_ms: i64,
    ) -> Result<LoginReservation> {
        let keys = distinct_keys(keys);
        // Attempts at or before the horizon have left the window.
        let horizon = now_ms.saturating_sub(window_ms);
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(plain)?;
        sqlx::query(
            "DELETE FROM login_attempts WHERE rowid IN \
             (SELECT rowid FROM login_attempts WHERE at_ms <= ? LIMIT ?)",
        )
        .bind(horizon)
        .bind(PURGE_BATCH)
        .execute(&mut *tx)
        .await
        .map_err(plain)?;

        let mut retry_after_ms: Option<i64> = None;
        for key in &keys {
            let wait = if limit == 0 {
                Some(window_ms)
            } else {
                // The key's `limit`-th newest attempt in the window, if it has that many: once it
                // leaves, the key is below its limit again.
                let blocking: Option<i64> = sqlx::query_scalar(
                    "SELECT at_ms FROM login_attempts WHERE attempt_key = ? AND at_ms > ? \
                     ORDER BY at_ms DESC LIMIT 1 OFFSET ?",
                )
                .bind(*key)
                .bind(horizon)
                .bind(i64::from(limit) - 1)
                .fetch_optional(&mut *tx)
                .await
                .map_err(plain)?;
                blocking.map(|at_ms| at_ms.saturating_add(window_ms).saturating_sub(now_ms))
            };
            if let Some(wait) = wait {
                retry_after_ms = Some(retry_after_ms.map_or(wait, |w| w.max(wait)).max(1));
            }
        }
        if let Some(retry_after_ms) = retry_after_ms {
            // Nothing recorded; the purge is kept.
            tx.commit().await.map_err(plain)?;
            return Ok(LoginReservation::Refused { retry_after_ms });
        }

        let attempt_id: i64 = sqlx::query_scalar(
            "UPDATE login_attempt_ids SET last_id = last_id + 1 RETURNING last_id",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(plain)?;
        for key in &keys {
            sqlx::query(
                "INSERT INTO login_attempts (attempt_id, attempt_key, at_ms) VALUES (?, ?, ?)",
            )
            .bind(attempt_id)
            .bind(*key)
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .map_err(plain)?;
        }
        tx.commit().await.map_err(plain)?;
        Ok(LoginReservation::Granted { attempt_id })
    }

    async fn settle_login_attempt(&self, attempt_id: i64, success: Option<&str>) -> Result<()> {
        // A failed attempt keeps its rows: pending and failed attempts count alike.
        let Some(clear_key) = success else {
            return Ok(());
        };
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(plain)?;
        let held: Vec<Vec<u8>> = sqlx::query_scalar(
            "DELETE FROM login_attempts WHERE attempt_id = ? RETURNING attempt_key",
        )
        .bind(attempt_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(plain)?;
        // Only a key of this very attempt is cleared: an unknown id clears nothing.
        if held.iter().any(|k| k.as_slice() == clear_key.as_bytes()) {
            sqlx::query("DELETE FROM login_attempts WHERE attempt_key = ?")
                .bind(clear_key.as_bytes())
                .execute(&mut *tx)
                .await
                .map_err(plain)?;
        }
        tx.commit().await.map_err(plain)?;
        Ok(())
    }
}
