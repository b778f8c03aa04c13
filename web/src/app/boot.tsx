// Starts the React call app over the landing page's prerendered markup (which
// React replaces): loaded by main.ts when the user presses Start or Settings.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, type AppIntent } from './App';

export function boot(root: HTMLElement, intent: AppIntent) {
  createRoot(root).render(
    <StrictMode>
      <App intent={intent} />
    </StrictMode>,
  );
}
