import { describe, expect, it } from 'vitest';
import { timeZoneArea } from './time-zone';

describe('timeZoneArea', () => {
  it.each([
    ['Europe/Berlin', 'Europe'],
    ['America/Argentina/Buenos_Aires', 'America'],
    ['Asia/Tokyo', 'Asia'],
    ['Pacific/Auckland', 'Pacific'],
    ['UTC', null], // no area: says nothing about a region
    ['Etc/GMT+5', null],
    ['', null],
    [undefined, null],
    [null, null],
    ['Europe Berlin/x', null],
    ['Évrope/Paris', null],
  ])('%j -> %j', (tz, area) => {
    expect(timeZoneArea(tz)).toBe(area);
  });
});
