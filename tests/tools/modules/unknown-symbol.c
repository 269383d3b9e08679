#include <linux/module.h>
extern int my_helper(void);
static int __init u_init(void) { return my_helper(); }
module_init(u_init);
