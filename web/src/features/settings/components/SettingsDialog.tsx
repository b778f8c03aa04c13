import type { ReactNode } from 'react';
import { MediaVideo } from '../../../components/media-video';
import { Modal } from '../../../components/modal';
import { Toggle } from '../../../components/toggle';
import { UI_LANGUAGE_NAMES, UI_LANGUAGES, type UiLanguage } from '../../../i18n';
import { useI18n } from '../../../i18n/i18n-context';
import type { Settings } from '../../../lib/settings';
import { canChooseSpeaker } from '../../../lib/webrtc/media';
import { useDevicePreview } from '../use-device-preview';

const select =
  'w-full appearance-none truncate rounded-xl bg-zinc-800 py-2.5 pl-3 pr-9 text-sm text-zinc-100 ring-1 ring-white/10 focus:outline-2 focus:outline-violet-400 bg-[url("data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27 viewBox=%270 0 24 24%27 fill=%27none%27 stroke=%27%23a1a1aa%27 stroke-width=%272%27%3E%3Cpath d=%27m6 9 6 6 6-6%27/%3E%3C/svg%3E")] bg-[length:1.1rem] bg-[right_0.6rem_center] bg-no-repeat';

function Select({ id, label, value, onChange, children }: { id: string; label: string; value: string; onChange: (v: string) => void; children: ReactNode }) {
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="text-xs font-medium uppercase tracking-wide text-zinc-400">
        {label}
      </label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} className={select}>
        {children}
      </select>
    </div>
  );
}

export function SettingsDialog({
  open,
  onClose,
  settings,
  onChange,
  uiLanguage,
  callStream,
  relayAvailable,
}: {
  open: boolean;
  onClose: () => void;
  settings: Settings;
  onChange: (patch: Partial<Settings>) => void;
  uiLanguage: UiLanguage;
  callStream: MediaStream | null;
  relayAvailable: boolean | null;
}) {
  const { t } = useI18n();
  const preview = useDevicePreview(open, callStream, settings.cameraId, settings.microphoneId);
  const { cameras, microphones, speakers } = preview.devices;
  const deviceLabel = (d: MediaDeviceInfo, i: number, kind: string) => d.label || `${kind} ${i + 1}`;

  return (
    <Modal open={open} onClose={onClose} title={t.settingsTitle} closeLabel={t.close} wide>
      <div className="grid gap-6 sm:grid-cols-2">
        <section aria-labelledby="settings-devices" className="space-y-3">
          <h3 id="settings-devices" className="text-sm font-semibold text-zinc-200">
            {t.devices}
          </h3>
          <div className="relative aspect-video overflow-hidden rounded-2xl bg-zinc-950 ring-1 ring-white/10">
            {preview.stream ? (
              <MediaVideo stream={preview.stream} muted aria-label={t.devicePreview} className="h-full w-full -scale-x-100 object-cover" />
            ) : (
              <div className="grid h-full place-items-center p-4 text-center text-xs text-zinc-400">
                <div className="space-y-3">
                  {preview.error && <p>{t.previewUnavailable}</p>}
                  <button
                    type="button"
                    onClick={preview.requestPreview}
                    className="rounded-xl bg-white/10 px-3 py-2 text-sm font-medium text-zinc-100 hover:bg-white/15 focus-visible:outline-2 focus-visible:outline-violet-400"
                  >
                    {t.enablePreview}
                  </button>
                </div>
              </div>
            )}
            {preview.stream && (
              <div
                role="meter"
                aria-label={t.micLevel}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={preview.level}
                className="absolute inset-x-3 bottom-3 h-1.5 overflow-hidden rounded-full bg-black/50"
              >
                <div className="h-full rounded-full bg-emerald-400 transition-[width] duration-75" style={{ width: preview.level + '%' }} />
              </div>
            )}
          </div>
          <Select id="settings-camera" label={t.camera} value={settings.cameraId ?? ''} onChange={(v) => onChange({ cameraId: v || null })}>
            <option value="">{t.systemDefault}</option>
            {cameras.map((d, i) => (
              <option key={d.deviceId || i} value={d.deviceId}>
                {deviceLabel(d, i, t.camera)}
              </option>
            ))}
          </Select>
          <Select id="settings-mic" label={t.microphone} value={settings.microphoneId ?? ''} onChange={(v) => onChange({ microphoneId: v || null })}>
            <option value="">{t.systemDefault}</option>
            {microphones.map((d, i) => (
              <option key={d.deviceId || i} value={d.deviceId}>
                {deviceLabel(d, i, t.microphone)}
              </option>
            ))}
          </Select>
          {canChooseSpeaker() && (
            <Select id="settings-speaker" label={t.speaker} value={settings.speakerId ?? ''} onChange={(v) => onChange({ speakerId: v || null })}>
              <option value="">{t.systemDefault}</option>
              {speakers.map((d, i) => (
                <option key={d.deviceId || i} value={d.deviceId}>
                  {deviceLabel(d, i, t.speaker)}
                </option>
              ))}
            </Select>
          )}
        </section>

        <div className="space-y-6">
          <section aria-labelledby="settings-privacy" className="space-y-4">
            <h3 id="settings-privacy" className="text-sm font-semibold text-zinc-200">
              {t.privacy}
            </h3>
            <Toggle
              label={t.hideIp}
              description={settings.relayOnly && relayAvailable === false ? t.hideIpNoTurn : t.hideIpHint}
              checked={settings.relayOnly}
              onChange={(v) => onChange({ relayOnly: v })}
            />
            <Toggle label={t.blurVideo} description={t.blurVideoHint} checked={settings.blurRemote} onChange={(v) => onChange({ blurRemote: v })} />
            <Toggle label={t.shield} description={t.shieldHint} checked={settings.shield} onChange={(v) => onChange({ shield: v })} />
            <details className="rounded-xl bg-zinc-800/60 px-3 py-2 text-sm text-zinc-300">
              <summary className="cursor-pointer font-medium text-zinc-200">{t.shieldPrivacyTitle}</summary>
              <p className="mt-2">{t.shieldPrivacyText}</p>
            </details>
            <p className="text-sm">
              <a
                href="/privacy.html"
                target="_blank"
                rel="noopener"
                className="rounded text-violet-300 underline underline-offset-4 hover:text-violet-200 focus-visible:outline-2 focus-visible:outline-offset-4 focus-visible:outline-violet-400"
              >
                {t.privacyPage}
              </a>
            </p>
          </section>
          <section aria-labelledby="settings-language" className="space-y-3">
            <h3 id="settings-language" className="sr-only">
              {t.interfaceLanguage}
            </h3>
            <Select
              id="settings-ui-language"
              label={t.interfaceLanguage}
              value={settings.uiLanguage ?? uiLanguage}
              onChange={(v) => onChange({ uiLanguage: v as UiLanguage })}
            >
              {(Object.keys(UI_LANGUAGES) as UiLanguage[]).map((l) => (
                <option key={l} value={l}>
                  {UI_LANGUAGE_NAMES[l]}
                </option>
              ))}
            </Select>
          </section>
        </div>
      </div>
      <div className="mt-6 flex justify-end">
        <button
          type="button"
          onClick={onClose}
          className="rounded-xl bg-violet-600 px-5 py-2.5 text-sm font-semibold text-white hover:bg-violet-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-violet-300"
        >
          {t.done}
        </button>
      </div>
    </Modal>
  );
}
