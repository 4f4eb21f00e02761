/* SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_dns.h"
#include "dnsf_frame.h"
#include "dnsf_name.h"
#include "dnsf_synth.h"

static const char *const kind_names[DNSF_SYN__COUNT] = {
    "popular", "cdn",    "ad_hex", "chrome_probe", "dkim_acme_txt", "ptr",   "av_lookup",
    "dnsbl",   "system", "mail",   "srv",          "dnssec",        "admin", "periodic"};

const char *
dnsf_synth_kind_name(unsigned k)
{
	return k < DNSF_SYN__COUNT ? kind_names[k] : "?";
}

/* ---- random numbers (xorshift64*, seeded through splitmix64) ---- */

struct rng {
	uint64_t s;
};

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;
	r->s = splitmix(&x) | 1;
}

static uint64_t
rnd(struct rng *r)
{
	uint64_t x = r->s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * UINT64_C(0x2545f4914f6cdd1d);
}

static uint32_t
below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)((rnd(r) >> 32) % n) : 0;
}

/* Uniform in (0, 1]. */
static double
unif(struct rng *r)
{
	return ((double)(rnd(r) >> 11) + 1.0) / 9007199254740992.0;
}

static void
rnd_str(struct rng *r, char *out, unsigned len, const char *alphabet)
{
	unsigned n = (unsigned)strlen(alphabet);
	for (unsigned i = 0; i < len; i++)
		out[i] = alphabet[below(r, n)];
	out[len] = '\0';
}

/* Zipf(1)-like rank in 0..n-1: P(rank <= k) ~ ln(k + 1) / ln(n + 1). */
static size_t
zipf(struct rng *r, size_t n)
{
	double k = exp(unif(r) * log((double)n + 1.0)) - 1.0;
	size_t i = (size_t)k;
	return i < n ? i : n - 1;
}

#define T_TLSA 52 /* not among the engine's named types */

static const char HEX[] = "0123456789abcdef";
static const char ALNUM[] = "abcdefghijklmnopqrstuvwxyz0123456789";
static const char LOWER[] = "abcdefghijklmnopqrstuvwxyz";
static const char B32[] = "abcdefghijklmnopqrstuvwxyz234567";
static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* ---- name lists ---- */

/* FNV-1a 64 of a string: the synthesizer's own hash, so that the traffic it makes (which site
 * uses www., which part of the split a domain falls in) does not change with the engine's hash
 * functions. */
