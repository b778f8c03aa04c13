// Reactions floating up over the video, both the ones sent and received.
import { useI18n } from '../../../i18n/i18n-context';
import { REACTIONS } from '../../../lib/webrtc/peer-messages';
import type { FloatingReaction } from '../chat-log';

export function ReactionLayer({ reactions }: { reactions: FloatingReaction[] }) {
  const { t } = useI18n();
  return (
    <div className="pointer-events-none absolute inset-0 z-20 overflow-hidden">
      {reactions.map((r) => {
        const name = t.reactionNames[REACTIONS.indexOf(r.emoji)] ?? r.emoji;
        return (
          <span
            key={r.id}
            role="img"
            aria-label={t.reactionFrom(r.from === 'me' ? t.you : t.stranger, name)}
            className="animate-float-up font-emoji absolute bottom-6 text-5xl drop-shadow-lg"
            style={{ left: r.x + '%' }}
          >
            {r.emoji}
          </span>
        );
      })}
    </div>
  );
}
