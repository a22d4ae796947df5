//! Staff accounts: who they are, their role and site.

use diesel::prelude::*;

use crate::auth::passwords;

use crate::db::schema::{sites, users};
use crate::db::{now, DbConnection, DbError};
use crate::kernel::{Role, SiteId, UserId};

/// A user row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub site_id: Option<i64>,
    pub password_hash: Option<String>,
    pub active: bool,
    /// The partner agency of an agency user.
    pub agency_id: Option<i64>,
    /// Language of the emails this user receives.
    pub language: String,
}

impl User {
    pub fn role(&self) -> Option<Role> {
        self.role.parse().ok()
    }

    /// This user acting through `credential`; `None` for a role Onward does not know.
    pub fn into_actor(self, credential: super::Credential) -> Option<super::Actor> {
        Some(super::Actor {
            id: UserId(self.id),
            role: self.role()?,
            email: self.email,
            display_name: self.display_name,
            site_id: self.site_id.map(SiteId),
            agency_id: self.agency_id,
            credential,
            language: self.language,
        })
    }
}

/// An email address that has been checked for a plausible shape, kept lower-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim().to_lowercase();
        let valid = s.len() <= 254
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
                    && s.matches('@').count() == 1
            });
        if valid {
            Ok(Self(s))
        } else {
            Err("error-email")
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What `onward user add` asks for.
#[derive(Debug)]
pub struct NewUser {
    pub email: EmailAddress,
    pub display_name: String,
    pub role: Role,
    pub site_code: Option<String>,
    /// Required for agency users: the partner agency they work for.
    pub agency_id: Option<i64>,
    pub password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("a user with email {0} already exists")]
    Exists(String),
    #[error("an agency user needs --agency (the partner agency they work for)")]
    AgencyRequired,
    #[error("no site has code {0}")]
    UnknownSite(String),
    #[error("the {0} role needs --site")]
    SiteRequired(Role),
    #[error("the password must be at least {min} characters", min = passwords::MIN_LENGTH)]
    WeakPassword,
    #[error("could not hash the password")]
    Hash,
    #[error(transparent)]
    Db(#[from] DbError),
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<User>, DbError> {
    Ok(users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_active(conn: &mut DbConnection, id: UserId) -> Result<Option<User>, DbError> {
    Ok(users::table
        .filter(users::id.eq(id.0))
        .filter(users::active.eq(true))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// Active users with one of `roles`, by name, for pick lists.
pub fn with_roles(conn: &mut DbConnection, roles: &[Role]) -> Result<Vec<User>, DbError> {
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    Ok(users::table
        .filter(users::role.eq_any(names))
        .filter(users::active.eq(true))
        .order((users::display_name.asc(), users::id.asc()))
        .select(User::as_select())
        .load(conn)?)
}

pub fn site_id_by_code(conn: &mut DbConnection, code: &str) -> Result<Option<SiteId>, DbError> {
    Ok(sites::table
        .filter(sites::code.eq(code.trim()))
        .select(sites::id)
        .first::<i64>(conn)
        .optional()?
        .map(SiteId))
}

/// Create a user with a password.
pub fn add(conn: &mut DbConnection, new: &NewUser) -> Result<UserId, UserError> {
    if new.password.chars().count() < passwords::MIN_LENGTH {
        return Err(UserError::WeakPassword);
    }
    let site_id = match &new.site_code {
        Some(code) => {
            Some(site_id_by_code(conn, code)?.ok_or_else(|| UserError::UnknownSite(code.clone()))?)
        }
        None if new.role.needs_site() => return Err(UserError::SiteRequired(new.role)),
        None => None,
    };
    if new.role == Role::AgencyUser && new.agency_id.is_none() {
        return Err(UserError::AgencyRequired);
    }
    if find_by_email(conn, new.email.as_str())?.is_some() {
        return Err(UserError::Exists(new.email.as_str().to_string()));
    }
    let hash = passwords::hash(&new.password).map_err(|_| UserError::Hash)?;
    let display_name = if new.display_name.trim().is_empty() {
        new.email.as_str().to_string()
    } else {
        new.display_name.trim().to_string()
    };
    diesel::insert_into(users::table)
        .values((
            users::email.eq(new.email.as_str()),
            users::display_name.eq(display_name),
            users::role.eq(new.role.as_str()),
            users::site_id.eq(site_id.map(|s| s.0)),
            users::agency_id.eq(new.agency_id.filter(|_| new.role == Role::AgencyUser)),
            users::password_hash.eq(Some(hash)),
            users::active.eq(true),
            users::created_at.eq(now()),
        ))
        .execute(conn)
        .map_err(DbError::from)
        .map_err(|e| match e {
            DbError::Constraint(_) => UserError::Exists(new.email.as_str().to_string()),
            other => UserError::Db(other),
        })?;
    let user = find_by_email(conn, new.email.as_str())?
        .ok_or_else(|| DbError::Query("user vanished after insert".into()))?;
    Ok(UserId(user.id))
}

/// Set the language `user` reads pages and emails in; anything but a language Onward has is
/// refused, naming the field.
#[tracing::instrument(skip_all)]
pub fn set_language(
    conn: &mut DbConnection,
    who: &crate::audit::Who,
    user: UserId,
    language: &str,
) -> Result<(), crate::kernel::Problem> {
    if !crate::i18n::is_supported(language) {
        let mut e = crate::kernel::FieldErrors::default();
        e.add("language", "error-choice");
        return Err(crate::kernel::Problem::invalid(e));
    }
    crate::db::write_transaction(conn, |conn| {
        diesel::update(users::table.find(user.0))
            .set(users::language.eq(language))
            .execute(conn)?;
        crate::audit::record(
            conn,
            who,
            crate::audit::Event {
                action: "language.update",
                entity_type: "user",
                entity_id: Some(user.0.to_string()),
                participant_id: None,
                detail: Some(serde_json::json!({ "language": language })),
            },
        )?;
        Ok::<_, DbError>(())
    })?;
    Ok(())
}

/// Add a user (`onward user add`) and record it on the audit trail.
pub fn create(
    conn: &mut DbConnection,
    who: &crate::audit::Who,
    new: &NewUser,
) -> Result<UserId, UserError> {
    let id = add(conn, new)?;
    crate::audit::record(
        conn,
        who,
        crate::audit::Event {
            action: "user.create",
            entity_type: "user",
            entity_id: Some(new.email.as_str().to_string()),
            participant_id: None,
            detail: Some(serde_json::json!({ "role": new.role.as_str() })),
        },
    )?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn emails_are_checked_and_lower_cased() {
        assert_eq!(
            EmailAddress::parse(" A@B.org ").unwrap().as_str(),
            "a@b.org"
        );
        for bad in ["", "a", "a@b", "@b.org", "a@@b.org", "a b@c.org", "a@.org"] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }
}
