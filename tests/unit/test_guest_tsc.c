/*
 * Host unit test for vmm/core/guest_tsc.h with the LAPIC model: after the guest
 * writes IA32_TSC or IA32_TSC_ADJUST, a TSC-deadline timer it arms fires
 * when its own TSC, not the VM's start-up TSC, reaches the deadline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/dev/lapic.h"
#include "vmm/core/guest_tsc.h"

#define HZ 1000000000ULL /* 1 tick per ns keeps the arithmetic readable */

static void ipi(void *ctx, uint32_t src, uint32_t icr, uint32_t dest) { (void)ctx, (void)src, (void)icr, (void)dest; }
static void eoi(void *ctx, uint8_t vector) { (void)ctx, (void)vector; }

static void deadline_lapic(struct lapic *l)
{
	lapic_init(l, 0, true, (struct lapic_bus){ ipi, eoi, NULL });
	l->tsc_hz = HZ;
	lapic_mmio_write(l, LAPIC_REG_SVR, LAPIC_SVR_ENABLE | 0xff, 0);
	lapic_mmio_write(l, LAPIC_REG_LVT_TIMER, 0x40 | (LAPIC_TIMER_TSC_DEADLINE << 17), 0);
}

static void test_tsc_write(void **state)
{
	struct guest_tsc t = { .offset = -1000ULL, .adjust = 0 }; /* the VM started at host TSC 1000 */

	(void)state;
	guest_tsc_write(&t, 5000, 1000000);
	assert_int_equal(guest_tsc_now(&t, 5000), 1000000);
	assert_int_equal(guest_tsc_now(&t, 6000), 1001000);
	assert_int_equal(t.adjust, 1000000 - 4000); /* moved by what the write added */
	guest_tsc_write_adjust(&t, 0);
	assert_int_equal(guest_tsc_now(&t, 6000), 5000); /* back on the start-up count */
}

/* The deadline is judged on the vCPU's TSC: fires neither early nor late after a TSC write. */
static void test_deadline_after_tsc_write(void **state)
{
	struct guest_tsc t = { .offset = -1000ULL, .adjust = 0 };
	struct lapic l;
	uint64_t host = 5000, next;

	(void)state;
	deadline_lapic(&l);
	guest_tsc_write(&t, host, 1000000000ULL); /* the guest jumps its TSC to 1e9 */
	lapic_write_tsc_deadline(&l, 1000000000ULL + 10000, guest_tsc_now(&t, host));
	next = lapic_timer_update(&l, host, guest_tsc_now(&t, host));
	assert_int_equal(next, host + 10000); /* 10 us from now, not 1 s */
	host += 9999;
	lapic_timer_update(&l, host, guest_tsc_now(&t, host));
	assert_int_equal(lapic_pending_vector(&l), -1);
	host += 1;
	lapic_timer_update(&l, host, guest_tsc_now(&t, host));
	assert_int_equal(lapic_pending_vector(&l), 0x40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tsc_write),
		cmocka_unit_test(test_deadline_after_tsc_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
