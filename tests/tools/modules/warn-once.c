#include <linux/module.h>
static int __init o_init(void) { int i; for (i = 0; i < 3; i++) WARN_ON_ONCE(i >= 0); return 0; }
module_init(o_init);
