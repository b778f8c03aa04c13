// Issue 5: a reported pair is never matched again (in memory at once, from the database after a restart).
import { test } from 'node:test';

import { freshSqlite, removeDir, reportedPairKeptApart } from './moderation-tools.mjs';

test('a pair reported over the WebSocket is never matched again, also after a restart (SQLite)', async () => {
  const db = freshSqlite();
  try {
    await reportedPairKeptApart(db, { how: 'ws' });
  } finally {
    removeDir(db.dir);
  }
});

test('a pair reported over REST (POST /api/v1/reports) is never matched again (SQLite)', async () => {
  const db = freshSqlite();
  try {
    await reportedPairKeptApart(db, { how: 'rest', control: false, restart: false });
  } finally {
    removeDir(db.dir);
  }
});
