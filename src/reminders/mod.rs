//! Reminder rules (admin-defined: which milestone kinds, how many days before and after, to
//! whom, single or digest) and the planner that shows, on a plan's timeline, which reminders the
//! rules will send. The sweep that decides what is due is in [`sweep`].

pub mod preferences;
pub mod sweep;

use std::collections::HashSet;

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::audit::{self, Event, Who};
use crate::db::schema::{notifications, reminder_rules};
use crate::db::{self, now, DbConnection, DbError};
use crate::kernel::validate::{one_of, required_line};
use crate::kernel::vocab::{MILESTONE_KINDS, OPEN_STATUSES, RELEASE_KIND};
use crate::kernel::{Actor, Role};
use crate::kernel::{FieldErrors, Problem};

/// What the planner needs of a milestone: which it is, its kind and status, and its date.
#[derive(Debug, Clone, Copy)]
pub struct DueMilestone<'a> {
    pub id: i64,
    pub kind: &'a str,
    pub status: &'a str,
    pub due_on: NaiveDate,
}

/// Why a reminder rule could not be read or changed.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("not found")]
    NotFound,
    #[error("invalid")]
    Invalid(FieldErrors),
    #[error("stale version")]
    Stale,
    #[error("no version given")]
    VersionRequired,
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for RuleError {
    fn from(e: diesel::result::Error) -> Self {
        RuleError::Db(e.into())
    }
}

impl From<RuleError> for Problem {
    fn from(e: RuleError) -> Self {
        match e {
            RuleError::NotFound => Problem::not_found(),
            RuleError::Invalid(errors) => Problem::invalid(errors),
            RuleError::Stale => Problem::stale(),
            RuleError::VersionRequired => Problem::version_required(),
            RuleError::Forbidden => Problem::forbidden(),
            RuleError::Db(e) => e.into(),
        }
    }
}

/// Who a rule writes to.
pub const RECIPIENTS: [&str; 4] = ["agency", "probation_officer", "mentor", "coordinator"];
pub const DELIVERIES: [&str; 2] = ["single", "digest"];

/// A rule as stored and shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReminderRule {
    pub id: i64,
    pub name: String,
    /// Milestone kinds this rule covers (`release` is the plan's release date itself).
    pub milestone_kinds: Vec<String>,
    /// Days before the date, e.g. `[84, 56, 28, 7, 0]`.
    pub days_before: Vec<i32>,
    /// Days after an unmet date (overdue chasers), e.g. `[7, 14]`.
    pub days_after: Vec<i32>,
    /// `agency`, `probation_officer`, `mentor`, `coordinator`.
    pub recipients: Vec<String>,
    /// `single` emails or one daily `digest` per recipient.
    pub delivery: String,
    pub active: bool,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reminder_rules)]
struct RuleRow {
    id: i64,
    name: String,
    milestone_kinds: String,
    days_before: String,
    days_after: String,
    recipients: String,
    delivery: String,
    active: bool,
    version: i32,
}

fn split_words(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn split_days(s: &str) -> Vec<i32> {
    s.split(',').filter_map(|w| w.trim().parse().ok()).collect()
}

impl From<RuleRow> for ReminderRule {
    fn from(r: RuleRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            milestone_kinds: split_words(&r.milestone_kinds),
            days_before: split_days(&r.days_before),
            days_after: split_days(&r.days_after),
            recipients: split_words(&r.recipients),
            delivery: r.delivery,
            active: r.active,
            version: r.version,
        }
    }
}

impl ReminderRule {
    pub fn covers(&self, kind: &str) -> bool {
        self.milestone_kinds.iter().any(|k| k == kind)
    }
}

/// A rule as an admin sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    pub name: Option<String>,
    pub milestone_kinds: Option<Vec<String>>,
    pub days_before: Option<Vec<i32>>,
    pub days_after: Option<Vec<i32>>,
    pub recipients: Option<Vec<String>>,
    /// `single` (default) or `digest`.
    pub delivery: Option<String>,
    /// Default true.
    pub active: Option<bool>,
}

/// A checked rule, its lists already in their stored form.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = reminder_rules)]
pub struct RuleFields {
    name: String,
    milestone_kinds: String,
    days_before: String,
    days_after: String,
    recipients: String,
    delivery: String,
    active: bool,
}

