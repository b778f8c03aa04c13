// Composition root: creates the connection, reads settings and preferences,
// and wires the features together. No feature imports another; they meet here.
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { AppealForm } from '../features/appeal/components/AppealForm';
import { CaptchaDialog } from '../features/captcha/components/CaptchaDialog';
import { ChatPanel } from '../features/chat/components/ChatPanel';
import { ReactionBar } from '../features/chat/components/ReactionBar';
import { ReactionLayer } from '../features/chat/components/ReactionLayer';
import { useChat } from '../features/chat/use-chat';
import { CallScreen } from '../features/call/components/CallScreen';
import { QualityBadge } from '../features/call/components/QualityBadge';
import { StatusIndicator } from '../features/call/components/StatusIndicator';
import { useCall } from '../features/call/use-call';
import { useShortcuts } from '../features/call/use-shortcuts';
import { LandingPage } from '../features/matching/components/LandingPage';
import { PREFERENCES_KEY, sanitizePreferences, type MatchPreferences } from '../features/matching/preferences';
import { browserTimeZoneArea } from '../features/matching/time-zone';
import { ReportDialog } from '../features/report/components/ReportDialog';
import { ReportNotice } from '../features/report/components/ReportNotice';
import { useReport } from '../features/report/use-report';
import { SettingsDialog } from '../features/settings/components/SettingsDialog';
import { ShieldOverlay } from '../features/shield/components/ShieldOverlay';
import { useShield } from '../features/shield/use-shield';
import { pickUiLanguage } from '../i18n';
import { I18nProvider, useI18n } from '../i18n/i18n-context';
import { sanitizeSettings, SETTINGS_KEY, type Settings } from '../lib/settings';
import { createBrowserConnection } from '../lib/signaling/connection';
import { ConnectionProvider, useConnection } from '../lib/signaling/signaling-context';
import { Header } from './Header';
import { NoticeBox } from './NoticeBox';
import { usePersistent } from './use-persistent';

/** What the user pressed on the prerendered landing page before this app was loaded (main.ts). */
export type AppIntent = 'start' | 'settings' | null;

export function App({ intent = null }: { intent?: AppIntent }) {
  const [connection] = useState(createBrowserConnection);
  const [settings, updateSettings] = usePersistent<Settings>(SETTINGS_KEY, sanitizeSettings);
  const lang = settings.uiLanguage ?? pickUiLanguage(navigator.languages ?? [navigator.language]);

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  return (
    <I18nProvider lang={lang}>
      <ConnectionProvider connection={connection}>
        <Serendip settings={settings} updateSettings={updateSettings} intent={intent} />
      </ConnectionProvider>
    </I18nProvider>
  );
}

/** The page frame every screen sits in (also around the prerendered landing page, app/prerender/). */
export function AppFrame({ lang, children }: { lang: string; children: ReactNode }) {
  return (
    <div lang={lang} className="min-h-dvh bg-zinc-950 text-zinc-100 antialiased">
      {children}
    </div>
  );
}

function Serendip({
  settings,
  updateSettings,
  intent,
}: {
  settings: Settings;
  updateSettings: (p: Partial<Settings>) => void;
  intent: AppIntent;
}) {
  const { t, lang } = useI18n();
  const browserLanguages = useMemo(() => navigator.languages ?? [navigator.language], []);
  const sanitize = useCallback((raw: unknown) => sanitizePreferences(raw, browserLanguages), [browserLanguages]);
  const [prefs, updatePrefs] = usePersistent<MatchPreferences>(PREFERENCES_KEY, sanitize);
  // A region hint for the server when the address tells none (only the area: "Europe").
  const timeZone = useMemo(browserTimeZoneArea, []);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [reportOpen, setReportOpen] = useState(false);
  const [reportFromShield, setReportFromShield] = useState(false);

  const call = useCall({
    preferences: () => ({
      languages: prefs.languages,
      ...(prefs.interests.length ? { interests: prefs.interests } : {}),
      ...(timeZone ? { timeZone } : {}),
    }),
    relayOnly: settings.relayOnly,
    cameraId: settings.cameraId,
    microphoneId: settings.microphoneId,
  });
  const { state } = call;
  const sessionId = state.status === 'connecting' || state.status === 'in-call' || state.status === 'ended' ? state.sessionId : null;
  const chat = useChat({ sessionKey: sessionId, send: call.sendToPeer, subscribe: call.onPeerMessage });
  const report = useReport();
  const { client } = useConnection();
  const video = state.status !== 'idle' && state.mode === 'video';
  const shield = useShield({
    enabled: settings.shield && video,
    stream: video ? call.remoteStream : null,
    sessionId: video ? sessionId : null,
    onFirstHide: useCallback((id: string) => void client.send({ type: 'shield_blur', sessionId: id }), [client]),
  });
  const openReport = (fromShield: boolean) => {
    setReportFromShield(fromShield);
    setReportOpen(true);
  };

  const onCallScreen = state.status !== 'idle';
  const captcha = state.status === 'searching' ? (state.captcha ?? null) : null;
  useShortcuts(onCallScreen && !settingsOpen && !reportOpen && !captcha, {
    next: call.next,
    toggleMic: state.status !== 'idle' && state.mode === 'video' ? call.toggleMic : undefined,
    toggleCamera: state.status !== 'idle' && state.mode === 'video' ? call.toggleCamera : undefined,
  });

  // Carry out what was pressed on the prerendered page, once (StrictMode runs effects twice in development).
  const intentDone = useRef(false);
  useEffect(() => {
    if (intentDone.current) return;
    intentDone.current = true;
    if (intent === 'start') call.start(prefs.mode);
    else if (intent === 'settings') setSettingsOpen(true);
  }, []);

  // A thank-you fades away by itself; failures stay until dismissed.
  useEffect(() => {
    if (report.status.state !== 'acked') return;
    const timer = setTimeout(report.dismiss, 6000);
    return () => clearTimeout(timer);
  }, [report.status, report.dismiss]);

  const header = (
    <Header
      onSettings={() => setSettingsOpen(true)}
      center={onCallScreen ? <StatusIndicator state={state} /> : null}
      right={onCallScreen ? <QualityBadge quality={call.quality} /> : null}
    />
  );

  const chatEnabled = call.channelOpen && (state.status === 'in-call' || state.status === 'connecting');

  return (
    <AppFrame lang={lang}>
      {onCallScreen ? (
        <CallScreen
          call={call}
          header={header}
          blurRemote={settings.blurRemote}
          shieldHidden={settings.shield && shield.hidden}
          shieldLayer={
            settings.shield && <ShieldOverlay state={shield.state} onNext={call.next} onReport={() => openReport(true)} onReveal={shield.reveal} />
          }
          speakerId={settings.speakerId}
          onReport={() => openReport(false)}
          chat={
            <ChatPanel
              lines={chat.lines}
              onSend={chat.sendText}
              enabled={chatEnabled}
              hint={state.mode === 'text' ? t.textModeHint : undefined}
              className="flex-1"
            />
          }
          reactionLayer={<ReactionLayer reactions={chat.reactions} />}
          reactionBar={<ReactionBar onReact={chat.sendReaction} enabled={chatEnabled} />}
        />
      ) : (
        <LandingPage
          preferences={prefs}
          onChange={updatePrefs}
          onStart={() => call.start(prefs.mode)}
          header={header}
          notice={
            state.notice && (
              <div className="space-y-3">
                <NoticeBox
                  notice={state.notice}
                  onTextOnly={() => {
                    updatePrefs({ mode: 'text' });
                    call.start('text');
                  }}
                  onRetry={() => call.start(prefs.mode)}
                />
                {state.notice.kind === 'banned' && state.notice.appealable && <AppealForm />}
              </div>
            )
          }
        />
      )}
      <SettingsDialog
        open={settingsOpen}
        onClose={() => setSettingsOpen(false)}
        settings={settings}
        onChange={updateSettings}
        uiLanguage={lang}
        callStream={call.localStream}
        relayAvailable={call.relayAvailable}
      />
      <ReportDialog
        open={reportOpen}
        initialReason={reportFromShield ? 'nudity' : ''}
        onClose={() => setReportOpen(false)}
        onSubmit={(reason, comment) => {
          setReportOpen(false);
          if (sessionId) report.submit(sessionId, reason, comment, shield.meta() ?? undefined);
          call.next();
        }}
      />
      <ReportNotice status={report.status} onDismiss={report.dismiss} />
      <CaptchaDialog
        open={captcha !== null}
        challenge={captcha?.challenge ?? null}
        serial={captcha?.serial ?? 0}
        sent={captcha?.sent ?? false}
        rejected={captcha?.rejected ?? null}
        onSolved={call.solveCaptcha}
        onStop={call.stop}
      />
    </AppFrame>
  );
}
