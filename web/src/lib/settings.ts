// The user's device and privacy settings (the Settings dialog), persisted.
import { isUiLanguage, type UiLanguage } from '../i18n/languages';

export interface Settings {
  uiLanguage: UiLanguage | null; // null: follow the browser
  cameraId: string | null;
  microphoneId: string | null;
  speakerId: string | null;
  relayOnly: boolean; // "Hide my IP address": iceTransportPolicy 'relay'
  blurRemote: boolean; // blur each new stranger until clicked
  shield: boolean; // the on-device safety shield (features/shield), on unless turned off
}

export const SETTINGS_KEY = 'serendip.settings';

export const defaultSettings: Settings = {
  uiLanguage: null,
  cameraId: null,
  microphoneId: null,
  speakerId: null,
  relayOnly: false,
  blurRemote: false,
  shield: true,
};

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length < 256 ? v : null);

export function sanitizeSettings(raw: unknown): Settings {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  return {
    uiLanguage: isUiLanguage(r.uiLanguage) ? r.uiLanguage : null,
    cameraId: str(r.cameraId),
    microphoneId: str(r.microphoneId),
    speakerId: str(r.speakerId),
    relayOnly: r.relayOnly === true,
    blurRemote: r.blurRemote === true,
    shield: r.shield !== false,
  };
}
