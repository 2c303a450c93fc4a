//! Written by hand rather than by `diesel print-schema`: one schema serves both the
//! SQLite and the PostgreSQL migrations, so ids are `BigInt` on both (SQLite's
//! `INTEGER PRIMARY KEY` is a 64-bit rowid).

diesel::table! {
    threads (id) {
        id -> BigInt,
        site -> Text,
        page -> Text,
        /// The public title; '' until a published comment gives one.
        title -> Text,
        closed -> Bool,
        created_at -> BigInt,
        /// A moderator named the thread: requests no longer change its title.
        title_locked -> Bool,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        thread_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        depth -> Integer,
        author -> Text,
        email -> Text,
        website -> Nullable<Text>,
        body_raw -> Text,
        body_html -> Text,
        status -> Text,
        hold_reason -> Nullable<Text>,
        moderator -> Bool,
        notify_replies -> Bool,
        ip -> Nullable<Text>,
        edit_token_hash -> Nullable<Text>,
        created_at -> BigInt,
        edited_at -> Nullable<BigInt>,
        /// The page title the comment's request sent; the thread takes it when the
        /// comment is published.
        page_title -> Nullable<Text>,
        /// The author erased their data: a placeholder while replies hang under it.
        erased_at -> Nullable<BigInt>,
        /// When the status last changed (retention); NULL: `created_at`.
        status_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    moderators (id) {
        id -> BigInt,
        name -> Text,
        password_hash -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    instance_settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::joinable!(comments -> threads (thread_id));

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        moderator_id -> BigInt,
        csrf_token -> Text,
        created_at -> BigInt,
        last_seen_at -> BigInt,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        account -> Text,
        ip -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    action_links (token_hash) {
        token_hash -> Text,
        comment_id -> BigInt,
        action -> Text,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        kind -> Text,
        comment_id -> Nullable<BigInt>,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        list_unsubscribe -> Nullable<Text>,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        last_error -> Nullable<Text>,
        claimed_until -> Nullable<BigInt>,
        created_at -> BigInt,
        sent_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    unsubscribed (id) {
        id -> BigInt,
        email -> Text,
        thread_id -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::joinable!(sessions -> moderators (moderator_id));
diesel::joinable!(action_links -> comments (comment_id));
diesel::allow_tables_to_appear_in_same_query!(
    threads,
    comments,
    moderators,
    instance_settings,
    sessions,
    login_failures,
    action_links,
    outbox,
    unsubscribed,
    moderator_sites,
    comment_sources,
    reports,
    data_requests,
);

diesel::table! {
    thread_changes (id) {
        id -> BigInt,
        site -> Text,
        page -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    /// A moderator limited to some sites has a row per site; none: every site.
    moderator_sites (moderator_id, site) {
        moderator_id -> BigInt,
        site -> Text,
    }
}

diesel::joinable!(moderator_sites -> moderators (moderator_id));

diesel::table! {
    /// Where an imported comment came from: (format, site, source id), of which a
    /// comment may have several.
    comment_sources (format, site, source_id) {
        format -> Text,
        site -> Text,
        source_id -> Text,
        comment_id -> BigInt,
        imported_at -> BigInt,
    }
}

diesel::joinable!(comment_sources -> comments (comment_id));

diesel::table! {
    /// A reader's report of a published comment, counted once per address block
    /// while open.
    reports (id) {
        id -> BigInt,
        comment_id -> BigInt,
        block -> Text,
        reason -> Text,
        detail -> Nullable<Text>,
        email -> Nullable<Text>,
        created_at -> BigInt,
        resolved_at -> Nullable<BigInt>,
        resolution -> Nullable<Text>,
    }
}

diesel::joinable!(reports -> comments (comment_id));

diesel::table! {
    /// A request for one's data: the link's id, and the rate limits' rows.
    data_requests (id) {
        id -> BigInt,
        site -> Text,
        email_key -> Text,
        block -> Text,
        email -> Nullable<Text>,
        created_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}
