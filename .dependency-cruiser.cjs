/**
 * The layers of DEVELOPERS.md as rules (`npm run lint` runs them): imports point down only, the
 * shared core runs anywhere, and each side of the wire stands on its own.
 *
 *   src-renderer ─┐        src-main/electron ─┐   src-main/shell ─┐
 *                 │                           └──── src-main/core ─┤     src-server ─┐
 *                 └──────────────────────────────────── src-shared ◄┘ ◄─────────────┘
 */
module.exports = {
  forbidden: [
    {
      name: 'shared-stands-alone',
      comment: 'src-shared is pure logic and schemas: it imports no other layer.',
      severity: 'error',
      from: { path: '^src-shared/' },
      to: { path: '^src-(main|server|renderer)/' },
    },
    {
      name: 'shared-runs-anywhere',
      comment: 'src-shared runs in Node, Electron and the browser: no Node built-in, by any name.',
      severity: 'error',
      from: { path: '^src-shared/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'renderer-runs-in-the-browser',
      comment: 'The renderer runs in the browser: no Node built-in.',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'renderer-no-main-process',
      comment: 'The renderer reaches the main process only over typed IPC (src-shared/ipc).',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { path: '^src-(main|server)/' },
    },
    {
      name: 'server-is-not-the-client',
      comment: 'The reference server knows the client only through the protocol in src-shared.',
      severity: 'error',
      from: { path: '^src-server/' },
      to: { path: '^src-(main|renderer)/' },
    },
    {
      name: 'client-is-not-the-server',
      comment: 'The client knows the server only through the protocol in src-shared.',
      severity: 'error',
      from: { path: '^src-main/' },
      to: { path: '^src-server/' },
    },
    {
      name: 'core-knows-no-shell',
      comment: 'The client core runs the same under Electron, the browser shell and the CLI: it imports none of them.',
      severity: 'error',
      from: { path: '^src-main/core/' },
      to: { path: '^src-main/(shell|electron)/' },
    },
    {
      name: 'shells-side-by-side',
      comment: 'The Electron shell and the Node shells each stand on the core alone.',
      severity: 'error',
      from: { path: '^src-main/(shell|electron)/' },
      to: { path: '^src-main/(shell|electron)/', pathNot: '^src-main/$1/' },
    },
    {
      name: 'core-store-at-the-bottom',
      comment: 'The encrypted store and the keychain hold no sync, outbox or feature logic: everything stands on them.',
      severity: 'error',
      from: { path: '^src-main/core/(store|secrets|settings)/' },
      to: { path: '^src-main/core/', pathNot: '^src-main/core/(store|secrets|settings)/' },
    },
    {
      name: 'core-composed-on-top',
      comment: 'session/ puts the client together, ipc/ and app/ serve it: the parts they compose do not reach up to them.',
      severity: 'error',
      from: { path: '^src-main/core/', pathNot: '^src-main/core/(session|ipc|app)/' },
      to: { path: '^src-main/core/(session|ipc|app)/' },
    },
    {
      name: 'server-db-and-http-at-the-bottom',
      comment: 'The server database and HTTP plumbing know nothing of sync, auth or features.',
      severity: 'error',
      from: { path: '^src-server/(db|http)/' },
      to: { path: '^src-server/', pathNot: '^src-server/(db|http)/' },
    },
    {
      name: 'server-composed-in-app',
      comment: 'app.ts puts the server together and main.ts starts it: no part of the server imports them.',
      severity: 'error',
      from: { path: '^src-server/', pathNot: '^src-server/main[.]ts$' },
      to: { path: '^src-server/(app|main)[.]ts$' },
    },
    {
      name: 'only-the-electron-shell-imports-electron',
      comment: 'Electron cannot run everywhere the core runs (CI, the browser shell, the CLI).',
      severity: 'error',
      from: { pathNot: '^src-main/electron/' },
      to: { path: '^node_modules/electron/' },
    },
    {
      name: 'product-code-imports-no-test',
      comment: 'Tests and the bench use the product, never the other way round.',
      severity: 'error',
      from: { path: '^src-' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle means two modules are one concept or one of them is in the wrong layer.',
      severity: 'error',
      from: { path: '^src-' },
      to: { circular: true },
    },
    {
      name: 'resolvable',
      comment: 'Every import resolves (a typo or a package missing from package.json).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json', '.d.ts'] },
    exclude: { path: '^(dist|out)/' },
  },
};
