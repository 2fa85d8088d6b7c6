; AP start-up trampoline (SDM Vol. 3, 8.4.4, 9.9.1 and 9.8.5): a CPU woken
; by a SIPI starts here in 16-bit real mode at CS:IP = (page >> 4):0, goes
; through 32-bit protected mode into long mode on the kernel's page tables
; and calls ap_entry() on a stack of its own.
;
; This is a template: ap_boot.c copies ap_trampoline_start..end to a page
; below 1 MiB (read-only and executable in the kernel's tables) and fills
; the page after it with struct ap_boot_data (arch/x86/ap_boot.h, whose
; _Static_asserts pin the D_* offsets below). The code uses no absolute
; address of its own: real mode reaches the data through DS = CS, later
; code through EBX/RBX = the page's physical address.
;
; Several APs may run it at once (a broadcast SIPI). Each takes a ticket
; with LOCK XADD; the ticket picks its stack. An AP whose ticket has no
; stack (beyond HV_MAX_CPUS, or after smp.c gave up waiting) parks right
; here, in real mode, before it touches anything but the ticket counter.

bits 16
default abs

%define DATA 0x1000             ; the data page follows the code page

%define D_TICKET 0x00
%define D_MAX_TICKETS 0x04
%define D_CR3 0x08
%define D_EFER 0x0c
%define D_ENTRY 0x10
%define D_FAR32 0x18
%define D_FAR64 0x20
%define D_GDTR 0x28
%define D_STACKS 0x50

%define SEL_CODE64 0x08
%define SEL_DATA 0x10

%define CR0_PE (1 << 0)
%define CR0_MP (1 << 1)
%define CR0_ET (1 << 4)
%define CR0_NE (1 << 5)
%define CR0_WP (1 << 16)
%define CR0_PG (1 << 31)
%define CR4_PAE (1 << 5)
%define CR4_PGE (1 << 7)
%define MSR_EFER 0xc0000080

global ap_trampoline_start
global ap_trampoline_end
global ap_trampoline_pm32
global ap_trampoline_lm64

section .rodata
align 16
ap_trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	mov eax, 1
	lock xadd [DATA + D_TICKET], eax
	cmp eax, [DATA + D_MAX_TICKETS]
	jae .park
	mov esi, eax            ; the ticket, carried into long mode
	xor ebx, ebx
	mov bx, ds
	shl ebx, 4              ; physical address of this page

	o32 lgdt [DATA + D_GDTR]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword far [DATA + D_FAR32]  ; to ap_trampoline_pm32, 32-bit code segment

.park:
	cli
	hlt
	jmp .park

bits 32
ap_trampoline_pm32:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, CR4_PAE | CR4_PGE
	mov cr4, eax
	mov eax, [ebx + DATA + D_CR3]   ; below 4 GiB (kpaging.c makes sure)
	mov cr3, eax
	mov ecx, MSR_EFER
	mov eax, [ebx + DATA + D_EFER]  ; LME, and NXE if the kernel's tables use NX
	xor edx, edx
	wrmsr
	; Paging on (long mode active) and caches on: after INIT, CR0.CD and NW are set.
	mov eax, CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_MP | CR0_PE
	mov cr0, eax
	jmp far [ebx + DATA + D_FAR64]  ; to ap_trampoline_lm64, 64-bit code segment

bits 64
ap_trampoline_lm64:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov ebx, ebx            ; upper halves are undefined after the mode switch
	mov esi, esi
	mov rsp, [rbx + DATA + D_STACKS + rsi * 8]
	xor ebp, ebp
	call [rbx + DATA + D_ENTRY]     ; ap_entry()
.hang:                          ; ap_entry does not return
	cli
	hlt
	jmp .hang
ap_trampoline_end:
