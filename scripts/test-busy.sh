#!/usr/bin/env bash
# `npm test` with every core busy: one spinning process per core for the whole suite, as
# on a shared login node or a laptop compiling something else. A test that waits for a
# length of time instead of an event or a state fails here (issue 15). CI runs it once.
#   bash scripts/test-busy.sh [extra npm test args]
set -euo pipefail
cd "$(dirname "$0")/.."

cores=$(nproc)
spinners=()
stop() { for p in "${spinners[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap stop EXIT
for _ in $(seq "$cores"); do
  node -e 'for (;;) {}' &
  spinners+=($!)
done
echo "test-busy: $cores busy-loop processes running (pids ${spinners[*]}); npm test under them"
start=$(date +%s)
status=0
npm test "$@" || status=$?
echo "test-busy: npm test exited $status after $(( $(date +%s) - start )) s with $cores cores busy; load: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
