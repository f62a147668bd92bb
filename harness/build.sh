#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Configure and build a kernel the tests boot, out of tree with ccache:
# KERNEL=test (the default) or another name lib.sh knows.  Arguments are
# passed to kunit.py build.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$ROOT/harness/prepare.sh"
kout=$(kernel_dir "$KERNEL")
read -ra configs <<< "$(kernel_configs "$KERNEL")"
blog=$BUILD/build-$KERNEL.log
arch=$(kernel_arch "$KERNEL")
cross=${ARCH_CROSS[$arch]:-}
log "building $(kernel_image "$KERNEL") ($KERNEL)"
if [ "$KERNEL" = distro ]; then
	{ "$ROOT/harness/distro.sh" "$kout" &&
	  make -C "$SRC" O="$kout" -j"$JOBS" CC="ccache gcc" bzImage; } \
		> "$blog" 2>&1 || {
		tail -40 "$blog" >&2
		die "kernel build failed; full log in $blog"
	}
	grep -E 'warning:|error:' "$blog" >&2 || true
	exit 0
fi
kunit_py build --arch="$arch" ${cross:+--cross_compile="$cross"} \
	--build_dir="$kout" "${configs[@]}" --jobs="$JOBS" \
	--make_options CC="ccache ${cross}gcc" "$@" >"$blog" 2>&1 || {
	tail -40 "$blog" >&2
	die "kernel build failed; full log in $blog"
}
grep -E 'warning:|error:' "$blog" >&2 || true
log "built $(kernel_image "$KERNEL")"
