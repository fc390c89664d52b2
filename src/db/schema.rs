//! Diesel's view of the tables in `migrations/`. Kept by hand in the shape
//! `diesel print-schema` writes; the integration tests read and write every table through it.

diesel::table! {
    sites (id) {
        id -> Int8,
        code -> Text,
        name -> Text,
        name_ko -> Text,
        state -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        roles -> Array<Text>,
        language -> Text,
        active -> Bool,
        created_at -> Timestamptz,
        site_id -> Nullable<Int8>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Int8,
        user_id -> Int8,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sign_in_failures (id) {
        id -> Int8,
        at -> Timestamptz,
        email_index -> Bytea,
        client -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Int8,
        user_id -> Int8,
        token_hash -> Bytea,
        csrf_token -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    app_secrets (name) {
        name -> Text,
        value -> Bytea,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        actor_id -> Nullable<Int8>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Nullable<Int8>,
        changes -> Jsonb,
    }
}

diesel::table! {
    access_log (id) {
        id -> Int8,
        at -> Timestamptz,
        user_id -> Int8,
        entity_type -> Text,
        entity_id -> Nullable<Int8>,
        channel -> Text,
        entity_ids -> Nullable<Array<Int8>>,
    }
}

diesel::table! {
    households (id) {
        id -> Int8,
        name -> Text,
        name_ko -> Nullable<Text>,
        phone -> Nullable<Text>,
        phone_digits -> Nullable<Text>,
        preferred_language -> Text,
        address_line1 -> Text,
        address_line2 -> Nullable<Text>,
        city -> Text,
        state -> Text,
        postal_code -> Text,
        size -> Int4,
        annual_income -> Numeric,
        created_by -> Int8,
        created_at -> Timestamptz,
        updated_by -> Nullable<Int8>,
        updated_at -> Timestamptz,
        name_key -> Nullable<Text>,
        name_ko_key -> Nullable<Text>,
        phone_key -> Nullable<Text>,
        address_key -> Nullable<Text>,
        merged_into -> Nullable<Int8>,
    }
}

diesel::table! {
    household_members (id) {
        id -> Int8,
        household_id -> Int8,
        name -> Text,
        relationship -> Text,
        birth_year -> Nullable<Int4>,
        removed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    uscis_fees (id) {
        id -> Int8,
        form -> Text,
        category -> Text,
        name -> Text,
        filing -> Text,
        fee -> Numeric,
        effective_from -> Date,
        fee_waiver_available -> Bool,
        notes -> Text,
        source -> Text,
        name_ko -> Nullable<Text>,
    }
}

diesel::table! {
    application_counters (year) {
        year -> Int4,
        last_seq -> Int4,
    }
}

diesel::table! {
    applications (id) {
        id -> Int8,
        number -> Text,
        household_id -> Int8,
        site_id -> Int8,
        program -> Text,
        status -> Text,
        requested_amount -> Numeric,
        emergency_category -> Nullable<Text>,
        emergency_story -> Nullable<Text>,
        created_by -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        submitted_at -> Nullable<Timestamptz>,
        insider_relationship -> Nullable<Text>,
        insider_note -> Nullable<Text>,
    }
}

diesel::table! {
    fee_lines (id) {
        id -> Int8,
        application_id -> Int8,
        line_no -> Int4,
        form -> Text,
        category -> Text,
        filing -> Text,
        beneficiary_member_id -> Nullable<Int8>,
        amount -> Numeric,
        uscis_fee_id -> Int8,
        override_reason -> Nullable<Text>,
        receipt_number_sealed -> Nullable<Bytea>,
        receipt_number_index -> Nullable<Bytea>,
        receipt_number_masked -> Nullable<Text>,
        receipt_recorded_by -> Nullable<Int8>,
        receipt_recorded_at -> Nullable<Timestamptz>,
        renewal -> Bool,
        filed_on -> Nullable<Date>,
        due_on -> Nullable<Date>,
    }
}

diesel::table! {
    statutory_fees (id) {
        id -> Int8,
        form -> Text,
        categories -> Array<Text>,
        component -> Text,
        name -> Text,
        name_ko -> Nullable<Text>,
        fee -> Numeric,
        effective_from -> Date,
        waivable -> Bool,
        reducible -> Bool,
        recurring -> Nullable<Text>,
        notes -> Text,
        source -> Text,
    }
}

diesel::table! {
    fee_line_components (id) {
        id -> Int8,
        fee_line_id -> Int8,
        seq -> Int2,
        kind -> Text,
        name -> Text,
        fee -> Numeric,
        statutory -> Bool,
        waivable -> Bool,
        uscis_fee_id -> Nullable<Int8>,
        statutory_fee_id -> Nullable<Int8>,
    }
}

diesel::table! {
    documents (id) {
        id -> Int8,
        application_id -> Int8,
        kind -> Text,
        note -> Nullable<Text>,
        verified_by -> Int8,
        verified_at -> Timestamptz,
    }
}

diesel::table! {
    status_changes (id) {
        id -> Int8,
        application_id -> Int8,
        from_status -> Nullable<Text>,
        to_status -> Text,
        changed_by -> Int8,
        changed_at -> Timestamptz,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    accounts (code) {
        code -> Text,
        name -> Text,
        name_ko -> Text,
        kind -> Text,
    }
}

diesel::table! {
    funds (id) {
        id -> Int8,
        name -> Text,
        restricted_program -> Nullable<Text>,
        expires_on -> Nullable<Date>,
        is_general -> Bool,
        active -> Bool,
        note -> Nullable<Text>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    fund_balances (fund_id) {
        fund_id -> Int8,
        cash -> Numeric,
        committed -> Numeric,
        available -> Numeric,
    }
}

diesel::table! {
    document_counters (series, year) {
        series -> Text,
        year -> Int4,
        last_seq -> Int4,
    }
}

diesel::table! {
    journal_entries (id) {
        id -> Int8,
        entry_date -> Date,
        kind -> Text,
        memo -> Text,
        document_type -> Nullable<Text>,
        document_id -> Nullable<Int8>,
        program -> Nullable<Text>,
        reverses -> Nullable<Int8>,
        created_by -> Int8,
        created_at -> Timestamptz,
        created_txid -> Int8,
        booked_at -> Timestamptz,
    }
}

diesel::table! {
    periods (period) {
        period -> Date,
        status -> Text,
        closed_at -> Nullable<Timestamptz>,
        closed_by -> Nullable<Int8>,
        reopened_at -> Nullable<Timestamptz>,
        reopened_by -> Nullable<Int8>,
        reopen_reason -> Nullable<Text>,
    }
}

diesel::table! {
    period_events (id) {
        id -> Int8,
        period -> Date,
        action -> Text,
        reason -> Nullable<Text>,
        at -> Timestamptz,
        actor -> Int8,
    }
}

diesel::table! {
    postings (id) {
        id -> Int8,
        entry_id -> Int8,
        line_no -> Int4,
        account_code -> Text,
        fund_id -> Int8,
        side -> Text,
        amount -> Numeric,
    }
}

diesel::table! {
    receipts (id) {
        id -> Int8,
        number -> Text,
        fund_id -> Int8,
        amount -> Numeric,
        received_on -> Date,
        source -> Text,
        donor -> Text,
        memo -> Nullable<Text>,
        created_by -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Int8,
        key -> Text,
        request_hash -> Bytea,
        status_code -> Nullable<Int2>,
        response -> Nullable<Jsonb>,
        entry_id -> Nullable<Int8>,
        created_txid -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(users -> sites (site_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(household_members -> households (household_id));
diesel::joinable!(applications -> households (household_id));
diesel::joinable!(applications -> sites (site_id));
diesel::joinable!(fee_lines -> applications (application_id));
diesel::joinable!(fee_line_components -> fee_lines (fee_line_id));
diesel::joinable!(fee_lines -> uscis_fees (uscis_fee_id));
diesel::joinable!(fee_lines -> household_members (beneficiary_member_id));
diesel::joinable!(documents -> users (verified_by));
diesel::joinable!(status_changes -> users (changed_by));
diesel::joinable!(documents -> applications (application_id));
diesel::joinable!(status_changes -> applications (application_id));
diesel::joinable!(eligibility_checks -> applications (application_id));
diesel::joinable!(eligibility_checks -> users (created_by));
diesel::joinable!(eligibility_checks -> policy_versions (policy_version_id));
diesel::joinable!(fund_balances -> funds (fund_id));
diesel::joinable!(journal_entries -> users (created_by));
diesel::joinable!(postings -> journal_entries (entry_id));
diesel::joinable!(postings -> accounts (account_code));
diesel::joinable!(postings -> funds (fund_id));
diesel::joinable!(receipts -> funds (fund_id));
diesel::joinable!(idempotency_keys -> users (user_id));
diesel::joinable!(review_declarations -> applications (application_id));
diesel::joinable!(votes -> applications (application_id));
diesel::joinable!(votes -> users (voter_id));
diesel::joinable!(decisions -> applications (application_id));
diesel::joinable!(decisions -> funds (fund_id));
diesel::joinable!(disbursements -> applications (application_id));
diesel::joinable!(disbursements -> funds (fund_id));
diesel::joinable!(disbursements -> users (created_by));
diesel::joinable!(disbursement_clearings -> disbursements (disbursement_id));
diesel::joinable!(disbursement_voids -> disbursements (disbursement_id));

diesel::allow_tables_to_appear_in_same_query!(
    sites,
    users,
    api_tokens,
    sessions,
    app_secrets,
    audit_log,
    access_log,
    households,
    household_members,
    uscis_fees,
    application_counters,
    applications,
    fee_lines,
    fee_line_components,
    statutory_fees,
    documents,
    status_changes,
    poverty_guidelines,
    policy_versions,
    eligibility_checks,
    accounts,
    funds,
    fund_balances,
    document_counters,
    journal_entries,
    postings,
    receipts,
    idempotency_keys,
    review_declarations,
    votes,
    decisions,
    disbursements,
    disbursement_voids,
    disbursement_clearings,
    sign_in_failures,
    periods,
    period_events,
);

diesel::table! {
    poverty_guidelines (id) {
        id -> Int8,
        year -> Int4,
        region -> Text,
        first_person -> Numeric,
        each_additional -> Numeric,
        effective_from -> Date,
        source -> Text,
    }
}

diesel::table! {
    policy_versions (id) {
        id -> Int8,
        version -> Int4,
        effective_from -> Date,
        policy -> Jsonb,
        note -> Text,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    eligibility_checks (id) {
        id -> Int8,
        application_id -> Int8,
        kind -> Text,
        result -> Text,
        policy_version_id -> Nullable<Int8>,
        checked_on -> Date,
        facts -> Jsonb,
        rules -> Jsonb,
        guideline -> Nullable<Numeric>,
        percent_of_guideline -> Nullable<Numeric>,
        reason -> Nullable<Text>,
        overrides_check_id -> Nullable<Int8>,
        created_by -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    review_declarations (application_id, user_id) {
        application_id -> Int8,
        user_id -> Int8,
        conflict -> Bool,
        declared_at -> Timestamptz,
    }
}

diesel::table! {
    votes (id) {
        id -> Int8,
        application_id -> Int8,
        voter_id -> Int8,
        vote -> Text,
        amount -> Nullable<Numeric>,
        fund_id -> Nullable<Int8>,
        comment -> Nullable<Text>,
        cast_at -> Timestamptz,
    }
}

diesel::table! {
    decisions (application_id) {
        application_id -> Int8,
        outcome -> Text,
        amount -> Nullable<Numeric>,
        fund_id -> Nullable<Int8>,
        commitment_entry_id -> Nullable<Int8>,
        policy_version -> Int4,
        deciding_vote_id -> Int8,
        decided_at -> Timestamptz,
    }
}

diesel::table! {
    disbursements (id) {
        id -> Int8,
        number -> Text,
        application_id -> Int8,
        fund_id -> Int8,
        amount -> Numeric,
        payee -> Text,
        method -> Text,
        reference -> Nullable<Text>,
        paid_on -> Date,
        memo -> Nullable<Text>,
        reissue_of -> Nullable<Int8>,
        created_by -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    disbursement_voids (disbursement_id) {
        disbursement_id -> Int8,
        entry_id -> Int8,
        reason -> Text,
        voided_by -> Int8,
        voided_at -> Timestamptz,
    }
}

diesel::table! {
    disbursement_clearings (disbursement_id) {
        disbursement_id -> Int8,
        cleared_on -> Date,
        recorded_by -> Int8,
        recorded_at -> Timestamptz,
    }
}
