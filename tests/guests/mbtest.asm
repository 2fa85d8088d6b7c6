; mbtest: a Multiboot (version 1) test kernel (hv.cfg "type = multiboot").
;
; A flat binary with a Multiboot header using the address fields (flags bit
; 16), loaded at 0x100000 and entered as the Multiboot Specification 0.6.96
; section 3.2 says: 32-bit protected mode, paging off, EAX = 0x2BADB002,
; EBX = the boot information structure (section 3.3), flat segments,
; interrupts off, ESP undefined (we set our own stack before touching it,
; and never reload a segment register: GDTR may be invalid).
;
; Unlike the raw test guests it prints through the 16550 UART at 0x3F8
; (COM1, which the hypervisor emulates for Multiboot guests), polling LSR
; THRE before each byte. Each check prints one line, "PASS <name>" or
; "FAIL <name>: <what was seen>"; the guest ends with
; "mbtest: done, N passed, M failed" and HC_SHUTDOWN with code M. Every
; loop is bounded, so a broken loader gives FAIL lines, not a hang.
;
; Memory: header and code at 0x100000, then .rodata (the end of the file,
; load_end_addr), then .bss up to bss_end_addr, which the loader must zero.

%define GUEST_NAME "mbtest"
%include "guest.inc"

LOAD_ADDR	equ 0x100000
ONE_MIB		equ 0x100000

; Section 3.1.2/3.1.3: the header.
MB_MAGIC	equ 0x1BADB002
MB_FLAGS	equ (1 << 1) | (1 << 16)	; memory information; address fields valid
MB_BOOT_MAGIC	equ 0x2BADB002			; section 3.2: EAX at entry

; Section 3.3: the boot information structure.
MBI_FLAGS	equ 0
MBI_MEM_LOWER	equ 4
MBI_MEM_UPPER	equ 8
MBI_CMDLINE	equ 16
MBI_MMAP_LENGTH	equ 44
MBI_MMAP_ADDR	equ 48
MBI_LOADER_NAME	equ 64
MBI_SIZE	equ 88				; up to the VBE fields
MBI_F_MEM	equ 1 << 0
MBI_F_CMDLINE	equ 1 << 2
MBI_F_MMAP	equ 1 << 6
MBI_F_LOADER_NAME equ 1 << 9
MBI_F_WANTED	equ MBI_F_MEM | MBI_F_CMDLINE | MBI_F_MMAP
MMAP_AVAILABLE	equ 1
MMAP_MIN_SIZE	equ 20				; an entry's size word, not counting itself
MMAP_MAX_SIZE	equ 256
MMAP_MAX_BYTES	equ 4096
MMAP_MAX_ENTRIES equ 128
STRING_MAX	equ 4096			; a string must end within this
CMDLINE_SHOWN	equ 200				; at most this much is printed

; 16550 (PC16550D data sheet): registers from COM1.
COM1		equ 0x3F8
UART_THR	equ COM1 + 0			; DLL when LCR.DLAB
UART_IER	equ COM1 + 1			; DLM when LCR.DLAB
UART_FCR	equ COM1 + 2
UART_LCR	equ COM1 + 3
UART_MCR	equ COM1 + 4
UART_LSR	equ COM1 + 5
LSR_THRE	equ 1 << 5
UART_POLL_MAX	equ 100000			; then send anyway

EFLAGS_IF	equ 1 << 9
EFLAGS_VM	equ 1 << 17
BSS_PROBE_SIZE	equ 4096
STACK_SIZE	equ 4096

	org LOAD_ADDR
	section .text
	section .rodata align=4
	section .bss align=16
	section .text

; ------------------------------------------------------ Multiboot header ---
; Section 3.1.1: 32-bit aligned in the first 8192 bytes; here at byte 0.

	bits 32
mb_header:
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)
	dd mb_header			; header_addr
	dd LOAD_ADDR			; load_addr: file byte 0
	dd load_end			; load_end_addr: the whole file
	dd bss_end			; bss_end_addr
	dd start			; entry_addr

