/** The texts of `--help`, kept apart so the command code stays short. */
import path from 'node:path';
import { DOCS_DIR, PACKAGE_ROOT, VERSION } from '../package.ts';

/** Where the documentation is: the folder shipped with the package, wherever it is installed. */
const DOCS = `Docs: ${path.join(PACKAGE_ROOT, 'README.md')} and ${DOCS_DIR}${path.sep}
(a project of your own: ${path.join(DOCS_DIR, 'project.md')})`;

/** `sfh-pipeline --help`. */
export const HELP = `sfh-pipeline ${VERSION}: split a galaxy's star-formation-history map into groups with an
earth mover's distance k-means, as the notebook "SFH Group Separater" does, as a cached pipeline.

A project is a folder with a pipeline.yaml; commands find it as git does (the nearest folder
upward that has one) and keep its cache, lock file and results there. Outside any project the
bundled pipeline runs, with its cache and results in the current folder.

Usage:
  sfh-pipeline init                                     start a project here: a starter pipeline.yaml
  sfh-pipeline run --galaxy <ids> --k <ks> [options]   run the pipeline (-n: only say what would run)
  sfh-pipeline status                                   what is stale in this project
  sfh-pipeline explain --galaxy <ids> --k <ks> [...]    say what a run would re-run, and why
  sfh-pipeline dag --galaxy <ids> --k <ks> [--mermaid]  print the expanded DAG
  sfh-pipeline verify [--lock FILE]                     recompute every output of the lock file, compare
  sfh-pipeline report [--out DIR] [--file FILE]         one HTML page with every result's pictures
  sfh-pipeline crate --license ID [--with-outputs]      a Workflow Run RO-Crate of the last run (to deposit)
  sfh-pipeline clean [--force]                          remove this project's outputs and cache
  sfh-pipeline cache du|verify|gc [--keep N]            inspect, check and trim the cache
  sfh-pipeline example [--out DIR]                      write the bundled example dataset
  sfh-pipeline help <command>                           the options of a command (or: <command> --help)
  sfh-pipeline --version

Examples:
  sfh-pipeline example && sfh-pipeline run --galaxy 122 --k 2..8
  sfh-pipeline run --galaxy all --k 4 --catalog FinalSelMuseMask3.csv \\
      --cubes ../MuseObject/MuseResample --sfh ../MuseSFH/dataOut --out GroupMap

${DOCS}
`;

/** `sfh-pipeline init --help`. */
export const INIT_HELP = `Usage: sfh-pipeline init [--force]

Makes the current folder a project: writes a starter pipeline.yaml (the bundled pipeline, its
stages referring to sfh-pipeline's built-in ones by name, \`builtin: cluster\`, so it keeps
working across upgrades) and, when there is none, a .gitignore leaving out cache/, out/,
example/, a crate's zip and node_modules/. Then it says what to do next. Commit pipeline.yaml and, after a run,
sfh-pipeline.lock; add stages of your own as \`module: stages/my-stage.ts\` (or .mjs) or
\`run: <command>\`.

  --force   replace an existing pipeline.yaml (its edits are lost)

${DOCS}
`;

/** `sfh-pipeline status --help`. */
export const STATUS_HELP = `Usage: sfh-pipeline status [--pipeline FILE] [--cache DIR] [--lock FILE]

Says which project this is, what of the last run (its options from the run record under
cache/runs/) would run again now and why, stage by stage, and which outputs of the lock file
are missing or changed on disk. Runs nothing; exit 0.
`;

/** `sfh-pipeline clean --help`. */
export const CLEAN_HELP = `Usage: sfh-pipeline clean [--force] [--cache-only | --outputs-only] [--pipeline FILE] [--cache DIR] [--lock FILE]

Removes what runs made in this project: its cache folder and the outputs its lock file lists
that lie inside the project folder. Without --force it only lists them (a dry run). Outputs
outside the project folder, the lock file itself, pipeline.yaml and your data are never
removed; after a clean, \`sfh-pipeline run\` recomputes and \`sfh-pipeline verify\` still
checks the lock.

  -f, --force        remove them
      --cache-only   only the cache
      --outputs-only only the outputs
`;

/** `sfh-pipeline example --help`. */
export const EXAMPLE_HELP = `Usage: sfh-pipeline example [--out DIR]

Writes the bundled example dataset (a catalog of five galaxies, their binned cubes and pPXF
outputs, ~35 MB, generated deterministically in a few seconds) to DIR, by default example/ in
the project folder (the current folder outside a project), where the bundled pipeline's
defaults look for it. \`run\` writes it there by itself the first time it needs it.
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
      --pipeline FILE  the pipeline (default: the project's, the nearest pipeline.yaml from
                       here upward; else the bundled one, its state in the current folder)
Running
  -n, --dry-run        run nothing: say for every stage instance whether it is cached or would
                       run, and why (what \`explain\` answers)
      --force [STAGES] run these stages (comma-separated names) even when their results are
                       cached, or every stage when none is named; a dependent whose inputs come
                       out the same is still answered from the cache
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
is missing. It compares the key each instance would have with what the cache holds for
that stage and galaxy (the nearest cached key), so only what differs from a result the cache
could serve is named. Runs nothing (\`run -n\` answers the same).

By default, a summary per stage: how many instances are cached, skipped and would run, by
reason. --all, or a --galaxy selection of at most 10 galaxies, prints one line per instance.
--json prints every instance as a record.
`;

/** `sfh-pipeline crate --help`. */
export const CRATE_HELP = `Usage: sfh-pipeline crate --license ID [--with-outputs] [--with-inputs] [--zip FILE] [options]

Describes the project's last run as a Workflow Run RO-Crate (RO-Crate 1.1; Process Run
Crate, Workflow Run Crate 0.5; Workflow RO-Crate 1.0), for Zenodo or WorkflowHub: the
pipeline and its parameters, the values used, every input and result with its sha256 and
size, the run's times and each failed galaxy's error. Every result must still be the file
the run wrote (else it names what changed and writes nothing).

Without --zip or --with-*: writes ro-crate-metadata.json into the project folder (the
lock's), which is then the crate; inputs outside it are referenced, not copied.

  --license ID        the results' licence: an SPDX id (CC-BY-4.0, CC0-1.0) or its URL (required)
  --with-outputs      write a zip holding the outputs (default <project>/<project>.crate.zip)
  --with-inputs       hold the inputs too, at their place relative to the project folder
  --zip FILE          where to write the zip (without --with-*: the pipeline and lock only)
  --of run|lock       the last run (default), or everything the lock file records
  --name TEXT         the crate's title (default: what the run made)
  --description TEXT  its summary
  --author NAME[,ORCID]  an author (repeatable), e.g. --author 'Ada Lovelace,0000-0002-1825-0097'
  --lock FILE         the lock (default sfh-pipeline.lock next to pipeline.yaml)
  --cache DIR         the cache with the run records (default cache/ next to pipeline.yaml)

See docs/publishing.md.
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

The project's cache folder (cache/ next to pipeline.yaml, or --cache DIR). Deleting it is
always safe: the next run recomputes (\`sfh-pipeline clean --cache-only\` does it).

  du                      size of the cache's objects, records, run records and stat entries
  verify [--fix]          check every object against its hash and every record against its
                          objects; --fix removes what is broken (runs then recompute it)
  gc [--keep N] [--grace SECONDS]
                          remove what neither the last N runs (default 5) nor any
                          sfh-pipeline*.lock below the pipeline's folder needs; files younger
                          than --grace (default 600 s) are kept, so a running run loses nothing
`;
