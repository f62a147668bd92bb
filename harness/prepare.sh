#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Lay out the kernel tree: extract Debian's linux-source-6.12 into the
# build folder (once), apply patches/ in the order patches/series gives,
# and copy this repository's new files in at their in-tree paths.
#
# The tree is a git repository whose "base" tag is the pristine source,
# so a changed patch set is reapplied from scratch and only the files it
# touches get new timestamps.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$ROOT/harness/deps.sh"
mkdir -p "$BUILD"

pkg_version=$(dpkg-query -W -f='${Version}' "$BASE_PKG")
if [ ! -d "$SRC/.git" ] || ! git -C "$SRC" rev-parse -q --verify base >/dev/null ||
   [ "$(cat "$BUILD/base.version" 2>/dev/null)" != "$pkg_version" ]; then
	log "extracting $BASE_TARBALL ($BASE_PKG $pkg_version)"
	rm -rf "$SRC" "$BUILD/patches.stamp" "$BUILD/laid.files"
	tar -C "$BUILD" -xf "$BASE_TARBALL"
	[ -f "$SRC/Makefile" ] || die "$BASE_TARBALL did not hold linux-source-6.12/"
	# Debian's .gitignore ignores the whole top level: add with -f.
	git -C "$SRC" init -q
	git -C "$SRC" add -Af
	git -C "$SRC" -c user.name=base -c user.email=base@localhost \
		commit -q -m "Linux $pkg_version as Debian ships it"
	git -C "$SRC" tag base
	echo "$pkg_version" > "$BUILD/base.version"
fi

series=()
while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	[ -f "$ROOT/patches/$p" ] || die "patches/series names $p, which is missing"
	series+=("$ROOT/patches/$p")
done < "$ROOT/patches/series"

stamp=$(cat "$ROOT/patches/series" ${series[@]+"${series[@]}"} | sha256sum | cut -d' ' -f1)
if [ "$(cat "$BUILD/patches.stamp" 2>/dev/null)" != "$stamp" ]; then
	log "applying ${#series[@]} patches"
	git -C "$SRC" am --abort >/dev/null 2>&1 || true
	git -C "$SRC" reset -q --hard base
	git -C "$SRC" clean -qfdx
	rm -f "$BUILD/patches.stamp" "$BUILD/laid.files"
	for p in ${series[@]+"${series[@]}"}; do
		if ! git -C "$SRC" -c user.name=harness -c user.email=harness@localhost \
		     am -q --keep-cr "$p" >"$BUILD/am.log" 2>&1; then
			git -C "$SRC" am --abort >/dev/null 2>&1 || true
			cat "$BUILD/am.log" >&2
			die "patch $(basename "$p") does not apply to $BASE_PKG $pkg_version"
		fi
	done
	echo "$stamp" > "$BUILD/patches.stamp"
fi

# New files: refuse any that would shadow a file of the base.
cd "$ROOT"
dirs=()
for d in $IN_TREE_DIRS; do [ -d "$d" ] && dirs+=("$d"); done
find "${dirs[@]}" -type f | LC_ALL=C sort > "$BUILD/laid.files.new"
while read -r f; do
	if git -C "$SRC" cat-file -e "base:$f" 2>/dev/null; then
		die "$f exists in the base: change it with a patch instead"
	fi
done < "$BUILD/laid.files.new"
if [ -f "$BUILD/laid.files" ]; then
	comm -23 "$BUILD/laid.files" "$BUILD/laid.files.new" |
		while read -r f; do rm -f "$SRC/$f"; done
fi
# -c: copy only files whose contents changed, so make rebuilds only those.
rsync -rc --files-from="$BUILD/laid.files.new" "$ROOT" "$SRC"
mv "$BUILD/laid.files.new" "$BUILD/laid.files"

log "base: $BASE_PKG $pkg_version, Linux $(make -s -C "$SRC" kernelversion), ${#series[@]} patches, $(wc -l < "$BUILD/laid.files") new files"
