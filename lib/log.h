/*
 * The hypervisor's levelled log. Every line goes to the serial console (when
 * its level is at or above the configured one) and into an in-memory ring
 * kept for later display (`dmesg`), whatever its level.
 *
 * Runs in VMX root; callable with interrupts off. Not yet SMP-safe beyond a
 * spinlock around each line.
 */
#ifndef LIB_LOG_H
#define LIB_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Where console output goes: the UART driver registers itself here. */
typedef void (*log_sink_fn)(const char *s, size_t len);

void log_set_sink(log_sink_fn sink);
void log_set_level(enum log_level level);
void log_printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Raw text to the console and the ring, without a level prefix. */
void log_write(const char *s, size_t len);
/* Copies the ring's oldest-first contents into buf; returns bytes copied. */
size_t log_ring_copy(char *buf, size_t size);
/* Reads the ring from sequence `from` (see lib/logring.h); *oldest = oldest byte held. */
size_t log_ring_read(uint64_t from, char *buf, size_t size, uint64_t *next, uint64_t *oldest);
/* Text for the console only (the operator's prompt and screens), never a torn log line. */
void log_console_write(const char *s, size_t len);

#define log_error(...) log_printf(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_printf(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_printf(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

#endif
