/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_dns — parse one DNS message held in a byte buffer.
 *
 * Contract: dnsf_dns_parse() reads at most `len` bytes from `msg` (and never more than 65535, the
 * largest DNS message), never writes to it, never allocates, and fills `out` whatever the input:
 * every scalar field is defined, qname is NUL-terminated (bytes past the NUL are unspecified:
 * names are lower-cased 8 bytes at a time), label_off/label_len are defined for i < nlabels (not
 * zeroed beyond, so the fast path does not clear 600 bytes per packet). It
 * returns DNSF_DNS_OK or one DNSF_DNS_E_* code naming the first malformation; on an error in the
 * question name the name fields are left empty (nlabels 0, qname ""), other fields keep what was
 * decoded before the error.
 * Names: a compression pointer must point into the message body (>= 12) and strictly before the
 * start of the label run it ends (so every hop goes backwards and loops are impossible), at most
 * DNSF_DNS_MAX_PTRS per name; labels > 63, the reserved label types 0x40/0x80, names > 255
 * octets and names running past the end are errors. Owner names of all records are checked the
 * same way (names inside RDATA are not: RDATA is skipped by RDLENGTH).
 * Only the first question is decoded (qdcount > 1 is legal but rare; further questions are
 * checked and skipped; qdcount == 0 is allowed for responses such as NOTIMP and then
 * qname_len == 0). Every record of answer/authority/additional is walked (at most DNSF_DNS_MAX_RRS
 * records in all four sections) to find EDNS0 OPT and to sum answer RDATA.
 * Truncation leniency: in a message with TC=1, and in dnsf_dns_parse_head(), running out of bytes
 * inside the record sections is not an error (RFC 2181 9 lets a truncated answer stop anywhere;
 * old servers leave the counts unchanged); out->partial is then 1. A truncated header or
 * question is always an error.
 */
#ifndef DNSF_DNS_H
#define DNSF_DNS_H

#include <stdint.h>
#include <stddef.h>

#define DNSF_DNS_HDR_LEN    12
#define DNSF_DNS_MAX_NAME   255 /* wire octets, RFC 1035 2.3.4 */
#define DNSF_DNS_MAX_LABELS 127
#define DNSF_DNS_MAX_PTRS   16 /* compression pointers followed per name */
/* Records walked per message; more is treated as malformed (a message of 512..65535 bytes cannot
 * hold more than ~6000 minimal RRs, and no legitimate answer has that many). */
#define DNSF_DNS_MAX_RRS 1024

/* Bytes 0..n-1 of a little-endian word for n = 0..7: the first entries of the byte-mask tables
 * of the label loops (dnsf_dns.c's lower-casing, dnsf_name.c's suffix hashes), written once. */
#define DNSF_BYTE_MASKS_0_7                                                                        \
	0, UINT64_C(0xff), UINT64_C(0xffff), UINT64_C(0xffffff), UINT64_C(0xffffffff),             \
	    UINT64_C(0xffffffffff), UINT64_C(0xffffffffffff), UINT64_C(0xffffffffffffff)

enum dnsf_dns_status {
	DNSF_DNS_OK = 0,
	DNSF_DNS_E_SHORT,       /* shorter than the 12-byte header */
	DNSF_DNS_E_TRUNC_QNAME, /* question name runs past the end */
	DNSF_DNS_E_LABEL_LEN,   /* label > 63 octets or reserved label type (0x40/0x80) */
	DNSF_DNS_E_NAME_LEN,    /* name > 255 octets */
	DNSF_DNS_E_PTR_LOOP,    /* pointer not strictly backwards / into the header, or too many */
	DNSF_DNS_E_TRUNC_Q,     /* QTYPE/QCLASS missing */
	DNSF_DNS_E_TRUNC_RR,    /* answer/authority/additional record runs past the end */
	DNSF_DNS_E_TOO_MANY_RR, /* section counts exceed DNSF_DNS_MAX_RRS */
	DNSF_DNS_E_BAD_OPT,     /* malformed or duplicate EDNS0 OPT record */
	DNSF_DNS_E__COUNT
};

/* Stable snake_case names of the statuses above (for counters, events and logs). */
const char *dnsf_dns_status_name(enum dnsf_dns_status st);

struct dnsf_dns_msg {
	uint16_t id;
	uint16_t flags; /* raw header flags word */
	uint8_t qr;     /* 1 = response */
	uint8_t opcode;
	uint8_t rcode; /* header rcode (4 bits); extended bits from OPT are in ext_rcode */
	uint8_t tc;
	uint16_t qdcount, ancount, nscount, arcount;

