/**
 * Whether an Accept or Accept-Encoding header names `token` with a non-zero weight (RFC 9110
 * §12.4.2); parameters other than q (a media type's charset) are ignored.
 */
export function acceptsToken(header: string | undefined, token: string): boolean {
  return (header ?? '').split(',').some((part) => {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return name?.trim().toLowerCase() === token && (q === undefined || Number(q.slice(2)) > 0);
  });
}
