// The dashboard's long-lived objects (API client, session, router, clock),
// made once by the app and handed down by context, never module globals;
// and the hooks that read them.
import { createContext, useContext, type ReactNode } from 'react';
import type { Timers } from '../../lib/signaling/timers';
import type { AdminApi } from './api-client';
import type { ChangeSignal } from './changes';
import type { Navigator, Route } from './router';
import type { AdminSession, SessionState } from './session';
import { useStore } from './use-store';

export interface AdminServices {
  api: AdminApi;
  session: AdminSession;
  navigator: Navigator;
  timers: Timers;
  changes: ChangeSignal;
}

const ServicesContext = createContext<AdminServices | null>(null);

export function ServicesProvider({ services, children }: { services: AdminServices; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): AdminServices {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('useServices outside ServicesProvider');
  return s;
}

export function useSession(): SessionState {
  return useStore(useServices().session);
}

export function useRoute(): Route {
  return useStore(useServices().navigator);
}
