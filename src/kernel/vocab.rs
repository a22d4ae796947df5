//! The vocabularies several areas share, as stored in the database.

pub const RELEASE_TYPES: [&str; 5] = [
    "end_of_sentence",
    "parole",
    "conditional",
    "licence",
    "other",
];
pub const PLAN_STATUSES: [&str; 2] = ["active", "withdrawn"];
/// The resettlement pathways of every plan (PRODUCT.md).
pub const PATHWAYS: [&str; 8] = [
    "accommodation",
    "attitudes_thinking_behaviour",
    "children_families_community",
    "drugs_alcohol",
    "education_skills_work",
    "finance_id",
    "health",
    "mentoring_disengagement",
];
pub const PATHWAY_STATUSES: [&str; 6] = [
    "not_started",
    "in_progress",
    "support_required",
    "support_not_required",
    "support_declined",
    "done",
];
pub const MILESTONE_KINDS: [&str; 15] = [
    "risk_review",
    "case_conference",
    "probation_officer_allocated",
    "handover_meeting",
    "accommodation_confirmed",
    "id_documents",
    "bank_account",
    "benefits",
    "work_or_training",
    "health_handover",
    "mentor_first_contact",
    "first_probation_appointment",
    "licence_conditions",
    "release_day_plan",
    "custom",
];
/// The plan's release date is a dated item of its own for reminder rules.
pub const RELEASE_KIND: &str = "release";
pub const MILESTONE_STATUSES: [&str; 5] =
    ["planned", "in_progress", "done", "missed", "not_needed"];
/// Statuses that still need work (and so reminders).
pub const OPEN_STATUSES: [&str; 2] = ["planned", "in_progress"];
