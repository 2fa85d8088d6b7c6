# One non-recursive Makefile for the whole tree: the UEFI loader, the kernel,
# the ESP and disk image, host unit tests and the emulator runs.
#
#   make            build everything into build/
#   make run        boot in Bochs (VT-x with EPT), serial console on this terminal
#   make run-qemu   boot in QEMU TCG + OVMF (no VT-x: the kernel says so and stops)
#   make run-kvm    boot in QEMU/KVM with nested VT-x (Intel hosts)
#   make test       unit tests, then integration runs under QEMU and Bochs
#   make bench      exit-path benchmarks under Bochs
#   make deps       install the Debian packages the build and the runs need

BUILD := build
CC := gcc
LD := ld
NASM := nasm
OBJCOPY := objcopy

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

WARN := -Wall -Wextra -Werror -Wno-unused-parameter
DEPFLAGS = -MMD -MP

# ---------------------------------------------------------------- kernel ---

KERNEL_CFLAGS := -std=gnu11 -O2 -g $(WARN) -I. -ffreestanding -fno-pic -fno-pie \
	-mcmodel=kernel -mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-avx \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
	-DHV_VERSION='"$(VERSION)"'
KERNEL_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack -T linker.ld

# vmm/ is layered in rooms, lowest first; a lower room never includes an
# upper one (make layout-check, tests/layout/check-includes.sh):
#   vmm/abi < vmm/dev < vmm/core < vmm/boot < vmm/platform < vmm/exit < vmm/snapshot < vmm/mgmt
#   < vmm/main.c
# vmm/console/ is the console domain's own program (below) and includes
# only vmm/abi/.
KERNEL_C := \
	lib/string.c lib/printf.c lib/log.c lib/logring.c lib/cmdline.c lib/crc32c.c \
	arch/x86/gdt.c arch/x86/idt.c arch/x86/exception.c \
	arch/x86/vmx_detect.c arch/x86/vmx.c arch/x86/vmx_errors.c arch/x86/fpu.c arch/x86/xsave_layout.c \
	arch/x86/apic.c arch/x86/smp.c arch/x86/ap_boot.c \
	mm/memmap.c mm/frame.c mm/phys.c mm/kpaging.c mm/heap.c mm/ept.c \
	drivers/uart16550.c drivers/acpi.c drivers/power.c drivers/timer.c drivers/cmos_clock.c \
	boot/hvcfg.c \
	vmm/abi/exit_reason.c vmm/abi/vmctl.c \
	vmm/dev/debugcon.c vmm/dev/pic.c vmm/dev/pit.c vmm/dev/uart.c vmm/dev/lapic.c vmm/dev/ioapic.c \
	vmm/dev/rtc.c vmm/dev/sysctl.c vmm/dev/pci.c vmm/dev/acpi_pm.c \
	vmm/core/vm.c vmm/core/vcpu_setup.c vmm/core/vcpu_regs.c vmm/core/sched.c vmm/core/inject.c \
	vmm/core/vm_irq.c vmm/core/io_bus.c vmm/core/operator.c vmm/core/mem_track.c vmm/core/vtpr.c \
	vmm/core/vcpu_saved.c vmm/core/ram_share.c vmm/core/vm_vmctl.c \
	vmm/boot/images.c vmm/boot/guest_boot.c vmm/boot/linux_boot.c vmm/boot/multiboot.c \
	vmm/boot/guest_acpi.c vmm/boot/acpi_build.c \
	vmm/platform/vm_devices.c \
	vmm/exit/vcpu_run.c vmm/exit/exit.c vmm/exit/exit_cpuid.c vmm/exit/exit_io.c vmm/exit/exit_cr.c \
	vmm/exit/exit_ept.c vmm/exit/msr.c vmm/exit/vmcs_dump.c vmm/exit/vmcs_check.c \
	vmm/exit/cpuid_policy.c vmm/exit/guest_access.c vmm/exit/guest_walk.c vmm/exit/decode.c \
	vmm/exit/stats.c vmm/exit/vcpu_state.c vmm/exit/exit_vmctl.c vmm/exit/guest_tlb.c \
	vmm/snapshot/snap_format.c vmm/snapshot/snap_fields.c vmm/snapshot/snap_dev.c \
	vmm/snapshot/snap_dev_layout.c vmm/snapshot/snap_dev_isa.c vmm/snapshot/snap_dev_apic.c \
	vmm/snapshot/snap_dev_pci.c vmm/snapshot/snap_vcpu.c vmm/snapshot/snap_ram.c \
	vmm/snapshot/snap_store.c vmm/snapshot/snap_vm.c vmm/snapshot/snap_save.c \
	vmm/snapshot/snap_restore.c vmm/snapshot/snap_live.c \
	vmm/mgmt/hypercall.c vmm/mgmt/mgmt.c vmm/mgmt/mgmt_snap.c vmm/mgmt/mgmt_vmctl.c vmm/mgmt/mgmt_args.c \
	vmm/mgmt/hc_check.c \
	vmm/mgmt/create_spec.c \
	vmm/main.c

