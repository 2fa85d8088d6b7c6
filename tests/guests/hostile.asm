; hostile: the misbehaving test guest (hv.cfg "type = long").
;
; Starts as the hypervisor's raw long-mode guests do: 64-bit mode at 0x100000
; (RIP = RSP = load address) on the hypervisor's identity map of the first
; 4 GiB and its GDT (0x08 code, 0x10 data), interrupts off, no IDT,
; RSI = the command line, RBX = RAM size in KiB. The command line's first
; word picks the attack; the first line printed is "hostile: <mode>".
;
;   oob-read     read a qword at RAM end + 0x1000
;   oob-write    write 0xdeadbeef at RAM end + 0x10000
;   hv-write     write where a hypervisor, the host LAPIC and HPET live
;                (0x3e000000-0x3e100000, 0xfee00000, 0xfed00000)
;   storm        (also the empty command line) VMX instructions, forbidden
;                and reserved MSR writes, reads of the VMX capability MSRs,
;                I/O on 256 pseudo-random ports, 100000 INT3s and 10000
;                UD2s, then a triple fault
;   extra-insns  instructions that exit but are not in the raw-guest
;                protocol: VMPTRST, VMFUNC, INVD, GETSEC, XSETBV
;   reboot       resets its machine through the 8042 (0xFE to port 0x64),
;                as an OS reboot does: the hypervisor restarts the guest
;   mgmt         every management hypercall (the console domain's), each
;                with arguments that would be valid from the console domain
;                (ids 0-3, buffers in its own RAM) and with hostile ones;
;                each must return -EPERM. Ends "hostile: all N management
;                calls refused" and shuts down, or names the call that was not.
;   cr8 [MS]     writes CR8 = 15 and reports what CR8 and the LAPIC's TPR
;                (MMIO 0xFEE00080) read back: "hostile: cr8 reads 15, LAPIC
;                TPR 0xf0". Then its LAPIC timer fires once with vector
;                0x20 while CR8 = 15 and interrupts are on: the interrupt
;                must wait until CR8 goes back to 0 and come then. Last it
;                sets CR8 = 15 again, runs the timer periodically (every
;                1 ms) and spins with interrupts on, for good, or for MS ms
;                of its TSC and then shuts down (code 0). Nothing may be
;                delivered meanwhile: "hostile: survived cr8" means
;                something was.
;   mgmt-self    run as the console domain (role = console, the only guest,
;                so its id is 1): management calls aimed at its own id
;                (console read and write, every control operation, devices),
;                each of which must come back with its documented answer
;                rather than hang the host. Says "hostile: mgmt-self: all N
;                calls answered" (or how many were wrong) on the operator's
;                line (HC_OP_WRITE) and powers the machine off.
;
; In the first three the hypervisor must end the guest: a line
; "hostile: survived <mode>" means it did not. The storm reports what each
; attempt got ("-> vector N", "-> no exception", a value) and must end with
; the triple fault, which the hypervisor logs.

%define GUEST_NAME "hostile"
%include "guest.inc"

LOAD_ADDR	equ 0x100000
FOUR_GIB	equ 0x100000000
MODE_MAX	equ 31			; longest command-line word we keep
POISON		equ 0xBAD0BAD0BAD0BAD0
LCG_SEED	equ 0x2545F491
IO_PORTS	equ 256
IO_REPORT_MAX	equ 8			; odd reads printed one by one
INT3_STORM	equ 100000
UD2_STORM	equ 10000

	org LOAD_ADDR
	section .text
	section .data align=16
	section .rodata align=1
	section .bss align=4096
bss_start:
	section .text

	bits 64
	default rel
start:
	cli
	cld
	mov [ram_kib], rbx
	mov [cmdline_ptr], rsi
	mov rax, rbx			; our .bss (stack, tables) must be RAM
	shl rax, 10
	mov rcx, bss_end
	cmp rax, rcx
	jb .ram_too_small
	lea rdi, [bss_start]		; .bss is not in the image: clear it
	mov ecx, bss_end - bss_start
	xor eax, eax
	rep stosb
	lea rsp, [stack_top]		; nothing was pushed yet
	call say_mode
	call idt_init

	lea rbx, [mode_table]		; find the handler of the word
.find:
	mov rsi, [rbx]
	test rsi, rsi
	jz .unknown
	lea rdi, [mode_buf]
	call streq
	je .found
	add rbx, 16
	jmp .find
.found:
	jmp [rbx + 8]
.unknown:
	PUTS "hostile: unknown mode; expected oob-read, oob-write, hv-write, storm, extra-insns, reboot, mgmt or cr8", 10
	mov edi, 1
	jmp shutdown
.ram_too_small:				; still on the hypervisor's stack
	call say_mode
	PUTS "hostile: RAM too small for the guest's own memory", 10
	mov edi, 254
	jmp shutdown

; say_mode: the first line, "hostile: <mode>".
say_mode:
	call parse_cmdline
	PUTS "hostile: "
	lea rsi, [mode_buf]
	call put_cmdline
	NEWLINE
	ret

; parse_cmdline: the command line's first word (at most MODE_MAX bytes,
; read at most 255 bytes in) into mode_buf; "storm" if there is none.
parse_cmdline:
	mov rsi, [cmdline_ptr]
	lea rdi, [mode_buf]
	mov ecx, 255
