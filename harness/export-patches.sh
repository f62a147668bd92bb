#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Developer helper: after committing changes to files of the base in the
# build tree (git commit, or git commit --fixup plus an autosquash rebase
# onto "base"), write them back to patches/ and patches/series.  An
# argument names another work tree of the same repository to export from
# (git worktree add ../recut base), whose commits the build tree then
# gets on the next prepare.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cd "${1:-$SRC}"
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	die "uncommitted changes to base files in $SRC"
rm -f "$ROOT"/patches/*.patch
git format-patch -q --zero-commit --no-signature --no-numbered \
	-o "$ROOT/patches" base..HEAD
(cd "$ROOT/patches" && ls -1 *.patch > series)
if [ -z "${1:-}" ]; then
	# The tree now matches the patches: prepare need not redo it.
	stamp=$(cd "$ROOT/patches" && cat series $(cat series) | sha256sum | cut -d' ' -f1)
	echo "$stamp" > "$BUILD/patches.stamp"
fi
log "wrote $(wc -l < "$ROOT/patches/series") patches"
