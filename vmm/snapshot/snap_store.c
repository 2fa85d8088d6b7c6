/*
 * The in-memory snapshot store (see snap_store.h).
 */
#include "vmm/snapshot/snap_store.h"

#include "lib/string.h"

struct snap_record {
	struct snap_record *next;
	uint64_t alloc;  /* bytes the allocator gave (after trimming) */
	uint64_t len;    /* section header and payload */
	uint8_t bytes[]; /* SNAP_SECTION_HEADER_BYTES of header, then the payload */
};

static struct snap_store_env env;
static struct snapshot slots[SNAP_STORE_MAX];
static bool slot_used[SNAP_STORE_MAX];

void snap_store_init(const struct snap_store_env *e)
{
	env = *e;
	memset(slots, 0, sizeof(slots));
	memset(slot_used, 0, sizeof(slot_used));
}

static struct snapshot *by_name(const char *name)
{
	unsigned i;

	for (i = 0; i < SNAP_STORE_MAX; i++)
		if (slot_used[i] && !strcmp(slots[i].name, name))
			return &slots[i];
	return NULL;
}

struct snapshot *snap_store_find(const char *name)
{
	struct snapshot *s = by_name(name);

	return s && s->complete ? s : NULL;
}

struct snapshot *snap_store_at(unsigned i)
{
	return i < SNAP_STORE_MAX && slot_used[i] && slots[i].complete ? &slots[i] : NULL;
}

/* Names are what the console can type and a disk store can keep: letters, digits, - _ . */
static bool name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (!n || n >= SNAP_STORE_NAME)
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static void copy_cut(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

struct snapshot *snap_store_begin(const char *name, const char *guest, const char *method,
				  uint64_t created, const char **why)
{
	unsigned i;

	if (!name_ok(name)) {
		*why = "a snapshot name is 1 to 31 letters, digits, '-', '_' or '.'";
		return NULL;
	}
	if (by_name(name)) {
		*why = "a snapshot of that name exists already";
		return NULL;
	}
	for (i = 0; i < SNAP_STORE_MAX && slot_used[i]; i++)
		;
	if (i == SNAP_STORE_MAX) {
		*why = "the snapshot store is full (" "16" " snapshots): delete one first";
		return NULL;
	}
	memset(&slots[i], 0, sizeof(slots[i]));
	slot_used[i] = true;
	copy_cut(slots[i].name, name, sizeof(slots[i].name));
	copy_cut(slots[i].guest, guest, sizeof(slots[i].guest));
	copy_cut(slots[i].method, method, sizeof(slots[i].method));
	slots[i].created = created;
	slots[i].bytes = SNAP_HEADER_BYTES;
	return &slots[i];
}

uint8_t *snap_store_section_begin(struct snapshot *s, uint64_t max)
{
	uint64_t bytes = sizeof(struct snap_record) + SNAP_SECTION_HEADER_BYTES + max;
	struct snap_record *r = env.alloc(env.ctx, bytes);

	if (!r)
		return NULL;
	r->alloc = bytes;
	s->open = r;
	return r->bytes + SNAP_SECTION_HEADER_BYTES;
}

void snap_store_section_end(struct snapshot *s, uint32_t type, uint16_t version, uint64_t len)
{
	struct snap_record *r = s->open;
	uint64_t used = sizeof(struct snap_record) + SNAP_SECTION_HEADER_BYTES + len;

	snap_section_header_encode(r->bytes, type, version, r->bytes + SNAP_SECTION_HEADER_BYTES, len);
	r->len = SNAP_SECTION_HEADER_BYTES + len;
	if (env.trim && used < r->alloc) {
		env.trim(env.ctx, r, r->alloc, used);
		r->alloc = used;
	}
	if (s->last)
		s->last->next = r;
	else
		s->first = r;
	s->last = r;
	s->open = NULL;
	s->sections++;
	s->bytes += r->len;
}

void snap_store_commit(struct snapshot *s)
{
	snap_header_encode(s->header, s->guest, s->sections, 0);
	s->complete = true;
}

static void free_records(struct snapshot *s)
{
	struct snap_record *r = s->first, *next;

	for (; r; r = next) {
		next = r->next;
		env.free(env.ctx, r, r->alloc);
	}
	if (s->open)
		env.free(env.ctx, s->open, s->open->alloc);
}

void snap_store_abort(struct snapshot *s)
{
	free_records(s);
	slot_used[s - slots] = false;
	memset(s, 0, sizeof(*s));
}

int snap_store_delete(const char *name)
{
	struct snapshot *s = snap_store_find(name);

	if (!s)
		return -1;
	snap_store_abort(s);
	return 0;
}

/* Calls fn on each piece of the stream that overlaps [off, off + len). */
static size_t walk_stream(const struct snapshot *s, uint64_t off, size_t len,
			  void (*fn)(uint8_t *piece, size_t n, void *ctx), void *ctx)
{
	const struct snap_record *r;
	uint64_t at = 0, done = 0;

	if (off < SNAP_HEADER_BYTES) {
		size_t n = SNAP_HEADER_BYTES - off < len ? (size_t)(SNAP_HEADER_BYTES - off) : len;

		fn((uint8_t *)s->header + off, n, ctx);
		done += n;
	}
	at = SNAP_HEADER_BYTES;
	for (r = s->first; r && done < len; r = r->next) {
		uint64_t want = off + done;

		if (want < at + r->len) {
			uint64_t skip = want - at, n = r->len - skip;

			if (n > len - done)
				n = len - done;
			fn((uint8_t *)r->bytes + skip, (size_t)n, ctx);
			done += n;
		}
		at += r->len;
	}
	return (size_t)done;
}

static void copy_piece(uint8_t *piece, size_t n, void *ctx)
{
	uint8_t **dst = ctx;

	memcpy(*dst, piece, n);
	*dst += n;
}

size_t snap_store_read(const struct snapshot *s, uint64_t off, void *dst, size_t len)
{
	uint8_t *p = dst;

	if (off >= s->bytes)
		return 0;
	return walk_stream(s, off, len, copy_piece, &p);
}

static void flip_piece(uint8_t *piece, size_t n, void *ctx)
{
	*piece ^= *(uint8_t *)ctx;
}

int snap_store_flip(struct snapshot *s, uint64_t off, uint8_t mask)
{
	if (off >= s->bytes)
		return -1;
	walk_stream(s, off, 1, flip_piece, &mask);
	return 0;
}

void snap_store_rewind(struct snap_cursor *c, const struct snapshot *s)
{
	c->s = s;
	c->r = s->first;
}

int snap_store_next(struct snap_cursor *c, struct snap_section *sec, const char **why)
{
	const struct snap_record *r = c->r;

	if (!r)
		return 0;
	*why = snap_section_decode(r->bytes, (size_t)r->len, sec);
	if (*why)
		return -1;
	if (SNAP_SECTION_HEADER_BYTES + sec->length != r->len) {
		*why = "section length does not match what was stored";
		return -1;
	}
	c->r = r->next;
	return 1;
}

const char *snap_store_verify(const struct snapshot *s)
{
	struct snap_reader hr;
	struct snap_info info;
	struct snap_cursor c;
	struct snap_section sec;
	const char *why = snap_reader_init(&hr, s->header, SNAP_HEADER_BYTES, &info);
	uint32_t n = 0;
	int rc;

	if (why)
		return why;
	if (info.section_count != s->sections)
		return "header's section count does not match the sections";
	snap_store_rewind(&c, s);
	while ((rc = snap_store_next(&c, &sec, &why)) > 0)
		n++;
	if (rc < 0)
		return why;
	return n == s->sections ? NULL : "sections missing";
}