; --------------------------------------------------------------- macros ---

; CHECK "name": the check that the next PASS32 or FAIL32 reports.
%macro CHECK 1
	[section .rodata]
%%s:	db %1, 0
	__SECT__
	mov dword [check_name], %%s
%endmacro

%macro PASS32 0
	call check_pass
%endmacro

; FAIL32 "what": starts "FAIL <name>: what"; the check adds details and NEWLINE32.
%macro FAIL32 1+
	[section .rodata]
%%s:	db %1, 0
	__SECT__
	push esi
	mov esi, %%s
	call check_fail
	pop esi
%endmacro

%macro PUTDEC32 1
	push eax
	mov eax, %1
	call put_dec
	pop eax
%endmacro

%macro PUTHEX32 1
	push eax
	mov eax, %1
	call put_hex
	pop eax
%endmacro

%macro NEWLINE32 0
	push eax
	mov al, 10
	call putc
	pop eax
%endmacro

; ---------------------------------------------------------------- entry ---

start:
	; Nothing is pushed before ESP is ours; EAX, EBX, EFLAGS and CR0 are
	; kept as they came for the checks.
	mov esp, stack_top
	mov [boot_eax], eax
	mov [boot_ebx], ebx
	pushfd
	pop dword [boot_eflags]
	mov eax, cr0
	mov [boot_cr0], eax
	cli
	cld
	xor eax, eax
	mov [checks_passed], eax
	mov [checks_failed], eax
	mov [uart_timeouts], eax
	call uart_init
	call probe_uart_lsr

	call check_magic
	cmp dword [boot_eax], MB_BOOT_MAGIC
	jne .no_info
	mov ebx, [boot_ebx]
	call walk_mmap
	call print_summary
	call check_flags
	call check_mmap
	call check_mem_upper
	call check_mem_lower
	call check_cmdline
	call check_loader_name
	call check_info_placement
	jmp .rest
.no_info:
	CHECK "boot-info"
	FAIL32 "not looked at: EAX is not the Multiboot magic"
	NEWLINE32
.rest:
	call check_cpu_state
	call check_image_loaded
	call check_bss_zeroed
	call check_a20
	call check_uart_lsr

	PUTS32 "mbtest: done, "
	PUTDEC32 [checks_passed]
	PUTS32 " passed, "
	PUTDEC32 [checks_failed]
	PUTS32 " failed", 10
	mov eax, HC_SHUTDOWN
	mov edi, [checks_failed]
	vmcall
	PUTS32 "mbtest: HC_SHUTDOWN returned", 10
.halt:
	cli
	hlt				; IF = 0: only an NMI would end this
	jmp .halt

; --------------------------------------------------------------- checks ---

check_magic:
	CHECK "magic"
	mov eax, [boot_eax]
	cmp eax, MB_BOOT_MAGIC
	jne .bad
	PUTS32 "mbtest: multiboot magic ok", 10
	PASS32
	ret
.bad:
	FAIL32 "EAX = "
	PUTHEX32 eax
	PUTS32 ", expected 0x2badb002"
	NEWLINE32
	ret

; Section 3.3: flags says which fields are valid; we need these three.
check_flags:
	CHECK "info-flags"
	mov eax, [ebx + MBI_FLAGS]
	and eax, MBI_F_WANTED
	cmp eax, MBI_F_WANTED
	jne .bad
	PASS32
	ret
.bad:
	FAIL32 "flags "
	PUTHEX32 [ebx + MBI_FLAGS]
	PUTS32 " lack MEM, CMDLINE or MMAP"
	NEWLINE32
	ret

; walk_mmap: EBX = info. Counts the memory map's entries into mmap_count,
; records the end of the last available entry (mmap_end_lo/hi) and the
; length of an available entry at address 0 (mmap_low_len), and sets
; mmap_error to a message if the map is malformed (0 if not). Section 3.3:
; each entry is a size word (not counting itself), base, length, type.
walk_mmap:
	pushad
	xor eax, eax
	mov [mmap_count], eax
	mov [mmap_end_lo], eax
	mov [mmap_end_hi], eax
	mov [mmap_low_len], eax
	mov [mmap_avail], eax
	mov dword [mmap_error], msg_mmap_missing
	test dword [ebx + MBI_FLAGS], MBI_F_MMAP
	jz .out
	mov dword [mmap_error], msg_mmap_length
	mov esi, [ebx + MBI_MMAP_ADDR]
	mov ecx, [ebx + MBI_MMAP_LENGTH]
	cmp ecx, MMAP_MAX_BYTES
	ja .out
	lea edi, [esi + ecx]		; end of the map
.entry:
	cmp esi, edi
	jae .done
	mov dword [mmap_error], msg_mmap_entry
	mov eax, [esi]
	cmp eax, MMAP_MIN_SIZE
	jb .out
	cmp eax, MMAP_MAX_SIZE
	ja .out
	lea edx, [esi + eax + 4]
	cmp edx, edi
	ja .out				; runs past mmap_length
	inc dword [mmap_count]
	cmp dword [mmap_count], MMAP_MAX_ENTRIES
	ja .out
	cmp dword [esi + 20], MMAP_AVAILABLE
	jne .next
	inc dword [mmap_avail]
	mov eax, [esi + 4]		; base
	mov ecx, [esi + 8]
	add eax, [esi + 12]		; + length
	adc ecx, [esi + 16]
	mov [mmap_end_lo], eax
	mov [mmap_end_hi], ecx
	mov eax, [esi + 4]
	or eax, [esi + 8]
	jnz .next
	cmp dword [esi + 16], 0		; the low entry's length, if it fits 32 bits
	jne .next
	mov eax, [esi + 12]
	mov [mmap_low_len], eax
.next:
	mov esi, edx
	jmp .entry
.done:
	mov dword [mmap_error], 0
.out:
	popad
	ret

; "mbtest: mem_upper N KiB, memory map M entries, cmdline "...""
print_summary:
	PUTS32 "mbtest: mem_upper "
	test dword [ebx + MBI_FLAGS], MBI_F_MEM
	jz .no_mem
	PUTDEC32 [ebx + MBI_MEM_UPPER]
	PUTS32 " KiB"
	jmp .mmap
.no_mem:
	PUTS32 "(none)"
.mmap:
	PUTS32 ", memory map "
	PUTDEC32 [mmap_count]
	PUTS32 " entries, cmdline "
	test dword [ebx + MBI_FLAGS], MBI_F_CMDLINE
	jz .no_cmdline
	mov al, '"'
	call putc
	push esi
	push ecx
	mov esi, [ebx + MBI_CMDLINE]
	mov ecx, CMDLINE_SHOWN
	call puts_bounded
	pop ecx
	pop esi
	mov al, '"'
	call putc
	NEWLINE32
	ret
.no_cmdline:
	PUTS32 "(none)", 10
	ret

check_mmap:
	CHECK "memory-map"
	mov esi, [mmap_error]
	test esi, esi
	jnz .bad
	cmp dword [mmap_avail], 0
	je .none
	PASS32
	ret
.none:
	FAIL32 "no available entry"
	NEWLINE32
	ret
.bad:
	call check_fail
	PUTS32 " (mmap_length "
	PUTDEC32 [ebx + MBI_MMAP_LENGTH]
	PUTS32 ", "
	PUTDEC32 [mmap_count]
	PUTS32 " entries read)"
	NEWLINE32
	ret

; Section 3.3: upper memory runs from 1 MiB to the first hole; the guest's
; RAM is one range, so that is where the last available entry ends.
check_mem_upper:
	CHECK "mem-upper"
	test dword [ebx + MBI_FLAGS], MBI_F_MEM
	jz .missing
	cmp dword [mmap_error], 0
	jne .no_map
	mov eax, [ebx + MBI_MEM_UPPER]
	mov edx, eax
	shl eax, 10
	shr edx, 22			; EDX:EAX = mem_upper * 1024
	add eax, ONE_MIB
	adc edx, 0
	cmp eax, [mmap_end_lo]
	jne .bad
	cmp edx, [mmap_end_hi]
	jne .bad
	PASS32
	ret
