//! `vizjobs admin …`: users, projects, keys and tokens, managed on the server's database.
//!
//! These commands open the same database as `vizjobs serve` (same `--data-dir`,
//! `--database-url`, `--master-key` or config file) and work while the server runs: every
//! change is a database write the server reads on the next request.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Subcommand;
use vizjobs_server::auth::bootstrap::{
    self, DEFAULT_ACCOUNT, new_access_key, new_project_id, new_user_id,
};
use vizjobs_server::auth::secrets::{
    ALNUM, MasterKey, hash_password, new_token, random_string, token_digest,
};
use vizjobs_server::clock::{Clock, SystemClock};
use vizjobs_store::{Project, Store, TokenKind, TokenRecord, User};

use crate::serve::ServeArgs;

#[derive(clap::Args)]
pub struct AdminArgs {
    /// The server's config file (for its database settings).
    #[arg(long, env = "VIZJOBS_CONFIG", value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    /// The server's data directory [default: ./vizjobs-data].
    #[arg(long, env = "VIZJOBS_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// The server's database URL [default: SQLite in the data directory].
    #[arg(long, env = "VIZJOBS_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// The server's master key [default: DATA_DIR/master.key].
    #[arg(
        long,
        env = "VIZJOBS_MASTER_KEY",
        hide_env_values = true,
        global = true
    )]
    master_key: Option<String>,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Projects: the unit of isolation.
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Users who log in with a password.
    #[command(subcommand)]
    User(UserCommand),
    /// AK/SK pairs for signed requests.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Static API tokens bound to a project, for automation.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The master key that seals secret keys at rest.
    #[command(subcommand)]
    MasterKey(MasterKeyCommand),
}

#[derive(Subcommand)]
enum ProjectCommand {
    /// Create a project; prints its id.
    Add {
        name: String,
        #[arg(long, default_value = DEFAULT_ACCOUNT)]
        account: String,
        /// The most jobs it may hold [default: the server's job quota].
        #[arg(long)]
        quota: Option<i64>,
        /// Its id [default: 32 random hex digits].
        #[arg(long)]
        id: Option<String>,
    },
    List,
    /// Delete a project with its jobs, keys and tokens.
    Remove {
        id: String,
    },
    /// Set a project's job quota ("default" for the server's).
    Quota {
        id: String,
        quota: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; prints the password when it is generated.
    Add {
        name: String,
        #[arg(long, default_value = DEFAULT_ACCOUNT)]
        account: String,
        /// The password [default: generated]. Prefer VIZJOBS_NEW_PASSWORD to keep it out of
        /// the shell history.
        #[arg(long, env = "VIZJOBS_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        #[arg(long)]
        admin: bool,
    },
    List,
    Remove {
        name: String,
        #[arg(long, default_value = DEFAULT_ACCOUNT)]
        account: String,
    },
    /// Set a new password; the user's tokens and sessions stop working.
    Passwd {
        name: String,
        #[arg(long, default_value = DEFAULT_ACCOUNT)]
        account: String,
        #[arg(long, env = "VIZJOBS_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Create an AK/SK pair for a user in a project; prints the SK once.
    Add {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = DEFAULT_ACCOUNT)]
        account: String,
        #[arg(long)]
        project: String,
    },
    List,
    Remove {
        access_key: String,
    },
    /// Replace a pair with a new one for the same user and project; the old one stops working.
    Rotate {
        access_key: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a static token for a project; prints it once.
    Add {
        #[arg(long)]
        project: String,
        #[arg(long, default_value = "")]
        label: String,
        /// Hours until it expires [default: never].
        #[arg(long)]
        expires_hours: Option<f64>,
    },
    List,
    /// Remove a static token by the id `token list` shows.
    Remove {
        id: String,
    },
}

#[derive(Subcommand)]
enum MasterKeyCommand {
    /// Re-seal every secret key with a new master key. Stop the servers first, then start
    /// them with the new key.
    Rotate {
        /// The new key (base64 of 32 bytes) [default: generated and written to
        /// DATA_DIR/master.key when the old key came from there].
        #[arg(long, env = "VIZJOBS_NEW_MASTER_KEY", hide_env_values = true)]
        new_key: Option<String>,
    },
}

fn find_user<'a>(users: &'a [User], account: &str, name: &str) -> anyhow::Result<&'a User> {
    users
        .iter()
        .find(|u| u.account == account && u.name == name)
        .with_context(|| format!("no user {name:?} in account {account:?}"))
}

pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    let config = ServeArgs {
        config: args.config,
        data_dir: args.data_dir,
        database_url: args.database_url,
        master_key: args.master_key,
        ..ServeArgs::default()
    }
    .resolve()?
    .0;
    let store: Arc<dyn Store> = vizjobs_server::open_store(&config).await?;
    let now = SystemClock.now_ms();
    let master = || {
        let data_dir = config.data_dir.clone();
        let key = config.master_key.clone();
        let store = store.clone();
        async move { bootstrap::master_key(store.as_ref(), key.as_deref(), &data_dir).await }
    };
    match args.command {
        AdminCommand::Project(cmd) => match cmd {
            ProjectCommand::Add {
                name,
                account,
                quota,
                id,
            } => {
                let id = match id {
                    Some(id) if vizjobs_api::validate_project_id(&id) => id,
                    Some(id) => bail!("project id {id:?} must be 1 to 64 of [A-Za-z0-9_-]"),
                    None => new_project_id()?,
                };
                store
                    .create_project(&Project {
                        id: id.clone(),
                        name,
                        account,
                        job_quota: quota,
                        created_ms: now,
                    })
                    .await?;
                println!("{id}");
            }
            ProjectCommand::List => {
                println!("{:<34} {:<20} {:<16} QUOTA", "ID", "NAME", "ACCOUNT");
                for p in store.list_projects().await? {
                    let quota = p.job_quota.map_or("default".to_owned(), |q| q.to_string());
                    println!("{:<34} {:<20} {:<16} {quota}", p.id, p.name, p.account);
                }
            }
            ProjectCommand::Remove { id } => {
                if !store.delete_project(&id).await? {
                    bail!("no project {id:?}");
                }
                println!("removed project {id}");
            }
            ProjectCommand::Quota { id, quota } => {
                let quota = match quota.as_str() {
                    "default" => None,
                    n => Some(
                        n.parse::<i64>()
                            .context("quota must be a number or \"default\"")?,
                    ),
                };
                if !store.set_project_quota(&id, quota).await? {
                    bail!("no project {id:?}");
                }
                println!("quota of {id} set");
            }
        },
        AdminCommand::User(cmd) => match cmd {
            UserCommand::Add {
                name,
                account,
                password,
                admin,
            } => {
                let generated = password.is_none();
                let password = match password {
                    Some(p) => p,
                    None => random_string(24, ALNUM)?,
                };
                store
                    .create_user(&User {
                        id: new_user_id()?,
                        account: account.clone(),
                        name: name.clone(),
                        password_hash: hash_password(&password)?,
                        password_changed_ms: now,
                        is_admin: admin,
                        created_ms: now,
                    })
                    .await?;
                println!("created user {name} in account {account}");
                if generated {
                    println!("password: {password}");
                }
            }
            UserCommand::List => {
                println!("{:<24} {:<16} ADMIN", "NAME", "ACCOUNT");
                for u in store.list_users().await? {
                    println!("{:<24} {:<16} {}", u.name, u.account, u.is_admin);
                }
            }
            UserCommand::Remove { name, account } => {
                let users = store.list_users().await?;
                let user = find_user(&users, &account, &name)?;
                store.delete_user(&user.id).await?;
                println!("removed user {name}");
            }
            UserCommand::Passwd {
                name,
                account,
                password,
            } => {
                let users = store.list_users().await?;
                let user = find_user(&users, &account, &name)?;
                let generated = password.is_none();
                let password = match password {
                    Some(p) => p,
                    None => random_string(24, ALNUM)?,
                };
                store
                    .set_password(&user.id, &hash_password(&password)?, now)
                    .await?;
                println!("password of {name} changed; its tokens and sessions are revoked");
                if generated {
                    println!("password: {password}");
                }
            }
        },
        AdminCommand::Key(cmd) => {
            let master = master().await?;
            match cmd {
                KeyCommand::Add {
                    user,
                    account,
                    project,
                } => {
                    let users = store.list_users().await?;
                    let user = find_user(&users, &account, &user)?;
                    if store.get_project(&project).await?.is_none() {
                        bail!("no project {project:?}");
                    }
                    let (key, secret) = new_access_key(&master, &user.id, &project, now)?;
                    store.create_access_key(&key).await?;
                    println!("access_key: {}\nsecret_key: {secret}", key.access_key);
                }
                KeyCommand::List => {
                    let users = store.list_users().await?;
                    println!("{:<22} {:<24} PROJECT", "ACCESS KEY", "USER");
                    for k in store.list_access_keys().await? {
                        let user = users
                            .iter()
                            .find(|u| u.id == k.user_id)
                            .map_or("?", |u| u.name.as_str());
                        println!("{:<22} {:<24} {}", k.access_key, user, k.project_id);
                    }
                }
                KeyCommand::Remove { access_key } => {
                    if !store.delete_access_key(&access_key).await? {
                        bail!("no access key {access_key:?}");
                    }
                    println!("removed {access_key}");
                }
                KeyCommand::Rotate { access_key } => {
                    let old = store
                        .get_access_key(&access_key)
                        .await?
                        .with_context(|| format!("no access key {access_key:?}"))?;
                    let (key, secret) =
                        new_access_key(&master, &old.user_id, &old.project_id, now)?;
                    store.create_access_key(&key).await?;
                    store.delete_access_key(&access_key).await?;
                    println!(
                        "access_key: {}\nsecret_key: {secret}\n{access_key} no longer works",
                        key.access_key
                    );
                }
            }
        }
        AdminCommand::Token(cmd) => match cmd {
            TokenCommand::Add {
                project,
                label,
                expires_hours,
            } => {
                if store.get_project(&project).await?.is_none() {
                    bail!("no project {project:?}");
                }
                let token = new_token("vjs_")?;
                let expires_ms = expires_hours.map(|h| now + (h * 3_600_000.0) as i64);
                store
                    .insert_token(&TokenRecord {
                        token_hash: token_digest(&token),
                        kind: TokenKind::Static,
                        user_id: None,
                        project_id: project,
                        label,
                        issued_ms: now,
                        expires_ms,
                    })
                    .await?;
                println!("{token}");
            }
            TokenCommand::List => {
                println!("{:<14} {:<34} LABEL", "ID", "PROJECT");
                for t in store.list_tokens(TokenKind::Static).await? {
                    println!(
                        "{:<14} {:<34} {}",
                        &t.token_hash[..12],
                        t.project_id,
                        t.label
                    );
                }
            }
            TokenCommand::Remove { id } => {
                let tokens = store.list_tokens(TokenKind::Static).await?;
                let matching: Vec<_> = tokens
                    .iter()
                    .filter(|t| t.token_hash.starts_with(&id))
                    .collect();
                match matching.as_slice() {
                    [one] => {
                        store.delete_token(&one.token_hash).await?;
                        println!("removed token {id}");
                    }
                    [] => bail!("no static token {id:?}"),
                    _ => bail!("{id:?} matches several tokens; give more of the id"),
                }
            }
        },
        AdminCommand::MasterKey(MasterKeyCommand::Rotate { new_key }) => {
            let key_file = config.data_dir.join("master.key");
            // The old key is read as is, not checked against the database: after an
            // interrupted rotation it opens only some secrets, and rotating again finishes.
            let old_text = match &config.master_key {
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
            let from_file = config.master_key.is_none();
            let new_text = match new_key {
                Some(k) => k,
                None if from_file => MasterKey::generate()?,
                None => bail!("the master key comes from the configuration: give --new-key"),
            };
            let new = MasterKey::from_base64(&new_text).context("the new master key")?;
            // With the key kept in a file, stage the new one beside it before touching the
            // database, so an interruption cannot lose the only copy of the key in use.
            let staged = config.data_dir.join("master.key.new");
            if from_file {
                bootstrap::write_private(&staged, new_text.as_bytes())?;
            }
            let count = bootstrap::rotate_master_key(store.as_ref(), &old, &new).await?;
            if from_file {
                std::fs::rename(&staged, &key_file)
                    .with_context(|| format!("replacing {}", key_file.display()))?;
                println!(
                    "re-sealed {count} secret keys; {} now holds the new key (fingerprint {})",
                    key_file.display(),
                    new.fingerprint()
                );
            } else {
                println!(
                    "re-sealed {count} secret keys; start the servers with the new key (fingerprint {})",
                    new.fingerprint()
                );
            }
        }
    }
    Ok(())
}
