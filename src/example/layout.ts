/**
 * Where the example dataset puts its files: the original notebook's layout, so the
 * pipeline's defaults can point at it and the notebook itself would run on it.
 */

/** Paths inside an example (or a user's) data folder, relative to that folder. */
export const EXAMPLE_LAYOUT = {
  /** The catalog the notebook reads with `pd.read_csv(..., index_col=0)`. */
  catalog: 'FinalSelMuseMask3.csv',
  /** The 3x3-binned cubes, named after `ArcName` with ADP replaced by CDP. */
  cubeDir: 'MuseObject/MuseResample',
  /** pPXF outputs, `<id>_<SN Name>.fits`, for the SN Ia hosts only. */
  ppxfDir: 'MuseSFH/dataOut',
  /** Written last: its presence with the current version means the dataset is complete. */
  marker: '.sfh-example.json',
} as const;

/**
 * Version of the generated data. Bump it whenever the generator's output changes, so
 * existing example folders are regenerated instead of silently differing from the code.
 */
export const EXAMPLE_VERSION = 'sfh-example/1';

/** The binned cube's file name for an archive name, as the notebook builds it. */
export function cubeFileName(arcName: string): string {
  // Python's str.replace replaces every occurrence; so does replaceAll.
  return `${arcName.replaceAll('ADP', 'CDP')}.fits`;
}

/** The pPXF output's file name for a galaxy, as the notebook builds it. */
export function ppxfFileName(id: number | string, snName: string): string {
  return `${id}_${snName}.fits`;
}
