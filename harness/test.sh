#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Every test: the KUnit suite and the kexec scenarios under QEMU, then
# the static checks.  Each
# stage records one line per test case; the last line is the summary.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

mkdir -p "$BUILD"
export RESULTS=$BUILD/test.results
: > "$RESULTS"

# The arm64 KUnit run comes after vmtest.sh, which builds that kernel
# beside the x86 scenarios.
stages=(kunit.sh vmtest.sh arm64:kunit.sh host.sh check.sh)
for s in "${stages[@]}"; do
	log "running ${s%.sh}"
	case "$s" in
	*:*) KERNEL=${s%%:*} "$ROOT/harness/${s#*:}" || true ;;
	*) "$ROOT/harness/$s" || true ;;
	esac
done

passed=$(grep -c '^PASS ' "$RESULTS")
failed=$(grep -c '^FAIL ' "$RESULTS")
skipped=$(grep -c '^SKIP ' "$RESULTS")
if [ "$failed" -ne 0 ]; then
	echo "failed cases:"
	grep '^FAIL ' "$RESULTS" | sed 's/^FAIL /  /'
fi
if [ "$passed" -eq 0 ]; then
	echo "no test ran"
	failed=$((failed + 1))
fi
if [ "$skipped" -ne 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
