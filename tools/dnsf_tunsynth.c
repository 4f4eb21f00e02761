/* SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_dns.h"
#include "dnsf_frame.h"
#include "dnsf_tunsynth.h"

static const char *const kind_names[DNSF_TUN__COUNT] = {"dnscat2", "exfiltrator", "beacon", "slow"};

const char *
dnsf_tun_kind_name(unsigned k)
{
	return k < DNSF_TUN__COUNT ? kind_names[k] : "?";
}

int
dnsf_tun_kind_of(const char *name)
{
	for (unsigned k = 0; k < DNSF_TUN__COUNT; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return (int)k;
	return -1;
}

void
dnsf_tun_cfg_default(struct dnsf_tun_cfg *c, unsigned kind)
{
	memset(c, 0, sizeof(*c));
	c->kind = (uint8_t)kind;
	c->queries = 300;
	c->seed = 1;
	c->t0_us = UINT64_C(1700000000000000);
	c->client = 1;
	snprintf(c->domain, sizeof(c->domain), "c2.example.net");
}

/* ---- random numbers (splitmix64: one stream per session) ---- */

static uint64_t
next64(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint32_t
below(uint64_t *s, uint32_t n)
{
	return n ? (uint32_t)((next64(s) >> 32) % n) : 0;
}

static double
unif(uint64_t *s)
{
	return ((double)(next64(s) >> 11) + 1.0) / 9007199254740992.0;
}

static const char HEX[] = "0123456789abcdef";
static const char B32[] = "abcdefghijklmnopqrstuvwxyz234567";
static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* n random characters of alphabet, dotted into labels of at most `lab` characters. */
static size_t
encoded(uint64_t *s, char *out, size_t n, const char *alphabet, size_t lab)
{
	size_t o = 0, na = strlen(alphabet);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && i % lab == 0)
			out[o++] = '.';
		out[o++] = alphabet[below(s, (uint32_t)na)];
	}
	out[o] = '\0';
	return o;
}

#define PENDING 64

struct msg {
	double t;
	uint16_t qtype, id, sport;
	uint8_t is_query;
	uint64_t aseed;
	char name[512]; /* bounded to 253 by construction; room for the format checks */
};

struct dnsf_tun {
	struct dnsf_tun_cfg c;
	uint64_t rng;
	double t;        /* time of the next query */
	double rtt;      /* the resolver's answer time for this session */
	uint32_t issued; /* queries generated */
	/* pacing state */
	uint32_t burst;  /* queries left in the current burst */
	uint32_t chunk;  /* exfiltrator chunk number */
	uint32_t checks; /* beacon check-ins */
	char id[24];     /* beacon / session id */
	/* shape parameters (variant 0: the documented constants) */
	double period;            /* dnscat2 idle poll / beacon check-in / slow gap, seconds */
	unsigned data_lo, data_n; /* data length: lo + below(n) (bytes or characters) */
	unsigned lab;             /* longest label of encoded data */
	unsigned every;           /* beacon: tasked every this many check-ins */
	const char *alpha;        /* slow: alphabet */
	const char *w1, *w2;      /* beacon: task words */
	uint16_t port;
	/* answers in flight, FIFO (one rtt per session keeps them in order) */
	struct msg q[PENDING];
	unsigned head, n;
};

