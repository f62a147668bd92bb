#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kexec handover (KHO) end to end: boot a kernel with kho=on under QEMU,
# let lib/test_kho.c preserve folios, finalize and kexec into the same
# kernel with kexec-tools (kexec -s), and read the next kernel's KTAP
# results from the console.  Each scenario is one QEMU run.
#
# Needs a kernel built with the options in ./config, busybox (static) and
# kexec-tools on the host; the guest initramfs is built from those.

set -u

DIR="$(dirname "$(readlink -f "$0")")"
KTAP_HELPERS="$DIR/../kselftest/ktap_helpers.sh"
LU_DIR=$(readlink -f "$DIR/../liveupdate")
LUO_DIR=$(readlink -f "$DIR/../../../liveupdate")
if [ ! -e "$KTAP_HELPERS" ]; then
	echo "[SKIP] $KTAP_HELPERS not found"
	exit 4
fi
# shellcheck source=../kselftest/ktap_helpers.sh
. "$KTAP_HELPERS"

KERNEL_DIR=${KBUILD_OUTPUT:-${O:-$DIR/../../../..}}
QEMU_BINARY=${QEMU_BINARY:-qemu-system-x86_64}
PRESERVE_MB=${PRESERVE_MB:-64}
VMTEST_CMDLINE=${VMTEST_CMDLINE:-}
# bios (qboot where QEMU has it) or uefi (OVMF, Debian's ovmf package)
VMTEST_FIRMWARE=${VMTEST_FIRMWARE:-bios}
OVMF=${OVMF:-/usr/share/ovmf/OVMF.fd}
VM_TIMEOUT=${VM_TIMEOUT:-600}
OUT=${VMTEST_OUT:-/tmp/kho-vmtest}
VERBOSE=0

# name and settings: hops, smp, mem (GiB, or with a G or M suffix), numa
# nodes, nokaslr, kho=on, preserve (MiB), extra cmdline and qemu options,
# pstore=1 (ramoops and a trace instance on reserve_mem regions),
# firmware= (bios or uefi), fill=N (the first kernel preserves node N's
# free memory from its lowest address up, and the debug code has early
# boot take all of node N's memory), liveupdate=1 (the live update selftests of
# ../liveupdate: the device's cases in the first kernel, luo_kexec's two
# stages across the kexec; lubig=1 keeps 500 memfds of mixed sizes,
# about 1 GiB, instead; lumax=1 the most sessions and files a handover
# holds), luhold=1 (tools/liveupdate's luo-hold keeps two files across
# the kexec, luo-take writes them back), corrupt= (a kho/out/corrupt
# mode), finalize=1
# (finalize in debugfs before kexec -s -l, as damaging the finalized
# handover needs), expect (pass;
# rejected: the next kernel refuses the handover; refused: the first kernel
# refuses to kexec; noroom: kexec -s -l finds no room in scratch; shared:
# a client's sub-FDT is the KHO FDT; absent; boot: every kernel booted;
# lurefused: a live update file fails to freeze, the reboot fails, the
# sessions thaw; lurejected: the next kernel refuses a bad live update
# handover, its lost sessions answer EIO and the device still works)
# pstore's ramoops and a persistent trace instance on reserve_mem regions.
PSTORE_FTRACE="reserve_mem=1M:4096:oops ramoops.mem_name=oops"
PSTORE_FTRACE+=" ramoops.console_size=0x40000"
PSTORE_FTRACE+=" reserve_mem=2M:4096:trace trace_instance=kho@trace"
SCENARIOS=(
	"one_hop       hops=1 nokaslr=1 cmdline=test_kho.refuse=1"
	"three_hops    hops=3"
	"kaslr         hops=1"
	"smp2          hops=1 smp=2 cmdline=kho_scratch=8%"
	"numa2         hops=2 smp=2 mem=2 numa=2 cmdline=kho_scratch=16M,128M,0"
	"mem3g         hops=1 mem=3 cmdline=kho_scratch=24M,192M,16M"
	"fragmented    hops=1 mem=2 cmdline=test_kho.fragmented_mb=128"
	"deferred_fill hops=1 smp=2 mem=2 numa=2 fill=1"
	"big_block     hops=1 mem=8 cmdline='test_kho.big_block=1 movablecore=4G'"
	"pstore_one_hop hops=1 pstore=1"
	"pstore_ftrace hops=3 pstore=1"
	"corrupt_fdt   hops=1 finalize=1 corrupt=compatible expect=rejected"
	"corrupt_table hops=1 finalize=1 corrupt=table expect=rejected"
	"shared_fdt    hops=1 finalize=1 corrupt=shared expect=shared"
	"reserve_mem_fdt hops=1 finalize=1 corrupt=reserve_mem cmdline=reserve_mem=16K:4096:victim"
	"overlap       hops=1 corrupt=overlap expect=refused"
	"scratch_small hops=1 cmdline=kho_scratch=2M,2M,0 expect=noroom"
	"uefi_one_hop  hops=1 firmware=uefi"
	"uefi_three_hops hops=3 firmware=uefi"
	"la57_kaslr    hops=2 qemu='-cpu max' cmdline=kho_vmtest.la57=1"
	"absent        hops=1 kho=0 expect=absent"
	"liveupdate    hops=1 mem=2 liveupdate=1"
	"liveupdate_1g hops=1 mem=4 liveupdate=1 lubig=1"
	"liveupdate_max hops=1 mem=2 liveupdate=1 lumax=1"
	"liveupdate_freeze_fails liveupdate=1 cmdline=liveupdate_debug=freeze expect=lurefused"
	"liveupdate_corrupt hops=1 liveupdate=1 cmdline=liveupdate_debug=corrupt expect=lurejected"
	"liveupdate_bad_pos hops=1 liveupdate=1 cmdline=liveupdate_debug=pos"
	"luo_tool      hops=1 luhold=1"
)

usage() {
	cat <<USAGE
Usage: $0 [-b] [-k bzImage] [-O kernel build dir] [-o outdir] [-v] [-l] [-c settings] [scenario...]

  -b  build the kernel first: x86_64_defconfig plus ./config, in the build
      directory, from the tree this script is in
  -k  kernel image (default: <build dir>/arch/x86/boot/bzImage)
  -O  kernel build directory, also taken from KBUILD_OUTPUT or O
  -o  directory for the initramfs and console logs (default $OUT)
  -v  copy each console log to stdout
  -l  list the scenarios and exit
  -c  run one custom scenario: settings as in the list, e.g.
      "hops=3 smp=2 mem=4 numa=2 preserve=256 cmdline='...' qemu='...'"

Environment: QEMU_BINARY, PRESERVE_MB (default $PRESERVE_MB), VM_TIMEOUT,
VMTEST_CMDLINE (added to every kernel's command line), VMTEST_FIRMWARE
(bios or uefi: OVMF, from \$OVMF, default $OVMF).
USAGE
}

# Build the kernel in KERNEL_DIR with the options the test needs.
build_kernel() {
	local src=$DIR/../../../..

	mkdir -p "$KERNEL_DIR"
	make -s -C "$src" O="$KERNEL_DIR" ARCH=x86_64 x86_64_defconfig &&
	"$src/scripts/kconfig/merge_config.sh" -m -O "$KERNEL_DIR" \
		"$KERNEL_DIR/.config" "$DIR/config" > /dev/null &&
	make -s -C "$src" O="$KERNEL_DIR" ARCH=x86_64 olddefconfig || return 1
	if ! grep -q '^CONFIG_KEXEC_HANDOVER=y' "$KERNEL_DIR/.config"; then
		echo "# CONFIG_KEXEC_HANDOVER cannot be enabled in this tree"
		return 1
	fi
	make -s -C "$src" O="$KERNEL_DIR" ARCH=x86_64 -j"$(nproc)" bzImage
}

# Build the guest initramfs: busybox, kexec and its libraries, the kernel
# to kexec into, and init.sh as /init.
build_initramfs() {
	local kernel=$1 initramfs=$2 spec=$OUT/initramfs.list
	local busybox kexec lib gen dirs

	busybox=$(command -v busybox) || return 1
	kexec=$(command -v kexec) || return 1
	# The live update selftests, static.
	{ make -s -C "$LU_DIR" OUTPUT="$LU_DIR" && make -s -C "$LUO_DIR"; } \
		> "$OUT/liveupdate-build.log" 2>&1 || {
		cat "$OUT/liveupdate-build.log"
		return 1
	}
	gen=$KERNEL_DIR/usr/gen_init_cpio
	if [ ! -x "$gen" ]; then
		gen=$OUT/gen_init_cpio
		cc -O2 -o "$gen" "$DIR/../../../../usr/gen_init_cpio.c" || return 1
	fi

	{
		for d in /dev /bin /sbin /boot /proc /sys /tmp /root; do
			echo "dir $d 0755 0 0"
		done
		echo "nod /dev/console 0600 0 0 c 5 1"
		echo "file /bin/busybox $busybox 0755 0 0"
		echo "slink /bin/sh busybox 0777 0 0"
		echo "file /sbin/kexec $kexec 0755 0 0"
		echo "file /boot/bzImage $kernel 0644 0 0"
		echo "file /init $DIR/init.sh 0755 0 0"
		for lib in liveupdate_test luo_kexec; do
			echo "file /bin/$lib $LU_DIR/$lib 0755 0 0"
		done
		for lib in luo-hold luo-take; do
			echo "file /bin/$lib $LUO_DIR/$lib 0755 0 0"
		done
		for lib in $(ldd "$kexec" | grep -o '/[^ ]*'); do
			dirs=$(dirname "$lib")
			while [ "$dirs" != / ]; do
				echo "dir $dirs 0755 0 0"
				dirs=$(dirname "$dirs")
			done
			echo "file $lib $(readlink -f "$lib") 0755 0 0"
		done
	} | awk '!seen[$0]++' > "$spec"
	# Parent directories before what they hold.
	{ grep '^dir' "$spec" | sort -k2,2; grep -v '^dir' "$spec"; } > "$spec.sorted"
	"$gen" "$spec.sorted" | gzip -1 > "$initramfs"
}

# Guest RAM in MiB from N (GiB), NG or NM.
mem_mib() {
	case "$1" in
	*[Gg]) echo $((${1%?} * 1024)) ;;
	*[Mm]) echo "${1%?}" ;;
	*) echo $(($1 * 1024)) ;;
	esac
}

