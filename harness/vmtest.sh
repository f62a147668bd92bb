#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the KHO kexec selftest (tools/testing/selftests/kho/vmtest.sh) from
# the prepared tree against the harness's kernel, and record one result
# per scenario.  Arguments select scenarios (default: all).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

"$ROOT/harness/build.sh" || { result FAIL vmtest-build; exit 1; }

out=$BUILD/vmtest
rm -rf "$out"
mkdir -p "$out"
"$SRC/tools/testing/selftests/kho/vmtest.sh" -O "$KOUT" -o "$out" "$@" |
	tee "$out/ktap.log"
rc=${PIPESTATUS[0]}

n=0
while read -r line; do
	case "$line" in
	"ok "*"# SKIP"*) result SKIP "vmtest:$(echo "$line" | awk '{print $3}')" >/dev/null ;;
	"ok "*) result PASS "vmtest:$(echo "$line" | awk '{print $3}')" >/dev/null ;;
	"not ok "*) result FAIL "vmtest:$(echo "$line" | awk '{print $4}')" >/dev/null ;;
	*) continue ;;
	esac
	n=$((n + 1))
done < "$out/ktap.log"
if [ "$rc" = 4 ] && [ "$n" = 0 ]; then
	result SKIP vmtest >/dev/null
elif [ "$n" = 0 ]; then
	result FAIL vmtest >/dev/null
fi
[ "$rc" = 0 ] || [ "$rc" = 4 ]
