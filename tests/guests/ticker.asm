; ticker: a test guest that spins and counts (hv.cfg "type = long").
;
; Prints "ticker: N" on COM1 every 200 ms of its TSC, spinning on RDTSC in
; between, so it never halts and never exits for the time: a guest that
; hogs its CPU. Once a tick it looks at COM1's receiver and answers each
; byte typed at it with "ticker: got X" (X in hex). Pausing the guest
; stops the count; a destroyed and re-created ticker starts again at 1.
;
; Entered as the hypervisor's raw long-mode guests are: 64-bit mode at
; 0x100000, RIP = RSP = load address, interrupts off.

bits 64
default rel
org 0x100000

LSR_DR		equ 0x01
HC_TSC_KHZ	equ 0x03
TICK_MS		equ 200

start:
	cli
	lea rsp, [stack_top]
	mov eax, HC_TSC_KHZ
	vmcall
	imul rax, rax, TICK_MS		; TSC ticks per tick
	mov r15, rax
	xor r14d, r14d			; the count
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov r13, rax			; when the last tick was
.spin:
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov rcx, rax
	sub rcx, r13
	cmp rcx, r15
	jb .spin
	add r13, r15
	inc r14
	lea rsi, [s_tick]
	call puts
	mov rax, r14
	call put_dec
	mov al, 10
	call putc
	call echo_input
	jmp .spin

; echo_input: "ticker: got X" for every byte waiting in COM1's receiver.
echo_input:
	mov dx, COM1 + LSR
	in al, dx
	test al, LSR_DR
	jz .done
	mov dx, COM1
	in al, dx
	movzx ebx, al
	lea rsi, [s_got]
	call puts
	mov rax, rbx
	call put_hex2
	mov al, 10
	call putc
	jmp echo_input
.done:
	ret

; put_hex2: AL as two hex digits.
put_hex2:
	mov rbx, rax
	shr al, 4
	call .nibble
	mov rax, rbx
.nibble:
	and al, 0xf
	add al, '0'
	cmp al, '9'
	jbe .out
	add al, 'a' - '0' - 10
.out:
	jmp putc

s_tick:	db "ticker: ", 0
s_got:	db "ticker: got ", 0

%include "com1_out.inc"

align 16
stack:	times 4096 db 0
stack_top:
