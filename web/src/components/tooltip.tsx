// A hover/focus tooltip that also names the keyboard shortcut. It describes
// the control (aria-describedby) without changing its accessible name.
import { useId, type ReactElement, type ReactNode } from 'react';
import { cloneElement } from 'react';

export function Tooltip({ label, children, side = 'top' }: { label: ReactNode; children: ReactElement<Record<string, unknown>>; side?: 'top' | 'bottom' }) {
  const id = useId();
  return (
    <span className="group/tip relative inline-flex">
      {cloneElement(children, { 'aria-describedby': id })}
      <span
        id={id}
        role="tooltip"
        className={
          'pointer-events-none absolute left-1/2 z-30 -translate-x-1/2 whitespace-nowrap rounded-lg bg-zinc-800 px-2.5 py-1.5 text-xs font-medium text-zinc-100 opacity-0 shadow-lg ring-1 ring-white/10 transition-opacity delay-300 duration-150 group-hover/tip:opacity-100 group-focus-within/tip:opacity-100 ' +
          (side === 'top' ? 'bottom-full mb-2' : 'top-full mt-2')
        }
      >
        {label}
      </span>
    </span>
  );
}

export function Kbd({ children }: { children: ReactNode }) {
  return <kbd className="ml-1.5 rounded border border-white/20 bg-white/10 px-1 font-sans text-[10px] text-zinc-200">{children}</kbd>;
}