static uint64_t
str_hash(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

struct site {
	uint32_t name;   /* offset in pool */
	uint32_t fq_off; /* first index in fq_of_site */
	uint32_t nfq;
	uint8_t www;    /* the site is usually visited as www.<site> */
	uint8_t listed; /* listed bare: a page people visit */
};

struct dnsf_synth_names {
	char *pool;
	size_t pool_len, pool_cap;
	struct site *sites; /* every registered domain seen */
	size_t nsites, sites_cap;
	uint32_t *page; /* sites listed bare (visited as pages), in rank order */
	size_t npage, page_cap;
	uint32_t *fq; /* FQDNs (pool offsets), in rank order */
	size_t nfq, fq_cap;
	uint32_t *fq_site; /* site of each FQDN */
	uint32_t *fq_of_site;
	/* hash of registered domain -> site index + 1 */
	uint32_t *map;
	size_t map_mask;
};

static int
grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 1024;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (q == NULL)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

static int64_t
pool_add(struct dnsf_synth_names *n, const char *s)
{
	size_t l = strlen(s) + 1;
	if (grow((void **)&n->pool, &n->pool_cap, n->pool_len + l, 1) != 0)
		return -1;
	memcpy(n->pool + n->pool_len, s, l);
	n->pool_len += l;
	return (int64_t)(n->pool_len - l);
}

static int
map_rehash(struct dnsf_synth_names *n)
{
	size_t size = 1024;
	while (size < 2 * (n->nsites + 1))
		size *= 2;
	free(n->map);
	n->map = calloc(size, sizeof(*n->map));
	if (n->map == NULL)
		return -1;
	n->map_mask = size - 1;
	for (size_t i = 0; i < n->nsites; i++) {
		size_t h = str_hash(n->pool + n->sites[i].name) & n->map_mask;
		while (n->map[h])
			h = (h + 1) & n->map_mask;
		n->map[h] = (uint32_t)i + 1;
	}
	return 0;
}

/* Index of the site of registered domain `reg`, created if new; -1 on memory failure. */
static int64_t
site_of(struct dnsf_synth_names *n, const char *reg)
{
	size_t h;

	if (n->map == NULL || 2 * (n->nsites + 1) > n->map_mask + 1)
		if (map_rehash(n) != 0)
			return -1;
	h = str_hash(reg) & n->map_mask;
	while (n->map[h]) {
		uint32_t i = n->map[h] - 1;
		if (strcmp(n->pool + n->sites[i].name, reg) == 0)
			return i;
		h = (h + 1) & n->map_mask;
	}
	if (grow((void **)&n->sites, &n->sites_cap, n->nsites + 1, sizeof(*n->sites)) != 0)
		return -1;
	int64_t off = pool_add(n, reg);
	if (off < 0)
		return -1;
	struct site *s = &n->sites[n->nsites];
	memset(s, 0, sizeof(*s));
	s->name = (uint32_t)off;
	s->www = (str_hash(reg) >> 7) % 3 != 0; /* two sites in three use www. */
	n->map[h] = (uint32_t)n->nsites + 1;
	return (int64_t)n->nsites++;
}

unsigned
dnsf_synth_part(const char *regdomain, unsigned part_mod)
{
	if (part_mod == 0)
		return 0;
	/* A remix: the low bits of str_hash also pick table buckets. */
	uint64_t h = str_hash(regdomain) * UINT64_C(0x9e3779b97f4a7c15);
	return (unsigned)((h >> 32) % part_mod);
}

void
dnsf_synth_names_free(struct dnsf_synth_names *n)
{
	if (n == NULL)
		return;
	free(n->pool);
	free(n->sites);
	free(n->page);
	free(n->fq);
	free(n->fq_site);
	free(n->fq_of_site);
	free(n->map);
	free(n);
}

size_t
dnsf_synth_names_sites(const struct dnsf_synth_names *n)
{
	return n->npage;
}

size_t
dnsf_synth_names_fqdns(const struct dnsf_synth_names *n)
{
	return n->nfq;
}

int
dnsf_synth_names_load(struct dnsf_synth_names **out, const char *const *files, unsigned nfiles,
                      const struct dnsf_psl *psl, unsigned part_mod, unsigned part_lo,
                      unsigned part_hi, char *err, size_t errlen)
{
	struct dnsf_synth_names *n = calloc(1, sizeof(*n));
	char line[512], reg[300];

	*out = NULL;
	if (n == NULL)
		goto oom;
	for (unsigned f = 0; f < nfiles; f++) {
		FILE *fp = fopen(files[f], "r");
		if (fp == NULL) {
			snprintf(err, errlen, "%s: cannot open", files[f]);
			goto fail;
		}
		while (fgets(line, sizeof(line), fp)) {
			size_t l = strcspn(line, "\r\n \t");
			line[l] = '\0';
			if (l > 0 && line[l - 1] == '.')
				line[--l] = '\0';
			if (l == 0 || line[0] == '#')
				continue;
			for (size_t i = 0; i < l; i++)
				if (line[i] >= 'A' && line[i] <= 'Z')
					line[i] = (char)(line[i] + 32);
			int sp = dnsf_psl_split_name(psl, line, reg, sizeof(reg));
			if (sp < 0 || strchr(reg, '.') == NULL)
				continue; /* invalid, or a bare public suffix */
			unsigned part = dnsf_synth_part(reg, part_mod);
			if (part_mod && (part < part_lo || part >= part_hi))
				continue;
			int64_t si = site_of(n, reg);
			if (si < 0) {
				fclose(fp);
				goto oom;
			}
			if (sp == 0) {
				if (!n->sites[si].listed) {
					n->sites[si].listed = 1;
					if (grow((void **)&n->page, &n->page_cap, n->npage + 1,
					         sizeof(*n->page)) != 0) {
						fclose(fp);
						goto oom;
					}
					n->page[n->npage++] = (uint32_t)si;
				}
				continue;
			}
			int64_t off = pool_add(n, line);
			if (off < 0 ||
			    grow((void **)&n->fq, &n->fq_cap, n->nfq + 1, sizeof(*n->fq)) != 0) {
				fclose(fp);
				goto oom;
			}
			n->fq[n->nfq++] = (uint32_t)off;
			n->sites[si].nfq++;
		}
		fclose(fp);
	}
	if (n->npage == 0 || n->nfq == 0) {
		snprintf(err, errlen,
		         "name lists give %zu sites and %zu names: need at least one of each",
		         n->npage, n->nfq);
		goto fail;
	}
	/* Group FQDNs by site (counting sort, rank order kept inside a site). */
	n->fq_site = malloc(n->nfq * sizeof(*n->fq_site));
	n->fq_of_site = malloc(n->nfq * sizeof(*n->fq_of_site));
	if (n->fq_site == NULL || n->fq_of_site == NULL)
		goto oom;
	{
		uint32_t acc = 0;
		for (size_t i = 0; i < n->nsites; i++) {
			n->sites[i].fq_off = acc;
			acc += n->sites[i].nfq;
			n->sites[i].nfq = 0;
		}
		for (size_t i = 0; i < n->nfq; i++) {
			char r2[300];
			dnsf_psl_split_name(psl, n->pool + n->fq[i], r2, sizeof(r2));
			int64_t si = site_of(n, r2);
			if (si < 0)
				goto oom;
			struct site *s = &n->sites[si];
			n->fq_site[i] = (uint32_t)si;
			n->fq_of_site[s->fq_off + s->nfq++] = (uint32_t)i;
		}
	}
	*out = n;
	return 0;
oom:
	snprintf(err, errlen, "out of memory loading name lists");
fail:
	dnsf_synth_names_free(n);
	return -1;
}

/* ---- the simulation ---- */

void
dnsf_synth_cfg_default(struct dnsf_synth_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->clients = 2000;
	c->seconds = 3600;
	c->seed = 1;
	c->t0_us = UINT64_C(1700000000000000);
	c->view_min_s = 5;
	c->view_max_s = 65;
	c->lookalikes = 1;
	c->allowlisted = 1;
	c->responses = 1;
	c->v6_share_pct = 20;
}

struct client {
	uint8_t addr[16];
	uint8_t v6;
	uint8_t dual;   /* asks AAAA too */
	uint8_t https;  /* browser asks HTTPS records */
	uint8_t av;     /* has an antivirus that looks hashes up */
	uint8_t mail;   /* a mail server: SPF/DKIM/DMARC/MX/DNSBL look-ups per message */
	uint8_t ad;     /* a domain member: SRV look-ups of domain controllers */
	uint8_t dnssec; /* a validating forwarder: DS and DNSKEY look-ups */
	uint32_t corp;  /* site index of its organisation's domain */
	uint8_t tools;  /* an admin or a script: explicit CNAME/NS/SOA/MX/TXT/CAA look-ups */
	uint16_t users; /* > 1: a forwarder or NAT gateway in front of this many users */
	uint16_t edns;  /* 0: no OPT; else the UDP size its stub advertises */
	uint8_t probed; /* Chrome probes sent */
	double rate;    /* page views per second */
	uint16_t next_port;
};

enum { EV_VIEW = 0, EV_MSG, EV_POLL };

struct ev {
	double t;
	uint64_t seq;
	uint32_t client;
	uint8_t type;
	uint8_t kind;
	uint8_t is_query;
	uint8_t pad;
	uint16_t qtype;
	uint16_t id;
	uint16_t sport;
	uint64_t aseed; /* answer content */
	char name[256];
};

struct dnsf_synth {
	struct dnsf_synth_cfg cfg;
	const struct dnsf_synth_names *n;
	struct rng r;
	struct client *cl;
	struct ev *heap;
	size_t nheap, heap_cap;
	uint64_t seq;
	double t_end;
	struct rng pr; /* the periodic pollers' own stream (periodic_pct) */
};

/* Periodic pollers (dnsf_synth_cfg.periodic_pct): a timer of one client asks the same names at
 * a fixed period with jitter. EV_POLL events carry the shape in `pad`, the names in `name`
 * (space-separated), the period in ms and the jitter in per mille in `aseed`. */
enum {
	POLL_NTP = 0, /* an NTP server name, A (and AAAA), every 64/128/256 s */
	POLL_CHECK,   /* a connectivity check, every 30-300 s */
	POLL_PUSH,    /* a push service: "<n>-courier.push.apple.com" (n drawn each time) */
	POLL_CDN,     /* 1-4 CDN names of an open page, re-resolved at TTL expiry (60 s) */
	POLL_DEVICE,  /* a hex device-id heartbeat, some with fixed status names under the id */
	POLL_API,     /* an app's API name and its HTTPS/SVCB port name */
	POLL_MAIL,    /* a mail client's server and autodiscover names */
	POLL__COUNT
};
static void poll_setup(struct dnsf_synth *s, uint32_t ci);

static int
ev_less(const struct ev *a, const struct ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static int
heap_push(struct dnsf_synth *s, const struct ev *e)
{
	size_t i;

	if (grow((void **)&s->heap, &s->heap_cap, s->nheap + 1, sizeof(*s->heap)) != 0)
		return -1;
	i = s->nheap++;
	s->heap[i] = *e;
	s->heap[i].seq = s->seq++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!ev_less(&s->heap[i], &s->heap[p]))
			break;
		struct ev t = s->heap[i];
		s->heap[i] = s->heap[p];
		s->heap[p] = t;
		i = p;
	}
	return 0;
}

static void
heap_pop(struct dnsf_synth *s, struct ev *out)
{
	size_t i = 0;

	*out = s->heap[0];
	s->heap[0] = s->heap[--s->nheap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < s->nheap && ev_less(&s->heap[l], &s->heap[m]))
			m = l;
		if (r < s->nheap && ev_less(&s->heap[r], &s->heap[m]))
			m = r;
		if (m == i)
			break;
		struct ev t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
}

void
dnsf_synth_free(struct dnsf_synth *s)
{
	if (s == NULL)
		return;
	free(s->cl);
	free(s->heap);
	free(s);
}

int
dnsf_synth_new(const struct dnsf_synth_cfg *c, const struct dnsf_synth_names *n,
               struct dnsf_synth **out, char *err, size_t errlen)
{
	struct dnsf_synth *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (s == NULL || c->clients == 0 || c->clients > (1u << 22) || c->view_min_s <= 0 ||
	    c->view_max_s < c->view_min_s) {
		snprintf(err, errlen,
		         "synth: bad configuration (clients 1..4M, 0 < view_min <= view_max)");
		free(s);
		return -1;
	}
	s->cfg = *c;
	s->n = n;
	s->t_end = (double)c->seconds;
	rng_seed(&s->r, c->seed);
	s->cl = calloc(c->clients, sizeof(*s->cl));
	if (s->cl == NULL) {
		snprintf(err, errlen, "synth: out of memory");
		dnsf_synth_free(s);
		return -1;
	}
	for (uint32_t i = 0; i < c->clients; i++) {
		struct client *k = &s->cl[i];
		uint32_t e;
		k->v6 = below(&s->r, 100) < c->v6_share_pct;
		if (k->v6) {
			k->addr[0] = 0xfd;
			k->addr[1] = 0x53;
			k->addr[13] = (uint8_t)(i >> 16);
			k->addr[14] = (uint8_t)(i >> 8);
			k->addr[15] = (uint8_t)i;
		} else {
			k->addr[0] = 10;
			k->addr[1] = (uint8_t)(64 + (i >> 16));
			k->addr[2] = (uint8_t)(i >> 8);
			k->addr[3] = (uint8_t)i;
		}
		k->dual = k->v6 || below(&s->r, 100) < 70;
		k->https = below(&s->r, 100) < 45;
		k->av = below(&s->r, 100) < 10;
		k->mail = below(&s->r, 1000) < 10;
		k->ad = below(&s->r, 100) < 30;
		k->dnssec = below(&s->r, 100) < 3;
		k->corp = n->page[(i / 64) % n->npage]; /* organisations of 64 clients */
		/* Stubs differ: glibc and browsers' own resolvers send no OPT, systemd-resolved
		 * and dig do (1232 since the 2020 flag day), older tools 4096, a few 512. */
		e = below(&s->r, 100);
		k->edns = e < 50 ? 0 : e < 85 ? 1232 : e < 95 ? 4096 : 512;
		k->rate = 1.0 / (c->view_min_s + (c->view_max_s - c->view_min_s) * unif(&s->r));
		if (k->mail)
			k->rate = 1.0 / (1.0 + 9.0 * unif(&s->r)); /* a message every 1..10 s */
		k->tools = below(&s->r, 100) < 4;
		k->users = 1;
		if (!k->mail && c->forwarder_pct && below(&s->r, 100) < c->forwarder_pct) {
			/* Its users' page views add up: many names of the popular domains. */
			k->users = (uint16_t)(20 + below(&s->r, 181));
			k->rate *= k->users;
			k->tools = below(&s->r, 2);
		}
		k->next_port = (uint16_t)(1024 + below(&s->r, 60000));
		struct ev v;
		memset(&v, 0, sizeof(v));
		v.type = EV_VIEW;
		v.client = i;
		v.t = unif(&s->r) / k->rate; /* first view within one mean interval */
		if (heap_push(s, &v) != 0) {
			snprintf(err, errlen, "synth: out of memory");
			dnsf_synth_free(s);
			return -1;
		}
	}
	if (c->periodic_pct) {
		/* A stream of their own: the page views above stay what they were. */
		rng_seed(&s->pr, c->seed ^ UINT64_C(0x706572696f646963));
		for (uint32_t i = 0; i < c->clients; i++)
			if (!s->cl[i].mail && below(&s->pr, 100) < c->periodic_pct)
				poll_setup(s, i);
	}
	*out = s;
	return 0;
}

/* The zone a NODATA/NXDOMAIN answer's SOA comes from: the registered domain, roughly. */
static const char *
zone_of(const char *name)
{
	const char *last = strrchr(name, '.');
	if (last == NULL)
		return "";
	const char *p = name, *prev = name;
	for (const char *d = strchr(p, '.'); d != NULL && d < last; d = strchr(d + 1, '.'))
		prev = d + 1;
	return prev;
}

/* Schedule a query (and its answer) of client ci at time t. */
static void
ask(struct dnsf_synth *s, uint32_t ci, double t, const char *name, uint16_t qtype, uint8_t kind)
{
	struct client *k = &s->cl[ci];
	struct ev e;

	if (strlen(name) > 253)
		return;
	memset(&e, 0, sizeof(e));
	e.type = EV_MSG;
	e.client = ci;
	e.kind = kind;
	e.is_query = 1;
	e.qtype = qtype;
	e.id = (uint16_t)rnd(&s->r);
	/* Stubs use random source ports; a per-client counter plus jitter is close enough. */
	k->next_port = (uint16_t)(k->next_port + 1 + below(&s->r, 64));
	if (k->next_port < 1024)
		k->next_port = (uint16_t)(k->next_port + 1024);
	e.sport = k->next_port;
	e.aseed = rnd(&s->r);
	e.t = t;
	snprintf(e.name, sizeof(e.name), "%s", name);
	heap_push(s, &e);
	if (k->dnssec && kind != DNSF_SYN_DNSSEC && below(&s->r, 4) == 0) {
		/* A validating forwarder fetches the zone's DS and DNSKEY (its cache holds them
		 * for a while: one look-up in four asks). */
		const char *z = zone_of(name);
		if (z[0] != '\0') {
			ask(s, ci, t + 0.0003, z, DNSF_T_DS, DNSF_SYN_DNSSEC);
			ask(s, ci, t + 0.0006, z, DNSF_T_DNSKEY, DNSF_SYN_DNSSEC);
		}
	}
	if (s->cfg.responses) {
		/* Resolver latency: mostly cache hits, a third recursive look-ups. */
		double rtt = below(&s->r, 3) ? 0.0005 + 0.004 * unif(&s->r)
		                             : 0.015 + 0.12 * unif(&s->r) * unif(&s->r);
		e.is_query = 0;
		e.t = t + rtt;
		heap_push(s, &e);
	}
}

static const char *
site_name(const struct dnsf_synth_names *n, uint32_t si)
{
	return n->pool + n->sites[si].name;
}

