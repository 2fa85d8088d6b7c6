/*
 * The files the loader read from the boot volume (guest kernels, initrds),
 * looked up by the name hv.cfg gives them. Read-only after boot: guests get
 * copies, never the originals.
 */
#ifndef VMM_IMAGES_H
#define VMM_IMAGES_H

#include <stdint.h>

#include "boot/boot_info.h"

struct image {
	const char *name;
	const uint8_t *data;
	uint64_t size;
};

void images_init(const struct boot_info *info);
/* 0 and *out if the loader read a file of that name; -1 otherwise. */
int image_find(const char *name, struct image *out);

#endif
