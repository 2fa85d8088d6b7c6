/*
 * The hypervisor's levelled log: one formatted line at a time goes into the
 * ring (every level) and to the console sink (levels at or above the
 * configured one). A spinlock keeps lines whole when several CPUs log.
 */
#include "lib/spinlock.h"
#include "lib/log.h"

#include <stdarg.h>

#include "lib/logring.h"
#include "lib/printf.h"

#define LOG_RING_SIZE (64 * 1024)
#define LOG_LINE_MAX 256

static char ring_storage[LOG_RING_SIZE];
static struct logring ring = { ring_storage, LOG_RING_SIZE, 0 };
static log_sink_fn sink;
static enum log_level console_level = LOG_INFO;
static spinlock_t lock = SPINLOCK_INIT;

void log_set_sink(log_sink_fn fn)
{
	sink = fn;
}

void log_set_level(enum log_level level)
{
	console_level = level;
}

static void emit(enum log_level level, const char *s, size_t len)
{
	logring_write(&ring, s, len);
	if (sink && level <= console_level)
		sink(s, len);
}

void log_write(const char *s, size_t len)
{
	spin_lock(&lock);
	emit(LOG_ERROR, s, len);
	spin_unlock(&lock);
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2; /* truncated: still end the line */
	line[n++] = '\n';
	line[n] = 0;
	spin_lock(&lock);
	emit(level, line, (size_t)n);
	spin_unlock(&lock);
}

size_t log_ring_copy(char *buf, size_t size)
{
	uint64_t next;
	size_t n;

	spin_lock(&lock);
	n = logring_read(&ring, 0, buf, size, &next);
	spin_unlock(&lock);
	return n;
}

size_t log_ring_read(uint64_t from, char *buf, size_t size, uint64_t *next, uint64_t *oldest)
{
	size_t n;

	spin_lock(&lock);
	*oldest = logring_oldest(&ring);
	n = logring_read(&ring, from, buf, size, next);
	spin_unlock(&lock);
	return n;
}

void log_console_write(const char *s, size_t len)
{
	spin_lock(&lock);
	if (sink)
		sink(s, len);
	spin_unlock(&lock);
}
