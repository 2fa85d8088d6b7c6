; traps: a test guest that runs, every round, each instruction and
; exception the operator may trap with `vmctl` (hv.cfg "type = long",
; at least 32 MiB of RAM), and checks that each did what the CPU does:
;
;   INT3, UD2              its own #BP and #UD handlers run, COUNT times each
;   #PF                    a 2 MiB page made not-present faults with the
;                          right CR2 and error code, after INVLPG, after a
;                          CR3 reload and (where CPUID offers it) after
;                          INVPCID, and is reachable again after each (so an
;                          emulated INVLPG, MOV to CR3 or INVPCID must flush)
;   single-step, INT1      its #DB handler runs, DR6.BS set for the step
;   MOV DR                 DR0 and DR7 read back what was written, DR7 also
;                          across an exit (CPUID)
;   RDTSC, RDTSCP          never go backwards; the round's figure is the
;                          ticks per RDTSC over RDTSC_LOOPS of them
;   RDRAND, RDSEED         where CPUID offers them: success, a 32-bit
;                          destination zero-extended, two results differ
;   PAUSE, WBINVD          run and return
;   HLT                    it waits for ROUND_TICKS PIT ticks in HLT
;
; and prints one line a round, judged by tests/integration/vmctl_tests.sh:
;
;   traps: round R bp B ud U pf P db D rdtsc T rdrand yes|no invpcid yes|no ok
;   traps: FAIL round R: what
;
; B, U, P, D count the guest's own handlers' runs since it started.
; Entered as the hypervisor's raw long-mode guests are: 64-bit mode at
; 0x100000, RIP = RSP = load address, interrupts off, the loader's page
; tables (2 MiB pages) in its RAM.

bits 64
default rel
org 0x100000

COUNT		equ 20
TEST_ADDR	equ 0x1000000		; 16 MiB: RAM, one 2 MiB page of the loader's tables
PATTERN		equ 0x5a17c0de2badf00d
PIT_RELOAD	equ 11932		; 100 Hz
ROUND_TICKS	equ 20			; a round every 200 ms
RDTSC_LOOPS	equ 1000
IDT_VECTORS	equ 48
RFLAGS_TF	equ 0x100
DR6_BS		equ 1 << 14
PTE_P		equ 1
PTE_PS		equ 1 << 7
ADDR_MASK	equ 0x000ffffffffff000

start:
	cli
	lea rsp, [stack_top]
	call idt_setup
	call find_pde
	mov rbx, TEST_ADDR
	mov rax, PATTERN
	mov [rbx], rax
	call pic_pit_init
	xor r14d, r14d			; the round
.round:
	inc r14
	mov qword [failed], 0
	call t_int3
	call t_ud2
	call t_pf_invlpg
	call t_pf_cr3
	call t_pf_invpcid
	call t_debug
	call t_dr
	call t_rdtsc
	call t_rand
	call t_misc
	call report
	call wait_ticks
	jmp .round

; --------------------------------------------------------------- the checks ---

; FAILIF cc, "what": a failure line if the condition holds.
%macro FAILIF 2
	j%-1 %%ok
	lea rsi, [%%msg]
	call fail
	jmp %%ok
%%msg:	db %2, 0
%%ok:
%endmacro

t_int3:
	mov rbx, [bp_count]
	mov ecx, COUNT
.loop:
	int3
	dec ecx
	jnz .loop
	sub rbx, [bp_count]
	cmp rbx, -COUNT
	FAILIF ne, "INT3 did not reach the #BP handler every time"
	ret

t_ud2:
	mov rbx, [ud_count]
	mov ecx, COUNT
.loop:
	ud2
	dec ecx
	jnz .loop
	sub rbx, [ud_count]
	cmp rbx, -COUNT
	FAILIF ne, "UD2 did not reach the #UD handler every time"
	ret

t_pf_invlpg:
	mov rbx, TEST_ADDR
	mov rdi, [pde_ptr]
	mov rax, [rbx]			; the translation is cached now
	and qword [rdi], ~PTE_P
	invlpg [rbx]
	mov r8, [pf_count]
	db 0x48, 0x8b, 0x03		; mov rax, [rbx]: faults, the handler skips it
	mov rcx, r8
	inc rcx
	cmp [pf_count], rcx
	FAILIF ne, "no #PF after INVLPG of a page made not-present"
	mov rax, [pf_cr2]
	cmp rax, rbx
	FAILIF ne, "#PF with the wrong CR2"
	cmp qword [pf_error], 0		; not present, read, supervisor
	FAILIF ne, "#PF with the wrong error code (expected 0)"
	or qword [rdi], PTE_P
	invlpg [rbx]
	mov r8, [pf_count]
	mov rax, [rbx]
	cmp [pf_count], r8
	FAILIF ne, "#PF after INVLPG of a page made present again"
	mov rcx, PATTERN
	cmp rax, rcx
	FAILIF ne, "the page reads back wrong"
	ret

