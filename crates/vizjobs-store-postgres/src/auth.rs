//! Projects, users, access keys, tokens, settings and login attempts.
//!
//! A login reservation takes, in its transaction, an advisory lock per key
//! (`pg_advisory_xact_lock` on a 64-bit hash of the key) before it counts the key's attempts and
//! records the new one. Every reservation touching a key thus runs after the previous one
//! committed, on whichever replica, and its count (a new snapshot, as each statement in READ
//! COMMITTED takes) sees that one's rows. Locks are taken in ascending order of their ids, so two
//! reservations never wait on each other crosswise; a hash collision only makes two keys share a
//! lock. Advisory locks are per database, not per schema: deployments in two schemas of one
//! database merely wait on each other now and then.
//!
//! Nothing else waits while holding rows: the purge of old attempts skips rows another
//! transaction holds (`SKIP LOCKED`), and a settle that clears a key takes the key's advisory
//! lock first, so two good logins of one user queue instead of deadlocking on each other's rows.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use vizjobs_store::{
    AccessKey, AuthStore, LoginReservation, Project, Result, TokenKind, TokenRecord, User,
};

use crate::PostgresStore;
use crate::error::{classify, corrupt, plain};

const PROJECT_COLUMNS: &str = "id, name, account, job_quota, created_ms";
const USER_COLUMNS: &str =
    "id, account, name, password_hash, password_changed_ms, is_admin, created_ms";
const KEY_COLUMNS: &str = "access_key, user_id, project_id, secret_ciphertext, created_ms";
const TOKEN_COLUMNS: &str = "token_hash, kind, user_id, project_id, label, issued_ms, expires_ms";

/// The advisory lock id of a login-throttling key (BYTEA, hashed through its hex form).
const KEY_LOCK_ID: &str = "hashtextextended(encode(k, 'hex'), 0)";

/// The most rows of attempts out of the window one reservation purges. Each reservation adds a
/// row or two, so this keeps up with any flood of new keys, while a backlog (after a long stop,
/// or a shorter window) is worked off over several calls instead of one long transaction.
const PURGE_BATCH: i64 = 1_000;

fn project_from_row(row: &PgRow) -> Result<Project> {
    Ok(Project {
        id: row.try_get("id").map_err(plain)?,
        name: row.try_get("name").map_err(plain)?,
        account: row.try_get("account").map_err(plain)?,
        job_quota: row.try_get("job_quota").map_err(plain)?,
        created_ms: row.try_get("created_ms").map_err(plain)?,
    })
}

fn user_from_row(row: &PgRow) -> Result<User> {
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

fn key_from_row(row: &PgRow) -> Result<AccessKey> {
    Ok(AccessKey {
        access_key: row.try_get("access_key").map_err(plain)?,
        user_id: row.try_get("user_id").map_err(plain)?,
        project_id: row.try_get("project_id").map_err(plain)?,
        secret_ciphertext: row.try_get("secret_ciphertext").map_err(plain)?,
        created_ms: row.try_get("created_ms").map_err(plain)?,
    })
}

fn token_from_row(row: &PgRow) -> Result<TokenRecord> {
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

/// Takes the advisory locks of `keys` for the rest of the transaction, in ascending lock id order.
async fn lock_keys(tx: &mut PgConnection, keys: &[&[u8]]) -> Result<()> {
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT DISTINCT {KEY_LOCK_ID} AS id FROM unnest($1::bytea[]) AS k ORDER BY id"
    ))
    .bind(keys)
    .fetch_all(&mut *tx)
    .await
    .map_err(plain)?;
    // One statement per lock: the order in which one statement would evaluate them is not
    // something PostgreSQL promises.
    for id in ids {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(plain)?;
    }
    Ok(())
}