static void
lookalike(struct dnsf_synth *s, uint32_t ci, double t, uint32_t site)
{
	char name[300], a[80], b[40];
	uint32_t r = below(&s->r, 100);

	if (r < 30) {
		rnd_str(&s->r, a, 13, ALNUM);
		snprintf(name, sizeof(name), "d%s.cloudfront.net", a);
		ask(s, ci, t, name, DNSF_T_A, DNSF_SYN_CDN);
	} else if (r < 45) {
		snprintf(name, sizeof(name), "e%u.dscx.akamaiedge.net", below(&s->r, 99999));
		ask(s, ci, t, name, DNSF_T_A, DNSF_SYN_CDN);
	} else if (r < 55) {
		rnd_str(&s->r, a, 8, "abcdefghijklmnopqrstuvwxyz0123456789-");
		if (a[0] == '-')
			a[0] = 'x';
		if (a[7] == '-')
			a[7] = 'y';
		snprintf(name, sizeof(name), "rr%u---sn-%s.googlevideo.com", 1 + below(&s->r, 9),
		         a);
		ask(s, ci, t, name, DNSF_T_A, DNSF_SYN_CDN);
	} else if (r < 62) {
		/* Azure storage accounts (3-24 lower-case letters and digits): mostly made of
		 * words, a region and a number (onedriveclubprodbn20023), some made by deployment
		 * templates: "st" and a 13-character hash (ARM's uniqueString). */
		static const char *const w1[] = {
		    "onedrive", "prod",   "media", "backup", "static", "diag",  "share",    "data",
		    "logs",     "assets", "cdn",   "app",    "web",    "files", "telemetry"};
		static const char *const w2[] = {"club", "store", "prd", "dev", "cache", "blob",
		                                 "img",  "sync",  "fs",  "sa",  "acct",  ""};
		static const char *const rg[] = {"bn", "weu", "eus", "neu", "sea", "wus", ""};
		uint32_t kind = below(&s->r, 100);
		if (kind < 15) {
			rnd_str(&s->r, b, 13, "abcdefghijklmnopqrstuvwxyz234567");
			snprintf(a, sizeof(a), "st%s", b);
		} else {
			snprintf(a, sizeof(a), "%s%s%s", w1[below(&s->r, 15)], w2[below(&s->r, 12)],
			         rg[below(&s->r, 7)]);
			if (kind >= 60) {
				size_t l = strlen(a);
				snprintf(a + l, sizeof(a) - l, "%u", below(&s->r, 100000));
			}
			a[24] = '\0';
		}
		snprintf(name, sizeof(name), "%s.blob.core.windows.net", a);
		ask(s, ci, t, name, DNSF_T_A, DNSF_SYN_CDN);
	} else if (r < 88) {
		rnd_str(&s->r, a, 32, HEX);
		snprintf(name, sizeof(name), "%s.safeframe.googlesyndication.com", a);
		ask(s, ci, t, name, DNSF_T_A, DNSF_SYN_ADHEX);
	} else {
		const char *sn = site_name(s->n, site);
		if (below(&s->r, 2))
			snprintf(name, sizeof(name), "_acme-challenge.%s", sn);
		else
			snprintf(name, sizeof(name), "%s._domainkey.%s",
			         below(&s->r, 2) ? "selector1" : "google", sn);
		ask(s, ci, t, name, DNSF_T_TXT, DNSF_SYN_TXT);
	}
}

static void
background(struct dnsf_synth *s, uint32_t ci, double t)
{
	static const char *const sys[] = {"connectivitycheck.gstatic.com",
	                                  "captive.apple.com",
	                                  "www.msftconnecttest.com",
	                                  "2.debian.pool.ntp.org",
	                                  "time.windows.com",
	                                  "ocsp.digicert.com",
	                                  "deb.debian.org",
	                                  "ocsp.pki.goog",
	                                  "detectportal.firefox.com",
	                                  "ctldl.windowsupdate.com",
	                                  "time.apple.com",
	                                  "ipv6.msftconnecttest.com"};
	struct client *k = &s->cl[ci];
	char name[300], a[80], b[80];
	uint32_t r = below(&s->r, 100);

	if (r < 35) {
		ask(s, ci, t, sys[below(&s->r, sizeof(sys) / sizeof(sys[0]))],
		    below(&s->r, 4) ? DNSF_T_A : DNSF_T_AAAA, DNSF_SYN_SYSTEM);
	} else if (!s->cfg.allowlisted) {
		return;
	} else if (r < 60) {
		snprintf(name, sizeof(name), "%u.%u.%u.%u.in-addr.arpa", below(&s->r, 256),
		         below(&s->r, 256), below(&s->r, 256), below(&s->r, 223) + 1);
		ask(s, ci, t, name, DNSF_T_PTR, DNSF_SYN_PTR);
	} else if (r < 68) {
		size_t o = 0;
		for (int i = 0; i < 32; i++)
			o += (size_t)snprintf(name + o, sizeof(name) - o, "%c.",
			                      HEX[below(&s->r, 16)]);
		snprintf(name + o, sizeof(name) - o, "ip6.arpa");
		ask(s, ci, t, name, DNSF_T_PTR, DNSF_SYN_PTR);
	} else if (k->mail || r < 72) {
		static const char *const bl[] = {"zen.spamhaus.org", "bl.spamcop.net",
		                                 "b.barracudacentral.org"};
		snprintf(name, sizeof(name), "%u.%u.%u.%u.%s", below(&s->r, 256), below(&s->r, 256),
		         below(&s->r, 256), below(&s->r, 223) + 1, bl[below(&s->r, 3)]);
		ask(s, ci, t, name, DNSF_T_A, DNSF_SYN_DNSBL);
	} else if (k->av) {
		uint32_t w = below(&s->r, 4);
		if (w == 0) {
			rnd_str(&s->r, a, 64, HEX);
			rnd_str(&s->r, b, 32, HEX);
			snprintf(name, sizeof(name), "3.%s.%s.i.01.mac.sophosxl.net", a, b);
		} else if (w == 1) {
			rnd_str(&s->r, a, 26, B32);
			snprintf(name, sizeof(name), "0.0.0.0.1.0.0.4e.%s.avqs.mcafee.com", a);
		} else if (w == 2) {
			rnd_str(&s->r, a, 40, HEX);
			snprintf(name, sizeof(name), "%s.malware.hash.cymru.com", a);
		} else {
			rnd_str(&s->r, a, 26, B32);
			snprintf(name, sizeof(name), "%s.avts.mcafee.com", a);
		}
		ask(s, ci, t, name, DNSF_T_A, DNSF_SYN_AV);
	}
}

/* A mail server receives (and half the time sends) one message. */
static void
mail_event(struct dnsf_synth *s, uint32_t ci, double t)
{
	static const char *const spf_inc[] = {"_spf.google.com",     "spf.protection.outlook.com",
	                                      "_spf.salesforce.com", "servers.mcsv.net",
	                                      "sendgrid.net",        "amazonses.com",
	                                      "_spf.mailgun.org"};
	static const char *const sel[] = {"selector1", "selector2", "google", "s1",   "s2",
	                                  "k1",        "default",   "mail",   "dkim", "smtp"};
	const struct dnsf_synth_names *n = s->n;
	const char *dom = site_name(n, n->page[zipf(&s->r, n->npage)]);
	char name[300];
	double dt = 0.001;

	snprintf(name, sizeof(name), "mail.%s", dom);
	ask(s, ci, t, name, DNSF_T_A, DNSF_SYN_MAIL);
	ask(s, ci, t + dt, dom, DNSF_T_TXT, DNSF_SYN_MAIL); /* SPF */
	for (uint32_t i = 0, k = below(&s->r, 3); i < k; i++)
		ask(s, ci, t + (dt += 0.01), spf_inc[below(&s->r, 7)], DNSF_T_TXT, DNSF_SYN_MAIL);
	snprintf(name, sizeof(name), "%s._domainkey.%s", sel[below(&s->r, 10)], dom);
	ask(s, ci, t + (dt += 0.01), name, DNSF_T_TXT, DNSF_SYN_MAIL);
	snprintf(name, sizeof(name), "_dmarc.%s", dom);
	ask(s, ci, t + (dt += 0.01), name, DNSF_T_TXT, DNSF_SYN_MAIL);
	if (s->cfg.allowlisted)
		background(s, ci, t + (dt += 0.01)); /* PTR of the peer, DNSBL */
	if (below(&s->r, 2))
		return;
	dom = site_name(n, n->page[zipf(&s->r, n->npage)]);
	ask(s, ci, t + (dt += 0.5), dom, DNSF_T_MX, DNSF_SYN_MAIL);
	snprintf(name, sizeof(name), "_mta-sts.%s", dom);
	ask(s, ci, t + (dt += 0.01), name, DNSF_T_TXT, DNSF_SYN_MAIL);
	snprintf(name, sizeof(name), "mx%u.%s", 1 + below(&s->r, 2), dom);
	ask(s, ci, t + (dt += 0.01), name, DNSF_T_A, DNSF_SYN_MAIL);
	snprintf(name, sizeof(name), "_25._tcp.mx%u.%s", 1 + below(&s->r, 2), dom);
	ask(s, ci, t + (dt += 0.01), name, T_TLSA, DNSF_SYN_MAIL);
}

