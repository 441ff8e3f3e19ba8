//! What a request may see: the caller's residential groups ([`crate::access::User::in_group`]) narrowed by
//! `?group=`. A field user sees their groups only (tiles, features, look-ups, `/groups`, `/conflicts.csv`);
//! asking for another group is `403`. Everyone else, and `serve <directory>` (no users), sees every group.

use super::auth::Caller;
use super::error::ApiError;
use super::features::group_param;
use super::params::Params;
use super::source::Source;
use crate::access::Role;
use crate::tiles::Cut;

/// The groups the caller may see: those its [`crate::access::User::in_group`] admits (every group but for
/// field users).
pub fn own(src: &Source, caller: Option<&Caller>) -> Cut {
    match caller.map(|c| &c.user) {
        Some(u) if u.role == Role::Field => {
            Cut::only(src.groups.iter().enumerate().filter(|(_, g)| u.in_group(Some(&g.name))).map(|(i, _)| i as u32))
        }
        _ => Cut::All,
    }
}

/// The groups a request sees: the caller's, or the one `?group=` names when it is theirs (`403` when not;
/// `404` when no group has that name).
pub fn cut(src: &Source, caller: Option<&Caller>, params: &Params) -> Result<Cut, ApiError> {
    let own = own(src, caller);
    match group_param(src, params)? {
        None => Ok(own),
        Some(g) if own.admits(Some(g)) => Ok(Cut::only([g])),
        Some(g) => Err(ApiError::forbidden(format!(
            "group `{}` is not one of the groups of `{}`",
            src.groups[g as usize].name,
            caller.map_or("", |c| c.user.login.as_str())
        ))),
    }
}