impl PostgresStore {
    async fn fetch_optional<T>(
        &self,
        sql: &str,
        binds: &[&str],
        decode: fn(&PgRow) -> Result<T>,
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
        decode: fn(&PgRow) -> Result<T>,
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
impl AuthStore for PostgresStore {
    async fn create_project(&self, project: &Project) -> Result<()> {
        sqlx::query(
            "INSERT INTO projects (id, name, account, job_quota, created_ms) VALUES ($1, $2, $3, $4, $5)",
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
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = $1");
        self.fetch_optional(&sql, &[id], project_from_row).await
    }

    async fn get_project_by_name(&self, account: &str, name: &str) -> Result<Option<Project>> {
        let sql =
            format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE account = $1 AND name = $2");
        self.fetch_optional(&sql, &[account, name], project_from_row)
            .await
    }

    async fn list_projects(&self) -> Result<Vec<Project>> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects ORDER BY id");
        self.fetch_all(&sql, &[], project_from_row).await
    }

    async fn delete_project(&self, id: &str) -> Result<bool> {
        self.delete_one("DELETE FROM projects WHERE id = $1", id)
            .await
    }

    async fn set_project_quota(&self, id: &str, quota: Option<i64>) -> Result<bool> {
        let done = sqlx::query("UPDATE projects SET job_quota = $1 WHERE id = $2")
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
             created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        self.fetch_optional(&sql, &[id], user_from_row).await
    }

    async fn get_user_by_name(&self, account: &str, name: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE account = $1 AND name = $2");
        self.fetch_optional(&sql, &[account, name], user_from_row)
            .await
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
        self.fetch_all(&sql, &[], user_from_row).await
    }

    async fn delete_user(&self, id: &str) -> Result<bool> {
        self.delete_one("DELETE FROM users WHERE id = $1", id).await
    }

    async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        changed_ms: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await.map_err(plain)?;
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, password_changed_ms = $2 WHERE id = $3",
        )
        .bind(password_hash)
        .bind(changed_ms)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(plain)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM tokens WHERE user_id = $1")
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
             created_ms) VALUES ($1, $2, $3, $4, $5)",
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
        let sql = format!("SELECT {KEY_COLUMNS} FROM access_keys WHERE access_key = $1");
        self.fetch_optional(&sql, &[access_key], key_from_row).await
    }

    async fn list_access_keys(&self) -> Result<Vec<AccessKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM access_keys ORDER BY access_key");
        self.fetch_all(&sql, &[], key_from_row).await
    }

    async fn delete_access_key(&self, access_key: &str) -> Result<bool> {
        self.delete_one("DELETE FROM access_keys WHERE access_key = $1", access_key)
            .await
    }

    async fn set_access_key_secret(
        &self,
        access_key: &str,
        secret_ciphertext: &[u8],
    ) -> Result<bool> {
        let done =
            sqlx::query("UPDATE access_keys SET secret_ciphertext = $1 WHERE access_key = $2")
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
             expires_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_hash = $1");
        self.fetch_optional(&sql, &[token_hash], token_from_row)
            .await
    }

    async fn list_tokens(&self, kind: TokenKind) -> Result<Vec<TokenRecord>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE kind = $1 ORDER BY issued_ms, token_hash"
        );
        self.fetch_all(&sql, &[kind.as_str()], token_from_row).await
    }

    async fn delete_token(&self, token_hash: &str) -> Result<bool> {
        self.delete_one("DELETE FROM tokens WHERE token_hash = $1", token_hash)
            .await
    }

    async fn delete_expired_tokens(&self, now_ms: i64) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM tokens WHERE expires_ms IS NOT NULL AND expires_ms < $1")
                .bind(now_ms)
                .execute(&self.pool)
                .await
                .map_err(plain)?;
        Ok(done.rows_affected())
    }

    async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(plain)
    }

    async fn put_setting_if_absent(&self, key: &str, value: &str) -> Result<String> {
        // Settings are never overwritten, so whichever insert won is what the SELECT sees.
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await
        .map_err(plain)?;
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
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
        let mut tx = self.pool.begin().await.map_err(plain)?;
        // The locks come first: while waiting for them, this transaction holds no rows.
        lock_keys(&mut tx, &keys).await?;
        sqlx::query(
            "DELETE FROM login_attempts WHERE ctid = ANY(ARRAY(SELECT ctid FROM login_attempts \
             WHERE at_ms <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED))",
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
                    "SELECT at_ms FROM login_attempts WHERE attempt_key = $1 AND at_ms > $2 \
                     ORDER BY at_ms DESC LIMIT 1 OFFSET $3",
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

        let attempt_id: i64 = sqlx::query_scalar("SELECT nextval('login_attempt_ids')")
            .fetch_one(&mut *tx)
            .await
            .map_err(plain)?;
        sqlx::query(
            "INSERT INTO login_attempts (attempt_id, attempt_key, at_ms) \
             SELECT $1, k, $3 FROM unnest($2::bytea[]) AS k",
        )
        .bind(attempt_id)
        .bind(&keys)
        .bind(now_ms)
        .execute(&mut *tx)
        .await
        .map_err(plain)?;
        tx.commit().await.map_err(plain)?;
        Ok(LoginReservation::Granted { attempt_id })
    }

    async fn settle_login_attempt(&self, attempt_id: i64, success: Option<&str>) -> Result<()> {
        // A failed attempt keeps its rows: pending and failed attempts count alike.
        let Some(clear_key) = success else {
            return Ok(());
        };
        let mut tx = self.pool.begin().await.map_err(plain)?;
        lock_keys(&mut tx, &[clear_key.as_bytes()]).await?;
        let held: Vec<Vec<u8>> = sqlx::query_scalar(
            "DELETE FROM login_attempts WHERE attempt_id = $1 RETURNING attempt_key",
        )
        .bind(attempt_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(plain)?;
        // Only a key of this very attempt is cleared: an unknown id clears nothing.
        if held.iter().any(|k| k.as_slice() == clear_key.as_bytes()) {
            sqlx::query("DELETE FROM login_attempts WHERE attempt_key = $1")
                .bind(clear_key.as_bytes())
                .execute(&mut *tx)
                .await
                .map_err(plain)?;
        }
        tx.commit().await.map_err(plain)?;
        Ok(())
    }
}
