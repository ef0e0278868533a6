-- Open-sized uploads: Uppy's /s3 routes (issue 12) start an upload without knowing its size.
-- Such a row has no size and no part plan (all three null together) until it completes, when
-- size becomes the assembled object's length. Native uploads keep all three, as before.

alter table uploads
    alter column size drop not null,
    alter column part_size drop not null,
    alter column part_count drop not null,
    add constraint uploads_plan_all_or_none
        check ((size is null) = (part_size is null) and (size is null) = (part_count is null));

