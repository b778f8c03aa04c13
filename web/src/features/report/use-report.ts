// Files a report over the signaling socket and follows it to its answer:
// report_ack (stored) or an error (shown as is: the server decides).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ReportMsg, ReportReason } from '../../lib/signaling/messages';
import { useConnection } from '../../lib/signaling/signaling-context';

export type ReportStatus =
  | { state: 'idle' }
  | { state: 'sending' }
  | { state: 'acked'; reportId: string }
  | { state: 'failed'; code: string };

const ANSWER_TIMEOUT_MS = 10_000;

export function useReport() {
  const { client } = useConnection();
  const [status, setStatus] = useState<ReportStatus>({ state: 'idle' });
  const pending = useRef<number | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const settle = useCallback((s: ReportStatus) => {
    pending.current = null;
    if (timer.current) clearTimeout(timer.current);
    setStatus(s);
  }, []);

  useEffect(
    () =>
      client.subscribe((e) => {
        if (e.kind !== 'message' || pending.current === null) return;
        const m = e.message;
        if (m.type === 'report_ack' && (m.re === undefined || m.re === pending.current)) settle({ state: 'acked', reportId: m.reportId });
        else if (m.type === 'error' && m.re === pending.current) settle({ state: 'failed', code: m.code });
      }),
    [client, settle],
  );

  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);

  const submit = useCallback(
    (sessionId: string, reason: ReportReason, comment: string, shield?: ReportMsg['shield']) => {
      const text = comment.trim().slice(0, 500);
      const id = client.send({ type: 'report', sessionId, reason, ...(text ? { comment: text } : {}), ...(shield ? { shield } : {}) });
      if (id === null) {
        settle({ state: 'failed', code: 'offline' });
        return;
      }
      pending.current = id;
      setStatus({ state: 'sending' });
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        if (pending.current === id) settle({ state: 'failed', code: 'timeout' });
      }, ANSWER_TIMEOUT_MS);
    },
    [client, settle],
  );

  const dismiss = useCallback(() => settle({ state: 'idle' }), [settle]);

  return { status, submit, dismiss };
}
