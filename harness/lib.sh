# SPDX-License-Identifier: GPL-2.0-only
# Shared settings for the harness scripts; sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
SRC=$BUILD/linux-source-6.12
BASE_PKG=linux-source-6.12
BASE_TARBALL=/usr/src/linux-source-6.12.tar.xz
JOBS=${JOBS:-$(nproc)}

# Directories of this repository that hold new files at their in-tree paths.
IN_TREE_DIRS="arch Documentation include kernel lib mm samples tools"

# The kernels the tests boot, each from kunit.py's minimal x86_64 base plus
# fragments.  test: the selftest's fragment, which holds every option the
# tests need, and the benchmark, which is not part of the series; it
# serves KUnit, the kexec scenarios, the demo and the bench.  prod: the
# same without debugfs, KUnit and the debug code, as a production kernel
# has it.  debug: the test kernel with KASAN, DEBUG_PAGEALLOC, KFENCE,
# lockdep, DEBUG_VM and kmemleak.  distro: Debian's own config (see
# harness/distro.sh), booted through UEFI.  arm64: the test kernel's
# options for arm64, cross-built, booted on QEMU's virt machine.
KERNEL=${KERNEL:-test}
# The kernels, in the order harness/vmtest.sh builds them; what every boot
# of one adds to the command line, and its firmware (default bios).  The
# selftest's scenario list tags each scenario with the kernels it runs on.
KERNELS=(test prod debug distro arm64)
declare -A KERNEL_CMDLINE=(
	[debug]="debug_pagealloc=on"
	[distro]="kfence.sample_interval=100"
)
declare -A KERNEL_FIRMWARE=(
	[distro]=uefi
)
# The architecture each kernel is built for (default x86_64), and the
# cross compiler's prefix for each architecture but the host's.
declare -A KERNEL_ARCH=(
	[arm64]=arm64
)
declare -A ARCH_CROSS=(
	[arm64]=aarch64-linux-gnu-
)

kernel_arch() {	# kernel_arch NAME: the architecture kernel NAME is for
	echo "${KERNEL_ARCH[$1]:-x86_64}"
}

# selftest_env NAME: export what the selftest's vmtest.sh needs to boot
# kernel NAME: its architecture, firmware and command line, and for
# arm64 the cross compiler and Debian's arm64 user space.
selftest_env() {
	local arch

	arch=$(kernel_arch "$1")
	export VMTEST_ARCH=$arch
	export VMTEST_CMDLINE=${KERNEL_CMDLINE[$1]:-}
	export VMTEST_FIRMWARE=${KERNEL_FIRMWARE[$1]:-bios}
	export CROSS_COMPILE=${ARCH_CROSS[$arch]:-}
	export VMTEST_SYSROOT=
	# The Debian system under systemd of the debian=1 scenarios.
	export VMTEST_DEBIAN_ROOT=$ROOT/harness/debian-root.sh
	if [ "$arch" = arm64 ]; then
		VMTEST_SYSROOT=$("$ROOT/harness/arm64-root.sh") || return 1
	fi
}

# arch_kernel: the kernel make demo and make bench boot for their ARCH=
# (x86_64, the default, or arm64), checked.
arch_kernel() {
	case "${ARCH:-x86_64}" in
	x86_64|x86) echo test ;;
	arm64) echo arm64 ;;
	*) usage_die ARCH "$ARCH" "x86_64 or arm64" ;;
	esac
}

# kernel_image NAME: the image of kernel NAME that QEMU and kexec boot
kernel_image() {
	case "$(kernel_arch "$1")" in
	arm64) echo "$(kernel_dir "$1")/arch/arm64/boot/Image" ;;
	*) echo "$(kernel_dir "$1")/arch/x86/boot/bzImage" ;;
	esac
}
SELFTEST_CONFIG=$ROOT/tools/testing/selftests/kho/config
# Options no kernel of make test uses, off in all of them.
TRIM=--kunitconfig=$ROOT/harness/trim.config

kernel_dir() {	# kernel_dir NAME: where kernel NAME is built
	if [ "$1" = test ]; then
		echo "$BUILD/kernel"
	else
		echo "$BUILD/kernel-$1"
	fi
}

# kernel_configs NAME: kunit.py options naming the fragments of kernel NAME
kernel_configs() {
	case "$1" in
	test)
		echo "--kunitconfig=$SELFTEST_CONFIG --kunitconfig=$ROOT/harness/bench.config" \
		     "--kunitconfig=$ROOT/harness/system.config $TRIM"
		;;
	prod)
		mkdir -p "$BUILD"
		grep -vE '^CONFIG_(DEBUG_FS|KUNIT|KEXEC_HANDOVER_DEBUG|KEXEC_HANDOVER_KUNIT_TEST)=' \
			"$SELFTEST_CONFIG" > "$BUILD/prod.config"
		cat "$ROOT/harness/prod.config" >> "$BUILD/prod.config"
		echo "--kunitconfig=$BUILD/prod.config $TRIM"
		;;
	debug)
		echo "--kunitconfig=$SELFTEST_CONFIG --kunitconfig=$ROOT/harness/debug.config $TRIM"
		;;
	arm64)
		# The selftest's fragment without its x86 options, cross-built;
		# QEMU's virt machine describes itself in a device tree, so
		# neither ACPI nor PCI is built (harness/arm64.config).
		mkdir -p "$BUILD"
		grep -vE '^CONFIG_(X86_|SERIAL_8250|ACPI=|PCI=)' "$SELFTEST_CONFIG" \
			> "$BUILD/arm64.config"
		cat "$ROOT/harness/bench.config" "$ROOT/harness/arm64.config" \
			>> "$BUILD/arm64.config"
		echo "--kunitconfig=$BUILD/arm64.config $TRIM"
		;;
	distro)
		# Not kunit.py's: harness/distro.sh configures it.
		;;
	*)
		die "KERNEL=$1: KERNEL takes test, prod, debug, distro or arm64"
		;;
	esac
}

KOUT=$(kernel_dir test)
KUNITCONFIGS=(--kunitconfig="$SELFTEST_CONFIG"
	      --kunitconfig="$ROOT/harness/bench.config"
	      --kunitconfig="$ROOT/harness/system.config" "$TRIM")

QEMU=${QEMU:-qemu-system-x86_64}

# ccache: kbuild passes absolute source paths (srctree is absolute when
# the output is not inside the source), which would make every clone of
# this repository miss what another clone compiled.  Rewriting paths
# under the build folder as relative ones, and leaving the working
# directory out of the hash, lets a fresh clone hit the cache a session
# filled.  ccache leaves kbuild's -fmacro-prefix-map=<srctree>/= absolute:
# with the paths made relative it maps nothing, so it is left out of the
# hash.  Four kernels' objects need more than ccache's default 5 GB.
export CCACHE_BASEDIR=$BUILD
export CCACHE_NOHASHDIR=1
export CCACHE_IGNOREOPTIONS='-fmacro-prefix-map=*'
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-15G}

# Under make test each line says when, in minutes from its start, so a
# run's log shows where its time goes.
log() {
	if [ -n "${KHO_TEST_START:-}" ]; then
		local t=$(($(date +%s) - KHO_TEST_START))
		printf '==> [%d:%02d] %s\n' $((t / 60)) $((t % 60)) "$*" >&2
	else
		printf '==> %s\n' "$*" >&2
	fi
}
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

kunit_py() {
	(cd "$SRC" && python3 tools/testing/kunit/kunit.py "$@")
}

# The KTAP lines of a kernel's log, without the kernel's own messages
# that may land among them (harness/testdata/kunit-interleaved.log).
ktap_only() {
	grep -E '^(\[[ 0-9.]+\] )? *(K?TAP version [0-9]|# |(not )?ok [0-9]|[0-9]+\.\.[0-9]+)'
}

# Record one test result for the closing summary of "make test".
RESULTS=${RESULTS:-}
result() {
	local status=$1 name=$2
	printf '%s %s\n' "$status" "$name"
	if [ -n "$RESULTS" ]; then
		printf '%s %s\n' "$status" "$name" >> "$RESULTS"
	fi
}

# ktap_results PREFIX: record one result for each KTAP test line on stdin
# ("ok N name", "ok N name # SKIP ...", "not ok N name"), named PREFIX and
# the test's name (its description up to a " # " directive), quietly;
# print how many.  Every stage records its cases through it.
ktap_results() {
	local prefix=$1 line status name n=0

	while read -r line; do
		case "$line" in
		"ok "*"# SKIP"*) status=SKIP ;;
		"ok "*) status=PASS ;;
		"not ok "*) status=FAIL; line=${line#not } ;;
		*) continue ;;
		esac
		read -r _ _ name <<< "$line"
		name=${name%%[[:space:]]#*}
		result "$status" "$prefix$name" > /dev/null
		n=$((n + 1))
	done
	echo "$n"
}

# report NAME LOG: one result for a check whose log is its findings: PASS
# if LOG is empty, else FAIL, the log indented (its first REPORT_LINES
# lines, if set) and REPORT_FAIL=1.
REPORT_FAIL=0
REPORT_LINES=
report() {
	if [ ! -s "$2" ]; then
		result PASS "$1"
		return 0
	fi
	result FAIL "$1"
	if [ -n "$REPORT_LINES" ]; then
		sed 's/^/    /' "$2" | head -n "$REPORT_LINES"
	else
		sed 's/^/    /' "$2"
	fi
	REPORT_FAIL=1
}

# The kexec scenarios, one a line: name arch kernels expect settings, from
# the selftest's list (which checks it).
SELFTEST=$ROOT/tools/testing/selftests/kho/vmtest.sh
scenario_list() {
	"$SELFTEST" -l
}

# Debian's python3 carries the modules the kernel's scripts import (ply,
# git); a python3 earlier in PATH may not.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

# Checks of make variables, before anything is built or booted.  Each
# names the variable and the forms it takes, and exits on a bad value.
usage_die() {	# usage_die VAR VALUE FORMS
	printf 'error: %s=%s: %s takes %s\n' "$1" "$2" "$1" "$3" >&2
	exit 2
}

# to_mib VAR VALUE DEFAULT_UNIT: N (in DEFAULT_UNIT, M or G), NM or NG,
# printed in MiB.
to_mib() {
	local var=$1 val=$2 unit=$3 n

	case "$val" in
	*[Gg]) n=${val%?}; unit=G ;;
	*[Mm]) n=${val%?}; unit=M ;;
	*) n=$val ;;
	esac
	case "$n" in
	''|*[!0-9]*) usage_die "$var" "$val" "N (${unit}iB), NM or NG" ;;
	esac
	if [ "$unit" = G ]; then
		echo $((10#$n * 1024))
	else
		echo $((10#$n))
	fi
}

# check_uint VAR VALUE MIN MAX: a whole number in [MIN, MAX].
check_uint() {
	case "$2" in
	''|*[!0-9]*) usage_die "$1" "$2" "a whole number from $3 to $4" ;;
	esac
	if [ $((10#$2)) -lt "$3" ] || [ $((10#$2)) -gt "$4" ]; then
		usage_die "$1" "$2" "a whole number from $3 to $4"
	fi
}
