/*
 * A small vsnprintf for the kernel and the loader: %d %i %u %x %X %p %s %c
 * %%, with '-' and '0' flags, field width, precision for %s, and the
 * hh/h/l/ll/z modifiers. Output is always NUL-terminated when size > 0; the
 * return value is the length the full output would have had (as C's
 * snprintf). Pure: the same source runs in host unit tests.
 */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int hv_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
