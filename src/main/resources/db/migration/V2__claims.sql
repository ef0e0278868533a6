-- Transitions that wait on S3 (complete, abort, expiry) no longer hold the row lock while S3
-- answers. They claim the upload instead: COMPLETING or ABORTING, committed, with a token that
-- the finishing transaction must still find. A claim older than gateway.claims.stale-after died
-- with its replica and may be taken over.

alter table uploads drop constraint uploads_state_check;
alter table uploads add constraint uploads_state_check
    check (state in ('UPLOADING', 'COMPLETING', 'COMPLETED', 'ABORTING', 'ABORTED', 'EXPIRED'));

alter table uploads
    add column claim_token uuid,
    add column claimed_at  timestamptz,
    -- The final state the claim leads to: COMPLETED for COMPLETING; ABORTED or EXPIRED for ABORTING.
    add column claimed_for varchar(16) check (claimed_for in ('COMPLETED', 'ABORTED', 'EXPIRED')),
    add constraint uploads_claim_complete
        check ((claim_token is null) = (claimed_at is null) and (claim_token is null) = (claimed_for is null));

-- The janitor finds claims whose replica died.
create index uploads_claimed_at on uploads (claimed_at) where claim_token is not null;

-- The janitor's absolute age limit: UPLOADING uploads by creation time.
create index uploads_state_created on uploads (state, created_at, id);

-- One janitor sweep at a time across replicas: a lease, taken and released in short
-- transactions, so no connection is held while the sweep waits on S3.
create table janitor_lease (
    id     integer primary key check (id = 1),
    holder uuid,
    until  timestamptz not null
);
insert into janitor_lease (id, holder, until) values (1, null, '-infinity');
