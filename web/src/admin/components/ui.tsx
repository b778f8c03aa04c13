// The dashboard's building blocks, in the call app's look (zinc, violet,
// rounded, ringed). Markup only. Every control is labelled.
import { useId, type ButtonHTMLAttributes, type ComponentProps, type ReactNode } from 'react';
import { AlertIcon, CheckIcon } from '../../components/icons';
import type { AdminApiError } from '../lib/api-client';

const focus = 'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-violet-400';

const BUTTON = {
  primary: 'bg-violet-600 text-white hover:bg-violet-700 disabled:bg-violet-500/40',
  secondary: 'bg-white/10 text-zinc-100 hover:bg-white/15 disabled:text-zinc-500',
  danger: 'bg-rose-700 text-white hover:bg-rose-800 disabled:bg-rose-700/40',
  ghost: 'text-zinc-300 hover:bg-white/10 hover:text-white disabled:text-zinc-600',
} as const;

export function Button({
  variant = 'secondary',
  size = 'md',
  className = '',
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: keyof typeof BUTTON; size?: 'sm' | 'md' }) {
  return (
    <button
      type="button"
      {...props}
      className={`inline-flex items-center justify-center gap-2 rounded-lg font-medium whitespace-nowrap transition-colors disabled:cursor-not-allowed ${
        size === 'sm' ? 'px-2.5 py-1 text-xs' : 'px-3.5 py-2 text-sm'
      } ${BUTTON[variant]} ${focus} ${className}`}
    />
  );
}

const CONTROL =
  'w-full rounded-lg bg-zinc-950/60 px-3 py-2 text-sm text-zinc-100 ring-1 ring-white/10 placeholder:text-zinc-500 focus:outline-none focus:ring-2 focus:ring-violet-400 disabled:opacity-50';

function FieldFrame({ id, label, hint, children, className = '' }: { id: string; label: ReactNode; hint?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <div className={`space-y-1.5 ${className}`}>
      <label htmlFor={id} className="block text-xs font-medium text-zinc-300">
        {label}
      </label>
      {children}
      {hint && (
        <p id={id + '-hint'} className="text-xs text-zinc-400">
          {hint}
        </p>
      )}
    </div>
  );
}

type FieldProps = { label: ReactNode; hint?: ReactNode; className?: string };

export function TextField({ label, hint, className, ...props }: FieldProps & ComponentProps<'input'>) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} hint={hint} className={className ?? ''}>
      <input id={id} type="text" aria-describedby={hint ? id + '-hint' : undefined} {...props} className={CONTROL} />
    </FieldFrame>
  );
}

export function TextArea({ label, hint, className, mono = false, ...props }: FieldProps & { mono?: boolean } & ComponentProps<'textarea'>) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} hint={hint} className={className ?? ''}>
      <textarea id={id} aria-describedby={hint ? id + '-hint' : undefined} {...props} className={CONTROL + ' min-h-24 resize-y' + (mono ? ' font-mono' : '')} />
    </FieldFrame>
  );
}

export function SelectField({ label, hint, className, children, ...props }: FieldProps & ComponentProps<'select'>) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} hint={hint} className={className ?? ''}>
      <select id={id} aria-describedby={hint ? id + '-hint' : undefined} {...props} className={CONTROL + ' appearance-auto'}>
        {children}
      </select>
    </FieldFrame>
  );
}

export function CheckboxField({ label, className = '', ...props }: { label: ReactNode; className?: string } & ComponentProps<'input'>) {
  const id = useId();
  return (
    <div className={`flex items-center gap-2 ${className}`}>
      <input id={id} type="checkbox" {...props} className="h-4 w-4 rounded accent-violet-500" />
      <label htmlFor={id} className="text-sm text-zinc-200">
        {label}
      </label>
    </div>
  );
}

