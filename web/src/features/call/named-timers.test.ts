import { describe, expect, it } from 'vitest';
import { ManualTimers } from '../../test/manual-timers';
import { NamedTimers } from './named-timers';

type Op = ['start', string, number] | ['cancel', string] | ['cancel-all'] | ['advance', number];

function play(ops: Op[]) {
  const clock = new ManualTimers();
  const fired: string[] = [];
  const timers = new NamedTimers<string>(clock, (name) => fired.push(`${name}@${clock.now()}`));
  return (async () => {
    for (const op of ops) {
      if (op[0] === 'start') timers.start(op[1], op[2]);
      else if (op[0] === 'cancel') timers.cancel(op[1]);
      else if (op[0] === 'cancel-all') timers.cancelAll();
      else await clock.advance(op[1]);
    }
    return { fired, running: timers.names().sort(), pending: clock.pendingDelays() };
  })();
}

describe('NamedTimers', () => {
  it.each<[string, Op[], string[], string[]]>([
    ['runs out once, reporting its name', [['start', 'rejoin', 1000], ['advance', 5000]], ['rejoin@1000'], []],
    ['not before its time', [['start', 'rejoin', 1000], ['advance', 999]], [], ['rejoin']],
    ['starting it again starts it over', [['start', 'rejoin', 1000], ['advance', 600], ['start', 'rejoin', 1000], ['advance', 5000]], ['rejoin@1600'], []],
    ['cancelled, it never runs out', [['start', 'captcha', 3000], ['advance', 1000], ['cancel', 'captcha'], ['advance', 5000]], [], []],
    ['cancelling one leaves the others', [['start', 'a', 100], ['start', 'b', 200], ['cancel', 'a'], ['advance', 500]], ['b@200'], []],
    ['cancelling one that is not running is harmless', [['cancel', 'a'], ['start', 'b', 10], ['advance', 10]], ['b@10'], []],
    ['cancel all (the page goes away)', [['start', 'a', 100], ['start', 'b', 200], ['cancel-all'], ['advance', 500]], [], []],
    ['each name in its time', [['start', 'b', 300], ['start', 'a', 100], ['advance', 500]], ['a@100', 'b@300'], []],
  ])('%s', async (_, ops, fired, running) => {
    const result = await play(ops);
    expect(result.fired).toEqual(fired);
    expect(result.running).toEqual(running);
    expect(result.pending).toHaveLength(running.length); // nothing left behind in the clock
  });
});
