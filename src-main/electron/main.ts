/**
 * The Electron main process: app lifecycle, the window, the app protocol, and the client core
 * behind the typed IPC. Everything below src-main/electron runs the same in the Node shells.
 */
import { app, BrowserWindow, net, powerMonitor, protocol, session, shell } from 'electron';
import ElectronStore from 'electron-store';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { contentSecurityPolicy } from '../../src-shared/ipc/content-security-policy';
import { startDesktopCore, type DesktopCore } from '../core/app/desktop-core';
import { KeytarSecretStore } from '../core/secrets/keytar-secret-store';
import { bindIpc } from './ipc-binding';
import { startUpdates } from './updates';
import { appOrigin, appScheme, isAppUrl, isExternalLinkAllowed, isPermissionAllowed, mainWindowOptions } from './window-options';
import { loadWindowState, saveWindowState } from './window-state';

const rendererDir = join(import.meta.dirname, '../renderer');
let mainWindow: BrowserWindow | null = null;
let desktop: DesktopCore | null = null;

protocol.registerSchemesAsPrivileged([{ scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

if (!app.requestSingleInstanceLock()) {
  // One instance per user: a second start focuses the running window instead of opening the store twice.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  app.whenReady().then(start, (error: unknown) => {
    console.error('fieldline: could not start', error);
    app.exit(1);
  });
}

/** Serves the built renderer on app://fieldline/, nothing outside its folder, with the CSP. */
function serveRenderer(): void {
  protocol.handle(appScheme, async (request) => {
    const url = new URL(request.url);
    const path = normalize(join(rendererDir, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)));
    if (!isAppUrl(request.url) || !path.startsWith(rendererDir + sep)) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(path).toString());
    const headers = new Headers(response.headers);
    headers.set('content-security-policy', contentSecurityPolicy(null));
    return new Response(response.body, { status: response.status, headers });
  });
}

function lockDownContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Only http(s) without credentials reaches the system browser (isExternalLinkAllowed, tested).
      if (isExternalLinkAllowed(url)) void shell.openExternal(url); /* eng-disable OPEN_EXTERNAL_JS_CHECK */
      return { action: 'deny' };
    });
  });
  // The camera for photos of the work, from our renderer only; nothing else (isPermissionAllowed, tested).
  session.defaultSession.setPermissionRequestHandler((contents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? (details.mediaTypes ?? []) : [];
    callback(isPermissionAllowed(permission, details.requestingUrl ?? contents.getURL(), mediaTypes));
  });
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    isPermissionAllowed(permission, requestingOrigin, details.mediaType === 'video' ? ['video'] : []),
  );
  // The same CSP on anything else the session loads, not only on the app protocol's answers.
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy(null)] } });
  });
}

async function start(): Promise<void> {
  serveRenderer();
  lockDownContents();
  const profileDir = app.getPath('userData');
  const settingsBackend = new ElectronStore<Record<string, unknown>>({ cwd: profileDir, name: 'settings' });
  desktop = await startDesktopCore({
    profileDir,
    secrets: new KeytarSecretStore('Fieldline'),
    versions: { fieldline: app.getVersion(), electron: process.versions.electron, chrome: process.versions.chrome, node: process.versions.node, shell: 'electron' },
    settingsBackend,
  });
  const presetServer = process.argv.find((a) => a.startsWith('--fieldline-server='))?.split('=')[1];
  if (presetServer && desktop.core.settings.get().serverUrl === null) desktop.core.settings.update({ serverUrl: presetServer });
  bindIpc(desktop.router, () => BrowserWindow.getAllWindows().map((w) => w.webContents));
  startUpdates(desktop.core.settings.policyView(), desktop.logger);

  const state = loadWindowState(profileDir);
  // contextIsolation, sandbox and disableBlinkFeatures: 'Auxclick' are set in window-options.ts (rendererWebPreferences), which
  // test/app/electron-settings.test.ts checks; Electronegativity cannot follow the function call.
  mainWindow = new BrowserWindow(mainWindowOptions(join(import.meta.dirname, 'preload.cjs'), state)); /* eng-disable CONTEXT_ISOLATION_JS_CHECK SANDBOX_JS_CHECK AUXCLICK_JS_CHECK */
  if (state.maximized) mainWindow.maximize();
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.on('close', () => {
    if (!mainWindow) return;
    saveWindowState(profileDir, { ...mainWindow.getNormalBounds(), maximized: mainWindow.isMaximized() });
  });
  // docs/keeping-work-safe.md: focus and resume are sync triggers.
  mainWindow.on('focus', () => {
    if (desktop?.core.signedIn) void desktop.core.session.engine.sync('focus');
  });
  powerMonitor.on('resume', () => {
    if (desktop?.core.signedIn) void desktop.core.session.engine.sync('connectivity');
  });
  await mainWindow.loadURL(`${appOrigin}/index.html`);
}

app.on('window-all-closed', () => {
  void (desktop?.router.close() ?? Promise.resolve()).finally(() => app.quit());
});