KERNEL_ASM := arch/x86/entry.asm arch/x86/isr.asm arch/x86/vmx_entry.asm arch/x86/ap_trampoline.asm

KERNEL_OBJS := $(KERNEL_C:%.c=$(BUILD)/kernel/%.o) $(KERNEL_ASM:%.asm=$(BUILD)/kernel/%.o)

$(BUILD)/kernel/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KERNEL_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/kernel/%.o: %.asm
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@$(NASM) -f elf64 -g -MD $(@:.o=.d) -MP $< -o $@

$(BUILD)/hvkernel.elf: $(KERNEL_OBJS) linker.ld
	@echo "  LD      $@"
	@$(LD) $(KERNEL_LDFLAGS) $(KERNEL_OBJS) -o $@

# ---------------------------------------------------------------- loader ---

EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib
LOADER_CFLAGS := -std=gnu11 -O2 $(WARN) -I. -I$(EFI_INC) -I$(EFI_INC)/x86_64 \
	-ffreestanding -fpic -fshort-wchar -fno-stack-protector -mno-red-zone \
	-maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI -DHV_VERSION='"$(VERSION)"'
LOADER_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic -T $(EFI_LIB)/elf_x86_64_efi.lds

LOADER_C := boot/loader.c boot/loader_file.c boot/loader_paging.c boot/hvcfg.c boot/elf_check.c \
	lib/string.c lib/printf.c
LOADER_OBJS := $(LOADER_C:%.c=$(BUILD)/loader/%.o)

$(BUILD)/loader/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (loader)"
	@$(CC) $(LOADER_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/loader.so: $(LOADER_OBJS)
	$(LD) $(LOADER_LDFLAGS) $(EFI_LIB)/crt0-efi-x86_64.o $(LOADER_OBJS) -L$(EFI_LIB) -lefi -lgnuefi -o $@

$(BUILD)/BOOTX64.EFI: $(BUILD)/loader.so
	$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel \
		-j .rela -j .rel.* -j .rela.* -j .reloc --target=efi-app-x86_64 \
		--subsystem=10 $< $@

# ---- test guests ---

GUESTS := selftest hostile bench mbtest ticker memsum traps
GUEST_BINS := $(GUESTS:%=$(BUILD)/guests/%.bin)
$(BUILD)/guests/%.bin: tests/guests/%.asm $(wildcard tests/guests/*.inc)
	@mkdir -p $(dir $@)
	$(NASM) -f bin -I tests/guests/ $< -o $@

# --------------------------------------------------------- console domain ---

# A guest like any other (a raw 64-bit image entered at 1 MiB), built
# freestanding from vmm/console/ and the pure parts of lib/ it shares.
CONSOLE_CFLAGS := -std=gnu11 -O2 $(WARN) -I. -ffreestanding -fno-pic -fno-pie -mcmodel=small \
	-mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-avx -fno-stack-protector \
	-fno-asynchronous-unwind-tables
CONSOLE_C := vmm/console/main.c vmm/console/commands.c vmm/console/guests.c \
	vmm/console/attach.c vmm/console/top.c vmm/console/out.c vmm/console/line_edit.c \
	vmm/console/cmd_parse.c vmm/console/snap_cmds.c vmm/console/vmctl_cmds.c vmm/abi/exit_reason.c \
	vmm/abi/vmctl.c lib/string.c lib/printf.c
CONSOLE_OBJS := $(CONSOLE_C:%.c=$(BUILD)/console/%.o) $(BUILD)/console/start.o

$(BUILD)/console/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (console)"
	@$(CC) $(CONSOLE_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(BUILD)/console/start.o: vmm/console/start.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 $< -o $@
$(BUILD)/console/console.elf: $(CONSOLE_OBJS) vmm/console/console.ld
	$(LD) -nostdlib -static -z noexecstack --no-warn-rwx-segments -T vmm/console/console.ld $(CONSOLE_OBJS) -o $@
$(BUILD)/guests/console.bin: $(BUILD)/console/console.elf
	@mkdir -p $(dir $@)
	$(OBJCOPY) -O binary $< $@

# ------------------------------------------------------ ESP and disk image ---

ESP := $(BUILD)/esp
ESP_FILES := $(ESP)/EFI/BOOT/BOOTX64.EFI $(ESP)/EFI/hv/hvkernel.elf $(ESP)/EFI/hv/hv.cfg \
	$(GUESTS:%=$(ESP)/EFI/hv/%.bin) $(ESP)/EFI/hv/console.bin \
	$(ESP)/EFI/hv/vmlinuz $(ESP)/EFI/hv/initrd.img

$(ESP)/EFI/BOOT/BOOTX64.EFI: $(BUILD)/BOOTX64.EFI
	@mkdir -p $(dir $@)
	cp $< $@
$(ESP)/EFI/hv/hvkernel.elf: $(BUILD)/hvkernel.elf
	@mkdir -p $(dir $@)
	cp $< $@
$(ESP)/EFI/hv/%.bin: $(BUILD)/guests/%.bin
	@mkdir -p $(dir $@)
	cp $< $@
# The default guest: Debian's kernel and the test initramfs (make linux-assets).
$(ESP)/EFI/hv/vmlinuz: $(BUILD)/linux/vmlinuz
	@mkdir -p $(dir $@)
	cp $< $@
$(ESP)/EFI/hv/initrd.img: $(BUILD)/linux/initrd.img
	@mkdir -p $(dir $@)
	cp $< $@
$(ESP)/EFI/hv/hv.cfg: boot/hv.cfg.default
	@mkdir -p $(dir $@)
	cp $< $@

esp: $(ESP_FILES)

# A GPT disk with one FAT32 EFI system partition, written with mtools: dd it
# to a USB stick to boot a real PC.
$(BUILD)/hv.img: $(ESP_FILES) tests/integration/mkimage.sh
	sh tests/integration/mkimage.sh $(ESP) $@

all: $(BUILD)/hvkernel.elf $(BUILD)/BOOTX64.EFI esp $(BUILD)/hv.img
.DEFAULT_GOAL := all

# ------------------------------------------------------------ unit tests ---

HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -I. -DHOST_TEST \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_LDLIBS := -lcmocka

# Each unit test: tests/unit/test_NAME.c plus the sources it exercises. Test
# binaries depend on every header, so a changed header rebuilds them.
ALL_HEADERS := $(shell find boot arch mm drivers lib vmm -name "*.h")
UNIT_TESTS := hvcfg elf_check memmap frame logring printf cmdline acpi exitq ept vmx_names io_bus decode guest_walk pic pit uart cpuid_policy vmcs_check lapic ioapic rtc sysctl pci acpi_build acpi_pm multiboot linux_boot \
	hc_check create_spec line_edit cmd_parse xsave_layout snap_format vtpr exc_class vm_state guest_tsc msr_pat \
	vcpu_req snap_dev snap_vcpu snap_ram snap_store snap_vm vmctl
unit_decode_SRCS := vmm/exit/decode.c
unit_guest_walk_SRCS := vmm/exit/guest_walk.c
unit_hvcfg_SRCS := boot/hvcfg.c lib/printf.c
unit_elf_check_SRCS := boot/elf_check.c
unit_memmap_SRCS := mm/memmap.c
unit_frame_SRCS := mm/frame.c
unit_logring_SRCS := lib/logring.c
unit_cmdline_SRCS := lib/cmdline.c
unit_io_bus_SRCS := vmm/core/io_bus.c
unit_printf_SRCS := lib/printf.c
unit_acpi_SRCS := drivers/acpi.c
unit_exitq_SRCS :=
unit_exc_class_SRCS :=
unit_vm_state_SRCS :=
unit_msr_pat_SRCS :=
unit_vcpu_req_SRCS :=
unit_guest_tsc_SRCS := vmm/dev/lapic.c
unit_ept_SRCS := mm/ept.c
unit_vmx_names_SRCS := arch/x86/vmx_errors.c vmm/abi/exit_reason.c
unit_vmctl_SRCS := vmm/abi/vmctl.c lib/printf.c
unit_pic_SRCS := vmm/dev/pic.c
unit_pit_SRCS := vmm/dev/pit.c
unit_uart_SRCS := vmm/dev/uart.c
unit_cpuid_policy_SRCS := vmm/exit/cpuid_policy.c
unit_vmcs_check_SRCS := vmm/exit/vmcs_check.c
unit_vtpr_SRCS := vmm/core/vtpr.c
unit_linux_boot_SRCS := vmm/boot/linux_boot.c
unit_multiboot_SRCS := vmm/boot/multiboot.c
unit_lapic_SRCS := vmm/dev/lapic.c
unit_ioapic_SRCS := vmm/dev/ioapic.c
unit_rtc_SRCS := vmm/dev/rtc.c
unit_sysctl_SRCS := vmm/dev/sysctl.c
unit_pci_SRCS := vmm/dev/pci.c
unit_acpi_build_SRCS := vmm/boot/acpi_build.c drivers/acpi.c
unit_acpi_pm_SRCS := vmm/dev/acpi_pm.c
unit_hc_check_SRCS := vmm/mgmt/hc_check.c vmm/core/io_bus.c
unit_create_spec_SRCS := vmm/mgmt/create_spec.c boot/hvcfg.c lib/printf.c
unit_line_edit_SRCS := vmm/console/line_edit.c
unit_cmd_parse_SRCS := vmm/console/cmd_parse.c
unit_xsave_layout_SRCS := arch/x86/xsave_layout.c
unit_snap_format_SRCS := vmm/snapshot/snap_format.c vmm/snapshot/snap_fields.c lib/crc32c.c
unit_snap_dev_SRCS := vmm/snapshot/snap_dev.c vmm/snapshot/snap_dev_layout.c vmm/snapshot/snap_dev_isa.c \
	vmm/snapshot/snap_dev_apic.c vmm/snapshot/snap_dev_pci.c vmm/snapshot/snap_fields.c \
	vmm/dev/debugcon.c vmm/dev/uart.c \
	vmm/dev/pic.c vmm/dev/pit.c vmm/dev/rtc.c vmm/dev/sysctl.c vmm/dev/pci.c vmm/dev/acpi_pm.c \
	vmm/dev/lapic.c vmm/dev/ioapic.c
unit_snap_vcpu_SRCS := vmm/snapshot/snap_vcpu.c vmm/snapshot/snap_fields.c vmm/core/vcpu_saved.c
unit_snap_ram_SRCS := vmm/snapshot/snap_ram.c vmm/snapshot/snap_fields.c
unit_snap_store_SRCS := vmm/snapshot/snap_store.c vmm/snapshot/snap_format.c lib/crc32c.c
unit_snap_vm_SRCS := vmm/snapshot/snap_vm.c vmm/snapshot/snap_fields.c

define unit_test_rule
$(BUILD)/unit/test_$(1): tests/unit/test_$(1).c $$(unit_$(1)_SRCS) $$(ALL_HEADERS)
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@"
	@$$(CC) $$(HOST_CFLAGS) $$(filter %.c,$$^) -o $$@ $$(HOST_LDLIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test_rule,$(t))))

UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/unit/test_%)

# No #include from a lower room of vmm/ reaches an upper one.
layout-check:
	@sh tests/layout/check-includes.sh

# Runs every test binary even after a failure, then fails if any did.
unit: layout-check $(UNIT_BINS)
	@failed=""; for t in $(UNIT_BINS); do echo "== $$t"; ./$$t || failed="$$failed $$t"; done; \
	if [ -n "$$failed" ]; then echo "unit tests failed:$$failed"; exit 1; fi

# ---------------------------------------------------------- emulator runs ---

run: deps all
	sh tests/integration/bochs-run.sh interactive $(ESP) 2

run-qemu: deps all
	sh tests/integration/qemu-run.sh interactive $(ESP)

run-kvm: deps all
	sh tests/integration/qemu-run.sh kvm $(ESP)

# Debian's kernel and a busybox initramfs for the Linux guest tests,
# fetched through apt into build/linux/ (kept between runs).
LINUX_ASSETS := $(BUILD)/linux/vmlinuz $(BUILD)/linux/initrd.img
$(BUILD)/linux/vmlinuz: tests/linux/fetch-kernel.sh
	sh tests/linux/fetch-kernel.sh $(BUILD)/linux
$(BUILD)/linux/initrd.img: tests/linux/mkinitramfs.sh tests/linux/torture.sh tests/linux/xstate_check.c $(BUILD)/linux/vmlinuz
	sh tests/linux/mkinitramfs.sh $(BUILD)/linux
linux-assets: $(LINUX_ASSETS)

integration: all linux-assets
	bash tests/integration/run-all.sh

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) integration

bench: deps all linux-assets
	sh tests/bench/run.sh
	bash tests/bench/linux.sh
	bash tests/bench/snapshot.sh

deps:
	@sh tests/integration/deps.sh

clean:
	rm -rf $(BUILD)

.PHONY: all esp unit layout-check run run-qemu run-kvm integration test bench deps clean linux-assets

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
.SECONDARY:
