#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The demonstration: boot the patched kernel under QEMU with kho=on, let
# test_kho preserve PRESERVE MiB of folios of every order, kexec into the
# same kernel with kexec-tools, HOPS times, and show what each next kernel
# got back.  Knobs: MEM SMP NUMA PRESERVE HOPS CMDLINE_EXTRA QEMU_EXTRA.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

MEM=${MEM:-2G}
SMP=${SMP:-1}
NUMA=${NUMA:-0}
PRESERVE=${PRESERVE:-256}
HOPS=${HOPS:-1}
CMDLINE_EXTRA=${CMDLINE_EXTRA:-}
QEMU_EXTRA=${QEMU_EXTRA:-}

"$ROOT/harness/build.sh"
out=$BUILD/demo
rm -rf "$out"
mkdir -p "$out"
log "booting a ${MEM} guest (${SMP} vCPUs, NUMA ${NUMA}), preserving ${PRESERVE} MiB, ${HOPS} kexec(s)"
set +e
"$SRC/tools/testing/selftests/kho/vmtest.sh" -O "$KOUT" -o "$out" -c \
	"hops=$HOPS smp=$SMP mem=$MEM numa=$NUMA preserve=$PRESERVE cmdline='$CMDLINE_EXTRA' qemu='$QEMU_EXTRA'" \
	> "$out/ktap.log"
rc=$?
set -e

# The story, from the guest's console.
grep -E 'kho-vmtest: (kernel|kexec|done)|KHO: |test_kho: |^\[ *[0-9.]+\] (not )?ok [0-9]' \
	"$out/custom.log" | sed -E 's/^\[ *[0-9.]+\] //' | grep -v 'stats:'

summary=$(grep 'test_kho: summary' "$out/custom.log" | tail -1 |
	  sed -E 's/.*summary: //')
accepted=$(grep 'KHO: handover accepted' "$out/custom.log" | tail -1 |
	   sed -E 's/.*accepted: //')
took=$(grep 'KHO: handover took' "$out/custom.log" | tail -1 |
       sed -E 's/.*took: //')
kernels=$(grep -c 'kho-vmtest: kernel [0-9]* booted' "$out/custom.log" || true)
echo
if [ "$rc" = 0 ]; then
	echo "demo: PASS: $kernels kernels, $HOPS kexec(s); last kernel: $summary; KHO: $accepted; $took"
else
	echo "demo: FAIL ($(grep -v '^ok\|^TAP\|^1\.\.' "$out/ktap.log" | tr '\n' ' '))"
	echo "full console log: $out/custom.log"
fi
exit "$rc"
