#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The README's table of the kexec scenarios, between <!-- scenarios -->
# and <!-- end scenarios -->: every column but the last comes from the
# selftest's list (tools/testing/selftests/kho/scenarios), the last, what
# each scenario shows, is written in the README.  --check (the default)
# fails, showing the difference, unless the table is what the list gives
# and every scenario has its line; --write rewrites the table from the
# list, keeping what is written.  make check runs --check.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

readme=$ROOT/README.md
begin='<!-- scenarios -->'
end='<!-- end scenarios -->'
mode=${1:---check}
case "$mode" in
--check|--write) ;;
*) die "usage: $0 [--check|--write]" ;;
esac

if ! grep -qx "$begin" "$readme" || ! grep -qx "$end" "$readme"; then
	die "README.md has no $begin ... $end"
fi
current=$(sed -n "/^$begin\$/,/^$end\$/p" "$readme")

# What each scenario shows, from the table as it is.
declare -A shows=()
# shellcheck disable=SC2016
re='^\| `([a-z0-9_]+)` \|.*\| ([^|]*[^| ]) *\|$'
while IFS= read -r line; do
	[[ $line =~ $re ]] && shows[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
done <<< "$current"

list=$(scenario_list) || die "cannot read the scenario list"
missing=()
table=$(
	echo "$begin"
	echo "| Scenario | Arch | Kernels | Expect | Settings | What it shows |"
	echo "|---|---|---|---|---|---|"
	while read -r name arch kernels expect settings; do
		echo "| \`$name\` | ${arch//,/, } | ${kernels//,/, } | $expect |" \
			"${settings:+\`$settings\`} | ${shows[$name]:-} |"
	done <<< "$list"
	echo "$end"
)
while read -r name _; do
	[ -n "${shows[$name]:-}" ] || missing+=("$name")
done <<< "$list"

if [ "$mode" = --write ]; then
	TABLE=$table awk -v begin="$begin" -v end="$end" '
		$0 == begin { print ENVIRON["TABLE"]; skip = 1; next }
		$0 == end { skip = 0; next }
		!skip' "$readme" > "$readme.new"
	mv "$readme.new" "$readme"
	[ ${#missing[@]} -eq 0 ] ||
		echo "README.md: say what these scenarios show: ${missing[*]}" >&2
	exit 0
fi
status=0
if [ "$current" != "$table" ]; then
	echo "README.md's scenario table is not the list's; harness/scenarios-table.sh --write fixes it:"
	diff <(echo "$current") <(echo "$table") || true
	status=1
fi
if [ ${#missing[@]} -ne 0 ]; then
	echo "README.md does not say what these scenarios show: ${missing[*]}"
	status=1
fi
exit $status
