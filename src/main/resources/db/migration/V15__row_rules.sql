-- The rules a row of uploads (and of events) must keep, unchanged, moved from fourteen CHECK
-- constraints into one PL/pgSQL function per table, called by one CHECK constraint.
--
-- Why: PostgreSQL keeps a CHECK constraint as the text of its expression tree and parses that text
-- again at the start of every INSERT or UPDATE statement on the table (ExecRelCheck: stringToNode,
-- then the expression is compiled). The fourteen constraints on these two tables were 18.6 KB of
-- such text (the IN lists on varchar columns alone became ARRAY[...]::text[] coercions, built per
-- row); about half of PostgreSQL's time on a create's one insert (an upload and its event) went to
-- them (docs/benchmarks.md, "The ledger's row rules"). A function is compiled once per connection;
-- its constraint's stored tree is one call on the whole row (269 bytes).
--
-- A CHECK passes when its expression is true or null; the functions return what the separate
-- constraints' AND would (a rule on a null column passes, any false fails). PL/pgSQL, not SQL: a
-- SQL function would be inlined, and its body parsed again, each time.
-- LedgerRowRulesTest writes a row breaking each rule and expects check_violation. A new rule goes
-- into a later migration's `create or replace function`, with its case in that test. PostgreSQL
-- does not track the columns a function names: a migration renaming or dropping one replaces the
-- function too (every write, and that test, fail until it does).

alter table uploads
    drop constraint uploads_store_check,
    drop constraint uploads_state_check,
    drop constraint uploads_ended_shape,
    drop constraint uploads_pruned_shape,
    drop constraint uploads_checksum_algorithm_check,
    drop constraint uploads_claimed_for_check,
    drop constraint uploads_claim_complete,
    drop constraint uploads_part_count_check,
    drop constraint uploads_part_size_check,
    drop constraint uploads_reserved_bytes_check,
    drop constraint uploads_kind,
    drop constraint uploads_kind_shape;

create function uploads_row_rules(u uploads) returns boolean language plpgsql immutable as $$
begin
    return u.store ~ '^[a-z0-9][a-z0-9_-]{0,62}$'
        and u.state in ('UPLOADING', 'COMPLETING', 'COMPLETED', 'ABORTING', 'ABORTED', 'EXPIRED', 'REJECTED',
                        'PROCESSING', 'QUARANTINED')
        -- An upload has ended (ended_at) exactly when S3 holds nothing open for it any more.
        and (u.ended_at is null) = (u.state in ('UPLOADING', 'COMPLETING', 'ABORTING'))
        and (u.parts_pruned_at is null or u.ended_at is not null)
        and u.checksum_algorithm in ('SHA256', 'SHA1', 'CRC32', 'CRC32C')
        -- A claim is whole or absent.
        and u.claimed_for in ('COMPLETED', 'ABORTED', 'EXPIRED')
        and (u.claim_token is null) = (u.claimed_at is null)
        and (u.claim_token is null) = (u.claimed_for is null)
        and u.part_count between 1 and 10000
        and u.part_size > 0
        and u.reserved_bytes >= 0
        -- The shape of each kind (V9).
        and case u.kind
            when 'PLANNED' then u.s3_upload_id is not null and u.staging_key is null
                and u.size > 0 and u.part_size is not null and u.part_count is not null
            when 'OPEN_SIZED' then u.s3_upload_id is not null and u.staging_key is null
                and u.part_size is null and u.part_count is null and (u.size is null or u.size > 0)
            when 'SINGLE_REQUEST' then u.s3_upload_id is null and u.staging_key is not null
                and u.part_size is null and u.part_count is null and (u.size is null or u.size >= 0)
            else false
        end;
end
$$;

alter table uploads add constraint uploads_rules check (uploads_row_rules(uploads));

alter table events
    drop constraint upload_events_status_check,
    drop constraint events_lease;

create function events_row_rules(e events) returns boolean language plpgsql immutable as $$
begin
    return e.status in ('pending', 'delivered', 'dead', 'skipped')
        and (e.lease_holder is null) = (e.lease_until is null);
end
$$;

alter table events add constraint events_rules check (events_row_rules(events));