/* A domain member looks its domain controllers up (logon, group policy, Kerberos). */
static void
ad_lookup(struct dnsf_synth *s, uint32_t ci, double t)
{
	static const char *const fmt[] = {
	    "_ldap._tcp.dc._msdcs.corp.%s",
	    "_kerberos._udp.corp.%s",
	    "_ldap._tcp.default-first-site-name._sites.dc._msdcs.corp.%s",
	    "_kerberos._tcp.dc._msdcs.corp.%s",
	    "_gc._tcp.corp.%s",
	    "_autodiscover._tcp.%s",
	    "_vlmcs._tcp.corp.%s"};
	char name[300];
	const char *corp = site_name(s->n, s->cl[ci].corp);

	snprintf(name, sizeof(name), fmt[below(&s->r, 7)], corp);
	ask(s, ci, t, name, DNSF_T_SRV, DNSF_SYN_SRV);
	if (below(&s->r, 3) == 0) {
		snprintf(name, sizeof(name), "wpad.corp.%s", corp);
		ask(s, ci, t + 0.001, name, DNSF_T_A, DNSF_SYN_SRV);
	}
}

/* An admin's or a script's look-ups of a site's names with explicit types (dig, monitoring). */
static void
admin_lookups(struct dnsf_synth *s, uint32_t ci, double t, uint32_t si)
{
	static const uint16_t types[] = {DNSF_T_CNAME, DNSF_T_CNAME, DNSF_T_CNAME, DNSF_T_CNAME,
	                                 DNSF_T_NS,    DNSF_T_NS,    DNSF_T_SOA,   DNSF_T_SOA,
	                                 DNSF_T_MX,    DNSF_T_TXT,   DNSF_T_CAA,   DNSF_T_A};
	const struct dnsf_synth_names *n = s->n;
	const struct site *st = &n->sites[si];

	for (uint32_t i = 0, k = 1 + below(&s->r, 4); i < k; i++) {
		char name[300];
		if (st->nfq > 0 && below(&s->r, 3) != 0)
			snprintf(name, sizeof(name), "%s",
			         n->pool +
			             n->fq[n->fq_of_site[st->fq_off + below(&s->r, st->nfq)]]);
		else
			snprintf(name, sizeof(name), "%s%s", st->www ? "www." : "",
			         site_name(n, si));
		ask(s, ci, t + 0.003 * i, name, types[below(&s->r, 12)], DNSF_SYN_ADMIN);
	}
}

/* 1-3 pollers of client ci, first run within one period. */
static void
poll_setup(struct dnsf_synth *s, uint32_t ci)
{
	static const char *const ntp[] = {"0.pool.ntp.org", "2.debian.pool.ntp.org",
	                                  "time.apple.com", "time.windows.com", "time.google.com"};
	static const char *const chk[] = {"connectivitycheck.gstatic.com", "captive.apple.com",
	                                  "www.msftconnecttest.com", "detectportal.firefox.com",
	                                  "nmcheck.gnome.org"};
	static const char *const zones[] = {"iot.homecloud-devices.com", "hb.sensorhub.io",
	                                    "things.smartplug-cloud.net"};
	static const char *const apis[] = {"api.weather-widget.com", "quotes.tickerfeed.net",
	                                   "sync.notesapp.io", "status.chatservice.com"};
	struct rng *r = &s->pr;
	const unsigned n = 1 + below(r, 3);

	for (unsigned j = 0; j < n; j++) {
		struct ev e;
		char id[24], a[24], b[24];
		double period;
		size_t o = 0;

		memset(&e, 0, sizeof(e));
		e.type = EV_POLL;
		e.client = ci;
		e.kind = DNSF_SYN_PERIODIC;
		e.pad = (uint8_t)below(r, POLL__COUNT);
		switch (e.pad) {
		case POLL_NTP:
			snprintf(e.name, sizeof(e.name), "%s", ntp[below(r, 5)]);
			period = 64 << below(r, 3);
			break;
		case POLL_CHECK:
			snprintf(e.name, sizeof(e.name), "%s", chk[below(r, 5)]);
			period = 30 + 270 * unif(r);
			break;
		case POLL_PUSH:
			snprintf(e.name, sizeof(e.name), "push.apple.com");
			period = 60 + 840 * unif(r);
			break;
		case POLL_CDN:
			for (unsigned k = 1 + below(r, 4); k > 0; k--) {
				rnd_str(r, a, 13, ALNUM);
				o += (size_t)snprintf(e.name + o, sizeof(e.name) - o,
				                      "%sd%s.cloudfront.net", o ? " " : "", a);
			}
			period = 60;
			break;
		case POLL_DEVICE: {
			const char *z = zones[below(r, 3)];
			rnd_str(r, id, 8 + below(r, 9), HEX);
			o = (size_t)snprintf(e.name, sizeof(e.name), "%s.%s", id, z);
			if (below(r, 2)) {
				/* Fixed names under the id, asked after it every time. */
				rnd_str(r, b, 6, HEX);
				snprintf(e.name + o, sizeof(e.name) - o,
				         " status.%s.%s cfg-%s.%s.%s", id, z, b, id, z);
			}
			period = 20 + 280 * unif(r);
			break;
		}
		case POLL_API: {
			const char *api = apis[below(r, 4)];
			snprintf(e.name, sizeof(e.name), "%s _8443._https.%s", api, api);
			period = 30 + 570 * unif(r);
			break;
		}
		default:
			snprintf(e.name, sizeof(e.name),
			         "outlook.office365.com autodiscover.outlook.com");
			period = 60 + 540 * unif(r);
			break;
		}
		/* Timers jitter by up to 20 % (some not at all). */
		e.aseed = ((uint64_t)(period * 1000) << 16) | below(r, 201);
		e.t = period * unif(r);
		heap_push(s, &e);
	}
}

/* One run of a poller, and the next one scheduled. */
static void
poll_run(struct dnsf_synth *s, const struct ev *p)
{
	struct client *k = &s->cl[p->client];
	const double period = (double)(p->aseed >> 16) / 1000.0;
	const double jit = (double)(p->aseed & 0xffff) / 1000.0;
	const struct rng save = s->r;
	const uint16_t port = k->next_port;
	char names[256], name[300];
	double t = p->t;
	struct ev e = *p;

	/* ask() draws ids, ports and answer timing from s->r: lend it the pollers' stream (and
	 * give the client's port counter back after), so the rest of the traffic is unchanged. */
	s->r = s->pr;
	k->next_port = (uint16_t)(40000 + below(&s->r, 20000));
	snprintf(names, sizeof(names), "%s", p->name);
	if (p->pad == POLL_PUSH) {
		snprintf(name, sizeof(name), "%u-courier.push.apple.com", 1 + below(&s->r, 50));
		ask(s, p->client, t, name, DNSF_T_A, DNSF_SYN_PERIODIC);
	} else {
		for (char *save_p = NULL, *nm = strtok_r(names, " ", &save_p); nm != NULL;
		     nm = strtok_r(NULL, " ", &save_p)) {
			ask(s, p->client, t, nm, DNSF_T_A, DNSF_SYN_PERIODIC);
			if (p->pad == POLL_NTP && k->dual)
				ask(s, p->client, t + 0.0005, nm, DNSF_T_AAAA, DNSF_SYN_PERIODIC);
			t += 0.02 + 0.08 * unif(&s->r);
		}
	}
	e.t = p->t + period * (1.0 + jit * (2.0 * unif(&s->r) - 1.0));
	s->pr = s->r;
	s->r = save;
	k->next_port = port;
	heap_push(s, &e);
}

