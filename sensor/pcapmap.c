/* pcapmap.c - classic pcap files read in place from a memory map (see pcapmap.h).
 *
 * The format: a 24-byte file header (magic, version, zone, sigfigs, snaplen,
 * link type) then records of a 16-byte header (seconds, micro- or
 * nanoseconds, captured length, wire length) and the captured bytes. Every
 * length is checked against what is left of the file before it is used.
 */
#include "pcapmap.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_FILE_HEADER 24
#define PCAP_RECORD_HEADER 16
#define PCAP_MAX_CAPLEN 262144u    /* libpcap's MAXIMUM_SNAPLEN */

static uint32_t rd32(const uint8_t *p, bool swapped)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swapped ? __builtin_bswap32(v) : v;
}

static int parse_header(struct pcapmap *m)
{
    if (m->size < PCAP_FILE_HEADER)
        return -1;
    uint32_t magic;
    memcpy(&magic, m->base, 4);
    if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS) {
        m->swapped = false;
    } else if (__builtin_bswap32(magic) == PCAP_MAGIC_US || __builtin_bswap32(magic) == PCAP_MAGIC_NS) {
        m->swapped = true;
        magic = __builtin_bswap32(magic);
    } else {
        return -1;
    }
    m->nanosecond = magic == PCAP_MAGIC_NS;
    uint16_t major, minor;
    memcpy(&major, m->base + 4, 2);
    memcpy(&minor, m->base + 6, 2);
    if (m->swapped) {
        major = __builtin_bswap16(major);
        minor = __builtin_bswap16(minor);
    }
    if (major < 2 || (major == 2 && minor < 3))
        m->lengths_swapped = 1;
    else if (major == 2 && minor == 3)
        m->lengths_swapped = 2;
    m->snaplen = rd32(m->base + 16, m->swapped);
    if (m->snaplen == 0 || m->snaplen > PCAP_MAX_CAPLEN)
        m->snaplen = PCAP_MAX_CAPLEN;   /* a bogus snapshot length: libpcap's maximum */
    m->off = PCAP_FILE_HEADER;
    return 0;
}

int pcapmap_from_buffer(struct pcapmap *m, const uint8_t *buf, size_t len)
{
    memset(m, 0, sizeof(*m));
    m->base = buf;
    m->size = len;
    return parse_header(m);
}

int pcapmap_open(struct pcapmap *m, const char *path)
{
    memset(m, 0, sizeof(*m));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    uint8_t head[4];
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < PCAP_FILE_HEADER ||
        pread(fd, head, 4, 0) != 4) {
        close(fd);
        return -1;
    }
    uint32_t magic;
    memcpy(&magic, head, 4);
    if (magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS && __builtin_bswap32(magic) != PCAP_MAGIC_US &&
        __builtin_bswap32(magic) != PCAP_MAGIC_NS) {
        close(fd);
        return -1;   /* pcapng or something else: libpcap reads it */
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return -1;
    madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
    m->base = map;
    m->size = (size_t)st.st_size;
    m->mapped = true;
    if (parse_header(m)) {
        pcapmap_close(m);
        return -1;
    }
    return 0;
}

void pcapmap_close(struct pcapmap *m)
{
    if (m->mapped)
        munmap((void *)m->base, m->size);
    memset(m, 0, sizeof(*m));
}

/* Pages already read go back (they stay in the page cache): without this a
 * replay's resident size grows by the size of the file. The last record
 * handed out stays mapped. */
#define PCAPMAP_RELEASE_STEP (32u << 20)

static void release_behind(struct pcapmap *m)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t upto = (m->off - PCAP_MAX_CAPLEN - PCAP_RECORD_HEADER) / page * page;
    if (upto > m->released)
        madvise((void *)(m->base + m->released), upto - m->released, MADV_DONTNEED);
    m->released = upto;
}

enum pcapmap_result pcapmap_next(struct pcapmap *m, struct pcapmap_record *r)
{
    if (m->mapped && m->off > m->released + PCAPMAP_RELEASE_STEP + PCAP_MAX_CAPLEN + PCAP_RECORD_HEADER)
        release_behind(m);
    size_t left = m->size - m->off;
    if (left == 0)
        return PCAPMAP_END;
    if (left < PCAP_RECORD_HEADER)
        return PCAPMAP_CUT;
    const uint8_t *h = m->base + m->off;
    uint32_t sec = rd32(h, m->swapped), frac = rd32(h + 4, m->swapped);
    uint32_t caplen = rd32(h + 8, m->swapped), wire = rd32(h + 12, m->swapped);
    if (m->lengths_swapped == 1 || (m->lengths_swapped == 2 && caplen > wire)) {
        uint32_t t = caplen;
        caplen = wire;
        wire = t;
    }
    if (caplen > PCAP_MAX_CAPLEN)
        return PCAPMAP_DAMAGED;
    if (caplen > left - PCAP_RECORD_HEADER)
        return PCAPMAP_CUT;
    /* The fraction is signed, as libpcap reads it (hostile files have any value). */
    int64_t us = (int64_t)sec * 1000000 + (m->nanosecond ? (int32_t)frac / 1000 : (int32_t)frac);
    r->ts = us > 0 ? (ictw_usec)us : 0;
    r->data = h + PCAP_RECORD_HEADER;
    r->caplen = m->snaplen && caplen > m->snaplen ? m->snaplen : caplen;
    r->wire_len = wire;
    m->off += PCAP_RECORD_HEADER + (size_t)caplen;
    return PCAPMAP_PACKET;
}
