//! `vizjobs admin …`: users, projects, keys and tokens, managed on the server's database.
//!
//! These commands open the same database as `vizjobs serve` (same `--data-dir`,
//! `--database-url`, `--master-key` or config file) and work while the server runs: every
//! change is a database write the server reads on the next request.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use vizjobs_server::admin::{Admin, NewPassword};
use vizjobs_server::auth::bootstrap::DEFAULT_ACCOUNT;
use vizjobs_store::TokenKind;

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
    let admin = Admin::open(config).await?;
    let store = admin.store();
    match args.command {
        AdminCommand::Project(cmd) => match cmd {
            ProjectCommand::Add {
                name,
                account,
                quota,
                id,
            } => {
                println!("{}", admin.add_project(name, account, quota, id).await?);
            }
            ProjectCommand::List => {
                println!("{:<34} {:<20} {:<16} QUOTA", "ID", "NAME", "ACCOUNT");
                for p in store.list_projects().await? {
                    let quota = p.job_quota.map_or("default".to_owned(), |q| q.to_string());
                    println!("{:<34} {:<20} {:<16} {quota}", p.id, p.name, p.account);
                }
            }
            ProjectCommand::Remove { id } => {
                admin.remove_project(&id).await?;
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
                admin.set_quota(&id, quota).await?;
                println!("quota of {id} set");
            }
        },
        AdminCommand::User(cmd) => match cmd {
            UserCommand::Add {
                name,
                account,
                password,
            } => {
                let password = admin.add_user(&account, &name, password).await?;
                println!("created user {name} in account {account}");
                show_generated(&password);
            }
            UserCommand::List => {
                println!("{:<24} ACCOUNT", "NAME");
                for u in store.list_users().await? {
                    println!("{:<24} {}", u.name, u.account);
                }
            }
            UserCommand::Remove { name, account } => {
                admin.remove_user(&account, &name).await?;
                println!("removed user {name}");
            }
            UserCommand::Passwd {
                name,
                account,
                password,
            } => {
                let password = admin.set_password(&account, &name, password).await?;
                println!("password of {name} changed; its tokens and sessions are revoked");
                show_generated(&password);
            }
        },
        AdminCommand::Key(cmd) => match cmd {
            KeyCommand::Add {
                user,
                account,
                project,
            } => {
                let key = admin.add_key(&account, &user, &project).await?;
                println!(
                    "access_key: {}\nsecret_key: {}",
                    key.access_key, key.secret_key
                );
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
                admin.remove_key(&access_key).await?;
                println!("removed {access_key}");
            }
            KeyCommand::Rotate { access_key } => {
                let key = admin.rotate_key(&access_key).await?;
                println!(
                    "access_key: {}\nsecret_key: {}\n{access_key} no longer works",
                    key.access_key, key.secret_key
                );
            }
        },
        AdminCommand::Token(cmd) => match cmd {
            TokenCommand::Add {
                project,
                label,
                expires_hours,
            } => {
                println!("{}", admin.add_token(&project, label, expires_hours).await?);
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
                admin.remove_token(&id).await?;
                println!("removed token {id}");
            }
        },
        AdminCommand::MasterKey(MasterKeyCommand::Rotate { new_key }) => {
            let rotation = admin.rotate_master_key(new_key).await?;
            match rotation.key_file {
                Some(file) => println!(
                    "re-sealed {} secret keys; {} now holds the new key (fingerprint {})",
                    rotation.resealed,
                    file.display(),
                    rotation.fingerprint
                ),
                None => println!(
                    "re-sealed {} secret keys; start the servers with the new key (fingerprint {})",
                    rotation.resealed, rotation.fingerprint
                ),
            }
        }
    }
    Ok(())
}

/// A generated password is shown once; a given one is not repeated.
fn show_generated(password: &NewPassword) {
    if password.generated {
        println!("password: {}", password.password);
    }
}