	/* First question. qname_wire_off is the offset of the name in the message (never a pointer
	 * in a question we accept as first name, but we follow pointers anyway). */
	uint16_t qname_wire_off;
	/* Octets the name occupies in place, including its terminating 0 or its first 2-byte
	 * pointer: qname_wire_off + qname_wire_len is the offset of QTYPE. 0 when qdcount == 0. */
	uint16_t qname_wire_len;
	uint16_t qtype;
	uint16_t qclass;
	uint8_t nlabels;
	uint8_t qname_len;                      /* strlen(qname), 0 for the root */
	uint8_t label_off[DNSF_DNS_MAX_LABELS]; /* offset of each label in qname[] (presentation) */
	uint8_t label_len[DNSF_DNS_MAX_LABELS];
	/* Lower-cased presentation form without trailing dot ("" for the root). Bytes outside
	 * [0-9a-z-_] are kept as they are (not escaped): they are features, not text to print.
	 * A '.' inside a label is kept as '.' too; label_off/label_len stay exact. A NUL octet
	 * inside a label is stored as 0xff so that qname stays a C string (qname_len ==
	 * strlen(qname)). */
	char qname[DNSF_DNS_MAX_NAME + 1];
	/* Count of upper-case letters in the original (pre-lowercasing) qname. */
	uint8_t qname_upper;

	/* EDNS0 */
	uint8_t has_opt;
	uint8_t do_bit;
	uint8_t ext_rcode;    /* upper 8 bits of the extended rcode */
	uint8_t edns_version; /* EDNS version from the OPT TTL field (0 today) */
	uint16_t udp_size;

	/* Answer section summary (responses): tunnels hide data in RDATA. */
	uint32_t rdata_total;  /* sum of RDLENGTH over the answer section */
	uint16_t rdata_max;    /* largest single answer RDLENGTH */
	uint16_t txtnull_max;  /* largest TXT/NULL/PRIVATE-type answer RDLENGTH */
	uint16_t answer_types; /* bitmask of DNSF_RRCLASS_* seen in answers */
	uint16_t end_off;      /* offset just past the last whole record (or question) walked */
	/* 1 when the record walk stopped early because the data ran out (TC=1 or parse_head): the
	 * counts above then cover only the records present. */
	uint8_t partial;
};

/* An empty message: every scalar 0, qname "". Kept next to the struct so that a new field is
 * initialised here too (dnsf_dns_parse and dnsf_pkt_parse use it instead of a memset). */
static inline void
dnsf_dns_msg_init(struct dnsf_dns_msg *m)
{
	m->id = 0;
	m->flags = 0;
	m->qr = 0;
	m->opcode = 0;
	m->rcode = 0;
	m->tc = 0;
	m->qdcount = m->ancount = m->nscount = m->arcount = 0;
	m->qname_wire_off = 0;
	m->qname_wire_len = 0;
	m->qtype = 0;
	m->qclass = 0;
	m->nlabels = 0;
	m->qname_len = 0;
	m->qname[0] = '\0';
	m->qname_upper = 0;
	m->has_opt = 0;
	m->do_bit = 0;
	m->ext_rcode = 0;
	m->edns_version = 0;
	m->udp_size = 0;
	m->rdata_total = 0;
	m->rdata_max = 0;
	m->txtnull_max = 0;
	m->answer_types = 0;
	m->end_off = 0;
	m->partial = 0;
}

/* RR type numbers used by the engine. */
enum {
	DNSF_T_A = 1,
	DNSF_T_NS = 2,
	DNSF_T_CNAME = 5,
	DNSF_T_SOA = 6,
	DNSF_T_NULL = 10,
	DNSF_T_PTR = 12,
	DNSF_T_MX = 15,
	DNSF_T_TXT = 16,
	DNSF_T_KEY = 25,
	DNSF_T_AAAA = 28,
	DNSF_T_SRV = 33,
	DNSF_T_NAPTR = 35,
	DNSF_T_OPT = 41,
	DNSF_T_DS = 43,
	DNSF_T_RRSIG = 46,
	DNSF_T_DNSKEY = 48,
	DNSF_T_SVCB = 64,
	DNSF_T_HTTPS = 65,
	DNSF_T_ANY = 255,
	DNSF_T_CAA = 257,
};

enum {
	DNSF_RCODE_NOERROR = 0,
	DNSF_RCODE_SERVFAIL = 2,
	DNSF_RCODE_NXDOMAIN = 3,
	DNSF_RCODE_REFUSED = 5
};

/* Coarse record-type classes: the detector cares whether a type can carry bulk data. */
enum dnsf_rrclass {
	DNSF_RRC_ADDR = 0, /* A, AAAA */
	DNSF_RRC_TXT,
	DNSF_RRC_NULL,
	DNSF_RRC_CNAME,
	DNSF_RRC_MX,
	DNSF_RRC_SRV,
	DNSF_RRC_KEY,     /* KEY, DNSKEY */
	DNSF_RRC_PRIVATE, /* 65280..65534 */
	DNSF_RRC_ANY,
	DNSF_RRC_PTR,
	DNSF_RRC_NS,
	DNSF_RRC_HTTPS, /* SVCB, HTTPS */
	DNSF_RRC_OTHER,
	DNSF_RRC__COUNT
};

enum dnsf_rrclass dnsf_rrclass_of(uint16_t rrtype);

enum dnsf_dns_status dnsf_dns_parse(const uint8_t *msg, size_t len, struct dnsf_dns_msg *out);

/* The same for the first `len` bytes of a longer message (the first fragment of a fragmented
 * datagram): the header and the first question must be whole, the record sections may stop
 * anywhere (out->partial says whether they did). */
enum dnsf_dns_status dnsf_dns_parse_head(const uint8_t *msg, size_t len, struct dnsf_dns_msg *out);

#endif
