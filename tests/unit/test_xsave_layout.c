/*
 * Unit tests of arch/x86/xsave_layout.c: the XSAVEC image check that decides
 * whether guests are offered XSAVEC. Images are built by hand the way a
 * sound CPU and the way Bochs 2.7 write them. Runs on the host under cmocka.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/xsave_layout.h"

#define AREA 4096
#define SSE_OFFSET 160U
#define SSE_BYTES 256U
#define AVX_BYTES 256U

static uint8_t area[AREA];

static void put64(unsigned off, uint64_t v)
{
	unsigned i;

	for (i = 0; i < 8; i++)
		area[off + i] = (uint8_t)(v >> (8 * i));
}

/* An image with the AVX component at avx_offset (YMM0's upper half all ones, the rest zero). */
static void image(unsigned avx_offset)
{
	memset(area, 0, sizeof(area));
	memset(area + SSE_OFFSET, 0x11, SSE_BYTES); /* some XMM state */
	memset(area + avx_offset, 0, AVX_BYTES);
	memset(area + avx_offset, 0xff, 16);
	/* The header last, as the CPU writes it. */
	put64(XSAVE_HEADER_OFFSET, 0x7);
	put64(XSAVE_HEADER_OFFSET + 8, XSAVE_XCOMP_COMPACTED | 0x7);
}

static void test_sound_image(void **state)
{
	(void)state;
	image(XSAVE_EXTENDED_OFFSET);
	assert_null(xsavec_image_fault(area, sizeof(area)));
}

/* Bochs 2.7: the AVX state right after the SSE state, at 416, over the header. */
static void test_bochs_image(void **state)
{
	(void)state;
	image(SSE_OFFSET + SSE_BYTES);
	assert_non_null(xsavec_image_fault(area, sizeof(area)));
	/* Even with YMM registers 7-9 clear, so the header's reserved bytes stay zero. */
	memset(area + XSAVE_HEADER_OFFSET + 16, 0, XSAVE_EXTENDED_OFFSET - XSAVE_HEADER_OFFSET - 16);
	assert_string_equal(xsavec_image_fault(area, sizeof(area)),
			    "the AVX component is not at offset 576");
}

static void test_header_checks(void **state)
{
	(void)state;
	image(XSAVE_EXTENDED_OFFSET);
	put64(XSAVE_HEADER_OFFSET + 8, 0x7); /* standard form: not what XSAVEC writes */
	assert_string_equal(xsavec_image_fault(area, sizeof(area)),
			    "XCOMP_BV is not compacted x87|SSE|AVX");
	image(XSAVE_EXTENDED_OFFSET);
	put64(XSAVE_HEADER_OFFSET, 0x3); /* AVX in its init state: nothing was seen */
	assert_string_equal(xsavec_image_fault(area, sizeof(area)),
			    "XSTATE_BV says the AVX state was not in use");
	image(XSAVE_EXTENDED_OFFSET);
	area[XSAVE_HEADER_OFFSET + 40] = 1;
	assert_string_equal(xsavec_image_fault(area, sizeof(area)),
			    "component data over the XSAVE header's reserved bytes");
	assert_string_equal(xsavec_image_fault(area, 100), "image too short");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sound_image),
		cmocka_unit_test(test_bochs_image),
		cmocka_unit_test(test_header_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
