#include <linux/module.h>
static int __init w_init(void) {
	int *p = (int *)0x12345678UL;
	int v;
	pr_info("before\n");
	v = __atomic_load_n(p, __ATOMIC_RELAXED);
	return v;
}
module_init(w_init);
