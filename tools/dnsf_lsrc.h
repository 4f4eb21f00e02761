/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_lsrc — labelled packet sources for the evaluator and the trainer: capture files and
 * synthetic benign clients, each packet parsed, labelled and (optionally) renamed, then handed
 * out one source at a time or all merged in timestamp order.
 *
 * Contract:
 *  - Label: a parsed DNS message is tunnel traffic iff its QNAME ends with one of the label
 *    suffixes (dnsf_label_match); other DNS messages are benign; non-DNS, malformed and fragment
 *    frames carry label -1 (they reach the engine all the same).
 *  - Renaming (tunnel messages only): rename.mode LITERAL rewrites the suffix to one fixed
 *    domain, RANDOM to a random-looking registered domain per source (a pure function of the
 *    seed and the file's base name, no longer than the shortest label suffix, so a name near the
 *    255-octet limit still fits). The frame is rebuilt (lengths, checksums) and parsed again;
 *    a message that cannot be rebuilt is handed out unchanged and counted (rename_failed).
 *  - Sessions: sess_key identifies (client address, registered domain) by the Public Suffix
 *    List given in the options — the evaluator's session, the trainer's subsampling unit.
 *  - The tool of a capture is its file name up to the first '-' (iodine-..., dns2tcp-...);
 *    synthetic benign traffic is the tool "synthetic", other generators name their own.
 *  - dnsf_lpkt.frame is a private copy the caller may modify (the engine's REFUSE rewrite);
 *    `room` is its size.
 */
#ifndef DNSF_LSRC_H
#define DNSF_LSRC_H

#include <stddef.h>
#include <stdint.h>

#include "dnsf_pcap.h"
#include "dnsf_pkt.h"
#include "dnsf_psl.h"
#include "dnsf_synth.h"
#include "dnsf_tunsynth.h"

#define DNSF_LSRC_MAX_SUFFIXES 32

enum dnsf_rename_mode { DNSF_RENAME_NONE = 0, DNSF_RENAME_LITERAL, DNSF_RENAME_RANDOM };

struct dnsf_lsrc_opts {
	const char *suffixes[DNSF_LSRC_MAX_SUFFIXES];
	unsigned nsuffixes;
	uint8_t rename_mode;
	const char *rename_to; /* LITERAL */
	uint64_t rename_seed;  /* RANDOM */
	struct dnsf_pkt_cfg pkt;
	const struct dnsf_psl *psl;
};

struct dnsf_lpkt {
	uint32_t len;
	uint64_t ts_us;
	unsigned src;    /* index of the source (merged reading) */
	int8_t label;    /* 1 tunnel, 0 benign DNS, -1 not a parsed DNS message */
	int8_t kind;     /* synthetic: enum dnsf_synth_kind; captures: -1 */
	uint8_t renamed; /* the message was renamed */
	uint8_t rename_failed;
	uint8_t cls;         /* enum dnsf_pkt_class */
	unsigned split;      /* registered domain's first label (DNS only) */
	unsigned sub_len;    /* subdomain length with dots (DNS only) */
	uint64_t sess_key;   /* (client, registered domain) (DNS only) */
	struct dnsf_pkt pkt; /* parse of frame (after renaming) */
	uint32_t room;
	uint8_t frame[DNSF_PCAP_MAX_FRAME + 512];
};

struct dnsf_lsrc;

int dnsf_lsrc_open_pcap(const struct dnsf_lsrc_opts *o, const char *path, struct dnsf_lsrc **out,
                        char *err, size_t errlen);
/* A generator of frames in time order (returns 1 with *p filled, 0 at the end). The source owns
 * ctx and calls fini(ctx) when closed. benign_kinds: p->kind is a dnsf_synth_kind (reported
 * per kind by the evaluator). `tool` names the tool in reports. */
typedef int (*dnsf_lsrc_gen_fn)(void *ctx, struct dnsf_synth_pkt *p);
int dnsf_lsrc_open_gen(const struct dnsf_lsrc_opts *o, dnsf_lsrc_gen_fn next, void (*fini)(void *),
                       void *ctx, const char *name, const char *tool, int benign_kinds,
                       struct dnsf_lsrc **out, char *err, size_t errlen);
/* Synthetic benign clients (takes ownership of sy). */
int dnsf_lsrc_open_synth(const struct dnsf_lsrc_opts *o, struct dnsf_synth *sy, const char *name,
                         struct dnsf_lsrc **out, char *err, size_t errlen);
/* A synthetic tunnel session (dnsf_tunsynth.h) made from c; its tool is the kind's name. */
int dnsf_lsrc_open_tun(const struct dnsf_lsrc_opts *o, const struct dnsf_tun_cfg *c,
                       const char *name, struct dnsf_lsrc **out, char *err, size_t errlen);
void dnsf_lsrc_close(struct dnsf_lsrc *s);

const char *dnsf_lsrc_name(const struct dnsf_lsrc *s);    /* file base name */
const char *dnsf_lsrc_tool(const struct dnsf_lsrc *s);    /* see above */
const char *dnsf_lsrc_renamed(const struct dnsf_lsrc *s); /* replacement domain or "" */
uint64_t dnsf_lsrc_truncated(const struct dnsf_lsrc *s);  /* records skipped by the reader */

/* 1: *p is the next packet; 0: end; -1: read error. */
int dnsf_lsrc_next(struct dnsf_lsrc *s, struct dnsf_lpkt *p, char *err, size_t errlen);

/* Several sources merged by timestamp (ties: lower source index first). The sources stay
 * owned by the caller. */
struct dnsf_lsrc_merge;
int dnsf_lsrc_merge_open(struct dnsf_lsrc **srcs, unsigned n, struct dnsf_lsrc_merge **out,
                         char *err, size_t errlen);
/* Returns a pointer to the next packet (valid until the next call), NULL at the end or on an
 * error (then *rc is -1 and err says why). */
struct dnsf_lpkt *dnsf_lsrc_merge_next(struct dnsf_lsrc_merge *m, int *rc, char *err,
                                       size_t errlen);
void dnsf_lsrc_merge_close(struct dnsf_lsrc_merge *m);

#endif
