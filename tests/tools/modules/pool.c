// A mempool made at init and destroyed at exit: its reserve is freed.
#include <linux/module.h>
#include <linux/mempool.h>
static mempool_t *pool;
static int __init pool_init(void)
{
	void *e;

	pool = mempool_create_kmalloc_pool(4, 100);
	if (!pool)
		return -ENOMEM;
	e = mempool_alloc(pool, GFP_KERNEL);
	mempool_free(e, pool);
	return 0;
}
static void __exit pool_exit(void) { mempool_destroy(pool); }
module_init(pool_init);
module_exit(pool_exit);
