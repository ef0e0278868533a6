-- What arrives is what was promised: uploads whose bytes do not match their declared type are
-- REJECTED (object deleted), and owners have quotas that operators can override.

alter table uploads drop constraint uploads_state_check;
alter table uploads add constraint uploads_state_check
    check (state in ('UPLOADING', 'COMPLETING', 'COMPLETED', 'ABORTING', 'ABORTED', 'EXPIRED', 'REJECTED'));

-- The type detected from the object's first bytes, when the content check rejected it.
alter table uploads add column detected_content_type varchar(255);

-- An owner's open uploads (quota usage): count and bytes in flight.
create index uploads_owner_open on uploads (owner) where state in ('UPLOADING', 'COMPLETING', 'ABORTING');

-- Per-owner overrides of the configured quotas; null means the configured default.
create table owner_quotas (
    owner                varchar(255) primary key,
    max_active_uploads   integer check (max_active_uploads >= 0),
    max_bytes_in_flight  bigint  check (max_bytes_in_flight >= 0),
    updated_at           timestamptz not null
);
