// A checkbox that looks like a switch. Headless UI Checkbox: role=checkbox,
// named by its visible label, Space toggles it.
import { Checkbox, Description, Field, Label } from '@headlessui/react';

export function Toggle({
  checked,
  onChange,
  label,
  description,
}: {
  checked: boolean;
  onChange: (v: boolean) => void;
  label: string;
  description?: string | undefined;
}) {
  return (
    <Field className="flex items-start justify-between gap-4">
      <div className="min-w-0">
        <Label className="cursor-pointer text-sm font-medium text-zinc-100">{label}</Label>
        {description && <Description className="mt-0.5 text-xs text-zinc-400">{description}</Description>}
      </div>
      <Checkbox
        checked={checked}
        onChange={onChange}
        className="group relative mt-0.5 inline-flex h-6 w-11 shrink-0 cursor-pointer rounded-full bg-zinc-700 transition-colors focus:outline-none data-[checked]:bg-violet-500 data-[focus]:outline-2 data-[focus]:outline-offset-2 data-[focus]:outline-violet-400"
      >
        <span className="pointer-events-none mt-0.5 ml-0.5 inline-block h-5 w-5 rounded-full bg-white shadow transition-transform group-data-[checked]:translate-x-5" />
      </Checkbox>
    </Field>
  );
}
