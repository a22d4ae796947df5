//! Exit plan, pathway, milestone and template types: what clients send, checked values, views.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{exit_plan_pathways, exit_plans, milestones, plan_template_milestones};
use crate::kernel::validate::{one_of, parse_date, required_line};
use crate::kernel::FieldErrors;

pub use crate::kernel::vocab::{
    MILESTONE_KINDS, MILESTONE_STATUSES, OPEN_STATUSES, PATHWAYS, PATHWAY_STATUSES, PLAN_STATUSES,
    RELEASE_KIND, RELEASE_TYPES,
};

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = exit_plans)]
pub struct ExitPlan {
    pub id: i64,
    pub participant_id: i64,
    pub target_release_date: NaiveDate,
    pub release_type: String,
    /// `active` or `withdrawn` (no reminders for withdrawn plans).
    pub status: String,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = exit_plan_pathways)]
pub struct Pathway {
    pub pathway: String,
    pub status: String,
    /// Who is responsible (free text: a person, team or agency).
    pub responsible: String,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = milestones)]
pub struct Milestone {
    pub id: i64,
    pub plan_id: i64,
    pub participant_id: i64,
    pub kind: String,
    pub title: String,
    /// Days from the release date (negative: before); empty for an absolute date.
    pub offset_days: Option<i32>,
    /// The date it is due (follows the release date when `offset_days` is set).
    pub due_on: NaiveDate,
    pub responsible_agency_id: Option<i64>,
    pub status: String,
    pub note: String,
    pub version: i32,
}

impl Milestone {
    /// What the reminder planner needs of this milestone.
    pub fn due(&self) -> crate::reminders::DueMilestone<'_> {
        crate::reminders::DueMilestone {
            id: self.id,
            kind: &self.kind,
            status: &self.status,
            due_on: self.due_on,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = plan_template_milestones)]
pub struct TemplateMilestone {
    pub kind: String,
    pub title: String,
    /// Days from the release date (negative: before).
    pub offset_days: i32,
    /// The kind of agency made responsible, when the participant has a basis with one.
    pub agency_kind: Option<String>,
}

/// Creating a plan (optionally from a template) or changing it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    /// `YYYY-MM-DD`.
    pub target_release_date: Option<String>,
    /// `end_of_sentence`, `parole`, `conditional`, `licence` or `other`.
    pub release_type: Option<String>,
    /// `active` (default) or `withdrawn`.
    pub status: Option<String>,
    /// On creation only: build every milestone of this template.
    pub template_id: Option<i64>,
}

/// A checked plan.
#[derive(Debug, Clone)]
pub struct PlanFields {
    pub target_release_date: NaiveDate,
    pub release_type: String,
    pub status: String,
}

impl PlanInput {
    pub fn validate(&self) -> Result<PlanFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let date = parse_date(&mut e, "target_release_date", &self.target_release_date);
        let release_type = one_of(&mut e, "release_type", &self.release_type, &RELEASE_TYPES);
        let status = one_of(
            &mut e,
            "status",
            &Some(self.status.clone().unwrap_or_else(|| "active".into())),
            &PLAN_STATUSES,
        );
        match (date, release_type, status) {
            (Some(target_release_date), Some(release_type), Some(status)) if e.is_empty() => {
                Ok(PlanFields {
                    target_release_date,
                    release_type,
                    status,
                })
            }
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PathwayInput {
    pub status: Option<String>,
    pub responsible: Option<String>,
}

/// A milestone as a coordinator sends it. Give `due_date` or `offset_days`, not both.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneInput {
    pub kind: Option<String>,
    /// Defaults to the kind's name.
    pub title: Option<String>,
    /// An absolute date, `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// Days from the release date (negative: before release).
    pub offset_days: Option<i32>,
    pub responsible_agency_id: Option<i64>,
    /// `planned` (default), `in_progress`, `done`, `missed` or `not_needed`.
    pub status: Option<String>,
    pub note: Option<String>,
}

/// When a milestone falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    On(NaiveDate),
    FromRelease(i32),
}

impl Due {
    pub fn date(self, release: NaiveDate) -> NaiveDate {
        match self {
            Due::On(d) => d,
            Due::FromRelease(days) => release + Duration::days(days.into()),
        }
    }
    pub fn offset(self) -> Option<i32> {
        match self {
            Due::On(_) => None,
            Due::FromRelease(d) => Some(d),
        }
    }
}

/// A checked milestone.
#[derive(Debug, Clone)]
pub struct MilestoneFields {
    pub kind: String,
    pub title: String,
    pub due: Due,
    pub responsible_agency_id: Option<i64>,
    pub status: String,
    pub note: String,
}

impl MilestoneInput {
    pub fn validate(&self) -> Result<MilestoneFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = one_of(&mut e, "kind", &self.kind, &MILESTONE_KINDS);
        let title = match self.title.as_deref().map(str::trim) {
            None | Some("") => kind
                .clone()
                .map(|k| crate::i18n::t(&crate::i18n::DEFAULT_LANG, &format!("milestone-{k}"))),
            Some(_) => required_line(&mut e, "title", &self.title, 200),
        };
        let due = match (
            self.due_date
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty()),
            self.offset_days,
        ) {
            (Some(_), Some(_)) => {
                e.add("due_date", "error-due-both");
                None
            }
            (None, None) => {
                e.add("due_date", "error-due-missing");
                None
            }
            (Some(_), None) => parse_date(&mut e, "due_date", &self.due_date).map(Due::On),
            (None, Some(days)) if (-3650..=3650).contains(&days) => Some(Due::FromRelease(days)),
            (None, Some(_)) => {
                e.add("offset_days", "error-out-of-range");
                None
            }
        };
        let status = one_of(
            &mut e,
            "status",
            &Some(self.status.clone().unwrap_or_else(|| "planned".into())),
            &MILESTONE_STATUSES,
        );
        let note = self.note.as_deref().unwrap_or("").trim().to_string();
        if note.chars().count() > 2000 {
            e.too_long("note", 2000);
        }
        match (kind, title, due, status) {
            (Some(kind), Some(title), Some(due), Some(status)) if e.is_empty() => {
                Ok(MilestoneFields {
                    kind,
                    title,
                    due,
                    responsible_agency_id: self.responsible_agency_id,
                    status,
                    note,
                })
            }
            _ => Err(e),
        }
    }
}

/// What an agency user or probation officer may change on a milestone they own.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneProgress {
    pub status: Option<String>,
    pub note: Option<String>,
}

/// A template as an admin sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub milestones: Option<Vec<TemplateMilestoneInput>>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateMilestoneInput {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub offset_days: Option<i32>,
    pub agency_kind: Option<String>,
}

impl TemplateInput {
    pub fn validate(&self) -> Result<(String, String, Vec<TemplateMilestone>), FieldErrors> {
        let mut e = FieldErrors::default();
        let name = required_line(&mut e, "name", &self.name, 200);
        let description = self
            .description
            .clone()
            .unwrap_or_default()
            .trim()
            .to_string();
        let mut items = Vec::new();
        let list = self.milestones.clone().unwrap_or_default();
        if list.is_empty() {
            e.add("milestones", "error-required");
        }
        for (i, m) in list.iter().enumerate() {
            let field = |f: &str| format!("milestones[{i}].{f}");
            let kind = one_of(&mut e, &field("kind"), &m.kind, &MILESTONE_KINDS);
            let offset = m.offset_days.filter(|d| (-3650..=3650).contains(d));
            if offset.is_none() {
                e.add(&field("offset_days"), "error-out-of-range");
            }
            let agency_kind = match m.agency_kind.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(_) => one_of(
                    &mut e,
                    &field("agency_kind"),
                    &m.agency_kind,
                    &crate::agencies::AGENCY_KINDS,
                ),
            };
            if let (Some(kind), Some(offset_days)) = (kind, offset) {
                let title = m
                    .title
                    .clone()
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| {
                        crate::i18n::t(&crate::i18n::DEFAULT_LANG, &format!("milestone-{kind}"))
                    });
                items.push(TemplateMilestone {
                    kind,
                    title,
                    offset_days,
                    agency_kind,
                });
            }
        }
        match name {
            Some(name) if e.is_empty() => Ok((name, description, items)),
            _ => Err(e),
        }
    }
}
