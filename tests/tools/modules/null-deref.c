#include <linux/module.h>
#include <linux/slab.h>
MODULE_LICENSE("GPL");
struct dev { int *regs; };
static int __init n_init(void) { struct dev *d = kzalloc(sizeof(*d), GFP_KERNEL); int v = d->regs[3]; kfree(d); return v; }
module_init(n_init);
