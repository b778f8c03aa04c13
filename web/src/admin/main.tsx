// Entry of the moderators' dashboard (admin.html, served at /admin). Its own
// bundle: the call app never loads it, and it loads nothing of the call app
// but shared primitives. No service worker here: moderation data is never cached.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AdminApp } from './app/AdminApp';
import '../index.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AdminApp />
  </StrictMode>,
);
