#include <linux/module.h>
static int __init wb_init(void)
{
	int budget = 0;

	WARN_ON(budget == 0);
	WARN(budget < 1, "budget %d too small\n", budget);
	BUG_ON(budget == 0);
	return 0;
}
module_init(wb_init);
