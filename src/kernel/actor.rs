//! Who is acting: a user's id, their role and site, and how they proved who they are. Every
//! area receives an [`Actor`] and decides what that actor may see (for a participant, through
//! the participants area's access gate).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::kernel::Problem;

/// A user's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserId(pub i64);

/// A site's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SiteId(pub i64);

/// The roles of PRODUCT.md; each sees only what its work needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Coordinator,
    Mentor,
    ProbationOfficer,
    AgencyUser,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Coordinator,
        Role::Mentor,
        Role::ProbationOfficer,
        Role::AgencyUser,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Mentor => "mentor",
            Role::ProbationOfficer => "probation_officer",
            Role::AgencyUser => "agency_user",
            Role::Auditor => "auditor",
        }
    }

    /// Roles whose work happens at one site, so a site is required for them.
    pub fn needs_site(self) -> bool {
        matches!(self, Role::Coordinator)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "'{0}' is not a role (admin, coordinator, mentor, probation_officer, agency_user, auditor)"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// How the actor proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser session; state-changing forms must carry this CSRF token.
    Session { csrf_token: String },
    /// An API bearer token (not exposed to cross-site requests, so no CSRF token).
    Token,
}

/// The signed-in user making a request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub site_id: Option<SiteId>,
    /// The partner agency of an agency user.
    pub agency_id: Option<i64>,
    pub credential: Credential,
    /// The language the user reads pages and emails in (`en`, `ru`).
    pub language: String,
}

impl Actor {
    /// Admin-only pages and routes answer 403 to everyone else.
    pub fn require_admin(&self) -> Result<(), Problem> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(Problem::forbidden())
        }
    }

    /// The label written into the audit trail.
    pub fn audit_label(&self) -> String {
        format!("{} ({})", self.email, self.role)
    }
}

/// Where a request came from, for the audit trail.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub request_id: String,
    /// The client's address: the peer, or the address a trusted proxy forwards for;
    /// `X-Forwarded-For` from anyone else is ignored.
    pub ip: Option<String>,
}
