// Ports for a local cluster started by scripts/cluster.sh in a test: the
// ports the script takes from a base (see its header), Redis cluster bus
// ports included, and a base whose every port is free.
import crypto from 'node:crypto';
import net from 'node:net';

export function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

// HAProxy, the three instances, HAProxy's stats page, PostgreSQL; six Redis nodes and their bus ports.
export const portsFrom = (base) => [
  ...[0, 1, 2, 3, 4, 20].map((d) => base + d),
  ...[0, 1, 2, 3, 4, 5].flatMap((i) => [base + 10 + i, base + 10010 + i]),
];

// A base below the ephemeral range whose every port is free. `from`: where to
// start looking (two test files use distinct ranges so they never race).
export async function freeBase(from = 20000) {
  for (let i = 0; i < 50; i++) {
    const base = from + 30 * crypto.randomInt(60);
    let ok = true;
    for (const p of portsFrom(base)) {
      if (!(await portFree(p))) {
        ok = false;
        break;
      }
    }
    if (ok) return base;
  }
  throw new Error('no free range of ports for the cluster');
}
