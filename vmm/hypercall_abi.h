/*
 * The hypercall ABI: what a guest puts in registers before VMCALL.
 *
 *   RAX  call number (below)
 *   RDI, RSI, RDX, R10, R8, R9   arguments 1-6 (as Linux system calls)
 *   RAX  on return: >= 0 success, < 0 one of the HV_E* codes
 *
 * In 16- and 32-bit guest code only the low 32 bits of each register are
 * used. Every other register is preserved. A VMCALL from CPL > 0 returns
 * HV_EPERM, as KVM does. Guest buffers are guest-physical addresses that
 * must lie wholly inside the caller's RAM.
 *
 * Management calls (HV_MGMT_FIRST and up) are for the console domain only;
 * any other caller gets HV_EPERM and the attempt is counted and logged.
 *
 * This header is included by the hypervisor and by guests (C or, through
 * the constants, nasm): keep it free of anything but #defines.
 */
#ifndef VMM_HYPERCALL_ABI_H
#define VMM_HYPERCALL_ABI_H

/* Calls any guest may make. */
#define HC_VERSION 0x00U       /* () -> (major << 16) | minor */
#define HC_CONSOLE_WRITE 0x01U /* (gpa, len <= 4096) -> bytes written; to the guest's console */
#define HC_SHUTDOWN 0x02U      /* (code) -> does not return: the guest powers itself off */
#define HC_TSC_KHZ 0x03U       /* () -> the guest TSC's frequency in kHz */

/* Management calls: console domain only. */
#define HV_MGMT_FIRST 0x100U

/* Error codes (negated in RAX), numbered as Linux errno values. */
#define HV_EPERM 1
#define HV_ENOENT 2
#define HV_EFAULT 14
#define HV_EBUSY 16
#define HV_EINVAL 22
#define HV_ENOSPC 28
#define HV_ENOSYS 38

#define HV_ABI_MAJOR 1U
#define HV_ABI_MINOR 0U

/* CPUID leaf 0x40000000 signature in EBX, ECX, EDX: "hvhvhvhvhvhv". */
#define HV_CPUID_SIGNATURE_EBX 0x76687668U /* "hvhv" little-endian */
#define HV_CPUID_SIGNATURE_ECX 0x76687668U
#define HV_CPUID_SIGNATURE_EDX 0x76687668U

#endif
