/*
 * The RAM section's encoder and decoder (see snap_ram.h).
 */
#include "vmm/snapshot/snap_ram.h"

#include "lib/le_bytes.h"
#include "lib/string.h"

#define RAM_HEADER 12U

/* Eight words OR-ed per test: the scan of every guest page is most of a save's pause. */
static bool page_is_zero(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)p;
	unsigned i;

	for (i = 0; i < SNAP_RAM_PAGE / 8; i += 8)
		if (w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7])
			return false;
	return true;
}

static size_t bitmap_bytes(uint32_t count)
{
	return (count + 7U) / 8U;
}

uint32_t snap_ram_put(struct snap_out *o, uint64_t gpa, uint32_t count, snap_page_fn page, void *ctx)
{
	uint8_t bitmap[SNAP_RAM_RUN_PAGES / 8] = { 0 };
	uint32_t i, zero = 0;

	for (i = 0; i < count; i++) {
		if (page_is_zero(page(ctx, gpa + (uint64_t)i * SNAP_RAM_PAGE)))
			zero++;
		else
			bitmap[i / 8] |= (uint8_t)(1U << (i % 8));
	}
	snap_put64(o, gpa);
	snap_put32(o, count);
	snap_put_bytes(o, bitmap, bitmap_bytes(count));
	/*
	 * The guest is stopped while this runs, so a page cannot turn from zero
	 * to non-zero between the bitmap and its copy (a live save copies
	 * through a map that holds still in the same way).
	 */
	for (i = 0; i < count; i++)
		if (bitmap[i / 8] & (1U << (i % 8)))
			snap_put_bytes(o, page(ctx, gpa + (uint64_t)i * SNAP_RAM_PAGE), SNAP_RAM_PAGE);
	return zero;
}

static uint32_t present_pages(const uint8_t *bitmap, uint32_t count)
{
	uint32_t i, n = 0;

	for (i = 0; i < count; i++)
		n += (bitmap[i / 8] >> (i % 8)) & 1U;
	return n;
}

const char *snap_ram_check(const void *payload, size_t len, uint64_t ram_bytes, uint64_t *gpa_out,
			   uint32_t *count_out)
{
	const uint8_t *p = payload;
	uint64_t gpa;
	uint32_t count, i;
	size_t bm, want;

	if (len < RAM_HEADER)
		return "RAM section is truncated";
	gpa = le_load64(p);
	count = le_load32(p + 8);
	if (!count || count > SNAP_RAM_RUN_PAGES)
		return "RAM section has a bad page count";
	if (gpa % SNAP_RAM_PAGE || gpa >= ram_bytes || count > (ram_bytes - gpa) / SNAP_RAM_PAGE)
		return "RAM section lies outside the guest's RAM";
	bm = bitmap_bytes(count);
	if (len < RAM_HEADER + bm)
		return "RAM section is truncated";
	for (i = count; i < bm * 8; i++)
		if (p[RAM_HEADER + i / 8] & (1U << (i % 8)))
			return "RAM section's page bitmap runs past its count";
	want = RAM_HEADER + bm + (size_t)present_pages(p + RAM_HEADER, count) * SNAP_RAM_PAGE;
	if (len < want)
		return "RAM section is truncated";
	if (len > want)
		return "RAM section is longer than its pages";
	*gpa_out = gpa;
	*count_out = count;
	return NULL;
}

void snap_ram_load(const void *payload, size_t len, snap_page_fn page, void *ctx)
{
	const uint8_t *p = payload;
	uint64_t gpa = le_load64(p);
	uint32_t count = le_load32(p + 8), i;
	const uint8_t *bitmap = p + RAM_HEADER, *data = bitmap + bitmap_bytes(count);

	(void)len;
	for (i = 0; i < count; i++) {
		uint8_t *dst = page(ctx, gpa + (uint64_t)i * SNAP_RAM_PAGE);

		if (bitmap[i / 8] & (1U << (i % 8))) {
			memcpy(dst, data, SNAP_RAM_PAGE);
			data += SNAP_RAM_PAGE;
		} else {
			memset(dst, 0, SNAP_RAM_PAGE);
		}
	}
}
