/*
 * CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected), the checksum of
 * iSCSI, ext4 metadata and virtio: the check on every snapshot section.
 * Pure and table-driven; runs in the kernel and in host unit tests.
 */
#ifndef LIB_CRC32C_H
#define LIB_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC over more bytes: start with crc32c(0, ...). */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

/* The same from the table alone, whatever the CPU has (the unit tests compare the two). */
uint32_t crc32c_portable(uint32_t crc, const void *buf, size_t len);

#endif