# Run one scenario: $1 name, $2 settings.  Leaves the log in $OUT/$1.log.
run_vm() {
	local name=$1 settings=$2 log=$OUT/$1.log
	local hops=1 smp=1 mem=1 numa=0 nokaslr=0 kho=1 corrupt= expect=pass
	local preserve=$PRESERVE_MB cmdline= qemu= finalize=0 pstore=0
	local firmware=$VMTEST_FIRMWARE liveupdate=0 lubig=0 lumax=0 luhold=0
	local fill=
	local args=() append i per_node

	eval "local $settings"
	append="console=ttyS0 panic=-1 oops=panic loglevel=7 kunit.enable=0"
	append+=" kho_vmtest.hop=0 kho_vmtest.hops=$hops"
	[ "$kho" = 1 ] && append+=" kho=on test_kho.preserve_mb=$preserve"
	[ "$nokaslr" = 1 ] && append+=" nokaslr"
	[ -n "$corrupt" ] && append+=" kho_vmtest.corrupt=$corrupt"
	[ "$finalize" = 1 ] && append+=" kho_vmtest.finalize=1"
	[ "$pstore" = 1 ] && append+=" $PSTORE_FTRACE"
	[ -n "$fill" ] &&
		append+=" test_kho.fill_leave_mb=4 test_kho.fill_nid=$fill kho_debug_grow=$fill"
	[ "$liveupdate" = 1 ] &&
		append+=" liveupdate=on kho_vmtest.liveupdate=1" &&
		append+=" kho_vmtest.lubig=$lubig kho_vmtest.lumax=$lumax"
	[ "$luhold" = 1 ] && append+=" liveupdate=on kho_vmtest.luhold=1"
	[ -n "$cmdline" ] && append+=" $cmdline"
	[ -n "$VMTEST_CMDLINE" ] && append+=" $VMTEST_CMDLINE"

	mem=$(mem_mib "$mem")
	args=(-accel tcg -nodefaults -nographic -no-reboot -serial stdio
	      -smp "$smp" -m "${mem}M")
	if [ "$firmware" = uefi ]; then
		args+=(-bios "$OVMF")
	elif [ -e /usr/share/qemu/qboot.rom ]; then
		args+=(-bios qboot.rom)
	fi
	# Guest RAM the guest never touches costs the host nothing.
	if [ "$numa" -gt 1 ]; then
		per_node=$((mem / numa))
		for ((i = 0; i < numa; i++)); do
			args+=(-object "memory-backend-ram,id=m$i,size=${per_node}M,reserve=off"
			       -numa "node,nodeid=$i,memdev=m$i")
		done
	else
		args+=(-object "memory-backend-ram,id=m0,size=${mem}M,reserve=off"
		       -machine memory-backend=m0)
	fi
	# shellcheck disable=SC2206
	[ -n "$qemu" ] && args+=($qemu)

	timeout "$VM_TIMEOUT" "$QEMU_BINARY" "${args[@]}" -kernel "$KERNEL" \
		-initrd "$INITRAMFS" -append "$append" > "$log" 2>&1 < /dev/null
	[ "$VERBOSE" = 1 ] && cat "$log"
	RUN_HOPS=$hops
	RUN_EXPECT=$expect
	RUN_FIRMWARE=$firmware
	RUN_NUMA=$numa
}

# Decide a scenario from its console log; print why it failed.
check_log() {
	local log=$1 hops=$2 expect=$3 firmware=$4 numa=$5 k

	# refuse PATTERN: fail, showing them, if lines match PATTERN
	refuse() {
		! grep -q "$1" "$log" || { grep -m3 "$1" "$log"; return 1; }
	}
	# expect_n PATTERN N WHAT: fail unless exactly N lines match
	expect_n() {
		local n

		n=$(grep -c "$1" "$log")
		[ "$n" -eq "$2" ] || { echo "# $3 in $n of $2 kernels"; return 1; }
	}

	refuse 'Kernel panic\|BUG:\|Oops\|WARNING: CPU\|general protection' ||
		return 1
	# What the debug kernel's checkers report, anywhere.
	refuse 'KASAN\|UBSAN\|KFENCE:\|kho-vmtest: kmemleak: unreferenced' ||
		return 1
	refuse 'possible circular locking\|possible recursive locking' ||
		return 1
	refuse 'inconsistent lock state\|suspicious RCU usage' || return 1
	refuse 'kho-vmtest: cma wrong' || return 1
	# Kernels that do not kexec on.
	case "$expect" in
	refused|noroom|lurefused) hops=0 ;;
	esac
	for ((k = 2; k <= hops + 1; k++)); do
		if ! grep -q "kho-vmtest: kernel $k booted" "$log"; then
			echo "# kernel $k did not reach init"
			return 1
		fi
	done
	if ! grep -q 'kho-vmtest: done' "$log"; then
		echo "# the last kernel did not finish"
		return 1
	fi

	case "$expect" in
	boot)
		;;
	pass)
		refuse 'debugfs .* missing' || return 1
		refuse 'outside scratch' || return 1
		refuse 'test_kho.*not ok\|^not ok\|] not ok' || return 1
		# Without debugfs only what the kernels print can be checked.
		if ! grep -q 'kho-vmtest: no debugfs' "$log"; then
			expect_n 'kho-vmtest: debugfs in ok' "$hops" \
				"kho/in checked" || return 1
			expect_n 'kho-vmtest: kernel code at .* inside scratch' \
				"$hops" "kernel placement checked" || return 1
		fi
		# pstore and ftrace found what the kernel before wrote.
		if grep -q 'ramoops\.mem_name=' "$log"; then
			expect_n 'kho-vmtest: pstore ok' "$hops" \
				"the previous console log in pstore" || return 1
		fi
		if grep -q 'trace_instance=' "$log"; then
			expect_n 'kho-vmtest: ftrace ok' "$hops" \
				"the previous kernel's trace events" || return 1
		fi
		# Two nodes and a kernel after the first: the range of
		# kho_preserve_pages() spans the node boundary.
		if [ "$numa" -gt 1 ] && [ "$hops" -gt 1 ]; then
			grep -q '] ok [0-9]* zone-range # .* across a node boundary' \
				"$log" || {
				echo "# no page range restored across a node boundary"
				return 1
			}
		fi
		if [ "$firmware" = uefi ]; then
			expect_n 'kho-vmtest: efi runtime ok' $((hops + 1)) \
				"EFI runtime services in every kernel" || return 1
		fi
		if grep -q 'kho_vmtest\.la57=1' "$log"; then
			expect_n 'kho-vmtest: 5-level paging' $((hops + 1)) \
				"5-level paging" || return 1
		fi
		# The live update selftests: the device's cases in the first
		# kernel, every two-stage case in the second.
		if grep -q 'kho_vmtest\.liveupdate=1' "$log"; then
			refuse 'kho-vmtest: lu: not ok' || return 1
			grep -q 'kho_vmtest\.lu\(big\|max\)=1\|liveupdate_debug=pos' "$log" ||
			grep -q 'kho-vmtest: lu: # Totals: pass:[1-9][0-9]* fail:0 ' "$log" || {
				echo "# the live update device's cases did not all pass"
				return 1
			}
			grep -q 'kho-vmtest: lu: luo_kexec: [1-9][0-9]* passed, 0 failed' \
				"$log" || {
				echo "# the live update selftests did not all pass"
				return 1
			}
		fi
		# luo-hold's files came back through luo-take.
		if grep -q 'kho_vmtest\.luhold=1' "$log"; then
			k=$(sed -n 's/.*kho-vmtest: luo: kernel 1 boot id \(.*\)/\1/p' "$log")
			[ -n "$k" ] &&
			grep -q "kho-vmtest: luo: took back: note from kernel 1, boot id $k" \
				"$log" &&
			grep -q 'kho-vmtest: luo: init matches' "$log" || {
				echo "# luo-take did not give back what luo-hold kept"
				return 1
			}
		fi
		# A region handed over at the KHO FDT is not taken.
		if grep -q 'kho_vmtest\.corrupt=reserve_mem' "$log"; then
			refuse 'reserve_mem: victim taken over' || return 1
			grep -q 'reserve_mem: victim was not preserved whole' \
				"$log" || {
				echo "# reserve_mem did not refuse the KHO FDT's block"
				return 1
			}
		fi
		if grep -q 'test_kho\.fill_leave_mb=[1-9]' "$log"; then
			grep -q '] ok [0-9]* fill ' "$log" || {
				echo "# the filled memory did not come back"
				return 1
			}
			# Where the debug code made early allocations take
			# all of a node's memory (kho_debug_grow=), deferred
			# init left nothing for the node's thread in any
			# kernel, and the preserved pages were still
			# initialized (test_kho's memmap case).
			k=$(sed -n 's/.*KHO: debug: grew node \([0-9]*\) early.*/\1/p' \
				"$log" | head -1)
			if [ -n "$k" ] &&
			   grep -q 'node 0 deferred pages initialised' "$log"; then
				expect_n "node $k deferred pages initialised" 0 \
					"the grown node's deferred init thread found work" ||
					return 1
			fi
		fi
		# Unrestored preserved pages in ZONE_MOVABLE are reserved.
		if grep -q ' movablecore=' "$log"; then
			grep -q 'test_kho: [1-9][0-9]* preserved pages checked in ZONE_MOVABLE' \
				"$log" || {
				echo "# no preserved page was checked in ZONE_MOVABLE"
				return 1
			}
		fi
		if grep -q 'test_kho\.big_block=1' "$log"; then
			grep -q '] ok [0-9]* big-block ' "$log" || {
				echo "# the block larger than a folio was not checked"
				return 1
			}
		fi
		if grep -q 'test_kho\.refuse=1' "$log"; then
			expect_n '] ok [0-9]* refuse-' 2 \
				"refusals checked in the first kernel" || return 1
		fi
		for ((k = 1; k <= hops; k++)); do
			if ! grep -q "test_kho: summary: generation $k, .*, pass" "$log"; then
				echo "# no passing test_kho summary for generation $k"
				return 1
			fi
		done
		;;
	rejected)
		grep -q 'KHO: handover rejected' "$log" || {
			echo "# the next kernel did not reject the handover"
			return 1
		}
		grep -q 'test_kho: no test data handed over' "$log" || {
			echo "# test_kho saw data from a rejected handover"
			return 1
		}
		;;
	absent)
		if grep -q 'KHO: found a handover' "$log"; then
			echo "# a handover was passed without kho=on"
			return 1
		fi
		;;
	refused)
		grep -q 'KHO: preserved blocks overlap' "$log" &&
		grep -q 'kho-vmtest: kexec -e failed' "$log" || {
			echo "# the first kernel did not refuse the kexec"
			return 1
		}
		refuse 'kho-vmtest: kernel 2 booted' || return 1
		;;
	noroom)
		grep -q 'KHO: no room in scratch for a kexec segment' "$log" &&
		grep -q 'kho_scratch=' "$log" || {
			echo "# no message naming the segment and kho_scratch="
			return 1
		}
		refuse 'kho-vmtest: kernel 2 booted' || return 1
		;;
	lurefused)
		grep -q 'liveupdate: cannot freeze the sessions' "$log" &&
		grep -q 'kho-vmtest: kexec -e failed' "$log" &&
		grep -q 'kho-vmtest: lu: luo_kexec: 2 passed, 0 failed' "$log" || {
			echo "# a failed freeze did not fail the reboot and thaw"
			return 1
		}
		refuse 'kho-vmtest: kernel 2 booted' || return 1
		;;
	lurejected)
		grep -q 'liveupdate: handover rejected: too many files' "$log" &&
		grep -q 'kho-vmtest: lu: luo_kexec: 3 passed, 0 failed' "$log" || {
			echo "# a bad handover was not refused, or the device failed"
			return 1
		}
		;;
	shared)
		grep -q 'KHO: handover accepted' "$log" &&
		grep -q 'not ok 1 retrieve # bad test_kho sub-FDT' "$log" || {
			echo "# the KHO FDT was handed to a client"
			return 1
		}
		;;
	esac
	return 0
}

main() {
	local opt kernel= custom= list=0 build=0 s name settings found
	local selected=()

	while getopts "bk:O:o:c:vlh" opt; do
		case $opt in
		b) build=1 ;;
		k) kernel=$OPTARG ;;
		O) KERNEL_DIR=$OPTARG ;;
		o) OUT=$OPTARG ;;
		c) custom=$OPTARG ;;
		v) VERBOSE=1 ;;
		l) list=1 ;;
		*) usage; exit 0 ;;
		esac
	done
	shift $((OPTIND - 1))

	if [ "$list" = 1 ]; then
		printf '%s\n' "${SCENARIOS[@]}"
		exit 0
	fi
	if [ -n "$custom" ]; then
		SCENARIOS=("custom $custom")
	elif [ $# -gt 0 ]; then
		for name in "$@"; do
			found=0
			for s in "${SCENARIOS[@]}"; do
				if [ "${s%% *}" = "$name" ]; then
					selected+=("$s")
					found=1
				fi
			done
			if [ "$found" = 0 ]; then
				echo "$0: unknown scenario '$name'; -l lists them" >&2
				exit 2
			fi
		done
		SCENARIOS=("${selected[@]}")
	fi

	ktap_print_header
	if [ "$build" = 1 ] && ! build_kernel; then
		ktap_exit_fail_msg "cannot build the kernel in $KERNEL_DIR"
	fi
	KERNEL=${kernel:-$KERNEL_DIR/arch/x86/boot/bzImage}
	for tool in "$QEMU_BINARY" busybox kexec timeout cpio gzip; do
		if ! command -v "$tool" > /dev/null; then
			ktap_skip_all "$tool not found"
			exit "$KSFT_SKIP"
		fi
	done
	if [ "$VMTEST_FIRMWARE" = uefi ] && [ ! -r "$OVMF" ]; then
		ktap_skip_all "no UEFI firmware at $OVMF"
		exit "$KSFT_SKIP"
	fi
	if [ ! -r "$KERNEL" ]; then
		ktap_skip_all "no kernel image at $KERNEL"
		exit "$KSFT_SKIP"
	fi

	mkdir -p "$OUT"
	INITRAMFS=$OUT/initramfs.cpio.gz
	if ! build_initramfs "$KERNEL" "$INITRAMFS"; then
		ktap_skip_all "cannot build the initramfs"
		exit "$KSFT_SKIP"
	fi

	ktap_set_plan "${#SCENARIOS[@]}"
	for s in "${SCENARIOS[@]}"; do
		name=${s%% *}
		settings=${s#"$name"}
		run_vm "$name" "$settings"
		if check_log "$OUT/$name.log" "$RUN_HOPS" "$RUN_EXPECT" \
				"$RUN_FIRMWARE" "$RUN_NUMA"; then
			ktap_test_pass "$name"
		else
			ktap_test_fail "$name"
		fi
	done
	ktap_finished
}

main "$@"
