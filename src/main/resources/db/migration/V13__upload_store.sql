-- The store an upload lives in (gateway.stores.<name>, or 'default': the single-bucket
-- configuration every upload before this migration was made in). Chosen at create, never changed:
-- every later step (presign, complete, abort, download, the janitor) goes to this store.
alter table uploads add column store text not null default 'default'
    check (store ~ '^[a-z0-9][a-z0-9_-]{0,62}$');
