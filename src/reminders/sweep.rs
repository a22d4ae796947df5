//! The reminder sweep: decide which reminders are due and write them to the outbox.
//!
//! Rules users rely on (PRODUCT.md):
//! - a reminder goes out once, when its lead time is reached, in the site's local morning: a lead
//!   point of day D is due from D at the configured local hour (default 08:00), computed here from
//!   the site's IANA zone at the moment of the sweep, so daylight-saving changes never shift it;
//! - if Onward was down, the reminder goes out at the next sweep (the lead point is in the past,
//!   the date is not): never silently skipped. When several lead points were reached while down,
//!   the most recent one is sent (it carries the current count of days), once;
//! - the dedupe key holds the date the reminder is about, so a moved release date produces
//!   reminders for the new date (those queued for the old one are cancelled by the plan change);
//! - nothing for a date already past, a withdrawn plan, a milestone that is done or not needed,
//!   or an agency without a valid sharing basis (or not vetted, or inactive).
//!
//! The sweep only writes `notifications` rows (with a unique dedupe key, so running it twice or
//! on two instances decides once); delivery is the outbox's job.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;

use crate::agencies::Agency;
use crate::db::schema::{
    agencies, exit_plans, milestones, notifications, participant_mentors, participants,
    sharing_bases, sites, users,
};
use crate::db::{DbConnection, DbError};
use crate::kernel::vocab::{OPEN_STATUSES, RELEASE_KIND};
use crate::mail::{self, EmailContext};
use crate::outbox::{self, NewNotification};
use crate::participants::access::{Case, Staff};
use crate::reminders::{self, ReminderRule};

/// What a sweep needs to know besides the database.
#[derive(Debug, Clone)]
pub struct SweepSettings {
    /// The local hour from which a day's reminders go out at each site.
    pub morning: NaiveTime,
    pub public_url: url::Url,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SweepCounts {
    /// Dated items (milestones and release dates) looked at.
    pub items: usize,
    /// New notifications written to the outbox.
    pub queued: usize,
}

/// `b28` for 28 days before, `a7` for 7 days after.
pub fn lead_tag(days_before: i32) -> String {
    if days_before >= 0 {
        format!("b{days_before}")
    } else {
        format!("a{}", -days_before)
    }
}

/// The lead tag of a milestone dedupe key if the key is for `due_on`.
pub fn lead_of_key(key: &str, due_on: NaiveDate) -> Option<String> {
    let mut parts = key.split('|');
    let _item = parts.next()?;
    let date = parts.next()?;
    let tag = parts.next()?;
    (date == due_on.to_string()).then(|| tag.to_string())
}

pub use crate::kernel::calendar::reminder_day;

/// A dated item: a milestone, or a plan's release date.
#[derive(Debug, Clone)]
pub struct Item {
    milestone_id: Option<i64>,
    plan_id: i64,
    participant_id: i64,
    kind: String,
    title: String,
    due_on: NaiveDate,
    agency_id: Option<i64>,
    site_id: i64,
    case_reference: String,
    full_name: String,
    probation_officer_id: Option<i64>,
}

impl Item {
    fn key(&self, tag: &str, to: &str) -> String {
        match self.milestone_id {
            Some(m) => format!("m{m}|{}|{tag}|{to}", self.due_on),
            None => format!("r{}|{}|{tag}|{to}", self.plan_id, self.due_on),
        }
    }
}

/// Who an email goes to.
#[derive(Debug, Clone)]
enum Target {
    Agency(Agency),
    User(StaffUser),
}

#[derive(Debug, Clone, Queryable)]
struct StaffUser {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    site_id: Option<i64>,
    language: String,
}

impl StaffUser {
    fn as_staff(&self) -> Staff {
        Staff {
            id: self.id,
            // An unknown role learns nothing (the auditor's scope).
            role: self.role.parse().unwrap_or(crate::kernel::Role::Auditor),
            site_id: self.site_id,
        }
    }
}

/// When a sharing basis holds: from, until (open-ended when empty).
type Spans = Vec<(NaiveDate, Option<NaiveDate>)>;

/// Everything the sweep looks up, loaded in a few queries rather than per item.
pub struct Lookup {
    zones: HashMap<i64, Tz>,
    users: HashMap<i64, StaffUser>,
    coordinators: HashMap<i64, Vec<i64>>,
    mentors: HashMap<i64, Vec<i64>>,
    agencies: HashMap<i64, Agency>,
    bases: HashMap<(i64, i64), Spans>,
    opted_out: HashSet<(i64, String)>,
    /// What the access gate needs to decide who may learn about each participant.
    cases: HashMap<i64, Case>,
}

impl Lookup {
    /// How many rows the lookup holds (for the benchmark).
    pub fn rows(&self) -> usize {
        self.users.len()
            + self.coordinators.values().map(Vec::len).sum::<usize>()
            + self.mentors.values().map(Vec::len).sum::<usize>()
            + self.agencies.len()
            + self.bases.len()
            + self.opted_out.len()
            + self.cases.len()
    }

