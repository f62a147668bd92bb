#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The demonstration: boot the patched kernel under QEMU with kho=on, let
# test_kho preserve PRESERVE MiB of folios of every order, kexec into the
# same kernel with kexec-tools, HOPS times, and show what each next kernel
# got back.  Knobs: MEM SMP NUMA PRESERVE HOPS PSTORE LIVEUPDATE
# CMDLINE_EXTRA QEMU_EXTRA VM.  LIVEUPDATE=1 also keeps two files across
# the kexec with tools/liveupdate's luo-hold and luo-take; VM=1 keeps a
# virtual machine running through it with luo-vm (x86_64).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

MEM=${MEM:-2G}
SMP=${SMP:-1}
NUMA=${NUMA:-0}
PRESERVE=${PRESERVE:-256}
HOPS=${HOPS:-1}
PSTORE=${PSTORE:-0}
LIVEUPDATE=${LIVEUPDATE:-0}
VM=${VM:-0}
CMDLINE_EXTRA=${CMDLINE_EXTRA:-}
QEMU_EXTRA=${QEMU_EXTRA:-}

# Every knob is checked before anything is built or booted.
mem_mib=$(to_mib MEM "$MEM" G) || exit 2
preserve_mib=$(to_mib PRESERVE "$PRESERVE" M) || exit 2
check_uint SMP "$SMP" 1 8
check_uint HOPS "$HOPS" 1 16
check_uint NUMA "$NUMA" 0 8
check_uint PSTORE "$PSTORE" 0 1
check_uint LIVEUPDATE "$LIVEUPDATE" 0 1
check_uint VM "$VM" 0 1
[ "$VM" = 0 ] || [ "$(arch_kernel)" != arm64 ] ||
	usage_die VM "$VM" "0 on arm64: the VM is an x86 guest of QEMU for x86_64"
vm=
[ "$VM" = 1 ] && vm=live
[ "$NUMA" != 1 ] || usage_die NUMA "$NUMA" "0 (no NUMA) or 2 to 8 nodes"
[ "$mem_mib" -ge 512 ] || usage_die MEM "$MEM" "at least 512M"
# test_kho needs room for its data, the scratch areas and a kernel.
[ "$preserve_mib" -le $((mem_mib / 2)) ] ||
	usage_die PRESERVE "$PRESERVE" "at most half of MEM ($((mem_mib / 2))M)"

kernel=$(arch_kernel)
# The guest's user space first: a missing package fails before a build.
selftest_env "$kernel"
KERNEL=$kernel "$ROOT/harness/build.sh"
out=$BUILD/demo
rm -rf "$out"
mkdir -p "$out"
log "booting a ${mem_mib} MiB guest (${SMP} vCPUs, NUMA ${NUMA}), preserving ${preserve_mib} MiB, ${HOPS} kexec(s)"
set +e
"$SRC/tools/testing/selftests/kho/vmtest.sh" -O "$(kernel_dir "$kernel")" -o "$out" -c \
	"hops=$HOPS smp=$SMP mem=${mem_mib}M numa=$NUMA preserve=$preserve_mib pstore=$PSTORE luhold=$LIVEUPDATE vm=$vm cmdline='$CMDLINE_EXTRA' qemu='$QEMU_EXTRA'" \
	> "$out/ktap.log"
rc=$?
set -e

# The story, from the guest's console.
grep -E 'kho-vmtest: (kernel|kexec|done|pstore|ftrace|luo|vm)|reserve_mem: |liveupdate: |KHO: |test_kho: |^\[ *[0-9.]+\] (not )?ok [0-9]' \
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
	if [ "$VM" = 1 ]; then
		# The counter before the last update and after the resume.
		read -r before after < <(awk '
			/kho-vmtest: vm: luo-vm: VM vm0 held/ { b = last; w = 1 }
			/kho-vmtest: vm: vmguest: .*counter [0-9]+/ {
				if (w) { a = $NF + 0; w = 0 }
				last = $NF + 0
			}
			END { print b + 0, a + 0 }' "$out/custom.log")
		blackout=$(grep 'luo-vm: VM vm0 running again' "$out/custom.log" |
			   tail -1 | sed -E 's/.*: (blackout [0-9]+ us): (.*); .*/\1 (\2)/')
		echo "demo: VM: counter $before before the kexec, $after after it; $blackout"
	fi
else
	echo "demo: FAIL ($(grep -v '^ok\|^TAP\|^1\.\.' "$out/ktap.log" | tr '\n' ' '))"
	echo "full console log: $out/custom.log"
fi
exit "$rc"
