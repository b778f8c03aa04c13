// The appeals page: the filtered list, the one being read (with the block it
// is about), and the decision with its reason.
import { useCallback, useEffect, useState } from 'react';
import { useServices } from '../../lib/services-context';
import type { Appeal, AppealFilter, Block } from '../../lib/types';
import { useAction, usePagedList, useReloadOnChange, useResource } from '../../lib/use-resource';

/** The block an appeal is about, looked up by what the appellant is known by. */
async function blockOf(api: ReturnType<typeof useServices>['api'], a: Appeal): Promise<Block | null> {
  const lookups = [a.device ? { device: a.device } : null, a.ip ? { ip: a.ip } : null].filter((x) => x !== null);
  for (const filter of lookups) {
    const page = await api.blocks(filter, { limit: 200 });
    const found = page.items.find((b) => b.id === a.blockId);
    if (found) return found;
  }
  return null;
}

/** `open`: the live count of open appeals; when it changes, the list reloads. */
export function useAppeals(open: number | null) {
  const { api } = useServices();
  const list = usePagedList<Appeal, AppealFilter>((f, p) => api.appeals(f, p), { status: 'open' });
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const selected = list.items.find((a) => a.id === selectedId) ?? null;
  const block = useResource(selected ? `appeal-block-${selected.id}-${selected.status}` : null, () => (selected ? blockOf(api, selected) : Promise.resolve(null)));
  const action = useAction();
  useReloadOnChange(open, list.reload);

  useEffect(() => {
    if ((selectedId === null || !list.items.some((a) => a.id === selectedId)) && list.items[0]) setSelectedId(list.items[0].id);
  }, [list.items, selectedId]);

  const decide = useCallback(
    (kind: 'accept' | 'reject', note: string) =>
      selected
        ? action.run(async () => {
            const decided = await api.decideAppeal(selected.id, kind, note.trim());
            list.updateItems((items) => items.map((a) => (a.id === decided.id ? decided : a)));
            return kind === 'accept' ? `Appeal ${decided.id} accepted: block ${decided.blockId} lifted.` : `Appeal ${decided.id} rejected.`;
          })
        : Promise.resolve(false),
    [selected, action, api, list],
  );

  return { list, selected, select: setSelectedId, block, action, decide };
}
