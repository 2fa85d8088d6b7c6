; selftest: the well-behaved test guest (hv.cfg "type = real").
;
; Starts as the hypervisor's raw real-mode guests do: 16-bit real mode,
; CS = 0, IP = SP = 0x8000 (where it is loaded), interrupts off, ESI = the
; command line's guest-physical address, EBX = RAM size in KiB. It walks up
; to long mode on its own GDT, page tables and IDT, like a small OS would,
; then runs checks of what the hypervisor promises its guests. Each check
; prints exactly one line, "PASS <name>" or "FAIL <name>: <what was seen>";
; the guest ends with "selftest: done, N passed, M failed" and HC_SHUTDOWN
; with code M. Everything that waits is bounded, so a broken hypervisor
; gives FAIL lines rather than a hang (except a HLT that is never woken
; once timer interrupts have been seen arriving: see check_hlt_timer).
;
; Memory (all in guest RAM): the image at 0x8000, then .data, then .bss
; (page tables, VMXON region, stack, IDT). The real- and protected-mode
; stack is below 0x8000.

%define GUEST_NAME "selftest"
%include "guest.inc"

LOAD_ADDR	equ 0x8000
CODE32		equ 0x08
DATA_SEL	equ 0x10
CODE64		equ 0x18
TSS_SEL		equ 0x20

PF_ADDR		equ 0x0000012345678008	; PML4 slot 2: not mapped by us
PAT_TEST	equ 0x0007040600010506	; a valid PAT other than the default
PAT_DEFAULT	equ 0x0007040600070406	; the power-on PAT
IO_UNCLAIMED	equ 0x2345
RAX_PATTERN	equ 0x1122334455667788	; shows which bytes an IN replaced

PIT_RELOAD	equ 11932		; 1193182 Hz / 11932 = 100 Hz: 10 ms
TIMER_TICKS	equ 5
TIMER_MIN_MS	equ 40
TIMER_MAX_MS	equ 200
TIMER_GIVE_UP_MS equ 500		; stop waiting after this much TSC time
POLL_MAX	equ 20000000		; ...or after this many polls or HLTs

	org LOAD_ADDR
	section .text
	section .data align=16
	section .rodata align=1
	section .bss align=4096
bss_start:
	section .text

; -------------------------------------------------------------- real mode ---

	bits 16
start:
	cli
	cld
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, LOAD_ADDR
	mov ebp, esi			; command line; EBX (RAM KiB) is kept as is
	PUTS16 "selftest: real mode", 10
	lgdt [gdtr]			; 24-bit base: the GDT is below 64 KiB
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword CODE32:pm32

; puts16: the string at DS:SI. Preserves every register but the flags.
puts16:
	push ax
	push si
.loop:
	lodsb
	test al, al
	jz .done
	out DEBUG_PORT, al
	jmp .loop
.done:
	pop si
	pop ax
	ret

; --------------------------------------------------------- protected mode ---

	bits 32
pm32:
	mov ax, DATA_SEL
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov esp, LOAD_ADDR
	mov [ram_kib], ebx
	mov [cmdline_ptr], ebp
	PUTS32 "selftest: protected mode", 10

	; A TSS of our own: LTR makes TR a busy 32-bit TSS (type 11), which is
	; also what IA-32e mode requires of TR, so the VM entries after the
	; switch to long mode do not depend on the hypervisor fixing TR up.
	mov eax, tss
	mov [gdt_tss + 2], ax
	shr eax, 16
	mov [gdt_tss + 4], al
	mov [gdt_tss + 7], ah
	mov ax, TSS_SEL
	ltr ax

	; Everything up to bss_end must be RAM.
	mov eax, bss_end + 1023
	shr eax, 10
	cmp ebx, eax
	jb .ram_too_small

	mov edi, bss_start		; .bss is not in the image: clear it
	mov ecx, bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb

	; Identity-map the first 1 GiB with 2 MiB pages; nothing else is
	; mapped (exception-pf relies on that).
	mov dword [pml4], pdpt + 3	; present, writable
	mov dword [pdpt], pd + 3
	mov edi, pd
	mov eax, 0x83			; present, writable, 2 MiB page
	mov ecx, 512
