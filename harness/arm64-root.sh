#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The arm64 guest's user space: Debian's own arm64 busybox-static and
# kexec-tools with every library they depend on, downloaded from the
# archive (arm64 is added to dpkg's architectures) and extracted, not
# installed, into one folder: $BUILD/arm64-root, printed on stdout.
# vmtest.sh takes binaries and libraries from there (VMTEST_SYSROOT).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

root=$BUILD/arm64-root
debs=$BUILD/arm64-debs
want=(busybox-static:arm64 kexec-tools:arm64)

"$ROOT/harness/deps.sh" >&2
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	[ "$(id -u)" -eq 0 ] || die "need root to add arm64 to dpkg's architectures"
	log "adding arm64 to dpkg's architectures"
	dpkg --add-architecture arm64
	apt-get update -q >&2
fi

# The packages and their versions: the cache is good while they hold.
list() {
	apt-cache depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances \
		"${want[@]}" | grep -E '^[a-z0-9].*:arm64$' | sort -u
}
pkgs=$(list) || die "apt-cache knows no arm64 packages: apt-get update?"
if [ -z "$pkgs" ]; then
	apt-get update -q >&2
	pkgs=$(list)
fi
# shellcheck disable=SC2086
stamp=$(apt-cache policy $pkgs | grep -E '^[a-z0-9]|Candidate:' |
	sha256sum | cut -d' ' -f1)
if [ "$(cat "$root.stamp" 2>/dev/null)" != "$stamp" ]; then
	log "downloading Debian's arm64 busybox and kexec-tools"
	rm -rf "$root" "$debs"
	mkdir -p "$root" "$debs"
	# shellcheck disable=SC2086
	(cd "$debs" && apt-get download -q $pkgs) > "$debs/download.log" 2>&1 ||
		{ cat "$debs/download.log" >&2; die "cannot download: $pkgs"; }
	for d in "$debs"/*.deb; do
		dpkg-deb -x "$d" "$root"
	done
	for f in bin/busybox sbin/kexec; do
		[ -x "$root/$f" ] || die "no $f in Debian's arm64 packages"
	done
	echo "$stamp" > "$root.stamp"
fi
echo "$root"
