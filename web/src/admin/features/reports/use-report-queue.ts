// The report queue page's state: the filtered list, the selected report (from
// the route, fetched on its own when it is not in the list), the decision
// draft, and the keyboard shortcuts.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useServices, useSession } from '../../lib/services-context';
import type { Report, ReportFilter } from '../../lib/types';
import { useAction, usePagedList, useReloadOnChange, useResource } from '../../lib/use-resource';
import { DEFAULT_DRAFT, acceptProblem, decisionMessage, toDecision, type DecisionDraft } from './decision';
import { moveSelection, nextAfter, queueCommand } from './queue-keys';

/** `pending`: the live count of pending reports; when it changes, the queue reloads. */
export function useReportQueue(selectedId: number | null, pending: number | null) {
  const { api, navigator } = useServices();
  const session = useSession();
  const role = session.kind === 'signed-in' ? session.role : 'moderator';
  const list = usePagedList<Report, ReportFilter>((f, p) => api.reports(f, p), { status: 'pending' });
  const inList = selectedId === null ? undefined : list.items.find((r) => r.id === selectedId);
  // A deep link to a report outside the current page or filter: fetch it alone.
  const single = useResource(selectedId !== null && !inList && list.loaded ? `report-${selectedId}` : null, () => api.report(selectedId ?? 0));
  const selected: Report | null = inList ?? (single.data && single.data.id === selectedId ? single.data : null);
  useReloadOnChange(pending, list.reload);

  const [draft, setDraft] = useState<DecisionDraft>(DEFAULT_DRAFT);
  const action = useAction();
  const noteRef = useRef<HTMLTextAreaElement | null>(null);

  const select = useCallback((id: number | null) => navigator.navigate({ page: 'reports', reportId: id }, { replace: true }), [navigator]);

  // Fast triage: with nothing chosen, start at the top of the queue.
  useEffect(() => {
    if (selectedId === null && list.loaded && list.items[0]) select(list.items[0].id);
  }, [selectedId, list.loaded, list.items, select]);

  // A new report, a clean note (the block options stay as the moderator set them).
  useEffect(() => {
    setDraft((d) => ({ ...d, note: '' }));
  }, [selectedId]);

  const problem = selected ? acceptProblem(draft, role, selected.reported) : null;

  const decide = useCallback(
    (kind: 'accept' | 'reject') => {
      if (!selected || selected.status !== 'pending') return;
      if (kind === 'accept' && acceptProblem(draft, role, selected.reported)) return;
      const ids = list.items.map((r) => r.id);
      void action.run(async () => {
        const out = await api.decideReport(selected.id, toDecision(kind, draft));
        const leaves = list.filter.status === 'pending';
        list.updateItems((items) => (leaves ? items.filter((r) => r.id !== selected.id) : items.map((r) => (r.id === selected.id ? out.report : r))));
        if (leaves) select(nextAfter(ids, selected.id));
        if (!ids.includes(selected.id)) void single.reload();
        return decisionMessage(selected.id, kind, out.block);
      });
    },
    [selected, draft, role, list, action, api, select, single],
  );

  // j/k (or arrows) move, a accepts, r rejects, n jumps to the note.
  const keys = useRef({ decide, ids: list.items.map((r) => r.id), selectedId, select });
  useLayoutEffect(() => {
    keys.current = { decide, ids: list.items.map((r) => r.id), selectedId, select };
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (document.querySelector('[role="dialog"]')) return;
      const command = queueCommand({ key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey, target: e.target as HTMLElement | null });
      if (!command) return;
      e.preventDefault();
      const k = keys.current;
      if (command === 'next' || command === 'previous') k.select(moveSelection(k.ids, k.selectedId, command === 'next' ? 1 : -1));
      else if (command === 'accept' || command === 'reject') k.decide(command);
      else if (command === 'note') noteRef.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return { list, selected, single, draft, setDraft, problem, role, decide, action, noteRef, select };
}
