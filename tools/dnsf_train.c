/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsfence-train — build the quantized tunnel classifier from labelled traffic.
 *
 *   dnsfence-train -c CONFIG -o OUT.model [--label-suffix S]... [--holdout SUBSTR]...
 *                  [--val PCAP]... [--benign-names FILE]... [--clients N] [--seconds S]
 *                  [--val-clients N] [--val-seconds S] [--seed N] [--hidden W[,W...]]
 *                  [--epochs N] [--batch N] [--lr X] [--l2 X] [--hard-negatives W]
 *                  [--forwarders PCT] [--synth-tunnels N] [--val-synth-tunnels N]
 *                  [--synth-kinds K[,K...]]
 *                  [--tolerance T] [--fpr F]
 *                  [--no-rename] [--json REPORT.json] [--explain N] [--quiet] [PCAP...]
 *
 * 1. Examples. Every source — each capture file, and synthetic benign clients (dnsf_synth) — is
 *    played in timestamp order through a fresh engine worker built from CONFIG
 *    (dnsf_worker_process: the dataplane's own parse, lists, PSL split, flow/domain state and
 *    features) with verdict holds, the QTYPE policy and the model turned off, so every message
 *    the detector sees is
 * described in its flow's context as the dataplane would describe it before any block. The engine
 * hands the detector's output out through dnsf_worker.tap; the example is its model input vector
 *    (dnsf_detect_model_input). Label: QNAME ends with a label suffix (dnsf_lsrc). Allow-listed
 *    messages never reach the detector, in training as in service.
 *    Per (client, registered domain) session the first 256 messages are kept and one in 16
 *    after that: detection has to happen early, and a long transfer must not drown the rest.
 * 2. Split, by tool configuration and by registered domain, never by packet: a capture whose file
 *    name contains a --holdout string (or given with --val) is validation, whole; tunnel base
 *    domains are renamed to random domains, different ones for training and validation (unless
 *    --no-rename); synthetic benign traffic comes from disjoint sets of registered domains (the
 *    name lists split by a hash of the registered domain: 4/5 training, 1/5 validation).
 * 3. Normalisation fitted on training rows (1%..99% quantiles), float MLP trained (Adam, balanced
 *    classes, seeded), quantized (dnsf_mlp_quantize), and the integer model checked against the
 *    float network on every validation example: the run fails if any score differs by more than
 *    --tolerance (default 40 of 1000; see DEF_TOLERANCE).
 * 4. Held-out numbers (integer model, validation sources only): per-message tunnel recall and
 *    benign false-positive rate at the config's model threshold and at others, the threshold for a
 *    target benign FPR (--fpr, default 1e-4), and per tunnel session the queries and subdomain
 *    bytes before the first detection by rules alone, model alone, and either.
 * 5. The model file (dnsf_model_save, schema dnsf_feat_schema_hash()). Same inputs and seed give
 *    the same bytes.
 * Exit status: 0, 1 (error or agreement check failed), 2 (usage).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_config.h"
#include "dnsf_detect.h"
#include "dnsf_engine.h"
#include "dnsf_features.h"
#include "dnsf_lsrc.h"
#include "dnsf_mlp.h"
#include "dnsf_model.h"
#include "dnsf_rename.h"
#include "dnsf_synth.h"
#include "dnsf_tunsynth.h"

#define NF           DNSF_F_VEC_COUNT
#define KEEP_FIRST   256
#define KEEP_EVERY   16
#define BENIGN_PARTS 5 /* registered-domain parts; the last one is validation */
#define MAX_SOURCES  4096
#define MAX_HIDDEN   (DNSF_MODEL_MAX_LAYERS - 1)
/* Integer vs float: int8 activations round each hidden unit by up to half a step (max/254), and
 * at the sigmoid's steepest point (score 500) a logit error of 0.16 is 40 score points; far from
 * 500 the same error is a point or two. The mean difference is far below 1. */
#define DEF_TOLERANCE 40.0
/* Weight decay: larger than dnsf_mlp's default. Smaller, evener weights quantize better (the
 * integer/float gap on our data fell from 75 to 27 points from 1e-4 to 3e-3) and the model leans
 * less on any single feature. */
#define DEF_L2 3e-3
/* Tunnel examples weigh min(1, message index / RAMP) in the loss: the first messages of a
 * session (a handshake of a few short TXT or NULL queries) cannot be told from a mail server's
 * DKIM look-up by their own shape, and forcing the network to flag them anyway teaches it "rare
 * type = tunnel". Their flow context is what gives a tunnel away, and it grows with every query;
 * the rules and the verdict cache still see the whole session. */
#define RAMP 16
/* Tunnel queries weigh min(1, subdomain length / SHORT_SUB) too: a query with a short subdomain
 * (iodine's login and ping queries, dns2tcp's polls) carries next to no payload, and its own
 * shape is that of an admin's `dig CNAME img2.news.example`. Flagging it buys no leaked bytes
 * and taught the network that a short name of a rare type is a tunnel; the long data queries
 * that follow (and their answers, weighed in full) are where the payload is. */
#define SHORT_SUB 24
/* Benign examples of record types other than A/AAAA weigh this much more (--hard-negatives):
 * mail servers' TXT, domain members' SRV and validating forwarders' DNSKEY are a few per cent of
 * benign traffic but share their record types with nearly every tunnel example; unweighted, the
 * network gives them up and learns "TXT = tunnel". */
#define DEF_HARD_NEG 4.0
/* Per cent of the synthetic benign clients that are forwarders or NAT gateways for 20-200 users
 * (--forwarders): one address with many names of the popular domains, at a rate no single user
 * has. Without them the only high-volume flows in the data are tunnels, and the network took a
 * load test's ordinary CNAME look-ups (dnsperf through unbound, tests/integration) for one. */
#define DEF_FORWARDERS 3

static int quiet;
static unsigned explain;

static void
die_oom(void)
{
	fprintf(stderr, "dnsfence-train: out of memory\n");
	exit(1);
}

/* ---- the data set ---- */

