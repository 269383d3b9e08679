/*
 * mem-alloc-tutorial: the kernel memory allocation tutorial's module, as a
 * module author writes it: kmalloc, kzalloc and kcalloc in module_init, a
 * buffer grown with krealloc, everything freed, and a message at unload.
 *
 * Run it with `kmsim run mem-alloc-tutorial`: insmod runs mem_alloc_init,
 * rmmod runs mem_alloc_exit. What to look for: the two messages, no report
 * and no leak. Change GFP_KERNEL to GFP_ATOMIC: nothing changes, memory is
 * plentiful and this is process context. Forget a kfree(): kmemleak names
 * the allocation's function and line.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kmsim");
MODULE_DESCRIPTION("The kmalloc tutorial's module: kmalloc, kzalloc, kcalloc, krealloc");

#define NR_INTS 16

static int *numbers;
static char *message;
static int *zeroed;

static int __init mem_alloc_init(void)
{
	int i;
	char *bigger;

	pr_info("Memory Allocation Demo Module Loaded\n");

	numbers = kmalloc(NR_INTS * sizeof(int), GFP_KERNEL);
	if (!numbers)
		return -ENOMEM;
	for (i = 0; i < NR_INTS; i++)
		numbers[i] = i * i;
	pr_info("kmalloc: %zu bytes at %px, numbers[%d] = %d\n", NR_INTS * sizeof(int), numbers, NR_INTS - 1,
		numbers[NR_INTS - 1]);

	message = kzalloc(32, GFP_KERNEL);
	if (!message)
		goto free_numbers;
	strscpy(message, "hello from kzalloc", 32);
	pr_info("kzalloc: \"%s\" (ksize %zu)\n", message, ksize(message));

	zeroed = kcalloc(NR_INTS, sizeof(int), GFP_KERNEL);
	if (!zeroed)
		goto free_message;
	for (i = 0; i < NR_INTS; i++)
		WARN_ON(zeroed[i] != 0);
	pr_info("kcalloc: %d zeroed ints at %px\n", NR_INTS, zeroed);

	bigger = krealloc(message, 64, GFP_KERNEL);
	if (!bigger)
		goto free_zeroed;
	message = bigger;
	strscpy(message + strlen(message), ", grown by krealloc", 64 - strlen(message));
	pr_info("krealloc: \"%s\" at %px\n", message, message);
	return 0;

free_zeroed:
	kfree(zeroed);
free_message:
	kfree(message);
free_numbers:
	kfree(numbers);
	return -ENOMEM;
}

static void __exit mem_alloc_exit(void)
{
	kfree(zeroed);
	kfree(message);
	kfree(numbers);
	pr_info("Memory Allocation Demo Module Unloaded\n");
}

module_init(mem_alloc_init);
module_exit(mem_alloc_exit);