    fn basis_valid(&self, participant: i64, agency: i64, day: NaiveDate) -> bool {
        self.bases.get(&(participant, agency)).is_some_and(|spans| {
            spans
                .iter()
                .any(|(from, until)| *from <= day && until.is_none_or(|u| u >= day))
        })
    }

    fn targets(&self, item: &Item, recipient: &str, day: NaiveDate) -> Vec<Target> {
        // Who may learn about the person is the access gate's decision (a restricted person:
        // named staff only, and no agency mailbox).
        let case = self.cases.get(&item.participant_id);
        let users = |ids: &[i64]| -> Vec<Target> {
            ids.iter()
                .filter_map(|id| self.users.get(id))
                .filter(|u| case.is_some_and(|c| c.may_learn(&u.as_staff())))
                .map(|u| Target::User(u.clone()))
                .collect()
        };
        match recipient {
            "agency" => item
                .agency_id
                .filter(|_| case.is_some_and(Case::may_tell_agency))
                .and_then(|a| self.agencies.get(&a))
                .filter(|a| a.may_receive())
                .filter(|a| self.basis_valid(item.participant_id, a.id, day))
                .map(|a| vec![Target::Agency(a.clone())])
                .unwrap_or_default(),
            "probation_officer" => users(item.probation_officer_id.as_slice()),
            "mentor" => users(
                self.mentors
                    .get(&item.participant_id)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
            ),
            "coordinator" => users(
                self.coordinators
                    .get(&item.site_id)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
            ),
            _ => Vec::new(),
        }
    }
}

/// Decide what is due at `now` and queue it. Safe to run twice and on two instances at once.
///
/// Its steps are public so that the benchmark times the sweep's own code: [`window`],
/// [`load_items`], [`load_lookup`], [`decided_keys`], [`decide`] and [`write`].
pub fn sweep(
    conn: &mut DbConnection,
    settings: &SweepSettings,
    now: DateTime<Utc>,
) -> Result<SweepCounts, DbError> {
    let mut counts = SweepCounts::default();
    let Some(window) = window(conn, settings, now)? else {
        return Ok(counts);
    };
    let items = load_items(conn, window.lo, window.hi)?;
    counts.items = items.len();
    if items.is_empty() {
        return Ok(counts);
    }
    let lookup = load_lookup(conn, window.zones().clone())?;
    let decided = decided_keys(conn, window.lo, window.hi)?;
    let decisions = decide(&window, &items, &lookup, &decided, settings, now);
    counts.queued = write(conn, settings, &items, &decisions, now)?;
    Ok(counts)
}

/// The dates a sweep at one instant reads between, with the rules and site zones it works with.
pub struct Window {
    rules: Vec<ReminderRule>,
    zones: HashMap<i64, Tz>,
    /// The earliest date whose reminders or chasers may be due somewhere.
    pub lo: NaiveDate,
    /// The latest date whose reminders may be due somewhere.
    pub hi: NaiveDate,
}

impl Window {
    /// Each site's time zone, by site id.
    pub fn zones(&self) -> &HashMap<i64, Tz> {
        &self.zones
    }
}

/// The window of a sweep at `now`, from each site's reminder day and the rules' longest leads:
/// none when there is no active rule or no site.
pub fn window(
    conn: &mut DbConnection,
    settings: &SweepSettings,
    now: DateTime<Utc>,
) -> Result<Option<Window>, DbError> {
    let rules = reminders::active(conn)?;
    if rules.is_empty() {
        return Ok(None);
    }
    let zones: HashMap<i64, Tz> = sites::table
        .select((sites::id, sites::time_zone))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .map(|(id, z)| (id, z.parse().unwrap_or(chrono_tz::UTC)))
        .collect();
    if zones.is_empty() {
        return Ok(None);
    }
    let days: Vec<(NaiveDate, NaiveDate)> = zones
        .values()
        .map(|tz| {
            (
                reminder_day(now, *tz, settings.morning),
                now.with_timezone(tz).date_naive(),
            )
        })
        .collect();
    let longest = |leads: fn(&ReminderRule) -> &Vec<i32>| {
        rules
            .iter()
            .flat_map(|r| leads(r).iter())
            .copied()
            .max()
            .unwrap_or(0)
    };
    let (max_before, max_after) = (longest(|r| &r.days_before), longest(|r| &r.days_after));
    let lo = days.iter().map(|d| d.0.min(d.1)).min().unwrap_or_default()
        - Duration::days(i64::from(max_after) + 1);
    let hi = days.iter().map(|d| d.0.max(d.1)).max().unwrap_or_default()
        + Duration::days(i64::from(max_before) + 1);
    Ok(Some(Window {
        rules,
        zones,
        lo,
        hi,
    }))
}

/// The dedupe keys already decided (queued, sent or failed) for dates between `lo` and `hi`.
pub fn decided_keys(
    conn: &mut DbConnection,
    lo: NaiveDate,
    hi: NaiveDate,
) -> Result<HashSet<String>, DbError> {
    Ok(notifications::table
        .filter(notifications::item_date.between(lo, hi))
        .select(notifications::dedupe_key)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// What is due for each item under each rule, to whom, and not yet decided: cheap, in memory.
pub fn decide(
    window: &Window,
    items: &[Item],
    lookup: &Lookup,
    decided: &HashSet<String>,
    settings: &SweepSettings,
    now: DateTime<Utc>,
) -> Vec<Decision> {
    let mut decisions: Vec<Decision> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (index, item) in items.iter().enumerate() {
        let tz = lookup
            .zones
            .get(&item.site_id)
            .copied()
            .unwrap_or(chrono_tz::UTC);
        let day = reminder_day(now, tz, settings.morning);
        let today = now.with_timezone(&tz).date_naive();
        for rule in window.rules.iter().filter(|r| r.covers(&item.kind)) {
            let Some(lead) = due_lead(rule, item, day, today) else {
                continue;
            };
            let tag = lead_tag(lead);
            for recipient in &rule.recipients {
                for target in lookup.targets(item, recipient, today) {
                    let to = match &target {
                        Target::Agency(a) => format!("a{}", a.id),
                        Target::User(u) => format!("u{}", u.id),
                    };
                    let key = item.key(&tag, &to);
                    if decided.contains(&key) || !seen.insert(key.clone()) {
                        continue;
                    }
                    if let Target::User(u) = &target {
                        if lookup.opted_out.contains(&(u.id, "reminders".to_string())) {
                            continue;
                        }
                    }
                    decisions.push(Decision {
                        item: index,
                        lead,
                        today,
                        target,
                        key,
                        digest: rule.delivery == "digest",
                    });
                }
            }
        }
    }
    decisions
}

/// Render and queue the decisions in chunks (so memory stays flat however many one sweep sends),
/// each under the lock that plan, milestone and basis changes take, after checking that what was
/// decided still holds: a release date moved, or a milestone done, between the read and the
/// write never leaves an email queued for a date or a step that no longer needs it. Returns how
/// many were queued.
pub fn write(
    conn: &mut DbConnection,
    settings: &SweepSettings,
    items: &[Item],
    decisions: &[Decision],
    now: DateTime<Utc>,
) -> Result<usize, DbError> {
    let mut queued = 0;
    for chunk in decisions.chunks(5000) {
        let rows = chunk
            .iter()
            .map(|d| reminder_row(settings, &items[d.item], d, now))
            .collect::<Result<Vec<_>, _>>()?;
        queued += crate::db::write_transaction(conn, |conn| {
            let fresh = still_current(conn, rows, now.date_naive())?;
            outbox::enqueue(conn, &fresh, &crate::participants::access::Gate)
        })?;
    }
    Ok(queued)
}

/// One email the sweep decided to send, before it is rendered.
pub struct Decision {
    /// Index into the sweep's items.
    item: usize,
    lead: i32,
    /// The site's local date at the sweep.
    today: NaiveDate,
    target: Target,
    key: String,
    digest: bool,
}

/// The rows whose milestone or release date, plan and agency basis are as they were read.
fn still_current(
    conn: &mut DbConnection,
    rows: Vec<NewNotification>,
    today: NaiveDate,
) -> Result<Vec<NewNotification>, DbError> {
    if rows.is_empty() {
        return Ok(rows);
    }
    let milestone_ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.milestone_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut milestones_now: HashMap<i64, (NaiveDate, String, String, Option<i64>)> = HashMap::new();
    for chunk in milestone_ids.chunks(500) {
        let found: Vec<(i64, NaiveDate, String, String, Option<i64>)> = milestones::table
            .inner_join(exit_plans::table)
            .filter(milestones::id.eq_any(chunk))
            .select((
                milestones::id,
                milestones::due_on,
                milestones::status,
                exit_plans::status,
                milestones::responsible_agency_id,
            ))
            .load(conn)?;
        for (id, due, status, plan, agency) in found {
            milestones_now.insert(id, (due, status, plan, agency));
        }
    }
    let people: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.participant_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut plans_now: HashMap<i64, (NaiveDate, String)> = HashMap::new();
    let mut bases_now: HashSet<(i64, i64)> = HashSet::new();
    for chunk in people.chunks(500) {
        let found: Vec<(i64, NaiveDate, String)> = exit_plans::table
            .filter(exit_plans::participant_id.eq_any(chunk))
            .select((
                exit_plans::participant_id,
                exit_plans::target_release_date,
                exit_plans::status,
            ))
            .load(conn)?;
        for (p, date, status) in found {
            plans_now.insert(p, (date, status));
        }
        let bases: Vec<(i64, i64)> = sharing_bases::table
            .filter(sharing_bases::participant_id.eq_any(chunk))
            .filter(sharing_bases::valid_from.le(today))
            .filter(
                sharing_bases::valid_until
                    .is_null()
                    .or(sharing_bases::valid_until.ge(today)),
            )
            .select((sharing_bases::participant_id, sharing_bases::agency_id))
            .load(conn)?;
        bases_now.extend(bases);
    }
    Ok(rows
        .into_iter()
        .filter(|r| {
            let item = match r.milestone_id {
                Some(m) => milestones_now
                    .get(&m)
                    .is_some_and(|(due, status, plan, owner)| {
                        Some(*due) == r.item_date
                            && OPEN_STATUSES.contains(&status.as_str())
                            && plan == "active"
                            && (r.recipient_agency_id.is_none() || *owner == r.recipient_agency_id)
                    }),
                None => r
                    .participant_id
                    .and_then(|p| plans_now.get(&p))
                    .is_some_and(|(date, status)| Some(*date) == r.item_date && status == "active"),
            };
            let basis = match (r.participant_id, r.recipient_agency_id) {
                (Some(p), Some(a)) => bases_now.contains(&(p, a)),
                _ => true,
            };
            item && basis
        })
        .collect())
}

/// The lead (days before; negative: after) of the reminder due for `item` under `rule`, if any.
fn due_lead(rule: &ReminderRule, item: &Item, day: NaiveDate, today: NaiveDate) -> Option<i32> {
    if item.due_on >= today {
        // Before (or on) the date: the most recent lead point reached.
        rule.days_before
            .iter()
            .copied()
            .filter(|l| item.due_on - Duration::days((*l).into()) <= day)
            .min()
    } else if item.milestone_id.is_some() {
        // Past and still open: the latest overdue chaser reached.
        rule.days_after
            .iter()
            .copied()
            .filter(|a| item.due_on + Duration::days((*a).into()) <= day)
            .max()
            .map(|a| -a)
    } else {
        None
    }
}

fn reminder_row(
    settings: &SweepSettings,
    item: &Item,
    decision: &Decision,
    now: DateTime<Utc>,
) -> Result<NewNotification, DbError> {
    let (lead, today, target) = (decision.lead, decision.today, &decision.target);
    let kind = match (item.milestone_id, lead >= 0) {
        (None, _) => "release_reminder",
        (Some(_), true) => "milestone_reminder",
        (Some(_), false) => "milestone_overdue",
    };
    let (to_address, language, recipient_name, secure, agency_id, user_id) = match target {
        Target::Agency(a) => (
            a.mailbox.clone(),
            a.language.clone(),
            a.name.clone(),
            a.secure_channel,
            Some(a.id),
            None,
        ),
        Target::User(u) => (
            u.email.clone(),
            u.language.clone(),
            u.display_name.clone(),
            false,
            None,
            Some(u.id),
        ),
    };
    // Agencies work on the milestone page; staff on the participant's plan.
    let path = match (target, item.milestone_id) {
        (Target::Agency(_), Some(m)) => format!("milestones/{m}"),
        _ => format!("participants/{}/exit-plan", item.participant_id),
    };
    let link = settings
        .public_url
        .join(&path)
        .map(|u| u.to_string())
        .unwrap_or(path);
    // A title is free text a coordinator typed and may say more than it should: only a secure
    // mailbox gets it; everyone else gets the kind of step, in their language.
    let what = if secure {
        item.title.clone()
    } else {
        mail::kind_label(&item.kind, &language)
    };
    let ctx = EmailContext {
        recipient: recipient_name,
        case_reference: item.case_reference.clone(),
        what,
        kind: item.kind.clone(),
        due_on: item.due_on.to_string(),
        // The days as they are when the email is written (a reminder sent late says so).
        days: (item.due_on - today).num_days().unsigned_abs() as i32,
        is_today: item.due_on == today,
        link,
        secure,
        participant_name: secure.then(|| item.full_name.clone()),
        items: Vec::new(),
    };
    let rendered =
        mail::render(kind, &language, &ctx).map_err(|e| DbError::Query(e.to_string()))?;
    let digest = decision.digest;
    Ok(NewNotification::new(
        decision.key.clone(),
        kind,
        agency_id.is_some(),
        Some(item.participant_id),
        item.milestone_id,
        Some(item.due_on),
        user_id,
        agency_id,
        to_address,
        language,
        rendered,
        if digest { "in_digest" } else { "pending" },
        now.naive_utc(),
        &settings.public_url,
    ))
}

#[derive(Queryable)]
struct ReleaseRow {
    plan_id: i64,
    participant_id: i64,
    due_on: NaiveDate,
    site_id: i64,
    case_reference: String,
    given_name: String,
    family_name: String,
    probation_officer_id: Option<i64>,
}

#[derive(Queryable)]
struct ItemRow {
    milestone_id: i64,
    plan_id: i64,
    participant_id: i64,
    kind: String,
    title: String,
    due_on: NaiveDate,
    agency_id: Option<i64>,
    site_id: i64,
    case_reference: String,
    given_name: String,
    family_name: String,
    probation_officer_id: Option<i64>,
}

/// Open milestones and release dates of active plans falling between `lo` and `hi`, for people
/// still in the service (not closed or transferred away).
pub fn load_items(
    conn: &mut DbConnection,
    lo: NaiveDate,
    hi: NaiveDate,
) -> Result<Vec<Item>, DbError> {
    let people = ["in_custody", "released"];
    let rows: Vec<ItemRow> = milestones::table
        .inner_join(exit_plans::table)
        .inner_join(participants::table)
        .filter(milestones::due_on.between(lo, hi))
        .filter(milestones::status.eq_any(OPEN_STATUSES))
        .filter(exit_plans::status.eq("active"))
        .filter(participants::status.eq_any(people))
        .select((
            milestones::id,
            milestones::plan_id,
            milestones::participant_id,
            milestones::kind,
            milestones::title,
            milestones::due_on,
            milestones::responsible_agency_id,
            participants::site_id,
            participants::case_reference,
            participants::given_name,
            participants::family_name,
            participants::probation_officer_id,
        ))
        .load(conn)?;
    let mut items: Vec<Item> = rows
        .into_iter()
        .map(|r| Item {
            milestone_id: Some(r.milestone_id),
            plan_id: r.plan_id,
            participant_id: r.participant_id,
            kind: r.kind,
            title: r.title,
            due_on: r.due_on,
            agency_id: r.agency_id,
            site_id: r.site_id,
            case_reference: r.case_reference,
            full_name: format!("{} {}", r.given_name, r.family_name),
            probation_officer_id: r.probation_officer_id,
        })
        .collect();
    let releases: Vec<ReleaseRow> = exit_plans::table
        .inner_join(participants::table)
        .filter(exit_plans::target_release_date.between(lo, hi))
        .filter(exit_plans::status.eq("active"))
        .filter(participants::status.eq("in_custody"))
        .select((
            exit_plans::id,
            exit_plans::participant_id,
            exit_plans::target_release_date,
            participants::site_id,
            participants::case_reference,
            participants::given_name,
            participants::family_name,
            participants::probation_officer_id,
        ))
        .load(conn)?;
    let release_title = crate::i18n::t(&crate::i18n::DEFAULT_LANG, "milestone-release");
    items.extend(releases.into_iter().map(|r| Item {
        milestone_id: None,
        plan_id: r.plan_id,
        participant_id: r.participant_id,
        kind: RELEASE_KIND.into(),
        title: release_title.clone(),
        due_on: r.due_on,
        agency_id: None,
        site_id: r.site_id,
        case_reference: r.case_reference,
        full_name: format!("{} {}", r.given_name, r.family_name),
        probation_officer_id: r.probation_officer_id,
    }));
    Ok(items)
}

/// The staff, mentors, agencies, sharing bases, opt-outs and cases the sweep looks up.
pub fn load_lookup(conn: &mut DbConnection, zones: HashMap<i64, Tz>) -> Result<Lookup, DbError> {
    let staff: Vec<StaffUser> = users::table
        .filter(users::active.eq(true))
        .select((
            users::id,
            users::email,
            users::display_name,
            users::role,
            users::site_id,
            users::language,
        ))
        .load(conn)?;
    let mut coordinators: HashMap<i64, Vec<i64>> = HashMap::new();
    for u in staff.iter().filter(|u| u.role == "coordinator") {
        if let Some(site) = u.site_id {
            coordinators.entry(site).or_default().push(u.id);
        }
    }
    let users: HashMap<i64, StaffUser> = staff.into_iter().map(|u| (u.id, u)).collect();
    let mut mentors: HashMap<i64, Vec<i64>> = HashMap::new();
    for (p, u) in participant_mentors::table
        .select((
            participant_mentors::participant_id,
            participant_mentors::user_id,
        ))
        .load::<(i64, i64)>(conn)?
    {
        mentors.entry(p).or_default().push(u);
    }
    let agencies: HashMap<i64, Agency> = agencies::table
        .select(Agency::as_select())
        .load(conn)?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut bases: HashMap<(i64, i64), Spans> = HashMap::new();
    for (p, a, from, until) in sharing_bases::table
        .select((
            sharing_bases::participant_id,
            sharing_bases::agency_id,
            sharing_bases::valid_from,
            sharing_bases::valid_until,
        ))
        .load::<(i64, i64, NaiveDate, Option<NaiveDate>)>(conn)?
    {
        bases.entry((p, a)).or_default().push((from, until));
    }
    let opted_out: HashSet<(i64, String)> = crate::db::schema::email_opt_outs::table
        .select((
            crate::db::schema::email_opt_outs::user_id,
            crate::db::schema::email_opt_outs::kind,
        ))
        .load(conn)?
        .into_iter()
        .collect();
    let cases = Case::load_all(conn)?;
    Ok(Lookup {
        cases,
        zones,
        users,
        coordinators,
        mentors,
        agencies,
        bases,
        opted_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_local_morning_follows_daylight_saving() {
        let lisbon: Tz = "Europe/Lisbon".parse().unwrap();
        let eight = NaiveTime::from_hms_opt(8, 0, 0).unwrap();
        // Winter: Lisbon is UTC+0, so 08:00 local is 08:00 UTC.
        let before = Utc.with_ymd_and_hms(2027, 3, 20, 7, 59, 0).unwrap();
        assert_eq!(
            reminder_day(before, lisbon, eight).to_string(),
            "2027-03-19"
        );
        let at = Utc.with_ymd_and_hms(2027, 3, 20, 8, 0, 0).unwrap();
        assert_eq!(reminder_day(at, lisbon, eight).to_string(), "2027-03-20");
        // Summer (after 28 March 2027): UTC+1, so 08:00 local is 07:00 UTC.
        let summer = Utc.with_ymd_and_hms(2027, 3, 30, 7, 0, 0).unwrap();
        assert_eq!(
            reminder_day(summer, lisbon, eight).to_string(),
            "2027-03-30"
        );
        let early = Utc.with_ymd_and_hms(2027, 3, 30, 6, 59, 0).unwrap();
        assert_eq!(reminder_day(early, lisbon, eight).to_string(), "2027-03-29");
    }

    #[test]
    fn lead_tags_read_back_from_keys() {
        let due = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        assert_eq!(lead_tag(28), "b28");
        assert_eq!(lead_tag(-7), "a7");
        assert_eq!(
            lead_of_key("m5|2027-03-01|b28|a3", due).as_deref(),
            Some("b28")
        );
        assert_eq!(lead_of_key("m5|2027-02-01|b28|a3", due), None);
    }
}
