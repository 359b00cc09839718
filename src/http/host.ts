/**
 * The Host header check shared by every transport (`:authority` on HTTP/2 is checked the same
 * way): the shape RFC 9110 allows, narrowed to what the WHATWG URL parser accepts, so that
 * `r.url` can always be built from an accepted host.
 */

// Host = uri-host [ ":" port ] (RFC 9110 §7.2): an IP literal or a reg-name (unreserved and
// sub-delims), so no "/", space, "@", "?", "#" or "\" that could change where the request seems
// to go. Stricter than the RFC where the WHATWG URL parser (what `r.url` and every client
// library use) would refuse the host: no "%", no empty host, a port of at most 65535.
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=-]+)(?::([0-9]{0,5}))?$/;
// The everyday shape (letters, digits, dots and hyphens, a label that is not all digits last):
// no further check needed.
const PLAIN_HOST = /^(?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]*[A-Za-z-][A-Za-z0-9-]*(?::[0-9]{1,5})?$/;
// WHATWG's "ends in a number": a last label of digits, or 0x and hex digits.
const NUMERIC_LAST_LABEL = /(?:^|\.)(?:\d+|0x[0-9a-f]*)\.?(?::\d*)?$/i;
/** Hosts already checked with the URL parser (bounded: past the bound each is checked again). */
const checkedHosts = new Map<string, boolean>();
const MAX_CHECKED_HOSTS = 1024;
// The last host found valid: a client sends the same Host on every request of a connection.
let lastValid = '';

/**
 * True when a Host value is one the WHATWG URL parser accepts (so `r.url` can always be built
 * from it): the RFC shape, a port of at most 65535, and, for anything beyond a plain name, the
 * parser's own verdict (IPv4 forms, IDNA, IPv6 literals), cached per distinct host.
 * @example isValidHost('example.com:8080') // true; isValidHost('example.com:99999') // false
 */
export function isValidHost(host: string): boolean {
  if (host === lastValid && host !== '') return true;
  const ok = checkHost(host);
  if (ok) lastValid = host;
  return ok;
}

function checkHost(host: string): boolean {
  const m = HOST.exec(host);
  if (!m) return false;
  if (m[1] !== undefined && m[1] !== '' && Number(m[1]) > 65535) return false;
  // Punycode labels (`xn--`) and a last label the parser reads as a number (`0x1F`: IPv4) go
  // to the parser: it refuses the malformed ones.
  if (PLAIN_HOST.test(host) && !/xn--/i.test(host) && !NUMERIC_LAST_LABEL.test(host)) return true;
  const known = checkedHosts.get(host);
  if (known !== undefined) return known;
  let ok: boolean;
  try {
    ok = new URL(`http://${host}/`).host !== '';
  } catch {
    ok = false;
  }
  if (checkedHosts.size < MAX_CHECKED_HOSTS) checkedHosts.set(host, ok);
  return ok;
}
