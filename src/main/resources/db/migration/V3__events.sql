-- Upload events: a transactional outbox. Each row is written in the same transaction as the
-- state change it reports (create's insert, the finish of complete / abort / expiry), so a
-- crash never loses one and a rolled-back change never emits one. The same rows feed the
-- webhook dispatcher (status, attempts, lease) and the pull feed (txid, seq).

create table upload_events (
    -- Order of writing. A bigserial does not commit in order: never page by it alone.
    seq             bigserial    primary key,
    -- The event's stable id: webhook-id on every delivery attempt, id in the feed.
    id              uuid         not null unique,
    -- The writing transaction. The feed serves only events of transactions older than every
    -- running one (pg_snapshot_xmin), in (txid, seq) order, so no late commit is ever skipped.
    txid            xid8         not null default pg_current_xact_id(),
    upload_id       uuid         not null,
    type            varchar(64)  not null,
    -- The event exactly as delivered ({type, timestamp, data}); json keeps the text as written.
    payload         json         not null,
    occurred_at     timestamptz  not null,
    -- pending: to be delivered; delivered; dead: gave up after the max age; skipped: never to be
    -- sent (webhooks off when it was written, or its type filtered out) but still in the feed.
    status          varchar(16)  not null check (status in ('pending', 'delivered', 'dead', 'skipped')),
    attempts        integer      not null default 0,
    -- Start of the current delivery window (written, or redelivered): the max age counts from here.
    pending_since   timestamptz,
    -- Due when null or past.
    next_attempt_at timestamptz,
    -- A dispatcher's claim: no other dispatcher sends the event until the lease runs out.
    lease_holder    uuid,
    lease_until     timestamptz,
    last_attempt_at timestamptz,
    last_status     integer,
    last_error      varchar(500),
    delivered_at    timestamptz,
    dead_at         timestamptz,
    constraint upload_events_lease check ((lease_holder is null) = (lease_until is null))
);

-- The pull feed's order and cursor.
create index upload_events_feed on upload_events (txid, seq);

-- The dispatcher: due pending events, and "does an earlier event of this upload still wait?".
create index upload_events_pending on upload_events (upload_id, seq) where status = 'pending';

-- The operators' listing by status, and retention.
create index upload_events_status on upload_events (status, seq);
