-- Per-part integrity: an upload may be created with an additional checksum algorithm (the store
-- then checks each part's x-amz-checksum-* header); the checksum each part's URL was last signed
-- for is kept, so completion can pass it to CompleteMultipartUpload and compare it with ListParts.

alter table uploads add column checksum_algorithm varchar(16)
    check (checksum_algorithm in ('SHA256', 'SHA1', 'CRC32', 'CRC32C'));

create table part_checksums (
    upload_id    uuid        not null references uploads (id) on delete cascade,
    part_number  integer     not null check (part_number between 1 and 10000),
    checksum     varchar(64) not null,
    signed_at    timestamptz not null,
    primary key (upload_id, part_number)
);
