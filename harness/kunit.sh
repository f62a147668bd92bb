#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the KHO KUnit suite under QEMU (TCG) with tools/testing/kunit/kunit.py
# and record one result per test case.  Arguments are passed to kunit.py,
# so "harness/kunit.sh 'kho_tracker.kho_serialize_test'" runs one case.
# KERNEL=arm64 runs it on the arm64 kernel, its cases named kunit:arm64:.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

name=kunit
[ "$KERNEL" = test ] || name=kunit:$KERNEL
"$ROOT/harness/build.sh" || { result FAIL "$name-build"; exit 1; }

arch=$(kernel_arch "$KERNEL")
cross=${ARCH_CROSS[$arch]:-}
read -ra configs <<< "$(kernel_configs "$KERNEL")"
json=$BUILD/$name.json
json=${json/:/-}
raw=$(kernel_dir "$KERNEL")/test.log
rm -f "$json" "$raw"
kunit_py run --arch="$arch" ${cross:+--cross_compile="$cross"} \
	--build_dir="$(kernel_dir "$KERNEL")" "${configs[@]}" \
	--jobs="$JOBS" --make_options CC="ccache ${cross}gcc" \
	--qemu_args "-accel tcg -smp 2" --timeout=300 \
	--json="$json" "$@" 2>&1 | tee "${json%.json}.log"
rc=${PIPESTATUS[0]}

# A kernel message from an asynchronous probe (the PS/2 keyboard's, say)
# can land between the lines of a KTAP header, and kunit.py then reports
# a crash of a run that passed.  Parse the kernel's log again with only
# its KTAP lines kept: a real crash still leaves results missing.
if [ -s "$raw" ]; then
	ktap_only < "$raw" > "${json%.json}.ktap"
	rm -f "$json"
	echo "parsing the KTAP lines of $raw alone:"
	kunit_py parse --json="$json" "${json%.json}.ktap" 2>&1 |
		tee -a "${json%.json}.log" | grep "Testing complete"
	prc=${PIPESTATUS[0]}
	[ "$rc" = 0 ] || rc=$prc
fi

if [ ! -s "$json" ]; then
	result FAIL "$name"
	exit 1
fi

# One result per leaf case: a parameterized case counts each of its rows.
# The leaves, named by their path, as KTAP lines.
python3 - "$json" > "${json%.json}.results" <<'PY'
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
ktap_results "$name:" < "${json%.json}.results" > /dev/null

if [ ! -s "${json%.json}.results" ]; then
	result FAIL "$name"
	exit 1
fi
exit $rc
