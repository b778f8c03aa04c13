// The blocks page: the filtered list, search, create, bulk ban and lift.
import { useCallback, useState } from 'react';
import { durationLabel } from '../../lib/format';
import { useServices } from '../../lib/services-context';
import type { Block, BlockDuration, BlockFilter } from '../../lib/types';
import { useAction, usePagedList } from '../../lib/use-resource';
import { classify } from './block-input';

export function useBlocks() {
  const { api } = useServices();
  const list = usePagedList<Block, BlockFilter>((f, p) => api.blocks(f, p), { active: true });
  const action = useAction();
  const [searchProblem, setSearchProblem] = useState<string | null>(null);

  const search = useCallback(
    (text: string, active: boolean | undefined) => {
      const target = text.trim() ? classify(text) : {};
      if (target === null) {
        setSearchProblem('Enter an IP address (IPv4 or IPv6) or a device key.');
        return;
      }
      setSearchProblem(null);
      list.setFilter({ active, ...target });
    },
    [list],
  );

  const create = useCallback(
    (b: { ip: string; device: string; duration: BlockDuration; reason: string }) =>
      action.run(async () => {
        const made = await api.createBlock({ ip: b.ip.trim(), device: b.device.trim(), duration: b.duration, reason: b.reason.trim() });
        list.reload();
        return `Block ${made.id} created (${durationLabel(b.duration).toLowerCase()}).`;
      }),
    [action, api, list],
  );

  const bulk = useCallback(
    (kind: 'ip' | 'device', values: string[], duration: BlockDuration, reason: string) =>
      action.run(async () => {
        const made = await api.bulkBlock(kind, values, duration, reason.trim());
        list.reload();
        return `${made.items.length} ${kind === 'ip' ? 'IP address' : 'device'}${made.items.length === 1 ? '' : 's'} blocked (${durationLabel(duration).toLowerCase()}).`;
      }),
    [action, api, list],
  );

  const lift = useCallback(
    (id: number, reason: string) =>
      action.run(async () => {
        const lifted = await api.liftBlock(id, reason.trim());
        list.updateItems((items) => (list.filter.active ? items.filter((b) => b.id !== id) : items.map((b) => (b.id === id ? lifted : b))));
        return `Block ${id} lifted.`;
      }),
    [action, api, list],
  );

  return { list, action, search, searchProblem, create, bulk, lift };
}
