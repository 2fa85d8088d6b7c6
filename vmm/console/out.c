/*
 * Output to the operator through HC_OP_WRITE, at most 4 KiB per call.
 */
#include "vmm/console/out.h"

#include <stdarg.h>

#include "lib/printf.h"
#include "vmm/console/hc.h"

#define CHUNK 4096

void out_write(const char *s, size_t len)
{
	while (len) {
		size_t n = len < CHUNK ? len : CHUNK;

		if (hc(HC_OP_WRITE, hc_ptr(s), n, 0, 0) < 0)
			return;
		s += n;
		len -= n;
	}
}

void out_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	out_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}
