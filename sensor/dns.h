/* dns.h - the question of a DNS message, read from a packet payload.
 *
 * nDPI extracts the query name of a flow's first DNS message only; rules on
 * dns.query must see every query a flow carries (a DNS tunnel sends hundreds
 * on one 5-tuple). This parser reads the first question of each message:
 * bounds-checked, no compression loops, labels joined with '.', bytes kept
 * as they are (the EVE writer escapes them).
 */
#ifndef ICTWATCH_DNS_H
#define ICTWATCH_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX 256   /* 253 characters of a name + room */

struct dns_question {
    uint16_t id;
    bool response;         /* QR bit */
    uint8_t opcode;
    uint8_t rcode;
    uint16_t qtype, qclass;
    char name[DNS_NAME_MAX];
    size_t name_len;
};

/* Parses a DNS message (over TCP, the 2-byte length prefix must be skipped
 * by the caller). Returns 0, or -1 if it is not a well-formed message with a
 * question. */
int dns_parse_question(const uint8_t *msg, size_t len, struct dns_question *q);

#endif
