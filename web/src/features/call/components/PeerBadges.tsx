import { formatList, languageName } from '../../../i18n';
import { useI18n } from '../../../i18n/i18n-context';
import type { PeerInfo } from '../../../lib/signaling/messages';

export function PeerBadges({ peer }: { peer: PeerInfo }) {
  const { t, lang } = useI18n();
  const chip = 'rounded-full bg-black/55 px-2.5 py-1 text-xs font-medium text-zinc-100 backdrop-blur';
  return (
    <ul className="flex flex-wrap gap-1.5">
      {peer.languages.length > 0 && (
        <li className={chip}>{t.strangerSpeaks(formatList(peer.languages.map((l) => languageName(l, lang)), lang))}</li>
      )}
      {peer.commonInterests.length > 0 && (
        <li className={chip + ' bg-violet-500/70'}>{t.commonInterests(formatList(peer.commonInterests.map((i) => '#' + i), lang))}</li>
      )}
      {peer.region && <li className={chip}>{t.fromRegion(peer.region)}</li>}
    </ul>
  );
}
