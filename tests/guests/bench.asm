; Exit-path benchmark guest (type = long): times N round trips of CPUID,
; VMCALL (HC_VERSION) and IN from the debug port with RDTSC, and prints
; the ticks per round trip, e.g. "bench: cpuid 412 ticks (10000 round trips)".
; Under Bochs with ips=100000000 and clock sync=none one TSC tick is one
; emulated instruction, so the figures are repeatable instruction counts.
; A loop of NOPs gives the loop's own cost, printed as "bench: empty-loop".

bits 64
default rel
org 0x100000

ITERATIONS	equ 10000
DEBUG_PORT	equ 0xE9
HC_VERSION	equ 0x00
HC_SHUTDOWN	equ 0x02

; BENCH name, body: runs `body` ITERATIONS times between two RDTSCs and
; prints the average.
%macro BENCH 2
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov r12, rax
	mov r13d, ITERATIONS
%%loop:
	call %2
	dec r13d
	jnz %%loop
	rdtsc
	shl rdx, 32
	or rax, rdx
	sub rax, r12
	xor edx, edx
	mov ecx, ITERATIONS
	div rcx
	mov rbx, rax
	lea rsi, [%1]
	call report
%endmacro

start:
	mov rsp, 0x100000

	BENCH s_empty, .empty
	BENCH s_cpuid, .cpuid
	BENCH s_vmcall, .vmcall
	BENCH s_pio, .pio

	mov eax, HC_SHUTDOWN
	xor edi, edi
	vmcall
	hlt


.empty:
	nop
	ret
.cpuid:
	xor eax, eax
	xor ecx, ecx
	cpuid
	ret
.vmcall:
	mov eax, HC_VERSION
	vmcall
	ret
.pio:
	in al, DEBUG_PORT
	ret

; report: "bench: <name> <rbx> ticks (<ITERATIONS> round trips)\n"
report:
	push rsi
	lea rsi, [s_prefix]
	call puts
	pop rsi
	call puts
	mov al, ' '
	out DEBUG_PORT, al
	mov rax, rbx
	call put_dec
	lea rsi, [s_ticks]
	call puts
	mov rax, ITERATIONS
	call put_dec
	lea rsi, [s_suffix]
	call puts
	ret

puts:
	lodsb
	test al, al
	jz .done
	out DEBUG_PORT, al
	jmp puts
.done:
	ret

; put_dec: RAX in decimal.
put_dec:
	sub rsp, 32
	mov rcx, 10
	xor r8d, r8d
.divide:
	xor edx, edx
	div rcx
	add dl, '0'
	mov [rsp + r8], dl
	inc r8d
	test rax, rax
	jnz .divide
.emit:
	dec r8d
	mov al, [rsp + r8]
	out DEBUG_PORT, al
	test r8d, r8d
	jnz .emit
	add rsp, 32
	ret

s_prefix:	db "bench: ", 0
s_empty:	db "empty-loop", 0
s_cpuid:	db "cpuid", 0
s_vmcall:	db "vmcall", 0
s_pio:		db "pio-in", 0
s_ticks:	db " ticks (", 0
s_suffix:	db " round trips)", 10, 0
