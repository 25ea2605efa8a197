//! Projects, users, access keys, tokens, settings and login attempts.
//!
//! A login reservation is one transaction that, in this order, serializes itself against every
//! other reservation of the same keys ([`Dialect::BEGIN_WRITE`] and
//! [`Dialect::lock_login_keys`]: SQLite's one write lock from the first statement, PostgreSQL's
//! advisory lock per key), purges a batch of attempts out of the window, counts each key's
//! attempts, and records the new one. Once a reservation touching a key has committed, the next
//! one's count (a new statement, so a new snapshot in PostgreSQL's READ COMMITTED) sees its rows,
//! on whichever replica, so no key ever gets more than its limit.

use async_trait::async_trait;
use sqlx::{ColumnIndex, Decode, Encode, Executor, FromRow, IntoArguments, Type};
use vizjobs_store::{
    AccessKey, AuthStore, LoginReservation, Project, Result, TokenKind, TokenRecord, User,
};

use crate::error::{classify, plain};
use crate::rows::{
    KEY_COLUMNS, KeyRow, PROJECT_COLUMNS, ProjectRow, TOKEN_COLUMNS, TokenRow, USER_COLUMNS,
    UserRow,
};
use crate::statement::Statement;
use crate::{Dialect, SqlStore};

/// The most rows of attempts out of the window one reservation purges. Each reservation adds a
/// row or two, so this keeps up with any flood of new keys, while a backlog (after a long stop,
/// or a shorter window) is worked off over several calls instead of one long transaction.
const PURGE_BATCH: i64 = 1_000;

/// The keys of one attempt, each once, as the bytes they are stored as.
fn distinct_keys(keys: &[String]) -> Vec<&[u8]> {
    let mut keys: Vec<&[u8]> = keys.iter().map(|k| k.as_bytes()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Statements with text parameters only, and rows decoded as `sqlx::FromRow`.
impl<DB> SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
{
    async fn fetch_optional<R>(&self, sql: &str, binds: &[&str]) -> Result<Option<R>>
    where
        R: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
    {
        let mut query = sqlx::query_as::<DB, R>(sql);
        for value in binds {
            query = query.bind(*value);
        }
        query.fetch_optional(&self.pool).await.map_err(plain)
    }

    async fn fetch_all<R>(&self, sql: &str, binds: &[&str]) -> Result<Vec<R>>
    where
        R: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
    {
        let mut query = sqlx::query_as::<DB, R>(sql);
        for value in binds {
            query = query.bind(*value);
        }
        query.fetch_all(&self.pool).await.map_err(plain)
    }

    /// Runs a statement binding `binds` in order; returns how many rows it changed.
    async fn execute(&self, sql: &str, binds: &[&str]) -> Result<u64> {
        let mut query = sqlx::query::<DB>(sql);
        for value in binds {
            query = query.bind(*value);
        }
        let done = query.execute(&self.pool).await.map_err(plain)?;
        Ok(DB::rows_affected(&done))
    }
}

#[async_trait]
impl<DB> AuthStore for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q, 'r> &'q [u8]: Encode<'q, DB> + Type<DB>,
    for<'r> Vec<u8>: Decode<'r, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'q, 'r> i64: Encode<'q, DB> + Decode<'r, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'r> ProjectRow: FromRow<'r, DB::Row>,
    for<'r> UserRow: FromRow<'r, DB::Row>,
    for<'r> KeyRow: FromRow<'r, DB::Row>,
    for<'r> TokenRow: FromRow<'r, DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    async fn create_project(&self, project: &Project) -> Result<()> {
        sqlx::query(
            "INSERT INTO projects (id, name, account, job_quota, created_ms) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(project.id.as_str())
        .bind(project.name.as_str())
        .bind(project.account.as_str())
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
        let row: Option<ProjectRow> = self.fetch_optional(&sql, &[id]).await?;
        Ok(row.map(Project::from))
    }

    async fn get_project_by_name(&self, account: &str, name: &str) -> Result<Option<Project>> {
        let sql =
            format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE account = $1 AND name = $2");
        let row: Option<ProjectRow> = self.fetch_optional(&sql, &[account, name]).await?;
        Ok(row.map(Project::from))
    }

    async fn list_projects(&self) -> Result<Vec<Project>> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects ORDER BY id");
        let rows: Vec<ProjectRow> = self.fetch_all(&sql, &[]).await?;
        Ok(rows.into_iter().map(Project::from).collect())
    }

    async fn delete_project(&self, id: &str) -> Result<bool> {
        Ok(self
            .execute("DELETE FROM projects WHERE id = $1", &[id])
            .await?
            > 0)
    }

    async fn set_project_quota(&self, id: &str, quota: Option<i64>) -> Result<bool> {
        let done = sqlx::query("UPDATE projects SET job_quota = $1 WHERE id = $2")
            .bind(quota)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(plain)?;
        Ok(DB::rows_affected(&done) > 0)
    }

    async fn create_user(&self, user: &User) -> Result<()> {
        // `is_admin` (migration 0001) is no longer read; it has no default, so it is written
        // false, which also keeps older replicas (which still read it) working during an upgrade.
        sqlx::query(
            "INSERT INTO users (id, account, name, password_hash, password_changed_ms, is_admin, \
             created_ms) VALUES ($1, $2, $3, $4, $5, FALSE, $6)",
        )
        .bind(user.id.as_str())
        .bind(user.account.as_str())
        .bind(user.name.as_str())
        .bind(user.password_hash.as_str())
        .bind(user.password_changed_ms)
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
        let row: Option<UserRow> = self.fetch_optional(&sql, &[id]).await?;
        Ok(row.map(User::from))
    }

    async fn get_user_by_name(&self, account: &str, name: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE account = $1 AND name = $2");
        let row: Option<UserRow> = self.fetch_optional(&sql, &[account, name]).await?;
        Ok(row.map(User::from))
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
        let rows: Vec<UserRow> = self.fetch_all(&sql, &[]).await?;
        Ok(rows.into_iter().map(User::from).collect())
    }

    async fn delete_user(&self, id: &str) -> Result<bool> {
        Ok(self
            .execute("DELETE FROM users WHERE id = $1", &[id])
            .await?
            > 0)
    }

    async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        changed_ms: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await.map_err(plain)?;
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, password_changed_ms = $2 WHERE id = $3",
        )
        .bind(password_hash)
        .bind(changed_ms)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(plain)?;
        if DB::rows_affected(&done) == 0 {
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
        .bind(key.access_key.as_str())
        .bind(key.user_id.as_str())
        .bind(key.project_id.as_str())
        .bind(key.secret_ciphertext.as_slice())
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
        let row: Option<KeyRow> = self.fetch_optional(&sql, &[access_key]).await?;
        Ok(row.map(AccessKey::from))
    }

    async fn list_access_keys(&self) -> Result<Vec<AccessKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM access_keys ORDER BY access_key");
        let rows: Vec<KeyRow> = self.fetch_all(&sql, &[]).await?;
        Ok(rows.into_iter().map(AccessKey::from).collect())
    }

    async fn delete_access_key(&self, access_key: &str) -> Result<bool> {
        let sql = "DELETE FROM access_keys WHERE access_key = $1";
        Ok(self.execute(sql, &[access_key]).await? > 0)
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
        Ok(DB::rows_affected(&done) > 0)
    }

    async fn insert_token(&self, token: &TokenRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO tokens (token_hash, kind, user_id, project_id, label, issued_ms, \
             expires_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(token.token_hash.as_str())
        .bind(token.kind.as_str())
        .bind(token.user_id.as_deref())
        .bind(token.project_id.as_str())
        .bind(token.label.as_str())
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
        let row: Option<TokenRow> = self.fetch_optional(&sql, &[token_hash]).await?;
        row.map(TokenRecord::try_from).transpose()
    }

    async fn list_tokens(&self, kind: TokenKind) -> Result<Vec<TokenRecord>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE kind = $1 ORDER BY issued_ms, token_hash"
        );
        let rows: Vec<TokenRow> = self.fetch_all(&sql, &[kind.as_str()]).await?;
        rows.into_iter().map(TokenRecord::try_from).collect()
    }

    async fn delete_token(&self, token_hash: &str) -> Result<bool> {
        let sql = "DELETE FROM tokens WHERE token_hash = $1";
        Ok(self.execute(sql, &[token_hash]).await? > 0)
    }

    async fn delete_expired_tokens(&self, now_ms: i64) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM tokens WHERE expires_ms IS NOT NULL AND expires_ms < $1")
                .bind(now_ms)
                .execute(&self.pool)
                .await
                .map_err(plain)?;
        Ok(DB::rows_affected(&done))
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
        let sql = "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
        self.execute(sql, &[key, value]).await?;
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
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await.map_err(plain)?;
        // The locks come first: while waiting for them, this transaction holds no rows.
        DB::lock_login_keys(&mut *tx, &keys).await?;
        sqlx::query(DB::PURGE_LOGIN_ATTEMPTS)
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

        let attempt_id: i64 = sqlx::query_scalar(DB::NEXT_LOGIN_ATTEMPT_ID)
            .fetch_one(&mut *tx)
            .await
            .map_err(plain)?;
        if !keys.is_empty() {
            let mut insert = Statement::<DB>::new(
                "INSERT INTO login_attempts (attempt_id, attempt_key, at_ms) VALUES ",
            );
            for (i, key) in keys.iter().enumerate() {
                insert.push(if i == 0 { "(" } else { ", (" });
                insert
                    .push_bind(attempt_id)
                    .push(", ")
                    .push_bind(*key)
                    .push(", ");
                insert.push_bind(now_ms).push(")");
            }
            let (sql, args) = insert.finish()?;
            sqlx::query_with(&sql, args)
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
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await.map_err(plain)?;
        // Two good logins of one user queue here instead of deadlocking on each other's rows.
        DB::lock_login_keys(&mut *tx, &[clear_key.as_bytes()]).await?;
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
