/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The benchmark mix: frames built byte by byte here (Ethernet, IPv4/IPv6, UDP/TCP, DNS), so the
 * numbers do not depend on files outside the repository. Shares and shapes are documented in
 * docs/performance.md; the tunnel shapes follow what iodine (base32 / base128 NULL queries) and
 * dns2tcp (base64 TXT) put on the wire.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_bench_mix.h"

const uint16_t dnsf_bench_mix_share[DNSF_BK__COUNT] = {
    [DNSF_BK_BENIGN_Q] = 330,  [DNSF_BK_BENIGN_R] = 330, [DNSF_BK_TUNNEL_Q] = 80,
    [DNSF_BK_TUNNEL_R] = 70,   [DNSF_BK_DNS_TCP] = 10,   [DNSF_BK_NONDNS_TCP] = 100,
    [DNSF_BK_NONDNS_UDP] = 60, [DNSF_BK_MALFORMED] = 20,
};

const char *
dnsf_bench_kind_name(unsigned k)
{
	static const char *const names[DNSF_BK__COUNT] = {
	    "benign_query", "benign_response", "tunnel_query", "tunnel_response",
	    "dns_tcp",      "non_dns_tcp",     "non_dns_udp",  "malformed",
	};
	return k < DNSF_BK__COUNT ? names[k] : "?";
}

/* ---- byte writers ---- */

struct buf {
	uint8_t *b;
	size_t n;
};

static void
put8(struct buf *w, unsigned v)
{
	w->b[w->n++] = (uint8_t)v;
}

static void
put16(struct buf *w, unsigned v)
{
	put8(w, v >> 8);
	put8(w, v);
}

static void
put32(struct buf *w, uint32_t v)
{
	put16(w, v >> 16);
	put16(w, v & 0xffff);
}

static void
putn(struct buf *w, const void *p, size_t n)
{
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

/* A presentation name ("a.b.c") as wire labels; bytes other than '.' go as they are. */
static void
put_name(struct buf *w, const char *name)
{
	const char *p = name;

	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		put8(w, (unsigned)l);
		putn(w, p, l);
		p += l;
		if (*p == '.')
			p++;
	}
	put8(w, 0);
}

/* ---- random helpers ---- */

static uint32_t
rnd(uint64_t *s, uint32_t n)
{
	return (uint32_t)((dnsf_bench_rand(s) >> 32) % n);
}

/* Skewed pick in 0..n-1: popular items come up far more often (roughly Zipf-like). */
static uint32_t
rnd_skew(uint64_t *s, uint32_t n)
{
	uint64_t a = rnd(s, n), b = rnd(s, n);
	return (uint32_t)(a * b / n);
}

static void
rnd_str(uint64_t *s, char *out, size_t len, const char *alphabet, size_t alen)
{
	for (size_t i = 0; i < len; i++)
		out[i] = alphabet[rnd(s, (uint32_t)alen)];
	out[len] = '\0';
}

/* ---- L2-L4 ---- */

struct l4 {
	uint8_t v6;
	uint8_t proto; /* 17 or 6 */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t tcp_flags;
	int udp_len_delta; /* malformed: UDP length field off by this much */
};

static void
addr_client(uint8_t *a, int v6, uint32_t id)
{
	memset(a, 0, 16);
	if (!v6) {
		a[0] = 10;
		a[1] = (uint8_t)(id >> 16);
		a[2] = (uint8_t)(id >> 8);
		a[3] = (uint8_t)id;
	} else {
		a[0] = 0xfd;
		a[2] = 0xbe;
		a[3] = 0x4c;
		a[12] = (uint8_t)(id >> 24);
		a[13] = (uint8_t)(id >> 16);
		a[14] = (uint8_t)(id >> 8);
		a[15] = (uint8_t)id;
	}
}

static void
addr_server(uint8_t *a, int v6, unsigned which)
{
	memset(a, 0, 16);
	if (!v6) {
		a[0] = 192;
		a[1] = 0;
		a[2] = 2;
		a[3] = (uint8_t)(53 + which);
	} else {
		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = 0x0d;
		a[3] = 0xb8;
		a[15] = (uint8_t)(53 + which);
	}
}

