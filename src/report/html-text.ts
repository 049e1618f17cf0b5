/**
 * Small text helpers of the HTML report: escaping, number formats and anchors, shared by
 * the page (./html.ts) and its index table (./html-index.ts).
 */

/** Escapes text for HTML content and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A fraction as a percentage (`31.2 %`), empty for none. */
export function pct(v: number | null): string {
  return v === null ? '' : `${(v * 100).toFixed(1)} %`;
}

/** An age in Gyr (`4.81 Gyr`), empty for none. */
export function gyr(v: number | null): string {
  return v === null ? '' : `${v.toFixed(2)} Gyr`;
}

/** The anchor of a galaxy's section: `g-<id>` with anything but letters, digits, _ and - replaced. */
export function anchor(id: string): string {
  return `g-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** The last component of a path (a folder's name, with or without a trailing slash). */
export function basename(file: string): string {
  const trimmed = file.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/**
 * A file next to the page as a relative URL: each path segment percent-encoded, so a name
 * with `#`, `?`, `%` or a space still links to its file when the folder is opened anywhere.
 */
export function href(relative: string): string {
  return relative.split('/').map(encodeURIComponent).join('/');
}

/** The flags as badges. */
export function flagBadges(flags: readonly string[]): string {
  return flags.map((f) => `<span class="flag">${esc(f)}</span>`).join('');
}

/** `1 galaxy`, `2 galaxies`. */
export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
