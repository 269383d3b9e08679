#include <linux/module.h>
static int __init c_init(void) { return undefined_thing; }
module_init(c_init);
