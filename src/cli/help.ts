/** The texts of `--help`, kept apart so the command code stays short. */
import { VERSION } from '../package.ts';

/** `sfh-pipeline --help`. */
export const HELP = `sfh-pipeline ${VERSION}: split a galaxy's star-formation-history map into groups with an
earth mover's distance k-means, as the notebook "SFH Group Separater" does, as a cached pipeline.

Usage:
  sfh-pipeline run --galaxy <ids> --k <ks> [options]   run the pipeline (see run --help)
  sfh-pipeline report [--out DIR] [--file FILE]         one HTML page with every result's pictures
  sfh-pipeline explain --galaxy <ids> --k <ks> [...]    say what a run would re-run, and why
  sfh-pipeline dag --galaxy <ids> --k <ks> [--mermaid]  print the expanded DAG
  sfh-pipeline verify [--lock FILE]                     recompute every output of the lock file, compare
  sfh-pipeline crate --license ID [--with-outputs]      a Workflow Run RO-Crate of the last run (to deposit)
  sfh-pipeline cache du|verify|gc [--keep N]            inspect, check and trim the cache
  sfh-pipeline example [--out DIR]                      write the bundled example dataset
  sfh-pipeline --version

Examples:
  npx sfh-pipeline run --galaxy 122 --k 2..8
  npx sfh-pipeline run --galaxy all --k 4 --catalog FinalSelMuseMask3.csv \\
      --cubes ../MuseObject/MuseResample --sfh ../MuseSFH/dataOut --out GroupMap

Docs: README.md, docs/pipeline.md.
`;

/** `sfh-pipeline run --help`. */
export const RUN_HELP = `Usage: sfh-pipeline run --galaxy <ids> --k <ks> [options]

Selection
  -g, --galaxy IDS     catalog ids (the CSV's first column): 122 | 11,45 | 100..130 | all
      --where COL=VAL  keep rows whose column equals (or, with !=, differs from) VAL;
                       repeatable, e.g. --where 'SN Type=Ia'
Parameters (defaults in pipeline.yaml)
  -k, --k KS           groups: 4 | 2..8 | 2,4,6 (a list or range sweeps k)
      --seed N         seed of the initial labels (default 0, as np.random.seed(0)); a list sweeps
      --set NAME=VAL   any parameter of pipeline.yaml, e.g. --set maxIter=200, --set seed=0..4
Files (defaults: the bundled example data)
      --catalog FILE   the catalog CSV
      --cubes DIR      binned cubes, <ArcName with ADP replaced by CDP>.fits
      --sfh DIR        pPXF outputs, <id>_<SN Name>.fits
      --ngist DIR      an nGIST/GIST results folder instead of a catalog (docs/ngist.md)
      --out DIR        results, <id>_<SN Name>_<k>.fits
      --pipeline FILE  the pipeline (default ./pipeline.yaml, else the bundled one)
Running
  -j, --jobs N         stages running at once (default: number of cores)
      --fail-fast      stop at the first failure (default: record it and go on)
      --lock FILE      the lock file to update (default sfh-pipeline.lock next to pipeline.yaml)
      --resume         re-run only the tasks of the last run that failed or never finished;
                       alone it takes the last run's options from its record (<cache>/runs/),
                       or append it to the killed command: options that differ are named
      --executor NAME  local (default): run here; slurm: one sbatch job array, one element per
                       galaxy, settings under executor.slurm in pipeline.yaml; the cache must be
                       on a filesystem the nodes share (see docs/slurm.md). --resume keeps the
                       executor of the run it resumes
      --json           print a record of the run on stdout (one entry per galaxy and k, and
                       one per catalog-level stage under "catalog")
      --verbose        more detail in the log (stack traces of internal errors)
      --no-report      leave the report stage (report.html) out of the plan; summary.csv, the
                       summary table and the k-choice plots are still written
      --plain          the plain log even on a terminal (default there: a live view of the galaxies)

Exit status: 0 every task ok or skipped; 1 a task or a catalog-level stage failed; 2 a usage
or pipeline.yaml error.
`;

/** `sfh-pipeline report --help`. */
export const REPORT_HELP = `Usage: sfh-pipeline report [--out DIR] [--file FILE] [--set maxPsfSigma=N] [--set minGrouped=N]

Writes one self-contained HTML file (pictures inlined, no network, no JavaScript) from the
result FITS in the output folder (default: the pipeline's out, out/GroupMap): an index of the
galaxies with their SN group's mass fraction and mean age per k, then per galaxy its k-choice
plot beside the group map and mean-SFH plot of every k. Results from earlier runs count too.
\`run\` writes the same report at its end (unless --no-report).

  --out DIR          the folder of the result FITS
  --file FILE        where to write the report (default DIR/report.html)
  --catalog FILE     the catalog, for the SN types (default: the pipeline's)
  --set NAME=VALUE   the flag thresholds maxPsfSigma (default 4) and minGrouped (default 200)

See docs/report.md.
`;

/** `sfh-pipeline explain --help`. */
export const EXPLAIN_HELP = `Usage: sfh-pipeline explain --galaxy <ids> --k <ks> [run's selection, parameter and file options] [--all] [--json]

For every stage instance the same run would have, says whether it is cached, skipped (its
cached outcome is a skip, e.g. a host without a pPXF fit, or it comes after one) or would
run, and exactly why: a parameter that changed (cluster: param k 4 -> 5), an input file that
changed, a stage's code that changed, an upstream stage that would run, an output file that
is missing. Runs nothing.

By default, a summary per stage: how many instances are cached, skipped and would run, by
reason. --all, or a --galaxy selection of at most 10 galaxies, prints one line per instance.
--json prints every instance as a record.
`;

/** `sfh-pipeline dag --help`. */
export const DAG_HELP = `Usage: sfh-pipeline dag --galaxy <ids> --k <ks> [run's selection, parameter and file options] [--mermaid]

Prints the expanded DAG of the run these options describe: one line per stage instance with
the instances it needs, marked [cached] or [stale: why]. --mermaid prints a Mermaid flowchart.
`;

/** `sfh-pipeline verify --help`. */
export const VERIFY_HELP = `Usage: sfh-pipeline verify [--lock FILE] [--pipeline FILE] [--jobs N]

Recomputes every output listed in the lock file (default: sfh-pipeline.lock next to
pipeline.yaml) from its recorded parameters, without the cache, into a temporary folder,
and compares content hashes. Prints ok or DIFFERS per output; exit 0 when all match.
`;

/** `sfh-pipeline cache --help`. */
export const CACHE_HELP = `Usage: sfh-pipeline cache du|verify|gc [--cache DIR] [--pipeline FILE]

  du                      size of the cache's objects, records, run records and stat entries
  verify [--fix]          check every object against its hash and every record against its
                          objects; --fix removes what is broken (runs then recompute it)
  gc [--keep N] [--grace SECONDS]
                          remove what neither the last N runs (default 5) nor any
                          sfh-pipeline*.lock below the pipeline's folder needs; files younger
                          than --grace (default 600 s) are kept, so a running run loses nothing
`;