.pde:
	mov [edi], eax			; the high dword is already 0
	add eax, 0x200000
	add edi, 8
	dec ecx
	jnz .pde

	mov eax, pml4
	mov cr3, eax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_PE		; paging on: IA-32e mode, compatibility
	mov cr0, eax
	jmp CODE64:lm64			; ...and now 64-bit

.ram_too_small:
	PUTS32 "selftest: RAM too small for the guest's tables", 10
	mov eax, HC_SHUTDOWN
	mov edi, 254
	vmcall
.hang:
	hlt
	jmp .hang

; puts32: the string at ESI. Preserves every register but the flags.
puts32:
	push eax
	push esi
.loop:
	mov al, [esi]
	test al, al
	jz .done
	out DEBUG_PORT, al
	inc esi
	jmp .loop
.done:
	pop esi
	pop eax
	ret

; -------------------------------------------------------------- long mode ---

	bits 64
	default rel
lm64:
	mov ax, DATA_SEL
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov rsp, stack_top
	call idt_init
	PUTS "selftest: long mode", 10
	PUTS "selftest: ram "
	PUTDEC [ram_kib]
	PUTS ' KiB, cmdline "'
	mov esi, [cmdline_ptr]
	call put_cmdline
	PUTS '"', 10

	call run_checks

	PUTS "selftest: done, "
	PUTDEC [checks_passed]
	PUTS " passed, "
	PUTDEC [checks_failed]
	PUTS " failed", 10
	mov rdi, [checks_failed]
	jmp shutdown

; run_checks: call every check in check_table with a guard, so that an
; exception nobody armed for becomes that check's FAIL line, and make sure
; each check gave exactly one verdict.
run_checks:
	lea rax, [check_table]
	mov [cur_check], rax
.next:
	mov rbx, [cur_check]
	mov rax, [rbx]
	test rax, rax
	jz .done
	mov [check_name], rax
	mov rax, [checks_passed]
	add rax, [checks_failed]
	mov [verdicts_before], rax
	mov qword [guard_rip], .unexpected
	mov [guard_rsp], rsp		; the RSP the check returns with
	call [rbx + 8]
	jmp .verdicts
.unexpected:
	FAIL "unexpected exception "
	call put_exc
	NEWLINE
.verdicts:
	cli
	DISARM
	mov qword [guard_rip], 0
	cmp qword [pic_programmed], 0
	je .count
	call pic_mask_all
.count:
	mov rax, [checks_passed]
	add rax, [checks_failed]
	sub rax, [verdicts_before]
	cmp rax, 1
	je .advance
	jb .silent
	PUTS "selftest: guest bug: several verdicts for "
	PUTSTR [check_name]
	NEWLINE
	jmp .advance
.silent:
	FAIL "guest bug: no verdict"
	NEWLINE
.advance:
	add qword [cur_check], 16
	jmp .next
.done:
	ret

; put_exc: "vector V error E at rip R" for the last exception, or
; "no exception" if none came since ARM.
put_exc:
	cmp qword [exc_vector], -1
	jne .some
	PUTS "no exception"
	ret
.some:
	PUTS "vector "
	PUTDEC [exc_vector]
	PUTS " error "
	PUTHEX [exc_error]
	PUTS " at rip "
	PUTHEX [exc_rip]
	ret

; rdmsr64: RAX = MSR ECX. wrmsr64: MSR ECX = RAX. Both clobber RDX.
rdmsr64:
	rdmsr				; clears the high halves of RAX and RDX
	shl rdx, 32
	or rax, rdx
	ret

wrmsr64:
	mov rdx, rax
	shr rdx, 32
	wrmsr
	ret

; rdtsc64: RAX = TSC. Clobbers RDX.
rdtsc64:
	rdtsc
	shl rdx, 32
	or rax, rdx
	ret

; ------------------------------------------------------------------ checks ---
; Each check: called with nothing armed, may clobber every register but RSP,
; prints one verdict.