/// Lead and chaser days: 0 to 365, each once, largest first.
fn days_list(e: &mut FieldErrors, field: &str, raw: &Option<Vec<i32>>) -> String {
    let mut days = raw.clone().unwrap_or_default();
    if days.iter().any(|d| !(0..=365).contains(d)) {
        e.add(field, "error-days");
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    days.iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn word_list(
    e: &mut FieldErrors,
    field: &str,
    raw: &Option<Vec<String>>,
    allowed: &[&str],
) -> String {
    let mut words: Vec<String> = raw
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|w| w.trim().to_string())
        .collect();
    if words.is_empty() {
        e.add(field, "error-required");
    } else if words.iter().any(|w| !allowed.contains(&w.as_str())) {
        e.add(field, "error-choice");
    }
    words.dedup();
    words.join(",")
}

impl RuleInput {
    pub fn validate(&self) -> Result<RuleFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = required_line(&mut e, "name", &self.name, 200);
        let mut kinds: Vec<&str> = MILESTONE_KINDS.to_vec();
        kinds.push(RELEASE_KIND);
        let milestone_kinds = word_list(&mut e, "milestone_kinds", &self.milestone_kinds, &kinds);
        let days_before = days_list(&mut e, "days_before", &self.days_before);
        let days_after = days_list(&mut e, "days_after", &self.days_after);
        if days_before.is_empty() && days_after.is_empty() && e.is_empty() {
            e.add("days_before", "error-days-none");
        }
        let recipients = word_list(&mut e, "recipients", &self.recipients, &RECIPIENTS);
        let delivery = one_of(
            &mut e,
            "delivery",
            &Some(self.delivery.clone().unwrap_or_else(|| "single".into())),
            &DELIVERIES,
        );
        match (name, delivery) {
            (Some(name), Some(delivery)) if e.is_empty() => Ok(RuleFields {
                name,
                milestone_kinds,
                days_before,
                days_after,
                recipients,
                delivery,
                active: self.active.unwrap_or(true),
            }),
            _ => Err(e),
        }
    }
}

/// Rules are read by everyone who plans (so the timeline can show them), changed by admins.
pub fn list(conn: &mut DbConnection) -> Result<Vec<ReminderRule>, DbError> {
    Ok(reminder_rules::table
        .order(reminder_rules::name.asc())
        .select(RuleRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ReminderRule::from)
        .collect())
}

pub fn active(conn: &mut DbConnection) -> Result<Vec<ReminderRule>, DbError> {
    Ok(list(conn)?.into_iter().filter(|r| r.active).collect())
}

fn find(conn: &mut DbConnection, id: i64) -> Result<Option<ReminderRule>, DbError> {
    Ok(reminder_rules::table
        .find(id)
        .select(RuleRow::as_select())
        .first(conn)
        .optional()?
        .map(ReminderRule::from))
}

fn name_taken(conn: &mut DbConnection, name: &str, except: i64) -> Result<bool, DbError> {
    let n: i64 = reminder_rules::table
        .filter(reminder_rules::name.eq(name))
        .filter(reminder_rules::id.ne(except))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

fn name_error() -> RuleError {
    let mut e = FieldErrors::default();
    e.add("name", "error-name-taken");
    RuleError::Invalid(e)
}

#[tracing::instrument(skip_all)]
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    input: &RuleInput,
) -> Result<ReminderRule, RuleError> {
    if actor.role != Role::Admin {
        return Err(RuleError::Forbidden);
    }
    let fields = input.validate().map_err(RuleError::Invalid)?;
    db::write_transaction(conn, |conn| add(conn, who, &fields))
}

/// Insert a checked rule (also used for the defaults of a new installation).
#[tracing::instrument(skip_all)]
pub fn add(
    conn: &mut DbConnection,
    who: &Who,
    fields: &RuleFields,
) -> Result<ReminderRule, RuleError> {
    if name_taken(conn, &fields.name, -1)? {
        return Err(name_error());
    }
    let t = now();
    diesel::insert_into(reminder_rules::table)
        .values((
            fields,
            reminder_rules::version.eq(1),
            reminder_rules::created_at.eq(t),
            reminder_rules::updated_at.eq(t),
        ))
        .execute(conn)?;
    let id: i64 = reminder_rules::table
        .filter(reminder_rules::name.eq(&fields.name))
        .select(reminder_rules::id)
        .first(conn)?;
    audit::record(
        conn,
        who,
        Event {
            action: "reminder_rule.create",
            entity_type: "reminder_rule",
            entity_id: Some(id.to_string()),
            participant_id: None,
            detail: Some(serde_json::json!({ "name": fields.name })),
        },
    )?;
    find(conn, id)?.ok_or(RuleError::NotFound)
}

