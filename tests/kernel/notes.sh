#!/bin/sh
# Checks that every syscall pulls its component's PITH_NOTE_COMPONENT note into a link: for each
# line of kernel/syscall/syscalls.def, link only that component's archive with pith_sys_<name>
# as the entry (--gc-sections, other symbols left unresolved) and look for the note.
#
# Usage: tests/kernel/notes.sh LIBDIR   (the folder with libpith-<component>.a)
# Prints "ok"/"FAIL" per syscall and "N passed, N failed"; exits 1 on any failure.
set -u
libdir=$1
def=kernel/syscall/syscalls.def
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pith-notes.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# Lines "PITH_SYSCALL_DEF(nr, name, nargs, component, link)" as "name component".
entries=$(sed -n 's/^PITH_SYSCALL_DEF([0-9]*, *\([a-z0-9_]*\), *[0-9]*, *\([a-z]*\), *[a-z_]*)$/\1 \2/p' "$def")
[ -n "$entries" ] || { echo "FAIL: no entries read from $def"; echo "0 passed, 1 failed"; exit 1; }

while read -r name comp; do
	out=$tmp/$name
	if ld -static --gc-sections --unresolved-symbols=ignore-all -e "pith_sys_$name" \
		-o "$out" "$libdir/libpith-$comp.a" 2>"$tmp/err" &&
		nm "$out" | grep -q " T pith_sys_$name\$" &&
		readelf -nW "$out" | grep -q "description data: $(printf '%s' "$comp" | od -An -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//') 00"; then
		pass=$((pass + 1))
	else
		echo "FAIL $name: linking libpith-$comp.a for pith_sys_$name lacks the '$comp' note"
		cat "$tmp/err"
		fail=$((fail + 1))
	fi
done <<EOT
$entries
EOT
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
