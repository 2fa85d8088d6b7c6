/*
 * The hypervisor's command line: space-separated `key=value` words (from
 * hv.cfg's [hypervisor] cmdline=). Pure; tested on the host.
 */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Copies the value of the last `key=value` word into out (NUL-terminated,
 * truncated to out_size - 1). A bare `key` has the value "". Returns false
 * if the key is absent.
 */
bool cmdline_get(const char *cmdline, const char *key, char *out, size_t out_size);

#endif
