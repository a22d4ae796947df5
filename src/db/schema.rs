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

diesel::joinable!(users -> sites (site_id));
diesel::joinable!(participants -> sites (site_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));

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
);
