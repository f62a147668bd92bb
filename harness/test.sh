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
export KHO_TEST_START=${KHO_TEST_START:-$(date +%s)}
: > "$RESULTS"

stage() {	# stage [KERNEL:]SCRIPT: run one stage; its results count
	local rc=0

	log "running ${1%.sh}"
	case "$1" in
	*:*) KERNEL=${1%%:*} "$ROOT/harness/${1#*:}" || rc=$? ;;
	*) "$ROOT/harness/$1" || rc=$? ;;
	esac
	# A stage records its own failures; one killed (by the OOM killer,
	# say) may have recorded nothing.
	[ "$rc" -lt 126 ] || result FAIL "${1%.sh}:exit-$rc"
}

# KUnit builds the test kernel; vmtest.sh builds the others one after
# another, each kernel's scenarios running beside the next build.  Once
# the last kernel is built nothing compiles in the tree but the static
# checks, which rebuild our objects with W=1 and sparse and for a moment
# put the base version of each patched file back: they, the host harness
# and the arm64 KUnit run then go beside the remaining scenarios, their
# output held until the scenarios are done.
stage kunit.sh
builds=$BUILD/vmtest-builds
rm -rf "$builds"
stage vmtest.sh &
vm=$!
trap 'kill "$vm" "${side:-}" 2>/dev/null' EXIT
while [ ! -e "$builds/done" ] && kill -0 "$vm" 2>/dev/null; do
	sleep 5
done
side_log=$BUILD/test-side.log
# Niced: the scenarios, which time out, come first.
(
	renice -n 5 "$BASHPID" > /dev/null
	for s in arm64:kunit.sh host.sh check.sh; do
		stage "$s"
	done
) > "$side_log" 2>&1 &
side=$!
wait "$vm"
wait "$side"
cat "$side_log"
trap - EXIT

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
log "done"
[ "$failed" -eq 0 ]
