/*
 * What every management call does with the caller's memory: checks a
 * buffer before anything is read or written (hc_check_buffer against the
 * caller's RAM and MMIO), and puts a one-line reason into an error buffer
 * already checked. Runs in VMX root on the console domain's CPU.
 */
#ifndef VMM_MGMT_MGMT_ARGS_H
#define VMM_MGMT_MGMT_ARGS_H

#include <stdint.h>

struct vcpu;

#define MGMT_ERR_MAX 160 /* an error buffer's size at most, with its NUL */

/* 0, or -HV_EINVAL for a length outside [min, max], -HV_EFAULT for memory that is not the caller's RAM. */
int mgmt_check_buffer(struct vcpu *caller, uint64_t gpa, uint64_t len, uint64_t min, uint64_t max);

/* why, cut to fit, NUL-terminated, into the caller's checked error buffer [gpa, gpa + len). */
void mgmt_put_error(struct vcpu *caller, uint64_t gpa, uint64_t len, const char *why);

#endif
