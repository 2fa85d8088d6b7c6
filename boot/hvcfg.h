/*
 * hv.cfg, the hypervisor's configuration file on the boot volume: an
 * INI-like text with one [hypervisor] section and a [guest NAME] section per
 * guest. The loader parses it to know which files to read; the kernel parses
 * the same bytes again from boot_info. Pure: tested on the host.
 *
 *   [hypervisor]
 *   log_level = info          # error | warn | info | debug
 *   serial = com1             # com1..com4 or a port (decimal or 0x hex)
 *   baud = 115200
 *   console_ring = 64K
 *
 *   [guest linux]
 *   kernel = \EFI\hv\bzImage
 *   initrd = \EFI\hv\initrd.img
 *   cmdline = "console=ttyS0 root=/dev/ram0"
 *   memory = 512M             # plain number = MiB, as in Xen's xl
 *   vcpus = 2
 *   autostart = yes
 *   type = auto               # auto | linux | multiboot | real | long
 *   load = 0x8000             # raw images (real, long): load and entry address
 *   cpus = 0,1                # pinning: vCPU i on physical CPU list[i % n]
 *   role = guest              # guest | console (the console domain, at most one)
 *   vmctl = rdtsc-exiting=on,#BP=trap   # execution controls at creation (vmm/abi/vmctl.h)
 *
 * (No inline comments in real files: a cmdline may contain '#'.)
 */
#ifndef BOOT_HVCFG_H
#define BOOT_HVCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HVCFG_MAX_GUESTS 16
#define HVCFG_NAME_MAX 32     /* incl. NUL */
#define HVCFG_PATH_MAX 64     /* incl. NUL; equals BOOT_FILE_NAME_MAX */
#define HVCFG_CMDLINE_MAX 256 /* incl. NUL */
#define HVCFG_CPUS_MAX 8      /* entries in a cpus = list */
#define HVCFG_VCPUS_MAX 8     /* vCPUs of one guest: the hypervisor's only such limit (VM_MAX_VCPUS) */
#define HVCFG_CPU_LIMIT 64    /* physical CPU numbers are below this */
#define HVCFG_VMCTL_MAX 384   /* incl. NUL: every changeable control and trappable exception fits */

/* How a guest image is started (`type =`). */
enum hvcfg_guest_type {
	HVCFG_TYPE_AUTO = 0,  /* Linux bzImage or Multiboot, told apart by their headers */
	HVCFG_TYPE_LINUX,     /* Linux x86 boot protocol, 64-bit entry */
	HVCFG_TYPE_MULTIBOOT, /* Multiboot (version 1) */
	HVCFG_TYPE_REAL,      /* raw image entered in 16-bit real mode at `load` */
	HVCFG_TYPE_LONG,      /* raw image entered in 64-bit mode at `load` */
};

struct hvcfg_guest {
	char name[HVCFG_NAME_MAX];
	char kernel[HVCFG_PATH_MAX];
	char initrd[HVCFG_PATH_MAX]; /* "" for none */
	char cmdline[HVCFG_CMDLINE_MAX];
	uint64_t memory_bytes;
	uint32_t vcpus;
	bool autostart;
	uint8_t type;       /* enum hvcfg_guest_type */
	uint64_t load_addr; /* raw images: guest-physical load and entry address; 0 = default */
	bool console;       /* role = console: the console domain (at most one) */
	uint8_t cpu_count;  /* cpus = 0,1: vCPU i runs on physical CPU cpus[i % cpu_count]; 0 = any */
	uint8_t cpus[HVCFG_CPUS_MAX];
	char vmctl[HVCFG_VMCTL_MAX]; /* "" none; else the words of vmm/abi/vmctl.h, judged at creation */
	uint32_t line; /* line of its [guest] header */
};

struct hvcfg_hypervisor {
	uint8_t log_level;           /* 0 error,1 warn,2 info,3 debug; default 2 */
	uint16_t serial_port;        /* default 0x3f8 */
	uint32_t baud;               /* default 115200 */
	uint32_t console_ring_bytes; /* default 65536 */
	char cmdline[HVCFG_CMDLINE_MAX];
};

struct hvcfg {
	struct hvcfg_hypervisor hv;
	struct hvcfg_guest guests[HVCFG_MAX_GUESTS];
	uint32_t guest_count;
};

struct hvcfg_error {
	uint32_t line;
	char msg[160];
};

/*
 * 0 on success; -1 with err filled (line 0 = whole file). text need not be
 * NUL-terminated. out is fully initialised either way (defaults first), but
 * only meaningful on success. err may be NULL.
 */
int hvcfg_parse(const char *text, size_t len, struct hvcfg *out, struct hvcfg_error *err);

/* The guest called `name` (exact match), or NULL. */
const struct hvcfg_guest *hvcfg_find_guest(const struct hvcfg *cfg, const char *name);

/* A guest with the defaults of an empty section; -1 if name is not a valid guest name. */
int hvcfg_guest_init(struct hvcfg_guest *g, const char *name);

/*
 * Parses one `key=value` for a guest (used later by the console's
 * `create NAME key=value` overrides); 0 ok, -1 with msg. The value is taken
 * as is: no trimming, no quote removal. On error g is unchanged.
 */
int hvcfg_set_guest_key(struct hvcfg_guest *g, const char *key, const char *value,
			char *msg, size_t msg_size);

#endif
