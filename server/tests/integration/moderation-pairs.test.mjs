// Issue 5: a reported pair is never matched again (in memory at once, from the database after a restart).
import { test } from 'node:test';

import { NO_FAKETIME, fakeClock, libFaketime } from './faketime.mjs';
import {
  expectKeptApartOn,
  expectPairedAgain,
  freshSqlite,
  removeDir,
  reportedPairKeptApart,
  withModServer,
} from './moderation-tools.mjs';

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

// The exclusion lasts `reported-pair-days` from the last report: loaded at start
// while the window runs, not once it has passed. The restarted server's wall
// clock is moved on (libfaketime), as days passing would.
test(
  'a reported pair stays apart for reported-pair-days, and meets again after it (SQLite, restarts with the clock moved on)',
  { skip: libFaketime() ? false : NO_FAKETIME },
  async () => {
    const db = freshSqlite();
    try {
      const flags = { 'repeat-pair-cooldown-ms': 0, 'reported-pair-days': 1 };
      const { devA, devB } = await reportedPairKeptApart(db, { how: 'ws', control: false, restart: true });
      const clock = fakeClock(db.dir);
      clock.set('+20h');
      await withModServer(db, { flags, env: clock.env }, (server) => expectKeptApartOn(server, devA, devB, '20h'));
      clock.set('+2d');
      await withModServer(db, { flags, env: clock.env }, (server) => expectPairedAgain(server, devA, devB, '2d'));
      // The default window (180 days) still holds two days on.
      await withModServer(db, { flags: { 'repeat-pair-cooldown-ms': 0 }, env: clock.env }, (server) =>
        expectKeptApartOn(server, devA, devB, '2d-default'),
      );
    } finally {
      removeDir(db.dir);
    }
  },
);
