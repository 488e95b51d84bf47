/** URLs in reports: the first one in a reference text, and URLs without query values for fingerprints (ZAP, GitLab). */

/** First http(s) URL in a text (ZAP and Dependency-Check reference lists are HTML or plain text). */
const URL_RE = /https?:\/\/[^\s<>"']+/i;
export function firstUrl(s: string | undefined): string | undefined {
  if (!s) return undefined;
  return URL_RE.exec(s)?.[0];
}

/**
 * A URL with the values of its query parameters removed (`/p?id=5&x=1` → `/p?id=&x=`) and without fragment, so
 * fingerprints of web findings do not change with ids in the URL.
 */
export function urlWithoutQueryValues(url: string): string {
  const hash = url.indexOf('#');
  const u = hash >= 0 ? url.slice(0, hash) : url;
  const q = u.indexOf('?');
  if (q < 0) return u;
  const names = u
    .slice(q + 1)
    .split('&')
    .filter((kv) => kv !== '')
    .map((kv) => {
      const eq = kv.indexOf('=');
      return `${eq >= 0 ? kv.slice(0, eq) : kv}=`;
    });
  return `${u.slice(0, q)}?${names.join('&')}`;
}
