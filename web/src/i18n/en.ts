// Every user-facing English string. Other languages implement the same shape
// (the type checker finds any missing string). Accessible names used by tests
// and assistive tech ("Start", "Next", "Mute microphone"...) live here too.

export const en = {
  appName: 'Serendip',
  tagline: 'Random 1:1 video chat',

  // landing
  heroTitle: 'Meet someone new.',
  heroText:
    'Serendip pairs you with a random stranger who speaks your language for a face-to-face chat. No sign-up, no names. Press Next whenever you like.',
  mode: 'Mode',
  modeVideo: 'Video',
  modeVideoHint: 'Camera and microphone',
  modeText: 'Text only',
  modeTextHint: 'No camera needed',
  languages: 'Languages I speak',
  addLanguage: 'Add language',
  addLanguagePlaceholder: 'Add a language…',
  removeLanguage: (name: string) => `Remove ${name}`,
  interests: 'Interests',
  interestsOptional: 'optional',
  interestsPlaceholder: 'music, chess, travel… then Enter',
  interestsHint: 'We try to pair you with someone who shares one.',
  removeInterest: (tag: string) => `Remove interest ${tag}`,
  adult: 'I am 18 or older',
  adultRequired: 'Please confirm that you are 18 or older.',
  languagesRequired: 'Pick at least one language.',
  rulesTitle: 'House rules',
  rules: [
    'Be kind. Strangers are people too.',
    'No nudity, sexual content, harassment, hate or spam.',
    'Never share personal details you would regret.',
    'Report anyone who breaks the rules: reports are reviewed and can lead to a ban.',
  ],
  agreeNote: 'By pressing Start you accept these rules.',
  start: 'Start',
  privacyNote: 'Video, audio and chat travel directly between the two browsers, not through our servers.',
  privacyPage: 'Privacy: what Serendip keeps, and for how long',
  install: 'Install app',

  // status
  statusIdle: 'Ready',
  statusAcquiring: 'Asking for your camera…',
  statusSearching: 'Searching for a stranger…',
  statusOffline: 'Reconnecting to the server…',
  statusConnecting: 'Connecting…',
  statusConnected: 'Connected',
  statusReconnecting: 'Reconnecting…',
  statusStrangerLeft: 'Stranger left',
  statusFailed: 'Connection failed',
  statusLost: 'Connection to the server lost',
  elapsed: (time: string) => `Waiting ${time}`,
  estimate: (time: string) => `usually about ${time}`,
  callTime: (time: string) => `In call ${time}`,

  // peer info
  strangerSpeaks: (langs: string) => `Speaks ${langs}`,
  commonInterests: (tags: string) => `You both like ${tags}`,
  fromRegion: (region: string) => `From ${region}`,

  // ended
  strangerLeftNext: 'The stranger moved on to someone else.',
  strangerLeftLeave: 'The stranger ended the chat.',
  strangerLeftDisconnect: 'The stranger lost their connection.',
  strangerLeftBlocked: 'The stranger was removed for breaking the rules.',
  lostText: 'Your connection to the server dropped. We reconnect automatically; press Next to keep going.',
  failedNoTurn:
    'The two browsers could not reach each other directly, and this server has no TURN relay configured to help. One of you is probably behind a strict firewall or NAT.',
  failedRelay:
    'You asked to hide your IP address, which needs a TURN relay, but this server has none configured. Turn off "Hide my IP address" in Settings to connect directly.',
  failedFirewall:
    'The connection could not be set up, even through the relay. A firewall may be blocking WebRTC (UDP and TLS on port 443).',
  findNext: 'Find someone new',

  // controls
  next: 'Next',
  stop: 'Stop',
  report: 'Report',
  muteMic: 'Mute microphone',
  unmuteMic: 'Unmute microphone',
  cameraOff: 'Turn camera off',
  cameraOn: 'Turn camera on',
  settings: 'Settings',
  shortcut: (key: string) => `Shortcut: ${key}`,
  controls: 'Call controls',
  reactions: 'Reactions',
  react: (name: string) => `React with ${name}`,
  reactionNames: ['thumbs up', 'laughter', 'heart', 'surprise', 'a wave', 'celebration'] as readonly string[],
  reactionFrom: (who: string, name: string) => `${who} reacted with ${name}`,

  // video
  strangerVideo: "Stranger's video",
  yourVideo: 'Your camera',
  revealVideo: 'Show video',
  revealHint: "The stranger's video is blurred until you click.",
  strangerMuted: 'Stranger is muted',
  strangerCameraOff: "Stranger's camera is off",
  youAreMuted: 'You are muted',
  cameraIsOff: 'Your camera is off',
  videoModeTitle: 'Video chat',
  textModeTitle: 'Text chat',
  textModeHint: 'Say hello! Messages go straight to the stranger, never through our servers.',

  // chat
  chat: 'Chat',
  message: 'Message',
  messagePlaceholder: 'Type a message…',
  send: 'Send',
  you: 'You',
  stranger: 'Stranger',
  chatEmpty: 'No messages yet.',
  chatNotReady: 'Chat opens once you are connected.',

  // quality
  quality: 'Connection quality',
  qualityGood: 'Good',
  qualityFair: 'Fair',
  qualityPoor: 'Poor',
  qualityUnknown: 'Measuring',
  routeDirect: 'Direct',
  routeRelay: 'Relayed',
  rtt: (ms: number) => `${ms} ms`,
  loss: (pct: number) => `${pct}% loss`,

  // report
  reportTitle: 'Report',
  reportText: 'Tell us what happened. The stranger will not know who reported them, and you will move on to someone new.',
  reason: 'Reason',
  reasons: {
    nudity: 'Nudity or sexual content',
    harassment: 'Harassment or hate',
    spam: 'Spam or advertising',
    underage: 'Looks under 18',
    violence: 'Violence or threats',
    other: 'Something else',
  },
  comment: 'Comment',
  commentOptional: 'optional',
  commentPlaceholder: 'What happened? (up to 500 characters)',
  sendReport: 'Send report',
  cancel: 'Cancel',
  close: 'Close',
  reportThanks: 'Thanks, your report was received.',
  reportFailed: (code: string) => `We could not file the report (${code}). Please try again later.`,
  reportSending: 'Sending report…',

  // settings
  settingsTitle: 'Settings',
  devices: 'Camera and microphone',
  camera: 'Camera',
  microphone: 'Microphone',
  speaker: 'Speaker',
  systemDefault: 'System default',
  devicePreview: 'Camera preview',
  micLevel: 'Microphone level',
  previewUnavailable: 'Preview unavailable: allow camera access to choose devices.',
  enablePreview: 'Preview camera',
  interfaceLanguage: 'Interface language',
  privacy: 'Privacy',
  hideIp: 'Hide my IP address (relay through the server)',
  hideIpHint: 'Slightly more delay; needs a TURN relay on the server.',
  hideIpNoTurn: 'This server has no TURN relay configured, so calls will not connect with this option.',
  blurVideo: "Blur the stranger's video until I click",
  blurVideoHint: 'Each new stranger starts blurred.',
  shield: 'Safety shield',
  shieldHint: "Blurs the stranger's video when it looks like nudity. It runs on this device: no picture leaves it.",
  shieldHiddenTitle: 'Hidden by your safety shield',
  shieldHiddenText: 'This video may show nudity, so your device blurred it. Nothing was sent anywhere.',
  shieldChecking: 'Your safety shield is checking the video…',
  shieldUnavailable: 'The safety shield could not start on this device, so the video stays blurred.',
  shieldReveal: 'Show anyway',
  shieldConfirmAdult: 'I am 18 or older, show the video',
  shieldPrivacyTitle: 'How the safety shield works',
  shieldPrivacyText:
    "About twice a second your browser looks at a small copy of the stranger's video with an image classifier that runs on this device (your own camera is never checked). Pictures never leave your device. When the shield blurs a stranger, the server is told only that it happened in that session; a report you send carries the shield's label and score, never an image.",
  done: 'Done',

  // errors and notices
  mediaDenied: 'Camera and microphone access was blocked. Allow it in your browser’s site settings (the icon left of the address), then press Start again, or switch to Text only.',
  mediaNotFound: 'No camera or microphone was found. Plug one in and press Start again, or switch to Text only.',
  mediaInUse: 'Your camera or microphone is being used by another app. Close it and press Start again, or switch to Text only.',
  mediaInsecure: 'Camera access needs a secure (https) connection.',
  mediaUnknown: 'We could not start your camera. Try again, or switch to Text only.',
  useTextOnly: 'Use text only',
  tryAgain: 'Try again',
  banned: (until: string | null) =>
    until ? `You are blocked from Serendip until ${until}.` : 'You are blocked from Serendip.',
  bannedAppeal: 'If you think this is a mistake, you can appeal.',
  serverError: (code: string) => `Something went wrong (${code}). Please try again.`,
  rateLimited: 'Too many attempts. Please wait a moment.',
  dismiss: 'Dismiss',

  // captcha
  captchaTitle: 'Quick check',
  captchaText:
    'You are moving on very fast. Show us you are a person and the search carries on. Your browser solves a small puzzle by itself; nothing about you is sent anywhere.',
  captchaLoading: 'Loading the check…',
  captchaLoadFailed: 'The check could not be loaded. Check your connection, then stop and start again.',
  captchaPrompt: 'Tick the box to carry on.',
  captchaWorking: 'Checking… this takes a moment.',
  captchaDone: 'Done. Carrying on with the search…',
  captchaExpired: 'The check timed out. Tick the box again.',
  captchaFailed: 'The check did not work in this browser. Tick the box to try again.',
  captchaRejected: (reason: string) => `The server did not accept the check (${reason}). Tick the box to try again.`,
  captchaStop: 'Stop searching',
} as const;

type Widen<T> = T extends string
  ? string
  : T extends readonly (infer U)[]
    ? readonly Widen<U>[]
    : T extends (...args: infer A) => string
      ? (...args: A) => string
      : { [K in keyof T]: Widen<T[K]> };

export type Messages = Widen<typeof en>;
