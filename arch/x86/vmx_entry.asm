; VM entry and exit (SDM Vol. 3, 26 and 27).
;
; int vmx_enter(struct guest_regs *regs, int launched)
;   Saves the host's callee-saved registers, records the stack pointer in
;   VMCS_HOST_RSP, loads the guest's registers from *regs and executes
;   VMLAUNCH or VMRESUME. A VM exit arrives at vmx_exit_entry with RSP as
;   recorded; it stores the guest's registers into *regs and returns 0 from
;   vmx_enter. If the instruction itself fails, vmx_enter returns 1
;   (VMfailInvalid) or 2 (VMfailValid).
;
; The offsets below are pinned by _Static_assert in arch/x86/vmx.h.

bits 64
default rel

%define VMCS_HOST_RSP 0x6c14

%define R_RAX 0x00
%define R_RCX 0x08
%define R_RDX 0x10
%define R_RBX 0x18
%define R_RBP 0x20
%define R_RSI 0x28
%define R_RDI 0x30
%define R_R8  0x38
%define R_R9  0x40
%define R_R10 0x48
%define R_R11 0x50
%define R_R12 0x58
%define R_R13 0x60
%define R_R14 0x68
%define R_R15 0x70
%define R_CR2 0x78

global vmx_enter
global vmx_exit_entry

section .text
vmx_enter:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	push rdi                ; *regs, found again at [rsp] on exit

	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp

	; CR2 is not part of the VMCS: the guest's value is loaded by hand.
	mov rax, [rdi + R_CR2]
	mov cr2, rax

	test esi, esi           ; launched?
	mov rax, [rdi + R_RAX]
	mov rcx, [rdi + R_RCX]
	mov rdx, [rdi + R_RDX]
	mov rbx, [rdi + R_RBX]
	mov rbp, [rdi + R_RBP]
	mov rsi, [rdi + R_RSI]
	mov r8,  [rdi + R_R8]
	mov r9,  [rdi + R_R9]
	mov r10, [rdi + R_R10]
	mov r11, [rdi + R_R11]
	mov r12, [rdi + R_R12]
	mov r13, [rdi + R_R13]
	mov r14, [rdi + R_R14]
	mov r15, [rdi + R_R15]
	mov rdi, [rdi + R_RDI]  ; last: it held the pointer
	jnz .resume             ; flags from the test above survive the movs
	vmlaunch
	jmp .failed
.resume:
	vmresume
.failed:
	; Still in the host: CF=1 VMfailInvalid, ZF=1 VMfailValid.
	mov eax, 1
	jc .out
	mov eax, 2
.out:
	pop rdi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

vmx_exit_entry:
	push rdi                ; the guest's rdi, before the pointer overwrites it
	mov rdi, [rsp + 8]
	mov [rdi + R_RAX], rax
	mov [rdi + R_RCX], rcx
	mov [rdi + R_RDX], rdx
	mov [rdi + R_RBX], rbx
	mov [rdi + R_RBP], rbp
	mov [rdi + R_RSI], rsi
	mov [rdi + R_R8],  r8
	mov [rdi + R_R9],  r9
	mov [rdi + R_R10], r10
	mov [rdi + R_R11], r11
	mov [rdi + R_R12], r12
	mov [rdi + R_R13], r13
	mov [rdi + R_R14], r14
	mov [rdi + R_R15], r15
	pop rax
	mov [rdi + R_RDI], rax
	mov rax, cr2
	mov [rdi + R_CR2], rax
	xor eax, eax
	jmp vmx_enter.out
