/*
 * The console domain's output to the operator's serial line.
 */
#ifndef VMM_CONSOLE_OUT_H
#define VMM_CONSOLE_OUT_H

#include <stddef.h>

void out_write(const char *s, size_t len);
void out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
