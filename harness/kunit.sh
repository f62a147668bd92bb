#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the KHO KUnit suite under QEMU (TCG) with tools/testing/kunit/kunit.py
# and record one result per test case.  Arguments are passed to kunit.py,
# so "harness/kunit.sh 'kho_tracker.kho_serialize_test'" runs one case.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

"$ROOT/harness/build.sh" || { result FAIL kunit-build; exit 1; }

json=$BUILD/kunit.json
rm -f "$json"
kunit_py run --arch=x86_64 --build_dir="$KOUT" "${KUNITCONFIGS[@]}" \
	--jobs="$JOBS" --make_options CC="ccache gcc" \
	--qemu_args "-accel tcg -smp 2" --timeout=300 \
	--json="$json" "$@" 2>&1 | tee "$BUILD/kunit.log"
rc=${PIPESTATUS[0]}

if [ ! -s "$json" ]; then
	result FAIL kunit
	exit 1
fi

# One result per leaf case: a parameterized case counts each of its rows.
# The leaves, named by their path, as KTAP lines.
python3 - "$json" > "$BUILD/kunit.results" <<'PY'
import json, sys

def leaves(group, prefix):
    for sub in group.get("sub_groups", []):
        yield from leaves(sub, prefix + [sub["name"]])
    for case in group.get("test_cases", []):
        yield prefix + [case["name"]], case["status"]

with open(sys.argv[1]) as f:
    top = json.load(f)
for n, (path, status) in enumerate(leaves(top, []), 1):
    line = {"PASS": "ok", "SKIP": "ok"}.get(status, "not ok")
    line += " %d %s" % (n, ".".join(path))
    print(line + (" # SKIP" if status == "SKIP" else ""))
PY
ktap_results kunit: < "$BUILD/kunit.results" > /dev/null

if [ ! -s "$BUILD/kunit.results" ]; then
	result FAIL kunit
	exit 1
fi
exit $rc
