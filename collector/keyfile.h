/* keyfile.h - reading secret keys (Crypto-PAn, HMAC pseudonyms) from files.
 *
 * A key file holds exactly one key of KEYLEN bytes, in one of two forms:
 *   - raw: exactly KEYLEN bytes (e.g. `head -c 32 /dev/urandom > key`)
 *   - hex: exactly 2*KEYLEN hex digits, either case, optionally followed by
 *     one "\n" or "\r\n" (e.g. `od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > key`)
 * Anything else is refused with a message naming the file and the fix.
 *
 * Refused as well, because a shared pseudonymisation key is as sensitive as
 * the addresses it hides:
 *   - a file readable or writable by all users (mode & 0006): "chmod 600 FILE";
 *     group permissions are allowed so that a service group can own the key;
 *   - anything but a regular file (directory, FIFO, device);
 *   - an all-zero key (a placeholder, e.g. read from /dev/zero).
 */
#ifndef ICTWATCH_KEYFILE_H
#define ICTWATCH_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

/* Longest key keyfile_read accepts. */
#define KEYFILE_MAX_KEYLEN 64

/* Reads a key of keylen bytes (1..KEYFILE_MAX_KEYLEN) from path into key.
 * Returns 0, or -1 with "PATH: what is wrong; what to do" in err (key is
 * then zeroed). */
int keyfile_read(const char *path, uint8_t *key, size_t keylen, char *err, size_t errlen);

#endif