/* One page view of client ci at time t, and the next one scheduled. */
static void
page_view(struct dnsf_synth *s, uint32_t ci, double t)
{
	const struct dnsf_synth_names *n = s->n;
	struct client *k = &s->cl[ci];
	char name[300];
	uint32_t si = n->page[zipf(&s->r, n->npage)];
	const struct site *st = &n->sites[si];
	double dt = 0.0;

	if (k->mail) {
		mail_event(s, ci, t);
		goto next;
	}
	if (k->ad && below(&s->r, 6) == 0)
		ad_lookup(s, ci, t);
	if (!k->probed && s->cfg.lookalikes) {
		/* Chrome probes for NXDOMAIN hijacking at start-up: three random labels. */
		for (int i = 0; i < 3; i++) {
			char a[20];
			rnd_str(&s->r, a, 7 + below(&s->r, 9), LOWER);
			ask(s, ci, t + 0.001 * i, a, DNSF_T_A, DNSF_SYN_PROBE);
		}
		k->probed = 1;
	}
	snprintf(name, sizeof(name), "%s%s", st->www ? "www." : "", site_name(n, si));
	ask(s, ci, t, name, DNSF_T_A, DNSF_SYN_POPULAR);
	if (k->dual)
		ask(s, ci, t + 0.0002, name, DNSF_T_AAAA, DNSF_SYN_POPULAR);
	if (k->https)
		ask(s, ci, t + 0.0004, name, DNSF_T_HTTPS, DNSF_SYN_POPULAR);
	/* The site's own hosts (static, api, img...), from the FQDN list. */
	dt = 0.02 + 0.05 * unif(&s->r);
	for (uint32_t i = 0, want = st->nfq ? below(&s->r, st->nfq < 6 ? st->nfq + 1 : 7) : 0;
	     i < want; i++) {
		uint32_t fi = n->fq_of_site[st->fq_off + below(&s->r, st->nfq)];
		const char *fq = n->pool + n->fq[fi];
		ask(s, ci, t + dt, fq, DNSF_T_A, DNSF_SYN_POPULAR);
		if (k->dual)
			ask(s, ci, t + dt + 0.0002, fq, DNSF_T_AAAA, DNSF_SYN_POPULAR);
		dt += 0.002 + 0.01 * unif(&s->r);
	}
	if (k->tools && below(&s->r, k->users > 1 ? 10 : 3) == 0)
		admin_lookups(s, ci, t + dt, si);
	/* Third parties: analytics, ads, fonts, CDNs — the popular FQDNs. */
	for (uint32_t i = 0, want = below(&s->r, 7); i < want; i++) {
		const char *fq = n->pool + n->fq[zipf(&s->r, n->nfq)];
		ask(s, ci, t + dt, fq, DNSF_T_A, DNSF_SYN_POPULAR);
		if (k->dual)
			ask(s, ci, t + dt + 0.0002, fq, DNSF_T_AAAA, DNSF_SYN_POPULAR);
		dt += 0.002 + 0.02 * unif(&s->r);
	}
	/* A forwarder's cache answers most of its users' repeated look-alikes (ad frames, CDN
	 * objects, storage accounts recur across users): one page view in five sends them on. */
	if (s->cfg.lookalikes && (k->users == 1 || below(&s->r, 5) == 0))
		for (uint32_t i = 0, want = below(&s->r, 3); i < want; i++)
			lookalike(s, ci, t + dt + 0.01 * i, si);
	if (below(&s->r, 8) == 0)
		background(s, ci, t + dt + 0.05);
	if (k->av && s->cfg.allowlisted && below(&s->r, 4) == 0)
		background(s, ci, t + dt + 0.06); /* file downloads get scanned */

next:;
	struct ev v;
	memset(&v, 0, sizeof(v));
	v.type = EV_VIEW;
	v.client = ci;
	v.t = t - log(unif(&s->r)) / k->rate;
	heap_push(s, &v);
}

/* ---- messages ---- */

static void
soa(struct dnsf_dnsw *w, const char *zone, struct rng *r)
{
	char a[300];
	size_t at = dnsf_dnsw_rr_begin(w, zone, DNSF_T_SOA, 300 + below(r, 3300));
	snprintf(a, sizeof(a), "ns%u.%s", 1 + below(r, 4), zone[0] ? zone : "a.root-servers.net");
	dnsf_dnsw_name(w, zone[0] ? a : "a.root-servers.net");
	snprintf(a, sizeof(a), "hostmaster.%s", zone[0] ? zone : "verisign-grs.com");
	dnsf_dnsw_name(w, a);
	dnsf_dnsw_u32(w, 2023000000u + below(r, 999999));
	dnsf_dnsw_u32(w, 7200);
	dnsf_dnsw_u32(w, 900);
	dnsf_dnsw_u32(w, 1209600);
	dnsf_dnsw_u32(w, 300);
	dnsf_dnsw_rr_end(w, at);
}

static void
addrs(struct dnsf_dnsw *w, const char *owner, uint16_t qtype, struct rng *r, unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		size_t at = dnsf_dnsw_rr_begin(w, owner, qtype, 20 + below(r, 3600));
		if (qtype == DNSF_T_A) {
			dnsf_dnsw_u32(w, (uint32_t)rnd(r) | 0x01000000u);
		} else {
			dnsf_dnsw_u32(w, 0x26000000u | below(r, 0x00ffffff));
			dnsf_dnsw_u32(w, (uint32_t)rnd(r));
			dnsf_dnsw_u32(w, (uint32_t)rnd(r));
			dnsf_dnsw_u32(w, (uint32_t)rnd(r));
		}
		dnsf_dnsw_rr_end(w, at);
	}
}

static void
txt_string(struct dnsf_dnsw *w, const char *str)
{
	size_t l = strlen(str);
	while (l > 0) {
		size_t c = l > 255 ? 255 : l;
		dnsf_dnsw_u8(w, (uint8_t)c);
		dnsf_dnsw_bytes(w, str, c);
		str += c;
		l -= c;
	}
}

