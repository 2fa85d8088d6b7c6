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
HC_CONSOLE_WRITE equ 0x01

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

; report: "bench: <name> <rbx> ticks (<ITERATIONS> round trips)\n", built
; in a buffer and written with one HC_CONSOLE_WRITE, so that printing adds
; no port-I/O exits to the figures the hypervisor keeps per exit reason.
report:
	lea rdi, [line]
	push rsi
	lea rsi, [s_prefix]
	call append
	pop rsi
	call append
	mov byte [rdi], ' '
	inc rdi
	mov rax, rbx
	call append_dec
	lea rsi, [s_ticks]
	call append
	mov rax, ITERATIONS
	call append_dec
	lea rsi, [s_suffix]
	call append
	lea rsi, [line]
	sub rdi, rsi
	mov rsi, rdi			; length
	lea rdi, [line]			; guest-physical = linear here
	mov eax, HC_CONSOLE_WRITE
	vmcall
	ret

; append: copy the string at RSI to RDI, without its NUL.
append:
	lodsb
	test al, al
	jz .done
	stosb
	jmp append
.done:
	ret

; append_dec: RAX in decimal at RDI.
append_dec:
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
	stosb
	test r8d, r8d
	jnz .emit
	add rsp, 32
	ret

line:	times 128 db 0

s_prefix:	db "bench: ", 0
s_empty:	db "empty-loop", 0
s_cpuid:	db "cpuid", 0
s_vmcall:	db "vmcall", 0
s_pio:		db "pio-in", 0
s_ticks:	db " ticks (", 0
s_suffix:	db " round trips)", 10, 0
