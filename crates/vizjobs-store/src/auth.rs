//! Projects, users, access keys and tokens as stored.
//!
//! Secrets are never stored in the clear: passwords as argon2 hashes, tokens as SHA-256 digests
//! (a token is a long random string, so a fast digest is enough), and secret keys encrypted with
//! the operator's master key (they must be recoverable to check HMAC signatures). The store only
//! keeps the bytes it is given; hashing and encryption happen in the server.
//!
//! Failed logins are throttled in the database, by "reserve, then settle": an attempt is counted
//! *before* the slow password hash, in one atomic step that also checks the limit
//! ([`AuthStore::reserve_login_attempt`]), and settled after it
//! ([`AuthStore::settle_login_attempt`]). Counting afterwards, or in one process's memory, lets
//! concurrent guesses (or guesses spread over replicas) all pass the check before any is counted.

use async_trait::async_trait;

use crate::Result;

/// A project, the unit of isolation: a credential sees only its own project's jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// 1–64 characters of `[A-Za-z0-9_-]`; appears in every API path.
    pub id: String,
    pub name: String,
    /// The account (IAM "domain") the project belongs to.
    pub account: String,
    /// The most jobs this project may hold; `None` uses the server's configured default.
    pub job_quota: Option<i64>,
    pub created_ms: i64,
}

/// A user of an account. A user may scope a token to any project of its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub account: String,
    pub name: String,
    /// A PHC string (`$argon2id$...`).
    pub password_hash: String,
    /// Tokens issued before this instant are no longer valid.
    pub password_changed_ms: i64,
    pub created_ms: i64,
}

/// An AK/SK pair, bound to one user and one project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub access_key: String,
    pub user_id: String,
    pub project_id: String,
    /// The secret key, encrypted with the master key (nonce and ciphertext, opaque here).
    pub secret_ciphertext: Vec<u8>,
    pub created_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Issued by `POST /v3/auth/tokens`.
    Iam,
    /// A browser session cookie from the console login.
    Session,
    /// A long-lived token an operator made for automation.
    Static,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Iam => "iam",
            Self::Session => "session",
            Self::Static => "static",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "iam" => Some(Self::Iam),
            "session" => Some(Self::Session),
            "static" => Some(Self::Static),
            _ => None,
        }
    }
}

/// A token, stored by the SHA-256 digest of its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Lower-case hex SHA-256 of the token value.
    pub token_hash: String,
    pub kind: TokenKind,
    /// The user it acts for; `None` for static tokens.
    pub user_id: Option<String>,
    pub project_id: String,
    /// A label for static tokens (shown by `vizjobs admin token list`).
    pub label: String,
    pub issued_ms: i64,
    /// `None`: never expires (static tokens).
    pub expires_ms: Option<i64>,
}

/// The outcome of asking to try a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginReservation {
    /// The attempt may go ahead; settle it with this id once the password is checked. Ids are
    /// never handed out twice, so a late settle cannot touch a newer attempt.
    Granted { attempt_id: i64 },
    /// One of the keys already has `limit` attempts in the window; retry after this many ms (>= 1).
    Refused { retry_after_ms: i64 },
}

#[async_trait]
pub trait AuthStore: Send + Sync {
    async fn create_project(&self, project: &Project) -> Result<()>;
    async fn get_project(&self, id: &str) -> Result<Option<Project>>;
    async fn get_project_by_name(&self, account: &str, name: &str) -> Result<Option<Project>>;
    async fn list_projects(&self) -> Result<Vec<Project>>;
    /// Removes the project with its jobs, keys and tokens; false if there was none.
    async fn delete_project(&self, id: &str) -> Result<bool>;
    async fn set_project_quota(&self, id: &str, quota: Option<i64>) -> Result<bool>;

    async fn create_user(&self, user: &User) -> Result<()>;
    async fn get_user(&self, id: &str) -> Result<Option<User>>;
    async fn get_user_by_name(&self, account: &str, name: &str) -> Result<Option<User>>;
    async fn list_users(&self) -> Result<Vec<User>>;
    /// Removes the user with its keys and tokens; false if there was none.
    async fn delete_user(&self, id: &str) -> Result<bool>;
    /// Sets a new password hash and deletes every token the user held.
    async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        changed_ms: i64,
    ) -> Result<bool>;

    async fn create_access_key(&self, key: &AccessKey) -> Result<()>;
    async fn get_access_key(&self, access_key: &str) -> Result<Option<AccessKey>>;
    async fn list_access_keys(&self) -> Result<Vec<AccessKey>>;
    async fn delete_access_key(&self, access_key: &str) -> Result<bool>;
    /// Replaces the stored ciphertext (master-key rotation).
    async fn set_access_key_secret(
        &self,
        access_key: &str,
        secret_ciphertext: &[u8],
    ) -> Result<bool>;

    async fn insert_token(&self, token: &TokenRecord) -> Result<()>;
    async fn get_token(&self, token_hash: &str) -> Result<Option<TokenRecord>>;
    async fn list_tokens(&self, kind: TokenKind) -> Result<Vec<TokenRecord>>;
    async fn delete_token(&self, token_hash: &str) -> Result<bool>;
    /// Drops tokens whose expiry is before `now_ms`; returns how many.
    async fn delete_expired_tokens(&self, now_ms: i64) -> Result<u64>;

    /// A deployment-wide setting, e.g. the check value of the master key.
    async fn get_setting(&self, key: &str) -> Result<Option<String>>;
    /// Stores `value` under `key` unless a value is there already; returns the value now stored.
    /// Two replicas starting together thus agree on one value.
    async fn put_setting_if_absent(&self, key: &str, value: &str) -> Result<String>;

    /// Reserves one login attempt for every key (e.g. `"user:<account>\0<name>"` and
    /// `"addr:<ip>"`; keys are compared byte for byte and may hold any character, NUL included),
    /// atomically:
    /// - attempts older than `window_ms` (`at_ms <= now_ms - window_ms`) no longer count, and
    ///   may be purged (of every key: callers should all use one window);
    /// - if any key already holds `limit` attempts in the window (pending or failed), nothing is
    ///   recorded and the answer is [`LoginReservation::Refused`], with the time until that key
    ///   is below its limit again, i.e. until its `limit`-th newest attempt leaves the window (its
    ///   oldest counted one when it holds exactly `limit`; the largest such wait over the refused
    ///   keys, at least 1 ms);
    /// - otherwise one row per distinct key is recorded at `now_ms` under a new attempt id, and
    ///   the answer is [`LoginReservation::Granted`].
    ///
    /// Concurrent callers, in this process or in other replicas sharing the database, never get
    /// more than `limit` grants per key per window. No key at all is granted (nothing to count);
    /// a `limit` of 0 refuses everything.
    async fn reserve_login_attempt(
        &self,
        keys: &[String],
        limit: u32,
        window_ms: i64,
        now_ms: i64,
    ) -> Result<LoginReservation>;

    /// Settles a granted attempt once the password is checked.
    ///
    /// `success` is `None` for a failure: the attempt's rows stay and count as failures until they
    /// age out. For a success it names the key to clear (the user's): the attempt's own rows go,
    /// and so does every row of that key, so a good login clears the user's failures but not the
    /// address's (one good account cannot launder guesses). A key is cleared only if it is one
    /// of the attempt's own keys and the attempt is still recorded: settling an unknown, purged
    /// or already settled id does nothing (and is not an error).
    async fn settle_login_attempt(&self, attempt_id: i64, success: Option<&str>) -> Result<()>;
}
