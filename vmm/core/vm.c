/*
 * VM life cycle and guest memory. Runs in VMX root on the CPU that manages
 * guests; the VM table is only changed there.
 *
 * Guest RAM is a list of 2 MiB host-contiguous chunks mapped at guest
 * physical 0 with 2 MiB EPT pages: nothing of the hypervisor or of another
 * guest is ever mapped into a VM's EPT.
 */
#include "vmm/core/vm.h"

#include <stdarg.h>

#include "arch/x86/cpu.h"
#include "arch/x86/gdt.h"
#include "arch/x86/smp.h"
#include "drivers/timer.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "vmm/core/vm_parts.h"
#include "vmm/core/hv.h"
#include "vmm/core/mem_track.h"
#include "vmm/core/ram_share.h"
#include "vmm/core/sched.h"
#include "vmm/core/vcpu_setup.h"
#include "vmm/core/vm_irq.h"
#include "vmm/core/vm_vmctl.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static struct vm *vms[VM_MAX];
static uint32_t next_vm_id = 1;
static spinlock_t table_lock = SPINLOCK_INIT;
static uint32_t console_domains; /* console domains in the table (checked on every guest byte) */

void vm_table_lock(void)
{
	spin_lock(&table_lock);
}

void vm_table_unlock(void)
{
	spin_unlock(&table_lock);
}

bool vm_claim_end(struct vm *vm)
{
	return !__atomic_exchange_n(&vm->ending, true, __ATOMIC_ACQ_REL);
}

void vm_unclaim_end(struct vm *vm)
{
	__atomic_store_n(&vm->ending, false, __ATOMIC_RELEASE);
}

void vm_table_remove(struct vm *vm)
{
	uint32_t i;

	spin_lock(&table_lock);
	for (i = 0; i < VM_MAX; i++) {
		if (vms[i] == vm) {
			vms[i] = NULL;
			if (vm->is_console)
				console_domains--;
		}
	}
	spin_unlock(&table_lock);
}

const char *vm_state_name(enum vm_state s)
{
	return vm_state_label(s);
}

bool vm_is_live(const struct vm *vm)
{
	return vm_state_live(vm_state_now(vm));
}

struct vm *vm_by_id(uint32_t id)
{
	uint32_t i;

	for (i = 0; i < VM_MAX; i++)
		if (vms[i] && vms[i]->id == id)
			return vms[i];
	return NULL;
}

bool vm_console_domain_exists(void)
{
	return __atomic_load_n(&console_domains, __ATOMIC_RELAXED) != 0;
}

struct vm *vm_by_index(uint32_t i)
{
	return i < VM_MAX ? vms[i] : NULL;
}

uint64_t vm_now_ns(const struct vm *vm)
{
	uint64_t hz = timer_tsc_hz();
	uint64_t ticks = rdtsc() - vm->start_tsc;

	/* ticks * 1e9 / hz without overflowing for years of uptime */
	return (ticks / hz) * 1000000000ULL + (ticks % hz) * 1000000000ULL / hz;
}

/* ------------------------------------------------------------ memory --- */

bool vm_gpa_is_ram(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	return gpa < vm->ram_bytes && len <= vm->ram_bytes - gpa;
}

void *vm_gpa_to_hva(const struct vm *vm, uint64_t gpa)
{
	if (gpa >= vm->ram_bytes)
		return NULL;
	return phys_to_virt(vm->ram_chunks[gpa / VM_RAM_CHUNK] + gpa % VM_RAM_CHUNK);
}

/* How much of [gpa, gpa + len) lies in gpa's 2 MiB chunk (contiguous in host memory). */
static uint64_t in_chunk(uint64_t gpa, uint64_t len)
{
	uint64_t n = VM_RAM_CHUNK - gpa % VM_RAM_CHUNK;

	return n < len ? n : len;
}

int vm_copy_from_guest(const struct vm *vm, void *dst, uint64_t gpa, uint64_t len)
{
	uint8_t *d = dst;

	if (!vm_gpa_is_ram(vm, gpa, len))
		return -1;
	while (len) {
		uint64_t n = in_chunk(gpa, len);

		memcpy(d, vm_gpa_to_hva(vm, gpa), n);
		d += n, gpa += n, len -= n;
	}
	return 0;
}

static void live_trap_range(struct vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t page;

	for (page = gpa / PAGE_SIZE; page <= (gpa + len - 1) / PAGE_SIZE; page++)
		if (mem_track_live_pending(vm, page))
			vm->live_trap(vm, page * PAGE_SIZE);
}