#[tracing::instrument(skip_all)]
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: i64,
    version: Option<i32>,
    input: &RuleInput,
) -> Result<ReminderRule, RuleError> {
    if actor.role != Role::Admin {
        return Err(RuleError::Forbidden);
    }
    let version = version.ok_or(RuleError::VersionRequired)?;
    let fields = input.validate().map_err(RuleError::Invalid)?;
    db::write_transaction(conn, |conn| {
        let current = find(conn, id)?.ok_or(RuleError::NotFound)?;
        if current.version != version {
            return Err(RuleError::Stale);
        }
        if name_taken(conn, &fields.name, id)? {
            return Err(name_error());
        }
        diesel::update(reminder_rules::table.find(id))
            .set((
                &fields,
                reminder_rules::version.eq(version + 1),
                reminder_rules::updated_at.eq(now()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            who,
            Event {
                action: "reminder_rule.update",
                entity_type: "reminder_rule",
                entity_id: Some(id.to_string()),
                participant_id: None,
                detail: Some(serde_json::json!({ "name": fields.name })),
            },
        )?;
        find(conn, id)?.ok_or(RuleError::NotFound)
    })
}

/// The rules a new installation starts with: the typical leads of PRODUCT.md.
pub fn default_rules() -> Vec<RuleInput> {
    let mut kinds: Vec<String> = MILESTONE_KINDS.iter().map(|k| k.to_string()).collect();
    kinds.retain(|k| k != "mentor_first_contact");
    vec![
        RuleInput {
            name: Some("Agency deadlines".into()),
            milestone_kinds: Some(kinds),
            days_before: Some(vec![84, 56, 28, 7, 0]),
            days_after: Some(vec![7, 14]),
            recipients: Some(vec!["agency".into(), "probation_officer".into()]),
            delivery: Some("single".into()),
            active: Some(true),
        },
        RuleInput {
            name: Some("Release date".into()),
            milestone_kinds: Some(vec![RELEASE_KIND.into()]),
            days_before: Some(vec![84, 28, 7, 0]),
            days_after: Some(vec![]),
            recipients: Some(vec![
                "probation_officer".into(),
                "mentor".into(),
                "coordinator".into(),
            ]),
            delivery: Some("digest".into()),
            active: Some(true),
        },
    ]
}

/// Add the default rules when there are none at all (first start of an installation).
pub fn ensure_defaults(conn: &mut DbConnection) -> Result<(), RuleError> {
    db::write_transaction(conn, |conn| {
        let n: i64 = reminder_rules::table.count().get_result(conn)?;
        if n > 0 {
            return Ok(());
        }
        for rule in default_rules() {
            let fields = rule.validate().map_err(RuleError::Invalid)?;
            add(conn, &Who::system("defaults"), &fields)?;
        }
        Ok(())
    })
}

/// One reminder the rules plan for a milestone, as shown on the timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlannedReminder {
    /// The day it goes out (in the site's local morning).
    pub on: NaiveDate,
    /// Days before (negative: after) the milestone's date.
    pub days_before: i32,
    pub recipients: Vec<String>,
    /// `planned`, `due` (goes out at the next sweep), `sent` (or queued), or `not_sent`
    /// (superseded, cancelled or no longer due).
    pub state: String,
}

/// What the active rules plan, loaded once per page.
pub struct Planner {
    rules: Vec<ReminderRule>,
}

impl Planner {
    pub fn load(conn: &mut DbConnection) -> Result<Self, DbError> {
        Ok(Self {
            rules: active(conn)?,
        })
    }

    /// The reminders for `m`, each marked sent when the outbox holds it for its current date.
    pub fn for_milestone(
        &self,
        conn: &mut DbConnection,
        m: &DueMilestone<'_>,
        plan_active: bool,
    ) -> Result<Vec<PlannedReminder>, DbError> {
        let open = plan_active && OPEN_STATUSES.contains(&m.status);
        let sent: HashSet<String> = notifications::table
            .filter(notifications::milestone_id.eq(m.id))
            .filter(notifications::status.ne("cancelled"))
            .select(notifications::dedupe_key)
            .load::<String>(conn)?
            .into_iter()
            .filter_map(|k| sweep::lead_of_key(&k, m.due_on))
            .collect();
        let today = crate::kernel::time::today_utc();
        let mut out: Vec<PlannedReminder> = Vec::new();
        for rule in self.rules.iter().filter(|r| r.covers(m.kind)) {
            let leads = rule
                .days_before
                .iter()
                .copied()
                .chain(rule.days_after.iter().map(|d| -*d));
            for lead in leads {
                let on = m.due_on - Duration::days(lead.into());
                let tag = sweep::lead_tag(lead);
                let state = if sent.contains(&tag) {
                    "sent"
                } else if open && on >= today {
                    "planned"
                } else {
                    "not_sent"
                };
                match out.iter_mut().find(|p| p.days_before == lead) {
                    Some(p) => {
                        for r in &rule.recipients {
                            if !p.recipients.contains(r) {
                                p.recipients.push(r.clone());
                            }
                        }
                    }
                    None => out.push(PlannedReminder {
                        on,
                        days_before: lead,
                        recipients: rule.recipients.clone(),
                        state: state.into(),
                    }),
                }
            }
        }
        out.sort_by_key(|p| p.on);
        // The latest point already reached and not yet sent goes out at the next sweep (the
        // sweep catches up a missed day); earlier unsent points are superseded by it.
        if open {
            let before = m.due_on >= today;
            if let Some(p) = out
                .iter_mut()
                .rfind(|p| p.on <= today && (p.days_before >= 0) == before)
                .filter(|p| p.state == "not_sent")
            {
                p.state = "due".into();
            }
        }
        Ok(out)
    }
}
