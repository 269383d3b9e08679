/* linux/string.h - kmsim's kernel headers: memory and string functions.
 *
 * memset, memcpy and memmove are kernel calls, checked by KASAN as a whole
 * as the kernel's instrumented ones are (mm/kasan/shadow.c), and charged
 * by the byte. The others are written here, in C, so that they are
 * compiled with the module and every byte they touch is checked. */
#ifndef _LINUX_STRING_H
#define _LINUX_STRING_H

#include <linux/errno.h>
#include <linux/gfp_types.h>
#include <linux/types.h>

void *memset(void *s, int c, size_t n);
void *memcpy(void *dest, const void *src, size_t n);
void *memmove(void *dest, const void *src, size_t n);
void *kmalloc(size_t size, gfp_t flags);

static inline int memcmp(const void *cs, const void *ct, size_t count)
{
	const unsigned char *a = cs, *b = ct;

	for (; count; count--, a++, b++)
		if (*a != *b)
			return *a < *b ? -1 : 1;
	return 0;
}

static inline void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

static inline size_t strlen(const char *s)
{
	const char *sc = s;

	while (*sc)
		sc++;
	return sc - s;
}

static inline size_t strnlen(const char *s, size_t count)
{
	const char *sc = s;

	while (count-- && *sc)
		sc++;
	return sc - s;
}

static inline int strcmp(const char *cs, const char *ct)
{
	unsigned char c1, c2;

	do {
		c1 = *cs++;
		c2 = *ct++;
		if (c1 != c2)
			return c1 < c2 ? -1 : 1;
	} while (c1);
	return 0;
}

static inline int strncmp(const char *cs, const char *ct, size_t count)
{
	unsigned char c1, c2;

	while (count--) {
		c1 = *cs++;
		c2 = *ct++;
		if (c1 != c2)
			return c1 < c2 ? -1 : 1;
		if (!c1)
			break;
	}
	return 0;
}

static inline char *strchr(const char *s, int c)
{
	for (; *s != (char)c; s++)
		if (*s == '\0')
			return NULL;
	return (char *)s;
}

static inline char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	do {
		if (*s == (char)c)
			last = s;
	} while (*s++);
	return (char *)last;
}

static inline char *strstr(const char *s1, const char *s2)
{
	size_t l1, l2 = strlen(s2);

	if (!l2)
		return (char *)s1;
	l1 = strlen(s1);
	while (l1 >= l2) {
		l1--;
		if (!memcmp(s1, s2, l2))
			return (char *)s1;
		s1++;
	}
	return NULL;
}

/* Copies at most COUNT - 1 bytes and always terminates: the length copied,
 * or -E2BIG when SRC did not fit. */
static inline ssize_t strscpy(char *dest, const char *src, size_t count)
{
	size_t i;

	if (count == 0)
		return -E2BIG;
	for (i = 0; i < count - 1 && src[i]; i++)
		dest[i] = src[i];
	dest[i] = '\0';
	return src[i] ? -E2BIG : (ssize_t)i;
}

static inline void *kmemdup(const void *src, size_t len, gfp_t gfp)
{
	void *p = kmalloc(len, gfp);

	if (p)
		memcpy(p, src, len);
	return p;
}

static inline char *kstrdup(const char *s, gfp_t gfp)
{
	return s ? (char *)kmemdup(s, strlen(s) + 1, gfp) : NULL;
}

static inline char *kstrndup(const char *s, size_t max, gfp_t gfp)
{
	size_t len;
	char *buf;

	if (!s)
		return NULL;
	len = strnlen(s, max);
	buf = kmalloc(len + 1, gfp);
	if (buf) {
		memcpy(buf, s, len);
		buf[len] = '\0';
	}
	return buf;
}

#endif /* _LINUX_STRING_H */
