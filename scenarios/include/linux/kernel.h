/* linux/kernel.h - kmsim's kernel headers: what most kernel code includes first. */
#ifndef _LINUX_KERNEL_H
#define _LINUX_KERNEL_H

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/container_of.h>
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/printk.h>
#include <linux/stddef.h>
#include <linux/types.h>

#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]) + __must_be_array(arr))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define ALIGN(x, a) (((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define round_up(x, y) ((((x) - 1) | ((__typeof__(x))((y) - 1))) + 1)
#define round_down(x, y) ((x) & ~((__typeof__(x))((y) - 1)))
#define abs(x) ({ __typeof__(x) __v = (x); __v < 0 ? -__v : __v; })
#define U8_MAX ((u8)~0U)
#define U16_MAX ((u16)~0U)
#define U32_MAX ((u32)~0U)
#define U64_MAX ((u64)~0ULL)
#define INT_MAX ((int)(~0U >> 1))
#define INT_MIN (-INT_MAX - 1)
#define UINT_MAX (~0U)
#define LONG_MAX ((long)(~0UL >> 1))
#define ULONG_MAX (~0UL)
#define SIZE_MAX (~(size_t)0)

/* The processor this code runs on (process context: as preemption allows). */
int smp_processor_id(void);
#define raw_smp_processor_id() smp_processor_id()

bool in_interrupt(void);
bool in_atomic(void);
bool in_softirq(void);
bool in_serving_softirq(void);
bool in_task(void);
bool irqs_disabled(void);

/* A value in [0, CEIL) from the run's seeded random stream: the same seed
 * gives the same values. */
u32 get_random_u32_below(u32 ceil);

#endif /* _LINUX_KERNEL_H */
