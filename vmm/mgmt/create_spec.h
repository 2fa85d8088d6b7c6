/*
 * The argument of the console's `create`: "NAME key=value ...", as xl
 * create takes a config name and overrides. NAME's hv.cfg section is the
 * starting point; without one, the overrides must define the guest
 * (kernel= at least). Values may be double-quoted to hold spaces:
 * cmdline="console=ttyS0 quiet". Pure: tested on the host.
 */
#ifndef VMM_CREATE_SPEC_H
#define VMM_CREATE_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "boot/hvcfg.h"

#define CREATE_SPEC_MAX 512 /* bytes of a spec, NUL excluded */

/* Whether the loader read a file of that name (kernels and initrds must be among them). */
typedef bool (*create_image_known_fn)(const char *name, void *ctx);

/*
 * Fills *out from spec (len bytes, need not be NUL-terminated). 0 on
 * success; -1 with a one-line reason in err. A console domain cannot be
 * created this way (there is only one).
 */
int create_spec_parse(const char *spec, size_t len, const struct hvcfg *cfg,
		      create_image_known_fn image_known, void *ctx, struct hvcfg_guest *out,
		      char *err, size_t err_size);

#endif
