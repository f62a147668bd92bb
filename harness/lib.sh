# SPDX-License-Identifier: GPL-2.0-only
# Shared settings for the harness scripts; sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
SRC=$BUILD/linux-source-6.12
KOUT=$BUILD/kernel
BASE_PKG=linux-source-6.12
BASE_TARBALL=/usr/src/linux-source-6.12.tar.xz
JOBS=${JOBS:-$(nproc)}

# Directories of this repository that hold new files at their in-tree paths.
IN_TREE_DIRS="arch Documentation include kernel lib mm tools"

# One kernel config serves KUnit, the VM tests and the demo.
KUNITCONFIGS=(--kunitconfig="$ROOT/kernel/.kunitconfig"
	      --kunitconfig="$ROOT/harness/vm.config")

QEMU=${QEMU:-qemu-system-x86_64}

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

kunit_py() {
	(cd "$SRC" && python3 tools/testing/kunit/kunit.py "$@")
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

# Debian's python3 carries the modules the kernel's scripts import (ply,
# git); a python3 earlier in PATH may not.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
