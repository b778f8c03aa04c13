// Keyboard shortcuts of the call screen: Esc = Next, M = microphone,
// V = camera. Letters are ignored while typing; nothing fires under a dialog.
import { useEffect, useRef } from 'react';

export interface Shortcuts {
  next: () => void;
  toggleMic?: (() => void) | undefined;
  toggleCamera?: (() => void) | undefined;
}

export const SHORTCUT_KEYS = { next: 'Esc', mic: 'M', camera: 'V' } as const;

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

export function useShortcuts(enabled: boolean, shortcuts: Shortcuts): void {
  const ref = useRef(shortcuts);
  ref.current = shortcuts;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (document.querySelector('[role="dialog"]')) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        ref.current.next();
        return;
      }
      if (typing(e.target) || e.repeat) return;
      const k = e.key.toLowerCase();
      if (k === 'm' && ref.current.toggleMic) ref.current.toggleMic();
      else if (k === 'v' && ref.current.toggleCamera) ref.current.toggleCamera();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}
