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
expect "a wild pointer the compiler did not check is an Oops too" 1 "BUG: unable to handle page fault for address: 0000000012345678" -- \
    "$kmsim" run "$m/wild-pointer.c"
expect "and names the faulting line" 1 "w_init\+0x[0-9a-f]+/0x[0-9a-f]+ \[wild_pointer\] \(wild-pointer.c:6\)" -- \
    "$kmsim" run "$m/wild-pointer.c"
expect "an Oops in a module's interrupt handler panics" 0 "panic +nulldev +CPU0 +Kernel panic - not syncing: Fatal exception in interrupt" -- \
    "$kmsim" run "$m/irqnull.kms"
expect "every function the headers declare is exported" 0 "every: sum 6, insmod/100, [0-9]+ exports, HZ 1000" -- \
    "$kmsim" run "$m/every-export.c"
expect "HZ is the machine's" 0 "HZ 250" -- "$kmsim" run "$m/every-export.c" --machine "cpus=2 memory=128M hz=250"
expect "WARN_ON in a module" 1 "WARNING: CPU: 0 PID: 100 at .*warn-then-bug.c:6 wb_init\+0x[0-9a-f]+/0x[0-9a-f]+ \[warn_then_bug\]" -- \
    "$kmsim" run "$m/warn-then-bug.c"
expect "BUG_ON in a module" 1 "kernel BUG at .*warn-then-bug.c:8!" -- "$kmsim" run "$m/warn-then-bug.c"
expect "rmmod stops a kthread that sleeps in a loop" 0 "ticker stopped after 1 ticks: 1" -- "$kmsim" run "$m/kthread-loop.c"
expect "WARN_ON_ONCE warns once" 1 "^reports: 1$" -- "$kmsim" run "$m/warn-once.c"
expect "a module's mempool, destroyed at exit" 0 "PASS  line 3: expect no leaks" -- "$kmsim" run "$m/pool.kms"
expect "uninitialised locks and work items are the module's bug, not kmsim's crash" 1 "BUG: unable to handle page fault for address: 5a5a5a5a5a5a5a5a" -- \
    "$kmsim" run "$m/uninitialised.c"
expect "unknown symbol" 2 "^unknown_symbol: Unknown symbol my_helper \(err -2\)$" -- "$kmsim" run "$m/unknown-symbol.c"
expect "compile error" 2 "compile-error.c:2:[0-9]+: error: .undefined_thing. undeclared" -- \
    "$kmsim" run "$m/compile-error.c"
expect "init fails" 1 "insmod: ERROR: could not insert module init_fails.ko: No such device" -- \
    "$kmsim" run "$m/init-fails.c"
expect "a scenario calls a module's exports" 0 "sum 7" -- "$kmsim" run "$m/calls-into-drv.kms"
expect "work, timer and tasklet of a module" 0 "work runs in kworker/0:0.*" -- "$kmsim" run "$m/calls-into-drv.kms"
expect "timer in softirq" 0 "timer fires, in_softirq=1" -- "$kmsim" run "$m/calls-into-drv.kms"
expect "a call no module exports" 2 "unknown-export.kms:4:3: .*unknown kernel call 'drv_fil', and no module loaded exports it; did you mean drv_fill\?" -- \
    "$kmsim" run "$m/unknown-export.kms"
expect "an interrupt needs a module" 2 "interrupt-without-module.kms:2:.*needs a module" -- \
    "$kmsim" run "$m/interrupt-without-module.kms"
expect "lockdep sees module locks" 1 "\(stats_lock\)\{\+\.\+\.\}-\{3:3\}, at: config_fn\+0x[0-9a-f]+/0x[0-9a-f]+ \[kthread_abba\] \(kthread-abba.c:" -- \
    "$kmsim" run kthread-abba
expect "explore finds the ABBA deadlock" 1 "^replay: kmsim run kthread-abba --schedule " -- \
    "$kmsim" explore kthread-abba --runs 200
expect "explore finds the leak on the error path" 1 "kmalloc by ring_init at leak-error-path.c:[0-9]+" -- \
    "$kmsim" explore leak-error-path --faults alloc --runs 50
expect "a module's interrupt handler" 0 "mydev_interrupt\+0x[0-9a-f]+/0x[0-9a-f]+ \[irq_handler_gfp_kernel\]" -- \
    "$kmsim" run irq-handler-gfp-kernel
expect "vmalloc memory from C, and its guard" 1 "BUG: KASAN: vmalloc-out-of-bounds in v_init\+0x[0-9a-f]+/0x[0-9a-f]+ \[vmalloc_oob\] \(vmalloc-oob.c:13\)" -- \
    "$kmsim" run "$m/vmalloc-oob.c"
expect "vmalloc memory reads back" 1 "vmalloc ffffc90000000000 sum 12388" -- "$kmsim" run "$m/vmalloc-oob.c"
# The same module and seed give the same bytes.
"$kmsim" run kthread-abba --seed 7 >"$dir/a" 2>&1
"$kmsim" run kthread-abba --seed 7 >"$dir/b" 2>&1
cmp -s "$dir/a" "$dir/b" || { echo "FAIL: two runs of kthread-abba differ"; diff "$dir/a" "$dir/b" | head; fail=1; }
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