static uint16_t
ip4_csum(const uint8_t *h)
{
	uint32_t s = 0;
	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Ethernet + IP + UDP/TCP around payload; returns the frame length (padded to 60). Sets
 * *client_off to where the address `client_is_src` names starts. */
static uint16_t
frame(uint8_t *slot, const struct l4 *h, const uint8_t *pl, size_t plen, int client_is_src,
      uint16_t *client_off)
{
	static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x01};
	static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x02};
	struct buf w = {slot, 0};
	const size_t l4len = (h->proto == 6 ? 20 : 8) + plen;
	size_t ip_off;

	putn(&w, mac_b, 6);
	putn(&w, mac_a, 6);
	put16(&w, h->v6 ? 0x86dd : 0x0800);
	ip_off = w.n;
	if (!h->v6) {
		put8(&w, 0x45);
		put8(&w, 0);
		put16(&w, (unsigned)(20 + l4len));
		put16(&w, 0x1234);
		put16(&w, 0x4000); /* DF */
		put8(&w, 64);
		put8(&w, h->proto);
		put16(&w, 0);
		putn(&w, h->src, 4);
		putn(&w, h->dst, 4);
		const uint16_t c = ip4_csum(slot + ip_off);
		slot[ip_off + 10] = (uint8_t)(c >> 8);
		slot[ip_off + 11] = (uint8_t)c;
		*client_off = (uint16_t)(ip_off + (client_is_src ? 12 : 16));
	} else {
		put32(&w, 0x60000000);
		put16(&w, (unsigned)l4len);
		put8(&w, h->proto);
		put8(&w, 64);
		putn(&w, h->src, 16);
		putn(&w, h->dst, 16);
		*client_off = (uint16_t)(ip_off + (client_is_src ? 8 : 24));
	}
	put16(&w, h->sport);
	put16(&w, h->dport);
	if (h->proto == 17) {
		put16(&w, (unsigned)((int)l4len + h->udp_len_delta));
		put16(&w, 0);
	} else {
		put32(&w, 0x10000000u + h->sport);
		put32(&w, 0x20000000u + h->dport);
		put8(&w, 5 << 4);
		put8(&w, h->tcp_flags);
		put16(&w, 65535);
		put16(&w, 0);
		put16(&w, 0);
	}
	putn(&w, pl, plen);
	while (w.n < 60)
		put8(&w, 0);
	return (uint16_t)w.n;
}

/* ---- names ---- */