check_modes:
	mov r8, cr0
	mov r9, cr4
	mov ecx, MSR_EFER
	call rdmsr64
	mov r10, rax
	mov r11d, 0
	mov r11w, cs
	mov eax, r8d
	and eax, CR0_PG | CR0_PE
	cmp eax, CR0_PG | CR0_PE
	jne .fail
	test r9d, CR4_PAE
	jz .fail
	mov eax, r10d
	and eax, EFER_LME | EFER_LMA
	cmp eax, EFER_LME | EFER_LMA
	jne .fail
	cmp r11d, CODE64
	jne .fail
	PASS
	ret
.fail:
	FAIL "cr0="
	PUTHEX r8
	PUTS " cr4="
	PUTHEX r9
	PUTS " efer="
	PUTHEX r10
	PUTS " cs="
	PUTHEX r11
	NEWLINE
	ret

check_cpuid_hv_bit:
	mov eax, 1
	xor ecx, ecx
	cpuid
	bt ecx, 31
	jnc .fail
	PASS
	ret
.fail:
	FAIL "leaf 1 ecx="
	PUTHEX rcx
	NEWLINE
	ret

check_cpuid_vmx_hidden:
	mov eax, 1
	xor ecx, ecx
	cpuid
	bt ecx, 5
	jc .fail
	PASS
	ret
.fail:
	FAIL "leaf 1 ecx="
	PUTHEX rcx
	NEWLINE
	ret

check_cpuid_signature:
	mov eax, HV_CPUID_BASE
	xor ecx, ecx
	cpuid
	mov [sig_buf], ebx
	mov [sig_buf + 4], ecx
	mov [sig_buf + 8], edx
	mov byte [sig_buf + 12], 0
	cmp ebx, HV_CPUID_SIG
	jne .fail
	cmp ecx, HV_CPUID_SIG
	jne .fail
	cmp edx, HV_CPUID_SIG
	jne .fail
	cmp eax, HV_CPUID_BASE + 1
	jb .fail
	PASS
	ret
.fail:
	FAIL "eax="
	PUTHEX rax
	PUTS ' signature "'
	push rsi
	lea rsi, [sig_buf]
	call put_cmdline
	pop rsi
	PUTS '"'
	NEWLINE
	ret

check_msr_pat:
	mov ecx, MSR_PAT
	call rdmsr64
	mov r12, rax			; to put back afterwards
	mov rax, PAT_TEST		; first a value that is not the default,
	mov ecx, MSR_PAT		; so an ignored write cannot pass
	call wrmsr64
	call rdmsr64
	mov r13, rax
	mov rax, PAT_DEFAULT
	call wrmsr64
	call rdmsr64
	mov r14, rax
	mov rax, r12
	call wrmsr64
	mov rax, PAT_TEST
	cmp r13, rax
	jne .fail
	mov rax, PAT_DEFAULT
	cmp r14, rax
	jne .fail
	PASS
	ret
.fail:
	FAIL "wrote "
	PUTHEX PAT_TEST
	PUTS " read "
	PUTHEX r13
	PUTS ", wrote "
	PUTHEX PAT_DEFAULT
	PUTS " read "
	PUTHEX r14
	NEWLINE
	ret

; msr-tsc: RDMSR TSC, RDTSC, RDMSR TSC must strictly increase (the two
; views of the guest's TSC agree on its offset).
check_msr_tsc:
	mov ecx, MSR_TSC
	call rdmsr64
	mov r12, rax
	call rdtsc64
	mov r13, rax
	mov ecx, MSR_TSC
	call rdmsr64
	mov r14, rax
	cmp r13, r12
	jbe .fail
	cmp r14, r13
	jbe .fail
	PASS
	ret
.fail:
	FAIL "rdmsr "
	PUTHEX r12
	PUTS ", rdtsc "
	PUTHEX r13
	PUTS ", rdmsr "
	PUTHEX r14
	NEWLINE
	ret

check_msr_unknown_gp:
	ARM .recovered
	mov ecx, 0x12345678
	rdmsr
.recovered:
	DISARM
	cmp qword [exc_vector], VEC_GP
	jne .fail
	cmp qword [exc_error], 0
	jne .fail
	PASS
	ret
.fail:
	FAIL "expected #GP(0), got "
	call put_exc
	NEWLINE
	ret

check_msr_efer_reserved_gp:
	mov ecx, MSR_EFER
	call rdmsr64
	mov r12, rax
	bts rax, 63
	mov r15, rax
	ARM .recovered
	mov ecx, MSR_EFER
	call wrmsr64
.recovered:
	DISARM
	mov ecx, MSR_EFER
	call rdmsr64
	mov r13, rax
	cmp qword [exc_vector], VEC_GP
	jne .fail
	cmp qword [exc_error], 0
	jne .fail
	cmp r13, r12
	jne .fail
	PASS
	ret
.fail:
	FAIL "wrote "
	PUTHEX r15
	PUTS ": "
	call put_exc
	PUTS ", efer before "
	PUTHEX r12
	PUTS " after "
	PUTHEX r13
	NEWLINE
	ret

check_io_debug_read:
	mov rax, RAX_PATTERN
	in al, DEBUG_PORT
	mov rcx, RAX_PATTERN & ~0xFF | 0xE9
	cmp rax, rcx
	jne .fail
	PASS
	ret
.fail:
	FAIL "rax "
	PUTHEX RAX_PATTERN
	PUTS " became "
	PUTHEX rax
	NEWLINE
	ret

; io-unclaimed-read: IN of each size replaces exactly its bytes with ones
; (IN EAX, like every 32-bit write of a register, clears bits 63:32).
check_io_unclaimed:
	mov dx, IO_UNCLAIMED
	mov rax, RAX_PATTERN
	in al, dx
	mov r8, rax
	mov rax, RAX_PATTERN
	in ax, dx
	mov r9, rax
	mov rax, RAX_PATTERN
	in eax, dx
	mov r10, rax
	mov rax, RAX_PATTERN | 0xFF
	cmp r8, rax
	jne .fail
	mov rax, RAX_PATTERN | 0xFFFF
	cmp r9, rax
	jne .fail
	mov eax, 0xFFFFFFFF
	cmp r10, rax
	jne .fail
	PASS
	ret
.fail:
	FAIL "port "
	PUTHEX IO_UNCLAIMED
	PUTS " rax "
	PUTHEX RAX_PATTERN
	PUTS " became "
	PUTHEX r8
	PUTS " (in al), "
	PUTHEX r9
	PUTS " (in ax), "
	PUTHEX r10
	PUTS " (in eax)"
	NEWLINE
	ret

; io-rep-outsb: the whole line goes out by one REP OUTSB; the transcript
; must show it, and RSI/RCX must end where the string ends.
check_io_rep_outsb:
	lea rsi, [rep_msg]
	mov ecx, rep_msg_len
	mov dx, DEBUG_PORT
	rep outsb
	lea rax, [rep_msg + rep_msg_len]
	cmp rsi, rax
	jne .fail
	test rcx, rcx
	jnz .fail
	PASS
	ret
.fail:
	mov r8, rsi
	lea rax, [rep_msg]
	sub r8, rax
	FAIL "rsi advanced "
	PUTDEC r8
	PUTS " of "
	PUTDEC rep_msg_len
	PUTS ", rcx left "
	PUTDEC rcx
	NEWLINE
	ret

check_io_rep_insb:
	mov rax, 0x5A5A5A5A5A5A5A5A	; fill the buffer and a guard after it
	mov [insb_buf], rax
	mov [insb_buf + 8], rax
	lea rdi, [insb_buf]
	mov ecx, 8
	mov dx, DEBUG_PORT
	rep insb
	mov r8, rdi
	lea rax, [insb_buf]
	sub r8, rax			; how far RDI got
	mov r9, rcx
	mov r10, [insb_buf]
	mov r11, [insb_buf + 8]
	mov rax, 0xE9E9E9E9E9E9E9E9
	cmp r10, rax
	jne .fail
	mov rax, 0x5A5A5A5A5A5A5A5A
	cmp r11, rax
	jne .fail
	cmp r8, 8
	jne .fail
	test r9, r9
	jnz .fail
	PASS
	ret
.fail:
	FAIL "bytes "
	PUTHEX r10
	PUTS " guard "
	PUTHEX r11
	PUTS " rdi advanced "
	PUTDEC r8
	PUTS " rcx left "
	PUTDEC r9
	NEWLINE
	ret

; The exception checks: the right vector, and the RIP the CPU saved is the
; faulting instruction (or the next one for the INT3 trap), which shows the
; hypervisor did not move RIP when it reflected the exception.

check_exception_ud:
	ARM .recovered
.insn:
	ud2
.recovered:
	DISARM
	mov r8, .insn
	cmp qword [exc_vector], VEC_UD
	jne .fail
	cmp [exc_rip], r8
	jne .fail
	PASS
	ret
.fail:
	FAIL "expected #UD at "
	PUTHEX r8
	PUTS ", got "
	call put_exc
	NEWLINE
	ret

check_exception_de:
	mov eax, 1
	xor edx, edx
	xor ecx, ecx
	ARM .recovered
.insn:
	div ecx
.recovered:
	DISARM
	mov r8, .insn
	cmp qword [exc_vector], VEC_DE
	jne .fail
	cmp [exc_rip], r8
	jne .fail
	PASS
	ret
.fail:
	FAIL "expected #DE at "
	PUTHEX r8
	PUTS ", got "
	call put_exc
	NEWLINE
	ret

check_exception_bp:
	ARM .recovered
	int3
.after:					; #BP is a trap: the saved RIP is here
.recovered:
	DISARM
	mov r8, .after
	cmp qword [exc_vector], VEC_BP
	jne .fail
	cmp [exc_rip], r8
	jne .fail
	PASS
	ret
.fail:
	FAIL "expected #BP with rip "
	PUTHEX r8
	PUTS ", got "
	call put_exc
	NEWLINE
	ret

check_exception_pf:
	mov rbx, PF_ADDR
	ARM .recovered
.insn:
	mov rax, [rbx]
.recovered:
	DISARM
	mov r8, .insn
	cmp qword [exc_vector], VEC_PF
	jne .fail
	cmp qword [exc_error], 0	; not present, read, supervisor
	jne .fail
	cmp [exc_cr2], rbx
	jne .fail
	cmp [exc_rip], r8
	jne .fail
	PASS
	ret
.fail:
	FAIL "expected #PF(0) at "
	PUTHEX r8
	PUTS " cr2 "
	PUTHEX rbx
	PUTS ", got "
	call put_exc
	PUTS " cr2 "
	PUTHEX [exc_cr2]
	NEWLINE
	ret

check_vmx_insn_ud:
	ARM .recovered
.insn:
	vmxon [vmxon_ptr]
.recovered:
	DISARM
	mov r8, .insn
	cmp qword [exc_vector], VEC_UD
	jne .fail
	cmp [exc_rip], r8
	jne .fail
	PASS
	ret
.fail:
	FAIL "expected #UD from vmxon at "
	PUTHEX r8
	PUTS ", got "
	call put_exc
	NEWLINE
	ret

; vmcall-version: the result, and every register but RAX kept (the ABI).
VMCALL_KEPT	equ 14			; rbx rcx rdx rsi rdi rbp r8-r15
REG_PATTERN	equ 0x5EED000000000000
check_vmcall_version:
	mov rbx, REG_PATTERN + 0
	mov rcx, REG_PATTERN + 1
	mov rdx, REG_PATTERN + 2
	mov rsi, REG_PATTERN + 3
	mov rdi, REG_PATTERN + 4
	mov rbp, REG_PATTERN + 5
	mov r8, REG_PATTERN + 6
	mov r9, REG_PATTERN + 7
	mov r10, REG_PATTERN + 8
	mov r11, REG_PATTERN + 9
	mov r12, REG_PATTERN + 10
	mov r13, REG_PATTERN + 11
	mov r14, REG_PATTERN + 12
	mov r15, REG_PATTERN + 13
	HYPERCALL HC_VERSION
	mov [regs_after + 0 * 8], rbx
	mov [regs_after + 1 * 8], rcx
	mov [regs_after + 2 * 8], rdx
	mov [regs_after + 3 * 8], rsi
	mov [regs_after + 4 * 8], rdi
	mov [regs_after + 5 * 8], rbp
	mov [regs_after + 6 * 8], r8
	mov [regs_after + 7 * 8], r9
	mov [regs_after + 8 * 8], r10
	mov [regs_after + 9 * 8], r11
	mov [regs_after + 10 * 8], r12
	mov [regs_after + 11 * 8], r13
	mov [regs_after + 12 * 8], r14
	mov [regs_after + 13 * 8], r15
	cmp rax, (HV_ABI_MAJOR << 16) | HV_ABI_MINOR
	jne .bad_version
	lea rbx, [regs_after]
	mov rdx, REG_PATTERN
	xor ecx, ecx
.compare:
	cmp [rbx + rcx * 8], rdx
	jne .clobbered
	inc rdx
	inc ecx
	cmp ecx, VMCALL_KEPT
	jb .compare
	PASS
	ret
.bad_version:
	FAIL "returned "
	PUTHEX rax
	NEWLINE
	ret
.clobbered:
	FAIL "returned "
	PUTHEX rax
	PUTS " but changed "
	lea rsi, [reg_names]
	mov rsi, [rsi + rcx * 8]
	call puts
	PUTS " from "
	PUTHEX rdx
	PUTS " to "
	PUTHEX [rbx + rcx * 8]
	NEWLINE
	ret

check_vmcall_console_write:
	lea rdi, [hello_msg]		; identity-mapped: virtual = physical
	mov esi, hello_msg_len
	xor edx, edx
	HYPERCALL HC_CONSOLE_WRITE
	cmp rax, hello_msg_len
	jne .fail
	PASS
	ret
.fail:
	FAIL "returned "
	PUTSDEC rax
	PUTS ", expected "
	PUTDEC hello_msg_len
	NEWLINE
	ret

; vmcall-bad-buffer: 16 bytes starting 2 bytes before the end of RAM.
check_vmcall_bad_buffer:
	mov rdi, [ram_kib]
	shl rdi, 10
	sub rdi, 2
	mov esi, 16
	xor edx, edx
	HYPERCALL HC_CONSOLE_WRITE
	cmp rax, -HV_EFAULT
	jne .fail
	PASS
	ret
.fail:
	FAIL "gpa "
	PUTHEX rdi
	PUTS " len 16 returned "
	PUTSDEC rax
	PUTS ", expected -14"
	NEWLINE
	ret

; vmcall-too-long: a buffer inside RAM but longer than 4096 bytes.
check_vmcall_too_long:
	lea rdi, [hello_msg]
	mov esi, 4097
	xor edx, edx
	HYPERCALL HC_CONSOLE_WRITE
	cmp rax, -HV_EINVAL
	jne .fail
	PASS
	ret
.fail:
	FAIL "len 4097 returned "
	PUTSDEC rax
	PUTS ", expected -22"
	NEWLINE
	ret

check_vmcall_unknown:
	xor edi, edi
	xor esi, esi
	xor edx, edx
	HYPERCALL 0x77
	cmp rax, -HV_ENOSYS
	jne .fail
	PASS
	ret
.fail:
	FAIL "call 0x77 returned "
	PUTSDEC rax
	PUTS ", expected -38"
	NEWLINE
	ret

check_vmcall_mgmt_refused:
	xor edi, edi
	xor esi, esi
	xor edx, edx
	HYPERCALL HV_MGMT_FIRST
	cmp rax, -HV_EPERM
	jne .fail
	PASS
	ret
.fail:
	FAIL "call 0x100 returned "
	PUTSDEC rax
	PUTS ", expected -1"
	NEWLINE
	ret

; hlt-timer-wakeup: PIC + PIT at 100 Hz, then HLT until TIMER_TICKS IRQ 0s
; have come; the TSC (at HC_TSC_KHZ) must say 40-200 ms went by.
; The first tick is awaited by polling with interrupts on, bounded in TSC
; time and in iterations, so a hypervisor that never delivers IRQ 0 gives
; a FAIL. Only once a tick has arrived does the guest HLT; a hypervisor that
; then never wakes a HLT hangs here (the run's own timeout catches that:
; no HLT can be bounded without an interrupt we trust).
;   r12 TSC at start, r13 HLTs done, r14 give-up TSC delta, r15 kHz
check_hlt_timer:
	HYPERCALL HC_TSC_KHZ
	mov r15, rax
	test rax, rax
	jle .bad_khz
	imul r14, r15, TIMER_GIVE_UP_MS

	call pic_init
	mov qword [timer_ticks], 0
	mov qword [irq_others], 0
	mov al, 0x34			; channel 0, lobyte/hibyte, mode 2, binary
	out PIT_CMD, al
	mov al, PIT_RELOAD & 0xFF
	out PIT_CH0, al
	mov al, PIT_RELOAD >> 8
	out PIT_CH0, al
	call rdtsc64
	mov r12, rax
	xor r13d, r13d

	sti
	mov ecx, POLL_MAX
.poll:					; the first tick, without HLT
	cmp qword [timer_ticks], 0
	jne .halt_loop
	call rdtsc64
	sub rax, r12
	cmp rax, r14
	ja .stop
	pause
	dec ecx
	jnz .poll
	jmp .stop

.halt_loop:
	cli				; test and HLT without a window:
	cmp qword [timer_ticks], TIMER_TICKS
	jae .stop
	call rdtsc64
	sub rax, r12
	cmp rax, r14
	ja .stop
	cmp r13, POLL_MAX
	jae .stop
	inc r13
	sti				; STI's shadow holds the IRQ until HLT
	hlt
	jmp .halt_loop

.stop:
	cli
	call rdtsc64
	sub rax, r12
	xor edx, edx
	div r15				; elapsed ms
	mov r12, rax
	call pic_mask_all
	mov al, 0x30			; channel 0 to mode 0 without a count: stops
	out PIT_CMD, al
	mov rbx, [timer_ticks]

	PUTS "selftest: hlt: "
	PUTDEC rbx
	PUTS " ticks in "
	PUTDEC r12
	PUTS " ms, "
	PUTDEC r13
	PUTS " hlts, "
	PUTDEC [irq_others]
	PUTS " other irqs, tsc "
	PUTDEC r15
	PUTS " kHz", 10

	cmp rbx, TIMER_TICKS
	jb .fail
	cmp r12, TIMER_MIN_MS
	jb .fail
	cmp r12, TIMER_MAX_MS
	ja .fail
	PASS
	ret
.fail:
	FAIL "ticks "
	PUTDEC rbx
	PUTS " of "
	PUTDEC TIMER_TICKS
	PUTS " in "
	PUTDEC r12
	PUTS " ms (expected "
	PUTDEC TIMER_MIN_MS
	PUTS "-"
	PUTDEC TIMER_MAX_MS
	PUTS ")"
	NEWLINE
	ret
.bad_khz:
	FAIL "HC_TSC_KHZ returned "
	PUTSDEC rax
	NEWLINE
	ret

; pic_init: both 8259s to vectors IRQ_BASE and IRQ_BASE + 8, cascade on
; IRQ 2, 8086 mode, everything masked but IRQ 0.
pic_init:
	mov al, 0x11			; ICW1: edge, cascade, ICW4 follows
	out PIC1_CMD, al
	out PIC2_CMD, al
	mov al, IRQ_BASE		; ICW2: vector base
	out PIC1_DATA, al
	mov al, IRQ_BASE + 8
	out PIC2_DATA, al
	mov al, 4			; ICW3: slave on IRQ 2
	out PIC1_DATA, al
	mov al, 2			; ICW3: slave's cascade identity
	out PIC2_DATA, al
	mov al, 1			; ICW4: 8086 mode
	out PIC1_DATA, al
	out PIC2_DATA, al
	mov al, 0xFE			; OCW1: only IRQ 0
	out PIC1_DATA, al
	mov al, 0xFF
	out PIC2_DATA, al
	mov qword [pic_programmed], 1
	ret

pic_mask_all:
	push rax
	mov al, 0xFF
	out PIC1_DATA, al
	out PIC2_DATA, al
	pop rax
	ret

%include "guest64.inc"

; -------------------------------------------------------------------- data ---

	section .data

; GDT: flat 32-bit code and data, 64-bit code, and our TSS (base filled in
; by pm32).
align 8
gdt:
	dq 0
	dq 0x00CF9A000000FFFF		; 0x08: 32-bit code, 4 GiB
	dq 0x00CF92000000FFFF		; 0x10: data, 4 GiB
	dq 0x00AF9A000000FFFF		; 0x18: 64-bit code
gdt_tss:
	dq 0x0000890000000067		; 0x20: 32-bit TSS, available, limit 103
gdt_end:
gdtr:
	dw gdt_end - gdt - 1
	dd gdt

align 8
tss:	times 104 db 0			; never used: no privilege changes

ram_kib:	dq 0
cmdline_ptr:	dq 0
cur_check:	dq 0
verdicts_before: dq 0
pic_programmed:	dq 0
vmxon_ptr:	dq vmxon_region
sig_buf:	times 16 db 0
regs_after:	times VMCALL_KEPT dq 0

STRING n_rbx, "rbx"
STRING n_rcx, "rcx"
STRING n_rdx, "rdx"
STRING n_rsi, "rsi"
STRING n_rdi, "rdi"
STRING n_rbp, "rbp"
STRING n_r8, "r8"
STRING n_r9, "r9"
STRING n_r10, "r10"
STRING n_r11, "r11"
STRING n_r12, "r12"
STRING n_r13, "r13"
STRING n_r14, "r14"
STRING n_r15, "r15"
align 8
reg_names:
	dq n_rbx, n_rcx, n_rdx, n_rsi, n_rdi, n_rbp
	dq n_r8, n_r9, n_r10, n_r11, n_r12, n_r13, n_r14, n_r15

rep_msg:	db "selftest: rep outsb works", 10
rep_msg_len	equ $ - rep_msg
hello_msg:	db "selftest: hello through a hypercall", 10
hello_msg_len	equ $ - hello_msg

; CHECK name, routine: one row of check_table.
%macro CHECK 2
	STRING %%name, %1
	dq %%name, %2
%endmacro

align 8
check_table:
	CHECK "modes", check_modes
	CHECK "cpuid-hypervisor-bit", check_cpuid_hv_bit
	CHECK "cpuid-vmx-hidden", check_cpuid_vmx_hidden
	CHECK "cpuid-signature", check_cpuid_signature
	CHECK "msr-pat", check_msr_pat
	CHECK "msr-tsc", check_msr_tsc
	CHECK "msr-unknown-gp", check_msr_unknown_gp
	CHECK "msr-efer-reserved-gp", check_msr_efer_reserved_gp
	CHECK "io-debug-port-read", check_io_debug_read
	CHECK "io-unclaimed-read", check_io_unclaimed
	CHECK "io-rep-outsb", check_io_rep_outsb
	CHECK "io-rep-insb", check_io_rep_insb
	CHECK "exception-ud", check_exception_ud
	CHECK "exception-de", check_exception_de
	CHECK "exception-bp", check_exception_bp
	CHECK "exception-pf", check_exception_pf
	CHECK "vmx-insn-ud", check_vmx_insn_ud
	CHECK "vmcall-version", check_vmcall_version
	CHECK "vmcall-console-write", check_vmcall_console_write
	CHECK "vmcall-bad-buffer", check_vmcall_bad_buffer
	CHECK "vmcall-too-long", check_vmcall_too_long
	CHECK "vmcall-unknown", check_vmcall_unknown
	CHECK "vmcall-mgmt-refused", check_vmcall_mgmt_refused
	CHECK "hlt-timer-wakeup", check_hlt_timer
	dq 0, 0

; -------------------------------------------------------------------- bss ---

	section .bss
alignb 4096
pml4:		resb 4096
pdpt:		resb 4096
pd:		resb 4096
vmxon_region:	resb 4096
stack:		resb 16384
stack_top:
insb_buf:	resb 16
alignb 16
bss_end:
