#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kexec handover (KHO) end to end: boot a kernel with kho=on under QEMU,
# let lib/test_kho.c preserve folios, finalize and kexec into the same
# kernel with kexec-tools (kexec -s), and read the next kernel's KTAP
# results from the console.  Each scenario is one QEMU run.
#
# Needs a kernel built with the options in ./config, busybox (static) and
# kexec-tools on the host; the guest initramfs is built from those.  For
# an arm64 guest (VMTEST_ARCH=arm64), they come from VMTEST_SYSROOT, a
# folder holding the arm64 binaries and their libraries, and the live
# update tools are built with CROSS_COMPILE.

set -u

DIR="$(dirname "$(readlink -f "$0")")"
KTAP_HELPERS="$DIR/../kselftest/ktap_helpers.sh"
LU_DIR=$(readlink -f "$DIR/../liveupdate")
LUO_DIR=$(readlink -f "$DIR/../../../liveupdate")

KERNEL_DIR=${KBUILD_OUTPUT:-${O:-$DIR/../../../..}}
# The architecture this script boots: x86_64 or arm64.  ./scenarios tags
# each scenario with those it runs on.
ARCH=${VMTEST_ARCH:-x86_64}
VMTEST_SYSROOT=${VMTEST_SYSROOT:-}
CROSS_COMPILE=${CROSS_COMPILE:-}
declare -A ARCH_QEMU=([x86_64]=qemu-system-x86_64 [arm64]=qemu-system-aarch64)
declare -A ARCH_IMAGE=([x86_64]=arch/x86/boot/bzImage [arm64]=arch/arm64/boot/Image)
declare -A ARCH_CONSOLE=([x86_64]=ttyS0 [arm64]=ttyAMA0)
declare -A ARCH_OVMF=([x86_64]=/usr/share/ovmf/OVMF.fd
		      [arm64]=/usr/share/qemu-efi-aarch64/QEMU_EFI.fd)
if [ -z "${ARCH_QEMU[$ARCH]+x}" ]; then
	echo "$0: VMTEST_ARCH=$ARCH: VMTEST_ARCH takes x86_64 or arm64" >&2
	exit 2
fi
QEMU_BINARY=${QEMU_BINARY:-${ARCH_QEMU[$ARCH]}}
PRESERVE_MB=${PRESERVE_MB:-64}
VMTEST_CMDLINE=${VMTEST_CMDLINE:-}
# debian=1 scenarios boot a Debian system under systemd: a program that,
# given OUT and an overlay folder, writes a raw ext4 image of Debian with
# systemd and kexec-tools plus the overlay to OUT (the kernel tree's
# harness has harness/debian-root.sh).  Unset: those scenarios skip.
VMTEST_DEBIAN_ROOT=${VMTEST_DEBIAN_ROOT:-}
# bios (qboot where QEMU has it) or uefi (OVMF, Debian's ovmf package)
VMTEST_FIRMWARE=${VMTEST_FIRMWARE:-bios}
OVMF=${OVMF:-${ARCH_OVMF[$ARCH]}}
VM_TIMEOUT=${VM_TIMEOUT:-600}
OUT=${VMTEST_OUT:-/tmp/kho-vmtest}
VERBOSE=0

# Every key of a scenario's settings, its default and the values it
# takes: uint (a whole number), nid (none, or a whole number), flag (0 or
# 1), size (GiB: N, NG or NM), any, expect (an expect_<outcome> below),
# or one of the words a|b|... (a leading | allows none).
declare -A DEFAULT=() VALUES=()
setting() { DEFAULT[$1]=$2; VALUES[$1]=$3; }
# Kexecs after the first kernel, vCPUs, guest RAM, NUMA nodes.
setting hops		1		uint
setting smp		1		uint
setting mem		1		size
setting numa		0		uint
# KASLR off, kho=on, and the MiB test_kho preserves.
setting nokaslr		0		flag
setting kho		1		flag
setting preserve	"$PRESERVE_MB"	uint
# Added to the kernel's command line and to QEMU's options.
setting cmdline		""		any
setting qemu		""		any
# bios, or uefi (OVMF).
setting firmware	"$VMTEST_FIRMWARE" "bios|uefi"
# Finalize in debugfs before kexec -s -l, as damaging the finalized
# handover needs; then damage it with a kho/out/corrupt mode (overlap:
# without finalizing).
setting finalize	0		flag
setting corrupt		""		"|compatible|table|shared|reserve_mem|overlap"
# pstore's ramoops and a trace instance on reserve_mem regions.
setting pstore		0		flag
# The first kernel preserves node N's free memory from its lowest address
# up, and the debug code has early boot take all of node N's memory.
setting fill		""		nid
# test_kho: the first kernel's refusals; a block larger than a folio.
setting refuse		0		flag
setting big_block	0		flag
# movablecore=: unrestored preserved pages in ZONE_MOVABLE are reserved.
setting movablecore	""		any
# Ask for 5-level paging (with -cpu max in qemu=).
setting la57		0		flag
# The live update selftests of ../liveupdate: the device's cases in the
# first kernel, luo_kexec's two stages across the kexec.  lubig: 500
# memfds of mixed sizes, about 1 GiB, instead; lumax: the most sessions
# and files a handover holds; ludebug: a liveupdate_debug= mode (freeze:
# a file fails to freeze; corrupt: a bad handover; pos: a memfd at a bad
# position).
setting liveupdate	0		flag
setting lubig		0		flag
setting lumax		0		flag
setting ludebug		""		"|freeze|corrupt|pos"
# The live update benchmark (../liveupdate/luo_bench): two sets of N GiB
# of memfds preserved, one of order-0 pages and one of 2 MiB folios, and
# the blackout of the kexec that keeps them, split (make bench BENCH_LU=N).
setting lubench		0		uint
# tools/liveupdate's luo-hold keeps two files across the kexec, luo-take
# writes them back.
setting luhold		0		flag
# Load the next kernel with kexec_load() first, which carries no
# handover: kexec -e must be refused; then kho/out/discard drops the
# handover and the kexec goes on (without debugfs: kexec -s instead).
setting plain		0		flag
# samples/kho's module keeps a message across every kexec.
setting sample		0		flag
# arm64: before its kexec, the first kernel loads its Image marked as one
# with 16K pages, which kexec_file must refuse while a handover is
# attached.
setting badimage	0		flag
# arm64: kexec each next kernel with kexec_load() and a device tree made
# on the host whose /chosen names a bad handover, one per kexec (see
# chosen_dtbs); the kernels must boot without it.
setting chosen		0		flag
# Boot a Debian system under systemd from a virtio disk instead of the
# initramfs; debian-test.sh updates it with systemctl kexec, hops times.
setting debian		0		flag
# A virtual machine kept running through each kexec by tools/liveupdate's
# luo-vm: QEMU (this host's, in the guest) runs vmguest/ on RAM in a
# memfd, paused and saved before each kexec, resumed after it.  live: so
# it goes; abort: so it goes, after a first update undone by luo-vm abort
# in the first kernel; taken: the session's name is taken, so the VM is
# not kept and runs on, and the next kernel finds no VM in the session to
# resume.
setting vm		""		"|live|abort|taken"
# MiB of the VM's RAM.
setting vm_mib		16		uint
# What the console log must show: expect_pass and the others below.
setting expect		pass		expect

