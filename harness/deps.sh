#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install what the build and the tests need, from Debian's archive.  Runs
# apt-get only when something is missing, so it is cheap to call each time.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PKGS=(linux-source-6.12 build-essential flex bison bc libelf-dev libssl-dev
      cpio ccache python3 perl rsync kmod qemu-system-x86 kexec-tools
      busybox-static sparse xz-utils git python3-ply python3-git
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm qemu-efi-aarch64
      python3-sphinx clang-16 libclang-rt-16-dev ovmf linux-config-6.12
      mmdebstrap e2fsprogs device-tree-compiler liburcu-dev)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	     grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

[ "$(id -u)" -eq 0 ] || die "need root to install: ${missing[*]}"
log "installing: ${missing[*]}"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	"${missing[@]}"
