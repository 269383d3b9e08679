#include <linux/module.h>
#include <linux/vmalloc.h>
#include <linux/slab.h>
#include <linux/string.h>
static int __init v_init(void) {
	char *p = vmalloc(3 * 4096 + 100);
	char *q = kvmalloc(65536, GFP_KERNEL);
	int i, s = 0;
	memset(p, 1, 3 * 4096 + 100);
	for (i = 0; i < 3 * 4096 + 100; i++) s += p[i];
	q[65535] = 3;
	pr_info("vmalloc %px sum %d kv %px %d\n", p, s, q, q[65535]);
	p[3 * 4096 + 100] = 1;  /* bug */
	vfree(p); kvfree(q);
	return 0;
}
module_init(v_init);
