/* dns.c - reads the first question of a DNS message (see dns.h).
 *
 * The header is 12 bytes; QDCOUNT must be at least 1. The name is a sequence
 * of length-prefixed labels ending with a zero byte; a compression pointer
 * (two top bits set) is followed at most once per label and only backwards,
 * so a hostile message cannot loop. Labels of 64+ bytes (reserved types) and
 * names over 253 characters are refused.
 */
#include "dns.h"

#include <string.h>

#define DNS_HEADER 12
#define DNS_MAX_JUMPS 16

static int read_name(const uint8_t *msg, size_t len, size_t off, struct dns_question *q, size_t *end)
{
    size_t n = 0, jumps = 0;
    bool jumped = false;
    for (;;) {
        if (off >= len)
            return -1;
        uint8_t l = msg[off];
        if ((l & 0xc0) == 0xc0) {
            if (off + 1 >= len || ++jumps > DNS_MAX_JUMPS)
                return -1;
            size_t target = (size_t)(l & 0x3f) << 8 | msg[off + 1];
            if (target >= off)
                return -1;   /* only backwards: no loops */
            if (!jumped)
                *end = off + 2;
            jumped = true;
            off = target;
            continue;
        }
        if (l & 0xc0)
            return -1;       /* 0x40/0x80 label types are not used */
        if (l == 0) {
            if (!jumped)
                *end = off + 1;
            break;
        }
        if (off + 1 + l > len || n + l + 1 > 253)
            return -1;
        if (n)
            q->name[n++] = '.';
        memcpy(q->name + n, msg + off + 1, l);
        n += l;
        off += 1 + (size_t)l;
    }
    q->name[n] = '\0';
    q->name_len = n;
    return 0;
}

int dns_parse_question(const uint8_t *msg, size_t len, struct dns_question *q)
{
    if (!msg || len < DNS_HEADER)
        return -1;
    uint16_t qdcount = (uint16_t)(msg[4] << 8 | msg[5]);
    if (qdcount == 0)
        return -1;
    q->id = (uint16_t)(msg[0] << 8 | msg[1]);
    q->response = (msg[2] & 0x80) != 0;
    q->opcode = (msg[2] >> 3) & 0x0f;
    q->rcode = msg[3] & 0x0f;
    size_t end = 0;
    if (read_name(msg, len, DNS_HEADER, q, &end) || end + 4 > len)
        return -1;
    q->qtype = (uint16_t)(msg[end] << 8 | msg[end + 1]);
    q->qclass = (uint16_t)(msg[end + 2] << 8 | msg[end + 3]);
    return 0;
}
