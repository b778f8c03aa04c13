-- The reporter's safety shield verdict on the reported video (metadata only:
-- the classifier runs in the reporter's browser, no image reaches the server):
-- a label (nudity | suggestive) and the score in thousandths (0..1000). Both
-- NULL when the shield had not flagged the video. Shield-flagged reports come
-- first among equals in the moderation queue (store/report_store.cpp kRank).
ALTER TABLE reports ADD COLUMN shield_verdict TEXT;
ALTER TABLE reports ADD COLUMN shield_score INTEGER;
