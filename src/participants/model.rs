//! Participant domain types: values that can only be built valid, the stored row, and what the
//! API and pages accept and show.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::participants;
use crate::kernel::validate::{optional_date, parse_date};
use crate::kernel::FieldErrors;

/// A participant's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ParticipantId(pub i64);

/// The pseudonymous case reference, e.g. `KG-2026-00042`: two or three capital letters (the
/// service), the year, and a 3 to 6 digit serial. Stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseReference(String);

impl CaseReference {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim().to_ascii_uppercase();
        let parts: Vec<&str> = s.split('-').collect();
        let ok = parts.len() == 3
            && (2..=3).contains(&parts[0].len())
            && parts[0].bytes().all(|b| b.is_ascii_uppercase())
            && parts[1].len() == 4
            && parts[1].bytes().all(|b| b.is_ascii_digit())
            && (3..=6).contains(&parts[2].len())
            && parts[2].bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(Self(s))
        } else {
            Err("error-case-reference")
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's name part: present, at most 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim();
        if s.is_empty() {
            Err("error-required")
        } else if s.chars().count() > 100 {
            Err("error-too-long-100")
        } else if s.chars().any(char::is_control) {
            Err("error-control-characters")
        } else {
            Ok(Self(s.to_string()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where the participant is in their journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantStatus {
    InCustody,
    Released,
    Transferred,
    Closed,
}

impl ParticipantStatus {
    pub const ALL: [ParticipantStatus; 4] = [
        ParticipantStatus::InCustody,
        ParticipantStatus::Released,
        ParticipantStatus::Transferred,
        ParticipantStatus::Closed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantStatus::InCustody => "in_custody",
            ParticipantStatus::Released => "released",
            ParticipantStatus::Transferred => "transferred",
            ParticipantStatus::Closed => "closed",
        }
    }
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or("error-status")
    }
}

/// A stored participant row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = participants)]
pub struct ParticipantRow {
    pub id: i64,
    pub case_reference: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub site_id: i64,
    pub status: String,
    pub sentence_start: Option<NaiveDate>,
    pub earliest_release_date: Option<NaiveDate>,
    pub parole_eligibility_date: Option<NaiveDate>,
    pub licence_end_date: Option<NaiveDate>,
    pub restricted: bool,
    pub probation_officer_id: Option<i64>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a client sends to create or replace a participant. Everything is optional here so that
/// validation can name every missing or wrong field at once.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantInput {
    /// e.g. `KG-2026-00042`.
    pub case_reference: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    pub site_id: Option<i64>,
    /// `in_custody`, `released`, `transferred` or `closed`.
    pub status: Option<String>,
    /// `YYYY-MM-DD`.
    pub sentence_start: Option<String>,
    /// `YYYY-MM-DD`.
    pub earliest_release_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub parole_eligibility_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub licence_end_date: Option<String>,
    /// Only named staff may see a restricted participant. On update, leaving it out keeps the
    /// stored value.
    pub restricted: Option<bool>,
    /// Users with the mentor role. On update, leaving it out keeps the stored mentors.
    pub mentor_ids: Option<Vec<i64>>,
    /// A user with the probation_officer role, or `null` for nobody. On update, leaving it out
    /// keeps the stored officer.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub probation_officer_id: Option<Option<i64>>,
    /// Staff allowed to see a restricted participant. On update, leaving it out keeps them.
    pub named_staff_ids: Option<Vec<i64>>,
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// A participant's details after every field was checked.
#[derive(Debug, Clone)]
pub struct ValidParticipant {
    pub case_reference: CaseReference,
    pub given_name: PersonName,
    pub family_name: PersonName,
    pub date_of_birth: NaiveDate,
    pub site_id: i64,
    pub status: ParticipantStatus,
    pub sentence_start: Option<NaiveDate>,
    pub earliest_release_date: Option<NaiveDate>,
    pub parole_eligibility_date: Option<NaiveDate>,
    pub licence_end_date: Option<NaiveDate>,
    pub restricted: bool,
    pub mentor_ids: Vec<i64>,
    pub probation_officer_id: Option<i64>,
    pub named_staff_ids: Vec<i64>,
}

impl ValidParticipant {
    /// Lower-case text searched by the list: case reference and names, in any script.
    pub fn search_text(&self) -> String {
        format!(
            "{} {} {} {} {}",
            self.case_reference.as_str(),
            self.given_name.as_str(),
            self.family_name.as_str(),
            self.family_name.as_str(),
            self.given_name.as_str()
        )
        .to_lowercase()
    }
}

impl ParticipantInput {
    /// Check every field; report all problems together. `today` is the site's date.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidParticipant, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut text = |field: &str, raw: &Option<String>| -> Option<PersonName> {
            match PersonName::parse(raw.as_deref().unwrap_or("")) {
                Ok(v) => Some(v),
                Err(key) => {
                    errors.add(field, key);
                    None
                }
            }
        };
        let given_name = text("given_name", &self.given_name);
        let family_name = text("family_name", &self.family_name);
        let case_reference = match self.case_reference.as_deref().map(str::trim) {
            None | Some("") => {
                errors.add("case_reference", "error-required");
                None
            }
            Some(raw) => CaseReference::parse(raw)
                .map_err(|k| errors.add("case_reference", k))
                .ok(),
        };
        let date_of_birth = parse_date(&mut errors, "date_of_birth", &self.date_of_birth);
        if date_of_birth.is_some_and(|d| d >= today) {
            errors.add("date_of_birth", "error-date-of-birth-future");
        }
        let status = match self.status.as_deref() {
            None | Some("") => {
                errors.add("status", "error-required");
                None
            }
            Some(s) => ParticipantStatus::parse(s)
                .map_err(|k| errors.add("status", k))
                .ok(),
        };
        if self.site_id.is_none() {
            errors.add("site_id", "error-required");
        }
        let sentence_start = optional_date(&mut errors, "sentence_start", &self.sentence_start);
        let release = optional_date(
            &mut errors,
            "earliest_release_date",
            &self.earliest_release_date,
        );
        let parole = optional_date(
            &mut errors,
            "parole_eligibility_date",
            &self.parole_eligibility_date,
        );
        let licence_end = optional_date(&mut errors, "licence_end_date", &self.licence_end_date);
        if let (Some(start), Some(r)) = (sentence_start, release) {
            if r < start {
                errors.add("earliest_release_date", "error-release-before-sentence");
            }
        }
        if let (Some(start), Some(p)) = (sentence_start, parole) {
            if p < start {
                errors.add("parole_eligibility_date", "error-parole-before-sentence");
            }
        }
        if let (Some(r), Some(l)) = (release, licence_end) {
            if l < r {
                errors.add("licence_end_date", "error-licence-before-release");
            }
        }
        let mut mentor_ids = self.mentor_ids.clone().unwrap_or_default();
        mentor_ids.sort_unstable();
        mentor_ids.dedup();
        if mentor_ids.len() > 20 {
            errors.add("mentor_ids", "error-too-many");
        }
        let mut named = self.named_staff_ids.clone().unwrap_or_default();
        named.sort_unstable();
        named.dedup();
        if named.len() > 50 {
            errors.add("named_staff_ids", "error-too-many");
        }
        let (
            Some(case_reference),
            Some(given_name),
            Some(family_name),
            Some(date_of_birth),
            Some(status),
            Some(site_id),
        ) = (
            case_reference,
            given_name,
            family_name,
            date_of_birth,
            status,
            self.site_id,
        )
        else {
            return Err(errors);
        };
        errors.into_result(|| ValidParticipant {
            case_reference,
            given_name,
            family_name,
            date_of_birth,
            site_id,
            status,
            sentence_start,
            earliest_release_date: release,
            parole_eligibility_date: parole,
            licence_end_date: licence_end,
            restricted: self.restricted.unwrap_or(false),
            mentor_ids,
            probation_officer_id: self.probation_officer_id.flatten(),
            named_staff_ids: named,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_references_have_one_shape() {
        assert_eq!(
            CaseReference::parse(" kg-2026-00042 ").unwrap().as_str(),
            "KG-2026-00042"
        );
        for bad in [
            "",
            "KG-26-00042",
            "K-2026-00042",
            "KG-2026-1",
            "KG2026-00042",
            "KG-2026-00042-1",
        ] {
            assert!(CaseReference::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn validation_names_every_bad_field() {
        let input = ParticipantInput {
            case_reference: Some("nope".into()),
            date_of_birth: Some("31/12/1990".into()),
            earliest_release_date: Some("2020-01-01".into()),
            sentence_start: Some("2021-01-01".into()),
            ..Default::default()
        };
        let errors = input
            .validate(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
            .unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "case_reference",
            "given_name",
            "family_name",
            "date_of_birth",
            "status",
            "site_id",
            "earliest_release_date",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }
}
