// URLs as they may appear in status, Events and logs: no `user:password@`, no query values (they
// often carry tokens), no fragment.

/** `https://host/path?token=****`; unparsable input gives a placeholder, never the raw text. */
export function displayUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '<invalid url>';
  }
  const keys = [...url.searchParams.keys()];
  const query = keys.length === 0 ? '' : `?${keys.map((k) => `${k}=****`).join('&')}`;
  return `${url.protocol}//${url.host}${url.pathname}${query}`;
}

/** The URL without userinfo, and that userinfo as a Basic `Authorization` value. */
export function splitCredentials(raw: string): { url: string; authorization?: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { url: raw };
  }
  if (url.username === '' && url.password === '') return { url: raw };
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  const token = Buffer.from(`${user}:${password}`).toString('base64');
  return { url: url.toString(), authorization: `Basic ${token}` };
}
