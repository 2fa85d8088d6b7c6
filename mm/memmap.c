/*
 * UEFI memory map interpretation (see mm/memmap.h). Runs once in the kernel
 * at boot, before the frame allocator exists, so it works in place: no
 * sorting buffer, only repeated scans of the map. Each output range costs
 * O(n^2) in the number of descriptors; maps have a few hundred at most.
 *
 * Firmware maps are trusted for nothing: descriptors may be unsorted,
 * overlap or claim to run past 2^64. A byte is free only if a free type
 * covers it and nothing else (another type, a reserved range) does.
 */
#include "mm/memmap.h"

#include "lib/string.h"

/* [start, end); end is clamped to 2^64 - 1 when the real end would wrap. */
struct memmap_span {
	uint64_t start, end;
};

struct memmap_view {
	const uint8_t *map;
	size_t count, desc_size;
	bool (*wanted)(uint32_t type);
	bool subtract;			/* other types and `reserved` are holes */
	const struct mem_range *reserved;
	size_t reserved_count;
};

static bool memmap_is_free_type(uint32_t type)
{
	return type == EFI_MT_BS_CODE || type == EFI_MT_BS_DATA ||
	       type == EFI_MT_CONVENTIONAL;
}

static bool memmap_is_ram_type(uint32_t type)
{
	switch (type) {
	case EFI_MT_LOADER_CODE:
	case EFI_MT_LOADER_DATA:
	case EFI_MT_BS_CODE:
	case EFI_MT_BS_DATA:
	case EFI_MT_RUNTIME_CODE:
	case EFI_MT_RUNTIME_DATA:
	case EFI_MT_CONVENTIONAL:
	case EFI_MT_ACPI_RECLAIM:
	case EFI_MT_ACPI_NVS:
	case EFI_MT_PERSISTENT:
		return true;
	default:
		return type >= EFI_MT_OS_FIRST;
	}
}

static struct memmap_span memmap_clamped(uint64_t start, uint64_t bytes)
{
	struct memmap_span s = { start, start + bytes };

	if (bytes > ~0ULL - start)
		s.end = ~0ULL;
	return s;
}

/* Descriptor i as a span; *wanted says whether its type is the one looked for. */
static struct memmap_span memmap_desc(const struct memmap_view *v, size_t i, bool *wanted)
{
	struct efi_mem_desc d;
	uint64_t bytes;

	/* The map is only as aligned as the firmware made it. */
	memcpy(&d, v->map + i * v->desc_size, sizeof(d));
	*wanted = v->wanted(d.type);
	bytes = d.number_of_pages > (~0ULL >> 12) ? ~0ULL : d.number_of_pages * MEMMAP_PAGE_SIZE;
	return memmap_clamped(d.physical_start, bytes);
}

/* Hole k: descriptors of other types first, then the reserved ranges. */
static bool memmap_hole(const struct memmap_view *v, size_t k, struct memmap_span *s)
{
	bool wanted;

	if (!v->subtract)
		return false;
	if (k < v->count) {
		*s = memmap_desc(v, k, &wanted);
		return !wanted && s->start < s->end;
	}
	k -= v->count;
	*s = memmap_clamped(v->reserved[k].base, v->reserved[k].size);
	return s->start < s->end;
}

static size_t memmap_hole_count(const struct memmap_view *v)
{
	return v->subtract ? v->count + v->reserved_count : 0;
}

static bool memmap_in(const struct memmap_span *s, uint64_t x)
{
	return s->start <= x && x < s->end;
}

static bool memmap_is_free(const struct memmap_view *v, uint64_t x)
{
	struct memmap_span s;
	bool covered = false, wanted;
	size_t i;

	for (i = 0; i < v->count && !covered; i++) {
		s = memmap_desc(v, i, &wanted);
		covered = wanted && memmap_in(&s, x);
	}
	for (i = 0; covered && i < memmap_hole_count(v); i++)
		if (memmap_hole(v, i, &s) && memmap_in(&s, x))
			covered = false;
	return covered;
}

/*
 * The lowest maximal free interval starting at or after `from`. A free
 * interval can only begin at `from`, at the start of a wanted descriptor or
 * at the end of a hole, so only those points are tried.
 */
static bool memmap_next(const struct memmap_view *v, uint64_t from, struct memmap_span *out)
{
	struct memmap_span s;
	uint64_t start = ~0ULL, end;
	bool found = false, wanted, grew;
	size_t i;

	if (memmap_is_free(v, from)) {
		start = from;
		found = true;
	}
	for (i = 0; i < v->count; i++) {
		s = memmap_desc(v, i, &wanted);
		if (wanted && s.start >= from && s.start < start && memmap_is_free(v, s.start)) {
			start = s.start;
			found = true;
		}
	}
	for (i = 0; i < memmap_hole_count(v); i++) {
		if (memmap_hole(v, i, &s) && s.end >= from && s.end < start &&
		    memmap_is_free(v, s.end)) {
			start = s.end;
			found = true;
		}
	}
	if (!found)
		return false;

	/* Grow through overlapping or touching wanted descriptors... */
	end = start;
	do {
		grew = false;
		for (i = 0; i < v->count; i++) {
			s = memmap_desc(v, i, &wanted);
			if (wanted && memmap_in(&s, end)) {
				end = s.end;
				grew = true;
			}
		}
	} while (grew);
	/* ...and stop at the first hole. */
	for (i = 0; i < memmap_hole_count(v); i++)
		if (memmap_hole(v, i, &s) && s.start > start && s.start < end)
			end = s.start;

	out->start = start;
	out->end = end;
	return true;
}

/* memmap_free_ranges, clipped to [lo, hi). */
static size_t free_ranges_within(const void *map, size_t map_size, size_t desc_size,
				 const struct mem_range *reserved, size_t reserved_count,
				 uint64_t lo, uint64_t hi,
				 struct mem_range *out, size_t out_max, bool *truncated)
{
	struct memmap_view v = {
		.map = map, .desc_size = desc_size, .wanted = memmap_is_free_type,
		.subtract = true, .reserved = reserved, .reserved_count = reserved_count,
	};
	struct memmap_span s;
	uint64_t from = lo, base, end;
	size_t n = 0;

	if (truncated)
		*truncated = false;
	if (desc_size < sizeof(struct efi_mem_desc))
		return 0;
	v.count = map_size / desc_size;

	/* Intervals are maximal, so after rounding inwards none touch. */
	while (from < hi && memmap_next(&v, from, &s)) {
		from = s.end;
		if (s.start > ~(MEMMAP_PAGE_SIZE - 1) || s.start >= hi)
			break;
		base = (s.start + MEMMAP_PAGE_SIZE - 1) & ~(MEMMAP_PAGE_SIZE - 1);
		end = (s.end < hi ? s.end : hi) & ~(MEMMAP_PAGE_SIZE - 1);
		if (base >= end)
			continue;
		if (n == out_max) {
			if (truncated)
				*truncated = true;
			break;
		}
		out[n].base = base;
		out[n].size = end - base;
		n++;
	}
	return n;
}

size_t memmap_free_ranges(const void *map, size_t map_size, size_t desc_size,
			  const struct mem_range *reserved, size_t reserved_count,
			  struct mem_range *out, size_t out_max, bool *truncated)
{
	return free_ranges_within(map, map_size, desc_size, reserved, reserved_count,
				  MEMMAP_LOW_LIMIT, ~0ULL, out, out_max, truncated);
}

size_t memmap_low_free_ranges(const void *map, size_t map_size, size_t desc_size,
			      const struct mem_range *reserved, size_t reserved_count,
			      struct mem_range *out, size_t out_max, bool *truncated)
{
	return free_ranges_within(map, map_size, desc_size, reserved, reserved_count,
				  0, MEMMAP_LOW_LIMIT, out, out_max, truncated);
}

uint64_t memmap_ram_bytes(const void *map, size_t map_size, size_t desc_size)
{
	struct memmap_view v = {
		.map = map, .desc_size = desc_size, .wanted = memmap_is_ram_type,
	};
	struct memmap_span s;
	uint64_t from = 0, total = 0;

	if (desc_size < sizeof(struct efi_mem_desc))
		return 0;
	v.count = map_size / desc_size;
	/* Disjoint pieces of [0, 2^64 - 1): the sum cannot overflow. */
	while (memmap_next(&v, from, &s)) {
		total += s.end - s.start;
		from = s.end;
	}
	return total;
}

const char *memmap_type_name(uint32_t type)
{
	static const char *const names[] = {
		[EFI_MT_RESERVED] = "reserved",
		[EFI_MT_LOADER_CODE] = "loader-code",
		[EFI_MT_LOADER_DATA] = "loader-data",
		[EFI_MT_BS_CODE] = "bs-code",
		[EFI_MT_BS_DATA] = "bs-data",
		[EFI_MT_RUNTIME_CODE] = "runtime-code",
		[EFI_MT_RUNTIME_DATA] = "runtime-data",
		[EFI_MT_CONVENTIONAL] = "conventional",
		[EFI_MT_UNUSABLE] = "unusable",
		[EFI_MT_ACPI_RECLAIM] = "acpi-reclaim",
		[EFI_MT_ACPI_NVS] = "acpi-nvs",
		[EFI_MT_MMIO] = "mmio",
		[EFI_MT_MMIO_PORT] = "mmio-port",
		[EFI_MT_PAL_CODE] = "pal-code",
		[EFI_MT_PERSISTENT] = "persistent",
		[EFI_MT_UNACCEPTED] = "unaccepted",
	};
	/* Spelled out so the result is static: callers may print two at once. */
	static const char *const os_names[] = {
		"os:80000000", "os:80000001", "os:80000002", "os:80000003",
		"os:80000004", "os:80000005", "os:80000006", "os:80000007",
		"os:80000008", "os:80000009", "os:8000000a", "os:8000000b",
		"os:8000000c", "os:8000000d", "os:8000000e", "os:8000000f",
	};

	if (type < sizeof(names) / sizeof(names[0]))
		return names[type];
	if (type >= EFI_MT_OS_FIRST)
		return type - EFI_MT_OS_FIRST < sizeof(os_names) / sizeof(os_names[0]) ?
			       os_names[type - EFI_MT_OS_FIRST] : "os";
	if (type >= EFI_MT_OEM_FIRST)
		return "oem";
	return "unknown";
}
