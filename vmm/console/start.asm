; Entry of the console domain: the hypervisor starts it in 64-bit mode at
; its load address with identity-mapped page tables (README.md, raw long
; images). Zero the bss, take our own stack, run the console.

bits 64
default rel

section .text.start
global _start
extern console_main
extern __bss_start
extern __bss_end

_start:
	cld
	lea rdi, [__bss_start]
	lea rcx, [__bss_end]
	sub rcx, rdi
	xor eax, eax
	rep stosb
	lea rsp, [stack_top]
	call console_main
.stop:
	hlt
	jmp .stop

section .bss
align 16
stack:
	resb 65536
stack_top:
