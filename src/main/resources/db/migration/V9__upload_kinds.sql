-- One explicit kind per upload (issue 18). Until now the kind was inferred from columns left null
-- (single_request, s3_upload_id, part_size); now every rule asks `kind`, and the shape each kind
-- has is a constraint of its own:
--   PLANNED         a multipart upload of a declared size, cut into planned parts;
--   OPEN_SIZED      a multipart upload of unknown size (Uppy's /s3), parts of any length;
--   SINGLE_REQUEST  one presigned POST (Uppy's /s3/params) to a staging key, copied to object_key
--                   by completion, so what was checked is what stays.

alter table uploads add column kind varchar(16);
update uploads set kind = case when single_request then 'SINGLE_REQUEST'
                               when part_size is null then 'OPEN_SIZED'
                               else 'PLANNED' end;
alter table uploads alter column kind set not null;
alter table uploads add constraint uploads_kind check (kind in ('PLANNED', 'OPEN_SIZED', 'SINGLE_REQUEST'));

-- Where a single-request upload's form writes. Forms issued before this migration wrote the
-- object key itself: their staging key is the object key, and completion copies nothing.
alter table uploads add column staging_key varchar(1024);
update uploads set staging_key = object_key where kind = 'SINGLE_REQUEST';

-- What an open upload holds of its owner's bytes quota: a planned upload its size, a form the most
-- it allows, an open-sized upload what its part URLs allow (it grows as parts are signed). Rows
-- from before keep what was counted for them then: the size, or the bytes recorded so far (an
-- open-sized upload reserves the rest as it signs further parts).
alter table uploads add column reserved_bytes bigint not null default 0 check (reserved_bytes >= 0);
update uploads set reserved_bytes = case when kind = 'PLANNED' then size else bytes_uploaded end;

-- When the janitor last added up what an open-sized upload holds in storage (ListParts).
alter table uploads add column size_checked_at timestamptz;

drop index uploads_single_request_expiry;
alter table uploads drop constraint uploads_open_sized;
alter table uploads drop constraint uploads_single_request;
alter table uploads drop constraint uploads_size_check;
alter table uploads drop column single_request;

alter table uploads add constraint uploads_kind_shape check (
    (kind = 'PLANNED' and s3_upload_id is not null and staging_key is null
        and size > 0 and part_size is not null and part_count is not null)
 or (kind = 'OPEN_SIZED' and s3_upload_id is not null and staging_key is null
        and part_size is null and part_count is null and (size is null or size > 0))
 or (kind = 'SINGLE_REQUEST' and s3_upload_id is null and staging_key is not null
        and part_size is null and part_count is null and (size is null or size >= 0)));

-- The janitor's look at single-request uploads whose form has expired.
create index uploads_single_request_expiry on uploads (expires_at) where kind = 'SINGLE_REQUEST' and state = 'UPLOADING';

-- The janitor's look at what open-sized uploads hold, least recently checked first.
create index uploads_open_sized_check on uploads (size_checked_at nulls first, id)
    where kind = 'OPEN_SIZED' and state = 'UPLOADING';
