// The audit log viewer: entries newest first with filters, and the hash
// chain's verification status.
import { useServices } from '../../lib/services-context';
import type { AuditEntry, AuditFilter } from '../../lib/types';
import { usePagedList, useResource } from '../../lib/use-resource';

export function useAudit(target: string | null) {
  const { api } = useServices();
  const list = usePagedList<AuditEntry, AuditFilter>((f, p) => api.audit(f, p), target ? { target } : {}, 100);
  const verification = useResource('audit-verify', () => api.verifyAudit());
  return { list, verification };
}
