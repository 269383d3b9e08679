/*
 * leak-error-path: an error path that frees too little.
 *
 * module_init allocates a ring: the structure, then its buffer, then its
 * descriptors. When the third allocation fails, the error path frees the
 * structure but not the buffer. With memory to spare nothing fails and
 * `kmsim run leak-error-path` is clean. `kmsim explore leak-error-path
 * --faults alloc` makes each allocation fail in turn, and kmemleak finds
 * the buffer: "unreferenced object ... (size 512)", allocated at
 * ring_init's line.
 */
#include <linux/module.h>
#include <linux/slab.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A leak on an error path, found by explore --faults alloc");

struct ring {
	void *buf;
	void *desc;
};

static struct ring *ring;

static int __init ring_init(void)
{
	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return -ENOMEM;
	ring->buf = kmalloc(512, GFP_KERNEL);
	if (!ring->buf)
		goto free_ring;
	ring->desc = kcalloc(16, 16, GFP_KERNEL);
	if (!ring->desc)
		goto free_ring;		/* bug: ring->buf is not freed */
	pr_info("ring: buffer and 16 descriptors ready\n");
	return 0;

free_ring:
	kfree(ring);
	return -ENOMEM;
}

static void __exit ring_exit(void)
{
	kfree(ring->desc);
	kfree(ring->buf);
	kfree(ring);
}

module_init(ring_init);
module_exit(ring_exit);