t_pf_cr3:
	mov rbx, TEST_ADDR
	mov rdi, [pde_ptr]
	mov rax, [rbx]
	and qword [rdi], ~PTE_P
	mov rax, cr3
	mov cr3, rax			; flushes the translation
	mov r8, [pf_count]
	mov rax, PATTERN
	db 0x48, 0x89, 0x03		; mov [rbx], rax: faults, the handler skips it
	mov rcx, r8
	inc rcx
	cmp [pf_count], rcx
	FAILIF ne, "no #PF after a CR3 reload with the page not-present"
	mov rax, [pf_cr2]
	cmp rax, rbx
	FAILIF ne, "#PF with the wrong CR2"
	cmp qword [pf_error], 2		; not present, write, supervisor
	FAILIF ne, "#PF with the wrong error code (expected 2)"
	or qword [rdi], PTE_P
	mov rax, cr3
	mov cr3, rax
	mov r8, [pf_count]
	mov rax, PATTERN
	mov [rbx], rax
	cmp [pf_count], r8
	FAILIF ne, "#PF after a CR3 reload with the page present again"
	ret

; INVPCID type 0 (one address, PCID 0) must flush like INVLPG; type 2
; (every PCID, globals too) brings the page back.
t_pf_invpcid:
	cmp byte [has_invpcid], 0
	je .done
	mov rbx, TEST_ADDR
	mov rdi, [pde_ptr]
	mov rax, [rbx]
	and qword [rdi], ~PTE_P
	mov qword [invpcid_desc], 0
	mov [invpcid_desc + 8], rbx
	xor eax, eax
	invpcid rax, [invpcid_desc]
	mov r8, [pf_count]
	db 0x48, 0x8b, 0x03		; mov rax, [rbx]: faults, the handler skips it
	mov rcx, r8
	inc rcx
	cmp [pf_count], rcx
	FAILIF ne, "no #PF after INVPCID of a page made not-present"
	mov rax, [pf_cr2]
	cmp rax, rbx
	FAILIF ne, "#PF with the wrong CR2"
	or qword [rdi], PTE_P
	mov eax, 2
	invpcid rax, [invpcid_desc]
	mov r8, [pf_count]
	mov rax, [rbx]
	cmp [pf_count], r8
	FAILIF ne, "#PF after INVPCID of every context with the page present again"
.done:
	ret

t_debug:
	mov rbx, [db_count]
	mov qword [db_dr6], 0
	pushfq
	or qword [rsp], RFLAGS_TF
	popfq
	nop				; the single-step trap comes after this one
	nop
	mov rcx, rbx
	inc rcx
	cmp [db_count], rcx
	FAILIF ne, "single-step did not reach the #DB handler once"
	test qword [db_dr6], DR6_BS
	FAILIF z, "the single-step #DB left DR6.BS clear"
	mov rbx, [db_count]
	db 0xf1				; INT1 (ICEBP)
	mov rcx, rbx
	inc rcx
	cmp [db_count], rcx
	FAILIF ne, "INT1 did not reach the #DB handler once"
	ret

t_dr:
	mov rax, r14
	shl rax, 12
	or rax, 0x345
	mov dr0, rax
	mov rcx, dr0
	cmp rcx, rax
	FAILIF ne, "DR0 reads back wrong"
	mov r8, 0xf0400			; R/W0 and LEN0 set, breakpoint 0 disabled
	mov dr7, r8
	xor eax, eax
	cpuid				; an exit: DR7 must survive it
	mov rcx, dr7
	cmp rcx, r8
	FAILIF ne, "DR7 reads back wrong after an exit"
	mov eax, 0x400
	mov dr7, rax
	ret

t_rdtsc:
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov r8, rax			; start
	mov r9, rax			; the last one
	mov ecx, RDTSC_LOOPS
.loop:
	rdtsc
	shl rdx, 32
	or rax, rdx
	cmp rax, r9
	jb .backwards
	mov r9, rax
	dec ecx
	jnz .loop
	mov rax, r9
	sub rax, r8
	xor edx, edx
	mov ecx, RDTSC_LOOPS
	div rcx
	mov [rdtsc_ticks], rax
	cmp byte [has_rdtscp], 0
	je .done
	rdtscp
	shl rdx, 32
	or rax, rdx
	cmp rax, r9
	FAILIF b, "RDTSCP went back behind RDTSC"