# pstore's ramoops and a persistent trace instance on reserve_mem regions.
PSTORE_FTRACE="reserve_mem=1M:4096:oops ramoops.mem_name=oops"
PSTORE_FTRACE+=" ramoops.console_size=0x40000"
PSTORE_FTRACE+=" reserve_mem=2M:4096:trace trace_instance=kho@trace"

# The scenarios of ./scenarios, in order, and of -c: where each is
# defined, its architectures, kernels and settings (expect= first).
NAMES=()
declare -A WHERE=() ARCHS=() KERNELS=() SCENARIO=()
# The settings of the scenario being run, from parse_settings.
declare -A SET=()

settings_die() {	# settings_die WHERE MESSAGE
	echo "$0: $1: $2" >&2
	exit 2
}

# value_ok KEY VALUE: succeed if KEY takes VALUE.
value_ok() {
	local v=$2

	case "${VALUES[$1]}" in
	uint) [[ $v =~ ^[0-9]+$ ]] ;;
	nid) [[ $v =~ ^[0-9]*$ ]] ;;
	flag) [[ $v = [01] ]] ;;
	size) [[ $v =~ ^[0-9]+[GgMm]?$ ]] ;;
	any) true ;;
	expect) [[ $v =~ ^[a-z]+$ ]] && declare -F "expect_$v" > /dev/null ;;
	*) [[ "|${VALUES[$1]}|" == *"|$v|"* ]] ;;
	esac
}

# value_forms KEY: what KEY takes, in words.
value_forms() {
	local f

	case "${VALUES[$1]}" in
	uint) echo "a whole number" ;;
	nid) echo "nothing or a node number" ;;
	flag) echo "0 or 1" ;;
	size) echo "N (GiB), NG or NM" ;;
	expect)
		f=$(declare -F | sed -n 's/^declare -f expect_//p' | tr '\n' ' ')
		echo "one of: ${f% }"
		;;
	\|*) echo "nothing or one of: ${VALUES[$1]#|}" | tr '|' ' ' ;;
	*) echo "one of: ${VALUES[$1]}" | tr '|' ' ' ;;
	esac
}

# parse_settings WHERE SETTINGS: set SET to the defaults and the key=value
# words of SETTINGS, quoted as in the shell but never expanded; exit,
# naming WHERE, on an unknown key, a bad value or a key given twice.
parse_settings() {
	local where=$1 s=$2 word chunk key val
	local -A given=()

	SET=()
	for key in "${!DEFAULT[@]}"; do
		SET[$key]=${DEFAULT[$key]}
	done
	while :; do
		s=${s#"${s%%[![:space:]]*}"}
		[ -n "$s" ] || break
		word=
		while [ -n "$s" ]; do
			case "$s" in
			[[:space:]]*)
				break
				;;
			\'*|\"*)
				chunk=${s:0:1}
				s=${s:1}
				[[ $s == *"$chunk"* ]] ||
					settings_die "$where" "unmatched $chunk"
				word+=${s%%"$chunk"*}
				s=${s#*"$chunk"}
				;;
			\\?*)
				word+=${s:1:1}
				s=${s:2}
				;;
			*)
				chunk=${s%%[[:space:]\'\"\\]*}
				[ -n "$chunk" ] || chunk=${s:0:1}
				word+=$chunk
				s=${s#"$chunk"}
				;;
			esac
		done
		[[ $word == *=* ]] ||
			settings_die "$where" "'$word' is not key=value"
		key=${word%%=*}
		val=${word#*=}
		[ -n "${VALUES[$key]+x}" ] ||
			settings_die "$where" "unknown key '$key'"
		[ -z "${given[$key]+x}" ] ||
			settings_die "$where" "$key given twice"
		value_ok "$key" "$val" ||
			settings_die "$where" "$key=$val: $key takes $(value_forms "$key")"
		given[$key]=1
		SET[$key]=$val
	done
}

# load_scenarios: read ./scenarios, and check every scenario's settings.
load_scenarios() {
	local file=$DIR/scenarios line n=0 name='' arch kernels expect rest

	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		case "$line" in
		''|'#'*)
			continue
			;;
		[[:space:]]*)
			[ -n "$name" ] ||
				settings_die "scenarios:$n" "settings before a scenario"
			SCENARIO[$name]+=" ${line#"${line%%[![:space:]]*}"}"
			continue
			;;
		esac
		read -r name arch kernels expect rest <<< "$line"
		[[ $name =~ ^[a-z0-9_]+$ ]] ||
			settings_die "scenarios:$n" "'$name' is not a scenario name"
		[ -z "${SCENARIO[$name]+x}" ] ||
			settings_die "scenarios:$n: $name" "listed twice"
		if ! [[ $arch =~ ^[a-z0-9_]+(,[a-z0-9_]+)*$ &&
			$kernels =~ ^[a-z0-9_]+(,[a-z0-9_]+)*$ && -n $expect ]]; then
			settings_die "scenarios:$n: $name" \
				"want: name arch,... kernel,... expect key=value..."
		fi
		NAMES+=("$name")
		WHERE[$name]="scenarios:$n: $name"
		ARCHS[$name]=$arch
		KERNELS[$name]=$kernels
		SCENARIO[$name]="expect=$expect${rest:+ $rest}"
	done < "$file"
	for name in "${NAMES[@]}"; do
		parse_settings "${WHERE[$name]}" "${SCENARIO[$name]}"
	done
}

usage() {
	cat <<USAGE
Usage: $0 [-b] [-k bzImage] [-O kernel build dir] [-o outdir] [-v] [-l] [-c settings] [scenario...]

  -b  build the kernel first: x86_64_defconfig plus ./config, in the build
      directory, from the tree this script is in
  -k  kernel image (default: <build dir>/${ARCH_IMAGE[$ARCH]})
  -O  kernel build directory, also taken from KBUILD_OUTPUT or O
  -o  directory for the initramfs and console logs (default $OUT)
  -v  copy each console log to stdout
  -l  list the scenarios (name, arch, kernels, expect, settings) and exit
  -c  run one custom scenario: settings as in ./scenarios, expect= among
      them, e.g. "hops=3 smp=2 mem=4 numa=2 preserve=256 cmdline='...'"

Environment: VMTEST_ARCH (x86_64 or arm64; arm64 also VMTEST_SYSROOT and
CROSS_COMPILE), QEMU_BINARY, PRESERVE_MB (default $PRESERVE_MB), VM_TIMEOUT,
VMTEST_CMDLINE (added to every kernel's command line), VMTEST_FIRMWARE
(bios or uefi: OVMF, from \$OVMF, default $OVMF).
USAGE
}

# Build the kernel in KERNEL_DIR with the options the test needs.
build_kernel() {
	local src=$DIR/../../../..

	if [ "$ARCH" != x86_64 ]; then
		echo "# -b builds for x86_64 only"
		return 1
	fi

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

# sysroot_file PATH: PATH inside VMTEST_SYSROOT, its symbolic links
# followed there.
sysroot_file() {
	local f=$VMTEST_SYSROOT$1 t n=0

	while [ -L "$f" ] && [ $n -lt 16 ]; do
		t=$(readlink "$f")
		case "$t" in
		/*) f=$VMTEST_SYSROOT$t ;;
		*) f=$(dirname "$f")/$t ;;
		esac
		n=$((n + 1))
	done
	echo "$f"
}

# guest_libs BINARY: "path-in-guest path-on-host" for each library BINARY
# needs, its loader included.
guest_libs() {
	local todo=() seen=' ' f so d p

	if [ "$ARCH" = x86_64 ]; then
		for f in $(ldd "$1" | grep -o '/[^ ]*'); do
			echo "$f $(readlink -f "$f")"
		done
		return
	fi
	f=$("${CROSS_COMPILE}readelf" -l "$1" |
	    sed -n 's/.*program interpreter: \(.*\)]/\1/p')
	[ -n "$f" ] && echo "$f $(sysroot_file "$f")"
	todo=("$1")
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for so in $("${CROSS_COMPILE}readelf" -d "$f" |
			    sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[[ $seen == *" $so "* ]] && continue
			seen+="$so "
			p=
			for d in /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu; do
				if [ -e "$VMTEST_SYSROOT$d/$so" ]; then
					p=$d/$so
					break
				fi
			done
			if [ -z "$p" ]; then
				echo "# $so, which $(basename "$f") needs," \
				     "is not in $VMTEST_SYSROOT" >&2
				return 1
			fi
			echo "$p $(sysroot_file "$p")"
			todo+=("$(sysroot_file "$p")")
		done
	done
}

# Build the guest initramfs: busybox, kexec and its libraries, the kernel
# to kexec into, and init.sh as /init.
build_initramfs() {
	local kernel=$1 initramfs=$2 spec=$OUT/initramfs.list
	local busybox kexec lib gen dirs host libs lu=$LU_DIR luo=$LUO_DIR sample

	if [ "$ARCH" = x86_64 ]; then
		busybox=$(command -v busybox) || return 1
		kexec=$(command -v kexec) || return 1
	else
		busybox=$VMTEST_SYSROOT/bin/busybox
		kexec=$VMTEST_SYSROOT/sbin/kexec
		lu=$OUT/bin
		luo=$OUT/bin
	fi
	libs=$(guest_libs "$kexec") || return 1
	# The live update selftests and tools, static.
	mkdir -p "$lu"
	{ make -s -C "$LU_DIR" OUTPUT="$lu" ${CROSS_COMPILE:+CROSS_COMPILE=$CROSS_COMPILE} &&
	  make -s -C "$LUO_DIR" OUTPUT="$luo" ${CROSS_COMPILE:+CROSS_COMPILE=$CROSS_COMPILE}; } \
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
		echo "file /boot/kernel $kernel 0644 0 0"
		echo "file /init $DIR/init.sh 0755 0 0"
		for lib in liveupdate_test luo_kexec luo_bench; do
			echo "file /bin/$lib $lu/$lib 0755 0 0"
		done
		for lib in luo-hold luo-take; do
			echo "file /bin/$lib $luo/$lib 0755 0 0"
		done
		sample=$KERNEL_DIR/samples/kho/kho_sample.ko
		if [ -e "$sample" ]; then
			echo "dir /lib 0755 0 0"
			echo "file /lib/kho_sample.ko $sample 0644 0 0"
		fi
		while read -r lib host; do
			dirs=$(dirname "$lib")
			while [ "$dirs" != / ]; do
				echo "dir $dirs 0755 0 0"
				dirs=$(dirname "$dirs")
			done
			echo "file $lib $host 0755 0 0"
		done <<< "$libs"
	} | awk '!seen[$0]++' > "$spec"
	# Parent directories before what they hold.
	{ grep '^dir' "$spec" | sort -k2,2; grep -v '^dir' "$spec"; } > "$spec.sorted"
	"$gen" "$spec.sorted" | gzip -1 > "$initramfs"
}

# vm_initrd NAME: the scenario's initramfs with QEMU, the firmware and
# libraries it loads, luo-vm and vmguest added, as $OUT/NAME.initrd.
# Says why on failure.
vm_initrd() {
	local qemu=qemu-system-x86_64 spec=$OUT/vm.list dirs lib host f gen fw=()
	local tcg=/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so

	if [ "$ARCH" != x86_64 ] || ! command -v "$qemu" > /dev/null ||
	   [ ! -e "$tcg" ]; then
		echo "# vm= needs $qemu and its TCG module on an x86_64 host"
		return 1
	fi
	if [ ! -e "$OUT/vm.cpio.gz" ]; then
		# What QEMU loads for vmguest: SeaBIOS (Debian's seabios
		# package), the multiboot loader, the TPR ROM.
		for f in bios-256k.bin multiboot_dma.bin kvmvapic.bin; do
			host=$(readlink -e "/usr/share/qemu/$f" ||
			       readlink -e "/usr/share/seabios/$f") || {
				echo "# QEMU's $f not found"
				return 1
			}
			fw+=("$f $host")
		done
		make -s -C "$DIR/vmguest" OUTPUT="$OUT" > "$OUT/vmguest.log" 2>&1 ||
			{ echo "# cannot build vmguest: $(tail -1 "$OUT/vmguest.log")"; return 1; }
		{
			echo "file /usr/bin/$qemu $(command -v "$qemu") 0755 0 0"
			echo "file $tcg $tcg 0644 0 0"
			for f in "${fw[@]}"; do
				echo "file /usr/share/qemu/${f%% *} ${f#* } 0644 0 0"
			done
			echo "file /vm/vmguest.elf $OUT/vmguest.elf 0644 0 0"
			echo "file /bin/luo-vm $LUO_DIR/luo-vm 0755 0 0"
			{ guest_libs "$(command -v "$qemu")"; guest_libs "$tcg"; } |
			while read -r lib host; do
				echo "file $lib $host 0755 0 0"
			done
		} > "$spec.files" || return 1
		{
			sed 's/^file \([^ ]*\) .*/\1/' "$spec.files" | while read -r f; do
				dirs=$(dirname "$f")
				while [ "$dirs" != / ]; do
					echo "dir $dirs 0755 0 0"
					dirs=$(dirname "$dirs")
				done
			done | sort -u -k2,2
			awk '!seen[$2]++' "$spec.files"
		} > "$spec"
		gen=$KERNEL_DIR/usr/gen_init_cpio
		[ -x "$gen" ] || gen=$OUT/gen_init_cpio
		( set -o pipefail; "$gen" "$spec" | gzip -1 > "$OUT/vm.cpio.gz" ) ||
			{ echo "# cannot pack QEMU"; rm -f "$OUT/vm.cpio.gz"; return 1; }
	fi
	cat "$INITRAMFS" "$OUT/vm.cpio.gz" > "$OUT/$1.initrd" ||
		{ echo "# cannot write $OUT/$1.initrd"; return 1; }
}

# Guest RAM in MiB from N (GiB), NG or NM.
mem_mib() {
	case "$1" in
	*[Gg]) echo $((${1%?} * 1024)) ;;
	*[Mm]) echo "${1%?}" ;;
	*) echo $(($1 * 1024)) ;;
	esac
}

# The bad /chosen handovers of chosen=1, one a kexec: a repeated
# linux,kho-fdt, a linux,kho-fdt of one cell pair too few, an FDT at 0
# (flash on QEMU's virt machine, not RAM), and one in RAM that a no-map
# node of /reserved-memory (CHOSEN_ROOT, added to the root) withholds.
# Each is QEMU's own tree for the machine the scenario boots, so that
# only what is named here is wrong.
CHOSEN_BAD=(
	"linux,kho-fdt = <0x0 0x40000000 0x0 0x1000>;
	 linux,kho-fdt = <0x0 0x40000000 0x0 0x1000>;
	 linux,kho-scratch = <0x0 0x40001000 0x0 0x10>;"
	"linux,kho-fdt = <0x40000000 0x1000>;
	 linux,kho-scratch = <0x0 0x40001000 0x0 0x10>;"
	"linux,kho-fdt = <0x0 0x0 0x0 0x1000>;
	 linux,kho-scratch = <0x0 0x40001000 0x0 0x10>;"
	"linux,kho-fdt = <0x0 0x4c000000 0x0 0x1000>;
	 linux,kho-scratch = <0x0 0x40001000 0x0 0x10>;"
)
CHOSEN_ROOT=(
	"" "" ""
	"/ { reserved-memory {
		#address-cells = <2>; #size-cells = <2>; ranges;
		kho-nomap@4c000000 { reg = <0x0 0x4c000000 0x0 0x200000>; no-map; };
	}; };"
)

# chosen_dtbs NAME QEMU-ARGS...: an initramfs of /kho-dtb/N.dtb, the tree
# kernel N passes to kexec_load(), appended to the scenario's initramfs
# as $OUT/NAME.initrd.  Says why on failure.
chosen_dtbs() {
	local name=$1 dir=$OUT/$1.dtb i
	shift

	rm -rf "$dir"
	mkdir -p "$dir/kho-dtb"
	if ! "$QEMU_BINARY" "$@" -machine dumpdtb="$dir/virt.dtb" \
		> "$dir/qemu.log" 2>&1 < /dev/null ||
	   ! dtc -q -I dtb -O dts -o "$dir/virt.dts" "$dir/virt.dtb"; then
		echo "# cannot dump QEMU's device tree: $(tail -1 "$dir/qemu.log")"
		return 1
	fi
	for i in "${!CHOSEN_BAD[@]}"; do
		# kexec-tools fills a kaslr-seed a kernel wiped, refusing
		# another, as a booted kernel's own tree has.
		ADD=${CHOSEN_BAD[$i]} ROOT=${CHOSEN_ROOT[$i]} awk '
			/^\t\t(rng|kaslr)-seed = / { next }
			{ print }
			/^\tchosen {$/ { print ENVIRON["ADD"]; print "kaslr-seed = <0x0 0x0>;" }
			END { print ENVIRON["ROOT"] }' \
			"$dir/virt.dts" > "$dir/$i.dts"
		if ! grep -q 'linux,kho-fdt' "$dir/$i.dts"; then
			echo "# no /chosen in QEMU's device tree"
			return 1
		fi
		# dtc refuses a repeated property unless forced (-f).
		dtc -q -f -I dts -O dtb -o "$dir/kho-dtb/$((i + 1)).dtb" \
			"$dir/$i.dts" 2> "$dir/dtc.log"
		if [ ! -s "$dir/kho-dtb/$((i + 1)).dtb" ]; then
			echo "# dtc failed: $(head -1 "$dir/dtc.log")"
			return 1
		fi
	done
	(
		set -o pipefail
		cd "$dir" && find kho-dtb | cpio -o -H newc 2> /dev/null | gzip -1 |
			cat "$INITRAMFS" - > "$OUT/$name.initrd"
	) || { echo "# cannot write $OUT/$name.initrd"; return 1; }
}

# Run one scenario: $1 name, with the settings in SET.  Leaves the log in
# $OUT/$1.log.
run_vm() {
	local name=$1 log=$OUT/$1.log
	local hops=${SET[hops]} numa=${SET[numa]} fill=${SET[fill]} mem
	local args=() boot=() append i per_node

	append="console=${ARCH_CONSOLE[$ARCH]} panic=-1 oops=panic loglevel=7 kunit.enable=0"
	append+=" kho_vmtest.hop=0 kho_vmtest.hops=$hops"
	[ "${SET[kho]}" = 1 ] && append+=" kho=on test_kho.preserve_mb=${SET[preserve]}"
	[ "${SET[nokaslr]}" = 1 ] && append+=" nokaslr"
	[ -n "${SET[corrupt]}" ] && append+=" kho_vmtest.corrupt=${SET[corrupt]}"
	[ "${SET[finalize]}" = 1 ] && append+=" kho_vmtest.finalize=1"
	[ "${SET[pstore]}" = 1 ] && append+=" $PSTORE_FTRACE"
	[ -n "$fill" ] &&
		append+=" test_kho.fill_leave_mb=4 test_kho.fill_nid=$fill kho_debug_grow=$fill"
	[ "${SET[liveupdate]}" = 1 ] &&
		append+=" liveupdate=on kho_vmtest.liveupdate=1" &&
		append+=" kho_vmtest.lubig=${SET[lubig]} kho_vmtest.lumax=${SET[lumax]}"
	[ "${SET[luhold]}" = 1 ] && append+=" liveupdate=on kho_vmtest.luhold=1"
	[ "${SET[lubench]}" != 0 ] &&
		append+=" liveupdate=on kho_vmtest.lubench=${SET[lubench]}"
	[ "${SET[plain]}" = 1 ] && append+=" kho_vmtest.plain=1"
	[ "${SET[sample]}" = 1 ] && append+=" kho_vmtest.sample=1"
	[ "${SET[chosen]}" = 1 ] && append+=" kho_vmtest.chosen=1"
	[ "${SET[badimage]}" = 1 ] && append+=" kho_vmtest.badimage=1"
	[ -n "${SET[vm]}" ] &&
		append+=" liveupdate=on kho_vmtest.vm=${SET[vm]} kho_vmtest.vm_mib=${SET[vm_mib]}"
	[ "${SET[refuse]}" = 1 ] && append+=" test_kho.refuse=1"
	[ "${SET[big_block]}" = 1 ] && append+=" test_kho.big_block=1"
	[ -n "${SET[movablecore]}" ] && append+=" movablecore=${SET[movablecore]}"
	[ "${SET[la57]}" = 1 ] && append+=" kho_vmtest.la57=1"
	[ -n "${SET[ludebug]}" ] && append+=" liveupdate_debug=${SET[ludebug]}"
	[ -n "${SET[cmdline]}" ] && append+=" ${SET[cmdline]}"
	[ -n "$VMTEST_CMDLINE" ] && append+=" $VMTEST_CMDLINE"

	boot=(-kernel "$KERNEL" -initrd "$INITRAMFS")
	if [ "${SET[debian]}" = 1 ]; then
		debian_image "$name" > "$log" 2>&1 || return 0
		boot=(-kernel "$KERNEL" -drive "file=$OUT/$name.ext4,format=raw,if=virtio")
		append="root=/dev/vda rw $append"
	fi

	mem=$(mem_mib "${SET[mem]}")
	args=(-accel tcg -nodefaults -nographic -no-reboot -serial stdio
	      -smp "${SET[smp]}" -m "${mem}M")
	if [ "$ARCH" = arm64 ]; then
		# QEMU 7.2's default pointer authentication crawls under TCG.
		# Without ACPI tables the firmware hands the kernel QEMU's
		# device tree, which is all a kernel built without ACPI reads.
		# shellcheck disable=SC2054
		args+=(-machine virt,acpi=off -cpu max,pauth-impdef=on)
	fi
	if [ "${SET[firmware]}" = uefi ]; then
		args+=(-bios "$OVMF")
	elif [ "$ARCH" = x86_64 ] && [ -e /usr/share/qemu/qboot.rom ]; then
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
	[ -n "${SET[qemu]}" ] && args+=(${SET[qemu]})
	if [ "${SET[chosen]}" = 1 ]; then
		chosen_dtbs "$name" "${args[@]}" > "$log" || return 0
		boot=(-kernel "$KERNEL" -initrd "$OUT/$name.initrd")
	fi
	if [ -n "${SET[vm]}" ]; then
		vm_initrd "$name" > "$log" || return 0
		boot=(-kernel "$KERNEL" -initrd "$OUT/$name.initrd")
	fi

	timeout "$VM_TIMEOUT" "$QEMU_BINARY" "${args[@]}" "${boot[@]}" \
		-append "$append" > "$log" 2>&1 < /dev/null
	[ "$VERBOSE" = 1 ] && cat "$log"
	[ "${SET[debian]}" = 0 ] || rm -f "$OUT/$name.ext4"
}

# debian_image NAME: the disk of debian=1 scenario NAME, $OUT/NAME.ext4:
# VMTEST_DEBIAN_ROOT's Debian with this kernel as /boot/vmlinuz, the live
# update tools and luo-hold@.service, and debian-test.sh run at boot.
debian_image() {
	local ov=$OUT/debian-overlay luo=$LUO_DIR

	[ "$ARCH" = x86_64 ] || luo=$OUT/bin
	rm -rf "$ov"
	mkdir -p "$ov/boot" "$ov/usr/local/sbin" "$ov/etc/systemd/system"
	cp "$KERNEL" "$ov/boot/vmlinuz" &&
	install -m 0755 "$DIR/debian-test.sh" "$ov/usr/local/sbin/kho-test.sh" &&
	install -m 0755 "$luo/luo-hold" "$luo/luo-take" "$ov/usr/local/sbin/" &&
	cp "$LUO_DIR/luo-hold@.service" "$ov/etc/systemd/system/" &&
	"$VMTEST_DEBIAN_ROOT" "$OUT/$1.ext4" "$ov"
}

# Checks of the console log in LOG.  none PATTERN: fail, showing them, if
# lines match PATTERN.
none() {
	! grep -q "$1" "$LOG" || { grep -m3 "$1" "$LOG"; return 1; }
}

# need WHY PATTERN...: fail, saying WHY, unless each PATTERN matches a line.
need() {
	local why=$1 p

	shift
	for p in "$@"; do
		grep -q "$p" "$LOG" || { echo "# $why"; return 1; }
	done
}

# count PATTERN N WHAT: fail unless exactly N lines match.
count() {
	local n

	n=$(grep -c "$1" "$LOG")
	[ "$n" -eq "$2" ] || { echo "# $3 in $n of $2 kernels"; return 1; }
}

# What every scenario must show: no crash and no checker's report, each
# kernel up to init, and the last one done.
check_common() {
	local hops=${SET[hops]} k

	none 'Kernel panic\|BUG:\|Oops\|WARNING: CPU\|general protection' ||
		return 1
	# What the debug kernel's checkers report, anywhere.
	none 'KASAN\|UBSAN\|KFENCE:\|kho-vmtest: kmemleak: unreferenced' ||
		return 1
	none 'possible circular locking\|possible recursive locking' ||
		return 1
	none 'inconsistent lock state\|suspicious RCU usage' || return 1
	none 'kho-vmtest: cma wrong' || return 1
	# Kernels that do not kexec on.
	case "${SET[expect]}" in
	refused|noroom|lurefused) hops=0 ;;
	esac
	for ((k = 2; k <= hops + 1; k++)); do
		if ! grep -q "kho-vmtest: kernel $k booted" "$LOG"; then
			echo "# kernel $k did not reach init"
			return 1
		fi
	done
	if ! grep -q 'kho-vmtest: done' "$LOG"; then
		echo "# the last kernel did not finish"
		return 1
	fi
}

# Each feature a passing scenario's settings turn on, checked: what the
# kernels after the first found.
check_debugfs_in() {
	# Without debugfs only what the kernels print can be checked.
	grep -q 'kho-vmtest: no debugfs' "$LOG" && return 0
	count 'kho-vmtest: debugfs in ok' "${SET[hops]}" "kho/in checked" &&
	count 'kho-vmtest: kernel code at .* inside scratch' "${SET[hops]}" \
		"kernel placement checked"
}

# pstore and ftrace found what the kernel before wrote; on arm64 its
# region, kept for good, is still listed as reserved.
check_pstore() {
	if [ "$ARCH" = arm64 ]; then
		count 'kho-vmtest: pstore region .* reserved in iomem: yes' \
			"${SET[hops]}" "pstore's region listed as reserved" ||
			return 1
	fi
	count 'kho-vmtest: pstore ok' "${SET[hops]}" \
		"the previous console log in pstore" &&
	count 'kho-vmtest: ftrace ok' "${SET[hops]}" \
		"the previous kernel's trace events"
}

# Two nodes and a kernel after the first: the range of
# kho_preserve_pages() spans the node boundary, unless the pages where
# node 1 starts went to an early allocation of the node for good (an
# unmovable pageblock), which some boots do: the scenario says so.
check_node_boundary() {
	grep 'test_kho: the first pages of node .* are busy' "$LOG" |
		sed 's/^.*test_kho: /# /' | tr -d '\r'
	grep -q '] ok [0-9]* zone-range # .* across a node boundary' "$LOG" &&
		return 0
	if ! grep -q 'test_kho: the first pages of node .* are busy: still' "$LOG" &&
	   grep -q 'test_kho: the first pages of node .* for good' "$LOG"; then
		echo "# no range across the node boundary to test"
		return 0
	fi
	echo "# no page range restored across a node boundary"
	# Where each kernel found, or did not find, the pages for it.
	grep 'test_kho: .*\(zone\|node\)' "$LOG" |
		sed 's/^.*test_kho: /#   /' | tr -d '\r'
	return 1
}

