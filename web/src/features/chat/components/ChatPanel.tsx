import { useEffect, useRef, useState, type FormEvent } from 'react';
import { SendIcon } from '../../../components/icons';
import { useI18n } from '../../../i18n/i18n-context';
import { MAX_CHAT_CHARS } from '../../../lib/webrtc/peer-messages';
import type { ChatLine } from '../chat-log';

export function ChatPanel({
  lines,
  onSend,
  enabled,
  className = '',
  hint,
}: {
  lines: ChatLine[];
  onSend: (text: string) => boolean;
  enabled: boolean;
  className?: string;
  hint?: string | undefined;
}) {
  const { t } = useI18n();
  const [draft, setDraft] = useState('');
  const logRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (onSend(draft)) setDraft('');
  };

  return (
    <section aria-label={t.chat} className={'flex min-h-0 flex-col rounded-2xl bg-zinc-900/80 ring-1 ring-white/10 ' + className}>
      <div
        ref={logRef}
        role="log"
        aria-label={t.chat}
        aria-live="polite"
        className="min-h-0 flex-1 space-y-2 overflow-y-auto p-3 text-sm"
      >
        {lines.length === 0 ? (
          <p className="px-1 py-2 text-center text-zinc-400">{enabled ? hint ?? t.chatEmpty : t.chatNotReady}</p>
        ) : (
          lines.map((l) => (
            <div key={l.id} className={'flex ' + (l.from === 'me' ? 'justify-end' : 'justify-start')}>
              <p
                className={
                  'max-w-[85%] whitespace-pre-wrap break-words rounded-2xl px-3 py-2 leading-snug ' +
                  (l.from === 'me' ? 'rounded-br-md bg-violet-600 text-white' : 'rounded-bl-md bg-zinc-800 text-zinc-100')
                }
              >
                <span className="sr-only">{(l.from === 'me' ? t.you : t.stranger) + ': '}</span>
                {l.text}
              </p>
            </div>
          ))
        )}
      </div>
      <form onSubmit={submit} className="flex items-center gap-2 border-t border-white/10 p-2">
        <input
          type="text"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          aria-label={t.message}
          placeholder={t.messagePlaceholder}
          maxLength={MAX_CHAT_CHARS}
          disabled={!enabled}
          autoComplete="off"
          enterKeyHint="send"
          className="min-w-0 flex-1 rounded-xl bg-zinc-800 px-3 py-2.5 text-sm text-zinc-100 placeholder:text-zinc-500 focus:outline-2 focus:outline-violet-400 disabled:opacity-50"
        />
        <button
          type="submit"
          aria-label={t.send}
          disabled={!enabled || !draft.trim()}
          className="inline-flex h-10 items-center gap-1.5 rounded-xl bg-violet-600 px-3 text-sm font-medium text-white hover:bg-violet-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-violet-300 disabled:bg-zinc-700 disabled:text-zinc-400"
        >
          <SendIcon className="h-4 w-4" />
          <span className="hidden sm:inline">{t.send}</span>
        </button>
      </form>
    </section>
  );
}