struct ex {
	int32_t v[NF];
	int32_t rule_score;
	uint32_t sess; /* session id (global) */
	uint32_t qidx; /* 1-based query index in its session (0 for responses) */
	uint32_t midx; /* 1-based message index in its session */
	uint16_t sub_len;
	uint16_t src;
	uint8_t y;
	uint8_t is_query;
	uint8_t val;
	uint8_t rep; /* tunnel: repeats a name its session already asked (no new payload) */
};

struct dataset {
	struct ex *e;
	char **qname; /* validation examples only (for --explain), else NULL */
	size_t n, cap;
	uint32_t nsess;
};

static void
ds_push(struct dataset *d, const struct ex *x, const char *qname)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 65536;
		d->e = realloc(d->e, d->cap * sizeof(*d->e));
		d->qname = realloc(d->qname, d->cap * sizeof(*d->qname));
		if (d->e == NULL || d->qname == NULL)
			die_oom();
	}
	d->qname[d->n] = NULL;
	if (qname != NULL && (d->qname[d->n] = strdup(qname)) == NULL)
		die_oom();
	d->e[d->n++] = *x;
}

/* Per-source session table: (client, registered domain) -> global id, messages, queries. */
struct sess_tab {
	uint64_t *key;
	uint32_t *id, *msgs, *queries;
	size_t mask, used;
};

static void
st_reset(struct sess_tab *t)
{
	free(t->key);
	free(t->id);
	free(t->msgs);
	free(t->queries);
	memset(t, 0, sizeof(*t));
}

static size_t
st_slot(struct sess_tab *t, uint64_t key, struct dataset *d)
{
	if (t->key == NULL || 2 * (t->used + 1) > t->mask + 1) {
		size_t size = t->key ? 2 * (t->mask + 1) : 1024;
		struct sess_tab n = {calloc(size, 8), calloc(size, 4), calloc(size, 4),
		                     calloc(size, 4), size - 1,        0};
		if (!n.key || !n.id || !n.msgs || !n.queries)
			die_oom();
		for (size_t i = 0; t->key && i <= t->mask; i++) {
			if (t->id[i] == 0)
				continue;
			size_t h = t->key[i] & n.mask;
			while (n.id[h])
				h = (h + 1) & n.mask;
			n.key[h] = t->key[i];
			n.id[h] = t->id[i];
			n.msgs[h] = t->msgs[i];
			n.queries[h] = t->queries[i];
			n.used++;
		}
		st_reset(t);
		*t = n;
	}
	size_t h = key & t->mask;
	while (t->id[h] && t->key[h] != key)
		h = (h + 1) & t->mask;
	if (t->id[h] == 0) {
		t->key[h] = key;
		t->id[h] = ++d->nsess; /* 0 means empty */
		t->used++;
	}
	return h;
}

/* Per-source count of queries per (session, QNAME): a tunnel query that repeats a name carries
 * no new data (a beacon's check-in, a retransmission) and looks like any periodic benign
 * look-up; it is not trained as tunnel evidence (weight 0). */
struct name_tab {
	uint64_t *key;
	uint32_t *cnt;
	size_t mask, used;
};

static void
nt_reset(struct name_tab *t)
{
	free(t->key);
	free(t->cnt);
	memset(t, 0, sizeof(*t));
}

static uint32_t *
nt_slot(struct name_tab *t, uint64_t key)
{
	key |= 1; /* 0 marks a free slot */
	if (t->key == NULL || 2 * (t->used + 1) > t->mask + 1) {
		size_t size = t->key ? 2 * (t->mask + 1) : 4096;
		struct name_tab n = {calloc(size, 8), calloc(size, 4), size - 1, 0};
		if (!n.key || !n.cnt)
			die_oom();
		for (size_t i = 0; t->key && i <= t->mask; i++) {
			if (t->key[i] == 0)
				continue;
			size_t h = t->key[i] & n.mask;
			while (n.key[h])
				h = (h + 1) & n.mask;
			n.key[h] = t->key[i];
			n.cnt[h] = t->cnt[i];
			n.used++;
		}
		nt_reset(t);
		*t = n;
	}
	size_t h = (key ^ (key >> 29)) & t->mask;
	while (t->key[h] && t->key[h] != key)
		h = (h + 1) & t->mask;
	if (t->key[h] == 0) {
		t->key[h] = key;
		t->used++;
	}
	return &t->cnt[h];
}

static uint64_t
name_key(uint32_t sess, const char *name)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ sess;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = (h ^ *c) * UINT64_C(0x100000001b3);
	return h;
}

struct source {
	const char *path; /* NULL: synthetic */
	int val;
	unsigned part_lo, part_hi; /* synthetic: registered-domain parts */
	uint32_t clients;
	double seconds;
	uint64_t seed;
	uint8_t forwarder_pct;
	int tun; /* synthetic tunnel session (tc), else 0 */
	struct dnsf_tun_cfg tc;
	/* filled while reading */
	char name[256], renamed[256];
	uint64_t msgs, tunnel, benign, kept;
};

struct opts {
	struct dnsf_lsrc_opts lo;
	const char *names[64];
	unsigned nnames;
	int rename;
	uint64_t seed;
};

static int
collect(const struct opts *op, const struct dnsf_engine *eng, struct source *s, unsigned si,
        struct dataset *d)
{
	struct dnsf_lsrc_opts lo = op->lo;
	struct dnsf_lsrc *src;
	struct dnsf_worker w;
	struct dnsf_verdict v;
	static struct dnsf_event ev;
	static struct dnsf_detect_out out;
	static struct dnsf_lpkt p;
	struct sess_tab t;
	struct name_tab nt;
	char err[DNSF_ERR_MAX];
	int rc;

	struct dnsf_synth_names *sn = NULL;

