/*
 * Host unit test for vmm/core/vcpu_req.h: posted requests are taken once
 * and all together, none is lost when several CPUs post at once (threads
 * here), a handler sees what was written before its bit was posted, and
 * control-word changes add up with the later request winning.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/core/vcpu_req.h"

static void test_post_and_take(void **state)
{
	uint32_t requests = 0;

	(void)state;
	assert_int_equal(vcpu_req_take(&requests), 0);
	vcpu_req_post(&requests, VCPU_REQ_FLUSH_EPT);
	vcpu_req_post(&requests, VCPU_REQ_RESET_VMCS);
	vcpu_req_post(&requests, VCPU_REQ_FLUSH_EPT); /* twice before the take: handled once */
	assert_true(vcpu_req_pending(&requests, VCPU_REQ_RESET_VMCS));
	assert_false(vcpu_req_pending(&requests, VCPU_REQ_RELOAD_CONTROLS));
	assert_int_equal(vcpu_req_take(&requests),
			 VCPU_REQ_BIT(VCPU_REQ_RESET_VMCS) | VCPU_REQ_BIT(VCPU_REQ_FLUSH_EPT));
	assert_int_equal(requests, 0);
	assert_false(vcpu_req_pending(&requests, VCPU_REQ_RESET_VMCS));
	assert_int_equal(vcpu_req_take(&requests), 0);
}

/*
 * One poster a request bit, one taker: each round the poster writes its
 * data, posts, and waits until the taker has read the data back.
 */
#define POSTERS VCPU_REQ_COUNT
#define ROUNDS 2000

static uint32_t shared_requests;
static uint32_t data[POSTERS];
static uint32_t seen[POSTERS];

static void *poster(void *arg)
{
	unsigned r = (unsigned)(uintptr_t)arg;
	uint32_t round;

	for (round = 1; round <= ROUNDS; round++) {
		__atomic_store_n(&data[r], round, __ATOMIC_RELAXED);
		vcpu_req_post(&shared_requests, (enum vcpu_req)r);
		while (__atomic_load_n(&seen[r], __ATOMIC_ACQUIRE) != round)
			sched_yield();
	}
	return NULL;
}

static void test_concurrent_posters(void **state)
{
	pthread_t threads[POSTERS];
	uint32_t expect[POSTERS];
	unsigned r, done = 0;

	(void)state;
	for (r = 0; r < POSTERS; r++) {
		expect[r] = 1;
		assert_int_equal(pthread_create(&threads[r], NULL, poster, (void *)(uintptr_t)r), 0);
	}
	while (done < POSTERS) {
		uint32_t taken = vcpu_req_take(&shared_requests);

		if (!taken)
			sched_yield();
		for (r = 0; r < POSTERS; r++) {
			if (!(taken & VCPU_REQ_BIT(r)))
				continue;
			/* Every post is taken exactly once, with the data written before it. */
			assert_int_equal(__atomic_load_n(&data[r], __ATOMIC_RELAXED), expect[r]);
			__atomic_store_n(&seen[r], expect[r], __ATOMIC_RELEASE);
			if (expect[r]++ == ROUNDS)
				done++;
		}
	}
	for (r = 0; r < POSTERS; r++)
		assert_int_equal(pthread_join(threads[r], NULL), 0);
	assert_int_equal(vcpu_req_take(&shared_requests), 0);
}

static void test_ctl_change(void **state)
{
	struct vcpu_ctl_change c = { 0, 0 };

	(void)state;
	assert_int_equal(vcpu_ctl_change_apply(&c, 0x1234U), 0x1234U); /* nothing asked: unchanged */
	vcpu_ctl_change_add(&c, 0x01U, 0x10U);
	assert_int_equal(vcpu_ctl_change_apply(&c, 0x30U), 0x21U);
	/* The later request wins for a bit both name. */
	vcpu_ctl_change_add(&c, 0x10U, 0x01U);
	assert_int_equal(c.set, 0x10U);
	assert_int_equal(c.clear, 0x01U);
	assert_int_equal(vcpu_ctl_change_apply(&c, 0x01U), 0x10U);
	/* Requests for other bits add up. */
	vcpu_ctl_change_add(&c, 0x100U, 0x200U);
	assert_int_equal(vcpu_ctl_change_apply(&c, 0x201U), 0x110U);
	/* Within one request, set wins over clear; set and clear never overlap. */
	vcpu_ctl_change_add(&c, 0x4U, 0x4U);
	assert_int_equal(c.set & c.clear, 0);
	assert_int_equal(vcpu_ctl_change_apply(&c, 0), 0x114U);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_post_and_take),
		cmocka_unit_test(test_concurrent_posters),
		cmocka_unit_test(test_ctl_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
