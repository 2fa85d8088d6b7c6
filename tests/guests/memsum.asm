; memsum: a test guest that writes memory and keeps a running checksum of
; it (hv.cfg "type = long"), for snapshot tests.
;
; A xorshift64 generator picks where and what to write: each round makes
; WRITES_PER_ROUND qword writes at pseudo-random places of a 2 MiB region,
; keeping the region's sum up to date as it goes (sum += new - old). Then
; it adds the region up again from memory and checks it against the running
; sum, and checks that the registers it keeps in step still agree: RBX is
; always NOT R15 (the generator), RBP is always the round times ROUND_MUL,
; and R12 holds the address of the region. It prints one line a round:
;
;   memsum: round R sum S ok
;   memsum: FAIL round R: memory sums to X, the running sum says S
;   memsum: FAIL round R: registers out of step
;
; What it writes and sums never depends on time, so two guests restored
; from one snapshot print the same lines for the same rounds, and a restored
; guest goes on with the round after the one it was saved in. Only the pace
; does: a round ends no sooner than ROUND_MS of its TSC after the last one
; (R10 holds when), so that a console's ring holds minutes of rounds. Never
; halts, never uses interrupts.
;
; Entered as the hypervisor's raw long-mode guests are: 64-bit mode at
; 0x100000, RIP = RSP = load address, interrupts off.

bits 64
default rel
org 0x100000

REGION		equ 0x400000		; 4 MiB, past the image
REGION_QWORDS	equ (2 << 20) / 8
WRITES_PER_ROUND equ 4096
ROUND_MUL	equ 0x9e3779b97f4a7c15
SEED		equ 0x2545f4914f6cdd1d
HC_TSC_KHZ	equ 0x03
ROUND_MS	equ 100

start:
	cli
	lea rsp, [stack_top]
	mov eax, HC_TSC_KHZ
	vmcall
	imul rax, rax, ROUND_MS
	mov [round_ticks], rax
	call tsc
	mov r10, rax			; when the next round may end
	mov r12, REGION
	mov r15, SEED
	mov rbx, r15
	not rbx
	xor r14d, r14d			; the round
	xor ebp, ebp			; round * ROUND_MUL
	xor r13d, r13d			; the running sum (the region starts zeroed)
.round:
	mov ecx, WRITES_PER_ROUND
.write:
	; xorshift64 (Marsaglia): x ^= x << 13; x ^= x >> 7; x ^= x << 17
	mov rax, r15
	shl rax, 13
	xor r15, rax
	mov rax, r15
	shr rax, 7
	xor r15, rax
	mov rax, r15
	shl rax, 17
	xor r15, rax
	mov rbx, r15
	not rbx
	mov rax, r15
	and eax, REGION_QWORDS - 1
	mov rdx, [r12 + rax * 8]
	sub r13, rdx
	mov [r12 + rax * 8], r15
	add r13, r15
	dec ecx
	jnz .write

	inc r14
	mov rax, ROUND_MUL
	add rbp, rax
	call check_registers
	jc .bad_registers
	call region_sum
	cmp rax, r13
	jne .bad_sum
	lea rsi, [s_round]
	call puts
	mov rax, r14
	call put_dec
	lea rsi, [s_sum]
	call puts
	mov rax, r13
	call put_hex
	lea rsi, [s_ok]
	call puts
	call pace
	jmp .round
.bad_sum:
	push rax
	lea rsi, [s_fail]
	call puts
	mov rax, r14
	call put_dec
	lea rsi, [s_fail_sum]
	call puts
	pop rax
	call put_hex
	lea rsi, [s_fail_says]
	call puts
	mov rax, r13
	call put_hex
	mov al, 10
	call putc
	call region_sum			; go on from what memory holds
	mov r13, rax
	jmp .round
.bad_registers:
	lea rsi, [s_fail]
	call puts
	mov rax, r14
	call put_dec
	lea rsi, [s_fail_regs]
	call puts
	jmp .round

; tsc: RAX = the TSC.
tsc:
	push rdx
	rdtsc
	shl rdx, 32
	or rax, rdx
	pop rdx
	ret

; pace: waits until the TSC reaches R10, then moves R10 on by a round.
pace:
	call tsc
	cmp rax, r10
	jb pace
	add r10, [round_ticks]
	cmp rax, r10			; far behind (a long pause): no burst to catch up
	jb .done
	mov r10, rax
.done:
	ret

; check_registers: CF set unless RBX = NOT R15, RBP = R14 * ROUND_MUL and R12 = REGION.
check_registers:
	mov rax, r15
	not rax
	cmp rax, rbx
	jne .bad
	mov rax, ROUND_MUL
	imul rax, r14
	cmp rax, rbp
	jne .bad
	cmp r12, REGION
	jne .bad
	clc
	ret
.bad:
	stc
	ret

; region_sum: RAX = the sum of the region's qwords.
region_sum:
	push rcx
	push rsi
	xor eax, eax
	mov rsi, r12
	mov ecx, REGION_QWORDS
.add:
	add rax, [rsi]
	add rsi, 8
	dec ecx
	jnz .add
	pop rsi
	pop rcx
	ret

; put_hex: RAX as 16 hex digits.
put_hex:
	push rcx
	push rdx
	mov ecx, 16
.digit:
	rol rax, 4
	mov edx, eax
	and edx, 0xf
	push rax
	mov al, [hex + rdx]
	call putc
	pop rax
	dec ecx
	jnz .digit
	pop rdx
	pop rcx
	ret

s_round:	db "memsum: round ", 0
s_sum:		db " sum ", 0
s_ok:		db " ok", 10, 0
s_fail:		db "memsum: FAIL round ", 0
s_fail_sum:	db ": memory sums to ", 0
s_fail_says:	db ", the running sum says ", 0
s_fail_regs:	db ": registers out of step", 10, 0
hex:		db "0123456789abcdef"

%include "com1_out.inc"

round_ticks:	dq 0

align 16
stack:	times 4096 db 0
stack_top:
