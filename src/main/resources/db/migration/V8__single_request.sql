-- Single-request uploads: Uppy's /s3/params (issue 12) hands the browser a presigned POST of one
-- object instead of a multipart upload. Such a row has no S3 multipart upload (s3_upload_id null),
-- no part plan and no size until it completes, when size and etag become the object's. expires_at
-- is the POST policy's expiration: after it the janitor looks the object up (HeadObject) and
-- records the row COMPLETED or EXPIRED.

alter table uploads
    add column single_request boolean not null default false,
    alter column s3_upload_id drop not null,
    add constraint uploads_single_request
        check (single_request = (s3_upload_id is null) and (not single_request or part_size is null));

-- The janitor's look at single-request uploads whose policy has expired.
create index uploads_single_request_expiry on uploads (expires_at) where single_request and state = 'UPLOADING';

-- An empty file is a valid single-request upload (Uppy always sends 0-byte files this way): its
-- completed size is 0. Every other upload still has a positive size.
alter table uploads drop constraint uploads_size_check;
alter table uploads add constraint uploads_size_check check (size > 0 or (single_request and size = 0));
