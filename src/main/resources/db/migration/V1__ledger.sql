-- The ledger: one row per multipart upload, one row per part the client (or S3, on sync) reported.

create table uploads (
    id               uuid primary key,
    owner            varchar(255)  not null,
    state            varchar(16)   not null
        check (state in ('UPLOADING', 'COMPLETING', 'COMPLETED', 'ABORTED', 'EXPIRED')),
    object_key       varchar(1024) not null unique,
    s3_upload_id     varchar(1024) not null,
    filename         varchar(1024) not null,
    content_type     varchar(255)  not null,
    size             bigint        not null check (size > 0),
    part_size        bigint        not null check (part_size > 0),
    part_count       integer       not null check (part_count between 1 and 10000),
    metadata         jsonb         not null default '{}'::jsonb,
    idempotency_key  varchar(255),
    -- Denormalised from upload_parts (kept in step under the upload's row lock) so that
    -- listings and stats never aggregate parts.
    parts_uploaded   integer       not null default 0,
    bytes_uploaded   bigint        not null default 0,
    etag             varchar(255),
    created_at       timestamptz   not null,
    updated_at       timestamptz   not null,
    last_activity_at timestamptz   not null,
    expires_at       timestamptz,
    completed_at     timestamptz
);

-- Idempotent create: one upload per (owner, Idempotency-Key).
create unique index uploads_owner_idempotency_key
    on uploads (owner, idempotency_key) where idempotency_key is not null;

-- "My uploads, newest first" with keyset pagination.
create index uploads_owner_created on uploads (owner, created_at desc, id desc);

-- Admin listing (most idle first) and the janitor's expiry scan: state + last activity,
-- and the same order across states and per owner for the unfiltered admin views.
create index uploads_state_activity on uploads (state, last_activity_at, id);
create index uploads_activity on uploads (last_activity_at, id);
create index uploads_owner_activity on uploads (owner, last_activity_at, id);

create table upload_parts (
    upload_id   uuid         not null references uploads (id) on delete cascade,
    part_number integer      not null check (part_number between 1 and 10000),
    etag        varchar(255) not null,
    size        bigint       not null check (size >= 0),
    uploaded_at timestamptz  not null,
    primary key (upload_id, part_number)
);
