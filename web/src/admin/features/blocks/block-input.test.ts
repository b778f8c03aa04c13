import { describe, expect, it } from 'vitest';
import { classify, isIp, parseList } from './block-input';

describe('block input', () => {
  it.each([
    ['192.0.2.1', true],
    ['255.255.255.255', true],
    ['256.1.1.1', false],
    ['1.2.3', false],
    ['2001:db8::1', true],
    ['::1', true],
    ['::ffff:192.0.2.1', true],
    ['2001:db8::1::2', false],
    ['fe80:zz::1', false],
    ['device_key-123', false],
  ])('isIp(%s) = %s', (s, ok) => expect(isIp(s)).toBe(ok));

  it.each([
    ['  192.0.2.1 ', { ip: '192.0.2.1' }],
    ['2001:db8::1', { ip: '2001:db8::1' }],
    ['Ab_9-x', { device: 'Ab_9-x' }],
    ['not a key!', null],
    ['', null],
  ])('classify(%j)', (s, out) => expect(classify(s)).toEqual(out));

  it.each([
    ['ip', '192.0.2.1\n192.0.2.2, 192.0.2.3\n\n# office\n192.0.2.1\n', ['192.0.2.1', '192.0.2.2', '192.0.2.3'], [], 1],
    ['ip', '2001:DB8::1\n2001:db8::1\nnope', ['2001:DB8::1'], ['nope'], 1],
    ['device', 'abc\tdef ghi\nabc\nbad!key', ['abc', 'def', 'ghi'], ['bad!key'], 1],
    ['device', '   \n# only a comment', [], [], 0],
  ] as const)('parseList(%s, %j)', (kind, text, values, invalid, duplicates) => {
    expect(parseList(text, kind)).toEqual({ values, invalid, duplicates });
  });
});
