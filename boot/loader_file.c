/*
 * Reading files from the volume the loader was started from, through UEFI's
 * Simple File System protocol. Runs before ExitBootServices.
 */
#include "boot/loader.h"
#include "lib/string.h"

EFI_STATUS loader_open_volume(EFI_HANDLE image, EFI_FILE_HANDLE *root)
{
	EFI_LOADED_IMAGE *loaded;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_STATUS st;

	st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&loaded);
	if (EFI_ERROR(st))
		return st;
	st = BS->HandleProtocol(loaded->DeviceHandle, &FileSystemProtocol, (void **)&fs);
	if (EFI_ERROR(st))
		return st;
	return fs->OpenVolume(fs, root);
}

UINT64 loader_alloc_pages(UINT64 pages, UINT32 mem_type)
{
	EFI_PHYSICAL_ADDRESS addr = 0;

	if (EFI_ERROR(BS->AllocatePages(AllocateAnyPages, (EFI_MEMORY_TYPE)mem_type, pages, &addr)))
		return 0;
	memset((void *)addr, 0, pages * EFI_PAGE_SIZE);
	return addr;
}

/* ASCII path as written in hv.cfg -> UCS-2 path on the volume. */
static int loader_wide_path(const char *path, CHAR16 *out, UINTN out_len)
{
	UINTN n = 0;
	const CHAR16 *prefix = HV_DIR;

	if (path[0] != '\\' && path[0] != '/')
		while (*prefix && n + 1 < out_len)
			out[n++] = *prefix++;
	for (; *path; path++) {
		if (n + 1 >= out_len)
			return -1;
		out[n++] = *path == '/' ? L'\\' : (CHAR16)(unsigned char)*path;
	}
	out[n] = 0;
	return 0;
}

EFI_STATUS loader_read_file(EFI_FILE_HANDLE root, const char *path, UINT32 mem_type,
			    UINT64 *phys, UINT64 *size)
{
	CHAR16 wide[BOOT_FILE_NAME_MAX + 16];
	EFI_FILE_HANDLE file;
	EFI_FILE_INFO *info;
	EFI_STATUS st;
	UINTN len;
	UINT64 addr;

	if (loader_wide_path(path, wide, sizeof(wide) / sizeof(wide[0])))
		return EFI_INVALID_PARAMETER;
	st = root->Open(root, &file, wide, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	info = LibFileInfo(file);
	if (!info) {
		file->Close(file);
		return EFI_DEVICE_ERROR;
	}
	if (info->Attribute & EFI_FILE_DIRECTORY) {
		FreePool(info);
		file->Close(file);
		return EFI_NOT_FOUND;
	}
	*size = info->FileSize;
	FreePool(info);

	addr = loader_alloc_pages(EFI_SIZE_TO_PAGES(*size ? *size : 1), mem_type);
	if (!addr) {
		file->Close(file);
		return EFI_OUT_OF_RESOURCES;
	}
	len = *size;
	st = file->Read(file, &len, (void *)addr);
	file->Close(file);
	if (EFI_ERROR(st) || len != *size) {
		BS->FreePages(addr, EFI_SIZE_TO_PAGES(*size ? *size : 1));
		return EFI_ERROR(st) ? st : EFI_DEVICE_ERROR;
	}
	*phys = addr;
	return EFI_SUCCESS;
}
