#!/bin/sh
# tests/tools/modules_test.sh KMSIM SRCDIR - C modules end to end: what a user
# sees and the exit status, for a good module, a KASAN report, an Oops, an
# unknown symbol, a compile error and an init that fails; and every kernel
# header compiling alone with -Wall -Werror. Uses a cache of its own.
set -u
kmsim=$1
src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export XDG_CACHE_HOME="$dir/cache"
fail=0
expect() {  # NAME WANT_STATUS PATTERN -- COMMAND...
    name=$1 want=$2 pattern=$3
    shift 4
    "$@" >"$dir/out" 2>&1
    got=$?
    if [ "$got" != "$want" ] || ! grep -qE -- "$pattern" "$dir/out"; then
        echo "FAIL $name: exit $got (want $want), pattern '$pattern' in:"
        cat "$dir/out"
        fail=1
    fi
}
m=$src/tests/tools/modules
expect "tutorial loads" 0 "Memory Allocation Demo Module Loaded" -- "$kmsim" run mem-alloc-tutorial
expect "tutorial unloads, cached" 0 "Memory Allocation Demo Module Unloaded" -- "$kmsim" run mem-alloc-tutorial
ls "$XDG_CACHE_HOME"/kmsim/modules/*/mem_alloc_tutorial.ko >/dev/null || { echo "FAIL: no cached module"; fail=1; }
expect "KASAN in module code" 1 "BUG: KASAN: slab-out-of-bounds in oob_fill.*\[kasan_oob\] \(kasan-oob.c:2[0-9]\)" -- \
    "$kmsim" run kasan-oob
expect "allocated by the module's function" 1 "oob_init\+0x[0-9a-f]+/0x[0-9a-f]+ \[kasan_oob\] \(kasan-oob.c:" -- \
    "$kmsim" run kasan-oob
expect "NULL dereference is an Oops" 1 "BUG: kernel NULL pointer dereference, address: 000000000000000c" -- \
    "$kmsim" run "$m/null-deref.c"
expect "unknown symbol" 2 "^unknown_symbol: Unknown symbol my_helper \(err -2\)$" -- "$kmsim" run "$m/unknown-symbol.c"
expect "compile error" 2 "compile-error.c:2:[0-9]+: error: .undefined_thing. undeclared" -- \
    "$kmsim" run "$m/compile-error.c"
expect "init fails" 1 "insmod: ERROR: could not insert module init_fails.ko: No such device" -- \
    "$kmsim" run "$m/init-fails.c"
expect "list shows modules" 0 "mem-alloc-tutorial +\(C module\)" -- "$kmsim" list
# Each header alone, as the kernel's header tests do.
inc=$(ls -d "$XDG_CACHE_HOME"/kmsim/include-*)
for h in $(cd "$inc" && find linux -name '*.h' | sort); do
    echo "#include <$h>" >"$dir/h.c"
    gcc -std=gnu11 -Wall -Wextra -Werror -nostdinc -isystem "$inc" -fsyntax-only "$dir/h.c" || {
        echo "FAIL header $h does not compile alone"
        fail=1
    }
done
exit $fail
