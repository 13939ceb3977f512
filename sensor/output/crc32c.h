/* crc32c.h - CRC-32C (Castagnoli), the checksum of every spool record.
 *
 * CRC-32C detects all burst errors up to 32 bits and is what iSCSI, ext4 and
 * Btrfs use for the same job: telling a whole record from a torn or damaged
 * one. x86-64 CPUs with SSE4.2 compute it in hardware; others use a table.
 */
#ifndef ICTWATCH_CRC32C_H
#define ICTWATCH_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC: start with crc = 0; crc32c(crc32c(0, a, n), b, m) equals
 * the CRC of a followed by b. crc32c(0, "123456789", 9) == 0xe3069283. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

#endif
