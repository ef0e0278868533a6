-- Ledger retention: part rows (and their checksums) of an upload that ended are removed some days
-- after it ended, the upload row itself after a longer time (gateway.retention.*). An upload row
-- keeps what it needs after its parts are gone: size, etag, part_count, parts_uploaded,
-- bytes_uploaded, checksum_algorithm.
--   ended_at         when the upload reached its final state (set by the one finishing write)
--   parts_pruned_at  when its part rows were removed (null: still there)

alter table uploads add column ended_at timestamptz;
alter table uploads add column parts_pruned_at timestamptz;

update uploads set ended_at = updated_at where state in ('COMPLETED', 'ABORTED', 'EXPIRED', 'REJECTED');

alter table uploads add constraint uploads_ended_shape
    check ((ended_at is null) = (state in ('UPLOADING', 'COMPLETING', 'ABORTING')));
alter table uploads add constraint uploads_pruned_shape
    check (parts_pruned_at is null or ended_at is not null);

-- The retention job's two scans, oldest ending first: uploads whose parts are still there, and
-- every ended upload (for deleting the rows themselves).
create index uploads_parts_to_prune on uploads (ended_at) where ended_at is not null and parts_pruned_at is null;
create index uploads_ended on uploads (ended_at) where ended_at is not null;
