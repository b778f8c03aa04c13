// The dialog frame shared by Settings and Report (Headless UI Dialog: focus
// trap, Esc to close, inert background, named by its title).
import { Dialog, DialogPanel, DialogTitle } from '@headlessui/react';
import type { ReactNode } from 'react';
import { CloseIcon } from './icons';

export function Modal({
  open,
  onClose,
  title,
  closeLabel,
  children,
  wide = false,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  closeLabel: string;
  children: ReactNode;
  wide?: boolean;
}) {
  return (
    <Dialog open={open} onClose={onClose} className="fixed inset-0 z-50">
      <div className="fixed inset-0 bg-black/70 backdrop-blur-sm" aria-hidden="true" />
      <div className="fixed inset-0 flex items-end justify-center overflow-y-auto p-0 sm:items-center sm:p-4">
        <DialogPanel
          className={
            'w-full rounded-t-3xl bg-zinc-900 p-5 text-zinc-100 shadow-2xl ring-1 ring-white/10 sm:rounded-3xl sm:p-6 ' +
            (wide ? 'sm:max-w-2xl' : 'sm:max-w-md')
          }
        >
          <div className="mb-4 flex items-center justify-between gap-4">
            <DialogTitle className="text-lg font-semibold">{title}</DialogTitle>
            <button
              type="button"
              onClick={onClose}
              aria-label={closeLabel}
              className="rounded-full p-2 text-zinc-400 hover:bg-white/10 hover:text-white focus-visible:outline-2 focus-visible:outline-violet-400"
            >
              <CloseIcon className="h-5 w-5" />
            </button>
          </div>
          {children}
        </DialogPanel>
      </div>
    </Dialog>
  );
}
