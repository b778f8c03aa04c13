import { Description, Field, Label, Radio, RadioGroup } from '@headlessui/react';
import { ChatIcon, VideoIcon } from '../../../components/icons';
import { useI18n } from '../../../i18n/i18n-context';
import type { Mode } from '../../../lib/signaling/messages';

export function ModePicker({ value, onChange }: { value: Mode; onChange: (m: Mode) => void }) {
  const { t } = useI18n();
  const options = [
    { mode: 'video' as const, label: t.modeVideo, hint: t.modeVideoHint, Icon: VideoIcon },
    { mode: 'text' as const, label: t.modeText, hint: t.modeTextHint, Icon: ChatIcon },
  ];
  return (
    <RadioGroup value={value} onChange={onChange} aria-label={t.mode} className="grid grid-cols-2 gap-2">
      {options.map(({ mode, label, hint, Icon }) => (
        <Field key={mode}>
          <Radio
            value={mode}
            className="group flex h-full cursor-pointer items-center gap-3 rounded-2xl bg-zinc-800/60 p-3 ring-1 ring-white/10 transition hover:bg-zinc-800 focus:outline-none data-[checked]:bg-violet-500/15 data-[checked]:ring-2 data-[checked]:ring-violet-400 data-[focus]:outline-2 data-[focus]:outline-offset-2 data-[focus]:outline-violet-400"
          >
            <span className="hidden h-9 w-9 shrink-0 place-items-center rounded-xl min-[400px]:grid bg-zinc-900 text-zinc-300 group-data-[checked]:bg-violet-500 group-data-[checked]:text-white">
              <Icon className="h-5 w-5" />
            </span>
            <span className="min-w-0">
              <Label className="block cursor-pointer text-sm font-semibold text-zinc-100">{label}</Label>
              <Description className="block text-xs leading-snug text-zinc-400">{hint}</Description>
            </span>
          </Radio>
        </Field>
      ))}
    </RadioGroup>
  );
}
