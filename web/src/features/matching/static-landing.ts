// The landing page before React: index.html carries the landing markup,
// prerendered at build time from LandingPage (app/prerender/), and this module
// makes that markup work (modes, languages, interests, age, Start) with plain
// DOM code, so the page paints and answers without the call app's JavaScript.
// The rules are the React page's own (preferences.ts); what the user picks is
// saved where the React page reads it (PREFERENCES_KEY), so when the user
// presses Start or Settings the call app is loaded and takes over the same
// state. It is a stand-in, not a second landing page: after the first call the
// React LandingPage renders this screen.
import { en } from '../../i18n/en';
import { languageName } from '../../i18n/languages';
import { loadJson, saveJson } from '../../lib/storage';
import {
  addInterests,
  COMMON_LANGUAGES,
  MAX_INTERESTS,
  MAX_LANGUAGES,
  PREFERENCES_KEY,
  sanitizePreferences,
  type MatchPreferences,
} from './preferences';

export interface StaticLandingHandlers {
  /** Start pressed with valid preferences (already saved); settles when the app has taken over or failed to load. */
  onStart: () => Promise<void>;
  onSettings: () => Promise<void>;
}

/** The prerendered elements this module drives (data-landing="..." in the markup). */
interface LandingElements {
  form: HTMLFormElement;
  modes: HTMLInputElement[];
  languages: HTMLElement;
  addLanguage: HTMLSelectElement;
  interests: HTMLElement;
  interestInput: HTMLInputElement;
  adult: HTMLInputElement;
  start: HTMLButtonElement;
  settings: HTMLButtonElement;
  chip: HTMLTemplateElement;
}

function find(root: ParentNode): LandingElements | null {
  const q = <T extends Element>(name: string) => root.querySelector<T>(`[data-landing="${name}"]`);
  const form = q<HTMLFormElement>('form');
  const els = {
    form,
    modes: form ? [...form.querySelectorAll<HTMLInputElement>('input[name="mode"]')] : [],
    languages: q<HTMLElement>('languages'),
    addLanguage: q<HTMLSelectElement>('add-language'),
    interests: q<HTMLElement>('interests'),
    interestInput: root.querySelector<HTMLInputElement>('#interests'),
    adult: root.querySelector<HTMLInputElement>('#adult'),
    start: q<HTMLButtonElement>('start'),
    settings: q<HTMLButtonElement>('settings'),
    chip: document.querySelector<HTMLTemplateElement>('template[data-landing="chip"]'),
  };
  return Object.values(els).every((v) => v !== null && (!Array.isArray(v) || v.length === 2)) ? (els as LandingElements) : null;
}

/**
 * Wires the prerendered landing page under `root`. Returns false (and changes
 * nothing) when the markup is not there, e.g. in the dev server: the caller then
 * starts the React app at once.
 */
export function startStaticLanding(root: ParentNode, browserLanguages: readonly string[], handlers: StaticLandingHandlers): boolean {
  const found = find(root);
  if (!found) return false;
  const els: LandingElements = found;
  const sanitize = (raw: unknown) => sanitizePreferences(raw, browserLanguages);
  let prefs: MatchPreferences = loadJson(window.localStorage, PREFERENCES_KEY, sanitize);
  let tried = false;
  let problemEl: HTMLElement | null = null;

  const update = (patch: Partial<MatchPreferences>) => {
    prefs = sanitize({ ...prefs, ...patch });
    saveJson(window.localStorage, PREFERENCES_KEY, prefs);
    render();
  };

  const chip = (text: string, removeLabel: string, onRemove: () => void): Element => {
    const el = (els.chip.content.firstElementChild as Element).cloneNode(true) as Element;
    el.insertBefore(document.createTextNode(text), el.firstChild);
    const button = el.querySelector('button')!;
    button.setAttribute('aria-label', removeLabel);
    button.addEventListener('click', onRemove);
    return el;
  };
  const replaceChips = (container: HTMLElement, before: Element, chips: Element[]) => {
    for (const old of [...container.children]) if (old !== before) old.remove();
    for (const c of chips) container.insertBefore(c, before);
  };

  const problem = () => (!prefs.adultConfirmed ? en.adultRequired : prefs.languages.length === 0 ? en.languagesRequired : null);

  function render() {
    for (const m of els.modes) m.checked = m.value === prefs.mode;
    els.adult.checked = prefs.adultConfirmed;

    const langChips = prefs.languages.map((code) => {
      const name = languageName(code, 'en');
      return chip(name, en.removeLanguage(name), () => update({ languages: prefs.languages.filter((c) => c !== code) }));
    });
    replaceChips(els.languages, els.addLanguage, langChips);
    els.addLanguage.hidden = prefs.languages.length >= MAX_LANGUAGES;
    const choices = COMMON_LANGUAGES.filter((c) => !prefs.languages.includes(c))
      .map((code) => ({ code, name: languageName(code, 'en') }))
      .sort((a, b) => a.name.localeCompare(b.name, 'en'));
    els.addLanguage.replaceChildren(
      new Option('+ ' + en.addLanguagePlaceholder, ''),
      ...choices.map((c) => new Option(c.name, c.code)),
    );
    els.addLanguage.value = '';

    const interestChips = prefs.interests.map((tag) =>
      chip('#' + tag, en.removeInterest(tag), () => update({ interests: prefs.interests.filter((x) => x !== tag) })),
    );
    replaceChips(els.interests, els.interestInput, interestChips);
    els.interestInput.disabled = prefs.interests.length >= MAX_INTERESTS;
    els.interestInput.placeholder = prefs.interests.length ? '' : en.interestsPlaceholder;

    // The problem line, as the React page shows it: only after a first Start.
    const text = tried ? problem() : null;
    if (text && !problemEl) {
      problemEl = document.createElement('p');
      problemEl.id = 'start-problem';
      problemEl.setAttribute('role', 'alert');
      problemEl.className = 'text-sm text-rose-300';
      els.start.before(problemEl);
    } else if (!text && problemEl) {
      problemEl.remove();
      problemEl = null;
    }
    if (problemEl && text && problemEl.textContent !== text) problemEl.textContent = text;
    if (text === en.adultRequired) els.adult.setAttribute('aria-describedby', 'start-problem');
    else els.adult.removeAttribute('aria-describedby');
  }

  // On a slow connection the app may take a moment: the pressed button says so until it is replaced.
  const busy = (button: HTMLButtonElement, done: Promise<void>) => {
    button.setAttribute('aria-busy', 'true');
    void done.finally(() => button.removeAttribute('aria-busy'));
  };

  const commitInterest = () => {
    const draft = els.interestInput.value;
    if (!draft.trim()) return;
    els.interestInput.value = '';
    update({ interests: addInterests(prefs.interests, draft) });
  };

  for (const m of els.modes) m.addEventListener('change', () => m.checked && update({ mode: m.value === 'text' ? 'text' : 'video' }));
  els.adult.addEventListener('change', () => update({ adultConfirmed: els.adult.checked }));
  els.addLanguage.addEventListener('change', () => {
    const code = els.addLanguage.value;
    if (code) update({ languages: [...prefs.languages, code] });
  });
  els.interestInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ',') {
      e.preventDefault();
      commitInterest();
    } else if (e.key === 'Backspace' && !els.interestInput.value && prefs.interests.length) {
      update({ interests: prefs.interests.slice(0, -1) });
    }
  });
  els.interestInput.addEventListener('blur', commitInterest);
  els.form.addEventListener('submit', (e) => {
    e.preventDefault();
    commitInterest();
    tried = true;
    render();
    if (!problem()) busy(els.start, handlers.onStart());
  });
  els.settings.addEventListener('click', () => busy(els.settings, handlers.onSettings()));

  render();
  return true;
}