static const char *const words[] = {
    "blue",   "cloud",  "shop",  "news",   "mail",   "data",  "photo",  "video", "game",  "bank",
    "travel", "music",  "sport", "food",   "tech",   "home",  "city",   "star",  "green", "fast",
    "smart",  "open",   "net",   "web",    "media",  "life",  "book",   "store", "link",  "zone",
    "prime",  "north",  "south", "east",   "west",   "gold",  "red",    "micro", "macro", "hyper",
    "alpha",  "delta",  "sigma", "omega",  "nova",   "luna",  "sol",    "terra", "aqua",  "pixel",
    "byte",   "code",   "dev",   "apps",   "market", "trade", "health", "care",  "auto",  "energy",
    "secure", "global", "local", "social",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

static const char *const tlds[] = {
    "com",    "com", "com", "com", "com",   "com",    "net", "net",  "org", "de", "co.uk",
    "com.au", "io",  "fr",  "ru",  "co.jp", "com.br", "nl",  "info", "it",  "pl", "es",
};
#define N_TLDS (sizeof(tlds) / sizeof(tlds[0]))

static const char *const subs[] = {
    "www", "www",  "www",    "api",   "cdn",  "img", "static", "m",      "login",     "mail",
    "app", "edge", "assets", "media", "auth", "ws",  "push",   "update", "telemetry", "ads",
};
#define N_SUBS (sizeof(subs) / sizeof(subs[0]))

/* A benign name over ~2 x 64 x 64 x 22 registered domains, popular ones far more often. */
static void
benign_name(uint64_t *s, char *out, size_t cap, uint16_t *qtype)
{
	const uint32_t d = rnd_skew(s, 4096);
	const char *w1 = words[d % N_WORDS], *w2 = words[(d / N_WORDS) % N_WORDS];
	const char *tld = tlds[(d * 7) % N_TLDS];
	const uint32_t shape = rnd(s, 100);
	char hex[24];

	*qtype = 1;
	if (shape < 3) {
		/* Reverse look-up (allow-listed in the shipped config). */
		snprintf(out, cap, "%u.%u.%u.%u.in-addr.arpa", rnd(s, 256), rnd(s, 256),
		         rnd(s, 256), 10 + rnd(s, 200));
		*qtype = 12;
		return;
	}
	if (shape < 8) {
		/* CDN object names: hex hashes (short enough to be everyday names). */
		rnd_str(s, hex, 8 + rnd(s, 9), "0123456789abcdef", 16);
		snprintf(out, cap, "%s.%s%s.%s", hex, w1, w2, tld);
	} else if (shape < 28) {
		snprintf(out, cap, "%s%s.%s", w1, w2, tld);
	} else if (shape < 38) {
		snprintf(out, cap, "%s%u.%s.%s%s.%s", subs[rnd(s, N_SUBS)], rnd(s, 40), w1, w1, w2,
		         tld);
	} else if (shape < 43) {
		snprintf(out, cap, "_dmarc.%s%s.%s", w1, w2, tld);
		*qtype = 16;
		return;
	} else {
		snprintf(out, cap, "%s.%s%s.%s", subs[rnd(s, N_SUBS)], w1, w2, tld);
	}
	const uint32_t t = rnd(s, 100);
	*qtype = t < 50 ? 1 : t < 80 ? 28 : t < 90 ? 65 : t < 95 ? 15 : 16;
}

/* Resolvers randomise case (0x20) on a few names; the detector must not mistake it for data. */
static void
maybe_mixcase(uint64_t *s, char *name)
{
	if (rnd(s, 100) >= 3)
		return;
	for (char *p = name; *p; p++)
		if (*p >= 'a' && *p <= 'z' && (dnsf_bench_rand(s) & 1))
			*p = (char)(*p - 32);
}

static const char *const tunnel_domains[] = {
    "t.exfil-cloud.com",  "tun.dnsgate.net", "x.quietpipe.org",
    "d.update-cdn.co.uk", "n.syncbox.io",    "a.pagecache.de",
};
#define N_TDOM (sizeof(tunnel_domains) / sizeof(tunnel_domains[0]))

enum { TUN_B32 = 0, TUN_B128, TUN_B64 };

/* iodine base32 (a-z0-5) / base128 (letters, digits, 0xbc..0xfd), dns2tcp-like base64. Data
 * split into 63-octet labels, then the tunnel's domain. */
static void
tunnel_name(uint64_t *s, unsigned kind, char *out, size_t cap, uint16_t *qtype)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz012345";
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char b128[128];
	char data[256];
	size_t len, o = 0;

	for (int i = 0; i < 62; i++)
		b128[i] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[i];
	for (int i = 0; i < 66; i++)
		b128[62 + i] = (char)(0xbc + i);
	switch (kind) {
	case TUN_B32:
		len = 100 + rnd(s, 101);
		rnd_str(s, data, len, b32, 32);
		*qtype = 10;
		break;
	case TUN_B128:
		len = 90 + rnd(s, 91);
		rnd_str(s, data, len, b128, 128);
		*qtype = 10;
		break;
	default:
		len = 60 + rnd(s, 91);
		rnd_str(s, data, len, b64, 64);
		*qtype = 16;
		break;
	}
	/* iodine's first character is its command/user code: keep it a letter. */
	data[0] = "pyz"[kind % 3];
	for (size_t i = 0; i < len; i += 63) {
		size_t l = len - i < 63 ? len - i : 63;
		memcpy(out + o, data + i, l);
		o += l;
		out[o++] = '.';
	}
	snprintf(out + o, cap - o, "%s", tunnel_domains[rnd(s, N_TDOM)]);
}

/* ---- DNS messages ---- */

