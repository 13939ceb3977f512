/* md5.h - MD5 (RFC 1321), only for the MISP feed's hashes.csv.
 *
 * MISP feeds list md5(attribute value) so that a MISP instance can correlate
 * ("cache") a feed without importing it; the format fixes the hash. MD5 is
 * broken for collision resistance and is used for nothing else here.
 */
#ifndef ICTWATCH_MD5_H
#define ICTWATCH_MD5_H

#include <stddef.h>
#include <stdint.h>

/* out = MD5(data[0..len)). */
void md5_digest(const void *data, size_t len, uint8_t out[16]);
/* 32 lowercase hex digits plus NUL into hex. */
void md5_hex(const void *data, size_t len, char hex[33]);

#endif
