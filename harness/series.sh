#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Write the patch series as it will be sent, into build/series/: each patch
# of patches/ with the new files patches/new-files assigns to it, as git
# format-patch output against the base, after a cover letter.  The commits
# are built with git plumbing in the tree's repository, on branch
# kho-series, without touching the working tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$ROOT/harness/prepare.sh" >&2
out=$BUILD/series
tmp=$BUILD/series.tmp
rm -rf "$out" "$tmp"
mkdir -p "$out" "$tmp"

# Patches that prepare.sh applies but that are not mailed.
declare -A local_patch
while read -r num; do
	case "$num" in ''|'#'*) continue ;; esac
	local_patch[$num]=1
done < "$ROOT/patches/not-mailed"

# Every new file goes into exactly one patch.
declare -A owner
while read -r num files; do
	case "$num" in ''|'#'*) continue ;; esac
	for f in $files; do
		[ -f "$ROOT/$f" ] || die "patches/new-files: $f does not exist"
		[ -z "${owner[$f]:-}" ] || die "patches/new-files: $f listed twice"
		owner[$f]=$num
	done
done < "$ROOT/patches/new-files"
while read -r f; do
	[ -n "${owner[$f]:-}" ] || die "$f is in no patch: add it to patches/new-files"
done < "$BUILD/laid.files"

export GIT_INDEX_FILE=$tmp/index
cd "$SRC"
git read-tree base
parent=$(git rev-parse 'base^{commit}')
while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	num=${p%%-*}
	[ -z "${local_patch[$num]:-}" ] || continue
	git apply --cached "$ROOT/patches/$p" || die "patches/$p does not apply"
	for f in "${!owner[@]}"; do
		[ "${owner[$f]}" = "$num" ] || continue
		mode=100644
		[ -x "$ROOT/$f" ] && mode=100755
		blob=$(git hash-object -w "$ROOT/$f")
		git update-index --add --cacheinfo "$mode,$blob,$f"
	done
	tree=$(git write-tree)
	git mailinfo "$tmp/msg" "$tmp/diff" < "$ROOT/patches/$p" > "$tmp/info"
	subject=$(sed -n 's/^Subject: //p' "$tmp/info")
	# The committer is the author too: a new machine has no git
	# identity, and the series must not depend on one.
	name=$(sed -n 's/^Author: //p' "$tmp/info")
	email=$(sed -n 's/^Email: //p' "$tmp/info")
	date=$(sed -n 's/^Date: //p' "$tmp/info")
	parent=$(printf '%s\n\n%s\n' "$subject" "$(cat "$tmp/msg")" |
		 GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email \
		 GIT_AUTHOR_DATE=$date GIT_COMMITTER_NAME=$name \
		 GIT_COMMITTER_EMAIL=$email GIT_COMMITTER_DATE=$date \
		 git commit-tree "$tree" -p "$parent")
done < "$ROOT/patches/series"
git update-ref refs/heads/kho-series "$parent"
unset GIT_INDEX_FILE

git format-patch -q --cover-letter --no-signature -o "$out" base..kho-series

# The cover letter: what, why, how it was tested, the latest figures.
table=$BUILD/bench/table.txt
if [ ! -s "$table" ]; then
	table=$tmp/table
	sed -n '/^<!-- bench -->$/,/^<!-- end bench -->$/p' "$ROOT/README.md" |
		grep -v '^<!--\|^```' > "$table" || true
fi
python3 - "$out"/0000-cover-letter.patch "$ROOT/harness/cover-letter.txt" "$table" <<'PY'
import sys
cover, blurb, table = sys.argv[1:4]
text = open(cover).read()
body = open(blurb).read()
subject, _, body = body.partition('\n\n')
body = body.replace('@BENCH@', open(table).read().rstrip('\n'))
text = text.replace('*** SUBJECT HERE ***', subject.strip())
text = text.replace('*** BLURB HERE ***', body.rstrip('\n'))
open(cover, 'w').write(text)
PY
log "wrote $(ls "$out" | wc -l) files to $out (cover letter and $(($(ls "$out" | wc -l) - 1)) patches); branch kho-series"
