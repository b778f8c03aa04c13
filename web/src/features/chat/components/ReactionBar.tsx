import { useI18n } from '../../../i18n/i18n-context';
import { REACTIONS, type Reaction } from '../../../lib/webrtc/peer-messages';

export function ReactionBar({ onReact, enabled }: { onReact: (r: Reaction) => void; enabled: boolean }) {
  const { t } = useI18n();
  return (
    <div role="group" aria-label={t.reactions} className="flex items-center gap-0.5 rounded-full bg-zinc-900/80 p-1 ring-1 ring-white/10">
      {REACTIONS.map((emoji, i) => (
        <button
          key={emoji}
          type="button"
          disabled={!enabled}
          onClick={() => onReact(emoji)}
          aria-label={t.react(t.reactionNames[i] ?? emoji)}
          title={t.react(t.reactionNames[i] ?? emoji)}
          className="grid h-9 w-9 place-items-center rounded-full text-xl transition hover:scale-110 hover:bg-white/10 focus-visible:outline-2 focus-visible:outline-violet-400 disabled:opacity-40 disabled:hover:scale-100"
        >
          <span aria-hidden="true" className="font-emoji">
            {emoji}
          </span>
        </button>
      ))}
    </div>
  );
}
