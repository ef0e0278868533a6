-- One row: this deployment's id, drawn once when the ledger is created. Every object key the
-- gateway builds carries it (<prefix>/<deployment>/<owner>/<upload>/<file>), so that two
-- deployments sharing a bucket and a key prefix tell their keys apart: each janitor sweeps only
-- its own (one ledger, one deployment).
create table deployment (
    one boolean primary key default true check (one),
    id text not null check (id ~ '^[a-z0-9]{12}$'),
    created_at timestamptz not null default now()
);

insert into deployment (id) values (substr(md5(random()::text || clock_timestamp()::text), 1, 12));