int vm_copy_to_guest(struct vm *vm, uint64_t gpa, const void *src, uint64_t len)
{
	const uint8_t *s = src;

	if (!vm_gpa_is_ram(vm, gpa, len))
		return -1;
	while (len) {
		uint64_t n = in_chunk(gpa, len);

		/*
		 * The hypervisor writes guest RAM past EPT: a page a live save has
		 * not copied yet goes into the snapshot first, and a chunk shared
		 * with a clone becomes this VM's own.
		 */
		if (vm->live_pending)
			live_trap_range(vm, gpa, n);
		if (vm->ram_cow_count && vm->ram_cow[gpa / VM_RAM_CHUNK] &&
		    mem_track_make_private(vm, (uint32_t)(gpa / VM_RAM_CHUNK)))
			return -1;
		memcpy(vm_gpa_to_hva(vm, gpa), s, n);
		s += n, gpa += n, len -= n;
	}
	return 0;
}

static uint64_t ept_alloc_table(void *ctx)
{
	return phys_alloc_page();
}

static void ept_free_table(void *ctx, uint64_t phys)
{
	phys_free(phys, 1);
}

static void *ept_phys_to_virt(void *ctx, uint64_t phys)
{
	return phys_to_virt(phys);
}

static const struct ept_env ept_host_env = { ept_alloc_table, ept_free_table, ept_phys_to_virt, NULL };

/*
 * Guest RAM in 2 MiB chunks: fresh zeroed ones, or (a clone) the chunks of
 * `share`, mapped read-only until written. 0, or -1 (vm_destroy frees what
 * was taken).
 */
static int vm_alloc_ram(struct vm *vm, uint64_t bytes, const struct vm *share)
{
	uint32_t i, n = (uint32_t)((bytes + VM_RAM_CHUNK - 1) / VM_RAM_CHUNK);

	if (share && share->ram_bytes != bytes)
		return -1;
	vm->ram_chunks = kzalloc(n * sizeof(uint64_t));
	vm->ram_cow = kzalloc(n);
	if (!vm->ram_chunks || !vm->ram_cow)
		return -1;
	for (i = 0; i < n; i++) {
		uint64_t hpa, len = bytes - (uint64_t)i * VM_RAM_CHUNK;

		if (share) {
			hpa = share->ram_chunks[i];
			if (ram_share_ref(hpa))
				return -1;
		} else {
			hpa = phys_alloc_contig(VM_RAM_CHUNK / PAGE_SIZE, VM_RAM_CHUNK / PAGE_SIZE);
			if (!hpa)
				return -1;
		}
		vm->ram_chunks[i] = hpa;
		vm->ram_chunk_count = i + 1;
		if (len > VM_RAM_CHUNK)
			len = VM_RAM_CHUNK;
		if (ept_map(&vm->ept, (uint64_t)i * VM_RAM_CHUNK, hpa, len,
			    share ? EPT_R | EPT_X : EPT_RWX, EPT_MT_WB))
			return -1;
		if (share) {
			vm->ram_cow[i] = 1;
			vm->ram_cow_count++;
		}
	}
	vm->ram_bytes = bytes;
	return 0;
}

/* ----------------------------------------------------------- console --- */

void vm_console_output(struct vm *vm, const char *s, uint64_t len)
{
	uint64_t i;

	logring_write(&vm->console, s, len);
	if (vm_console_domain_exists())
		return;
	/* The hypervisor's log gets whole lines, prefixed with the guest's name. */
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '\n' || vm->line_len == sizeof(vm->line) - 1) {
			log_info("guest %s: %.*s", vm->name, (int)vm->line_len, vm->line);
			vm->line_len = 0;
			if (c == '\n')
				continue;
		}
		if (c != '\r')
			vm->line[vm->line_len++] = c;
	}
}

size_t vm_console_input(struct vm *vm, const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && vm->input_head - vm->input_tail < VM_INPUT_QUEUE)
		vm->input[vm->input_head++ % VM_INPUT_QUEUE] = (uint8_t)s[n++];
	vm_console_input_refill(vm);
	return n;
}

void vm_console_input_refill(struct vm *vm)
{
	while (vm->input_head != vm->input_tail &&
	       vuart_receive(&vm->com[0], &vm->input[vm->input_tail % VM_INPUT_QUEUE], 1))
		vm->input_tail++;
}

/* --------------------------------------------------------- life cycle --- */

void vm_end(struct vm *vm, enum vm_state state, const char *fmt, ...)
{
	va_list ap;
	uint32_t i;

	if (!vm_is_live(vm))
		return;
	va_start(ap, fmt);
	hv_vsnprintf(vm->end_reason, sizeof(vm->end_reason), fmt, ap);
	va_end(ap);
	if (vm->line_len)
		vm_console_output(vm, "\n", 1);
	vm->state = state;
	for (i = 0; i < vm->vcpu_count; i++)
		vm->vcpus[i]->state = VCPU_STOPPED;
	if (state == VM_CRASHED)
		log_error("hv: guest %s (id %u) crashed: %s", vm->name, vm->id, vm->end_reason);
	else
		log_info("hv: guest %s (id %u) %s: %s", vm->name, vm->id, vm_state_name(state),
			 vm->end_reason);
}

void vm_destroy(struct vm *vm)
{
	uint32_t i;

	vm_table_remove(vm);
	for (i = 0; i < vm->vcpu_count; i++)
		vcpu_free(vm->vcpus[i]);
	if (vm->ept.pml4_phys)
		ept_destroy(&vm->ept);
	for (i = 0; i < vm->ram_chunk_count; i++)
		if (ram_share_unref(vm->ram_chunks[i])) /* the last VM that maps it */
			phys_free(vm->ram_chunks[i], VM_RAM_CHUNK / PAGE_SIZE);
	kfree(vm->ram_chunks);
	kfree(vm->ram_cow);
	if (vm->io_bitmap)
		phys_free(virt_to_phys(vm->io_bitmap), 2);
	if (vm->msr_bitmap)
		phys_free(virt_to_phys(vm->msr_bitmap), 1);
	kfree(vm->console_buf);
	kfree(vm);
}

/* vCPUs of live guests on each CPU: where the next unpinned vCPU goes. */
static void count_vcpus_per_cpu(uint32_t *load, unsigned cpus)
{
	uint32_t i, j;

	for (i = 0; i < VM_MAX; i++) {
		if (!vms[i] || !vm_is_live(vms[i]))
			continue;
		for (j = 0; j < vms[i]->vcpu_count; j++)
			if (vms[i]->vcpus[j]->cpu < cpus)
				load[vms[i]->vcpus[j]->cpu]++;
	}
}

/*
 * Gives each vCPU its physical CPU for good: `cpus =` in its config, else
 * the least loaded CPU at creation (ACRN's static partitioning rather
 * than migration: a VMCS stays on one CPU). 0, or -1 with *why.
 */
static int assign_cpus(struct vm *vm, const char **why)
{
	/* One per CPU: guests may be created on several CPUs at once, and *why is read on this one. */
	static char reasons[HV_MAX_CPUS][96];
	char *reason = reasons[cpu_index()];
	uint32_t load[HV_MAX_CPUS] = { 0 };
	unsigned cpus = hv_cpu_count(), i, c, best;

	for (i = 0; i < vm->cfg.cpu_count; i++) {
		if (vm->cfg.cpus[i] >= cpus) {
			hv_snprintf(reason, sizeof(reasons[0]), "cpus = %u names a CPU this machine does not "
				    "have (%u online)", vm->cfg.cpus[i], cpus);
			*why = reason;
			return -1;
		}
	}
	vm_table_lock();
	count_vcpus_per_cpu(load, cpus);
	for (i = 0; i < vm->vcpu_count; i++) {
		if (vm->cfg.cpu_count) {
			best = vm->cfg.cpus[i % vm->cfg.cpu_count];
		} else {
			for (best = 0, c = 1; c < cpus; c++)
				if (load[c] < load[best])
					best = c;
		}
		vm->vcpus[i]->cpu = best;
		load[best]++;
	}
	vm_table_unlock();
	return 0;
}

/*
 * Reserves a free slot for a VM being built: VM_MAX if there is none,
 * VM_MAX + 1 if a guest of that name is in the table (checked under the
 * same lock, so two creators of one name cannot both succeed).
 */
static uint32_t reserve_slot(struct vm *vm)
{
	uint32_t slot;

	vm_table_lock();
	for (slot = 0; slot < VM_MAX; slot++) {
		if (vms[slot] && !strcmp(vms[slot]->name, vm->name)) {
			vm_table_unlock();
			return VM_MAX + 1;
		}
	}
	for (slot = 0; slot < VM_MAX && vms[slot]; slot++)
		;
	if (slot < VM_MAX) {
		vm->id = next_vm_id++;
		vms[slot] = vm;
		if (vm->is_console)
			console_domains++;
	}
	vm_table_unlock();
	return slot;
}

struct vm *vm_create_from(const struct hvcfg_guest *cfg, const struct vm_filler *fill, const char **why)
{
	char vmctl_err[160];
	uint64_t bitmap;
	struct vm *vm;
	uint32_t i;

	if (cfg->console && cfg->vcpus != 1) {
		*why = "the console domain has exactly one vCPU";
		return NULL;
	}
	if (cfg->vcpus < 1 || cfg->vcpus > VM_MAX_VCPUS) {
		*why = "vcpus is out of range (a guest has 1 to " STR(VM_MAX_VCPUS) ")";
		return NULL;
	}
	vm = kzalloc(sizeof(*vm));
	if (!vm) {
		*why = "out of memory for the VM";
		return NULL;
	}
	vm->cfg = *cfg;
	vm->is_console = cfg->console;
	memcpy(vm->name, cfg->name, sizeof(vm->name));
	/*
	 * CREATING until it is built: schedulers that see the slot neither run
	 * nor let go of its vCPUs, and management calls other than list and
	 * info refuse it.
	 */
	vm->state = VM_CREATING;
	switch (reserve_slot(vm)) {
	case VM_MAX:
		kfree(vm);
		*why = "too many guests";
		return NULL;
	case VM_MAX + 1:
		kfree(vm);
		*why = "a guest of that name exists already";
		return NULL;
	default:
		break;
	}
	*why = "out of memory for guest RAM";
	if (ept_init(&vm->ept, &ept_host_env, true, false) || vm_alloc_ram(vm, cfg->memory_bytes, fill ? fill->share_ram_of : NULL))
		goto fail;
	vm->eptp = ept_eptp(&vm->ept);

	*why = "out of memory for the VM's bitmaps and console";
	bitmap = phys_alloc_contig(2, 1);
	vm->io_bitmap = bitmap ? phys_to_virt(bitmap) : NULL;
	bitmap = phys_alloc_page();
	vm->msr_bitmap = bitmap ? phys_to_virt(bitmap) : NULL;
	vm->console_buf = kzalloc(hv_config()->hv.console_ring_bytes);
	if (!vm->io_bitmap || !vm->msr_bitmap || !vm->console_buf)
		goto fail;
	/* Every port exits: a guest never touches the machine's real devices. */
	memset(vm->io_bitmap, 0xff, 2 * PAGE_SIZE);
	msr_bitmap_init(vm->msr_bitmap);
	logring_init(&vm->console, vm->console_buf, hv_config()->hv.console_ring_bytes);

	*why = "out of memory for vCPUs";
	for (i = 0; i < cfg->vcpus; i++) {
		vm->vcpus[i] = vcpu_create(vm, i);
		if (!vm->vcpus[i])
			goto fail;
		vm->vcpu_count = i + 1;
	}
	if (assign_cpus(vm, why))
		goto fail;
	*why = "cannot register the VM's devices";
	if (vm_devices_init(vm))
		goto fail;
	vm_irq_init(vm);
	vm->start_tsc = rdtsc();
	for (i = 0; i < vm->vcpu_count; i++)
		vm->vcpus[i]->tsc.offset = -vm->start_tsc;
	if (fill ? fill->fill_vm(vm, fill->ctx, why) : guest_boot(vm, why))
		goto fail;
	if (cfg->vmctl[0] && vm_vmctl_change(vm, cfg->vmctl, strlen(cfg->vmctl), vmctl_err,
					     sizeof(vmctl_err))) {
		log_warn("hv: guest %s: vmctl = %s: %s", cfg->name, cfg->vmctl, vmctl_err);
		*why = "its vmctl setting is refused (the log says why)";
		goto fail;
	}
	for (i = 0; i < vm->vcpu_count; i++) {
		if (vcpu_setup_vmcs(vm->vcpus[i], why))
			goto fail;
		if (fill && fill->fill_vcpu(vm->vcpus[i], fill->ctx, why))
			goto fail;
		/* Set up here, run on its own CPU: the VMCS must not stay active on this one. */
		vmcs_clear(vm->vcpus[i]->vmcs_phys);
		vm->vcpus[i]->vmcs_active = false;
		vm->vcpus[i]->host_cpu = -1;
	}
	log_info("hv: guest %s (id %u) created: %llu MiB RAM, %u vCPU%s", vm->name, vm->id,
		 (unsigned long long)(vm->ram_bytes >> 20), vm->vcpu_count,
		 vm->vcpu_count == 1 ? "" : "s");
	__atomic_store_n(&vm->state, VM_RUNNING, __ATOMIC_RELEASE);
	return vm;
fail:
	vm_destroy(vm);
	return NULL;
}

struct vm *vm_create(const struct hvcfg_guest *cfg, const char **why)
{
	return vm_create_from(cfg, NULL, why);
}

struct vm *vm_reboot(struct vm *vm, const char *why_restart)
{
	struct hvcfg_guest cfg = vm->cfg;
	uint32_t old_id = vm->id;
	const char *why;
	struct vm *fresh;

	log_info("hv: guest %s (id %u) %s: restarting it", vm->name, old_id, why_restart);
	sched_destroy_vm(vm);
	fresh = vm_create(&cfg, &why);
	if (!fresh)
		log_error("hv: guest %s could not be restarted: %s", cfg.name, why);
	return fresh;
}
