import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

/** The custom scheme the packaged renderer loads from (never a dev server, never file://). */
export const appScheme = 'app';
export const appOrigin = `${appScheme}://fieldline`;

/**
 * docs/protocol.md, Authentication: the renderer gets no Node, runs sandboxed and isolated, and sees only what the
 * preload exposes. Kept in one place so a test can check exactly what the build uses.
 */
export function rendererWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    // A middle click must not open a link in a new window (Electronegativity AUXCLICK_JS_CHECK).
    disableBlinkFeatures: 'Auxclick',
  };
}

export function mainWindowOptions(preloadPath: string, bounds: { x?: number; y?: number; width: number; height: number }): BrowserWindowConstructorOptions {
  return {
    ...bounds,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: 'Fieldline',
    backgroundColor: '#ffffff',
    autoHideMenuBar: true,
    webPreferences: rendererWebPreferences(preloadPath),
  };
}

/** A URL of our renderer on the app scheme. (Node's URL gives custom schemes the origin "null", so compare parts.) */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${appScheme}:` && parsed.host === 'fieldline';
  } catch {
    return false;
  }
}

/** Only our own renderer, served from the app scheme, may call IPC. */
export function isTrustedSender(frameUrl: string | undefined): boolean {
  return frameUrl !== undefined && isAppUrl(frameUrl);
}

/** Links a person clicks open in the system browser, and only web links. */
export function isExternalLinkAllowed(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

/**
 * Device permissions: the camera only (to photograph the work), only for our own renderer, and
 * never the microphone. Everything else — location, notifications, USB, screen capture — is refused.
 */
export function isPermissionAllowed(permission: string, requestingUrl: string, mediaTypes: readonly string[] = []): boolean {
  if (!isAppUrl(requestingUrl)) return false;
  return permission === 'media' && mediaTypes.length > 0 && mediaTypes.every((type) => type === 'video');
}
