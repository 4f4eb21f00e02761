/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>

#include "dnsf_top.h"

int
dnsf_labels_init(struct dnsf_labels *s, uint32_t entries)
{
	memset(s, 0, sizeof(*s));
	if (entries < DNSF_LABEL_WAYS || (entries & (entries - 1)) != 0)
		return -1;
	s->b = dnsf_tab_mem_alloc((size_t)entries / DNSF_LABEL_WAYS * sizeof(*s->b));
	s->l = dnsf_tab_mem_alloc((size_t)entries * sizeof(*s->l));
	if (s->b == NULL || s->l == NULL) {
		dnsf_labels_fini(s);
		return -1;
	}
	memset(s->b, 0, (size_t)entries / DNSF_LABEL_WAYS * sizeof(*s->b));
	memset(s->l, 0, (size_t)entries * sizeof(*s->l));
	s->entries = entries;
	s->bucket_mask = entries / DNSF_LABEL_WAYS - 1;
	return 0;
}

void
dnsf_labels_fini(struct dnsf_labels *s)
{
	free(s->b);
	free(s->l);
	memset(s, 0, sizeof(*s));
}

static int16_t
sat16(int32_t v)
{
	return (int16_t)(v > INT16_MAX ? INT16_MAX : v);
}

static int
is_stale(uint32_t noted_s, uint32_t now_s, uint32_t stale_s)
{
	/* A note "from the future" (packet time stepped back) is fresh, not stale. */
	return now_s > noted_s && now_s - noted_s >= stale_s;
}

/* 1: way a is less notable than way b (the replacement order of the contract). */
static int
less_notable(const struct dnsf_label_bucket *b, int a, int c, uint32_t now_s, uint32_t stale_s)
{
	const int sa = is_stale(b->noted_s[a], now_s, stale_s);
	const int sc = is_stale(b->noted_s[c], now_s, stale_s);

	if (sa != sc)
		return sa;
	if (b->max_score[a] != b->max_score[c])
		return b->max_score[a] < b->max_score[c];
	return b->noted_s[a] < b->noted_s[c];
}

/* Way a newcomer whose message scored `score` may take in a full bucket, or -1. */
static int
victim(const struct dnsf_label_bucket *b, uint32_t now_s, uint32_t stale_s, int32_t score)
{
	int v = 0;

	/* Strictly less notable only: among equals the lower way stays the choice. */
	for (int w = 1; w < DNSF_LABEL_WAYS; w++)
		if (less_notable(b, w, v, now_s, stale_s))
			v = w;
	if (!is_stale(b->noted_s[v], now_s, stale_s) && score < b->max_score[v])
		return -1;
	return v;
}

void
dnsf_labels_note(struct dnsf_labels *s, uint64_t key, uint32_t now_s, uint32_t stale_s,
                 const uint8_t client[16], uint8_t ip_version, const char *regdomain, unsigned len,
                 int32_t score, int32_t model)
{
	const uint32_t bi = dnsf_labels_bucket(s, key);
	struct dnsf_label_bucket *b = &s->b[bi];
	struct dnsf_flow_label *l;
	int w;

	if (key == 0)
		return;
	for (w = 0; w < DNSF_LABEL_WAYS; w++)
		if (b->key[w] == key)
			goto found;
	for (w = 0; w < DNSF_LABEL_WAYS; w++)
		if (b->key[w] == 0)
			break;
	if (w == DNSF_LABEL_WAYS) {
		w = victim(b, now_s, stale_s, score);
		if (w < 0) {
			s->refused++;
			return;
		}
		s->replaced++;
	} else {
		s->used++;
	}
	s->inserts++;
	b->key[w] = key;
	b->max_score[w] = 0;
	b->max_model[w] = -1;
	l = &s->l[(size_t)bi * DNSF_LABEL_WAYS + (unsigned)w];
	memcpy(l->client, client, 16);
	l->ip_version = ip_version;
	l->name_cut = len > DNSF_TOP_NAME;
	l->name_len = (uint8_t)(len > DNSF_TOP_NAME ? DNSF_TOP_NAME : len);
	memset(l->pad, 0, sizeof(l->pad));
	memcpy(l->name, regdomain, l->name_len);
found:
	b->noted_s[w] = now_s;
	if (score > b->max_score[w])
		b->max_score[w] = sat16(score);
	if (model > b->max_model[w])
		b->max_model[w] = sat16(model);
}

static int
cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a > b ? -1 : a < b ? 1 : 0;
}

