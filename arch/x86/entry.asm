; Kernel entry from the UEFI loader.
;
; Runs on the loader's page tables (RAM identity-mapped, the kernel at its
; link address) with interrupts off and RDI = physical address of the
; struct boot_info. Switches to the boot CPU's stack and calls kmain.

bits 64
default rel

extern kmain
global _start
global boot_stack_top
global boot_stack_guard

section .text.entry
_start:
	cli
	cld
	lea rsp, [boot_stack_top]
	xor ebp, ebp
	call kmain
.hang:
	cli
	hlt
	jmp .hang

section .bss
align 4096
boot_stack_guard:
	resb 4096               ; left unmapped by the kernel's page tables
boot_stack:
	resb 32768
boot_stack_top:
