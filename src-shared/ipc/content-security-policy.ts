/**
 * The renderer's Content Security Policy, the same under Electron and in the browser shell: only
 * our own bundled scripts and styles, no eval, no inline script, no plugins, no framing, and IPC
 * only to the shell that served the page.
 */
export function contentSecurityPolicy(ipcOrigin: string | null): string {
  const ws = ipcOrigin ? ` ${ipcOrigin.replace(/^http/, 'ws')}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${ws}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
