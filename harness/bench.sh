#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmark: one QEMU run (TCG) of three kernels.  The first measures
# both trackers (kernel/kexec_handover_bench.c) and hands BENCH_GIB GiB of
# order-0 pages over; the second takes them over with KHO's range
# reservation and hands them over again; the third takes them with one
# memblock_reserve() per block.  Prints a table and writes build/bench/
# bench.json.  Knobs: BENCH_GIB (default 4), BENCH_MEM (GiB, default
# BENCH_GIB + 16), BENCH_SMP (default 2).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BENCH_GIB=${BENCH_GIB:-4}
BENCH_SMP=${BENCH_SMP:-2}
# Whole GiB, with or without a G suffix, checked before anything runs.
BENCH_GIB=${BENCH_GIB%[Gg]}
check_uint BENCH_GIB "$BENCH_GIB" 1 1024
BENCH_MEM=${BENCH_MEM:-$((BENCH_GIB + 16))}
BENCH_MEM=${BENCH_MEM%[Gg]}
check_uint BENCH_MEM "$BENCH_MEM" $((BENCH_GIB + 4)) 4096
check_uint BENCH_SMP "$BENCH_SMP" 1 8

"$ROOT/harness/build.sh"
out=$BUILD/bench
rm -rf "$out"
mkdir -p "$out"
log "benchmark: ${BENCH_GIB} GiB preserved, ${BENCH_MEM} GiB guest, ${BENCH_SMP} vCPUs, 3 kernels"

cmdline="kho_bench.gib=$BENCH_GIB kho_vmtest.extra3=kho_reserve:per-block"
"$SRC/tools/testing/selftests/kho/vmtest.sh" -O "$KOUT" -o "$out" -c \
	"hops=2 smp=$BENCH_SMP mem=$BENCH_MEM preserve=0 expect=boot cmdline='$cmdline'" \
	> "$out/ktap.log" &
vm=$!
# Progress: what each kernel says, as it says it.
touch "$out/custom.log"
tail -n +1 -f "$out/custom.log" --pid=$vm |
	grep --line-buffered -E 'kho-vmtest: (kernel|kexec)|kho-bench: [a-z0-9.]*(cpus|generation|serialize|walk_ns|mb_per_s)' |
	sed -u -E 's/^\[ *[0-9.]+\] //; s/^/  /' || true
wait $vm || { cat "$out/ktap.log"; die "the benchmark run failed; see $out/custom.log"; }

python3 "$ROOT/harness/bench_report.py" "$out/custom.log" "$out/bench.json" \
	"make bench BENCH_GIB=$BENCH_GIB BENCH_MEM=$BENCH_MEM BENCH_SMP=$BENCH_SMP"
