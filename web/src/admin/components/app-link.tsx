// A link to a dashboard page: a real <a href> (open in new tab works), routed
// in place on a plain click.
import type { AnchorHTMLAttributes, MouseEvent } from 'react';
import { routePath, type Route } from '../lib/router';
import { useServices } from '../lib/services-context';

export function AppLink({ to, onClick, ...props }: { to: Route } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>) {
  const { navigator } = useServices();
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigator.navigate(to);
  };
  return <a {...props} href={routePath(to)} onClick={handle} />;
}
