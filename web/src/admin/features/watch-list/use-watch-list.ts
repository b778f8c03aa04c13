// The watch list, polled every few seconds like the dashboard's live figures.
import { useServices } from '../../lib/services-context';
import { useResource } from '../../lib/use-resource';
import { watchRows } from './watch-list';

export const WATCH_LIST_REFRESH_MS = 5000;

export function useWatchList() {
  const { api } = useServices();
  const list = useResource('watch-list', () => api.watchList(), WATCH_LIST_REFRESH_MS);
  const rows = list.data ? watchRows(list.data.items) : null;
  return { list, rows };
}
