/*
 * The structures management hypercalls fill in the console domain's memory
 * (numbers and registers: vmm/abi/hypercall_abi.h). Fixed-width fields and
 * explicit padding only: the hypervisor and the console domain are built
 * separately and must agree byte for byte.
 */
#ifndef VMM_HYPERCALL_TYPES_H
#define VMM_HYPERCALL_TYPES_H

#include <stdint.h>

#define HV_NAME_MAX 32
#define HV_REASON_MAX 160
#define HV_EXIT_REASONS 81 /* basic exit reasons 0..80 */
#define HV_VCPUS_MAX 8     /* vCPUs of one guest (the core's VM_MAX_VCPUS) */

/* Guest states as HC_VM_INFO reports them. */
enum hv_vm_state {
	HV_VM_RUNNING = 0,
	HV_VM_PAUSED = 1,
	HV_VM_HALTED = 2,
	HV_VM_STOPPED = 3,
	HV_VM_CRASHED = 4,
	HV_VM_CREATING = 5, /* in the table, still being built */
};

#define HV_VM_FLAG_CONSOLE 1U /* the console domain itself */

struct hv_vm_info {
	uint32_t id;
	uint32_t state; /* enum hv_vm_state */
	uint32_t vcpus;
	uint32_t flags;
	char name[HV_NAME_MAX];
	uint64_t memory_bytes;
	uint64_t cpu_ns;       /* time its vCPUs spent in the guest */
	uint64_t uptime_ns;
	uint64_t exits;
	uint64_t bad_hypercalls;
	uint64_t console_bytes; /* everything it ever printed (the ring's head) */
	int32_t pinned_cpu[HV_VCPUS_MAX]; /* per vCPU: the physical CPU it runs on */
	char kernel[64];
	char end_reason[HV_REASON_MAX]; /* why it stopped or crashed; "" while live */
	uint64_t shared_bytes; /* of memory_bytes: RAM still shared copy-on-write with a clone or its source */
};

/* A snapshot call's arguments (HC_SNAP_*): strings NUL-terminated within their arrays. */
#define HV_SNAP_NAME_MAX 32
#define HV_SNAP_STAY_PAUSED 1U /* save: leave the guest paused afterwards (xl save) */
#define HV_SNAP_LIVE 2U        /* save: copy RAM while the guest runs (method=live) */
struct hv_snap_request {
	uint32_t id;    /* save: the guest */
	uint32_t flags; /* HV_SNAP_* */
	uint64_t offset; /* corrupt: the byte of the stream to flip */
	char name[HV_SNAP_NAME_MAX]; /* the snapshot */
	char as[HV_NAME_MAX];        /* restore: the new guest's name; "" keeps the saved one */
};

struct hv_snap_result {
	uint64_t pause_us;   /* how long the guest was stopped */
	uint64_t bytes;      /* the snapshot's size */
	uint64_t ram_pages;  /* guest pages, of which zero_pages were recorded as zero */
	uint64_t zero_pages;
	uint64_t total_us;   /* from the pause to the snapshot's last byte */
	uint64_t trapped_pages; /* live: pages copied first because the guest wrote them */
};

/*
 * A guest's execution environment (HC_VMCTL_INFO), for `vmctl ID`: its
 * vCPU 0's control words as they are now, the hypervisor's own setting of
 * them, what the CPU allows, the exception bitmap and the traps counted.
 * Words are indexed by enum vmctl_word (vmm/abi/vmctl.h).
 */
#define HV_VMCTL_WORDS 3
struct hv_vmctl_info {
	uint32_t ctls[HV_VMCTL_WORDS];   /* vCPU 0's pin-based, primary and secondary controls */
	uint32_t base[HV_VMCTL_WORDS];   /* what the hypervisor sets before any vmctl change */
	uint32_t chosen[HV_VMCTL_WORDS]; /* the bits the guest's vmctl settings decide (hv.cfg or vmctl) */
	uint32_t must1[HV_VMCTL_WORDS];  /* the capability MSRs: allowed-0 (bits that must be 1) */
	uint32_t may1[HV_VMCTL_WORDS];   /* and allowed-1 (bits that may be 1) */
	uint32_t exception_bitmap;       /* vCPU 0's: the vectors trapped */
	uint32_t vcpus;
	uint32_t pad;
	uint64_t tsc_offset;             /* vCPU 0's VMCS TSC offset: guest TSC = host TSC + this */
	uint64_t traps[32];              /* trapped exceptions passed on, per vector, all vCPUs */
	uint64_t slice_us;               /* the scheduler's time slice */
};
_Static_assert(sizeof(struct hv_vmctl_info) == 80 + 32 * 8 + 8, "hv_vmctl_info has no hidden padding");

/* A read from a byte ring (guest console, hypervisor log). */
struct hv_ring_read {
	uint64_t from; /* in: first byte wanted (0 = oldest held); out: first byte given */
	uint64_t next; /* out: where the next read should start */
	uint64_t lost; /* out: bytes overwritten before they could be read */
	/* followed by the data: len - sizeof(struct hv_ring_read) bytes at most */
};

enum hv_vcpu_state {
	HV_VCPU_RUNNABLE = 0,
	HV_VCPU_HALTED = 1,
	HV_VCPU_WAIT_SIPI = 2,
	HV_VCPU_STOPPED = 3,
};

struct hv_vcpu_info {
	uint32_t state; /* enum hv_vcpu_state */
	uint32_t cpu;   /* physical CPU */
	uint64_t gpr[16]; /* rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
	uint64_t rip, rflags;
	uint64_t cr0, cr3, cr4, efer;
	uint16_t cs, ss, ds, es, fs, gs, tr, ldtr;
	uint64_t exits;
	uint64_t cpu_ns;
	uint8_t pending_irq;  /* 1 if the LAPIC has an interrupt waiting */
	uint8_t pad[7];
};

struct hv_vm_stats {
	uint64_t tsc;      /* host TSC when taken: rates are deltas over deltas of this */
	uint64_t tsc_khz;
	uint64_t run_tsc;  /* host TSC ticks its vCPUs spent in the guest */
	uint64_t exits;
	uint64_t by_reason[HV_EXIT_REASONS];
};

struct hv_host_info {
	uint64_t tsc_khz;
	uint64_t tsc;
	uint64_t ram_bytes;
	uint64_t free_bytes; /* what guests can still get */
	uint32_t cpus;
	uint32_t guests;
	uint64_t bad_hypercalls; /* management calls refused, all guests */
	char version[32];
};

#endif
