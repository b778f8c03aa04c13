import { ChatIcon, VideoIcon } from '../../../components/icons';
import { useI18n } from '../../../i18n/i18n-context';
import type { Mode } from '../../../lib/signaling/messages';

// Native radio buttons (not a scripted radio group): the landing page is
// prerendered into index.html and must work before any script has run
// (features/matching/static-landing.ts takes it from there).
export function ModePicker({ value, onChange }: { value: Mode; onChange: (m: Mode) => void }) {
  const { t } = useI18n();
  const options = [
    { mode: 'video' as const, label: t.modeVideo, hint: t.modeVideoHint, Icon: VideoIcon },
    { mode: 'text' as const, label: t.modeText, hint: t.modeTextHint, Icon: ChatIcon },
  ];
  return (
    <div role="radiogroup" aria-label={t.mode} className="grid grid-cols-2 gap-2">
      {options.map(({ mode, label, hint, Icon }) => (
        <label
          key={mode}
          className="group relative flex h-full cursor-pointer items-center gap-3 rounded-2xl bg-zinc-800/60 p-3 ring-1 ring-white/10 transition hover:bg-zinc-800 has-checked:bg-violet-500/15 has-checked:ring-2 has-checked:ring-violet-400 has-focus-visible:outline-2 has-focus-visible:outline-offset-2 has-focus-visible:outline-violet-400"
        >
          <input
            type="radio"
            name="mode"
            value={mode}
            checked={value === mode}
            onChange={() => onChange(mode)}
            aria-labelledby={`mode-${mode}-label`}
            aria-describedby={`mode-${mode}-hint`}
            className="absolute inset-0 z-10 cursor-pointer appearance-none rounded-2xl opacity-0"
          />
          <span className="hidden h-9 w-9 shrink-0 place-items-center rounded-xl min-[400px]:grid bg-zinc-900 text-zinc-300 group-has-checked:bg-violet-500 group-has-checked:text-white">
            <Icon className="h-5 w-5" />
          </span>
          <span className="min-w-0">
            <span id={`mode-${mode}-label`} className="block text-sm font-semibold text-zinc-100">
              {label}
            </span>
            <span id={`mode-${mode}-hint`} className="block text-xs leading-snug text-zinc-300">
              {hint}
            </span>
          </span>
        </label>
      ))}
    </div>
  );
}
