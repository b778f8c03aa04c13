// The landing page as HTML, for index.html at build time (vite-plugin.ts): the
// same components the app renders, in English with the default preferences, so
// the page paints before any script. main.ts wires this markup
// (features/matching/static-landing.ts) until the React app takes over.
import { renderToStaticMarkup } from 'react-dom/server';
import { TagChip } from '../../features/matching/components/TagChip';
import { LandingPage } from '../../features/matching/components/LandingPage';
import { defaultPreferences } from '../../features/matching/preferences';
import { I18nProvider } from '../../i18n/i18n-context';
import { AppFrame } from '../App';
import { Header } from '../Header';

const noop = () => {};

export interface LandingMarkup {
  /** The contents of #root. */
  root: string;
  /** One tag chip with empty text and label: static-landing.ts clones it for each language and interest. */
  chip: string;
}

export function landingMarkup(): LandingMarkup {
  const root = renderToStaticMarkup(
    <I18nProvider lang="en">
      <AppFrame lang="en">
        <LandingPage preferences={defaultPreferences(['en'])} onChange={noop} onStart={noop} header={<Header onSettings={noop} />} />
      </AppFrame>
    </I18nProvider>,
  );
  const chip = renderToStaticMarkup(<TagChip text="" removeLabel="" onRemove={noop} />);
  return { root, chip };
}
