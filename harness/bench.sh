#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmark: one QEMU run (TCG) of a chain of kernels.  The first
# measures both trackers (kernel/kexec_handover_bench.c) and hands
# BENCH_GIB GiB of order-0 pages over; the second takes them over with
# KHO's range reservation and hands them over again; the third takes them
# with one memblock_reserve() per block.  Then each size of BENCH_FRAG
# (MiB, every other page preserved: one run per page) goes the same way,
# ranges then per block.  Prints a table and writes build/bench/
# bench.json.  Knobs: BENCH_GIB (default 4), BENCH_MEM (GiB, default
# BENCH_GIB + 16), BENCH_SMP (default 2), BENCH_FRAG (default 256,512),
# BENCH_VM (MiB of a VM's RAM that luo-vm keeps through a kexec in a
# second run, its blackout split; default 64, 0 for none; x86_64),
# BENCH_LU (GiB of memfds in each of luo_bench's two sets, order-0 pages
# and 2 MiB folios, kept through a kexec in a third run; default 1, 0
# for none).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BENCH_GIB=${BENCH_GIB:-4}
BENCH_SMP=${BENCH_SMP:-2}
BENCH_FRAG=${BENCH_FRAG-256,512}
# Whole GiB, with or without a G suffix, checked before anything runs.
BENCH_GIB=${BENCH_GIB%[Gg]}
check_uint BENCH_GIB "$BENCH_GIB" 1 1024
BENCH_MEM=${BENCH_MEM:-$((BENCH_GIB + 16))}
BENCH_MEM=${BENCH_MEM%[Gg]}
# The dense set, and 3 GiB for the kernels, scratch (CMA, which the
# benchmark's unmovable pages cannot use) and the tables: BENCH_GIB=1
# runs in a 4 GiB guest.
check_uint BENCH_MEM "$BENCH_MEM" $((BENCH_GIB + 3)) 4096
check_uint BENCH_SMP "$BENCH_SMP" 1 8
BENCH_VM=${BENCH_VM:-64}
BENCH_VM=${BENCH_VM%[Mm]}
check_uint BENCH_VM "$BENCH_VM" 0 4096
[ "$BENCH_VM" = 0 ] || [ "$(arch_kernel)" != arm64 ] ||
	usage_die BENCH_VM "$BENCH_VM" "0 on arm64: the VM is an x86 guest of QEMU for x86_64"
BENCH_LU=${BENCH_LU:-1}
BENCH_LU=${BENCH_LU%[Gg]}
check_uint BENCH_LU "$BENCH_LU" 0 64
IFS=, read -ra frag <<< "$BENCH_FRAG"
[ ${#frag[@]} -le 4 ] || usage_die BENCH_FRAG "$BENCH_FRAG" "up to 4 sizes in MiB, comma-separated"
# A fragmented set is allocated whole once the dense one is freed: it
# needs the guest's memory less 2 GiB for the kernel and scratch.
for f in ${frag[@]+"${frag[@]}"}; do
	check_uint BENCH_FRAG "$f" 4 $(((BENCH_MEM - 2) * 1024))
done

kernel=$(arch_kernel)
# The guest's user space first: a missing package fails before a build.
selftest_env "$kernel"
KERNEL=$kernel "$ROOT/harness/build.sh"
out=$BUILD/bench
rm -rf "$out"
mkdir -p "$out"
# Kernels 3, 5, 7... take their handover one block at a time, 4, 6...
# with ranges again.
hops=$((2 + 2 * ${#frag[@]}))
cmdline="kho_bench.gib=$BENCH_GIB kho_vmtest.extra3=kho_reserve:per-block"
[ ${#frag[@]} -gt 0 ] && cmdline+=" kho_bench.frag_mb=$BENCH_FRAG"
for ((k = 4; k <= hops + 1; k++)); do
	if [ $((k % 2)) = 0 ]; then
		cmdline+=" kho_vmtest.extra$k=kho_reserve:ranges"
	else
		cmdline+=" kho_vmtest.extra$k=kho_reserve:per-block"
	fi
done
log "benchmark: ${BENCH_GIB} GiB preserved, fragmented ${BENCH_FRAG:-none} MiB, ${BENCH_MEM} GiB guest, ${BENCH_SMP} vCPUs, $((hops + 1)) kernels"
# The host's load, beside the figures it can disturb.
load_before=$(cut -d' ' -f1 /proc/loadavg)

"$SRC/tools/testing/selftests/kho/vmtest.sh" -O "$(kernel_dir "$kernel")" -o "$out" -c \
	"hops=$hops smp=$BENCH_SMP mem=$BENCH_MEM preserve=0 expect=boot cmdline='$cmdline'" \
	> "$out/ktap.log" &
vm=$!
# Progress: what each kernel says, as it says it.
touch "$out/custom.log"
tail -n +1 -f "$out/custom.log" --pid=$vm |
	grep --line-buffered -E 'kho-vmtest: (kernel|kexec)|kho-bench: [a-z0-9.]*(cpus|generation|serialize|walk_ns|restore.ns|mb_per_s)' |
	sed -u -E 's/^\[ *[0-9.]+\] //; s/^/  /' || true
wait $vm || { cat "$out/ktap.log"; die "the benchmark run failed; see $out/custom.log"; }

# A VM kept through one kexec: its RAM, QEMU and the kernels' own.
vmlog=
if [ "$BENCH_VM" != 0 ]; then
	log "benchmark: a VM of ${BENCH_VM} MiB kept through a kexec by luo-vm"
	mkdir -p "$out/vm"
	"$SRC/tools/testing/selftests/kho/vmtest.sh" -O "$(kernel_dir "$kernel")" -o "$out/vm" -c \
		"hops=1 mem=$((2 + BENCH_VM / 512))G vm=live vm_mib=$BENCH_VM" \
		> "$out/vm/ktap.log" ||
		{ cat "$out/vm/ktap.log"; die "the VM run failed; see $out/vm/custom.log"; }
	vmlog=$out/vm/custom.log
fi

# Live update: luo_bench's two sets, 65537 empty memfds, one kexec.  The
# sets, the memfds' own memory (under 1 GiB) and 3 GiB for the kernels.
lulog=
if [ "$BENCH_LU" != 0 ]; then
	log "benchmark: live update of 2 x ${BENCH_LU} GiB of memfds through a kexec"
	mkdir -p "$out/lu"
	"$SRC/tools/testing/selftests/kho/vmtest.sh" -O "$(kernel_dir "$kernel")" -o "$out/lu" -c \
		"hops=1 smp=$BENCH_SMP mem=$((2 * BENCH_LU + 4))G preserve=0 lubench=$BENCH_LU expect=boot" \
		> "$out/lu/ktap.log" ||
		{ cat "$out/lu/ktap.log"; die "the live update run failed; see $out/lu/custom.log"; }
	lulog=$out/lu/custom.log
fi

python3 "$ROOT/harness/bench_report.py" "$out/custom.log" "$out/bench.json" \
	"make bench BENCH_GIB=$BENCH_GIB BENCH_MEM=$BENCH_MEM BENCH_SMP=$BENCH_SMP BENCH_FRAG=$BENCH_FRAG BENCH_VM=$BENCH_VM BENCH_LU=$BENCH_LU" \
	"$load_before $(cut -d' ' -f1 /proc/loadavg)" "$vmlog" "$lulog"
