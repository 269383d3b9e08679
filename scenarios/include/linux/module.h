/* linux/module.h - kmsim's kernel headers: the module's information and its exports.
 *
 * EXPORT_SYMBOL(fn) makes FN callable from a scenario that loads the module,
 * by name, with integer and pointer arguments. MODULE_* strings go to the
 * .modinfo section, as modinfo shows them. */
#ifndef _LINUX_MODULE_H
#define _LINUX_MODULE_H

#include <linux/compiler.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/stddef.h>
#include <linux/types.h>

#ifndef KBUILD_MODNAME
#define KBUILD_MODNAME "module"
#endif

struct module;
#define THIS_MODULE ((struct module *)0)

#define __MODULE_INFO_ID(a, b) __MODULE_INFO_ID2(a, b)
#define __MODULE_INFO_ID2(a, b) a##b
#define MODULE_INFO(tag, info)						\
	static const char __MODULE_INFO_ID(__modinfo_, __COUNTER__)[]	\
	__used __section(".modinfo") __aligned(1) = #tag "=" info

#define MODULE_LICENSE(_license) MODULE_INFO(license, _license)
#define MODULE_AUTHOR(_author) MODULE_INFO(author, _author)
#define MODULE_DESCRIPTION(_description) MODULE_INFO(description, _description)
#define MODULE_VERSION(_version) MODULE_INFO(version, _version)
#define MODULE_ALIAS(_alias) MODULE_INFO(alias, _alias)
#define MODULE_IMPORT_NS(ns) MODULE_INFO(import_ns, #ns)

/* kmsim reads the exports from the names of these entries (__ksymtab_NAME). */
struct kernel_symbol {
	const void *value;
	const char *name;
};
#define __EXPORT_SYMBOL(sym)						\
	extern __typeof__(sym) sym;					\
	__used __section("__ksymtab") const struct kernel_symbol __ksymtab_##sym = { &sym, #sym }
#define EXPORT_SYMBOL(sym) __EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym) __EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_NS(sym, ns) __EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_NS_GPL(sym, ns) __EXPORT_SYMBOL(sym)

#endif /* _LINUX_MODULE_H */
