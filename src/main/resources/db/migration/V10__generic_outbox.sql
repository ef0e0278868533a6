-- The outbox knows nothing of uploads (issue 18): an event is about a subject (so far always an
-- upload, by its id), of a type the application names. Only names change; rows stay as they are.

alter table upload_events rename to events;
alter table events rename column upload_id to subject;
alter index upload_events_pkey rename to events_pkey;
alter index upload_events_id_key rename to events_id_key;
alter index upload_events_feed rename to events_feed;
alter index upload_events_pending rename to events_pending;
alter index upload_events_status rename to events_status;
alter table events rename constraint upload_events_lease to events_lease;
alter sequence upload_events_seq_seq rename to events_seq_seq;
