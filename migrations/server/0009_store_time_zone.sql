-- Issue 16: a storefront's answer is dated on its store's own calendar, like every till's. The
-- server learns each store's IANA time zone from the ops its tills push (`store.initialised`,
-- `settings.updated`), keeping the latest by the op's stamp ("hlc device op_id"), the tills'
-- last-writer-wins rule. NULL until a till has pushed one: answers are then dated in UTC.
ALTER TABLE store ADD COLUMN time_zone text;
ALTER TABLE store ADD COLUMN time_zone_stamp text NOT NULL DEFAULT '';