int
dnsf_top_cmp(const struct dnsf_top_ent *a, const struct dnsf_top_ent *b, int by)
{
	int c;

	if (by == DNSF_TOP_BY_INFO) {
		if ((c = cmp_u64_desc(a->info, b->info)) != 0)
			return c;
		if (a->score != b->score)
			return a->score > b->score ? -1 : 1;
	} else {
		if (a->score != b->score)
			return a->score > b->score ? -1 : 1;
		if ((c = cmp_u64_desc(a->info, b->info)) != 0)
			return c;
	}
	if ((c = cmp_u64_desc(a->last_us, b->last_us)) != 0)
		return c;
	/* Last resort, so that the order never depends on table layout: the smaller key. */
	return a->key < b->key ? -1 : a->key > b->key ? 1 : 0;
}

void
dnsf_top_offer(struct dnsf_top_ent *list, uint8_t *n, const struct dnsf_top_ent *e, int by)
{
	unsigned i = *n;

	/* The common case when the list is full: not better than the last one, one compare. */
	if (i == DNSF_TOP_K) {
		if (dnsf_top_cmp(e, &list[DNSF_TOP_K - 1], by) >= 0)
			return;
		i = DNSF_TOP_K - 1; /* the last one drops out */
	} else {
		(*n)++;
	}
	while (i > 0 && dnsf_top_cmp(e, &list[i - 1], by) < 0) {
		list[i] = list[i - 1];
		i--;
	}
	list[i] = *e;
}

void
dnsf_top_scan_begin(struct dnsf_top_scan *s)
{
	memset(&s->work, 0, sizeof(s->work));
	s->pos = 0;
	s->running = 1;
}

static void
fill_ent(struct dnsf_top_ent *e, const struct dnsf_flow *f, const struct dnsf_labels *ls,
         int64_t li, const struct dnsf_flow_view *v)
{
	e->key = f->key;
	e->last_us = f->last_us;
	e->first_s = f->first_s;
	e->hold_until_s = f->hold_until_s;
	e->info = dnsf_top_info(v->info, v->susp_info);
	e->susp_info = v->susp_info;
	e->distinct = v->distinct;
	e->queries = v->queries;
	memset(e->client, 0, sizeof(e->client));
	memset(e->name, 0, sizeof(e->name));
	if (li < 0) {
		/* No label (the contract's "missing label"): the entry's own fields only. */
		e->score = 0;
		e->model_score = -1;
		e->ip_version = 0;
		e->name_len = 0;
		e->name_cut = 0;
		e->labelled = 0;
	} else {
		const struct dnsf_label_bucket *b = &ls->b[li / DNSF_LABEL_WAYS];
		const struct dnsf_flow_label *l = &ls->l[li];

		e->score = b->max_score[li % DNSF_LABEL_WAYS];
		e->model_score = b->max_model[li % DNSF_LABEL_WAYS];
		e->ip_version = l->ip_version;
		e->name_len = l->name_len;
		e->name_cut = l->name_cut;
		e->labelled = 1;
		memcpy(e->client, l->client, 16);
		memcpy(e->name, l->name, l->name_len);
	}
}

/* Worth a full copy: better than the last of a full list (or the list is not full). */
static int
wanted(const struct dnsf_top_snap *w, const struct dnsf_top_ent *probe, int by)
{
	return w->n[by] < DNSF_TOP_K || dnsf_top_cmp(probe, &w->by[by][DNSF_TOP_K - 1], by) < 0;
}

/* Slots ahead of the scan whose label bucket is prefetched, and whose entry line is. */
#define SCAN_AHEAD      8
#define SCAN_AHEAD_FLOW 32

