/**
 * How the crate names things: files by their path relative to the crate's root as URI
 * references (RO-Crate 1.1, "Encoding file paths"), files that are not in the crate by a
 * local `#` identifier made of their path relative to the project folder, and times as
 * ISO 8601 with an explicit offset (the reference validator's Process Run Crate checks
 * want `+00:00`, not `Z`).
 */

/** Characters a path segment keeps as they are: RFC 3986 unreserved, sub-delims, `:` and `@`. Non-ASCII stays as UTF-8 (an IRI, as RO-Crate prefers). */
const KEEP = /[A-Za-z0-9\-._~!$&'()*+,;=:@]/;

function encodeSegment(segment: string, colon: boolean): string {
  let out = '';
  for (const ch of segment) {
    if ((KEEP.test(ch) && (colon || ch !== ':')) || (ch.codePointAt(0) ?? 0) > 0x7f) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * The `@id` of a file or folder in the crate: its `/`-separated path relative to the root,
 * percent-encoded where a URI reference needs it (`%`, space, `#`, `?`, ...). A `:` in the
 * first segment is encoded too: `CDP.2016-09-02T11:45:08.fits` would otherwise read as a
 * URI with the scheme `CDP.2016-09-02T11` (RFC 3986, 4.2). `dir` adds the trailing `/` a
 * Dataset's id has.
 */
export function pathId(rel: string, dir = false): string {
  const id = rel
    .split('/')
    .map((s, i) => encodeSegment(s, i > 0))
    .join('/');
  return dir && !id.endsWith('/') ? `${id}/` : id;
}

/**
 * The `@id` of a file that is not in the crate (an input referenced, not copied): `#` and
 * its path relative to the project folder, as the lock file has it. A local identifier is
 * not a data entity (RO-Crate 1.2, "Data Entities"; the reference validator does not look
 * for such files in the payload), so the crate says where the file was without claiming
 * to hold it.
 */
export function localId(lockPath: string, dir = false): string {
  return `#${lockPath.split('/').map((s) => encodeSegment(s, true)).join('/')}${dir && !lockPath.endsWith('/') ? '/' : ''}`;
}

/** A time as the crate writes it: `2026-12-07T03:57:15.585+00:00`. */
export function crateTime(time: string | number | Date): string {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a time: ${String(time)}`);
  return date.toISOString().replace(/Z$/, '+00:00');
}
