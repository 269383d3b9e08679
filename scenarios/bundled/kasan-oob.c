/*
 * kasan-oob: a write one element past a kmalloc'd array, in module code.
 *
 * The module is compiled with -fsanitize=kernel-address, so each of its
 * loads and stores is checked. kmalloc(10 * sizeof(int)) is served from
 * kmalloc-64: the 24 bytes after the array belong to nobody, and the write
 * to a[10] lands there silently on a kernel without KASAN.
 * What to look for: "BUG: KASAN: slab-out-of-bounds in oob_fill+0x...
 * [kasan_oob] (kasan-oob.c:LINE)", "Write of size 4", and the "Allocated
 * by task" stack, which names oob_init and its line.
 */
#include <linux/module.h>
#include <linux/slab.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KASAN: an off-by-one write past a kmalloc'd array");

static noinline void oob_fill(int *a, int n)
{
	int i;

	for (i = 0; i <= n; i++)	/* bug: one element too many */
		a[i] = i;
}

static int __init oob_init(void)
{
	int *a = kmalloc(10 * sizeof(int), GFP_KERNEL);

	if (!a)
		return -ENOMEM;
	oob_fill(a, 10);
	kfree(a);
	return 0;
}

static void __exit oob_exit(void)
{
}

module_init(oob_init);
module_exit(oob_exit);
