// Reputation lookups: the route holds what is looked up (so a link from a
// report opens the answer), the form navigates to it.
import { useCallback, useState } from 'react';
import { useServices } from '../../lib/services-context';
import { useResource } from '../../lib/use-resource';
import { classify } from '../blocks/block-input';

export function useReputation(ip: string | null, device: string | null) {
  const { api, navigator } = useServices();
  const key = ip ? `ip:${ip}` : device ? `device:${device}` : null;
  const result = useResource(key, () => api.reputation(ip ? { ip } : { device: device ?? '' }));
  const [problem, setProblem] = useState<string | null>(null);
  const lookUp = useCallback(
    (text: string) => {
      const target = classify(text);
      if (!target) {
        setProblem('Enter an IP address (IPv4 or IPv6) or a device key.');
        return;
      }
      setProblem(null);
      navigator.navigate({ page: 'reputation', ip: 'ip' in target ? target.ip : null, device: 'device' in target ? target.device : null });
    },
    [navigator],
  );
  return { result, problem, lookUp, looking: key };
}
