// A blocked user's appeal: sends it with this browser's device id and
// remembers the outcome until the next ban notice.
import { useCallback, useState } from 'react';
import { loadDeviceId } from '../../lib/signaling/device-id';
import { submitAppeal } from './appeal-client';

export type AppealStatus = { state: 'idle' } | { state: 'sending' } | { state: 'sent'; appealId: number } | { state: 'failed'; code: string };

export function useAppeal() {
  const [status, setStatus] = useState<AppealStatus>({ state: 'idle' });
  const submit = useCallback(async (message: string) => {
    setStatus({ state: 'sending' });
    // The same id the session token was issued for (contract section 1).
    const deviceId = loadDeviceId(window.localStorage, () => crypto.randomUUID());
    const out = await submitAppeal((url, init) => window.fetch(url, init), '', deviceId, message);
    setStatus(out.ok ? { state: 'sent', appealId: out.appealId } : { state: 'failed', code: out.code });
  }, []);
  return { status, submit };
}
