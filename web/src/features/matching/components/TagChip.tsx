import { CloseIcon } from '../../../components/icons';

export function TagChip({ text, removeLabel, onRemove }: { text: string; removeLabel: string; onRemove: () => void }) {
  return (
    <span className="inline-flex items-center gap-1 rounded-full bg-zinc-800 py-1 pl-3 pr-1 text-sm text-zinc-100 ring-1 ring-white/10">
      {text}
      <button
        type="button"
        onClick={onRemove}
        aria-label={removeLabel}
        className="grid h-6 w-6 place-items-center rounded-full text-zinc-400 hover:bg-white/10 hover:text-white focus-visible:outline-2 focus-visible:outline-violet-400"
      >
        <CloseIcon className="h-3.5 w-3.5" />
      </button>
    </span>
  );
}
