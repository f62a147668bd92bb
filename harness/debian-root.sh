#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A small Debian 12 (bookworm) system under systemd, for tests that boot a
# real distribution with the test kernel and have it kexec the way an
# administrator does (systemctl kexec).  mmdebstrap builds the tree
# (Essential packages, systemd, systemd-sysv, udev, kexec-tools, no docs,
# man pages or locales), it is configured here, and mke2fs -d makes an
# ext4 image of it: no loop mount, no chroot after mmdebstrap.
#
# The tree and its image are cached for every clone of this repository on
# the machine, in $DEBIAN_ROOT_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/kho-debian-root), under a key that hashes
# this script and the package list; they are rebuilt only when that key
# changes.  A run never boots the cached image: it asks for its own.
#
#   harness/debian-root.sh
#       build the cache if needed; print the cached image (read-only).
#   harness/debian-root.sh OUT [DIR...]
#       make a run's image at OUT (raw) and print OUT.  Without DIRs: a
#       sparse copy of the cached image (reflinked where the file system
#       can).  With DIRs: each DIR's tree is added at / (DIR/usr/local/
#       sbin/kho-test.sh lands at /usr/local/sbin/kho-test.sh, owned by
#       root), by mke2fs -d from a hard-linked copy of the cached tree,
#       which is left as it was (a few seconds).
#
# Boot it with -drive file=OUT,format=raw,if=virtio and the kernel command
# line "root=/dev/vda rw console=ttyS0".  At boot, kho-test.service runs
# /usr/local/sbin/kho-test.sh once the system is up (after
# multi-user.target), if the image has it, its output on /dev/ttyS0; the
# serial getty then stays off ttyS0.  Without it, root is logged in on
# ttyS0.  Debian's kexec-tools is left as installed: its kexec-load.service
# loads a kernel only for systemctl reboot, so a test loads its own
# (kexec -s -l) before systemctl kexec.  The cached image has 128 MiB
# free, an image made with DIRs DEBIAN_ROOT_FREE MiB (default 128).
#
# Environment: DEBIAN_ROOT_CACHE, DEBIAN_ROOT_EXTRA (more packages, comma
# or space separated; part of the key), DEBIAN_ROOT_FREE, DEBIAN_MIRROR
# (default http://deb.debian.org).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org}
PACKAGES="systemd,systemd-sysv,udev,kexec-tools"
if [ -n "${DEBIAN_ROOT_EXTRA:-}" ]; then
	PACKAGES+=,$(echo "$DEBIAN_ROOT_EXTRA" | tr -s ' ,' ',,' | sed 's/^,//; s/,$//')
fi
FREE_MB=${DEBIAN_ROOT_FREE:-128}
check_uint DEBIAN_ROOT_FREE "$FREE_MB" 16 65536
CACHE=${DEBIAN_ROOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kho-debian-root}

# Left out of the tree: documentation, man pages, translations.
DPKG_EXCLUDE=(
	'path-exclude=/usr/share/man/*'
	'path-exclude=/usr/share/info/*'
	'path-exclude=/usr/share/doc/*'
	'path-include=/usr/share/doc/*/copyright'
	'path-exclude=/usr/share/locale/*'
	'path-exclude=/usr/share/lintian/*'
	'path-exclude=/usr/share/linda/*'
	'path-exclude=/usr/share/bug/*'
)

[ "$(id -u)" -eq 0 ] || die "needs root: mmdebstrap and mke2fs -d keep the tree's owners"

key=$( { cat "$0"; echo "$SUITE $MIRROR $PACKAGES $(dpkg --print-architecture)"; } |
	sha256sum | cut -c1-16)
dir=$CACHE/$key
tree=$dir/root
img=$dir/root.ext4

# mkimage TREE IMAGE FREE: an ext4 image of TREE with FREE MiB to spare.
mkimage() {
	local used mb

	used=$(du -sxm "$1" | cut -f1)
	mb=$(( (used * 11 / 10 + $3 + 15) / 16 * 16 ))
	rm -f "$2"
	mke2fs -q -F -t ext4 -L kho-debian -b 4096 -I 256 -i 8192 -m 0 \
		-E root_owner=0:0,lazy_itable_init=0,lazy_journal_init=0,nodiscard \
		-d "$1" "$2" "${mb}M" >&2 ||
		die "mke2fs -d $1 failed"
}

# configure TREE: what the tests need of the installed system.
configure() {
	local t=$1 sys=$1/etc/systemd/system

	echo kho-debian > "$t/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tkho-debian\n' > "$t/etc/hosts"
	# Mounted rw by the kernel (root=/dev/vda rw); no fsck at boot.
	printf '/dev/vda\t/\text4\trw,errors=remount-ro\t0\t0\n' > "$t/etc/fstab"
	# A fixed machine id: not a first boot (systemd-firstboot would ask
	# questions on the console), the same id in every run.
	echo "$key$key" > "$t/etc/machine-id"
	# Root has no password; the serial getty logs it in.
	sed -i 's/^root:[^:]*:/root::/' "$t/etc/shadow"
	ln -sfn /lib/systemd/system/multi-user.target "$sys/default.target"

	mkdir -p "$sys/serial-getty@ttyS0.service.d" "$sys/getty.target.wants"
	ln -sfn /lib/systemd/system/serial-getty@.service \
		"$sys/getty.target.wants/serial-getty@ttyS0.service"
	cat > "$sys/serial-getty@ttyS0.service.d/kho.conf" <<-'EOF'
	# Root logged in on the serial console, unless a test owns it.
	[Unit]
	ConditionPathExists=!/usr/local/sbin/kho-test.sh
	[Service]
	ExecStart=
	ExecStart=-/sbin/agetty --autologin root --noclear --keep-baud 115200,57600,38400,9600 - $TERM
	EOF

	mkdir -p "$t/usr/local/sbin" "$sys/multi-user.target.wants"
	cat > "$sys/kho-test.service" <<-'EOF'
	[Unit]
	Description=KHO test script /usr/local/sbin/kho-test.sh
	ConditionFileIsExecutable=/usr/local/sbin/kho-test.sh
	After=multi-user.target

	[Service]
	Type=oneshot
	RemainAfterExit=yes
	ExecStart=/usr/local/sbin/kho-test.sh
	StandardInput=null
	StandardOutput=tty
	StandardError=inherit
	TTYPath=/dev/ttyS0
	TimeoutStartSec=infinity

	[Install]
	WantedBy=multi-user.target
	EOF
	ln -sfn ../kho-test.service "$sys/multi-user.target.wants/kho-test.service"

	# Nothing waits for a network; without D-Bus, logind cannot start.
	ln -sfn /dev/null "$sys/systemd-networkd-wait-online.service"
	[ -e "$t/usr/bin/dbus-daemon" ] ||
		ln -sfn /dev/null "$sys/systemd-logind.service"
	mkdir -p "$t/etc/systemd/journald.conf.d"
	printf '[Journal]\nStorage=volatile\n' > "$t/etc/systemd/journald.conf.d/kho.conf"

	# /etc and /var are up to date with /usr: ldconfig, hwdb, sysusers
	# and the catalog are not redone at each boot (ConditionNeedsUpdate).
	printf 'TIMESTAMP_NSEC=%s\n' "$(stat -c %.9Y "$t/usr" | tr -d .)" \
		> "$t/etc/.updated"
	cp "$t/etc/.updated" "$t/var/.updated"
	touch -r "$t/usr" "$t/etc/.updated" "$t/var/.updated"
}

build() {
	local start=$SECONDS new=$dir.new

	if ! command -v mmdebstrap > /dev/null; then
		log "installing mmdebstrap"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends mmdebstrap >&2 || {
			apt-get update -q >&2
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends mmdebstrap >&2
		}
	fi
	log "building Debian $SUITE with $PACKAGES in $dir"
	rm -rf "$new"
	mkdir -p "$new"
	local opts=()
	for o in "${DPKG_EXCLUDE[@]}"; do
		opts+=(--dpkgopt="$o")
	done
	# merged-usr: /usr merged as debootstrap does, with usr-is-merged
	# instead of usrmerge and the perl it needs.
	mmdebstrap --mode=root --variant=essential --include="$PACKAGES" \
		--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
		"${opts[@]}" --quiet \
		"$SUITE" "$new/root" \
		"deb $MIRROR/debian $SUITE main" \
		"deb $MIRROR/debian $SUITE-updates main" \
		"deb $MIRROR/debian-security $SUITE-security main" \
		> "$new/mmdebstrap.log" 2>&1 ||
		{ tail -n 30 "$new/mmdebstrap.log" >&2; die "mmdebstrap failed"; }
	# What no test needs: apt's and dpkg's caches, logs.
	rm -rf "$new/root/var/cache/"* "$new/root/var/log/"*.log \
		"$new/root/var/lib/apt/lists/"*
	configure "$new/root"
	mkimage "$new/root" "$new/root.ext4" 128
	(cd "$new/root" && dpkg-query --admindir=var/lib/dpkg -W \
		-f '${Package} ${Version}\n') > "$new/packages.txt"
	rm -rf "$dir"
	mv "$new" "$dir"
	log "built in $((SECONDS - start)) s: $(du -h --apparent-size "$img" | cut -f1) image, $(du -h "$img" | cut -f1) on disk"
}

mkdir -p "$CACHE"
exec 9> "$CACHE/.lock"
flock 9
if [ ! -f "$img" ] || [ ! -d "$tree" ]; then
	build
fi
touch "$dir"
# Keys nobody used for two weeks go.
find "$CACHE" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -mtime +14 \
	-exec rm -rf {} +
exec 9>&-

if [ $# -eq 0 ]; then
	echo "$img"
	exit 0
fi

out=$1
shift
rm -f "$out"
if [ $# -eq 0 ]; then
	cp --reflink=auto --sparse=always "$img" "$out"
	echo "$out"
	exit 0
fi

for d in "$@"; do
	[ -d "$d" ] || die "$d: not a directory"
done
farm=$(mktemp -d "${TMPDIR:-/tmp}/kho-debian-root.XXXXXX")
trap 'rm -rf "$farm"' EXIT

# copy_in DIR: DIR's tree into the farm, owned by root.  A file the farm
# has is replaced (--remove-destination), never written through: it is a
# hard link to the cache.  /usr is merged: DIR/lib lands in /usr/lib.
copy_in() {
	local e n dst

	for e in "$1"/* "$1"/.[!.]*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		n=${e##*/}
		dst=$farm/$n
		if [ -d "$e" ] && [ ! -L "$e" ]; then
			[ -L "$tree/$n" ] && dst=$farm/$(readlink "$tree/$n")
			mkdir -p "$dst"
			cp -a --no-preserve=ownership --remove-destination \
				"$e/." "$dst/"
		else
			cp -a --no-preserve=ownership --remove-destination \
				"$e" "$dst"
		fi
	done
}

cp -al "$tree/." "$farm/"
for d in "$@"; do
	copy_in "$d"
done
touch -r "$tree/usr" "$farm/usr"
mkimage "$farm" "$out" "$FREE_MB"
echo "$out"
