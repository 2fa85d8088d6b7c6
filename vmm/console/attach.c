/*
 * `console ID`: first what the guest printed while nobody watched (its
 * ring, 64 KiB by default), then its output as it comes, while the
 * operator's keystrokes go to its COM1. Ctrl-] returns to the prompt.
 */
#include "vmm/console/console.h"
#include "vmm/console/guests.h"
#include "vmm/console/hc.h"
#include "vmm/console/out.h"

#define POLL_US 20000ULL /* how long to wait for keys before looking at the guest again */

static struct {
	struct hv_ring_read hdr;
	char data[4096];
} chunk;

/* Shows whatever the guest printed since `*from`; false if the guest is gone. */
static bool show_output(uint32_t id, uint64_t *from)
{
	for (;;) {
		int64_t n;

		chunk.hdr.from = *from;
		n = hc(HC_VM_CONSOLE_READ, id, hc_ptr(&chunk), sizeof(chunk), 0);
		if (n < 0)
			return false;
		if (chunk.hdr.lost && *from)
			out_printf("\n[%llu bytes of output lost]\n", (unsigned long long)chunk.hdr.lost);
		*from = chunk.hdr.next;
		if (n == 0)
			return true;
		out_write(chunk.data, (size_t)n);
	}
}

/* Sends keystrokes to the guest; false if Ctrl-] was among them. */
static bool forward_keys(uint32_t id, const char *keys, size_t n)
{
	size_t i, start = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && keys[i] != CTRL_RBRACKET)
			continue;
		while (start < i) {
			int64_t q = hc(HC_VM_CONSOLE_WRITE, id, hc_ptr(keys + start), i - start, 0);

			if (q <= 0)
				break; /* its queue is full or it is gone: the rest is dropped */
			start += (size_t)q;
		}
		if (i < n)
			return false;
	}
	return true;
}

void attach_guest(uint32_t id, const char *name)
{
	uint64_t from = 0;
	char keys[64];

	out_printf("[attached to %s (id %u); Ctrl-] returns to hv>]\n", name, id);
	for (;;) {
		size_t n;

		if (!show_output(id, &from)) {
			out_printf("\n[guest %s is gone]\n", name);
			return;
		}
		n = console_read(keys, sizeof(keys), POLL_US);
		if (!forward_keys(id, keys, n))
			break;
	}
	out_printf("\n[detached from %s]\n", name);
}
