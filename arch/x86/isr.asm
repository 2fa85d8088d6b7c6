; Interrupt and exception entry stubs.
;
; Every vector gets a stub that pushes a zero where the CPU pushes no error
; code, then the vector number, so that trap_common always sees the same
; frame: struct trap_frame in arch/x86/idt.h (its offsets are pinned there
; with _Static_assert). trap_common saves the general registers and calls
; trap_dispatch(frame).

bits 64
default rel

extern trap_dispatch
global isr_stub_table

; Vectors for which the CPU pushes an error code (SDM Vol. 3, 6.13).
%define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

section .text
%assign v 0
%rep 256
isr_stub_ %+ v:
%if HAS_ERROR(v) == 0
	push 0
%endif
	push v
	jmp trap_common
%assign v v+1
%endrep

trap_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	; Keep the C call's stack 16-byte aligned whatever the interrupted RSP was.
	mov rbx, rsp
	and rsp, -16
	call trap_dispatch
	mov rsp, rbx
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16             ; vector and error code
	iretq

section .rodata
align 8
isr_stub_table:
%assign v 0
%rep 256
	dq isr_stub_ %+ v
%assign v v+1
%endrep