static void
dns_header(struct buf *w, uint16_t id, uint16_t flags, unsigned qd, unsigned an, unsigned ns,
           unsigned ar)
{
	put16(w, id);
	put16(w, flags);
	put16(w, qd);
	put16(w, an);
	put16(w, ns);
	put16(w, ar);
}

static void
opt_rr(struct buf *w, unsigned size)
{
	put8(w, 0);
	put16(w, 41);
	put16(w, size);
	put32(w, 0);
	put16(w, 0);
}

static size_t
query_msg(uint8_t *msg, uint64_t *s, const char *name, uint16_t qtype, int edns)
{
	struct buf w = {msg, 0};

	dns_header(&w, rnd(s, 65536), 0x0100, 1, 0, 0, edns ? 1 : 0);
	put_name(&w, name);
	put16(&w, qtype);
	put16(&w, 1);
	if (edns)
		opt_rr(&w, 1232);
	return w.n;
}

/* An answer record whose owner is the question name (pointer to offset 12). */
static void
rr_head(struct buf *w, uint16_t type, uint32_t ttl, unsigned rdlen)
{
	put16(w, 0xc00c);
	put16(w, type);
	put16(w, 1);
	put32(w, ttl);
	put16(w, rdlen);
}

static size_t
benign_response(uint8_t *msg, uint64_t *s, const char *name, uint16_t qtype)
{
	struct buf w = {msg, 0};
	const int nx = rnd(s, 100) < 12;
	const int cname = !nx && rnd(s, 100) < 20 && (qtype == 1 || qtype == 28);
	unsigned an = 0, an_pos;

	dns_header(&w, rnd(s, 65536), nx ? 0x8183 : 0x8180, 1, 0, 0, 1);
	an_pos = 6;
	put_name(&w, name);
	put16(&w, qtype);
	put16(&w, 1);
	if (nx) {
		/* SOA in authority, as resolvers send it. */
		msg[8] = 0;
		msg[9] = 1;
		put16(&w, 0xc00c);
		put16(&w, 6);
		put16(&w, 1);
		put32(&w, 900);
		const size_t rdl = w.n;
		put16(&w, 0);
		put_name(&w, "ns1.registry-servers.net");
		put_name(&w, "hostmaster.registry-servers.net");
		for (int i = 0; i < 5; i++)
			put32(&w, 3600u * (uint32_t)(i + 1));
		const size_t l = w.n - rdl - 2;
		msg[rdl] = (uint8_t)(l >> 8);
		msg[rdl + 1] = (uint8_t)l;
	} else {
		if (cname) {
			rr_head(&w, 5, 300, 19);
			put8(&w, 5);
			putn(&w, "edge1", 5);
			put8(&w, 10);
			putn(&w, "cdnservice", 10);
			put16(&w, 0xc000 | 12); /* not exact, a pointer is all a parser checks */
			an++;
		}
		switch (qtype) {
		case 28:
			for (unsigned i = 0, k = 1 + rnd(s, 2); i < k; i++, an++) {
				rr_head(&w, 28, 300, 16);
				for (int j = 0; j < 16; j++)
					put8(&w, rnd(s, 256));
			}
			break;
		case 16:
			rr_head(&w, 16, 3600, 40);
			put8(&w, 39);
			for (int j = 0; j < 39; j++)
				put8(&w, 'a' + rnd(s, 26));
			an++;
			break;
		case 12:
			rr_head(&w, 12, 3600, 2);
			put16(&w, 0xc00c);
			an++;
			break;
		case 15:
			rr_head(&w, 15, 3600, 4);
			put16(&w, 10);
			put16(&w, 0xc00c);
			an++;
			break;
		case 65:
			rr_head(&w, 65, 300, 3);
			put16(&w, 1);
			put8(&w, 0);
			an++;
			break;
		default:
			for (unsigned i = 0, k = 1 + rnd(s, 4); i < k; i++, an++) {
				rr_head(&w, 1, 300, 4);
				put32(&w, (uint32_t)dnsf_bench_rand(s));
			}
			break;
		}
		msg[an_pos] = (uint8_t)(an >> 8);
		msg[an_pos + 1] = (uint8_t)an;
	}
	opt_rr(&w, 1232);
	return w.n;
}

static size_t
tunnel_response(uint8_t *msg, uint64_t *s, const char *name, uint16_t qtype)
{
	struct buf w = {msg, 0};

	dns_header(&w, rnd(s, 65536), 0x8400, 1, 1, 0, 1);
	put_name(&w, name);
	put16(&w, qtype);
	put16(&w, 1);
	if (qtype == 10) {
		const unsigned l = 200 + rnd(s, 901);
		rr_head(&w, 10, 0, l);
		for (unsigned j = 0; j < l; j++)
			put8(&w, rnd(s, 256));
	} else {
		unsigned total = 200 + rnd(s, 701), strings = (total + 254) / 255;
		rr_head(&w, 16, 0, total + strings);
		while (total > 0) {
			unsigned l = total > 255 ? 255 : total;
			put8(&w, l);
			for (unsigned j = 0; j < l; j++)
				put8(&w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz01234"
				         "56789+/"[rnd(s, 64)]);
			total -= l;
		}
	}
	opt_rr(&w, 4096);
	return w.n;
}

/* ---- frames of each kind ---- */

#define N_CLIENTS  4096 /* benign stub clients */
#define N_TCLIENTS 12   /* tunnel clients */

/* --paired: the last PAIR_RING benign UDP queries; a benign response answers one of them. */
#define PAIR_RING 256 /* 77 KiB */
struct pairs {
	int on;
	uint32_t n; /* queries recorded so far */
	struct {
		char name[300];
		uint16_t qtype;
		uint32_t client;
		uint8_t v6;
	} q[PAIR_RING];
};

