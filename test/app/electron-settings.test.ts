import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../src-shared/ipc/content-security-policy';
import { appOrigin, isExternalLinkAllowed, isPermissionAllowed, isTrustedSender, mainWindowOptions, rendererWebPreferences } from '../../src-main/electron/window-options';

/** What the Electron build gives the renderer (docs/architecture.md): checked here because Electron cannot run on CI. */
describe('Electron window settings', () => {
  it('isolates and sandboxes the renderer, with no Node anywhere', () => {
    expect(rendererWebPreferences('/app/preload.cjs')).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(mainWindowOptions('/p.cjs', { width: 1366, height: 768 }).webPreferences?.preload).toBe('/p.cjs');
  });

  it('answers IPC only from the app’s own frames', () => {
    expect(isTrustedSender(`${appOrigin}/index.html`)).toBe(true);
    for (const foreign of [undefined, '', 'file:///etc/passwd', 'https://fieldline.example/', 'app://other/index.html', 'http://127.0.0.1:5173/', 'not a url']) {
      expect(isTrustedSender(foreign), String(foreign)).toBe(false);
    }
  });

  it('opens only web links outside, never file, javascript or credentials in URLs', () => {
    expect(isExternalLinkAllowed('https://example.com/manual.pdf')).toBe(true);
    for (const bad of ['file:///C:/Windows/System32/calc.exe', 'javascript:alert(1)', 'smb://server/share', 'https://user:pw@example.com/']) expect(isExternalLinkAllowed(bad), bad).toBe(false);
  });

  it('lets only our renderer use the camera, never the microphone or anything else', () => {
    expect(isPermissionAllowed('media', `${appOrigin}/index.html`, ['video'])).toBe(true);
    expect(isPermissionAllowed('media', `${appOrigin}/index.html`, ['video', 'audio'])).toBe(false);
    expect(isPermissionAllowed('media', `${appOrigin}/index.html`, [])).toBe(false);
    expect(isPermissionAllowed('media', 'https://evil.example/', ['video'])).toBe(false);
    for (const other of ['geolocation', 'notifications', 'usb', 'display-capture', 'clipboard-read']) expect(isPermissionAllowed(other, `${appOrigin}/`, ['video']), other).toBe(false);
  });

  it('has a CSP with no inline script, no eval and no remote origins', () => {
    const csp = contentSecurityPolicy(null);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(contentSecurityPolicy('http://127.0.0.1:4000')).toContain('connect-src \'self\' ws://127.0.0.1:4000');
  });
});