.bad:
	FAIL32 "mem_upper "
	PUTDEC32 [ebx + MBI_MEM_UPPER]
	PUTS32 " KiB + 1 MiB != end of the last available entry "
	PUTHEX32 [mmap_end_hi]
	mov al, ':'
	call putc
	PUTHEX32 [mmap_end_lo]
	NEWLINE32
	ret
.missing:
	FAIL32 "no MEM flag"
	NEWLINE32
	ret
.no_map:
	FAIL32 "no usable memory map to compare with"
	NEWLINE32
	ret

; Section 3.3: "The maximum possible value for lower memory is 640 kilobytes",
; and it must be RAM the map calls available from address 0.
check_mem_lower:
	CHECK "mem-lower"
	test dword [ebx + MBI_FLAGS], MBI_F_MEM
	jz .missing
	mov eax, [ebx + MBI_MEM_LOWER]
	cmp eax, 640
	ja .bad
	shl eax, 10
	cmp eax, [mmap_low_len]
	ja .bad
	PASS32
	ret
.bad:
	FAIL32 "mem_lower "
	PUTDEC32 [ebx + MBI_MEM_LOWER]
	PUTS32 " KiB, available from 0: "
	PUTHEX32 [mmap_low_len]
	NEWLINE32
	ret
.missing:
	FAIL32 "no MEM flag"
	NEWLINE32
	ret

; ESI = a string: CF clear if it ends within STRING_MAX bytes.
string_ends:
	push ecx
	push esi
	mov ecx, STRING_MAX
.loop:
	cmp byte [esi], 0
	je .yes
	inc esi
	dec ecx
	jnz .loop
	stc
	jmp .out
.yes:
	clc
.out:
	pop esi
	pop ecx
	ret

check_cmdline:
	CHECK "cmdline"
	test dword [ebx + MBI_FLAGS], MBI_F_CMDLINE
	jz .missing
	mov esi, [ebx + MBI_CMDLINE]
	test esi, esi
	jz .null
	call string_ends
	jc .long
	PASS32
	ret
.missing:
	FAIL32 "no CMDLINE flag"
	NEWLINE32
	ret
.null:
	FAIL32 "null pointer"
	NEWLINE32
	ret
.long:
	FAIL32 "no NUL within 4096 bytes"
	NEWLINE32
	ret

; Our loader always names itself (section 3.3, boot_loader_name).
check_loader_name:
	CHECK "boot-loader-name"
	test dword [ebx + MBI_FLAGS], MBI_F_LOADER_NAME
	jz .missing
	mov esi, [ebx + MBI_LOADER_NAME]
	test esi, esi
	jz .bad
	call string_ends
	jc .bad
	cmp byte [esi], 0
	je .bad
	PASS32
	ret
.missing:
	FAIL32 "no BOOT_LOADER_NAME flag"
	NEWLINE32
	ret
.bad:
	FAIL32 "null, empty or unterminated"
	NEWLINE32
	ret

; The structure must not lie in our image or bss (the loader zeroes bss).
check_info_placement:
	CHECK "info-outside-image"
	lea eax, [ebx + MBI_SIZE]
	cmp eax, LOAD_ADDR
	jbe .ok
	cmp ebx, bss_end
	jae .ok
	FAIL32 "info at "
	PUTHEX32 ebx
	PUTS32 " overlaps the image"
	NEWLINE32
	ret
.ok:
	PASS32
	ret

; Section 3.2: CR0.PE set, CR0.PG clear, EFLAGS.IF and EFLAGS.VM clear.
check_cpu_state:
	CHECK "cpu-state"
	mov eax, [boot_cr0]
	and eax, CR0_PE | CR0_PG
	cmp eax, CR0_PE
	jne .bad
	test dword [boot_eflags], EFLAGS_IF | EFLAGS_VM
	jnz .bad
	PASS32
	ret
