/*
 * The C module path's speed: 1,000,000 kmalloc/kfree pairs, as
 * kmalloc-loop.kms makes them.
 *   build/kmsim run -q tests/bench/kmalloc-loop.c --machine "cpus=1 memory=64M"
 */
#include <linux/module.h>
#include <linux/slab.h>

MODULE_LICENSE("GPL");

static int __init loop_init(void)
{
	int i;

	for (i = 0; i < 1000000; i++) {
		void *p = kmalloc(64, GFP_KERNEL);

		kfree(p);
	}
	return 0;
}

module_init(loop_init);