int
dnsf_tun_new(const struct dnsf_tun_cfg *c, struct dnsf_tun **out, char *err, size_t errlen)
{
	struct dnsf_tun *t;

	*out = NULL;
	if (c->kind >= DNSF_TUN__COUNT || c->queries == 0 || strlen(c->domain) < 3 ||
	    strlen(c->domain) > 120 || c->interval_s < 0) {
		snprintf(err, errlen, "tunnel synth: bad configuration");
		return -1;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->c = *c;
	t->rng = c->seed * UINT64_C(0x9e3779b97f4a7c15) + c->kind + 1;
	t->rtt = 0.002 + 0.03 * unif(&t->rng);
	t->port = (uint16_t)(20000 + below(&t->rng, 30000));
	for (int i = 0; i < 8; i++)
		t->id[i] = HEX[below(&t->rng, 16)];
	t->id[8] = '\0';
	t->lab = 63;
	t->alpha = B32;
	t->w1 = "api";
	t->w2 = "post";
	t->every = 10;
	switch (c->kind) {
	case DNSF_TUN_DNSCAT2:
		t->period = 1.0, t->data_lo = 40, t->data_n = 71;
		break;
	case DNSF_TUN_EXFILTRATOR:
		t->period = 0, t->data_lo = 150, t->data_n = 81;
		break;
	case DNSF_TUN_BEACON:
		t->period = 60, t->data_lo = 56, t->data_n = 1;
		break;
	default:
		t->period = 20, t->data_lo = 40, t->data_n = 21;
		break;
	}
	if (c->variant) {
		/* A stream of its own: variant 0 draws exactly what it always drew. */
		uint64_t r = c->seed * UINT64_C(0xd1b54a32d192ed03) + c->variant * 977u + c->kind;
		static const char *const words[] = {"api", "post",   "cdn", "www",  "img",
		                                    "m",   "static", "upd", "news", "mail"};
		const unsigned nw = sizeof(words) / sizeof(words[0]);
		t->lab = 30 + below(&r, 34);
		switch (c->kind) {
		case DNSF_TUN_DNSCAT2:
			t->period = 0.5 + 4.5 * unif(&r);
			t->data_lo = 20 + below(&r, 40), t->data_n = 30 + below(&r, 80);
			break;
		case DNSF_TUN_EXFILTRATOR:
			t->data_lo = 60 + below(&r, 100), t->data_n = 1 + below(&r, 80);
			break;
		case DNSF_TUN_BEACON: {
			unsigned idl = 6 + below(&r, 11);
			for (unsigned i = 0; i < idl; i++)
				t->id[i] = HEX[below(&r, 16)];
			t->id[idl] = '\0';
			t->period = 20 + 280 * unif(&r);
			t->data_lo = 24 + below(&r, 40), t->data_n = 1 + below(&r, 40);
			t->every = 3 + below(&r, 10);
			t->w1 = words[below(&r, nw)];
			t->w2 = words[below(&r, nw)];
			break;
		}
		default:
			t->period = 10 + 170 * unif(&r);
			t->data_lo = 20 + below(&r, 40), t->data_n = 1 + below(&r, 60);
			/* Not hex: one hex name every few minutes is a hash look-up's shape
			 * (safeframe, AV), and no feature tells them apart (docs/detection.md). */
			t->alpha = below(&r, 2) ? B32 : B64URL;
			break;
		}
		/* And a query stream of its own (idle polls would otherwise repeat variant 0's). */
		t->rng ^= next64(&r);
	}
	*out = t;
	return 0;
}

void
dnsf_tun_free(struct dnsf_tun *t)
{
	free(t);
}

/* Gap to the next query, and the query itself (name, type). */
static double
make_query(struct dnsf_tun *t, struct msg *m)
{
	const struct dnsf_tun_cfg *c = &t->c;
	const size_t dl = strlen(c->domain);
	/* Room for the encoded part: 253 octets minus the domain and its dot, minus one dot per
	 * 63 characters (labels of 63 and a dot: 64 octets per label). */
	const size_t room = 253 - dl - 1, maxc = room - room / 64 - 1;
	char data[260];
	double gap;
	size_t n;

	switch (c->kind) {
	case DNSF_TUN_DNSCAT2: {
		static const uint16_t types[] = {DNSF_T_TXT, DNSF_T_CNAME, DNSF_T_MX};
		if (t->burst > 0) {
			/* Data packets while a command runs: 40..110 bytes, hex. */
			n = 2 * (t->data_lo + below(&t->rng, t->data_n));
			t->burst--;
			gap = 0.05 + 0.15 * unif(&t->rng);
		} else {
			/* Idle poll: header and a few bytes. */
			n = 2 * (9 + below(&t->rng, 5));
			gap = t->period * (0.9 + 0.2 * unif(&t->rng));
			if (below(&t->rng, 20) == 0)
				t->burst = 5 + below(&t->rng, 16);
		}
		n = n < maxc ? n : maxc;
		encoded(&t->rng, data, n, HEX, t->lab);
		snprintf(m->name, sizeof(m->name), "%s.%s", data, c->domain);
		m->qtype = types[below(&t->rng, 3)];
		break;
	}
	case DNSF_TUN_EXFILTRATOR:
		if (t->chunk == 0) {
			encoded(&t->rng, data, 32 + below(&t->rng, 16), B32, 63);
			snprintf(m->name, sizeof(m->name), "init.%s.base32.%s", data, c->domain);
		} else {
			char num[16];
			int nl = snprintf(num, sizeof(num), "%u", t->chunk);
			n = t->data_lo + below(&t->rng, t->data_n);
			n = n < maxc - (size_t)nl - 1 ? n : maxc - (size_t)nl - 1;
			encoded(&t->rng, data, n, B64URL, t->lab);
			snprintf(m->name, sizeof(m->name), "%s.%s.%s", num, data, c->domain);
		}
		t->chunk++;
		m->qtype = DNSF_T_TXT;
		gap = 0.05 + 0.1 * unif(&t->rng);
		break;
	case DNSF_TUN_BEACON:
		if (t->burst > 0) {
			char hx[160];
			t->burst--;
			if (t->burst % 3 == 0) {
				/* data_n 1 (variant 0): no draw, the documented 56. */
				unsigned hn = t->data_lo;
				if (t->data_n > 1)
					hn += below(&t->rng, t->data_n);
				encoded(&t->rng, hx, hn, HEX, t->lab);
				snprintf(m->name, sizeof(m->name), "%s.%s.%s.%s", t->w2, hx, t->id,
				         c->domain);
			} else {
				encoded(&t->rng, hx, 8, HEX, 63);
				snprintf(m->name, sizeof(m->name), "%s.%s.%s.%s", t->w1, hx, t->id,
				         c->domain);
			}
			m->qtype = DNSF_T_A;
			gap = t->burst ? 0.05 + 0.05 * unif(&t->rng)
			               : t->period * (0.8 + 0.4 * unif(&t->rng));
		} else {
			snprintf(m->name, sizeof(m->name), "%s.%s", t->id, c->domain);
			m->qtype = DNSF_T_A;
			t->checks++;
			if (t->checks % t->every == 0) {
				t->burst = 4 + below(&t->rng, 9);
				gap = 0.2;
			} else {
				gap = t->period * (0.8 + 0.4 * unif(&t->rng));
			}
		}
		break;
	default: /* slow */
		encoded(&t->rng, data, t->data_lo + below(&t->rng, t->data_n), t->alpha, t->lab);
		snprintf(m->name, sizeof(m->name), "%s.%s", data, c->domain);
		m->qtype = below(&t->rng, 10) < 7 ? DNSF_T_A : DNSF_T_TXT;
		gap = t->period * (0.75 + 0.5 * unif(&t->rng));
		break;
	}
	if (c->interval_s > 0)
		gap = c->interval_s * (0.5 + unif(&t->rng));
	return gap;
}

static size_t
build(const struct dnsf_tun *t, const struct msg *m, uint8_t *buf, size_t cap)
{
	struct dnsf_dnsw w;
	uint64_t r = m->aseed;
	char target[300], hx[80];
	size_t at;

	dnsf_dnsw_init(&w, buf, cap);
	dnsf_dnsw_header(&w, m->id, m->is_query ? 0x0100 : 0x8180, 1, m->is_query ? 0 : 1, 0, 1);
	dnsf_dnsw_name(&w, m->name);
	dnsf_dnsw_u16(&w, m->qtype);
	dnsf_dnsw_u16(&w, 1);
	if (!m->is_query) {
		at = dnsf_dnsw_rr_begin(&w, m->name, m->qtype, 1);
		switch (m->qtype) {
		case DNSF_T_TXT: {
			size_t n = 40 + below(&r, 161);
			encoded(&r, target, n, B64URL, 1000);
			dnsf_dnsw_u8(&w, (uint8_t)n);
			dnsf_dnsw_bytes(&w, target, n);
			break;
		}
		case DNSF_T_MX:
			dnsf_dnsw_u16(&w, 10);
			/* fall through */
		case DNSF_T_CNAME:
			encoded(&r, hx, 20 + below(&r, 40), HEX, 63);
			snprintf(target, sizeof(target), "%s.%s", hx, t->c.domain);
			dnsf_dnsw_name(&w, target);
			break;
		default:
			dnsf_dnsw_u32(&w, (uint32_t)next64(&r));
			break;
		}
		dnsf_dnsw_rr_end(&w, at);
	}
	dnsf_dnsw_opt(&w, m->is_query ? 4096 : 1232);
	return dnsf_dnsw_len(&w);
}

int
dnsf_tun_next(struct dnsf_tun *t, struct dnsf_synth_pkt *p)
{
	struct msg m, *out;
	uint8_t dns[1400];

	/* Generate the next query if it comes before the oldest answer in flight. */
	while (t->issued < t->c.queries && (t->n == 0 || t->t <= t->q[t->head].t) &&
	       t->n < PENDING) {
		memset(&m, 0, sizeof(m));
		double gap = make_query(t, &m);
		m.t = t->t;
		m.is_query = 1;
		m.id = (uint16_t)next64(&t->rng);
		m.sport = t->port = (uint16_t)(t->port + 1 + below(&t->rng, 7));
		m.aseed = next64(&t->rng);
		t->issued++;
		t->t += gap;
		/* The query goes out now; its answer joins the FIFO. */
		struct msg *a = &t->q[(t->head + t->n) % PENDING];
		*a = m;
		a->is_query = 0;
		a->t = m.t + t->rtt;
		t->n++;
		out = &m;
		goto emit;
	}
	if (t->n == 0)
		return 0;
	m = t->q[t->head];
	t->head = (t->head + 1) % PENDING;
	t->n--;
	out = &m;
emit:;
	size_t dl = build(t, out, dns, sizeof(dns));
	struct dnsf_frame_addr a;
	memset(&a, 0, sizeof(a));
	a.ip_version = 4;
	uint8_t cl[16] = {10, 99, t->c.client, t->c.client}, res[16] = {10, 0, 0, 53};
	memcpy(out->is_query ? a.src : a.dst, cl, 16);
	memcpy(out->is_query ? a.dst : a.src, res, 16);
	a.sport = out->is_query ? out->sport : 53;
	a.dport = out->is_query ? 53 : out->sport;
	a.smac[0] = a.dmac[0] = 2;
	a.smac[5] = out->is_query ? 0x99 : 0x53;
	a.dmac[5] = out->is_query ? 0x53 : 0x99;
	p->len = dl ? (uint32_t)dnsf_frame_udp(&a, dns, dl, p->frame, sizeof(p->frame)) : 0;
	if (p->len == 0)
		return dnsf_tun_next(t, p); /* cannot happen with the sizes above; skip it */
	p->ts_us = t->c.t0_us + (uint64_t)llround(out->t * 1e6);
	p->kind = 0;
	p->is_query = out->is_query;
	p->client = t->c.client;
	return 1;
}
