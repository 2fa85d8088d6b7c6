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

/*
 * Management calls: console domain only. Structures they fill are in
 * vmm/abi/hypercall_types.h; every buffer's length must be at least the
 * structure's size, and the call writes exactly that size.
 */
#define HV_MGMT_FIRST 0x100U
#define HC_OP_READ 0x100U        /* (gpa, len, timeout_us) -> bytes the operator typed, 0 after the timeout */
#define HC_OP_WRITE 0x101U       /* (gpa, len <= 4096) -> bytes written to the operator's serial line */
#define HC_VM_LIST 0x102U        /* (gpa, max) -> count; uint32_t ids of every guest, ascending */
#define HC_VM_INFO 0x103U        /* (id, gpa, len) -> 0; struct hv_vm_info */
#define HC_VM_CREATE 0x104U      /* (gpa, len, err_gpa, err_len) -> new id; "NAME key=value ..." */
#define HC_VM_CONTROL 0x105U     /* (id, HV_CTL_*) -> 0 */
#define HC_VM_CONSOLE_READ 0x106U /* (id, gpa, len) -> bytes; struct hv_ring_read */
#define HC_VM_CONSOLE_WRITE 0x107U /* (id, gpa, len <= 4096) -> bytes queued as the guest's COM1 input */
#define HC_VCPU_INFO 0x108U      /* (id, vcpu, gpa, len) -> 0; struct hv_vcpu_info */
#define HC_VM_STATS 0x109U       /* (id, gpa, len) -> 0; struct hv_vm_stats */
#define HC_DMESG_READ 0x10aU     /* (gpa, len) -> bytes; struct hv_ring_read of the hypervisor's log */
#define HC_HOST_INFO 0x10bU      /* (gpa, len) -> 0; struct hv_host_info */
#define HC_HOST_POWER 0x10cU     /* (HV_POWER_*) -> does not return on success */
#define HC_VM_DEVICES 0x10dU     /* (id, gpa, len) -> bytes; the guest's devices and memory map as text lines */
#define HC_SNAP_SAVE 0x10eU      /* (req_gpa, res_gpa, err_gpa, err_len) -> 0; struct hv_snap_request, hv_snap_result */
#define HC_SNAP_RESTORE 0x10fU   /* (req_gpa, err_gpa, err_len) -> the new guest's id */
#define HC_SNAP_LIST 0x110U      /* (gpa, len) -> bytes; "name guest bytes unix-time method" lines */
#define HC_SNAP_DELETE 0x111U    /* (req_gpa) -> 0 */
#define HC_SNAP_CORRUPT 0x112U   /* (req_gpa, err_gpa, err_len) -> 0; test knob: flips byte req.offset */
#define HC_VM_CLONE 0x113U       /* (req_gpa, res_gpa, err_gpa, err_len) -> the clone's id; req.id, req.as; res.pause_us */
#define HC_VMCTL_INFO 0x114U     /* (id, gpa, len) -> 0; struct hv_vmctl_info */
#define HC_VMCTL_SET 0x115U      /* (id, gpa, len, err_gpa, err_len) -> 0; "NAME=on|off #EXC=trap|off ..." */
#define HV_MGMT_LAST 0x115U

/* HC_VM_CONTROL operations, named after xl's commands. */
#define HV_CTL_PAUSE 1U
#define HV_CTL_UNPAUSE 2U
#define HV_CTL_DESTROY 3U
#define HV_CTL_REBOOT 4U
#define HV_CTL_SHUTDOWN 5U /* an ACPI power-button press: the guest decides */

/* HC_HOST_POWER operations. */
#define HV_POWER_OFF 1U
#define HV_POWER_RESET 2U

/* Error codes (negated in RAX), numbered as Linux errno values. */
#define HV_EPERM 1
#define HV_ENOENT 2
#define HV_EIO 5
#define HV_ENOMEM 12
#define HV_EFAULT 14
#define HV_EBUSY 16
#define HV_EINVAL 22
#define HV_ENOSPC 28
#define HV_ENAMETOOLONG 36
#define HV_ENOSYS 38

#define HV_ABI_MAJOR 1U
#define HV_ABI_MINOR 0U

/* CPUID leaf 0x40000000 signature in EBX, ECX, EDX: "hvhvhvhvhvhv". */
#define HV_CPUID_SIGNATURE_EBX 0x76687668U /* "hvhv" little-endian */
#define HV_CPUID_SIGNATURE_ECX 0x76687668U
#define HV_CPUID_SIGNATURE_EDX 0x76687668U

#endif
