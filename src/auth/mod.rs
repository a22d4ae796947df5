//! Who is asking: users and their roles, passwords, login sessions, API tokens, CSRF protection
//! and login throttling. Other areas receive an [`Actor`] and decide what that actor may see.

pub mod login;
pub mod passwords;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use crate::kernel::{Actor, Credential, RequestMeta, Role, SiteId, UnknownRole, UserId};
