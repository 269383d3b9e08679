#include <linux/module.h>
static int __init e_init(void) { pr_err("no device\n"); return -ENODEV; }
module_init(e_init);