.skip_blanks:
	mov al, [rsi]
	cmp al, ' '
	je .blank
	cmp al, 9
	jne .word
.blank:
	inc rsi
	dec ecx
	jnz .skip_blanks
	jmp .end
.word:
	mov edx, MODE_MAX
.copy:
	mov al, [rsi]
	cmp al, ' '
	jbe .end			; NUL, blank or control: the word ends
	mov [rdi], al
	inc rdi
	inc rsi
	dec edx
	jz .end
	dec ecx
	jnz .copy
.end:
	mov byte [rdi], 0
	lea rax, [mode_buf]
	cmp rdi, rax
	jne .done
	mov dword [mode_buf], 'stor'	; the empty command line
	mov word [mode_buf + 4], 'm'
.done:
	ret

; streq: ZF set if the NUL-terminated strings at RSI and RDI are equal.
streq:
	push rsi
	push rdi
	push rax
.next:
	mov al, [rsi]
	cmp al, [rdi]
	jne .out			; ZF clear
	test al, al
	jz .out				; ZF set: both ended
	inc rsi
	inc rdi
	jmp .next
.out:
	pop rax
	pop rdi
	pop rsi
	ret

; put_result: "-> vector N" or "-> no exception" for the last attempt.
put_result:
	PUTS " -> "
	cmp qword [exc_vector], -1
	je .none
	PUTS "vector "
	PUTDEC [exc_vector]
	ret
.none:
	PUTS "no exception"
	ret

; rdmsr_efer: RAX = EFER. Clobbers RCX, RDX.
rdmsr_efer:
	mov ecx, MSR_EFER
	rdmsr
	shl rdx, 32
	or rax, rdx
	ret

; -------------------------------------------------------- out of RAM ---

; map_gpa: make guest-virtual RBX reach guest-physical RBX. Below 4 GiB the
; hypervisor's identity map does; above, switch to our own tables: the
; first 1 GiB identity-mapped (us, our stack, the command line) and the
; 2 MiB page around RBX.
map_gpa:
	mov rax, FOUR_GIB
	cmp rbx, rax
	jb .done
	lea rdi, [pd_low]		; 0-1 GiB, 2 MiB pages
	mov eax, 0x83			; present, writable, 2 MiB
	mov ecx, 512
.pde:
	mov [rdi], rax
	add rax, 0x200000
	add rdi, 8
	dec ecx
	jnz .pde
	lea rax, [pd_low + 3]
	mov [pdpt_low], rax
	lea rax, [pdpt_low + 3]
	mov [pml4], rax

	mov rax, rbx			; PML4 slot of RBX
	shr rax, 39
	and eax, 511
	lea rdi, [pdpt_low]
	jz .have_pdpt			; slot 0: shares pdpt_low
	lea rdi, [pdpt_high]
	lea rdx, [pdpt_high + 3]
	lea rcx, [pml4]
	mov [rcx + rax * 8], rdx
.have_pdpt:
	mov rax, rbx			; PDPT slot: never 0 here (RBX >= 4 GiB
	shr rax, 30			; in slot 0 means PDPT slot >= 4)
	and eax, 511
	lea rdx, [pd_high + 3]
	mov [rdi + rax * 8], rdx
	mov rax, rbx			; PD slot: the 2 MiB page itself
	shr rax, 21
	and eax, 511
	mov rdx, rbx
	and rdx, -0x200000
	or rdx, 0x83
	lea rdi, [pd_high]
	mov [rdi + rax * 8], rdx
	lea rax, [pml4]
	mov cr3, rax
