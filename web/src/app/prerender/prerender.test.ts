import { describe, expect, it } from 'vitest';
import { landingMarkup } from './landing-markup';
import { injectLanding } from './vite-plugin';

describe('the prerendered landing page', () => {
  const markup = landingMarkup();

  it('is the English landing page with what people find it by', () => {
    expect(markup.root).toMatch(/<h1\b[^>]*>Meet someone new\.<\/h1>/);
    expect(markup.root).toMatch(/<div role="radiogroup" aria-label="Mode"/);
    expect(markup.root).toMatch(/<input type="radio" aria-labelledby="mode-video-label"[^>]* name="mode" checked="" value="video"\/>/);
    expect(markup.root).toMatch(/aria-label="Remove English"/);
    expect(markup.root).toMatch(/<select data-landing="add-language" aria-label="Add language"/);
    expect(markup.root).toMatch(/<input id="adult" type="checkbox"/);
    expect(markup.root).toMatch(/<label for="adult"[^>]*>I am 18 or older<\/label>/);
    expect(markup.root).toMatch(/aria-label="Settings"/);
  });

  it.each(['form', 'languages', 'add-language', 'interests', 'start', 'settings'])(
    'carries the hook static-landing.ts drives: data-landing="%s"',
    (name) => {
      expect(markup.root).toContain(`data-landing="${name}"`);
    },
  );

  it('has a chip to clone, with an empty label', () => {
    expect(markup.chip).toMatch(/^<span[^>]*><button type="button" aria-label=""/);
  });

  it('goes into the empty #root of index.html, the chip template after it', () => {
    const html = '<body>\n    <div id="root"></div>\n  </body>';
    const out = injectLanding(html, { root: '<main>$&</main>', chip: '<span></span>' });
    expect(out).toBe('<body>\n    <div id="root"><main>$&</main></div>\n    <template data-landing="chip"><span></span></template>\n  </body>');
    expect(() => injectLanding('<body></body>', markup)).toThrow(/no empty/);
  });
});
