-- Open-sized uploads: Uppy's /s3 routes (issue 12) start an upload without knowing its size.
-- Such a row has no size and no part plan (part_size and part_count null) until it completes,
-- when size becomes the assembled object's length (the plan stays null). Native uploads keep all
-- three, as before.

alter table uploads
    alter column size drop not null,
    alter column part_size drop not null,
    alter column part_count drop not null,
    add constraint uploads_open_sized
        check ((part_size is null) = (part_count is null) and (part_size is null or size is not null));

