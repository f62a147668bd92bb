#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Developer helper: after committing changes to files of the base in the
# build tree (git commit, or git commit --fixup plus an autosquash rebase
# onto "base"), write them back to patches/ and patches/series.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cd "$SRC"
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	die "uncommitted changes to base files in $SRC"
rm -f "$ROOT"/patches/*.patch
git format-patch -q --zero-commit --no-signature --no-numbered \
	-o "$ROOT/patches" base..HEAD
(cd "$ROOT/patches" && ls -1 *.patch > series)
# The tree now matches the patches: record it so prepare does not redo it.
stamp=$(cd "$ROOT/patches" && cat series $(cat series) | sha256sum | cut -d' ' -f1)
echo "$stamp" > "$BUILD/patches.stamp"
log "wrote $(wc -l < "$ROOT/patches/series") patches"
