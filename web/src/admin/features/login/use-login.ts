import { useCallback, useState } from 'react';
import { toApiError } from '../../lib/resource';
import { useServices } from '../../lib/services-context';
import { loginErrorText, signIn } from './login';

export function useLogin() {
  const { api, session } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = useCallback(
    async (username: string, password: string) => {
      setBusy(true);
      setError(null);
      try {
        await signIn(api, session, username, password);
      } catch (e) {
        setError(loginErrorText(toApiError(e)));
        setBusy(false);
      }
    },
    [api, session],
  );
  return { busy, error, submit };
}
