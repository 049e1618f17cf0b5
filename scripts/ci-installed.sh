#!/usr/bin/env bash
# CI: sfh-pipeline as installed from its tarball, locally and globally (the latter used by a
# normal user, created here, for whom the root-owned package folder is read-only). Expects
# dist/ built (npm ci). Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
npm pack --ignore-scripts --pack-destination "$work" >/dev/null
tarball=$(ls "$work"/sfh-pipeline-*.tgz)
echo "installed: $(tar -tzf "$tarball" | wc -l) files, $(du -k "$tarball" | cut -f1) kB packed"

# A local install into an empty project.
mkdir "$work/project"
(
  cd "$work/project"
  npm init -y >/dev/null
  npm install --no-audit --no-fund "$tarball" >/dev/null
  ./node_modules/.bin/sfh-pipeline example
  ./node_modules/.bin/sfh-pipeline run --galaxy 122 --k 2..4 --plain
  ./node_modules/.bin/sfh-pipeline verify
)

# A global install (root-owned), used by a normal user in a folder of theirs.
npm install -g --prefix "$work/global" --no-audit --no-fund "$tarball" >/dev/null
chmod -R a+rX "$work/global"
id sfh-ci >/dev/null 2>&1 || useradd --create-home --shell /bin/bash sfh-ci
home=$(getent passwd sfh-ci | cut -d: -f6)
runuser -u sfh-ci -- env -i HOME="$home" PATH="$work/global/bin:$(dirname "$(command -v node)"):/usr/bin:/bin" bash -euc '
  dir=$(mktemp -d)
  cd "$dir"
  sfh-pipeline example
  sfh-pipeline init
  sfh-pipeline run --galaxy 122 --k 4 --plain
  sfh-pipeline verify
  sfh-pipeline status
  rm -rf "$dir"
'
echo "installed: the local and the global (normal user) install ran the example and verify passed"
