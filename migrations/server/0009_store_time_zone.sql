-- Issue 16: a storefront's answer is dated on its store's own calendar, like every till's. The
-- server learns each store's IANA time zone from the ops its tills push (`store.initialised`,
-- `settings.updated`), keeping the latest by the op's stamp ("hlc device op_id"), the tills'
-- last-writer-wins rule. NULL until a till has pushed one: answers are then dated in UTC.
ALTER TABLE store ADD COLUMN time_zone text;
ALTER TABLE store ADD COLUMN time_zone_stamp text NOT NULL DEFAULT '';

-- Stores set up before this: their zone from the latest such op already in their stream.
UPDATE store s SET time_zone = z.tz, time_zone_stamp = z.stamp
FROM (
    SELECT DISTINCT ON (code) code, tz, stamp FROM (
        SELECT substring(c.stream FROM 7) AS code, c.body->>'time_zone' AS tz,
               c.hlc || ' ' || c.device_id || ' ' || c.op_id AS stamp
        FROM change_log c
        WHERE c.stream LIKE 'store:%' AND c.status = 'stored'
          AND c.kind IN ('store.initialised', 'settings.updated')
          AND jsonb_typeof(c.body->'time_zone') = 'string'
    ) ops
    ORDER BY code, stamp DESC
) z
WHERE s.code = z.code;