export function Card({ title, actions, children, className = '', labelledBy }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string; labelledBy?: string }) {
  const id = useId();
  return (
    <section aria-labelledby={title ? (labelledBy ?? id) : undefined} className={`rounded-2xl bg-zinc-900/70 p-4 ring-1 ring-white/10 sm:p-5 ${className}`}>
      {(title || actions) && (
        <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
          {title && (
            <h2 id={labelledBy ?? id} className="text-sm font-semibold text-zinc-100">
              {title}
            </h2>
          )}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

export function PageHeader({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight text-zinc-50">{title}</h1>
        {description && <p className="mt-1 text-sm text-zinc-400">{description}</p>}
      </div>
      {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
    </div>
  );
}

/** What went wrong, in words a moderator can act on. */
export function errorText(error: AdminApiError): string {
  switch (error.code) {
    case 'network':
      return 'Could not reach the server. Check your connection and try again.';
    case 'forbidden':
      return error.message === 'only admins may block permanently' ? 'Only admins may block permanently.' : `Not allowed: ${error.message}.`;
    case 'conflict':
      return `Already done: ${error.message}.`;
    case 'not_found':
      return `Not found: ${error.message}.`;
    case 'bad_request':
      return `Please check the form: ${error.message}.`;
    case 'rate_limited':
      return 'Too many requests. Please wait a moment.';
    case 'unavailable':
      return 'The database is unavailable right now. Try again shortly.';
    default:
      return `Something went wrong (${error.code}): ${error.message}.`;
  }
}

export function ErrorNote({ error, children }: { error?: AdminApiError | null; children?: ReactNode }) {
  if (!error && !children) return null;
  return (
    <div role="alert" className="flex gap-2 rounded-xl bg-rose-500/10 px-3 py-2.5 text-sm text-rose-100 ring-1 ring-rose-400/30">
      <AlertIcon className="mt-0.5 h-4 w-4 shrink-0 text-rose-300" />
      <span>{children ?? (error ? errorText(error) : null)}</span>
    </div>
  );
}

/** A polite status line for outcomes ("Report 12 accepted…"); always in the DOM so it is announced. */
export function StatusLine({ message, className = '' }: { message: string | null; className?: string }) {
  return (
    <div role="status" aria-live="polite" className={className}>
      {message && (
        <p className="flex items-center gap-2 rounded-xl bg-emerald-500/10 px-3 py-2 text-sm text-emerald-100 ring-1 ring-emerald-400/30">
          <CheckIcon className="h-4 w-4 shrink-0 text-emerald-300" />
          {message}
        </p>
      )}
    </div>
  );
}

const BADGE = {
  neutral: 'bg-white/10 text-zinc-300',
  violet: 'bg-violet-500/15 text-violet-200 ring-1 ring-violet-400/30',
  amber: 'bg-amber-500/15 text-amber-200 ring-1 ring-amber-400/30',
  rose: 'bg-rose-500/15 text-rose-200 ring-1 ring-rose-400/30',
  emerald: 'bg-emerald-500/15 text-emerald-200 ring-1 ring-emerald-400/30',
} as const;

export function Badge({ tone = 'neutral', children }: { tone?: keyof typeof BADGE; children: ReactNode }) {
  return <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ${BADGE[tone]}`}>{children}</span>;
}

const STATUS_TONE: Record<string, keyof typeof BADGE> = {
  pending: 'amber',
  open: 'amber',
  accepted: 'emerald',
  rejected: 'neutral',
  active: 'rose',
  lifted: 'neutral',
  expired: 'neutral',
  disabled: 'neutral',
};

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={STATUS_TONE[status] ?? 'neutral'}>{status[0]?.toUpperCase() + status.slice(1)}</Badge>;
}

/** A key cap; `decorative` inside a button that names the shortcut with aria-keyshortcuts. */
export function Kbd({ children, decorative = false }: { children: ReactNode; decorative?: boolean }) {
  return (
    <kbd aria-hidden={decorative || undefined} className="inline-grid min-w-5 place-items-center rounded border border-white/15 bg-white/5 px-1 font-mono text-[11px] leading-4 text-zinc-300">
      {children}
    </kbd>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="rounded-xl border border-dashed border-white/10 px-4 py-8 text-center text-sm text-zinc-400">{children}</p>;
}

/** Label / value pairs (a <dl>). */
export function Facts({ items, className = '' }: { items: [ReactNode, ReactNode][]; className?: string }) {
  return (
    <dl className={`grid grid-cols-[minmax(7rem,auto)_1fr] gap-x-4 gap-y-2 text-sm ${className}`}>
      {items.map(([k, v], i) => (
        <div key={i} className="contents">
          <dt className="text-zinc-400">{k}</dt>
          <dd className="min-w-0 break-words text-zinc-100">{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A table with the dashboard's look; `label` names it for assistive technology. */
export function Table({ label, head, children }: { label: string; head: ReactNode[]; children: ReactNode }) {
  return (
    <div className="overflow-x-auto rounded-xl ring-1 ring-white/10">
      <table aria-label={label} className="w-full text-left text-sm">
        <thead className="bg-white/5 text-xs tracking-wide text-zinc-400 uppercase">
          <tr>
            {head.map((h, i) => (
              <th key={i} scope="col" className="px-3 py-2.5 font-medium whitespace-nowrap">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-white/5">{children}</tbody>
      </table>
    </div>
  );
}

export const cell = 'px-3 py-2.5 align-top';

/** The user-written text of a report or an appeal: always plain text, kept as typed. */
export function UserText({ text, empty = 'No comment.' }: { text: string; empty?: string }) {
  if (!text) return <p className="text-sm text-zinc-400 italic">{empty}</p>;
  return (
    <blockquote className="rounded-xl bg-zinc-950/60 px-3 py-2.5 font-mono text-sm break-words whitespace-pre-wrap text-zinc-100 ring-1 ring-white/10">
      {text}
    </blockquote>
  );
}

export { focus as focusRing };
