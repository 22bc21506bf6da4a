// better-sqlite3-multiple-ciphers ships index.d.ts, but its "exports" map hides it from TypeScript.
// Its API is better-sqlite3's (ciphers are chosen with PRAGMAs), so those types describe it.
declare module 'better-sqlite3-multiple-ciphers' {
  import BetterSqlite3 = require('better-sqlite3');
  export = BetterSqlite3;
}
