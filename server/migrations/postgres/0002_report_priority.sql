-- Reports that jump the moderation queue: the abuse detector marks every
-- pending report against a device it blocked automatically (several distinct
-- reporters in a short window), so moderators review that block first.
ALTER TABLE reports ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
CREATE INDEX reports_queue_priority ON reports (status, priority, created_at, id);
