/*
 * Lookup of the files the loader handed over in boot_info. Runs in VMX root.
 */
#include "vmm/boot/images.h"

#include "lib/string.h"
#include "mm/phys.h"

static const struct boot_info *boot;

void images_init(const struct boot_info *info)
{
	boot = info;
}

int image_find(const char *name, struct image *out)
{
	uint32_t i;

	for (i = 0; boot && i < boot->file_count && i < BOOT_MAX_FILES; i++) {
		const struct boot_file *f = &boot->files[i];

		if (strncmp(f->name, name, BOOT_FILE_NAME_MAX))
			continue;
		out->name = f->name;
		out->data = phys_to_virt(f->phys);
		out->size = f->size;
		return 0;
	}
	return -1;
}
