// The appeal form's words in each interface language (kept beside the
// feature so the shared message files stay as they are).
import type { UiLanguage } from '../../i18n';

export interface AppealStrings {
  title: string;
  message: string;
  hint: string;
  send: string;
  sending: string;
  sent: string;
  failed: (code: string) => string;
}

const en: AppealStrings = {
  title: 'Appeal the block',
  message: 'Your appeal',
  hint: 'Tell a moderator why you think the block is a mistake. Do not include personal details.',
  send: 'Send appeal',
  sending: 'Sending…',
  sent: 'Your appeal was sent. A moderator will review it.',
  failed: (code) =>
    code === 'conflict'
      ? 'You already have an open appeal. A moderator will review it.'
      : code === 'not_found'
        ? 'There is no active block to appeal: you can start again.'
        : code === 'rate_limited'
          ? 'Too many attempts. Please wait a moment.'
          : `We could not send the appeal (${code}). Please try again later.`,
};

const es: AppealStrings = {
  title: 'Recurrir el bloqueo',
  message: 'Tu recurso',
  hint: 'Explica a un moderador por qué crees que el bloqueo es un error. No incluyas datos personales.',
  send: 'Enviar recurso',
  sending: 'Enviando…',
  sent: 'Tu recurso se ha enviado. Un moderador lo revisará.',
  failed: (code) =>
    code === 'conflict'
      ? 'Ya tienes un recurso abierto. Un moderador lo revisará.'
      : code === 'not_found'
        ? 'No hay ningún bloqueo activo que recurrir: puedes empezar de nuevo.'
        : code === 'rate_limited'
          ? 'Demasiados intentos. Espera un momento.'
          : `No pudimos enviar el recurso (${code}). Inténtalo más tarde.`,
};

const de: AppealStrings = {
  title: 'Einspruch gegen die Sperre',
  message: 'Dein Einspruch',
  hint: 'Erkläre einer Moderatorin oder einem Moderator, warum die Sperre ein Fehler ist. Keine persönlichen Daten.',
  send: 'Einspruch senden',
  sending: 'Wird gesendet…',
  sent: 'Dein Einspruch wurde gesendet. Er wird geprüft.',
  failed: (code) =>
    code === 'conflict'
      ? 'Du hast bereits einen offenen Einspruch. Er wird geprüft.'
      : code === 'not_found'
        ? 'Es gibt keine aktive Sperre: du kannst wieder starten.'
        : code === 'rate_limited'
          ? 'Zu viele Versuche. Bitte warte einen Moment.'
          : `Der Einspruch konnte nicht gesendet werden (${code}). Bitte versuche es später.`,
};

export const APPEAL_STRINGS: Record<UiLanguage, AppealStrings> = { en, es, de };
