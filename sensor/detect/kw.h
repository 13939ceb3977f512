/* kw.h - entry points of the keyword files, for the keyword table (kw_table.c).
 *
 * Each kw_*.c file implements one keyword or one family: a setup function
 * that parses the value into a sigmatch, a print function that writes the
 * canonical option text back (round trips), and a free function for its data.
 */
#ifndef ICTWATCH_DETECT_KW_H
#define ICTWATCH_DETECT_KW_H

#include "detect_int.h"

#define KW_FN(name)                                                   \
    int kw_##name##_setup(struct parse_ctx *pc, const char *v, bool neg); \
    void kw_##name##_print(const struct sigmatch *sm, struct sbuf *out)

/* kw_meta.c: these fill struct rule directly and print with the rule. */
int kw_msg_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_sid_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_rev_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_gid_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_classtype_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_priority_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_reference_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_metadata_setup(struct parse_ctx *pc, const char *v, bool neg);

KW_FN(flow);
KW_FN(flags);
KW_FN(dsize);
KW_FN(itype);
KW_FN(icode);
KW_FN(ttl);
KW_FN(ip_proto);
KW_FN(content);
KW_FN(pcre);
KW_FN(isdataat);
KW_FN(flowbits);
KW_FN(app_layer_protocol);
KW_FN(ndpi_protocol);
KW_FN(ndpi_risk);
KW_FN(dataset);
KW_FN(iprep);

int kw_nocase_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_depth_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_offset_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_distance_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_within_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_fast_pattern_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_startswith_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_endswith_setup(struct parse_ctx *pc, const char *v, bool neg);

int kw_threshold_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_detection_filter_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_noalert_setup(struct parse_ctx *pc, const char *v, bool neg);

/* kw_sticky.c */
int kw_sticky_setup(struct parse_ctx *pc, const char *v, bool neg);
int kw_legacy_buffer_setup(struct parse_ctx *pc, const char *v, bool neg);

void kw_pcre_free(void *p);
void kw_dataset_free(void *p);
void kw_flowbits_free(void *p);
void kw_ndpi_protocol_free(void *p);
void kw_ndpi_risk_free(void *p);

#endif
