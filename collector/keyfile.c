/* keyfile.c - reads a secret key file in raw or hex form (format in keyfile.h).
 *
 * The file is opened once and checked through its descriptor (fstat), so the
 * checks and the read are about the same file. It is read into a small
 * buffer one byte larger than the longest accepted form, which is how an
 * oversized file is told apart from an exact one whatever stat says. Every
 * buffer that held key material is wiped before returning.
 */
#include "keyfile.h"
#include "crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Longest accepted file: 2*KEYFILE_MAX_KEYLEN hex digits + "\r\n". */
#define KEYFILE_MAX_FILE (2 * KEYFILE_MAX_KEYLEN + 2)

static int fail(uint8_t *key, size_t keylen, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(uint8_t *key, size_t keylen, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (errlen > 0)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    crypto_wipe(key, keylen);
    return -1;
}

/* Reads up to cap bytes; returns the count, or -1 with errno. */
static ssize_t read_all(int fd, uint8_t *buf, size_t cap)
{
    size_t got = 0;
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* Length of the hex text once an optional "\n" or "\r\n" is taken off. */
static size_t without_newline(const uint8_t *buf, size_t n)
{
    if (n > 0 && buf[n - 1] == '\n') {
        n--;
        if (n > 0 && buf[n - 1] == '\r')
            n--;
    }
    return n;
}

static bool all_zero(const uint8_t *key, size_t keylen)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < keylen; i++)
        acc |= key[i];
    return acc == 0;
}

/* Checks the descriptor: a regular file not open to all users. */
static int check_file(int fd, const char *path, uint8_t *key, size_t keylen, char *err,
                      size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return fail(key, keylen, err, errlen, "%s: cannot stat key file: %s", path,
                    strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(key, keylen, err, errlen, "%s: key file is not a regular file", path);
    if (st.st_mode & (S_IROTH | S_IWOTH))
        return fail(key, keylen, err, errlen,
                    "%s: key file is readable or writable by all users (mode %04o); "
                    "run: chmod 600 %s",
                    path, (unsigned)(st.st_mode & 07777), path);
    return 0;
}

/* Turns the file's bytes into the key: raw when exactly keylen, else hex. */
static int decode_key(const uint8_t *buf, size_t n, const char *path, uint8_t *key,
                      size_t keylen, char *err, size_t errlen)
{
    if (n == keylen) {
        memcpy(key, buf, keylen);
        return 0;
    }
    size_t hexlen = without_newline(buf, n);
    if (hexlen != 2 * keylen)
        return fail(key, keylen, err, errlen,
                    "%s: key file has %zu bytes; expected %zu raw bytes or %zu hex digits "
                    "(an optional newline after them); generate one with: "
                    "head -c %zu /dev/urandom > %s",
                    path, n, keylen, 2 * keylen, keylen, path);
    long bad = crypto_hex_decode((const char *)buf, hexlen, key, keylen);
    if (bad != 0)
        return fail(key, keylen, err, errlen,
                    "%s: character %ld of the key is not a hex digit; a %zu-digit hex key "
                    "was expected",
                    path, bad, 2 * keylen);
    return 0;
}

int keyfile_read(const char *path, uint8_t *key, size_t keylen, char *err, size_t errlen)
{
    uint8_t buf[KEYFILE_MAX_FILE + 1];
    if (keylen == 0 || keylen > KEYFILE_MAX_KEYLEN)
        return fail(key, 0, err, errlen, "%s: unsupported key length %zu", path, keylen);

    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return fail(key, keylen, err, errlen, "%s: cannot open key file: %s", path,
                    strerror(errno));
    if (check_file(fd, path, key, keylen, err, errlen) != 0) {
        close(fd);
        return -1;
    }
    ssize_t n = read_all(fd, buf, sizeof(buf));
    int read_errno = errno;
    close(fd);
    int rc;
    if (n < 0)
        rc = fail(key, keylen, err, errlen, "%s: cannot read key file: %s", path,
                  strerror(read_errno));
    else if ((size_t)n == sizeof(buf))
        rc = fail(key, keylen, err, errlen,
                  "%s: key file is too long (more than %zu bytes); expected %zu raw bytes or "
                  "%zu hex digits",
                  path, sizeof(buf) - 1, keylen, 2 * keylen);
    else
        rc = decode_key(buf, (size_t)n, path, key, keylen, err, errlen);
    crypto_wipe(buf, sizeof(buf));
    if (rc == 0 && all_zero(key, keylen))
        return fail(key, keylen, err, errlen,
                    "%s: key is all zeros (a placeholder?); generate one with: "
                    "head -c %zu /dev/urandom > %s",
                    path, keylen, path);
    return rc;
}
