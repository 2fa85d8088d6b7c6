/*
 * A virtual machine: its RAM and EPT, its I/O buses and devices, its vCPUs,
 * its console ring and its life cycle. The VM table is the hypervisor's only
 * list of guests. Runs in VMX root.
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "boot/hvcfg.h"
#include "lib/logring.h"
#include "lib/spinlock.h"
#include "mm/ept.h"
#include "vmm/dev/acpi_pm.h"
#include "vmm/dev/debugcon.h"
#include "vmm/dev/ioapic.h"
#include "vmm/dev/pic.h"
#include "vmm/dev/pci.h"
#include "vmm/dev/pit.h"
#include "vmm/dev/rtc.h"
#include "vmm/dev/sysctl.h"
#include "vmm/dev/uart.h"
#include "vmm/core/io_bus.h"
#include "vmm/core/vcpu.h"
#include "vmm/core/vm_state.h"

/*
 * Lock order, the one rule for every CPU:
 *
 *   vm_table_lock  ->  one VM's lock  ->  leaf locks (log, operator line)
 *
 * A VM's lock is taken after the table lock or alone, never before it, and
 * no CPU holds two VMs' locks at once. Exit handling holds its own VM's
 * lock, so a handler that needs the table (the console domain's management
 * calls, vmm/mgmt/hypercall.c) drops its VM's lock first and takes it again
 * after; sched_destroy_vm and vm_create are called with no lock held.
 */

#define VM_MAX 16
#define VM_MAX_VCPUS HVCFG_VCPUS_MAX /* hv.cfg and create refuse more */
#define VM_RAM_CHUNK (2ULL << 20) /* guest RAM comes in 2 MiB host-contiguous chunks */
#define VM_INPUT_QUEUE 4096 /* keystrokes waiting for the guest's COM1 (a power of two) */

struct vm {
	/*
	 * Held while its devices, interrupt state or console are touched: by
	 * its vCPUs' exit handling on their CPUs, and by the console domain's
	 * management calls. See "Lock order" below.
	 */
	spinlock_t lock;
	uint32_t id;
	char name[HVCFG_NAME_MAX];
	enum vm_state state;
	char end_reason[160];
	struct hvcfg_guest cfg;

	/* RAM: guest-physical [0, ram_bytes), host memory in 2 MiB chunks. */
	uint64_t ram_bytes;
	uint64_t *ram_chunks; /* host physical address of each chunk */
	uint32_t ram_chunk_count;
	/*
	 * Per chunk: mapped read-only in EPT because another VM (a clone or
	 * its source) may map it too; the first write makes it this VM's own
	 * (vmm/core/mem_track.c). ram_cow_count says how many are, so that a
	 * VM that never was cloned pays one test per guest-memory write.
	 */
	uint8_t *ram_cow;
	uint32_t ram_cow_count;
	/*
	 * A live save in progress (vmm/snapshot/snap_live.c): a bit per 4 KiB
	 * page of RAM not yet in the snapshot; RAM is read-only until copied,
	 * and a write to a read-only page calls live_trap (VM lock held),
	 * which copies it if it is still waiting and makes it writable.
	 */
	uint64_t *live_pending;
	void (*live_trap)(struct vm *vm, uint64_t page_gpa);

	struct ept ept;
	uint64_t eptp;
	uint8_t *io_bitmap;  /* 8 KiB: A (ports 0-0x7fff) then B */
	uint8_t *msr_bitmap; /* 4 KiB */
	struct io_bus pio;
	struct io_bus mmio;

	struct vcpu *vcpus[VM_MAX_VCPUS];
	uint32_t vcpu_count;
	uint64_t start_tsc; /* each vCPU's TSC starts at 0 here (struct vcpu's tsc, then its own) */

	struct pic pic;
	struct pit pit;
	struct vuart com[2];      /* COM1 (0x3f8, IRQ 4) and COM2 (0x2f8, IRQ 3) */
	struct ioapic ioapic;
	struct rtc rtc;
	struct sysctl sysctl;     /* port 0x92, the 8042's reset line, 0xcf9 */
	struct pci_bus pci;
	struct acpi_pm acpi_pm;
	bool reboot_requested;    /* the guest reset itself: the scheduler re-creates it */
	uint64_t next_timer_tsc; /* host TSC of the next timer interrupt (UINT64_MAX: none) */
	bool timers_dirty;       /* a guest reprogrammed a timer: recompute next_timer_tsc */
	struct debugcon debugcon;

	char *console_buf;
	struct logring console; /* everything the guest printed */
	char line[160];         /* the console line being assembled for the log */
	uint32_t line_len;
	uint8_t input[VM_INPUT_QUEUE]; /* the operator's keystrokes on their way to COM1 */
	uint32_t input_head, input_tail; /* free-running */
	bool is_console;        /* the console domain: may make management hypercalls */
	bool ending;            /* someone has claimed the job of destroying or rebooting it */

	uint64_t bad_hypercalls;
	/*
	 * The operator's changes to the hypervisor's execution controls and
	 * the exceptions trapped (vmctl, hv.cfg `vmctl =`): every vCPU's VMCS
	 * is set up with them, and a change reaches each vCPU's CPU as a
	 * request (vm_vmctl_change). Under the VM's lock.
	 */
	struct vmctl_set vmctl;
};

/* Creates a VM from a config section and the loaded image; NULL with *why on failure (nothing leaks). */
struct vm *vm_create(const struct hvcfg_guest *cfg, const char **why);

/*
 * What fills a VM instead of its image (a snapshot's restore): fill_vm in
 * place of loading the image, once RAM, devices and clock exist (it may set
 * the clock, start_tsc); fill_vcpu right after each vCPU's VMCS is set up,
 * with that VMCS current. Each returns 0, or -1 with *why.
 */
struct vm_filler {
	int (*fill_vm)(struct vm *vm, void *ctx, const char **why);
	int (*fill_vcpu)(struct vcpu *v, void *ctx, const char **why);
	void *ctx;
	/*
	 * A clone's source, paused, its RAM already read-only
	 * (mem_track_share_all): the new VM maps the same chunks read-only
	 * instead of getting RAM of its own. NULL for a VM with its own RAM.
	 */
	struct vm *share_ram_of;
};

/* vm_create, filled by `fill` (NULL: from the image as vm_create). */
struct vm *vm_create_from(const struct hvcfg_guest *cfg, const struct vm_filler *fill, const char **why);
/* Ends a VM: its vCPUs never run again; logs the reason. Memory stays until vm_destroy. */
void vm_end(struct vm *vm, enum vm_state state, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Frees a VM no CPU uses any more (see sched_destroy_vm for one that ran). */
void vm_destroy(struct vm *vm);
/*
 * Destroys vm and starts it again from its config (a new id, as in Xen);
 * why_restart goes in the log ("reset itself"). NULL if it cannot. The
 * caller has claimed it (vm_claim_end).
 */
struct vm *vm_reboot(struct vm *vm, const char *why_restart);

/*
 * The VM table. Its slots change under vm_table_lock, and a VM found there
 * stays allocated while the lock is held or while the finder's CPU is
 * marked as using it (vmm/core/sched.c); sched_destroy_vm waits for both.
 */
void vm_table_lock(void);
void vm_table_unlock(void);
void vm_table_remove(struct vm *vm);
/* True for the one caller that may destroy or reboot vm (table lock held, or vm in use here). */
bool vm_claim_end(struct vm *vm);
/* Gives up a claim that did not end vm after all (a snapshot held it meanwhile). */
void vm_unclaim_end(struct vm *vm);
struct vm *vm_by_index(uint32_t i); /* NULL for a free slot */
struct vm *vm_by_id(uint32_t id);   /* NULL if no guest has that id */
bool vm_console_domain_exists(void);
const char *vm_state_name(enum vm_state s);
bool vm_is_live(const struct vm *vm);
/* The VM's state as the schedulers and management calls must read it (vm_create publishes RUNNING). */
static inline enum vm_state vm_state_now(const struct vm *vm)
{
	return __atomic_load_n(&vm->state, __ATOMIC_ACQUIRE);
}
static inline bool vm_is_ended(const struct vm *vm) { return vm_state_ended(vm_state_now(vm)); }
static inline bool vm_is_creating(const struct vm *vm) { return vm_state_now(vm) == VM_CREATING; }

/* Guest nanoseconds since the VM started. */
uint64_t vm_now_ns(const struct vm *vm);

/* Guest RAM access: false if [gpa, gpa+len) is not wholly guest RAM. */
bool vm_gpa_is_ram(const struct vm *vm, uint64_t gpa, uint64_t len);
void *vm_gpa_to_hva(const struct vm *vm, uint64_t gpa); /* NULL if not RAM; valid to the end of its 2 MiB chunk */
int vm_copy_from_guest(const struct vm *vm, void *dst, uint64_t gpa, uint64_t len);
int vm_copy_to_guest(struct vm *vm, uint64_t gpa, const void *src, uint64_t len);

/*
 * Appends guest console output (debug port, UART, hypercall) to its ring;
 * whole lines also go to the hypervisor's log, unless a console domain
 * exists (then the operator reads guests with `console`).
 */
void vm_console_output(struct vm *vm, const char *s, uint64_t len);
/* Queues keystrokes for the guest's COM1; returns how many fit (the rest: try again later). */
size_t vm_console_input(struct vm *vm, const char *s, size_t len);
/* Moves queued keystrokes into COM1's receive FIFO as far as it has room. */
void vm_console_input_refill(struct vm *vm);

#endif
