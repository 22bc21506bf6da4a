import { FieldlineError } from '../../src-shared/protocol/errors';

/** 256 bits: an HS256 key shorter than its hash is guessable offline from any token. */
const minimumSecretBytes = 32;
/** A long run of few characters ("aaaa…", "1234…") is not random, whatever its length. */
const minimumDistinctCharacters = 16;

const howToMakeOne = 'make one with `openssl rand -base64 48` (or `node -e "console.log(crypto.randomBytes(48).toString(\'base64\'))"`)';

/**
 * The access tokens' signing keys, from IT's environment: FIELDLINE_JWT_SECRET signs and verifies;
 * FIELDLINE_JWT_PREVIOUS_SECRET, while set, still verifies, so a key is rotated without signing
 * anyone out (set the new secret and the old one as previous; drop the previous one after 15
 * minutes, the tokens' lifetime). Without FIELDLINE_JWT_SECRET the server keeps a random key in its
 * database. A secret too weak to protect the tokens stops the server at start, saying why.
 */
export function jwtSecretsFrom(env: Readonly<Record<string, string | undefined>>): { signing: string; previous: string | null } | null {
  const signing = env.FIELDLINE_JWT_SECRET;
  const previous = env.FIELDLINE_JWT_PREVIOUS_SECRET;
  if (signing === undefined) {
    if (previous !== undefined) throw new FieldlineError('VALIDATION_ERROR', 'FIELDLINE_JWT_PREVIOUS_SECRET is set without FIELDLINE_JWT_SECRET: set the new secret too');
    return null;
  }
  requireStrong('FIELDLINE_JWT_SECRET', signing);
  if (previous !== undefined) requireStrong('FIELDLINE_JWT_PREVIOUS_SECRET', previous);
  return { signing, previous: previous ?? null };
}

function requireStrong(name: string, secret: string): void {
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < minimumSecretBytes || new Set(secret).size < minimumDistinctCharacters) {
    throw new FieldlineError(
      'VALIDATION_ERROR',
      `${name} is too weak to sign access tokens (${bytes} bytes; at least ${minimumSecretBytes} random bytes are needed): ${howToMakeOne}`,
    );
  }
}
