/**
 * The colours every picture shares, so a group is the same colour on its map, its SFH plot
 * and in the report. Groups use the Okabe-Ito palette (safe for the common colour-vision
 * deficiencies) without its black, which the SN marker and text use; more than seven groups
 * continue with the distinct colours of Paul Tol's "muted" scheme.
 */

/** Group colours, group 1 first. Group g uses `GROUP_COLOURS[(g - 1) % length]`. */
export const GROUP_COLOURS: readonly string[] = [
  '#E69F00', // orange
  '#56B4E9', // sky blue
  '#009E73', // bluish green
  '#F0E442', // yellow
  '#0072B2', // blue
  '#D55E00', // vermillion
  '#CC79A7', // reddish purple
  '#332288', // Tol indigo
  '#999933', // Tol olive
  '#882255', // Tol wine
  '#44AA99', // Tol teal
  '#DDCC77', // Tol sand
];

/** Ink for text, axes, the SN marker's outline. */
export const INK = '#1a1a1a';
/** Secondary text and grid lines. */
export const MUTED = '#6b6b6b';
/** Background of excluded ("no data") pixels, under a darker hatch. */
export const NO_DATA = '#f0f0f0';
/** The hatch lines drawn over excluded pixels. */
export const NO_DATA_HATCH = '#c4c4c4';
/** Flags and warnings (dark red: readable, and not one of the group colours). */
export const WARN = '#a3000b';
/** The objective's markers on the k-choice plot (Okabe-Ito blue). */
export const OBJECTIVE_COLOUR = '#0072B2';
/** The silhouette's markers on the k-choice plot (Okabe-Ito vermillion). */
export const SILHOUETTE_COLOUR = '#D55E00';

/** The colour of group `g` (1-based), as `#RRGGBB`. */
export function groupColour(g: number): string {
  const n = GROUP_COLOURS.length;
  return GROUP_COLOURS[(((Math.round(g) - 1) % n) + n) % n] as string;
}

/** `#RRGGBB` as [r, g, b] (0..255), for tests and pixel comparisons. */
export function rgbOf(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new RangeError(`not a #RRGGBB colour: ${hex}`);
  return [parseInt(m[1] as string, 16), parseInt(m[2] as string, 16), parseInt(m[3] as string, 16)];
}

/** True for colours too light to read as a thin line on white (yellow, sand): they get a dark edge. */
export function isLight(hex: string): boolean {
  const [r, g, b] = rgbOf(hex);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 170;
}