.done:
	ret

mode_oob_read:
	mov rbx, [ram_kib]
	shl rbx, 10
	add rbx, 0x1000
	call map_gpa
	PUTS "hostile: reading gpa "
	PUTHEX rbx
	NEWLINE
	ARM .recovered
	mov rax, [rbx]
.recovered:
	DISARM
	PUTS "hostile: oob-read"
	cmp qword [exc_vector], -1
	jne .faulted
	PUTS " -> read "
	PUTHEX rax
	jmp .said
.faulted:
	call put_result
.said:
	NEWLINE
	PUTS "hostile: survived oob-read", 10
	mov edi, 1
	jmp shutdown

mode_oob_write:
	mov rbx, [ram_kib]
	shl rbx, 10
	add rbx, 0x10000
	call map_gpa
	PUTS "hostile: writing gpa "
	PUTHEX rbx
	NEWLINE
	ARM .recovered
	mov dword [rbx], 0xdeadbeef
.recovered:
	DISARM
	PUTS "hostile: oob-write"
	call put_result
	NEWLINE
	PUTS "hostile: survived oob-write", 10
	mov edi, 1
	jmp shutdown

; hv_write_one: write POISON at guest-physical RBX unless that is our own
; RAM; print only what is unusual (skipped, or an exception came back).
hv_write_one:
	mov rax, [ram_kib]
	shl rax, 10
	lea rcx, [rbx + 8]
	cmp rcx, rax
	ja .write
	inc qword [hv_skipped]
	ret
.write:
	mov rax, POISON
	ARM .recovered
	mov [rbx], rax
.recovered:
	DISARM
	cmp qword [exc_vector], -1
	je .done
	PUTS "hostile: hv-write "
	PUTHEX rbx
	call put_result
	NEWLINE
.done:
	ret

mode_hv_write:
	PUTS "hostile: hv-write 0x3e000000-0x3e100000, step 0x1000", 10
	mov rbx, 0x3e000000
.range:
	call hv_write_one
	add rbx, 0x1000
	cmp rbx, 0x3e100000
	jb .range
	PUTS "hostile: hv-write 0xfee00000 (LAPIC)", 10
	mov rbx, 0xfee00000
	call hv_write_one
	PUTS "hostile: hv-write 0xfed00000 (HPET)", 10
	mov rbx, 0xfed00000
	call hv_write_one
	PUTS "hostile: hv-write skipped "
	PUTDEC [hv_skipped]
	PUTS " addresses in own RAM", 10
	PUTS "hostile: survived hv-write", 10
	mov edi, 1
	jmp shutdown

; ------------------------------------------------------------------ storm ---

; TRY_INSN "name", instruction: run it with the handler set to skip it
; (every one here faults, so the saved RIP is the instruction), then print
; "hostile: <prefix> <name> -> ...".
%macro TRY_INSN 3+
	ARM_SKIP %%end - %%insn
%%insn:
	%3
%%end:
	DISARM
	PUTS "hostile: ", %1, " ", %2
	call put_result
	NEWLINE
%endmacro

mode_storm:
	call storm_vmx
	call storm_msrs
	call storm_io
	call storm_exceptions
	PUTS "hostile: about to triple-fault", 10
	jmp triple_fault

; Operands point outside RAM (the host's LAPIC page as VMCS/VMXON region,
; guest RIP's VMCS encoding): a hypervisor that emulated rather than
; refused would act on them.
storm_vmx:
	mov rbx, 0x681E			; VMCS_GUEST_RIP
	xor eax, eax
	TRY_INSN "vmx-insn", "vmxon", vmxon [vmx_ptr]
	TRY_INSN "vmx-insn", "vmxoff", vmxoff
	TRY_INSN "vmx-insn", "vmread", vmread rax, rbx
	TRY_INSN "vmx-insn", "vmwrite", vmwrite rbx, rax
	TRY_INSN "vmx-insn", "vmptrld", vmptrld [vmx_ptr]
	TRY_INSN "vmx-insn", "vmclear", vmclear [vmx_ptr]
	TRY_INSN "vmx-insn", "vmlaunch", vmlaunch
	TRY_INSN "vmx-insn", "vmresume", vmresume
	mov eax, 2			; all contexts
	TRY_INSN "vmx-insn", "invept", invept rax, [inv_desc]
	mov eax, 2
	TRY_INSN "vmx-insn", "invvpid", invvpid rax, [inv_desc]
	ret

; try_wrmsr: WRMSR ECX = RAX, "hostile: wrmsr <msr> <value> -> ...".
try_wrmsr:
	mov r8, rcx
	mov r9, rax
	mov rdx, rax
	shr rdx, 32
	ARM .recovered
	wrmsr
.recovered:
	DISARM
	PUTS "hostile: wrmsr "
	PUTHEX r8
	PUTC ' '
	PUTHEX r9
	call put_result
	ret				; the caller ends the line

; try_rdmsr: RDMSR ECX, "hostile: rdmsr <msr> -> value or vector"; RAX is
; the value if exc_vector is -1.
try_rdmsr:
	mov r8, rcx
	ARM .recovered
	rdmsr
.recovered:
	DISARM
	PUTS "hostile: rdmsr "
	PUTHEX r8
	cmp qword [exc_vector], -1
	jne .faulted
	shl rdx, 32
	or rax, rdx
	PUTS " -> "
	PUTHEX rax
	jmp .said
.faulted:
	call put_result
.said:
	NEWLINE
	ret

; try_wrmsr_efer: try_wrmsr on EFER, then say what EFER is now.
try_wrmsr_efer:
	mov ecx, MSR_EFER
	call try_wrmsr
	call rdmsr_efer
	PUTS ", efer now "
	PUTHEX rax
	NEWLINE
	ret

storm_msrs:
	mov ecx, MSR_FEATURE_CONTROL
	call try_rdmsr
	mov ecx, MSR_FEATURE_CONTROL	; lock + VMX outside SMX
	mov eax, 0x5
	call try_wrmsr
	NEWLINE
	mov ecx, MSR_FEATURE_CONTROL
	xor eax, eax
	call try_wrmsr
	NEWLINE

	call rdmsr_efer
	mov r12, rax
	PUTS "hostile: efer is "
	PUTHEX r12
	NEWLINE
	mov rax, r12			; reserved bits
	bts rax, 63
	call try_wrmsr_efer
	mov rax, r12
	bts rax, 1
	call try_wrmsr_efer
	mov rax, r12
	bts rax, 12			; SVME on AMD, reserved on Intel
	call try_wrmsr_efer
	mov rax, r12			; LME off while paging is on
	btr rax, 8
	call try_wrmsr_efer
	mov rax, r12			; LMA is read-only: no effect expected
	btr rax, 10
	call try_wrmsr_efer

	mov ecx, MSR_APIC_BASE
	call try_rdmsr
	mov r12d, 0xfee00900		; the usual value if RDMSR faulted
	cmp qword [exc_vector], -1
	cmove r12, rax
	btr r12, 8			; the BSP flag cleared
	mov ecx, MSR_APIC_BASE
	xor eax, eax
	call try_wrmsr
	NEWLINE
	mov ecx, MSR_APIC_BASE
	mov eax, 0xfffff000 | 0x900	; top of 4 GiB, enabled, BSP
	call try_wrmsr
	NEWLINE
	mov ecx, MSR_APIC_BASE
	mov rax, r12
	call try_wrmsr
	NEWLINE

	mov r12d, MSR_VMX_BASIC		; 0x480-0x491: the VMX capabilities
.vmx_caps:
	mov ecx, r12d
	call try_rdmsr
	inc r12d
	cmp r12d, 0x491
	jbe .vmx_caps
	ret

; lcg_next: EAX = the next value of a 32-bit LCG (Numerical Recipes)
; kept in lcg_state; the run is the same every time.
lcg_next:
	imul eax, [lcg_state], 1664525
	add eax, 1013904223
	mov [lcg_state], eax
	ret

; io_port_spared: CF set if an access of up to 4 bytes at port BX would
; touch a device the guest uses or that comes later (debug port, PICs,
; PIT, PCI configuration).
io_port_spared:
	push rsi
	push rax
	push rcx
	lea rsi, [spared_ports]
	movzx eax, bx
	lea ecx, [rax + 3]		; last byte a dword access touches
.range:
	cmp word [rsi + 2], 0
	je .free
	cmp cx, [rsi]			; ends before the range?
	jb .next
	cmp ax, [rsi + 2]		; starts after it?
	ja .next
	stc
	jmp .out
.next:
	add rsi, 4
	jmp .range
.free:
	clc
.out:
	pop rcx
	pop rax
	pop rsi
	ret

; io_check_read: count an IN at port BX of size R8 that did not give all
; ones (EAX holds the result, R9 the all-ones value), and print the first few.
io_check_read:
	cmp rax, r9
	je .done
	inc qword [io_odd]
	cmp qword [io_odd], IO_REPORT_MAX
	ja .done
	PUTS "hostile: io in port "
	PUTHEX rbx
	PUTS " size "
	PUTDEC r8
	PUTS " -> "
	PUTHEX rax
	NEWLINE
.done:
	ret

storm_io:
	mov dword [lcg_state], LCG_SEED
	PUTS "hostile: io on "
	PUTDEC IO_PORTS
	PUTS " ports, seed "
	PUTHEX LCG_SEED
	NEWLINE
	xor r12d, r12d			; ports done
.port:
	call lcg_next
	mov ebx, eax
	shr ebx, 16			; the port
	call io_port_spared
	jc .port
	mov r13d, eax			; the values written come from here too
	mov edx, ebx

	xor eax, eax
	in al, dx
	mov r8d, 1
	mov r9d, 0xFF
	call io_check_read
	xor eax, eax
	in ax, dx
	mov r8d, 2
	mov r9d, 0xFFFF
	call io_check_read
	xor eax, eax
	in eax, dx
	mov r8d, 4
	mov r9d, 0xFFFFFFFF
	call io_check_read

	mov eax, r13d
	out dx, al
	out dx, ax
	out dx, eax

	inc r12d
	cmp r12d, IO_PORTS
	jb .port
	PUTS "hostile: io done: "
	PUTDEC IO_PORTS * 6
	PUTS " accesses, "
	PUTDEC [io_odd]
	PUTS " reads not all ones", 10
	ret

storm_exceptions:
	mov r12, [exc_counts + VEC_BP * 8]
	mov r13, [exc_counts + VEC_UD * 8]
	mov ecx, INT3_STORM
.int3:
	ARM .int3_back			; a trap: RIP is already past it
	int3
.int3_back:
	dec ecx
	jnz .int3
	mov ecx, UD2_STORM
.ud2:
	ARM_SKIP 2
	ud2
	dec ecx
	jnz .ud2
	DISARM
	mov rax, [exc_counts + VEC_BP * 8]
	sub rax, r12
	mov rdx, [exc_counts + VEC_UD * 8]
	sub rdx, r13
	PUTS "hostile: exception storm: "
	PUTDEC rax
	PUTS " of "
	PUTDEC INT3_STORM
	PUTS " int3 and "
	PUTDEC rdx
	PUTS " of "
	PUTDEC UD2_STORM
	PUTS " ud2 came to the guest's handlers", 10
	ret

; ----------------------------------------------------------------- reboot ---

mode_reboot:
	mov al, 0xfe			; 8042 command: pulse the reset line
	out 0x64, al
	PUTS "hostile: survived reboot", 10
	mov edi, 1
	jmp shutdown

; ------------------------------------------------------------------- mgmt ---

MGMT_ARG_SETS	equ 3

; mgmt_try: VMCALL RAX=R12 with the argument set R13 (0 plausible, 1 zero,
; 2 hostile); counts a refusal in [mgmt_refused], reports anything else.
mgmt_try:
	lea rdi, [mgmt_buf]		; 0: ids 1, buffers in our RAM, sane lengths
	mov rsi, 256
	mov edx, 1
	mov r10, 256
	cmp r13, 1
	jne .not_zero
	xor edi, edi			; 1: all zero
	xor esi, esi
	xor edx, edx
	xor r10d, r10d
.not_zero:
	cmp r13, 2
	jne .call
	mov rdi, -1			; 2: hostile: huge ids, lengths, addresses
	mov rsi, 0xfee00000
	mov rdx, -4096
	mov r10, 0x7fffffffffffffff
.call:
	mov rax, r12
	vmcall
	cmp rax, -HV_EPERM
	jne .accepted
	inc qword [mgmt_refused]
	ret
.accepted:
	PUTS "hostile: management call "
	PUTHEX r12
	PUTS " with argument set "
	PUTDEC r13
	PUTS " was not refused: returned "
	PUTHEX rax
	NEWLINE
	inc qword [mgmt_accepted]
	ret

mode_mgmt:
	mov r12, HV_MGMT_FIRST - 0	; every defined call and a few past the end
.next_call:
	xor r13d, r13d
.next_set:
	call mgmt_try
	inc r13
	cmp r13, MGMT_ARG_SETS
	jb .next_set
	inc r12
	cmp r12, HV_MGMT_LAST + 4
	jbe .next_call
	mov r13, 2			; and the far end of the number space
	mov r12, 0xffffffff
	call mgmt_try
	mov r12, -1
	call mgmt_try
	cmp qword [mgmt_accepted], 0
	jne .failed
	PUTS "hostile: all "
	PUTDEC [mgmt_refused]
	PUTS " management calls refused", 10
	xor edi, edi
	jmp shutdown
.failed:
	PUTS "hostile: "
	PUTDEC [mgmt_accepted]
	PUTS " management calls were accepted", 10
	mov edi, 1
	jmp shutdown

; -------------------------------------------------------------- mgmt-self ---

HV_EBUSY	equ 16
SELF_ID		equ 1
ANY_COUNT	equ -1			; expected: a byte count (not negative)

; Each entry: call number, id, two more arguments, the expected result.
	section .rodata
align 8
self_calls:
	dq 0x106, SELF_ID, mgmt_buf, 64, ANY_COUNT	; HC_VM_CONSOLE_READ of its own ring
	dq 0x107, SELF_ID, mgmt_buf, 1, -HV_EINVAL	; HC_VM_CONSOLE_WRITE to itself
	dq 0x105, SELF_ID, 1, 0, -HV_EBUSY		; HC_VM_CONTROL pause
	dq 0x105, SELF_ID, 2, 0, -HV_EBUSY		; unpause
	dq 0x105, SELF_ID, 3, 0, -HV_EBUSY		; destroy
	dq 0x105, SELF_ID, 4, 0, -HV_EBUSY		; reboot
	dq 0x105, SELF_ID, 5, 0, -HV_EBUSY		; shutdown
	dq 0x10d, SELF_ID, mgmt_buf, 4096, ANY_COUNT	; HC_VM_DEVICES
	dq 0x106, SELF_ID, mgmt_buf, 64, ANY_COUNT	; and its ring once more
self_calls_end:
self_ok_msg:	db "hostile: mgmt-self: all calls answered", 10
self_ok_len	equ $ - self_ok_msg
self_bad_msg:	db "hostile: mgmt-self: some calls answered wrongly (see its console ring)", 10
self_bad_len	equ $ - self_bad_msg
	section .text

; op_write rsi = message, edx = length: the operator's serial line.
op_write:
	mov rdi, rsi
	mov rsi, rdx
	mov eax, 0x101			; HC_OP_WRITE
	vmcall
	ret

mode_mgmt_self:
	lea rbx, [self_calls]
.next:
	lea rax, [self_calls_end]
	cmp rbx, rax
	jae .done
	mov rdi, [rbx + 8]
	mov rsi, [rbx + 16]
	mov rdx, [rbx + 24]
	xor r10d, r10d
	mov qword [mgmt_buf], 0		; struct hv_ring_read: from 0
	mov rax, [rbx]
	vmcall
	PUTS "hostile: self call "
	PUTHEX [rbx]
	PUTS " -> "
	PUTSDEC rax
	NEWLINE
	mov rcx, [rbx + 32]
	cmp rcx, ANY_COUNT
	jne .exact
	test rax, rax
	jns .ok
	jmp .wrong
.exact:
	cmp rax, rcx
	je .ok
.wrong:
	inc qword [mgmt_accepted]
.ok:
	add rbx, 40
	jmp .next
.done:
	lea rsi, [self_ok_msg]
	mov edx, self_ok_len
	cmp qword [mgmt_accepted], 0
	je .say
	lea rsi, [self_bad_msg]
	mov edx, self_bad_len
.say:
	call op_write
	mov edi, 1			; HC_HOST_POWER: off
	mov eax, 0x10c
	vmcall
	mov edi, 1
	jmp shutdown

; ------------------------------------------------------------ extra-insns ---

mode_extra_insns:
	TRY_INSN "insn", "vmptrst", vmptrst [vmx_scratch]
	xor eax, eax			; function 0 (EPTP switching), index 0
	xor ecx, ecx
	TRY_INSN "insn", "vmfunc", vmfunc
	TRY_INSN "insn", "invd", invd
	xor eax, eax			; GETSEC[CAPABILITIES]
	xor ebx, ebx
	TRY_INSN "insn", "getsec", getsec
	xor ecx, ecx			; XCR0 = x87 only: a valid value
	mov eax, 1
	xor edx, edx
	TRY_INSN "insn", "xsetbv", xsetbv
	PUTS "hostile: survived extra-insns", 10
	xor edi, edi
	jmp shutdown

; -------------------------------------------------------------------- cr8 ---

LAPIC_BASE	equ 0xfee00000
LAPIC_TPR	equ 0x080
LAPIC_EOI	equ 0x0b0
LAPIC_SVR	equ 0x0f0
LAPIC_LVT_TIMER	equ 0x320
LAPIC_TIMER_INIT equ 0x380
LAPIC_TIMER_DIV	equ 0x3e0
LAPIC_SW_ENABLE	equ 0x100
LVT_PERIODIC	equ 1 << 17
CR8_VECTOR	equ IRQ_BASE		; class 2; irq_timer counts it in timer_ticks
CR8_TIMER_1MS	equ 1000000		; the LAPIC bus clock is 1 GHz; divide by 1
CR8_HOLD_MS	equ 20

; cmdline_number: RAX = the decimal number in the command line's second
; word, 0 if there is none.
cmdline_number:
	mov rsi, [cmdline_ptr]
	mov ecx, 255
	xor eax, eax
.lead:					; blanks before the mode word
	cmp byte [rsi], ' '
	jne .word
	inc rsi
	dec ecx
	jnz .lead
	ret
.word:					; the mode word itself
	cmp byte [rsi], ' '
	jbe .gap
	inc rsi
	dec ecx
	jnz .word
	ret
.gap:
	cmp byte [rsi], 0
	je .done
	cmp byte [rsi], ' '
	jne .digits
	inc rsi
	dec ecx
	jnz .gap
	ret
.digits:
	movzx edx, byte [rsi]
	sub edx, '0'
	cmp edx, 9
	ja .done
	imul rax, rax, 10
	add rax, rdx
	inc rsi
	dec ecx
	jnz .digits
.done:
	ret

; spin_ms: spin RDI ms of TSC time with RFLAGS as they are. Clobbers RAX,
; RCX, RDX.
spin_ms:
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov rcx, rax
	mov rax, rdi
	imul rax, [tsc_khz]
	add rcx, rax			; the end
.spin:
	pause
	rdtsc
	shl rdx, 32
	or rax, rdx
	cmp rax, rcx
	jb .spin
	ret

mode_cr8:
	call cmdline_number
	mov [cr8_spin_ms], rax
	HYPERCALL HC_TSC_KHZ
	mov [tsc_khz], rax
	mov edi, LAPIC_BASE

	mov eax, 15
	mov cr8, rax
	mov rax, cr8
	mov ebx, [rdi + LAPIC_TPR]
	PUTS "hostile: cr8 reads "
	PUTDEC rax
	PUTS ", LAPIC TPR "
	PUTHEX rbx
	NEWLINE

	; A one-shot timer interrupt that CR8 = 15 holds back until CR8 = 0.
	mov dword [rdi + LAPIC_SVR], LAPIC_SW_ENABLE | 0xff
	mov dword [rdi + LAPIC_TIMER_DIV], 0xb
	mov dword [rdi + LAPIC_LVT_TIMER], CR8_VECTOR
	mov qword [timer_ticks], 0
	mov dword [rdi + LAPIC_TIMER_INIT], CR8_TIMER_1MS
	sti
	push rdi
	mov edi, CR8_HOLD_MS
	call spin_ms
	mov r12, [timer_ticks]		; what came at CR8 = 15
	xor eax, eax
	mov cr8, rax
	mov edi, CR8_HOLD_MS
	call spin_ms
	pop rdi
	cli
	mov r13, [timer_ticks]
	sub r13, r12			; what came at CR8 = 0
	mov dword [rdi + LAPIC_EOI], 0
	test r12, r12
	jnz .early
	cmp r13, 1
	jne .never
	PUTS "hostile: cr8: the timer interrupt waited at CR8=15 and came at CR8=0", 10
	jmp .spin_phase
.early:
	PUTS "hostile: survived cr8: the timer interrupt came at CR8=15", 10
	jmp .spin_phase
.never:
	PUTS "hostile: cr8: "
	PUTDEC r13
	PUTS " timer interrupts after CR8=0 (expected 1)", 10

.spin_phase:
	; CR8 = 15 for good, a periodic timer behind it, interrupts on.
	mov eax, 15
	mov cr8, rax
	mov qword [timer_ticks], 0
	mov dword [rdi + LAPIC_LVT_TIMER], CR8_VECTOR | LVT_PERIODIC
	mov dword [rdi + LAPIC_TIMER_INIT], CR8_TIMER_1MS
	PUTS "hostile: cr8: spinning at CR8=15 with interrupts on", 10
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov r12, rax			; the start
	mov r13, [cr8_spin_ms]
	imul r13, [tsc_khz]		; TSC ticks to spin; 0: for good
	xor r14d, r14d			; reported already
	sti
.spin:
	pause
	cmp qword [timer_ticks], 0
	je .quiet
	test r14, r14
	jnz .quiet
	inc r14
	PUTS "hostile: survived cr8: an interrupt came at CR8=15", 10
.quiet:
	test r13, r13
	jz .spin
	rdtsc
	shl rdx, 32
	or rax, rdx
	sub rax, r12
	cmp rax, r13
	jb .spin
	cli
	mov rax, cr8
	PUTS "hostile: cr8: spun "
	PUTDEC [cr8_spin_ms]
	PUTS " ms, CR8 reads "
	PUTDEC rax
	PUTS ", "
	PUTDEC [timer_ticks]
	PUTS " interrupts came", 10
	mov edi, 0
	jmp shutdown

%include "guest64.inc"

; -------------------------------------------------------------------- data ---

	section .data
align 8
ram_kib:	dq 0
cmdline_ptr:	dq 0
mode_buf:	times MODE_MAX + 1 db 0
align 8
vmx_ptr:	dq 0xfee00000		; VMXON/VMCS "region" outside RAM
vmx_scratch:	dq 0
mgmt_refused:	dq 0
mgmt_accepted:	dq 0
inv_desc:	dq 1, 0			; INVEPT/INVVPID descriptor
tsc_khz:	dq 0
cr8_spin_ms:	dq 0
hv_skipped:	dq 0
io_odd:		dq 0
lcg_state:	dd 0

; Port ranges (first, last) the I/O storm leaves alone; (0, 0) ends.
align 4
spared_ports:
	dw 0x20, 0x21			; master PIC
	dw 0x40, 0x43			; PIT
	dw 0xA0, 0xA1			; slave PIC
	dw 0xE9, 0xE9			; debug port
	dw 0xCF8, 0xCFF			; PCI configuration
	dw 0, 0

STRING s_oob_read, "oob-read"
STRING s_oob_write, "oob-write"
STRING s_hv_write, "hv-write"
STRING s_storm, "storm"
STRING s_extra, "extra-insns"
STRING s_reboot, "reboot"
STRING s_mgmt, "mgmt"
STRING s_cr8, "cr8"
STRING s_mgmt_self, "mgmt-self"
align 8
mode_table:
	dq s_oob_read, mode_oob_read
	dq s_oob_write, mode_oob_write
	dq s_hv_write, mode_hv_write
	dq s_storm, mode_storm
	dq s_extra, mode_extra_insns
	dq s_reboot, mode_reboot
	dq s_mgmt, mode_mgmt
	dq s_cr8, mode_cr8
	dq s_mgmt_self, mode_mgmt_self
	dq 0, 0

; -------------------------------------------------------------------- bss ---

	section .bss
alignb 4096
pml4:		resb 4096		; own tables, only for targets >= 4 GiB
pdpt_low:	resb 4096
pd_low:		resb 4096
pdpt_high:	resb 4096
pd_high:	resb 4096
mgmt_buf:	resb 4096		; what management calls would fill
stack:		resb 16384
stack_top:
alignb 16
bss_end:
