-- Uploads that finish while the app is asleep: the gateway completes them itself once every
-- planned part is in S3. next_check_at says when it looks next; check_interval is the current
-- back-off between looks while parts are missing (seconds).

alter table uploads
    add column auto_complete  boolean  not null default false,
    add column next_check_at  timestamptz,
    add column check_interval_seconds bigint;

create index uploads_next_check on uploads (next_check_at) where auto_complete and state = 'UPLOADING';