# A fragmented handover on arm64, which lists memblock's reserved ranges
# in /proc/iomem: none of its runs is listed (one entry each was
# quadratic to insert), the kernel's own few ranges are.  128 MiB make
# 16 384 runs; a kernel lists about a dozen ranges of its own.  x86 lists
# the firmware's reserved ranges only.
check_iomem() {
	local n

	n=$(sed -n 's/.*kho-vmtest: iomem: \([0-9]*\) reserved ranges.*/\1/p' "$LOG" |
	    sort -n | tail -1)
	[ -n "$n" ] || { echo "# no count of reserved ranges"; return 1; }
	[ "$n" -le 256 ] ||
		{ echo "# $n reserved ranges in /proc/iomem, at most 256"; return 1; }
	[ "$ARCH" != arm64 ] || [ "$n" -ge 1 ] ||
		{ echo "# no reserved range in /proc/iomem"; return 1; }
}

check_efi() {
	count 'kho-vmtest: efi runtime ok' $((SET[hops] + 1)) \
		"EFI runtime services in every kernel"
}

check_la57() {
	count 'kho-vmtest: 5-level paging' $((SET[hops] + 1)) "5-level paging"
}

# The live update selftests: the device's cases in the first kernel
# (not run with lubig, lumax or a bad position), every two-stage case in
# the second.
check_liveupdate() {
	none 'kho-vmtest: lu: not ok' || return 1
	if [ "${SET[lubig]}${SET[lumax]}" = 00 ] && [ "${SET[ludebug]}" != pos ]; then
		need "the live update device's cases did not all pass" \
			'kho-vmtest: lu: # Totals: pass:[1-9][0-9]* fail:0 ' || return 1
	fi
	need "the live update selftests did not all pass" \
		'kho-vmtest: lu: luo_kexec: [1-9][0-9]* passed, 0 failed'
}

# luo-hold's files came back through luo-take.
check_luhold() {
	local id why="luo-take did not give back what luo-hold kept"

	id=$(sed -n 's/.*kho-vmtest: luo: kernel 1 boot id \(.*\)/\1/p' "$LOG")
	[ -n "$id" ] || { echo "# $why"; return 1; }
	need "$why" "kho-vmtest: luo: took back: note from kernel 1, boot id $id" \
		'kho-vmtest: luo: init matches' 'kho-vmtest: luo: busybox matches' \
		'kho-vmtest: luo: existing file kept' \
		'kho-vmtest: luo: holder renamed @luo-hold' || return 1
	need "luo-take did not keep the session when the disk was full" \
		'kho-vmtest: luo: luo-take exited 1' \
		'luo-take: 1 of 3 files of session demo not written; process' \
		'kho-vmtest: luo: luo-take: 3 files of session demo written to /tmp/back'
}

# check_vm_counter N: the VM's counter, as init.sh printed it, went on
# from where it was after each of N pauses (a resume, or an update that
# kept nothing); no line said a word of its RAM was wrong.
check_vm_counter() {
	local n

	none 'kho-vmtest: vm: vmguest: RAM BAD' || return 1
	count 'kho-vmtest: vm: vmguest: booted' 1 "the VM booted" || return 1
	n=$(awk '
		/kho-vmtest: vm: luo-vm: VM vm0 (held|not kept)/ { held = last; wait = 1 }
		/kho-vmtest: vm: vmguest: .*counter [0-9]+/ {
			if (wait && $NF + 0 > held) ok++
			if (wait && $NF + 0 <= held) { print "bad"; exit }
			wait = 0
			last = $NF + 0
		}
		END { print ok + 0 }' "$LOG")
	[ "$n" = "$1" ] || {
		echo "# the VM's counter went on after $n of $1 pauses"
		return 1
	}
}

# luo-vm kept the VM of vm=live or vm=abort through every kexec.
check_vm() {
	local undone=0

	if [ "${SET[vm]}" = abort ]; then
		# The first update undone: its session given up, the VM let
		# go on, the next update free to take the session's name.
		undone=1
		count 'kho-vmtest: vm: luo-vm: VM vm0 runs on; its session is given up' \
			1 "luo-vm abort undid the update" || return 1
		none 'kho-vmtest: vm: did not run on' || return 1
	fi
	count 'kho-vmtest: vm: luo-vm: VM vm0 held in session vm0' \
		$((SET[hops] + undone)) "the VM kept" || return 1
	count 'kho-vmtest: vm: luo-vm: VM vm0 running again in QEMU [0-9]*: blackout' \
		"${SET[hops]}" "the VM resumed" || return 1
	count 'kho-vmtest: vm: checked: vmguest: pass [0-9]* verified' \
		$((SET[hops] + 1)) "the VM's RAM checked" || return 1
	# The RAM stayed in the memfd: the device state saved is far smaller.
	if sed -n 's/.*luo-vm: VM vm0 held .* \([0-9]*\) KiB of device state.*/\1/p' "$LOG" |
	   awk -v ram=$((SET[vm_mib] * 1024)) '$1 * 4 >= ram { bad = 1 } END { exit !bad }'; then
		echo "# the VM's RAM went with its device state"
		return 1
	fi
	check_vm_counter $((SET[hops] + undone))
}

# A region handed over at the KHO FDT is not taken.
check_reserve_mem() {
	none 'reserve_mem: victim taken over' || return 1
	need "reserve_mem did not refuse the KHO FDT's block" \
		'reserve_mem: victim was not preserved whole'
}

check_fill() {
	local k

	need "the filled memory did not come back" '] ok [0-9]* fill ' ||
		return 1
	# Where the debug code made early allocations take all of a node's
	# memory (kho_debug_grow=), deferred init left nothing for the node's
	# thread in any kernel, and the preserved pages were still
	# initialized (test_kho's memmap case).
	k=$(sed -n 's/.*KHO: debug: grew node \([0-9]*\) early.*/\1/p' "$LOG" |
	    head -1)
	if [ -n "$k" ] && grep -q 'node 0 deferred pages initialised' "$LOG"; then
		count "node $k deferred pages initialised" 0 \
			"the grown node's deferred init thread found work"
	fi
}

# Unrestored preserved pages in ZONE_MOVABLE are reserved.
check_movable() {
	need "no preserved page was checked in ZONE_MOVABLE" \
		'test_kho: [1-9][0-9]* preserved pages checked in ZONE_MOVABLE'
}

check_big_block() {
	need "the block larger than a folio was not checked" \
		'] ok [0-9]* big-block '
}

check_refusals() {
	count '] ok [0-9]* refuse-' 2 "refusals checked in the first kernel"
}

# kho_scratch=N%: N% of RAM in all, give or take the 4 MiB
# (KHO_SCRATCH_ALIGN) each area rounds up to and the memory firmware keeps.
check_scratch_percent() {
	local pct mem n total

	pct=$(sed -n 's/.*kho_scratch=\([0-9]*\)%.*/\1/p' <<< "${SET[cmdline]}")
	[ -n "$pct" ] || return 0
	mem=$(mem_mib "${SET[mem]}")
	read -r n total < <(sed -n \
		's/.*KHO: reserved \([0-9]*\) scratch areas, \([0-9]*\) MiB in all.*/\1 \2/p' \
		"$LOG" | head -1)
	if [ -z "$total" ] || [ $((total * 100)) -lt $((mem * pct * 9 / 10)) ] ||
	   [ $((total * 100)) -gt $((mem * pct + n * 400)) ]; then
		echo "# kho_scratch=$pct% reserved ${total:-no} MiB, not $pct% of $mem MiB"
		return 1
	fi
}

# samples/kho: each kernel got the message of the one before, and not
# the one unloaded before the kexec.
check_sample() {
	local k

	need "kho_sample did not give its memory up, or was unloaded while finalized" \
		'kho_sample: unloaded: nothing kept for the next kernel' \
		'kho-vmtest: sample: rmmod refused while finalized' \
		'kho-vmtest: sample: unloaded after abort' || return 1
	for ((k = 1; k <= SET[hops]; k++)); do
		need "kernel $((k + 1)) did not get kernel $k's message" \
			"kho_sample: generation $k said: from kernel $k" || return 1
	done
	none 'kho_sample: .*\(ignored\|not preserved\|no terminated\)' &&
		none 'said: unloaded in kernel 1'
}

check_summaries() {
	local k

	for ((k = 1; k <= SET[hops]; k++)); do
		need "no passing test_kho summary for generation $k" \
			"test_kho: summary: generation $k, .*, pass" || return 1
	done
}

# The outcomes a scenario expects, each checked after check_common.
# boot: every kernel booted.
expect_boot() {
	:
}

# pass: every kernel got back what the one before preserved, and each
# feature of the settings worked.
expect_pass() {
	none 'debugfs .* missing' || return 1
	none 'outside scratch' || return 1
	none 'test_kho.*not ok\|^not ok\|] not ok' || return 1
	check_debugfs_in || return 1
	if [ "${SET[pstore]}" = 1 ]; then
		check_pstore || return 1
	fi
	if [ "${SET[numa]}" -gt 1 ] && [ "${SET[hops]}" -gt 1 ]; then
		check_node_boundary || return 1
	fi
	if [[ "${SET[cmdline]}" == *test_kho.fragmented_mb=* ]]; then
		check_iomem || return 1
	fi
	if [ "${SET[firmware]}" = uefi ]; then
		check_efi || return 1
	fi
	if [ "${SET[la57]}" = 1 ]; then
		check_la57 || return 1
	fi
	if [ "${SET[liveupdate]}" = 1 ]; then
		check_liveupdate || return 1
	fi
	if [ "${SET[luhold]}" = 1 ]; then
		check_luhold || return 1
	fi
	if [ "${SET[vm]}" = live ] || [ "${SET[vm]}" = abort ]; then
		check_vm || return 1
	fi
	if [ "${SET[corrupt]}" = reserve_mem ]; then
		check_reserve_mem || return 1
	fi
	if [ -n "${SET[fill]}" ]; then
		check_fill || return 1
	fi
	if [ -n "${SET[movablecore]}" ]; then
		check_movable || return 1
	fi
	if [ "${SET[big_block]}" = 1 ]; then
		check_big_block || return 1
	fi
	if [ "${SET[refuse]}" = 1 ]; then
		check_refusals || return 1
	fi
	check_scratch_percent || return 1
	if [ "${SET[sample]}" = 1 ]; then
		check_sample || return 1
	fi
	if [ "${SET[badimage]}" = 1 ]; then
		need "a 16K-page Image was loaded with a handover" \
			'kho-vmtest: 16K image refused' \
			'a kexec handover needs a little-endian kernel with 4K pages' ||
			return 1
	fi
	check_summaries
}

# rejected: the next kernel refuses the handover.
expect_rejected() {
	need "the next kernel did not reject the handover" \
		'KHO: handover rejected' || return 1
	need "test_kho saw data from a rejected handover" \
		'test_kho: no test data handed over'
}

# chosen: every bad /chosen of CHOSEN_BAD rejected with its reason, and
# hidden from the kernel's tree, so that no loader passes it on.
expect_chosen() {
	local bad='] KHO: handover rejected: bad linux,kho-fdt or linux,kho-scratch'

	count "$bad in /chosen; booting" 2 "a bad property rejected" || return 1
	# Only the well-formed tree names a handover, and only its address
	# is checked, never read.
	count 'KHO: found a handover' 1 "a handover found" || return 1
	count 'KHO: handover rejected: the FDT or the scratch list is not in usable RAM;' \
		1 "the FDT outside RAM rejected" || return 1
	count 'KHO: handover rejected: linux,kho-fdt or linux,kho-scratch in no-map memory;' \
		1 "the FDT in no-map memory rejected" || return 1
	none 'bad FDT' || return 1
	count 'kho-vmtest: chosen: handover hidden' "${SET[hops]}" \
		"/chosen's handover hidden"
}

# vmtaken: luo-vm update finds the VM's session name taken, keeps nothing
# and lets the VM run on; the next kernel finds no VM in that session and
# starts none.
expect_vmtaken() {
	need "luo-vm did not let the VM run on when it could not keep it" \
		'kho-vmtest: vm: luo-vm: session vm0: File exists' \
		'kho-vmtest: vm: luo-vm: VM vm0 not kept; it runs on' || return 1
	none 'kho-vmtest: vm: did not run on' || return 1
	check_vm_counter 1 || return 1
	need "luo-vm started a VM from a session that holds none, or gave it up unasked" \
		'kho-vmtest: vm: luo-vm: session vm0: not a VM of luo-vm' \
		'kho-vmtest: vm: luo-vm: VM vm0 not started; process [0-9]* keeps session vm0' \
		'kho-vmtest: vm: luo-vm: session vm0 given up' || return 1
	none 'luo-vm: VM vm0 running again'
}

# vmlost: the next kernel rejects the live update handover; luo-vm finds
# no session and starts no VM.
expect_vmlost() {
	need "luo-vm started a VM without its session" \
		'liveupdate: handover rejected' \
		'kho-vmtest: vm: luo-vm: VM vm0 held in session vm0' \
		'kho-vmtest: vm: luo-vm: no session vm0 was handed over .*: VM vm0 not started' ||
		return 1
	none 'luo-vm: VM vm0 running again'
}

# absent: without kho=on, no handover.
expect_absent() {
	if grep -q 'KHO: found a handover' "$LOG"; then
		echo "# a handover was passed without kho=on"
		return 1
	fi
}

# refused: the first kernel refuses to kexec.
expect_refused() {
	need "the first kernel did not refuse the kexec" \
		'KHO: preserved blocks overlap' 'kho-vmtest: kexec -e failed' ||
		return 1
	none 'kho-vmtest: kernel 2 booted'
}

# noroom: kexec -s -l finds no room in scratch, and says what would fit.
expect_noroom() {
	need "no message naming the segment and kho_scratch=" \
		'KHO: no room in scratch for a kexec segment' 'kho_scratch=' ||
		return 1
	none 'kho-vmtest: kernel 2 booted'
}

# lurefused: a live update file fails to freeze, the reboot fails, the
# sessions thaw.
expect_lurefused() {
	need "a failed freeze did not fail the reboot and thaw" \
		'liveupdate: cannot freeze the sessions' \
		'kho-vmtest: kexec -e failed' \
		'kho-vmtest: lu: luo_kexec: 2 passed, 0 failed' || return 1
	none 'kho-vmtest: kernel 2 booted'
}

# lurejected: the next kernel refuses a bad live update handover, its
# lost sessions answer EIO and the device still works.
expect_lurejected() {
	need "a bad handover was not refused, or the device failed" \
		'liveupdate: handover rejected: too many files' \
		'kho-vmtest: lu: luo_kexec: 3 passed, 0 failed'
}

# noloss: kexec -e of an image without a handover is refused, naming
# what would be lost and kexec -s; with kho/out/discard the next kernel
# boots without a handover, without debugfs kexec -s hands it over.
expect_noloss() {
	need "kexec -e without a handover was not refused, or said nothing" \
		'KHO: kexec image carries no handover: [1-9][0-9]* preserved pages' \
		'and 1 live update session(s) would be lost' \
		'KHO: load the kernel with kexec -s' \
		'kho-vmtest: plain kexec -e refused' || return 1
	if grep -q 'kho-vmtest: no debugfs' "$LOG"; then
		check_luhold
		return
	fi
	need "kho/out/discard did not let the plain kexec go on" \
		'kho-vmtest: discarding the handover' || return 1
	none 'plain kexec -e failed after discard' || return 1
	none 'KHO: found a handover'
}

# systemd: a Debian system under systemd updated its kernel with
# systemctl kexec each time, luo-hold@demo's files and the console log in
# pstore reached every next kernel, and no unit failed.
expect_systemd() {
	local hops=${SET[hops]}

	none 'kho-vmtest: failed unit:\|luo files differ\|pstore missing' ||
		return 1
	count 'kho-vmtest: systemd: \(starting\|running\)' $((hops + 1)) \
		"systemd up" &&
	count 'kho-vmtest: luo-hold@demo holds the session as @luo-hold' "$hops" \
		"luo-hold@demo up before the update" &&
	count 'systemd-shutdown\[1\]: Rebooting with kexec' "$hops" \
		"systemd's shutdown ending in kexec" &&
	count 'KHO: handover accepted' "$hops" "a handover taken" &&
	count 'reserve_mem: oops taken over' "$hops" "pstore's region taken over" &&
	count 'kho-vmtest: luo ok' "$hops" "luo-hold's files back, every byte" &&
	count 'kho-vmtest: pstore ok' "$hops" "the previous console log in pstore"
}

# shared: a client's sub-FDT that is the KHO FDT is not handed to it.
expect_shared() {
	need "the KHO FDT was handed to a client" \
		'KHO: handover accepted' \
		'not ok 1 retrieve # bad test_kho sub-FDT'
}

# check_log LOG: decide the scenario in SET from its console log; print
# why it failed.
check_log() {
	LOG=$1
	check_common && "expect_${SET[expect]}"
}

# run_on_arch NAME: succeed if scenario NAME runs on ARCH.
run_on_arch() {
	[[ ",${ARCHS[$1]}," == *",$ARCH,"* ]]
}

main() {
	local opt kernel='' custom='' list=0 build=0 name settings
	local run=()

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

	load_scenarios
	if [ "$list" = 1 ]; then
		for name in "${NAMES[@]}"; do
			settings=${SCENARIO[$name]#expect=}
			printf '%-23s %-7s %-22s %-10s %s\n' "$name" \
				"${ARCHS[$name]}" "${KERNELS[$name]}" \
				"${settings%% *}" "${settings#"${settings%% *}" }"
		done
		exit 0
	fi
	if [ -n "$custom" ]; then
		WHERE[custom]="-c: custom"
		SCENARIO[custom]=$custom
		parse_settings "${WHERE[custom]}" "$custom"
		run=(custom)
	elif [ $# -gt 0 ]; then
		for name in "$@"; do
			if [ -z "${ARCHS[$name]+x}" ]; then
				echo "$0: unknown scenario '$name'; -l lists them" >&2
				exit 2
			fi
			if ! run_on_arch "$name"; then
				echo "$0: scenario '$name' does not run on $ARCH" >&2
				exit 2
			fi
			run+=("$name")
		done
	else
		for name in "${NAMES[@]}"; do
			run_on_arch "$name" && run+=("$name")
		done
	fi

	if [ ! -e "$KTAP_HELPERS" ]; then
		echo "[SKIP] $KTAP_HELPERS not found"
		exit 4
	fi
	# shellcheck source=../kselftest/ktap_helpers.sh
	. "$KTAP_HELPERS"

	ktap_print_header
	if [ "$build" = 1 ] && ! build_kernel; then
		ktap_exit_fail_msg "cannot build the kernel in $KERNEL_DIR"
	fi
	KERNEL=${kernel:-$KERNEL_DIR/${ARCH_IMAGE[$ARCH]}}
	tools=("$QEMU_BINARY" timeout cpio gzip)
	if [ "$ARCH" = x86_64 ]; then
		tools+=(busybox kexec)
	else
		# dtc: the device trees of chosen=1.
		tools+=("${CROSS_COMPILE}gcc" "${CROSS_COMPILE}readelf" dtc)
		for tool in bin/busybox sbin/kexec; do
			if [ ! -x "$VMTEST_SYSROOT/$tool" ]; then
				ktap_skip_all "no $tool in VMTEST_SYSROOT ($VMTEST_SYSROOT)"
				exit "$KSFT_SKIP"
			fi
		done
	fi
	for tool in "${tools[@]}"; do
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
	# vm_initrd packs this run's luo-vm and vmguest once.
	rm -f "$OUT/vm.cpio.gz"

	ktap_set_plan "${#run[@]}"
	for name in "${run[@]}"; do
		parse_settings "${WHERE[$name]}" "${SCENARIO[$name]}"
		if [ "${SET[debian]}" = 1 ] && [ -z "$VMTEST_DEBIAN_ROOT" ]; then
			ktap_test_skip "$name: no VMTEST_DEBIAN_ROOT"
			continue
		fi
		t=$SECONDS
		run_vm "$name"
		ktap_print_msg "$name: $((SECONDS - t)) s"
		if check_log "$OUT/$name.log"; then
			ktap_test_pass "$name"
		else
			ktap_test_fail "$name"
		fi
	done
	ktap_finished
}

main "$@"