int
dnsf_top_scan_step(struct dnsf_top_scan *s, const struct dnsf_tab *flows,
                   const struct dnsf_labels *labels, uint64_t now_us, uint32_t win_s,
                   uint32_t budget)
{
	struct dnsf_top_snap *w = &s->work;
	const uint32_t now_s = (uint32_t)(now_us / 1000000);
	const uint64_t win_us = (uint64_t)win_s * 1000000;
	struct dnsf_win x;
	uint32_t end;

	if (!s->running)
		dnsf_top_scan_begin(s);
	dnsf_win_at(&x, now_us, win_s); /* once per slice, not per entry */
	end = flows->entries - s->pos < budget ? flows->entries : s->pos + budget;
	for (; s->pos < end; s->pos++) {
		const struct dnsf_flow *f = (const struct dnsf_flow *)&flows->ent[s->pos];
		struct dnsf_flow_view v;
		int64_t li;
		struct dnsf_top_ent probe;

		/* The table is read in order, but a slice is too short, and broken by bursts,
		 * for the hardware prefetcher to stay ahead: the entries' lines are requested
		 * SCAN_AHEAD_FLOW slots early (the last ones of a slice fetch the next slice's
		 * first entries, which then arrive during the bursts in between). */
		if (s->pos + SCAN_AHEAD_FLOW < flows->entries)
			__builtin_prefetch(&flows->ent[s->pos + SCAN_AHEAD_FLOW]);
		/* The label look-up is a load at a random bucket: start it SCAN_AHEAD slots early,
		 * from that slot's key (its entry line requested earlier; a free slot's bucket is
		 * fetched for nothing, which costs less than a test). */
		if (s->pos + SCAN_AHEAD < flows->entries)
			__builtin_prefetch(&labels->b[dnsf_labels_bucket(
			    labels, flows->ent[s->pos + SCAN_AHEAD].key)]);
		if (f->check == 0)
			continue;
		w->live++;
		if (f->last_us + win_us > now_us)
			w->active++;
		if (f->hold_until_s > now_s)
			w->held++;
		dnsf_flow_view_w(f, &x, &v);
		li = dnsf_labels_find(labels, f->key);
		/* The order looks at these four fields only: decide before copying the rest. */
		probe.score =
		    li < 0 ? 0 : labels->b[li / DNSF_LABEL_WAYS].max_score[li % DNSF_LABEL_WAYS];
		probe.info = dnsf_top_info(v.info, v.susp_info);
		probe.last_us = f->last_us;
		probe.key = f->key;
		if (!wanted(w, &probe, DNSF_TOP_BY_SCORE) && !wanted(w, &probe, DNSF_TOP_BY_INFO))
			continue;
		fill_ent(&probe, f, labels, li, &v);
		dnsf_top_offer(w->by[DNSF_TOP_BY_SCORE], &w->n[DNSF_TOP_BY_SCORE], &probe,
		               DNSF_TOP_BY_SCORE);
		dnsf_top_offer(w->by[DNSF_TOP_BY_INFO], &w->n[DNSF_TOP_BY_INFO], &probe,
		               DNSF_TOP_BY_INFO);
	}
	if (s->pos < flows->entries)
		return 0;
	s->running = 0;
	s->passes++;
	s->info_bar =
	    w->n[DNSF_TOP_BY_INFO] == DNSF_TOP_K ? w->by[DNSF_TOP_BY_INFO][DNSF_TOP_K - 1].info : 0;
	w->pass = s->passes;
	w->now_us = now_us;
	w->labels_cap = labels->entries;
	w->labels_used = (uint32_t)labels->used;
	w->label_inserts = labels->inserts;
	w->label_replaced = labels->replaced;
	w->label_refused = labels->refused;
	return 1;
}

#define WORDS(x) (sizeof(x) / sizeof(uint64_t))

void
dnsf_top_publish(struct dnsf_top_pub *p, const struct dnsf_top_snap *s)
{
	const uint64_t seq = __atomic_load_n(&p->seq, __ATOMIC_RELAXED);
	const uint64_t *src = (const uint64_t *)s;
	uint64_t *dst = (uint64_t *)&p->snap;

	/* Odd: a publication is under way. The release fence keeps the words below from being
	 * seen before the odd number. */
	__atomic_store_n(&p->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (size_t i = 0; i < WORDS(p->snap); i++)
		__atomic_store_n(&dst[i], src[i], __ATOMIC_RELAXED);
	__atomic_store_n(&p->seq, seq + 2, __ATOMIC_RELEASE);
}

int
dnsf_top_read(const struct dnsf_top_pub *p, struct dnsf_top_snap *out)
{
	const uint64_t *src = (const uint64_t *)&p->snap;
	uint64_t *dst = (uint64_t *)out;

	for (int tries = 0; tries < 4096; tries++) {
		const uint64_t s1 = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE);

		if (s1 & 1)
			continue;
		for (size_t i = 0; i < WORDS(p->snap); i++)
			dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&p->seq, __ATOMIC_RELAXED) == s1)
			return 0;
	}
	return -1;
}

unsigned
dnsf_top_merge(const struct dnsf_top_snap *snaps, unsigned n, int by, unsigned max,
               struct dnsf_top_ref *out)
{
	unsigned head[64] = {0}; /* next entry of each worker's list */
	unsigned k = 0;

	if (n > 64)
		n = 64;
	/* Each worker's list is sorted already: repeatedly take the best head (k-way merge). */
	while (k < max) {
		int best = -1;

		for (unsigned i = 0; i < n; i++) {
			if (head[i] >= snaps[i].n[by] || head[i] >= DNSF_TOP_K)
				continue;
			if (best < 0 || dnsf_top_cmp(&snaps[i].by[by][head[i]],
			                             &snaps[best].by[by][head[best]], by) < 0)
				best = (int)i;
		}
		if (best < 0)
			break;
		out[k].e = &snaps[best].by[by][head[best]];
		out[k].worker = (uint16_t)best;
		head[best]++;
		k++;
	}
	return k;
}
