/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_frame.h"
#include "dnsf_lsrc.h"
#include "dnsf_name.h"
#include "dnsf_rename.h"

struct dnsf_lsrc {
	struct dnsf_lsrc_opts o;
	struct dnsf_pcap *pc;
	/* generated traffic (synthetic benign clients, synthetic tunnels) */
	dnsf_lsrc_gen_fn gen;
	void (*gen_free)(void *);
	void *gen_ctx;
	int gen_kinds; /* the generator's kind field is a dnsf_synth_kind */
	struct dnsf_synth_pkt *spkt;
	char name[256];
	char tool[64];
	char rename_to[256];
	uint8_t *msg; /* renamed DNS message scratch */
};

static void
set_names(struct dnsf_lsrc *s, const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	snprintf(s->name, sizeof(s->name), "%s", b);
	size_t t = strcspn(b, "-.");
	if (t == 0 || t >= sizeof(s->tool))
		t = strlen(b) < sizeof(s->tool) - 1 ? strlen(b) : sizeof(s->tool) - 1;
	memcpy(s->tool, b, t);
	s->tool[t] = '\0';
}

static int
common_init(struct dnsf_lsrc *s, const struct dnsf_lsrc_opts *o, char *err, size_t errlen)
{
	s->o = *o;
	s->msg = malloc(65536);
	if (s->msg == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (o->rename_mode == DNSF_RENAME_LITERAL) {
		snprintf(s->rename_to, sizeof(s->rename_to), "%s", o->rename_to);
	} else if (o->rename_mode == DNSF_RENAME_RANDOM) {
		/* As long as the (first) label suffix: see dnsf_rename_random(). */
		size_t len = o->nsuffixes ? strlen(o->suffixes[0]) : 0;
		if (len < 6)
			len = 6;
		if (dnsf_rename_random(o->rename_seed, s->name, (unsigned)len, s->rename_to,
		                       sizeof(s->rename_to)) != 0) {
			snprintf(err, errlen, "cannot make a replacement domain");
			return -1;
		}
	}
	return 0;
}

int
dnsf_lsrc_open_pcap(const struct dnsf_lsrc_opts *o, const char *path, struct dnsf_lsrc **out,
                    char *err, size_t errlen)
{
	struct dnsf_lsrc *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	set_names(s, path);
	if (common_init(s, o, err, errlen) != 0 || dnsf_pcap_open(path, &s->pc, err, errlen) != 0) {
		dnsf_lsrc_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

int
dnsf_lsrc_open_gen(const struct dnsf_lsrc_opts *o, dnsf_lsrc_gen_fn next, void (*fini)(void *),
                   void *ctx, const char *name, const char *tool, int benign_kinds,
                   struct dnsf_lsrc **out, char *err, size_t errlen)
{
	struct dnsf_lsrc *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (s == NULL || (s->spkt = malloc(sizeof(*s->spkt))) == NULL) {
		free(s);
		if (fini)
			fini(ctx);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->gen = next;
	s->gen_free = fini;
	s->gen_ctx = ctx;
	s->gen_kinds = benign_kinds;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->tool, sizeof(s->tool), "%s", tool);
	if (common_init(s, o, err, errlen) != 0) {
		dnsf_lsrc_close(s);
		return -1;
	}
	/* Generated traffic is labelled as it is made: nothing to rename. */
	s->o.rename_mode = DNSF_RENAME_NONE;
	s->rename_to[0] = '\0';
	*out = s;
	return 0;
}

static int
synth_next(void *ctx, struct dnsf_synth_pkt *p)
{
	return dnsf_synth_next(ctx, p);
}

static void
synth_free(void *ctx)
{
	dnsf_synth_free(ctx);
}

int
dnsf_lsrc_open_synth(const struct dnsf_lsrc_opts *o, struct dnsf_synth *sy, const char *name,
                     struct dnsf_lsrc **out, char *err, size_t errlen)
{
	return dnsf_lsrc_open_gen(o, synth_next, synth_free, sy, name, "synthetic", 1, out, err,
	                          errlen);
}

static int
tun_next(void *ctx, struct dnsf_synth_pkt *p)
{
	return dnsf_tun_next(ctx, p);
}

static void
tun_free(void *ctx)
{
	dnsf_tun_free(ctx);
}

int
dnsf_lsrc_open_tun(const struct dnsf_lsrc_opts *o, const struct dnsf_tun_cfg *c, const char *name,
                   struct dnsf_lsrc **out, char *err, size_t errlen)
{
	struct dnsf_tun *t;

	*out = NULL;
	if (dnsf_tun_new(c, &t, err, errlen) != 0)
		return -1;
	return dnsf_lsrc_open_gen(o, tun_next, tun_free, t, name, dnsf_tun_kind_name(c->kind), 0,
	                          out, err, errlen);
}

void
dnsf_lsrc_close(struct dnsf_lsrc *s)
{
	if (s == NULL)
		return;
	dnsf_pcap_close(s->pc);
	if (s->gen_free != NULL)
		s->gen_free(s->gen_ctx);
	free(s->spkt);
	free(s->msg);
	free(s);
}

const char *
dnsf_lsrc_name(const struct dnsf_lsrc *s)
{
	return s->name;
}

const char *
dnsf_lsrc_tool(const struct dnsf_lsrc *s)
{
	return s->tool;
}

const char *
dnsf_lsrc_renamed(const struct dnsf_lsrc *s)
{
	return s->rename_to;
}

uint64_t
dnsf_lsrc_truncated(const struct dnsf_lsrc *s)
{
	return s->pc ? dnsf_pcap_truncated(s->pc) + dnsf_pcap_skipped(s->pc) : 0;
}

/* Parse p->frame and fill the label, split, session and payload measures. */
static void
classify(const struct dnsf_lsrc *s, struct dnsf_lpkt *p)
{
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];

	p->cls = (uint8_t)dnsf_pkt_parse(p->frame, p->len, &s->o.pkt, &p->pkt);
	p->label = -1;
	p->split = 0;
	p->sub_len = 0;
	p->sess_key = 0;
	if (p->cls != DNSF_PKT_DNS)
		return;
	p->label = dnsf_label_match(&p->pkt.dns, s->o.suffixes, s->o.nsuffixes) >= 0;
	dnsf_name_msg_hashes(&p->pkt.dns, h);
	p->split = s->o.psl ? (unsigned)dnsf_psl_split(s->o.psl, &p->pkt.dns, h) : 0;
	p->sub_len = dnsf_sub_len(&p->pkt.dns, p->split);
	p->sess_key = dnsf_hash_bytes(dnsf_pkt_client_addr(&p->pkt), 16, h[p->split]);
}

/* First fragment of a fragmented datagram: rename the question in place (same length) and
 * update the UDP checksum incrementally (RFC 1624), since the datagram's other bytes are in other
 * frames. */
static int
rename_fragment(struct dnsf_lsrc *s, struct dnsf_lpkt *p)
{
	const size_t dns_off = p->pkt.dns_off, l4 = p->pkt.l4_off;
	size_t chg = 0, nl = p->pkt.dns.qname_wire_len;

	uint8_t before[256];

	if (p->pkt.l4_proto != 17 || l4 == 0 || nl == 0 || nl > sizeof(before) ||
	    dns_off + 12 + nl > p->len)
		return -1;
	memcpy(before, p->frame + dns_off + 12, nl);
	if (!dnsf_rename_question_inplace(p->frame + dns_off, p->pkt.dns_len, s->o.suffixes,
	                                  s->o.nsuffixes, s->rename_to, &chg))
		return -1;
	uint16_t ck = (uint16_t)(p->frame[l4 + 6] << 8 | p->frame[l4 + 7]);
	if (ck != 0) { /* 0: no checksum (IPv4) */
		ck = dnsf_csum_adjust(ck, before, p->frame + dns_off + 12, nl,
		                      (int)((dns_off + 12 - l4) & 1));
		if (ck == 0)
			ck = 0xffff;
		p->frame[l4 + 6] = (uint8_t)(ck >> 8);
		p->frame[l4 + 7] = (uint8_t)ck;
	}
	(void)chg;
	return 0;
}

static void
maybe_rename(struct dnsf_lsrc *s, struct dnsf_lpkt *p)
{
	static uint8_t tmp[DNSF_PCAP_MAX_FRAME + 512];
	unsigned n = 0;
	size_t ml, fl;

	if (s->o.rename_mode == DNSF_RENAME_NONE || p->label != 1)
		return;
	if (p->pkt.is_frag) {
		if (rename_fragment(s, p) != 0) {
			p->rename_failed = 1;
			return;
		}
	} else {
		ml = dnsf_rename_msg(p->frame + p->pkt.dns_off, p->pkt.dns_len, s->o.suffixes,
		                     s->o.nsuffixes, s->rename_to, s->msg, 65536, &n);
		if (ml == 0 || n == 0) {
			p->rename_failed = 1;
			return;
		}
		fl =
		    dnsf_frame_replace_dns(p->frame, p->len, &p->pkt, s->msg, ml, tmp, sizeof(tmp));
		if (fl == 0) {
			p->rename_failed = 1;
			return;
		}
		memcpy(p->frame, tmp, fl);
		p->len = (uint32_t)fl;
	}
	classify(s, p);
	p->renamed = 1;
	/* Labelled by its original name: the new one no longer ends with the label suffix. */
	p->label = 1;
}

int
dnsf_lsrc_next(struct dnsf_lsrc *s, struct dnsf_lpkt *p, char *err, size_t errlen)
{
	p->room = sizeof(p->frame);
	p->renamed = 0;
	p->rename_failed = 0;
	p->src = 0;
	if (s->pc != NULL) {
		struct dnsf_pcap_rec r;
		int rc = dnsf_pcap_next(s->pc, &r, err, errlen);
		if (rc <= 0)
			return rc;
		memcpy(p->frame, r.frame, r.len);
		p->len = r.len;
		p->ts_us = r.ts_us;
		p->kind = -1;
	} else {
		if (s->gen(s->gen_ctx, s->spkt) != 1)
			return 0;
		memcpy(p->frame, s->spkt->frame, s->spkt->len);
		p->len = s->spkt->len;
		p->ts_us = s->spkt->ts_us;
		p->kind = s->gen_kinds ? (int8_t)s->spkt->kind : -1;
	}
	classify(s, p);
	maybe_rename(s, p);
	return 1;
}

/* ---- merging ---- */

struct dnsf_lsrc_merge {
	unsigned n;
	struct dnsf_lsrc **s;
	struct dnsf_lpkt *head; /* n packets */
	uint8_t *have, *done;
	int last;
};

int
dnsf_lsrc_merge_open(struct dnsf_lsrc **srcs, unsigned n, struct dnsf_lsrc_merge **out, char *err,
                     size_t errlen)
{
	struct dnsf_lsrc_merge *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (m == NULL || (m->head = calloc(n ? n : 1, sizeof(*m->head))) == NULL ||
	    (m->have = calloc(n ? n : 1, 1)) == NULL || (m->done = calloc(n ? n : 1, 1)) == NULL) {
		dnsf_lsrc_merge_close(m);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->n = n;
	m->s = srcs;
	m->last = -1;
	*out = m;
	return 0;
}

void
dnsf_lsrc_merge_close(struct dnsf_lsrc_merge *m)
{
	if (m == NULL)
		return;
	free(m->head);
	free(m->have);
	free(m->done);
	free(m);
}

static int
refill(struct dnsf_lsrc_merge *m, unsigned i, char *err, size_t errlen)
{
	int rc;

	if (m->have[i] || m->done[i])
		return 0;
	rc = dnsf_lsrc_next(m->s[i], &m->head[i], err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 0)
		m->done[i] = 1;
	else {
		m->head[i].src = i;
		m->have[i] = 1;
	}
	return 0;
}

struct dnsf_lpkt *
dnsf_lsrc_merge_next(struct dnsf_lsrc_merge *m, int *rc, char *err, size_t errlen)
{
	int best = -1;

	*rc = 0;
	for (unsigned i = 0; i < m->n; i++)
		if (refill(m, i, err, errlen) != 0) {
			*rc = -1;
			return NULL;
		}
	for (unsigned i = 0; i < m->n; i++)
		if (m->have[i] && (best < 0 || m->head[i].ts_us < m->head[best].ts_us))
			best = (int)i;
	if (best < 0)
		return NULL;
	m->have[best] = 0; /* refilled on the next call, after the caller is done with it */
	m->last = best;
	*rc = 1;
	return &m->head[best];
}