/* Answers of a mail server's look-ups (same return convention as answers()). */
static int
mail_answer(struct dnsf_dnsw *w, const struct ev *e, struct rng *r)
{
	const char *name = e->name;
	char txt[600], target[300], key[400];
	size_t at;

	switch (e->qtype) {
	case DNSF_T_TXT:
		if (strncmp(name, "_dmarc.", 7) == 0) {
			if (below(r, 10) < 3)
				return -2;
			snprintf(txt, sizeof(txt), "v=DMARC1; p=%s; rua=mailto:dmarc@%s",
			         below(r, 2) ? "none" : "reject", name + 7);
		} else if (strncmp(name, "_mta-sts.", 9) == 0) {
			if (below(r, 10) < 7)
				return -2;
			snprintf(txt, sizeof(txt), "v=STSv1; id=%u%06u", 2020 + below(r, 5),
			         below(r, 999999));
		} else if (strstr(name, "._domainkey.") != NULL) {
			if (below(r, 10) < 2)
				return -2;
			rnd_str(r, key, 392, B64);
			snprintf(txt, sizeof(txt), "v=DKIM1; k=rsa; p=%s", key);
		} else {
			snprintf(txt, sizeof(txt),
			         "v=spf1 include:_spf.google.com ip4:%u.%u.%u.0/24 %s",
			         below(r, 223) + 1, below(r, 256), below(r, 256),
			         below(r, 2) ? "~all" : "-all");
		}
		at = dnsf_dnsw_rr_begin(w, name, DNSF_T_TXT, 300 + below(r, 3300));
		txt_string(w, txt);
		dnsf_dnsw_rr_end(w, at);
		return 1;
	case DNSF_T_MX:
		for (unsigned i = 0, k = 1 + below(r, 3); i < k; i++) {
			at = dnsf_dnsw_rr_begin(w, name, DNSF_T_MX, 3600);
			dnsf_dnsw_u16(w, (uint16_t)(10 * (i + 1)));
			snprintf(target, sizeof(target), "mx%u.%s", i + 1, name);
			dnsf_dnsw_name(w, target);
			dnsf_dnsw_rr_end(w, at);
			if (i + 1 == k)
				return (int)k;
		}
		return -1;
	case T_TLSA:
		if (below(r, 10) < 9)
			return -2;
		at = dnsf_dnsw_rr_begin(w, name, T_TLSA, 3600);
		dnsf_dnsw_u8(w, 3);
		dnsf_dnsw_u8(w, 1);
		dnsf_dnsw_u8(w, 1);
		for (int i = 0; i < 8; i++)
			dnsf_dnsw_u32(w, (uint32_t)rnd(r));
		dnsf_dnsw_rr_end(w, at);
		return 1;
	default:
		addrs(w, name, e->qtype == DNSF_T_AAAA ? DNSF_T_AAAA : DNSF_T_A, r, 1);
		return 1;
	}
}

/* Answers to explicit-type look-ups of ordinary names (same convention as answers()). */
static int
admin_answer(struct dnsf_dnsw *w, const struct ev *e, struct rng *r)
{
	static const char *const cdn[] = {"edgekey.net", "cdn.cloudflare.net", "azureedge.net",
	                                  "fastly.net", "akamaized.net"};
	const char *name = e->name, *z = zone_of(name);
	char target[300];
	size_t at;

	switch (e->qtype) {
	case DNSF_T_CNAME:
		if (below(r, 100) < 60)
			return -1; /* not an alias: NODATA */
		snprintf(target, sizeof(target), "%.*s.%s", (int)strcspn(z, "."), z,
		         cdn[below(r, 5)]);
		at = dnsf_dnsw_rr_begin(w, name, DNSF_T_CNAME, 300);
		dnsf_dnsw_name(w, target);
		dnsf_dnsw_rr_end(w, at);
		return 1;
	case DNSF_T_NS:
		if (strcmp(name, z) != 0)
			return -1; /* below the zone apex: NODATA */
		for (unsigned i = 0, k = 2 + below(r, 3); i < k; i++) {
			at = dnsf_dnsw_rr_begin(w, name, DNSF_T_NS, 86400);
			snprintf(target, sizeof(target), "ns%u.%s", i + 1, z);
			dnsf_dnsw_name(w, target);
			dnsf_dnsw_rr_end(w, at);
			if (i + 1 == k)
				return (int)k;
		}
		return -1;
	case DNSF_T_SOA:
		soa(w, z, r);
		return 1;
	case DNSF_T_CAA:
		if (below(r, 10) < 7)
			return -1;
		at = dnsf_dnsw_rr_begin(w, name, DNSF_T_CAA, 3600);
		dnsf_dnsw_u8(w, 0);
		dnsf_dnsw_u8(w, 5);
		dnsf_dnsw_bytes(w, "issueletsencrypt.org", 20);
		dnsf_dnsw_rr_end(w, at);
		return 1;
	case DNSF_T_MX:
	case DNSF_T_TXT:
		return mail_answer(w, e, r);
	default:
		addrs(w, name, DNSF_T_A, r, 1);
		return 1;
	}
}

/* The answer section of a NOERROR response; returns the record count, or -1 for NODATA
 * (the caller adds an SOA) and -2 for NXDOMAIN. */
