//! Users of a team server in the store (`thuadat.app_user`, migration 0010), and their rows of the audit log
//! (`thuadat.audit_log`): every change of a user is written with its audit row in one transaction.
//! The roles and their scopes are [`crate::access`]'s.

use sqlx::{PgConnection, PgPool, Row};

use super::connection::connect;
use super::runtime;
use crate::access::{check_login, password, Role, User};
use crate::error::{Error, Location, Result};

/// A user to add.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The login (see [`check_login`]).
    pub login: String,
    /// The role.
    pub role: Role,
    /// Residential groups (for `field` users only).
    pub groups: Vec<String>,
    /// Commune codes (for `officer`s only; none: every commune).
    pub communes: Vec<String>,
}

/// A change of a user.
#[derive(Debug, Clone)]
pub enum Change {
    /// A new role (its scope must fit it).
    Role(Role),
    /// New residential groups (field users) and communes (officers).
    Scope {
        /// Residential groups.
        groups: Vec<String>,
        /// Commune codes.
        communes: Vec<String>,
    },
    /// Disabled (true) or enabled again.
    Disabled(bool),
    /// A new password.
    Password(String),
}

fn bad(flag: &str, message: impl Into<String>) -> Error {
    Error::bad_input(Location::file(flag), message)
}

/// The scope fits the role: groups for field users (at least one), communes for officers, neither otherwise.
fn check_scope(role: Role, groups: &[String], communes: &[String]) -> Result<()> {
    if let Some(g) = groups.iter().find(|g| g.trim().is_empty()) {
        return Err(bad("--group", format!("`{g}` is not a group name")));
    }
    if let Some(c) = communes.iter().find(|c| c.is_empty() || !c.bytes().all(|b| b.is_ascii_digit())) {
        return Err(bad("--commune", format!("`{c}` is not a commune code (digits, e.g. 00118)")));
    }
    match role {
        Role::Field if groups.is_empty() => Err(bad("--group", "a field user needs at least one --group")),
        Role::Field if !communes.is_empty() => {
            Err(bad("--commune", "a field user's scope is their groups: --commune is for officers"))
        }
        Role::Officer if !groups.is_empty() => {
            Err(bad("--group", "an officer works on every group of their communes: --group is for field users"))
        }
        Role::Admin | Role::Viewer if !(groups.is_empty() && communes.is_empty()) => Err(bad(
            if groups.is_empty() { "--commune" } else { "--group" },
            format!("a{} {role} sees every group: no --group or --commune", if role == Role::Admin { "n" } else { "" }),
        )),
        _ => Ok(()),
    }
}

fn user_of(row: &sqlx::postgres::PgRow) -> Result<User> {
    let role: String = row.get("role");
    Ok(User {
        login: row.get("login"),
        role: Role::parse(&role).map_err(|e| Error::Stored(format!("thuadat.app_user: {e}")))?,
        groups: row.get("groups"),
        communes: row.get("communes"),
        disabled: row.get("disabled"),
    })
}

/// Writes an audit row.
pub async fn audit(
    conn: &mut PgConnection,
    login: &str,
    address: Option<&str>,
    action: &str,
    detail: serde_json::Value,
) -> Result<()> {
    audit_in(conn, login, address, None, action, detail).await
}

/// Writes an audit row about commune `commune` (None: about no commune, e.g. a login).
pub async fn audit_in(
    conn: &mut PgConnection,
    login: &str,
    address: Option<&str>,
    commune: Option<&str>,
    action: &str,
    detail: serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO thuadat.audit_log (by_whom, address, commune_code, action, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(login)
    .bind(address)
    .bind(commune)
    .bind(action)
    .bind(detail)
    .execute(conn)
    .await
    .map_err(|e| Error::db("writing the audit log", e))?;
    Ok(())
}

/// The user `login` with its password hash, if there is one.
pub async fn find(pool: &PgPool, login: &str) -> Result<Option<(User, String)>> {
    let row = sqlx::query(
        "SELECT login, role, groups, communes, disabled, password_hash FROM thuadat.app_user WHERE login = $1",
    )
    .bind(login)
    .fetch_optional(pool)
    .await
    .map_err(|e| Error::db("reading the user", e))?;
    row.map(|r| Ok((user_of(&r)?, r.get("password_hash")))).transpose()
}

/// Adds a user with `password` (checked for strength), recorded as done by `by` (from `address`).
pub fn add(url: &str, user: &NewUser, password: &str, by: &str) -> Result<()> {
    let rt = runtime()?;
    rt.block_on(async { add_user(&mut connect(url).await?, user, password, by, None).await })
}

/// [`add`] on a connection.
pub async fn add_user(
    conn: &mut PgConnection,
    user: &NewUser,
    password: &str,
    by: &str,
    address: Option<&str>,
) -> Result<()> {
    check_login(&user.login).map_err(|m| bad("login", m))?;
    check_scope(user.role, &user.groups, &user.communes)?;
    password::check_strength(password).map_err(|m| bad("password", m))?;
    let hash = password::hash(password).map_err(|m| Error::Internal(format!("hashing the password: {m}")))?;
    {
        let mut tx = sqlx::Connection::begin(&mut *conn).await.map_err(|e| Error::db("starting the transaction", e))?;
        let added = sqlx::query(
            "INSERT INTO thuadat.app_user (login, role, password_hash, groups, communes) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (login) DO NOTHING",
        )
        .bind(&user.login)
        .bind(user.role.as_str())
        .bind(&hash)
        .bind(&user.groups)
        .bind(&user.communes)
        .execute(&mut *tx)
        .await
        .map_err(|e| Error::db("adding the user", e))?;
        if added.rows_affected() == 0 {
            return Err(bad(
                "login",
                format!("user `{}` exists (change it with `thuadat user set-role` ...)", user.login),
            ));
        }
        let detail = serde_json::json!({"user": user.login, "role": user.role, "groups": user.groups, "communes": user.communes});
        audit(&mut tx, by, address, "user added", detail).await?;
        tx.commit().await.map_err(|e| Error::db("committing", e))
    }
}

/// Every user, by login.
pub fn list(url: &str) -> Result<Vec<User>> {
    let rt = runtime()?;
    rt.block_on(async { list_users(&mut connect(url).await?).await })
}

/// [`list`] on a connection.
pub async fn list_users(conn: &mut PgConnection) -> Result<Vec<User>> {
    let rows = sqlx::query("SELECT login, role, groups, communes, disabled FROM thuadat.app_user ORDER BY login")
        .fetch_all(conn)
        .await
        .map_err(|e| Error::db("listing the users", e))?;
    rows.iter().map(user_of).collect()
}

/// Changes user `login`, recorded as done by `by`.
pub fn change(url: &str, login: &str, change: &Change, by: &str) -> Result<()> {
    let rt = runtime()?;
    match rt.block_on(async { change_user(&mut connect(url).await?, login, change, by, None).await })? {
        Some(_) => Ok(()),
        None => Err(bad("login", format!("no user `{login}` (see `thuadat user list`)"))),
    }
}

/// [`change`] on a connection (`address`: where `by` acted from); the user as changed, None when there is no
/// user `login`.
pub async fn change_user(
    conn: &mut PgConnection,
    login: &str,
    change: &Change,
    by: &str,
    address: Option<&str>,
) -> Result<Option<User>> {
    let hash = match change {
        Change::Password(p) => {
            password::check_strength(p).map_err(|m| bad("password", m))?;
            Some(password::hash(p).map_err(|m| Error::Internal(format!("hashing the password: {m}")))?)
        }
        _ => None,
    };
    {
        let mut tx = sqlx::Connection::begin(&mut *conn).await.map_err(|e| Error::db("starting the transaction", e))?;
        let row = sqlx::query(
            "SELECT login, role, groups, communes, disabled FROM thuadat.app_user WHERE login = $1 FOR UPDATE",
        )
        .bind(login)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| Error::db("reading the user", e))?;
        let Some(row) = row else { return Ok(None) };
        let mut user = user_of(&row)?;
        let (action, detail) = match change {
            Change::Role(role) => {
                check_scope(*role, &user.groups, &user.communes)?;
                user.role = *role;
                ("role changed", serde_json::json!({"user": login, "role": role}))
            }
            Change::Scope { groups, communes } => {
                check_scope(user.role, groups, communes)?;
                user.groups.clone_from(groups);
                user.communes.clone_from(communes);
                ("scope changed", serde_json::json!({"user": login, "groups": groups, "communes": communes}))
            }
            Change::Disabled(d) => {
                user.disabled = *d;
                (if *d { "user disabled" } else { "user enabled" }, serde_json::json!({"user": login}))
            }
            Change::Password(_) => ("password changed", serde_json::json!({"user": login})),
        };
        sqlx::query(
            "UPDATE thuadat.app_user SET role = $2, groups = $3, communes = $4, disabled = $5, \
             password_hash = coalesce($6, password_hash), changed_at = now() WHERE login = $1",
        )
        .bind(login)
        .bind(user.role.as_str())
        .bind(&user.groups)
        .bind(&user.communes)
        .bind(user.disabled)
        .bind(hash.as_deref())
        .execute(&mut *tx)
        .await
        .map_err(|e| Error::db("changing the user", e))?;
        audit(&mut tx, by, address, action, detail).await?;
        tx.commit().await.map_err(|e| Error::db("committing", e))?;
        Ok(Some(user))
    }
}

/// Opens a session of `login` for `ttl`, kept as the digest of its token.
pub async fn open_session(
    pool: &PgPool,
    digest: &[u8],
    login: &str,
    address: Option<&str>,
    ttl: std::time::Duration,
) -> Result<()> {
    let mut tx = pool.begin().await.map_err(|e| Error::db("starting the transaction", e))?;
    // Sessions past their expiry go as new ones come.
    sqlx::query("DELETE FROM thuadat.session WHERE expires_at < now()")
        .execute(&mut *tx)
        .await
        .map_err(|e| Error::db("removing ended sessions", e))?;
    sqlx::query(
        "INSERT INTO thuadat.session (token_digest, login, address, expires_at) \
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
    )
    .bind(digest)
    .bind(login)
    .bind(address)
    .bind(ttl.as_secs_f64())
    .execute(&mut *tx)
    .await
    .map_err(|e| Error::db("opening the session", e))?;
    audit(&mut tx, login, address, "login (web map)", serde_json::json!({})).await?;
    tx.commit().await.map_err(|e| Error::db("committing", e))
}

/// The user of the session whose token has `digest`, while it lasts (disabled users included: the caller
/// refuses them).
pub async fn session_user(pool: &PgPool, digest: &[u8]) -> Result<Option<User>> {
    let row = sqlx::query(
        "SELECT u.login, u.role, u.groups, u.communes, u.disabled FROM thuadat.session s \
         JOIN thuadat.app_user u ON u.login = s.login WHERE s.token_digest = $1 AND s.expires_at > now()",
    )
    .bind(digest)
    .fetch_optional(pool)
    .await
    .map_err(|e| Error::db("reading the session", e))?;
    row.map(|r| user_of(&r)).transpose()
}

/// Ends the session whose token has `digest` (nothing when there is none).
pub async fn close_session(pool: &PgPool, digest: &[u8], address: Option<&str>) -> Result<()> {
    let mut tx = pool.begin().await.map_err(|e| Error::db("starting the transaction", e))?;
    let login: Option<String> =
        sqlx::query_scalar("DELETE FROM thuadat.session WHERE token_digest = $1 RETURNING login")
            .bind(digest)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| Error::db("ending the session", e))?;
    if let Some(login) = login {
        audit(&mut tx, &login, address, "logout", serde_json::json!({})).await?;
    }
    tx.commit().await.map_err(|e| Error::db("committing", e))
}
