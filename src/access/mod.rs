//! Who may do what: users with a role and a scope of residential groups and communes, their passwords
//! (memory-hard hashes, `argon2`), and the slowing of repeated failed logins. Users are kept in the PostGIS
//! store (`crate::store::users`); the server checks every request against them (`crate::server::auth`).
//!
//! | role | reads | personal data | reviews | users |
//! |---|---|---|---|---|
//! | `admin` | every commune | yes | yes | yes |
//! | `officer` | every group of their communes (all communes when none are listed) | yes | yes | no |
//! | `field` | their residential groups | of their groups' certificates | in their groups | no |
//! | `viewer` | every group | never | no | no |

pub mod password;
pub mod throttle;

use serde::Serialize;

/// A user's role: what the user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, user management included.
    Admin,
    /// Every group of their communes: reads everything, personal data included; reviews conflicts.
    Officer,
    /// Their residential groups only: reads and reviews there, with those groups' personal data.
    Field,
    /// Geometry, status and conflicts of every group; never personal data; no writes.
    Viewer,
}

impl Role {
    /// Every role, in the order of the table above.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Officer, Role::Field, Role::Viewer];

    /// The role's name (`admin`, `officer`, `field`, `viewer`), as stored and typed.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Officer => "officer",
            Role::Field => "field",
            Role::Viewer => "viewer",
        }
    }

    /// The role of a name; an error listing the roles otherwise.
    pub fn parse(name: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == name.trim())
            .ok_or_else(|| format!("`{name}` is not a role: one of {}", Role::ALL.map(Role::as_str).join(", ")))
    }

    /// May set a conflict's review status (within the user's scope).
    pub fn reviews(self) -> bool {
        !matches!(self, Role::Viewer)
    }

    /// May correct the data (certificates now; parcels to come): officers and admins, not field teams or
    /// viewers.
    pub fn edits(self) -> bool {
        matches!(self, Role::Admin | Role::Officer)
    }

    /// May manage users.
    pub fn manages_users(self) -> bool {
        matches!(self, Role::Admin)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user as stored, without the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// The login: lower-case letters, digits, `.`, `_` and `-`, at most 64.
    pub login: String,
    /// What the user may do.
    pub role: Role,
    /// The residential groups of a `field` user (names as in the data).
    pub groups: Vec<String>,
    /// The communes of an `officer` (codes; none: every commune).
    pub communes: Vec<String>,
    /// A disabled user is refused at once, whatever credentials it shows.
    pub disabled: bool,
}

impl User {
    /// True when the user may work on commune `code` at all.
    pub fn in_commune(&self, code: &str) -> bool {
        match self.role {
            Role::Officer => self.communes.is_empty() || self.communes.iter().any(|c| c == code),
            Role::Admin | Role::Field | Role::Viewer => true,
        }
    }

    /// True when the user's scope holds residential group `group` (None: the parcel or conflict belongs to no
    /// group) of a commune the user may work on.
    pub fn in_group(&self, group: Option<&str>) -> bool {
        match self.role {
            Role::Admin | Role::Officer | Role::Viewer => true,
            Role::Field => group.is_some_and(|g| self.groups.iter().any(|own| own == g)),
        }
    }
}

/// Why a login is not acceptable as one.
pub fn check_login(login: &str) -> Result<(), String> {
    let ok = !login.is_empty()
        && login.len() <= 64
        && login.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{login}` is not a login: 1 to 64 lower-case letters, digits, `.`, `_` or `-` (e.g. `nguyen.van.an`)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, groups: &[&str], communes: &[&str]) -> User {
        User {
            login: "u".into(),
            role,
            groups: groups.iter().map(|s| s.to_string()).collect(),
            communes: communes.iter().map(|s| s.to_string()).collect(),
            disabled: false,
        }
    }

    #[test]
    fn roles_parse_and_scope() {
        assert_eq!(Role::parse(" officer"), Ok(Role::Officer));
        assert_eq!(Role::parse("boss").unwrap_err(), "`boss` is not a role: one of admin, officer, field, viewer");
        let field = user(Role::Field, &["Thôn Đông"], &[]);
        assert!(field.in_group(Some("Thôn Đông")));
        assert!(!field.in_group(Some("Thôn Đoài")));
        assert!(!field.in_group(None));
        let officer = user(Role::Officer, &[], &["00118"]);
        assert!(officer.in_commune("00118") && !officer.in_commune("00121"));
        assert!(user(Role::Officer, &[], &[]).in_commune("00121"));
        assert!(!Role::Viewer.reviews() && Role::Field.reviews() && Role::Admin.manages_users());
    }

    #[test]
    fn logins() {
        assert!(check_login("nguyen.van-an_2").is_ok());
        for bad in ["", "Nguyen", "an an", "an:b", &"a".repeat(65)] {
            assert!(check_login(bad).is_err(), "{bad}");
        }
    }
}