static int
answers(struct dnsf_dnsw *w, const struct ev *e, struct rng *r)
{
	const char *name = e->name;
	char target[300], a[200];
	unsigned cnt = 0;

	switch (e->kind) {
	case DNSF_SYN_PROBE:
		return -2;
	case DNSF_SYN_DNSBL:
		if (below(r, 100) < 95)
			return -2;
		{
			size_t at = dnsf_dnsw_rr_begin(w, name, DNSF_T_A, 300);
			dnsf_dnsw_u32(w, 0x7f000002u);
			dnsf_dnsw_rr_end(w, at);
		}
		return 1;
	case DNSF_SYN_AV:
		if (below(r, 100) < 70)
			return -2;
		{
			size_t at = dnsf_dnsw_rr_begin(w, name, DNSF_T_A, 3600);
			dnsf_dnsw_u32(w, 0x7f000000u | below(r, 16));
			dnsf_dnsw_rr_end(w, at);
		}
		return 1;
	case DNSF_SYN_PTR:
		if (below(r, 100) < 40)
			return -2;
		{
			size_t at = dnsf_dnsw_rr_begin(w, name, DNSF_T_PTR, 3600);
			snprintf(target, sizeof(target), "host-%u-%u.dyn.%s", below(r, 256),
			         below(r, 256),
			         below(r, 2) ? "example-isp.net" : "broadband.example.com");
			dnsf_dnsw_name(w, target);
			dnsf_dnsw_rr_end(w, at);
		}
		return 1;
	case DNSF_SYN_TXT:
		if (strncmp(name, "_acme", 5) == 0) {
			if (below(r, 10) < 7)
				return -2;
			size_t at = dnsf_dnsw_rr_begin(w, name, DNSF_T_TXT, 60);
			rnd_str(r, a, 43,
			        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
			dnsf_dnsw_u8(w, 43);
			dnsf_dnsw_bytes(w, a, 43);
			dnsf_dnsw_rr_end(w, at);
			return 1;
		}
		{
			/* A 2048-bit DKIM key: ~400 characters in two strings. */
			size_t at = dnsf_dnsw_rr_begin(w, name, DNSF_T_TXT, 3600);
			const char *pre = "v=DKIM1; k=rsa; p=";
			char key[400];
			rnd_str(r, key, 392, B64);
			dnsf_dnsw_u8(w, 255);
			dnsf_dnsw_bytes(w, pre, strlen(pre));
			dnsf_dnsw_bytes(w, key, 255 - strlen(pre));
			size_t rest = 392 - (255 - strlen(pre));
			dnsf_dnsw_u8(w, (uint8_t)rest);
			dnsf_dnsw_bytes(w, key + 255 - strlen(pre), rest);
			dnsf_dnsw_rr_end(w, at);
		}
		return 1;
	case DNSF_SYN_MAIL:
		return mail_answer(w, e, r);
	case DNSF_SYN_ADMIN:
		return admin_answer(w, e, r);
	case DNSF_SYN_SRV:
		if (e->qtype != DNSF_T_SRV || below(r, 100) < 30)
			return -2;
		for (unsigned i = 0, k = 1 + below(r, 3); i < k; i++) {
			size_t at = dnsf_dnsw_rr_begin(w, name, DNSF_T_SRV, 600);
			dnsf_dnsw_u16(w, 0);
			dnsf_dnsw_u16(w, 100);
			dnsf_dnsw_u16(w, strstr(name, "_kerberos") ? 88 : 389);
			snprintf(target, sizeof(target), "dc%02u.%s", i + 1, zone_of(name));
			dnsf_dnsw_name(w, target);
			dnsf_dnsw_rr_end(w, at);
			cnt++;
		}
		return (int)cnt;
	case DNSF_SYN_DNSSEC:
		if (below(r, 100) < 20)
			return -1; /* unsigned zone */
		if (e->qtype == DNSF_T_DS) {
			size_t at = dnsf_dnsw_rr_begin(w, name, DNSF_T_DS, 86400);
			dnsf_dnsw_u16(w, (uint16_t)rnd(r));
			dnsf_dnsw_u8(w, 13);
			dnsf_dnsw_u8(w, 2);
			for (int i = 0; i < 8; i++)
				dnsf_dnsw_u32(w, (uint32_t)rnd(r));
			dnsf_dnsw_rr_end(w, at);
			return 1;
		}
		{
			/* KSK + ZSK: ECDSA P-256 (64-byte keys) or RSA-2048 (260 bytes). */
			int rsa = below(r, 3) == 0;
			for (int i = 0; i < 2; i++) {
				size_t at = dnsf_dnsw_rr_begin(w, name, DNSF_T_DNSKEY, 3600);
				dnsf_dnsw_u16(w, i ? 257 : 256);
				dnsf_dnsw_u8(w, 3);
				dnsf_dnsw_u8(w, rsa ? 8 : 13);
				for (int j = 0; j < (rsa ? 65 : 16); j++)
					dnsf_dnsw_u32(w, (uint32_t)rnd(r));
				dnsf_dnsw_rr_end(w, at);
			}
			return 2;
		}
	default:
		break;
	}
	if (e->qtype == DNSF_T_HTTPS) {
		if (below(r, 100) < 55)
			return -1;
		size_t at = dnsf_dnsw_rr_begin(w, name, DNSF_T_HTTPS, 300);
		dnsf_dnsw_u16(w, 1); /* priority */
		dnsf_dnsw_u8(w, 0);  /* target "." */
		dnsf_dnsw_u16(w, 1); /* alpn */
		dnsf_dnsw_u16(w, 6); /* length */
		dnsf_dnsw_bytes(w, "\2h3\2h2", 6);
		dnsf_dnsw_rr_end(w, at);
		return 1;
	}
	if (e->qtype == DNSF_T_AAAA && below(r, 100) < 35)
		return -1;
	if (e->qtype != DNSF_T_A && e->qtype != DNSF_T_AAAA)
		return -1;
	const char *owner = name;
	if (e->kind == DNSF_SYN_POPULAR && below(r, 100) < 35) {
		/* CDN alias first. */
		static const char *const cdn[] = {"edgekey.net", "cdn.cloudflare.net",
		                                  "azureedge.net", "fastly.net", "akamaized.net"};
		const char *z = zone_of(name);
		size_t zl = strcspn(z, ".");
		snprintf(target, sizeof(target), "%.*s%s.%s", (int)(zl < 40 ? zl : 40), z,
		         below(r, 2) ? "-prod" : "", cdn[below(r, 5)]);
		size_t at = dnsf_dnsw_rr_begin(w, name, DNSF_T_CNAME, 60 + below(r, 3600));
		dnsf_dnsw_name(w, target);
		dnsf_dnsw_rr_end(w, at);
		owner = target;
		cnt++;
	}
	unsigned k = 1 + (below(r, 3) == 0 ? below(r, 4) : 0);
	addrs(w, owner, e->qtype, r, k);
	return (int)(cnt + k);
}

static size_t
build_msg(const struct dnsf_synth *s, const struct ev *e, uint8_t *buf, size_t cap)
{
	const struct client *k = &s->cl[e->client];
	struct dnsf_dnsw w;
	struct rng r;

	dnsf_dnsw_init(&w, buf, cap);
	if (e->is_query) {
		dnsf_dnsw_header(&w, e->id, 0x0100, 1, 0, 0, k->edns ? 1 : 0);
		dnsf_dnsw_name(&w, e->name);
		dnsf_dnsw_u16(&w, e->qtype);
		dnsf_dnsw_u16(&w, 1);
		if (k->edns)
			dnsf_dnsw_opt(&w, k->edns);
		return dnsf_dnsw_len(&w);
	}
	rng_seed(&r, e->aseed);
	dnsf_dnsw_header(&w, e->id, 0x8180, 1, 0, 0, 0);
	dnsf_dnsw_name(&w, e->name);
	dnsf_dnsw_u16(&w, e->qtype);
	dnsf_dnsw_u16(&w, 1);
	int an = answers(&w, e, &r);
	uint16_t ns = 0;
	if (an < 0) {
		soa(&w, e->kind == DNSF_SYN_PROBE ? "" : zone_of(e->name), &r);
		ns = 1;
	}
	if (k->edns)
		dnsf_dnsw_opt(&w, 1232);
	if (dnsf_dnsw_len(&w) == 0)
		return 0;
	buf[3] = (uint8_t)(0x80 | (an == -2 ? DNSF_RCODE_NXDOMAIN : 0));
	buf[6] = 0;
	buf[7] = (uint8_t)(an > 0 ? an : 0);
	buf[8] = 0;
	buf[9] = (uint8_t)ns;
	buf[11] = k->edns ? 1 : 0;
	return dnsf_dnsw_len(&w);
}

int
dnsf_synth_next(struct dnsf_synth *s, struct dnsf_synth_pkt *p)
{
	struct ev e;
	uint8_t msg[1400];

	while (s->nheap > 0) {
		heap_pop(s, &e);
		if (e.type == EV_VIEW) {
			if (e.t <= s->t_end)
				page_view(s, e.client, e.t);
			continue;
		}
		if (e.type == EV_POLL) {
			if (e.t <= s->t_end)
				poll_run(s, &e);
			continue;
		}
		size_t ml = build_msg(s, &e, msg, sizeof(msg));
		if (ml == 0)
			continue;
		const struct client *k = &s->cl[e.client];
		struct dnsf_frame_addr a;
		memset(&a, 0, sizeof(a));
		a.ip_version = k->v6 ? 6 : 4;
		uint8_t res[16] = {0};
		if (k->v6) {
			res[0] = 0xfd;
			res[1] = 0x53;
			res[15] = 0x53;
		} else {
			res[0] = 10;
			res[3] = 53;
		}
		static const uint8_t cmac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
		static const uint8_t rmac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x53};
		if (e.is_query) {
			memcpy(a.src, k->addr, 16);
			memcpy(a.dst, res, 16);
			a.sport = e.sport;
			a.dport = 53;
			memcpy(a.smac, cmac, 6);
			memcpy(a.dmac, rmac, 6);
		} else {
			memcpy(a.src, res, 16);
			memcpy(a.dst, k->addr, 16);
			a.sport = 53;
			a.dport = e.sport;
			memcpy(a.smac, rmac, 6);
			memcpy(a.dmac, cmac, 6);
		}
		p->len = (uint32_t)dnsf_frame_udp(&a, msg, ml, p->frame, sizeof(p->frame));
		if (p->len == 0)
			continue;
		p->ts_us = s->cfg.t0_us + (uint64_t)(e.t * 1e6);
		p->kind = e.kind;
		p->is_query = e.is_query;
		p->client = e.client;
		return 1;
	}
	return 0;
}