.done:
	ret
.backwards:
	lea rsi, [s_backwards]
	jmp fail

t_rand:
	cmp byte [has_rdrand], 0
	je .seed
	mov rax, -1
	mov ecx, 100
.r32:
	rdrand eax
	jc .got32
	dec ecx
	jnz .r32
	lea rsi, [s_rdrand_none]
	jmp fail
.got32:
	shr rax, 32
	FAILIF nz, "RDRAND into EAX left RAX's upper half set"
	call rdrand64
	mov rbx, rax
	call rdrand64
	cmp rax, rbx
	FAILIF e, "RDRAND returned the same 64 bits twice"
.seed:
	cmp byte [has_rdseed], 0
	je .done
	mov ecx, 1000
.s64:
	rdseed rax
	jc .done
	dec ecx
	jnz .s64
	lea rsi, [s_rdseed_none]
	jmp fail
.done:
	ret

rdrand64:
	mov ecx, 100
.again:
	rdrand rax
	jc .got
	dec ecx
	jnz .again
.got:
	ret

t_misc:
	mov ecx, COUNT
.loop:
	pause
	dec ecx
	jnz .loop
	wbinvd
	ret

; wait_ticks: ROUND_TICKS PIT ticks, halted in between.
wait_ticks:
	mov rbx, [ticks]
	add rbx, ROUND_TICKS
.loop:
	cli
	cmp [ticks], rbx
	jae .done
	sti				; STI's shadow holds the IRQ until HLT
	hlt
	jmp .loop
.done:
	ret

; fail: "traps: FAIL round R: <RSI>".
fail:
	push rsi
	lea rsi, [s_fail]
	call puts
	mov rax, r14
	call put_dec
	lea rsi, [s_colon]
	call puts
	pop rsi
	call puts
	mov al, 10
	call putc
	mov qword [failed], 1
	ret

report:
	cmp qword [failed], 0
	jne .done
	lea rsi, [s_round]
	call puts
	mov rax, r14
	call put_dec
	lea rsi, [s_bp]
	call puts
	mov rax, [bp_count]
	call put_dec
	lea rsi, [s_ud]
	call puts
	mov rax, [ud_count]
	call put_dec
	lea rsi, [s_pf]
	call puts
	mov rax, [pf_count]
	call put_dec
	lea rsi, [s_db]
	call puts
	mov rax, [db_count]
	call put_dec
	lea rsi, [s_rdtsc]
	call puts
	mov rax, [rdtsc_ticks]
	call put_dec
	lea rsi, [s_rdrand_yes]
	cmp byte [has_rdrand], 0
	jne .rand
	lea rsi, [s_rdrand_no]
.rand:
	call puts
	lea rsi, [s_invpcid_yes]
	cmp byte [has_invpcid], 0
	jne .invpcid
	lea rsi, [s_invpcid_no]
.invpcid:
	call puts
.done:
	ret

; -------------------------------------------------------------- set-up ---

; find_pde: [pde_ptr] = the PDE that maps TEST_ADDR (the loader's tables:
; PML4[0] -> PDPT[0] -> a page directory of 2 MiB pages); and the CPUID bits.
find_pde:
	mov rax, cr3
	mov rcx, ADDR_MASK
	and rax, rcx
	mov rax, [rax]
	and rax, rcx
	mov rax, [rax]
	and rax, rcx
	lea rax, [rax + (TEST_ADDR >> 21) * 8]
	mov [pde_ptr], rax
	mov rax, [rax]
	and eax, PTE_P | PTE_PS
	cmp eax, PTE_P | PTE_PS
	je .cpuid
	lea rsi, [s_tables]
	call puts
.hang:
	hlt
	jmp .hang
.cpuid:
	mov eax, 1
	xor ecx, ecx
	cpuid
	bt ecx, 30
	setc byte [has_rdrand]
	mov eax, 7
	xor ecx, ecx
	cpuid
	bt ebx, 18
	setc byte [has_rdseed]
	bt ebx, 10
	setc byte [has_invpcid]
	mov eax, 0x80000001
	cpuid
	bt edx, 27
	setc byte [has_rdtscp]
	ret

; Both 8259s at vectors 32 and 40, only IRQ 0; the PIT's channel 0 at 100 Hz.
pic_pit_init:
	mov al, 0x11
	out 0x20, al
	out 0xa0, al
	mov al, 32
	out 0x21, al
	mov al, 40
	out 0xa1, al
	mov al, 4
	out 0x21, al
	mov al, 2
	out 0xa1, al
	mov al, 1
	out 0x21, al
	out 0xa1, al
	mov al, 0xfe
	out 0x21, al
	mov al, 0xff
	out 0xa1, al
	mov al, 0x34			; channel 0, lobyte/hibyte, mode 2
	out 0x43, al
	mov al, PIT_RELOAD & 0xff
	out 0x40, al
	mov al, PIT_RELOAD >> 8
	out 0x40, al
	ret

; idt_setup: 64-bit interrupt gates for vectors 0..IDT_VECTORS-1.
idt_setup:
	lea rdi, [idt]
	lea rsi, [handlers]
	mov dx, cs
	xor ecx, ecx
.gate:
	mov rax, [rsi + rcx * 8]
	mov [rdi], ax
	mov [rdi + 2], dx
	mov word [rdi + 4], 0x8e00
	shr rax, 16
	mov [rdi + 6], ax
	shr rax, 16
	mov [rdi + 8], eax
	mov dword [rdi + 12], 0
	add rdi, 16
	inc ecx
	cmp ecx, IDT_VECTORS
	jb .gate
	lidt [idtr]
	ret

; ------------------------------------------------------------ handlers ---

h_bp:
	inc qword [bp_count]
	iretq

h_ud:
	inc qword [ud_count]
	add qword [rsp], 2		; past UD2
	iretq

h_pf:
	push rax
	mov rax, cr2
	mov [pf_cr2], rax
	mov rax, [rsp + 8]		; the error code
	mov [pf_error], rax
	inc qword [pf_count]
	pop rax
	add rsp, 8
	add qword [rsp], 3		; past the 3-byte access
	iretq

h_db:
	push rax
	mov rax, dr6
	mov [db_dr6], rax
	mov eax, 0xffff0ff0		; DR6 with no status bits
	mov dr6, rax
	inc qword [db_count]
	and qword [rsp + 24], ~RFLAGS_TF ; the frame's RFLAGS: no more steps
	pop rax
	iretq

h_irq0:
	push rax
	inc qword [ticks]
	mov al, 0x20
	out 0x20, al
	pop rax
	iretq

h_irq_other:
	push rax
	mov al, 0x20
	out 0xa0, al
	out 0x20, al
	pop rax
	iretq

; Any other exception: say which and stop.
%macro FATAL 1
h_fatal_%1:
	mov ebx, %1
	jmp fatal
%endmacro
%assign v 0
%rep 32
FATAL v
%assign v v + 1
%endrep

fatal:
	lea rsi, [s_unexpected]
	call puts
	mov rax, rbx
	call put_dec
	mov al, 10
	call putc
.hang:
	cli
	hlt
	jmp .hang

%include "com1_out.inc"

; ---------------------------------------------------------------- data ---

s_round:	db "traps: round ", 0
s_bp:		db " bp ", 0
s_ud:		db " ud ", 0
s_pf:		db " pf ", 0
s_db:		db " db ", 0
s_rdtsc:	db " rdtsc ", 0
s_rdrand_yes:	db " rdrand yes", 0
s_rdrand_no:	db " rdrand no", 0
s_invpcid_yes:	db " invpcid yes ok", 10, 0
s_invpcid_no:	db " invpcid no ok", 10, 0
s_fail:		db "traps: FAIL round ", 0
s_colon:	db ": ", 0
s_backwards:	db "RDTSC went backwards", 0
s_rdrand_none:	db "RDRAND never succeeded", 0
s_rdseed_none:	db "RDSEED never succeeded", 0
s_tables:	db "traps: FAIL the loader's page tables are not 2 MiB pages at 16 MiB", 10, 0
s_unexpected:	db "traps: FAIL unexpected exception ", 0

align 8
handlers:
%assign v 0
%rep 32
%if v == 1
		dq h_db
%elif v == 3
		dq h_bp
%elif v == 6
		dq h_ud
%elif v == 14
		dq h_pf
%else
		dq h_fatal_ %+ v
%endif
%assign v v + 1
%endrep
		dq h_irq0
%rep IDT_VECTORS - 33
		dq h_irq_other
%endrep

idtr:		dw IDT_VECTORS * 16 - 1
		dq idt

pde_ptr:	dq 0
failed:		dq 0
bp_count:	dq 0
ud_count:	dq 0
pf_count:	dq 0
pf_cr2:		dq 0
pf_error:	dq 0
db_count:	dq 0
db_dr6:		dq 0
ticks:		dq 0
rdtsc_ticks:	dq 0
has_rdrand:	db 0
has_rdseed:	db 0
has_rdtscp:	db 0
has_invpcid:	db 0

align 16
invpcid_desc:	dq 0, 0			; PCID, linear address

align 16
idt:		times IDT_VECTORS * 16 db 0
stack:		times 8192 db 0
stack_top:
