#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the KHO kexec selftest (tools/testing/selftests/kho/vmtest.sh) from
# the prepared tree against the harness's kernels, and record one result
# per scenario.  Arguments select scenarios, as "name" for the test kernel
# or "kernel:name" for another (default: all of every kernel's list, the
# distro kernel's only with DISTRO=1: its build alone takes about 45
# minutes on 2 cores).  Without DISTRO=1, the distro config is still made
# and checked against Debian's.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

DISTRO=${DISTRO:-0}
check_uint DISTRO "$DISTRO" 0 1

# The scenarios each kernel runs by default: those the selftest's list
# (tools/testing/selftests/kho/scenarios) tags with it, which must run on
# the kernel's architecture.
declare -A KERNEL_SCENARIOS=()
for k in "${KERNELS[@]}"; do
	KERNEL_SCENARIOS[$k]=""
done
list=$(scenario_list) || die "cannot read the scenario list"
while read -r name arch kernels _; do
	for k in ${kernels//,/ }; do
		[ -n "${KERNEL_SCENARIOS[$k]+x}" ] ||
			die "scenario $name: unknown kernel '$k' (${KERNELS[*]})"
		[[ ",$arch," == *,"$(kernel_arch "$k")",* ]] ||
			die "scenario $name: kernel $k is $(kernel_arch "$k"), not $arch"
		KERNEL_SCENARIOS[$k]+="${KERNEL_SCENARIOS[$k]:+ }$name"
	done
done <<< "$list"

declare -A selected=()
for arg in "$@"; do
	case "$arg" in
	*:*) k=${arg%%:*} s=${arg#*:} ;;
	*) k=test s=$arg ;;
	esac
	[ -n "${KERNEL_SCENARIOS[$k]+x}" ] ||
		usage_die SCENARIOS "$arg" "scenario names, or kernel:name with kernel one of ${KERNELS[*]}"
	selected[$k]="${selected[$k]:-} $s"
done
if [ $# -eq 0 ]; then
	for k in "${KERNELS[@]}"; do
		[ "$k" != distro ] || [ "$DISTRO" = 1 ] || continue
		selected[$k]=${KERNEL_SCENARIOS[$k]}
	done
fi

# Build the kernels one after another in the background, so that each
# kernel's scenarios (one QEMU on one core) run beside the next build.
builds=$BUILD/vmtest-builds
rm -rf "$builds"
mkdir -p "$builds"
(
	for k in "${KERNELS[@]}"; do
		[ -n "${selected[$k]+x}" ] || continue
		KERNEL=$k "$ROOT/harness/build.sh" > "$builds/$k.log" 2>&1
		echo $? > "$builds/$k.rc"
	done
	# harness/test.sh starts the static checks once nothing builds.
	touch "$builds/done"
) &
builder=$!
trap 'pkill -P "$builder" 2>/dev/null; kill "$builder" 2>/dev/null' EXIT

# wait_built KERNEL: wait for its build, show its log, succeed if it built
wait_built() {
	while [ ! -e "$builds/$1.rc" ] && kill -0 "$builder" 2>/dev/null; do
		sleep 5
	done
	cat "$builds/$1.log" 2>/dev/null
	[ "$(cat "$builds/$1.rc" 2>/dev/null)" = 0 ]
}

status=0
for k in "${KERNELS[@]}"; do
	[ -n "${selected[$k]+x}" ] || continue
	prefix=
	[ "$k" = test ] || prefix="$k:"
	wait_built "$k" || { result FAIL "vmtest:${prefix}build"; status=1; continue; }

	out=$BUILD/vmtest${prefix:+-$k}
	rm -rf "$out"
	mkdir -p "$out"
	selftest_env "$k" ||
		{ result FAIL "vmtest:${prefix}userspace"; status=1; continue; }
	# shellcheck disable=SC2086
	"$SRC/tools/testing/selftests/kho/vmtest.sh" -O "$(kernel_dir "$k")" \
		-o "$out" ${selected[$k]} | tee "$out/ktap.log"
	rc=${PIPESTATUS[0]}

	n=$(ktap_results "vmtest:$prefix" < "$out/ktap.log")
	# The live update selftests' cases, one result each.
	for lulog in "$out"/liveupdate*.log; do
		[ -e "$lulog" ] || continue
		sc=$(basename "$lulog" .log)
		sed -n 's/.*kho-vmtest: lu: \(\(not \)\{0,1\}ok [0-9]* .*\)/\1/p' "$lulog" |
			ktap_results "vmtest:$prefix$sc:" > /dev/null
	done
	if [ "$rc" = 4 ] && [ "$n" = 0 ]; then
		result SKIP "vmtest:$prefix" >/dev/null
	elif [ "$n" = 0 ]; then
		result FAIL "vmtest:$prefix" >/dev/null
	fi
	[ "$rc" = 0 ] || [ "$rc" = 4 ] || status=1

	if [ "$k" = prod ]; then
		# A production kernel carries no debug code.
		nm "$(kernel_dir prod)/vmlinux" |
			grep -E ' (kho_corrupt|kho_debug_|kho_parse_reserve|kho_debugfs_)' \
			> "$out/debug-symbols"
		if [ -s "$out/debug-symbols" ]; then
			result FAIL "vmtest:prod:no-debug-code"
			cat "$out/debug-symbols"
			status=1
		else
			result PASS "vmtest:prod:no-debug-code"
		fi
	fi
done

# Without its build, the distro config is still made from Debian's and
# checked: KHO enabled without changing an option kept as Debian has it.
if [ -z "${selected[distro]+x}" ] && [ $# -eq 0 ]; then
	dout=$BUILD/distro-config
	if "$ROOT/harness/distro.sh" "$dout" > "$BUILD/distro-config.log" 2>&1; then
		result PASS "vmtest:distro:config"
	else
		cat "$BUILD/distro-config.log"
		result FAIL "vmtest:distro:config"
		status=1
	fi
fi
exit $status
