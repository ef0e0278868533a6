-- The processing stage: an upload whose object is assembled waits in PROCESSING until every
-- configured step (the virus scan, the app's webhook) has passed, then is COMPLETED (served);
-- a step that fails it makes it QUARANTINED. Both have ended in S3 terms (ended_at is set).
alter table uploads drop constraint uploads_state_check;
alter table uploads add constraint uploads_state_check
    check (state in ('UPLOADING', 'COMPLETING', 'COMPLETED', 'ABORTING', 'ABORTED', 'EXPIRED', 'REJECTED',
                     'PROCESSING', 'QUARANTINED'));

alter table uploads
    -- Each step's verdict in the order they ran: [{"step", "verdict", "detail", "at"}]; an
    -- operator's release or delete is appended too (the audit trail the events carry).
    add column processing          jsonb,
    -- Failed attempts of the current step (the scanner unavailable, the app's verdict pending):
    -- the next one waits for a doubling back-off, at next_check_at.
    add column processing_attempts integer not null default 0,
    -- The runner that took the upload (its writes must still find it); its lease is next_check_at.
    add column processing_token    uuid,
    -- Why the upload is QUARANTINED, and where its object is kept (null: deleted).
    add column quarantine_reason   text,
    add column quarantine_key      text;

-- The steps' runner takes due uploads in next_check_at order; a taken upload's next_check_at is
-- its lease, so one whose replica died is due again when the lease runs out.
create index uploads_processing_due on uploads (next_check_at) where state = 'PROCESSING';
