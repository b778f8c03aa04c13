// A wall clock the test moves while the server runs: libfaketime (Debian's
// `faketime` package, installed by scripts/bootstrap.sh test) preloaded into the
// server, its offset read from a file on every clock call. Only the wall clock
// (CLOCK_REALTIME) moves, as in a real clock step: the monotonic clock is left alone.
import fs from 'node:fs';
import path from 'node:path';

const CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1',
  '/usr/lib/faketime/libfaketimeMT.so.1',
];

// The multi-threaded libfaketime, or '' when it is not installed.
export function libFaketime() {
  return CANDIDATES.find((p) => fs.existsSync(p)) ?? '';
}

export const NO_FAKETIME = 'libfaketime is not installed (apt-get install faketime; scripts/bootstrap.sh test installs it)';

// A clock for one server: `env` goes into its environment; set('+11m'), set('-30s'),
// set('+0') move it (libfaketime's relative offsets: s, m, h, d).
export function fakeClock(dir) {
  const file = path.join(dir, 'faketime-offset');
  fs.writeFileSync(file, '+0\n');
  return {
    env: {
      LD_PRELOAD: libFaketime(),
      FAKETIME_TIMESTAMP_FILE: file,
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    },
    offsetMs: 0,
    set(spec) {
      const m = /^([+-]\d+)([smhd]?)$/.exec(spec);
      if (!m) throw new Error(`faketime offset ${spec}`);
      this.offsetMs = Number(m[1]) * { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2]];
      // Renamed into place: the server reads the file on every clock call, never half of it.
      fs.writeFileSync(`${file}.tmp`, `${spec}\n`);
      fs.renameSync(`${file}.tmp`, file);
    },
  };
}