	memset(&t, 0, sizeof(t));
	memset(&nt, 0, sizeof(nt));
	/* Training and validation tunnels live under different (random) base domains. */
	if (op->rename) {
		lo.rename_mode = DNSF_RENAME_RANDOM;
		lo.rename_seed = op->seed * 2 + (uint64_t)s->val + 1;
	}
	if (s->tun) {
		char nm[64];
		snprintf(nm, sizeof(nm), "%s-variant-%s-%llu", dnsf_tun_kind_name(s->tc.kind),
		         s->val ? "val" : "train", (unsigned long long)s->tc.seed);
		if (dnsf_lsrc_open_tun(&lo, &s->tc, nm, &src, err, sizeof(err)) != 0)
			goto fail;
	} else if (s->path != NULL) {
		if (dnsf_lsrc_open_pcap(&lo, s->path, &src, err, sizeof(err)) != 0)
			goto fail;
	} else {
		struct dnsf_synth *sy;
		struct dnsf_synth_cfg sc;
		dnsf_synth_cfg_default(&sc);
		sc.clients = s->clients;
		sc.seconds = s->seconds;
		sc.seed = s->seed;
		sc.forwarder_pct = s->forwarder_pct;
		if (dnsf_synth_names_load(&sn, op->names, op->nnames, lo.psl, BENIGN_PARTS,
		                          s->part_lo, s->part_hi, err, sizeof(err)) != 0)
			goto fail;
		if (dnsf_synth_new(&sc, sn, &sy, err, sizeof(err)) != 0 ||
		    dnsf_lsrc_open_synth(&lo, sy,
		                         s->val ? "synthetic-benign-val" : "synthetic-benign", &src,
		                         err, sizeof(err)) != 0) {
			dnsf_synth_names_free(sn);
			sn = NULL;
			goto fail;
		}
		/* The synthesizer points into the names: freed after the source is closed. */
	}
	snprintf(s->name, sizeof(s->name), "%s", dnsf_lsrc_name(src));
	snprintf(s->renamed, sizeof(s->renamed), "%s", dnsf_lsrc_renamed(src));
	if (dnsf_worker_init(&w, eng, 0, err, sizeof(err)) != 0)
		goto fail;
	w.tap = &out;
	while ((rc = dnsf_lsrc_next(src, &p, err, sizeof(err))) == 1) {
		out.scored = 0;
		dnsf_worker_process(&w, p.frame, p.len, p.room, p.ts_us, &v, &ev);
		if (p.cls != DNSF_PKT_DNS || !out.scored)
			continue;
		s->msgs++;
		size_t h = st_slot(&t, p.sess_key, d);
		uint32_t m = ++t.msgs[h];
		uint32_t q = p.pkt.is_query ? ++t.queries[h] : 0;
		if (p.label == 1)
			s->tunnel++;
		else
			s->benign++;
		uint8_t rep = 0;
		if (p.label == 1) {
			uint32_t *c = nt_slot(&nt, name_key(t.id[h], p.pkt.dns.qname));
			rep = p.pkt.is_query ? *c >= 1 : *c >= 2;
			*c += p.pkt.is_query;
		}
		if (m > KEEP_FIRST && (m % KEEP_EVERY) != 0)
			continue;
		struct ex x;
		x.rep = rep;
		dnsf_detect_model_input(&out, x.v);
		x.rule_score = out.score;
		x.sess = t.id[h];
		x.qidx = q;
		x.midx = m;
		x.sub_len = (uint16_t)p.sub_len;
		x.src = (uint16_t)si;
		x.y = p.label == 1;
		x.is_query = p.pkt.is_query;
		x.val = (uint8_t)s->val;
		ds_push(d, &x, s->val ? p.pkt.dns.qname : NULL);
		s->kept++;
	}
	dnsf_worker_fini(&w);
	dnsf_lsrc_close(src);
	dnsf_synth_names_free(sn);
	st_reset(&t);
	nt_reset(&nt);
	if (rc < 0)
		goto fail;
	if (!quiet)
		fprintf(stderr,
		        "  %-5s %-52s %8llu msgs (%llu tunnel, %llu benign), %llu kept%s%s\n",
		        s->val ? "val" : "train", s->name, (unsigned long long)s->msgs,
		        (unsigned long long)s->tunnel, (unsigned long long)s->benign,
		        (unsigned long long)s->kept, s->renamed[0] ? " -> " : "", s->renamed);
	return 0;
fail:
	fprintf(stderr, "dnsfence-train: %s\n", err);
	st_reset(&t);
	nt_reset(&nt);
	return -1;
}

/* ---- evaluation of the held-out part ---- */

struct val_report {
	size_t tq, tq_hit, tr, tr_hit, bq, bq_hit, br, br_hit;
	double fpr_thr; /* threshold reaching the target FPR on benign messages */
	struct {
		unsigned thr;
		double tpr, fpr;
	} roc[10];
	/* sessions */
	size_t sessions;
	size_t det[3];      /* sessions detected: rules, model, either */
	double lat_mean[3]; /* queries before the first detection, detected sessions */
	uint32_t lat_max[3];
	double leak_mean[3]; /* subdomain bytes before it (all kept queries if never) */
	uint32_t leak_max[3];
};

static int
cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return x < y ? -1 : x > y;
}

static void
evaluate(const struct dataset *d, const int32_t *iscore, int32_t thr, int32_t rules_thr,
         double fpr_target, struct val_report *r)
{
	int32_t *bs;
	size_t nb = 0;

	memset(r, 0, sizeof(*r));
	bs = malloc((d->n ? d->n : 1) * sizeof(*bs));
	if (bs == NULL)
		die_oom();
	for (size_t i = 0; i < d->n; i++) {
		const struct ex *x = &d->e[i];
		if (!x->val)
			continue;
		int hit = iscore[i] >= thr;
		if (x->y) {
			if (x->is_query) {
				r->tq++;
				r->tq_hit += hit;
			} else {
				r->tr++;
				r->tr_hit += hit;
			}
		} else {
			bs[nb++] = iscore[i];
			if (x->is_query) {
				r->bq++;
				r->bq_hit += hit;
			} else {
				r->br++;
				r->br_hit += hit;
			}
		}
	}
	/* Smallest threshold with benign FPR <= target: above the k-th largest benign score. */
	qsort(bs, nb, sizeof(*bs), cmp_i32);
	{
		size_t allowed = (size_t)floor(fpr_target * (double)nb);
		r->fpr_thr = nb == 0 ? 0 : allowed >= nb ? 0 : (double)bs[nb - 1 - allowed] + 1;
	}
	for (int k = 0; k < 10; k++) {
		unsigned t = 100u * (unsigned)(k + 1);
		size_t tp = 0, tn = 0, fp = 0, bn = 0;
		if (k == 9)
			t = 950;
		for (size_t i = 0; i < d->n; i++) {
			const struct ex *x = &d->e[i];
			if (!x->val)
				continue;
			if (x->y) {
				tn++;
				tp += iscore[i] >= (int32_t)t;
			} else {
				bn++;
				fp += iscore[i] >= (int32_t)t;
			}
		}
		r->roc[k].thr = t;
		r->roc[k].tpr = tn ? (double)tp / (double)tn : 0;
		r->roc[k].fpr = bn ? (double)fp / (double)bn : 0;
	}
	free(bs);

	/* Tunnel sessions of the validation part, in message order (the data set keeps it). */
	uint32_t *first = calloc((size_t)d->nsess + 1, 3 * sizeof(uint32_t));
	uint32_t *leak = calloc((size_t)d->nsess + 1, 3 * sizeof(uint32_t));
	uint8_t *seen = calloc((size_t)d->nsess + 1, 1);
	if (first == NULL || leak == NULL || seen == NULL)
		die_oom();
	for (size_t i = 0; i < d->n; i++) {
		const struct ex *x = &d->e[i];
		if (!x->val || !x->y)
			continue;
		if (!seen[x->sess]) {
			seen[x->sess] = 1;
			r->sessions++;
		}
		if (!x->is_query || x->qidx > KEEP_FIRST)
			continue;
		int hit[3];
		hit[0] = x->rule_score >= rules_thr;
		hit[1] = iscore[i] >= thr;
		hit[2] = hit[0] || hit[1];
		for (int k = 0; k < 3; k++) {
			uint32_t *f = &first[3 * (size_t)x->sess + (size_t)k];
			if (*f)
				continue;
			if (hit[k])
				*f = x->qidx;
			else
				leak[3 * (size_t)x->sess + (size_t)k] += x->sub_len;
		}
	}
	for (int k = 0; k < 3; k++) {
		double ls = 0, ks = 0;
		for (uint32_t sidx = 1; sidx <= d->nsess; sidx++) {
			if (!seen[sidx])
				continue;
			uint32_t f = first[3 * (size_t)sidx + (size_t)k];
			uint32_t l = leak[3 * (size_t)sidx + (size_t)k];
			ks += l;
			if (l > r->leak_max[k])
				r->leak_max[k] = l;
			if (f == 0)
				continue;
			r->det[k]++;
			ls += f - 1;
			if (f - 1 > r->lat_max[k])
				r->lat_max[k] = f - 1;
		}
		r->lat_mean[k] = r->det[k] ? ls / (double)r->det[k] : 0;
		r->leak_mean[k] = r->sessions ? ks / (double)r->sessions : 0;
	}
	free(first);
	free(leak);
	free(seen);
}

/* The held-out benign messages the model likes most and the tunnel queries it likes least. */
static const int32_t *sort_scores;

static int
cmp_by_score(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return sort_scores[x] < sort_scores[y] ? -1 : sort_scores[x] > sort_scores[y];
}

static void
explain_worst(const struct dataset *d, const int32_t *iscore, const struct source *src)
{
	size_t *bi = malloc((d->n ? d->n : 1) * sizeof(*bi)), nb = 0;
	size_t *ti = malloc((d->n ? d->n : 1) * sizeof(*ti)), nt = 0;

	if (bi == NULL || ti == NULL)
		die_oom();
	for (size_t i = 0; i < d->n; i++) {
		if (!d->e[i].val)
			continue;
		if (d->e[i].y && d->e[i].is_query)
			ti[nt++] = i;
		else if (!d->e[i].y)
			bi[nb++] = i;
	}
	sort_scores = iscore;
	qsort(bi, nb, sizeof(*bi), cmp_by_score);
	qsort(ti, nt, sizeof(*ti), cmp_by_score);
	printf("highest-scoring held-out benign messages:\n");
	for (size_t k = 0; k < explain && k < nb; k++) {
		const struct ex *x = &d->e[bi[nb - 1 - k]];
		printf("  %4d rules %3d %-8s %s %s\n", iscore[bi[nb - 1 - k]], x->rule_score,
		       x->is_query ? "query" : "answer", src[x->src].name,
		       d->qname[bi[nb - 1 - k]]);
	}
	printf("lowest-scoring held-out tunnel queries:\n");
	for (size_t k = 0; k < explain && k < nt; k++) {
		const struct ex *x = &d->e[ti[k]];
		printf("  %4d rules %3d q#%-4u %s %.80s\n", iscore[ti[k]], x->rule_score, x->qidx,
		       src[x->src].name, d->qname[ti[k]]);
	}
	free(bi);
	free(ti);
}

/* ---- main ---- */

static void
usage(void)
{
	fprintf(stderr,
	        "usage: dnsfence-train -c CONFIG -o OUT.model [--label-suffix S]... [--holdout "
	        "SUBSTR]...\n"
	        "           [--val PCAP]... [--benign-names FILE]... [--clients N] [--seconds S]\n"
	        "           [--val-clients N] [--val-seconds S] [--seed N] [--hidden W[,W...]]\n"
	        "           [--epochs N] [--batch N] [--lr X] [--l2 X] [--hard-negatives W]\n"
	        "           [--forwarders PCT] [--synth-tunnels N] [--val-synth-tunnels N]\n"
	        "           [--synth-kinds K[,K...]]\n"
	        "           [--tolerance T] [--fpr F] [--no-rename]\n"
	        "           [--json REPORT.json] [--explain N] [--quiet] [PCAP...]\n");
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

static int
progress(unsigned epoch, double loss, void *arg)
{
	(void)arg;
	if (!quiet)
		fprintf(stderr, "  epoch %3u  loss %.5f\n", epoch + 1, loss);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct source src[MAX_SOURCES];
	static struct dnsf_config cfg;
	static struct dnsf_model model;
	struct opts op;
	const char *cfg_path = NULL, *out_path = NULL, *json_path = NULL;
	const char *holdout[64];
	unsigned nholdout = 0, nsrc = 0, nhidden = 2;
	unsigned hidden[MAX_HIDDEN] = {16, 8};
	uint32_t clients = 1000, val_clients = 500;
	double seconds = 600, val_seconds = 600, tolerance = DEF_TOLERANCE, fpr = 1e-4;
	double hard_neg = DEF_HARD_NEG;
	uint64_t forwarders = DEF_FORWARDERS;
	unsigned train_tuns = 0, val_tuns = 0, tun_kinds = (1u << DNSF_TUN__COUNT) - 1;
	static char tun_dom[2][DNSF_TUN__COUNT][64];
	struct dnsf_mlp_train_cfg tc;
	char err[DNSF_ERR_MAX];
	uint64_t v;
	double dv;

	memset(&op, 0, sizeof(op));
	op.rename = 1;
	op.seed = 1;
	dnsf_mlp_train_defaults(&tc);
	tc.l2 = DEF_L2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDVAL()                                                                                  \
	do {                                                                                       \
		if (val == NULL) {                                                                 \
			fprintf(stderr, "dnsfence-train: %s needs a value\n", a);                  \
			return 2;                                                                  \
		}                                                                                  \
		i++;                                                                               \
	} while (0)
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			NEEDVAL();
			cfg_path = val;
		} else if (strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0) {
			NEEDVAL();
			out_path = val;
		} else if (strcmp(a, "--json") == 0) {
			NEEDVAL();
			json_path = val;
		} else if (strcmp(a, "--label-suffix") == 0) {
			NEEDVAL();
			if (op.lo.nsuffixes == DNSF_LSRC_MAX_SUFFIXES)
				goto bad;
			op.lo.suffixes[op.lo.nsuffixes++] = val;
		} else if (strcmp(a, "--holdout") == 0) {
			NEEDVAL();
			if (nholdout == 64)
				goto bad;
			holdout[nholdout++] = val;
		} else if (strcmp(a, "--val") == 0) {
			NEEDVAL();
			if (nsrc == MAX_SOURCES - 2)
				goto bad;
			src[nsrc].path = val;
			src[nsrc++].val = 1;
		} else if (strcmp(a, "--benign-names") == 0) {
			NEEDVAL();
			if (op.nnames == 64)
				goto bad;
			op.names[op.nnames++] = val;
		} else if (strcmp(a, "--clients") == 0 || strcmp(a, "--val-clients") == 0) {
			NEEDVAL();
			if (parse_u64(val, 1u << 20, &v) || v == 0)
				goto bad;
			*(a[2] == 'v' ? &val_clients : &clients) = (uint32_t)v;
		} else if (strcmp(a, "--seconds") == 0 || strcmp(a, "--val-seconds") == 0) {
			NEEDVAL();
			if (parse_double(val, 1, 7 * 86400, &dv))
				goto bad;
			*(a[2] == 'v' ? &val_seconds : &seconds) = dv;
		} else if (strcmp(a, "--seed") == 0) {
			NEEDVAL();
			if (parse_u64(val, UINT64_MAX, &op.seed))
				goto bad;
		} else if (strcmp(a, "--hidden") == 0) {
			NEEDVAL();
			char buf[64], *save = NULL;
			snprintf(buf, sizeof(buf), "%s", val);
			nhidden = 0;
			for (char *tok = strtok_r(buf, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (nhidden == MAX_HIDDEN ||
				    parse_u64(tok, DNSF_MODEL_MAX_WIDTH, &v) || v == 0)
					goto bad;
				hidden[nhidden++] = (unsigned)v;
			}
		} else if (strcmp(a, "--epochs") == 0) {
			NEEDVAL();
			if (parse_u64(val, 10000, &v) || v == 0)
				goto bad;
			tc.epochs = (unsigned)v;
		} else if (strcmp(a, "--batch") == 0) {
			NEEDVAL();
			if (parse_u64(val, 1u << 20, &v) || v == 0)
				goto bad;
			tc.batch = (unsigned)v;
		} else if (strcmp(a, "--lr") == 0) {
			NEEDVAL();
			if (parse_double(val, 1e-7, 1, &tc.lr))
				goto bad;
		} else if (strcmp(a, "--l2") == 0) {
			NEEDVAL();
			if (parse_double(val, 0, 1, &tc.l2))
				goto bad;
		} else if (strcmp(a, "--hard-negatives") == 0) {
			NEEDVAL();
			if (parse_double(val, 0.01, 1000, &hard_neg))
				goto bad;
		} else if (strcmp(a, "--forwarders") == 0) {
			NEEDVAL();
			if (parse_u64(val, 100, &forwarders))
				goto bad;
		} else if (strcmp(a, "--synth-tunnels") == 0 ||
		           strcmp(a, "--val-synth-tunnels") == 0) {
			NEEDVAL();
			if (parse_u64(val, 64, &v) != 0)
				goto bad;
			if (a[2] == 'v')
				val_tuns = (unsigned)v;
			else
				train_tuns = (unsigned)v;
		} else if (strcmp(a, "--synth-kinds") == 0) {
			char buf[128], *tok, *sp = NULL;
			NEEDVAL();
			snprintf(buf, sizeof(buf), "%s", val);
			tun_kinds = 0;
			for (tok = strtok_r(buf, ",", &sp); tok; tok = strtok_r(NULL, ",", &sp)) {
				int k = dnsf_tun_kind_of(tok);
				if (k < 0)
					goto bad;
				tun_kinds |= 1u << k;
			}
		} else if (strcmp(a, "--tolerance") == 0) {
			NEEDVAL();
			if (parse_double(val, 0, 1000, &tolerance))
				goto bad;
		} else if (strcmp(a, "--fpr") == 0) {
			NEEDVAL();
			if (parse_double(val, 0, 1, &fpr))
				goto bad;
		} else if (strcmp(a, "--no-rename") == 0) {
			op.rename = 0;
		} else if (strcmp(a, "--explain") == 0) {
			NEEDVAL();
			if (parse_u64(val, 100000, &v))
				goto bad;
			explain = (unsigned)v;
		} else if (strcmp(a, "--quiet") == 0) {
			quiet = 1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage();
			return 0;
		} else if (a[0] == '-') {
			fprintf(stderr, "dnsfence-train: unknown option %s\n", a);
			usage();
			return 2;
		} else {
			if (nsrc == MAX_SOURCES - 2)
				goto bad;
			src[nsrc].path = a;
			for (unsigned h = 0; h < nholdout; h++)
				if (strstr(a, holdout[h]) != NULL)
					src[nsrc].val = 1;
			nsrc++;
		}
		continue;
	bad:
		fprintf(stderr, "dnsfence-train: bad or too many values for %s%s%s\n", a,
		        val ? ": " : "", val ? val : "");
		return 2;
#undef NEEDVAL
	}
	if (cfg_path == NULL || out_path == NULL || (nsrc == 0 && op.nnames == 0)) {
		usage();
		return 2;
	}
	/* --holdout given after a capture still applies to it. */
	for (unsigned i = 0; i < nsrc; i++)
		for (unsigned h = 0; h < nholdout; h++)
			if (src[i].path && strstr(src[i].path, holdout[h]) != NULL)
				src[i].val = 1;
	if (op.lo.nsuffixes == 0)
		op.lo.suffixes[op.lo.nsuffixes++] = "example.attack";
	/* Synthetic tunnel sessions of the families we have no captures of (dnsf_tunsynth, shape
	 * parameters drawn per session: variant 1), one source each; per family one random domain
	 * for the training and another for the validation sessions, which labels them. */
	for (unsigned vl = 0; vl < 2; vl++) {
		unsigned per = vl ? val_tuns : train_tuns;
		if (per == 0)
			continue;
		for (unsigned k = 0; k < DNSF_TUN__COUNT; k++) {
			char key[64];
			if (!(tun_kinds & (1u << k)))
				continue;
			snprintf(key, sizeof(key), "train-%s-%u", dnsf_tun_kind_name(k), vl);
			dnsf_rename_random(op.seed * 7 + vl, key, 10 + k, tun_dom[vl][k],
			                   sizeof(tun_dom[vl][k]));
			if (op.lo.nsuffixes == DNSF_LSRC_MAX_SUFFIXES ||
			    nsrc + per >= MAX_SOURCES - 2) {
				fprintf(stderr,
				        "dnsfence-train: too many label suffixes or sources\n");
				return 2;
			}
			op.lo.suffixes[op.lo.nsuffixes++] = tun_dom[vl][k];
			for (unsigned i = 0; i < per; i++) {
				struct source *s = &src[nsrc++];
				memset(s, 0, sizeof(*s));
				s->tun = 1;
				s->val = (int)vl;
				dnsf_tun_cfg_default(&s->tc, k);
				s->tc.variant = 1;
				s->tc.seed = op.seed * 100000 + vl * 50000 + k * 1000 + i + 1;
				s->tc.client = (uint8_t)(i + 1);
				/* Long enough for a beacon to be tasked a few times. */
				s->tc.queries = k == DNSF_TUN_BEACON ? 200 : 150;
				snprintf(s->tc.domain, sizeof(s->tc.domain), "%s", tun_dom[vl][k]);
			}
		}
	}
	if (op.nnames) {
		src[nsrc].path = NULL;
		src[nsrc].val = 0;
		src[nsrc].part_lo = 0;
		src[nsrc].part_hi = BENIGN_PARTS - 1;
		src[nsrc].clients = clients;
		src[nsrc].seconds = seconds;
		src[nsrc].forwarder_pct = (uint8_t)forwarders;
		src[nsrc++].seed = op.seed * 1000 + 1;
		src[nsrc].path = NULL;
		src[nsrc].val = 1;
		src[nsrc].part_lo = BENIGN_PARTS - 1;
		src[nsrc].part_hi = BENIGN_PARTS;
		src[nsrc].clients = val_clients;
		src[nsrc].seconds = val_seconds;
		src[nsrc].forwarder_pct = (uint8_t)forwarders;
		src[nsrc++].seed = op.seed * 1000 + 2;
	}

	if (dnsf_config_load(cfg_path, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "dnsfence-train: %s\n", err);
		return 1;
	}
	/* Describe every message in its flow as the dataplane does before any block: no holds
	 * (they would stop the description at the first verdict), no model, monitor semantics
	 * irrelevant (verdicts are not used). */
	cfg.detect.hold_seconds = 0;
	cfg.model.path[0] = '\0';
	/* The QTYPE policy (hardening.types) refuses NULL and private-use queries before the
	 * detector sees them; the model must still know them, for sites that turn it off. */
	cfg.harden.rare_types = 0;
	if (!cfg.detect.enabled) {
		fprintf(stderr, "dnsfence-train: %s: detection is disabled\n", cfg_path);
		return 1;
	}
	op.lo.pkt = cfg.pkt;
	struct dnsf_psl *psl;
	if (dnsf_psl_load(cfg.detect.psl, false, &psl, err, sizeof(err)) != 0) {
		fprintf(stderr, "dnsfence-train: %s\n", err);
		return 1;
	}
	op.lo.psl = psl;
	struct dnsf_engine *eng;
	if (dnsf_engine_create(&cfg, &eng, err, sizeof(err)) != 0) {
		fprintf(stderr, "dnsfence-train: %s\n", err);
		return 1;
	}
	/* The config loaded for training has no model; the threshold that matters is the one a
	 * deployment will use: the config's. */
	const int32_t thr = cfg.model.threshold;
	const int32_t rules_thr = (int32_t)cfg.detect.rules.threshold;

	struct dataset d;
	memset(&d, 0, sizeof(d));
	if (!quiet)
		fprintf(stderr, "dnsfence-train: collecting examples (%u sources)\n", nsrc);
	for (unsigned i = 0; i < nsrc; i++)
		if (collect(&op, eng, &src[i], i, &d) != 0)
			return 1;

	size_t ntr = 0, nval = 0, ptr = 0, pval = 0;
	for (size_t i = 0; i < d.n; i++) {
		if (d.e[i].val) {
			nval++;
			pval += d.e[i].y;
		} else {
			ntr++;
			ptr += d.e[i].y;
		}
	}
	if (ptr == 0 || ptr == ntr) {
		fprintf(stderr,
		        "dnsfence-train: the training part needs both classes (%zu tunnel, %zu "
		        "benign examples)\n",
		        ptr, ntr - ptr);
		return 1;
	}
	if (!quiet)
		fprintf(stderr,
		        "dnsfence-train: %zu training examples (%zu tunnel), %zu validation (%zu "
		        "tunnel)\n",
		        ntr, ptr, nval, pval);

	/* Normalisation on training rows only. */
	int32_t *raw_tr = malloc(ntr * NF * sizeof(int32_t));
	int32_t *raw_all = malloc((d.n ? d.n : 1) * NF * sizeof(int32_t));
	float *x_tr = malloc(ntr * NF * sizeof(float));
	float *w_tr = malloc(ntr * sizeof(float));
	uint8_t *y_tr = malloc(ntr);
	if (!raw_tr || !raw_all || !x_tr || !y_tr || !w_tr)
		die_oom();
	for (size_t i = 0, k = 0; i < d.n; i++) {
		memcpy(raw_all + i * NF, d.e[i].v, sizeof(d.e[i].v));
		if (d.e[i].val)
			continue;
		memcpy(raw_tr + k * NF, d.e[i].v, sizeof(d.e[i].v));
		w_tr[k] = d.e[i].y && d.e[i].midx < RAMP ? (float)d.e[i].midx / RAMP : 1.0f;
		if (d.e[i].y && d.e[i].is_query && d.e[i].sub_len < SHORT_SUB)
			w_tr[k] *= (float)d.e[i].sub_len / SHORT_SUB;
		if (d.e[i].y && d.e[i].rep)
			w_tr[k] = 0.0f;
		if (!d.e[i].y && d.e[i].v[DNSF_F_TYPE_ADDR] == 0)
			w_tr[k] = (float)hard_neg;
		y_tr[k++] = d.e[i].y;
	}
	struct dnsf_model_norm norm[NF];
	for (unsigned f = 0; f < NF; f++)
		if (dnsf_mlp_fit_norm(raw_tr + f, ntr, NF, 0.01, 0.99, &norm[f]) != 0) {
			fprintf(stderr, "dnsfence-train: cannot fit the normalisation of %s\n",
			        dnsf_feat_name(f));
			return 1;
		}
	for (size_t k = 0; k < ntr; k++)
		dnsf_mlp_normalize(norm, NF, raw_tr + k * NF, x_tr + k * NF);

	unsigned widths[DNSF_MODEL_MAX_LAYERS + 1];
	unsigned nl = nhidden + 1;
	widths[0] = NF;
	for (unsigned h = 0; h < nhidden; h++)
		widths[h + 1] = hidden[h];
	widths[nl] = 1;
	struct dnsf_mlp *net;
	if (dnsf_mlp_create(nl, widths, op.seed, &net, err, sizeof(err)) != 0) {
		fprintf(stderr, "dnsfence-train: %s\n", err);
		return 1;
	}
	struct dnsf_mlp_data td = {x_tr, y_tr, w_tr, ntr, NF};
	tc.seed = op.seed;
	if (!quiet)
		fprintf(stderr, "dnsfence-train: training %u", widths[0]);
	for (unsigned l = 1; l <= nl && !quiet; l++)
		fprintf(stderr, "-%u", widths[l]);
	if (!quiet)
		fprintf(stderr, " MLP, %u epochs, batch %u, lr %g, seed %llu\n", tc.epochs,
		        tc.batch, tc.lr, (unsigned long long)op.seed);
	if (dnsf_mlp_train(net, &tc, &td, progress, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "dnsfence-train: %s\n", err);
		return 1;
	}

	/* Quantize, calibrated on (up to 50000, evenly spaced) training rows. */
	size_t ncal = ntr < 50000 ? ntr : 50000;
	float *x_cal = malloc(ncal * NF * sizeof(float));
	uint8_t *y_cal = calloc(ncal, 1);
	if (!x_cal || !y_cal)
		die_oom();
	for (size_t k = 0; k < ncal; k++)
		memcpy(x_cal + k * NF, x_tr + (k * ntr / ncal) * NF, NF * sizeof(float));
	struct dnsf_mlp_data cd = {x_cal, y_cal, NULL, ncal, NF};
	char desc[DNSF_MODEL_DESC_MAX];
	snprintf(desc, sizeof(desc), "dnsfence-train seed %llu: %zu train (%zu tunnel) / %zu val",
	         (unsigned long long)op.seed, ntr, ptr, nval);
	if (dnsf_mlp_quantize(net, norm, dnsf_feat_schema_hash(), desc, &cd, &model, err,
	                      sizeof(err)) != 0) {
		fprintf(stderr, "dnsfence-train: %s\n", err);
		return 1;
	}

	/* Integer scores; agreement with the float network on every validation example (and on
	 * the training rows too, for the report). */
	int32_t *iscore = malloc((d.n ? d.n : 1) * sizeof(int32_t));
	int32_t *raw_val = malloc((nval ? nval : 1) * NF * sizeof(int32_t));
	if (!iscore || !raw_val)
		die_oom();
	for (size_t i = 0, k = 0; i < d.n; i++) {
		iscore[i] = dnsf_model_score(&model, raw_all + i * NF);
		if (d.e[i].val)
			memcpy(raw_val + (k++) * NF, d.e[i].v, sizeof(d.e[i].v));
	}
	struct dnsf_mlp_agreement ag_val, ag_tr;
	dnsf_mlp_agreement(net, &model, raw_val, nval, NF, &ag_val);
	/* Validation examples the integer and the float model put on different sides of the
	 * threshold: what the score difference costs in decisions. */
	size_t flips = 0;
	for (size_t i = 0, k = 0; i < d.n; i++) {
		float xr[NF];
		if (!d.e[i].val)
			continue;
		dnsf_mlp_normalize(norm, NF, raw_val + (k++) * NF, xr);
		flips += (dnsf_mlp_score(net, xr) >= thr) != (iscore[i] >= thr);
	}
	dnsf_mlp_agreement(net, &model, raw_tr, ntr, NF, &ag_tr);

	struct val_report r;
	evaluate(&d, iscore, thr, rules_thr, fpr, &r);

	/* Report. */
	printf("dnsfence-train: %zu training examples (%zu tunnel), %zu validation examples (%zu "
	       "tunnel), seed %llu\n",
	       ntr, ptr, nval, pval, (unsigned long long)op.seed);
	printf("validation sources:");
	for (unsigned i = 0; i < nsrc; i++)
		if (src[i].val)
			printf(" %s", src[i].name);
	printf("\n");
	printf("integer vs float score, validation: max |diff| %.2f (tolerance %.2f), mean %.3f "
	       "(weights %.2f, activations %.2f), %zu decisions differ at %d; training rows: max "
	       "%.2f\n",
	       ag_val.max_abs, tolerance, ag_val.mean_abs, ag_val.max_weight_q, ag_val.max_act_q,
	       flips, thr, ag_tr.max_abs);
	printf("held-out messages at model threshold %d: tunnel queries %zu/%zu = %.4f, tunnel "
	       "answers %zu/%zu = %.4f; benign queries %zu/%zu = %.2e, benign answers %zu/%zu = "
	       "%.2e\n",
	       thr, r.tq_hit, r.tq, r.tq ? (double)r.tq_hit / (double)r.tq : 0, r.tr_hit, r.tr,
	       r.tr ? (double)r.tr_hit / (double)r.tr : 0, r.bq_hit, r.bq,
	       r.bq ? (double)r.bq_hit / (double)r.bq : 0, r.br_hit, r.br,
	       r.br ? (double)r.br_hit / (double)r.br : 0);
	printf("held-out threshold table (tunnel recall / benign FPR, all messages):");
	for (int k = 0; k < 10; k++)
		printf(" %u:%.4f/%.1e", r.roc[k].thr, r.roc[k].tpr, r.roc[k].fpr);
	printf("\nthreshold for benign FPR <= %.1e on held-out messages: %.0f\n", fpr, r.fpr_thr);
	static const char *const by[3] = {"rules", "model", "either"};
	printf("held-out tunnel sessions %zu (first %d messages; no verdict cache, no domain "
	       "holds):\n",
	       r.sessions, KEEP_FIRST);
	for (int k = 0; k < 3; k++)
		printf("  %-6s detected %zu/%zu, queries before detection mean %.1f max %u, "
		       "subdomain bytes before detection mean %.0f max %u\n",
		       by[k], r.det[k], r.sessions, r.lat_mean[k], r.lat_max[k], r.leak_mean[k],
		       r.leak_max[k]);

	if (explain)
		explain_worst(&d, iscore, src);
	int agree = ag_val.max_abs <= tolerance, rc = 0;
	if (json_path != NULL) {
		FILE *f = fopen(json_path, "w");
		if (f == NULL) {
			fprintf(stderr, "dnsfence-train: cannot write %s: %s\n", json_path,
			        strerror(errno));
			rc = 1;
			goto out;
		}
		fprintf(f,
		        "{\"seed\":%llu,\"train_examples\":%zu,\"train_tunnel\":%zu,"
		        "\"val_examples\":%zu,\"val_tunnel\":%zu,\"widths\":[",
		        (unsigned long long)op.seed, ntr, ptr, nval, pval);
		for (unsigned l = 0; l <= nl; l++)
			fprintf(f, "%s%u", l ? "," : "", widths[l]);
		fprintf(f,
		        "],\"agreement\":{\"max_abs\":%.4f,\"mean_abs\":%.4f,\"tolerance\":%.2f,"
		        "\"decisions_differ\":%zu},",
		        ag_val.max_abs, ag_val.mean_abs, tolerance, flips);
		fprintf(f,
		        "\"threshold\":%d,\"tunnel_queries\":%zu,\"tunnel_queries_hit\":%zu,"
		        "\"benign_queries\":%zu,\"benign_queries_hit\":%zu,\"fpr_target\":%g,"
		        "\"fpr_threshold\":%.0f,\"roc\":[",
		        thr, r.tq, r.tq_hit, r.bq, r.bq_hit, fpr, r.fpr_thr);
		for (int k = 0; k < 10; k++)
			fprintf(f, "%s{\"threshold\":%u,\"tpr\":%.6f,\"fpr\":%.3e}", k ? "," : "",
			        r.roc[k].thr, r.roc[k].tpr, r.roc[k].fpr);
		fprintf(f, "],\"sessions\":%zu", r.sessions);
		for (int k = 0; k < 3; k++)
			fprintf(
			    f,
			    ",\"%s\":{\"detected\":%zu,\"latency_mean\":%.2f,\"latency_max\":%u,"
			    "\"leak_mean\":%.1f,\"leak_max\":%u}",
			    by[k], r.det[k], r.lat_mean[k], r.lat_max[k], r.leak_mean[k],
			    r.leak_max[k]);
		fprintf(f, ",\"validation_sources\":[");
		for (unsigned i = 0, first = 1; i < nsrc; i++)
			if (src[i].val) {
				fprintf(f, "%s\"%s\"", first ? "" : ",", src[i].name);
				first = 0;
			}
		fprintf(f, "]}\n");
		fclose(f);
	}
	if (!agree) {
		const struct ex *w = NULL;
		for (size_t i = 0, k = 0; i < d.n; i++)
			if (d.e[i].val && k++ == ag_val.worst)
				w = &d.e[i];
		fprintf(stderr,
		        "dnsfence-train: integer and float scores differ by %.2f > %.2f on a "
		        "validation example (source %s): model not written\n",
		        ag_val.max_abs, tolerance, w ? src[w->src].name : "?");
		rc = 1;
		goto out;
	}
	if (dnsf_model_save(&model, out_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "dnsfence-train: %s\n", err);
		rc = 1;
		goto out;
	}
	printf("model written to %s (%zu bytes)\n", out_path, dnsf_model_file_size(&model));
out:
	dnsf_mlp_free(net);
	dnsf_engine_free(eng);
	dnsf_psl_free(psl);
	for (size_t i = 0; i < d.n; i++)
		free(d.qname[i]);
	free(d.qname);
	free(d.e);
	free(raw_tr);
	free(raw_all);
	free(x_tr);
	free(w_tr);
	free(y_tr);
	free(x_cal);
	free(y_cal);
	free(iscore);
	free(raw_val);
	return rc;
}
