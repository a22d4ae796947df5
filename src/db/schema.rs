//! Diesel table definitions, written by hand to match both `migrations/sqlite` and
//! `migrations/postgres` (types are those that mean the same on both backends).

diesel::table! {
    sites (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        time_zone -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        display_name -> Text,
        role -> Text,
        site_id -> Nullable<BigInt>,
        password_hash -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        agency_id -> Nullable<BigInt>,
        language -> Text,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    participants (id) {
        id -> BigInt,
        case_reference -> Text,
        given_name -> Text,
        family_name -> Text,
        date_of_birth -> Date,
        site_id -> BigInt,
        status -> Text,
        sentence_start -> Nullable<Date>,
        earliest_release_date -> Nullable<Date>,
        parole_eligibility_date -> Nullable<Date>,
        licence_end_date -> Nullable<Date>,
        restricted -> Bool,
        probation_officer_id -> Nullable<BigInt>,
        search_text -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        anonymised_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    participant_mentors (participant_id, user_id) {
        participant_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    participant_access (participant_id, user_id) {
        participant_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<BigInt>,
        actor_label -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Nullable<Text>,
        participant_id -> Nullable<BigInt>,
        ip -> Nullable<Text>,
        request_id -> Nullable<Text>,
        detail -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    programmes (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        description -> Text,
        session_count -> Integer,
        min_attendance_percent -> Integer,
        absence_alert_after -> Integer,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cohorts (id) {
        id -> BigInt,
        programme_id -> BigInt,
        site_id -> BigInt,
        name -> Text,
        capacity -> Integer,
        start_date -> Date,
        status -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cohort_facilitators (cohort_id, user_id) {
        cohort_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    site_holidays (site_id, holiday) {
        site_id -> BigInt,
        holiday -> Date,
        name -> Text,
    }
}

diesel::table! {
    cohort_sessions (id) {
        id -> BigInt,
        cohort_id -> BigInt,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        room -> Text,
        facilitator_id -> Nullable<BigInt>,
        status -> Text,
        status_reason -> Nullable<Text>,
        requested_by -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    enrolments (id) {
        id -> BigInt,
        participant_id -> BigInt,
        cohort_id -> BigInt,
        status -> Text,
        assessment_outcome -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    enrolment_events (id) {
        id -> BigInt,
        enrolment_id -> BigInt,
        from_status -> Nullable<Text>,
        to_status -> Text,
        assessment_outcome -> Nullable<Text>,
        reason -> Text,
        actor_user_id -> Nullable<BigInt>,
        actor_label -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    attendance (session_id, participant_id) {
        session_id -> BigInt,
        participant_id -> BigInt,
        mark -> Text,
        late_minutes -> Nullable<Integer>,
        not_held_reason -> Nullable<Text>,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    absence_alerts (id) {
        id -> BigInt,
        enrolment_id -> BigInt,
        participant_id -> BigInt,
        cohort_id -> BigInt,
        streak -> Integer,
        raised_at -> Timestamp,
        acknowledged_by -> Nullable<BigInt>,
        cleared_at -> Nullable<Timestamp>,
        cleared_reason -> Nullable<Text>,
        notified_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    calendar_feeds (id) {
        id -> BigInt,
        token_hash -> Text,
        cohort_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        created_by -> BigInt,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(users -> sites (site_id));
diesel::joinable!(participants -> sites (site_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(cohorts -> programmes (programme_id));
diesel::joinable!(cohorts -> sites (site_id));
diesel::joinable!(cohort_sessions -> cohorts (cohort_id));
diesel::joinable!(enrolments -> cohorts (cohort_id));
diesel::joinable!(enrolments -> participants (participant_id));
diesel::joinable!(attendance -> cohort_sessions (session_id));
diesel::joinable!(attendance -> participants (participant_id));
diesel::joinable!(absence_alerts -> participants (participant_id));
diesel::joinable!(absence_alerts -> cohorts (cohort_id));
diesel::joinable!(enrolment_events -> enrolments (enrolment_id));

diesel::allow_tables_to_appear_in_same_query!(
    sites,
    users,
    sessions,
    api_tokens,
    participants,
    participant_mentors,
    participant_access,
    audit_events,
    settings,
    programmes,
    cohorts,
    cohort_facilitators,
    site_holidays,
    cohort_sessions,
    enrolments,
    enrolment_events,
    attendance,
    absence_alerts,
    calendar_feeds,
    agencies,
    sharing_bases,
    plan_templates,
    plan_template_milestones,
    exit_plans,
    exit_plan_pathways,
    milestones,
    reminder_rules,
    notifications,
    email_opt_outs,
    job_runs,
    progress_notes,
    risk_reviews,
    handovers,
);

diesel::table! {
    agencies (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        mailbox -> Text,
        language -> Text,
        vetting_status -> Text,
        secure_channel -> Bool,
        active -> Bool,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sharing_bases (id) {
        id -> BigInt,
        participant_id -> BigInt,
        agency_id -> BigInt,
        legal_basis -> Text,
        valid_from -> Date,
        valid_until -> Nullable<Date>,
        version -> Integer,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    plan_templates (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    plan_template_milestones (id) {
        id -> BigInt,
        template_id -> BigInt,
        kind -> Text,
        title -> Text,
        offset_days -> Integer,
        agency_kind -> Nullable<Text>,
    }
}

diesel::table! {
    exit_plans (id) {
        id -> BigInt,
        participant_id -> BigInt,
        target_release_date -> Date,
        release_type -> Text,
        status -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    exit_plan_pathways (plan_id, pathway) {
        plan_id -> BigInt,
        pathway -> Text,
        status -> Text,
        responsible -> Text,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    milestones (id) {
        id -> BigInt,
        plan_id -> BigInt,
        participant_id -> BigInt,
        kind -> Text,
        title -> Text,
        offset_days -> Nullable<Integer>,
        due_on -> Date,
        responsible_agency_id -> Nullable<BigInt>,
        status -> Text,
        note -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reminder_rules (id) {
        id -> BigInt,
        name -> Text,
        milestone_kinds -> Text,
        days_before -> Text,
        days_after -> Text,
        recipients -> Text,
        delivery -> Text,
        active -> Bool,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        dedupe_key -> Text,
        kind -> Text,
        mandatory -> Bool,
        participant_id -> Nullable<BigInt>,
        milestone_id -> Nullable<BigInt>,
        item_date -> Nullable<Date>,
        recipient_user_id -> Nullable<BigInt>,
        recipient_agency_id -> Nullable<BigInt>,
        to_address -> Text,
        language -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        message_id -> Text,
        status -> Text,
        digest_id -> Nullable<BigInt>,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        attachment_ics -> Nullable<Text>,
    }
}

diesel::table! {
    email_opt_outs (user_id, kind) {
        user_id -> BigInt,
        kind -> Text,
    }
}

diesel::table! {
    job_runs (id) {
        id -> BigInt,
        job -> Text,
        slot -> Text,
        instance -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        outcome -> Text,
        counts -> Text,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    login_throttles (subject) {
        subject -> Text,
        window_start -> Timestamp,
        failures -> Integer,
        refused -> Integer,
        last_attempt_at -> Timestamp,
        reported_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(sharing_bases -> agencies (agency_id));
diesel::joinable!(sharing_bases -> participants (participant_id));
diesel::joinable!(plan_template_milestones -> plan_templates (template_id));
diesel::joinable!(exit_plans -> participants (participant_id));
diesel::joinable!(exit_plan_pathways -> exit_plans (plan_id));
diesel::joinable!(milestones -> exit_plans (plan_id));
diesel::joinable!(milestones -> agencies (responsible_agency_id));
diesel::joinable!(notifications -> participants (participant_id));
diesel::joinable!(users -> agencies (agency_id));
diesel::joinable!(milestones -> participants (participant_id));

diesel::table! {
    progress_notes (id) {
        id -> BigInt,
        participant_id -> BigInt,
        author_id -> BigInt,
        contact_date -> Date,
        contact_type -> Text,
        engagement -> Nullable<Integer>,
        attitudes -> Nullable<Integer>,
        social_ties -> Nullable<Integer>,
        identity -> Nullable<Integer>,
        readiness -> Nullable<Integer>,
        narrative -> Text,
        next_contact_date -> Nullable<Date>,
        tell_probation -> Bool,
        version -> Integer,
        created_at -> Timestamp,
    }
}

diesel::joinable!(progress_notes -> participants (participant_id));

diesel::table! {
    risk_reviews (id) {
        id -> BigInt,
        participant_id -> BigInt,
        recorded_by -> BigInt,
        instrument -> Text,
        level -> Text,
        assessor -> Text,
        assessed_on -> Date,
        review_by -> Nullable<Date>,
        notes -> Text,
        milestone_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(risk_reviews -> participants (participant_id));

diesel::table! {
    handovers (id) {
        id -> BigInt,
        participant_id -> BigInt,
        release_date -> Date,
        due_on -> Date,
        opened_on -> Date,
        status -> Text,
        probation_officer_id -> Nullable<BigInt>,
        pack -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        sent_on -> Nullable<Date>,
        sent_by -> Nullable<Text>,
        acknowledged_at -> Nullable<Timestamp>,
        acknowledged_by -> Nullable<BigInt>,
        escalated_unsent_at -> Nullable<Timestamp>,
        escalated_at -> Nullable<Timestamp>,
        meeting_at -> Nullable<Timestamp>,
        meeting_place -> Nullable<Text>,
        meeting_attendees -> Nullable<Text>,
        meeting_sequence -> Integer,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(handovers -> participants (participant_id));

diesel::table! {
    retention_runs (id) {
        id -> BigInt,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        actor_user_id -> Nullable<BigInt>,
        actor_label -> Text,
        retention_days -> Integer,
        closed_before -> Timestamp,
        outcome -> Text,
        participants -> Integer,
        summary -> Text,
        error -> Nullable<Text>,
    }
}