.bad:
	FAIL32 "CR0 "
	PUTHEX32 [boot_cr0]
	PUTS32 ", EFLAGS "
	PUTHEX32 [boot_eflags]
	NEWLINE32
	ret

; The last bytes of the file arrived: load_end_addr was honoured.
check_image_loaded:
	CHECK "image-loaded"
	cmp dword [image_tail], 'mbte'
	jne .bad
	cmp dword [image_tail + 4], 'st-e'
	jne .bad
	cmp dword [image_tail + 8], 'nd!!'
	jne .bad
	PASS32
	ret
.bad:
	FAIL32 "the end of the image is not in memory"
	NEWLINE32
	ret

; Section 3.1.4: the loader zeroes [load_end_addr, bss_end_addr).
check_bss_zeroed:
	CHECK "bss-zeroed"
	mov esi, bss_probe
	mov ecx, BSS_PROBE_SIZE / 4
.loop:
	cmp dword [esi], 0
	jne .bad
	add esi, 4
	dec ecx
	jnz .loop
	PASS32
	ret
.bad:
	FAIL32 "nonzero at "
	PUTHEX32 esi
	NEWLINE32
	ret

; Section 3.2: A20 enabled, i.e. 1 MiB + x and x are different bytes. Two
; values so that a coincidence cannot pass; last, because with A20 off the
; writes land in low memory.
check_a20:
	CHECK "a20"
	mov dword [a20_probe], 0x5aa5c33c
	mov eax, [a20_probe - ONE_MIB]
	mov dword [a20_probe], 0xa55a3cc3
	mov edx, [a20_probe - ONE_MIB]
	cmp eax, 0x5aa5c33c
	jne .ok
	cmp edx, 0xa55a3cc3
	jne .ok
	FAIL32 "writes at "
	PUTHEX32 a20_probe
	PUTS32 " show up 1 MiB lower"
	NEWLINE32
	ret
.ok:
	PASS32
	ret

; The emulated 16550's line status: an idle transmitter shows THRE and
; TEMT right after init, and no putc gave up waiting for THRE. A UART whose
; LSR lacks THRE would make every byte wait out UART_POLL_MAX (as Linux's
; console does): then putc stops polling, so that this check gets to say so.
LSR_TEMT	equ 1 << 6
LSR_IDLE	equ LSR_THRE | LSR_TEMT
probe_uart_lsr:
	push eax
	push edx
	mov dx, UART_LSR
	in al, dx
	movzx eax, al
	mov [uart_lsr_at_init], eax
	mov dword [uart_poll_limit], UART_POLL_MAX
	and al, LSR_IDLE
	cmp al, LSR_IDLE
	je .out
	mov dword [uart_poll_limit], 1
.out:
	pop edx
	pop eax
	ret

check_uart_lsr:
	CHECK "uart-lsr"
	push eax
	mov eax, [uart_lsr_at_init]
	and eax, LSR_IDLE
	cmp eax, LSR_IDLE
	jne .bad_lsr
	cmp dword [uart_timeouts], 0
	jne .timeouts
	PASS32
	jmp .out
.bad_lsr:
	FAIL32 "LSR after init reads "
	PUTHEX32 [uart_lsr_at_init]
	NEWLINE32
	jmp .out
.timeouts:
	FAIL32 "bytes sent without THRE: "
	PUTDEC32 [uart_timeouts]
	NEWLINE32
.out:
	pop eax
	ret

; ---------------------------------------------------------------- output ---

; 8N1 at divisor 1 (115200 baud), FIFOs on, DTR and RTS; no interrupts.
uart_init:
	push eax
	push edx
	mov dx, UART_LCR
	mov al, 0x80			; DLAB: THR/IER become the divisor latch
	out dx, al
	mov dx, UART_THR
	mov al, 1
	out dx, al
	mov dx, UART_IER
	xor al, al
	out dx, al
	mov dx, UART_LCR
	mov al, 3			; 8 bits, no parity, 1 stop; DLAB off
	out dx, al
	mov dx, UART_IER
	xor al, al
	out dx, al
	mov dx, UART_FCR
	mov al, 7			; enable and clear both FIFOs
	out dx, al
	mov dx, UART_MCR
	mov al, 3			; DTR, RTS
	out dx, al
	pop edx
	pop eax
	ret

; putc: AL to COM1 once THRE is set, or after uart_poll_limit polls.
; Preserves every register but the flags.
putc:
	push ecx
	push edx
	push eax
	mov dx, UART_LSR
	mov ecx, [uart_poll_limit]
.poll:
	in al, dx
	test al, LSR_THRE
	jnz .send
	dec ecx
	jnz .poll
	inc dword [uart_timeouts]
.send:
	pop eax
	mov dx, UART_THR
	out dx, al
	pop edx
	pop ecx
	ret

; puts32: the string at ESI (the name guest.inc's PUTS32 calls).
puts32:
	push ecx
	mov ecx, STRING_MAX
	call puts_bounded
	pop ecx
	ret

; puts_bounded: the string at ESI, at most ECX (> 0) bytes. Preserves
; every register but the flags.
puts_bounded:
	push eax
	push ecx
	push esi
.loop:
	mov al, [esi]
	test al, al
	jz .done
	call putc
	inc esi
	dec ecx
	jnz .loop
.done:
	pop esi
	pop ecx
	pop eax
	ret

; put_dec: EAX in unsigned decimal. Preserves every register but the flags.
put_dec:
	pushad
	mov ebx, 10
	xor ecx, ecx
.divide:
	xor edx, edx
	div ebx
	push edx
	inc ecx
	test eax, eax
	jnz .divide
.print:
	pop eax
	add al, '0'
	call putc
	dec ecx
	jnz .print
	popad
	ret

; put_hex: "0x" and EAX in eight hex digits. Preserves every register but the flags.
put_hex:
	pushad
	mov edx, eax
	mov al, '0'
	call putc
	mov al, 'x'
	call putc
	mov ecx, 8
.digit:
	rol edx, 4
	mov eax, edx
	and eax, 0xf
	mov al, [hex_digits + eax]
	call putc
	dec ecx
	jnz .digit
	popad
	ret

; check_pass: "PASS <check_name>".
check_pass:
	inc dword [checks_passed]
	PUTS32 "PASS "
	push esi
	mov esi, [check_name]
	call puts32
	pop esi
	NEWLINE32
	ret

; check_fail: "FAIL <check_name>: <ESI>", no newline: the caller adds
; details, then NEWLINE32.
check_fail:
	inc dword [checks_failed]
	PUTS32 "FAIL "
	push esi
	mov esi, [check_name]
	call puts32
	pop esi
	PUTS32 ": "
	call puts32
	ret

; ------------------------------------------------------------- constants ---

	section .rodata
hex_digits:	db "0123456789abcdef"
msg_mmap_missing: db "no MMAP flag", 0
msg_mmap_length: db "mmap_length too large", 0
msg_mmap_entry:	db "malformed entry", 0

; Must stay the last thing in the file: check_image_loaded reads it.
	align 4
image_tail:	db "mbtest-end!!"
load_end:

; ------------------------------------------------------------------ bss ---

	section .bss
boot_eax:	resd 1
boot_ebx:	resd 1
boot_eflags:	resd 1
boot_cr0:	resd 1
checks_passed:	resd 1
checks_failed:	resd 1
uart_timeouts:	resd 1
uart_poll_limit: resd 1
uart_lsr_at_init: resd 1
check_name:	resd 1
mmap_error:	resd 1
mmap_count:	resd 1
mmap_avail:	resd 1
mmap_end_lo:	resd 1
mmap_end_hi:	resd 1
mmap_low_len:	resd 1
a20_probe:	resd 1
	alignb 16
stack:		resb STACK_SIZE
stack_top:
bss_probe:	resb BSS_PROBE_SIZE	; never written: must read as zero
bss_end:
