// Shown under the ban notice when the block can be appealed. Not a <form>:
// the notice sits inside the landing page's form, and forms do not nest.
import { useId, useState } from 'react';
import { CheckIcon } from '../../../components/icons';
import { useI18n } from '../../../i18n/i18n-context';
import { MAX_APPEAL_CHARS } from '../appeal-client';
import { APPEAL_STRINGS } from '../strings';
import { useAppeal } from '../use-appeal';

export function AppealForm() {
  const { lang } = useI18n();
  const s = APPEAL_STRINGS[lang];
  const { status, submit } = useAppeal();
  const [message, setMessage] = useState('');
  const id = useId();
  const send = () => {
    if (message.trim()) void submit(message);
  };
  if (status.state === 'sent') {
    return (
      <p role="status" className="flex gap-2 rounded-2xl bg-emerald-500/10 p-4 text-sm text-emerald-100 ring-1 ring-emerald-400/30">
        <CheckIcon className="mt-0.5 h-4 w-4 shrink-0 text-emerald-300" />
        {s.sent}
      </p>
    );
  }
  return (
    <div role="form" aria-labelledby={id + '-title'} className="space-y-3 rounded-2xl bg-zinc-900/80 p-4 ring-1 ring-white/10">
      <h2 id={id + '-title'} className="text-sm font-semibold text-zinc-100">
        {s.title}
      </h2>
      <div className="space-y-1.5">
        <label htmlFor={id} className="block text-xs font-medium text-zinc-300">
          {s.message}
        </label>
        <textarea
          id={id}
          value={message}
          onChange={(e) => setMessage(e.target.value)}
          maxLength={MAX_APPEAL_CHARS}
          rows={3}
          required
          aria-describedby={id + '-hint'}
          className="w-full resize-y rounded-xl bg-zinc-950/60 px-3 py-2 text-sm text-zinc-100 ring-1 ring-white/10 placeholder:text-zinc-500 focus:ring-2 focus:ring-violet-400 focus:outline-none"
        />
        <p id={id + '-hint'} className="text-xs text-zinc-400">
          {s.hint}
        </p>
      </div>
      <div aria-live="polite">{status.state === 'failed' && <p className="text-sm text-rose-200">{s.failed(status.code)}</p>}</div>
      <button
        type="button"
        onClick={send}
        disabled={status.state === 'sending' || !message.trim()}
        className="rounded-lg bg-violet-600 px-3.5 py-2 text-sm font-medium text-white hover:bg-violet-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-violet-400 disabled:cursor-not-allowed disabled:bg-violet-500/40"
      >
        {status.state === 'sending' ? s.sending : s.send}
      </button>
    </div>
  );
}