static void
make(struct dnsf_bench_frame *f, uint8_t *slot, unsigned kind, uint64_t *s, struct pairs *pr)
{
	uint8_t msg[1600];
	char name[300];
	uint16_t qtype;
	size_t ml;
	struct l4 h;

	memset(&h, 0, sizeof(h));
	h.proto = 17;
	h.v6 = rnd(s, 100) < 12;
	f->kind = (uint8_t)kind;
	f->v6 = h.v6;
	f->client_len = 0;
	f->client_off = 0;

	switch (kind) {
	case DNSF_BK_BENIGN_Q:
	case DNSF_BK_BENIGN_R:
	case DNSF_BK_DNS_TCP: {
		uint32_t c = rnd_skew(s, N_CLIENTS);
		benign_name(s, name, sizeof(name), &qtype);
		maybe_mixcase(s, name);
		if (pr->on && kind == DNSF_BK_BENIGN_R && pr->n > 0) {
			/* The answer to one of the recent queries: same client, name (case
			 * included) and type, as a bump in the wire sees it. */
			const uint32_t k = rnd(s, pr->n < PAIR_RING ? pr->n : PAIR_RING);
			const uint32_t at = (pr->n - 1 - k) % PAIR_RING;
			snprintf(name, sizeof(name), "%s", pr->q[at].name);
			qtype = pr->q[at].qtype;
			c = pr->q[at].client;
			h.v6 = pr->q[at].v6;
			f->v6 = h.v6;
		} else if (pr->on && kind == DNSF_BK_BENIGN_Q) {
			const uint32_t at = pr->n++ % PAIR_RING;
			snprintf(pr->q[at].name, sizeof(pr->q[at].name), "%s", name);
			pr->q[at].qtype = qtype;
			pr->q[at].client = c;
			pr->q[at].v6 = h.v6;
		}
		if (kind == DNSF_BK_BENIGN_R) {
			ml = benign_response(msg, s, name, qtype);
			addr_server(h.src, h.v6, c % 2);
			addr_client(h.dst, h.v6, c);
			h.sport = 53;
			h.dport = (uint16_t)(1024 + rnd(s, 64000));
		} else {
			ml = query_msg(msg, s, name, qtype, rnd(s, 100) < 70);
			addr_client(h.src, h.v6, c);
			addr_server(h.dst, h.v6, c % 2);
			h.sport = (uint16_t)(1024 + rnd(s, 64000));
			h.dport = 53;
		}
		if (kind == DNSF_BK_DNS_TCP) {
			memmove(msg + 2, msg, ml);
			msg[0] = (uint8_t)(ml >> 8);
			msg[1] = (uint8_t)ml;
			ml += 2;
			h.proto = 6;
			h.tcp_flags = 0x18; /* PSH ACK */
		}
		f->len = frame(slot, &h, msg, ml, kind != DNSF_BK_BENIGN_R, &f->client_off);
		f->client_len = h.v6 ? 16 : 4;
		return;
	}
	case DNSF_BK_TUNNEL_Q:
	case DNSF_BK_TUNNEL_R: {
		const uint32_t c = 0x090000 + rnd(s, N_TCLIENTS);
		const unsigned tk = rnd(s, 10) < 4 ? TUN_B32 : rnd(s, 2) ? TUN_B128 : TUN_B64;
		tunnel_name(s, tk, name, sizeof(name), &qtype);
		if (kind == DNSF_BK_TUNNEL_Q) {
			ml = query_msg(msg, s, name, qtype, rnd(s, 2));
			addr_client(h.src, h.v6, c);
			addr_server(h.dst, h.v6, 0);
			h.sport = (uint16_t)(1024 + rnd(s, 64000));
			h.dport = 53;
		} else {
			ml = tunnel_response(msg, s, name, qtype);
			addr_server(h.src, h.v6, 0);
			addr_client(h.dst, h.v6, c);
			h.sport = 53;
			h.dport = (uint16_t)(1024 + rnd(s, 64000));
		}
		f->len = frame(slot, &h, msg, ml, kind == DNSF_BK_TUNNEL_Q, &f->client_off);
		f->client_len = h.v6 ? 16 : 4;
		return;
	}
	case DNSF_BK_NONDNS_TCP: {
		const uint32_t c = rnd_skew(s, N_CLIENTS), t = rnd(s, 10);
		const size_t pl = t < 5 ? 0 : 100 + rnd(s, 1301);
		for (size_t i = 0; i < pl; i++)
			msg[i] = (uint8_t)dnsf_bench_rand(s);
		h.proto = 6;
		h.tcp_flags = pl ? 0x18 : 0x10;
		if (t < 8) {
			addr_client(h.src, h.v6, c);
			addr_server(h.dst, h.v6, 10 + c % 50);
			h.sport = (uint16_t)(1024 + rnd(s, 64000));
			h.dport = 443;
		} else {
			addr_server(h.src, h.v6, 10 + c % 50);
			addr_client(h.dst, h.v6, c);
			h.sport = 443;
			h.dport = (uint16_t)(1024 + rnd(s, 64000));
		}
		f->len = frame(slot, &h, msg, pl, 1, &f->client_off);
		f->client_off = 0;
		return;
	}
	case DNSF_BK_NONDNS_UDP: {
		const uint32_t c = rnd_skew(s, N_CLIENTS);
		const int ntp = rnd(s, 10) < 3;
		const size_t pl = ntp ? 48 : 1200;
		for (size_t i = 0; i < pl; i++)
			msg[i] = (uint8_t)dnsf_bench_rand(s);
		addr_client(h.src, h.v6, c);
		addr_server(h.dst, h.v6, 20 + c % 50);
		h.sport = ntp ? 123 : (uint16_t)(1024 + rnd(s, 64000));
		h.dport = ntp ? 123 : 443;
		f->len = frame(slot, &h, msg, pl, 1, &f->client_off);
		f->client_off = 0;
		return;
	}
	default: { /* malformed, on port 53 */
		const uint32_t c = rnd_skew(s, N_CLIENTS);
		const unsigned how = rnd(s, 5);
		benign_name(s, name, sizeof(name), &qtype);
		ml = query_msg(msg, s, name, qtype, 0);
		switch (how) {
		case 0: /* label longer than 63 */
			msg[12] = 70;
			break;
		case 1: /* question cut in the middle of the name */
			ml = 12 + 4;
			break;
		case 2: /* UDP length says more than the datagram holds */
			h.udp_len_delta = 40;
			break;
		case 3: /* compression pointer to itself */
			msg[12] = 0xc0;
			msg[13] = 12;
			break;
		default: /* shorter than a DNS header */
			ml = 7;
			break;
		}
		addr_client(h.src, h.v6, c);
		addr_server(h.dst, h.v6, c % 2);
		h.sport = (uint16_t)(1024 + rnd(s, 64000));
		h.dport = 53;
		f->len = frame(slot, &h, msg, ml, 1, &f->client_off);
		f->client_off = 0;
		return;
	}
	}
}

int
dnsf_bench_mix_build(struct dnsf_bench_mix *mix, uint32_t n, uint64_t seed)
{
	return dnsf_bench_mix_build_paired(mix, n, seed, 0);
}

int
dnsf_bench_mix_build_paired(struct dnsf_bench_mix *mix, uint32_t n, uint64_t seed, int paired)
{
	uint64_t s = seed ? seed : 1;
	static struct pairs pr; /* not on the stack */
	uint8_t *kinds;
	uint32_t k, i, o = 0;

	memset(mix, 0, sizeof(*mix));
	if (n == 0)
		return -1;
	mix->f = calloc(n, sizeof(*mix->f));
	mix->arena = aligned_alloc(64, (size_t)n * DNSF_BENCH_SLOT);
	mix->orig = malloc((size_t)n * DNSF_BENCH_SLOT);
	kinds = malloc(n);
	if (mix->f == NULL || mix->arena == NULL || mix->orig == NULL || kinds == NULL) {
		free(kinds);
		dnsf_bench_mix_free(mix);
		return -1;
	}
	mix->n = n;
	/* Exact shares, then a fixed shuffle: the arrival order interleaves every kind. */
	for (k = 1; k < DNSF_BK__COUNT; k++) {
		const uint32_t c = (uint32_t)((uint64_t)n * dnsf_bench_mix_share[k] / 1000);
		for (i = 0; i < c && o < n; i++)
			kinds[o++] = (uint8_t)k;
	}
	while (o < n)
		kinds[o++] = DNSF_BK_BENIGN_Q;
	pr.on = paired;
	pr.n = 0;
	for (i = n - 1; i > 0; i--) {
		const uint32_t j = (uint32_t)((dnsf_bench_rand(&s) >> 32) % (i + 1));
		const uint8_t t = kinds[i];
		kinds[i] = kinds[j];
		kinds[j] = t;
	}
	for (i = 0; i < n; i++) {
		struct dnsf_bench_frame *f = &mix->f[i];
		uint8_t *slot = mix->arena + (size_t)i * DNSF_BENCH_SLOT;
		memset(slot, 0, DNSF_BENCH_SLOT);
		make(f, slot, kinds[i], &s, &pr);
		f->data = slot;
		memcpy(mix->orig + (size_t)i * DNSF_BENCH_SLOT, slot, f->len);
		f->orig = mix->orig + (size_t)i * DNSF_BENCH_SLOT;
		mix->count[f->kind]++;
		mix->bytes += f->len;
	}
	free(kinds);
	return 0;
}

void
dnsf_bench_mix_free(struct dnsf_bench_mix *mix)
{
	free(mix->f);
	free(mix->arena);
	free(mix->orig);
	memset(mix, 0, sizeof(*mix));
}

void
dnsf_bench_mix_restore(struct dnsf_bench_mix *mix, uint32_t i)
{
	memcpy(mix->f[i].data, mix->f[i].orig, mix->f[i].len);
}

void
dnsf_bench_set_client(struct dnsf_bench_frame *f, uint32_t id)
{
	uint8_t *a = f->data + f->client_off;

	if (f->client_len == 4) {
		a[1] = (uint8_t)(id >> 16);
		a[2] = (uint8_t)(id >> 8);
		a[3] = (uint8_t)id;
	} else if (f->client_len == 16) {
		a[12] = (uint8_t)(id >> 24);
		a[13] = (uint8_t)(id >> 16);
		a[14] = (uint8_t)(id >> 8);
		a[15] = (uint8_t)id;
	}
}
