/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control core (the main lcore once workers run): drains the workers' event rings into the
 * event log and the recent-events ring, watches worker heartbeats, prints periodic and final
 * statistics, and decides when a run is over (signal, or the end of a replay).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_ring_elem.h>

#include "dnsf_app.h"

#define TICK_US        5000 /* control loop period */
#define STALL_SECONDS  1    /* a heartbeat that has not moved this long is a stalled worker */
#define DRAIN_BATCH    32
#define EVENT_LINE_MAX 8192

void
dnsf_control_totals(const struct dnsf_app *app, struct dnsf_worker_stats *ws,
                    struct dnsf_app_stats *as)
{
	uint16_t i;

	memset(ws, 0, sizeof(*ws));
	memset(as, 0, sizeof(*as));
	for (i = 0; i < app->n_workers; i++) {
		struct dnsf_worker_stats w;
		struct dnsf_app_stats a;

		dnsf_worker_stats_read(&app->lc[i]->w, &w);
		dnsf_app_stats_snapshot(&app->lc[i]->app, &a);
		dnsf_stats_accumulate(ws, &w);
		dnsf_app_stats_accumulate(as, &a);
	}
}

static void
write_event(struct dnsf_app *app, const struct dnsf_event *ev)
{
	static char line[EVENT_LINE_MAX];

	pthread_mutex_lock(&app->tel_lock);
	app->recent[app->recent_head] = *ev;
	app->recent_head = (app->recent_head + 1) % DNSF_APP_RECENT;
	if (app->recent_n < DNSF_APP_RECENT)
		app->recent_n++;
	app->events_written++; /* with recent[], so /dnsfence/events numbers them right */
	pthread_mutex_unlock(&app->tel_lock);

	if (app->evlog == NULL && app->cfg->event_syslog[0] == '\0')
		return;
	if (dnsf_event_to_json(ev, line, sizeof(line)) < 0) {
		app->event_log_errors++;
		return;
	}
	if (app->evlog != NULL &&
	    (fputs(line, app->evlog) == EOF || fputc('\n', app->evlog) == EOF))
		app->event_log_errors++;
	dnsf_syslog_send(app, ev, line); /* events.syslog; never blocks */
}

/* Returns the number of events drained. */
static unsigned
drain_events(struct dnsf_app *app)
{
	struct dnsf_event evs[DRAIN_BATCH];
	unsigned total = 0;
	uint16_t w;

	for (w = 0; w < app->n_workers; w++) {
		unsigned n, i;

		/* Bounded per tick so a flood of events cannot starve the rest of control. */
		do {
			n = rte_ring_sc_dequeue_burst_elem(app->lc[w]->ev_ring, evs, sizeof(evs[0]),
			                                   DRAIN_BATCH, NULL);
			for (i = 0; i < n; i++)
				write_event(app, &evs[i]);
			total += n;
		} while (n == DRAIN_BATCH && total < 64 * DRAIN_BATCH);
	}
	if (total > 0 && app->evlog != NULL && fflush(app->evlog) != 0)
		app->event_log_errors++;
	return total;
}

static void
watchdog(struct dnsf_app *app, uint64_t tsc)
{
	const uint64_t limit = STALL_SECONDS * app->tsc_hz;
	uint16_t w, stalled = 0;

	pthread_mutex_lock(&app->tel_lock);
	for (w = 0; w < app->n_workers; w++) {
		struct dnsf_watch *wd = &app->watch[w];
		const struct dnsf_lcore *lc = app->lc[w];
		uint64_t hb = __atomic_load_n(&lc->heartbeat, __ATOMIC_RELAXED);

		if (hb != wd->last_hb || __atomic_load_n(&lc->done, __ATOMIC_ACQUIRE)) {
			if (wd->stalled)
				fprintf(stderr,
				        "dnsfence: watchdog: worker on lcore %u is running again\n",
				        lc->lcore_id);
			wd->last_hb = hb;
			wd->last_change_tsc = tsc;
			wd->stalled = 0;
			continue;
		}
		if (tsc - wd->last_change_tsc > limit) {
			if (!wd->stalled)
				fprintf(stderr,
				        "dnsfence: watchdog: worker on lcore %u has not polled for "
				        "over %d s (heartbeat %" PRIu64 ")\n",
				        lc->lcore_id, STALL_SECONDS, hb);
			wd->stalled = 1;
		}
		stalled += wd->stalled;
	}
	app->stalled_workers = stalled;
	pthread_mutex_unlock(&app->tel_lock);
}

static void
print_counters(FILE *out, const struct dnsf_worker_stats *ws, const struct dnsf_app_stats *as)
{
#define DNSF_X_PRINT(name, help) fprintf(out, ",\"" #name "\":%" PRIu64, ws->name);
	DNSF_WORKER_COUNTERS(DNSF_X_PRINT)
#undef DNSF_X_PRINT
#define DNSF_X_PRINT(name, help) fprintf(out, ",\"" #name "\":%" PRIu64, as->name);
	DNSF_APP_COUNTERS(DNSF_X_PRINT)
#undef DNSF_X_PRINT
}

/* 1 when a model scores queries; 0 when none is configured or an optional one failed to load
 * (model.required: false, fail-open to the rules). */
static int
model_loaded(const struct dnsf_app *app)
{
	return app->cfg->model.path[0] != '\0' && dnsf_engine_warning(app->eng)[0] == '\0';
}

/* Live: one JSON line with every counter. */
void
dnsf_control_print_final(const struct dnsf_app *app, FILE *out)
{
	struct dnsf_worker_stats ws;
	struct dnsf_app_stats as;

	dnsf_control_totals(app, &ws, &as);
	fprintf(out, "{\"uptime_s\":%" PRIu64 ",\"mode\":\"%s\",\"workers\":%u",
	        (dnsf_wall_us() - app->start_us) / 1000000u, dnsf_mode_name(app->cfg->mode),
	        app->n_workers);
	print_counters(out, &ws, &as);
	fprintf(out,
	        ",\"events_written\":%" PRIu64 ",\"event_log_errors\":%" PRIu64
	        ",\"mbufs_in_use\":%" PRIu64 ",\"model_loaded\":%d}\n",
	        app->events_written, app->event_log_errors, app->mbufs_in_use, model_loaded(app));
	fflush(out);
}

/* Replay: the one-line summary (documented keys first, then the shell's loss counters). */
void
dnsf_control_print_summary(const struct dnsf_app *app, FILE *out)
{
	struct dnsf_worker_stats ws;
	struct dnsf_app_stats as;

	dnsf_control_totals(app, &ws, &as);
	fprintf(out,
	        "{\"packets_in\":%" PRIu64 ",\"passed\":%" PRIu64 ",\"dropped\":%" PRIu64
	        ",\"refused\":%" PRIu64 ",\"dns_queries\":%" PRIu64 ",\"dns_responses\":%" PRIu64
	        ",\"malformed\":%" PRIu64 ",\"non_dns\":%" PRIu64 ",\"fragments\":%" PRIu64
	        ",\"allowlisted\":%" PRIu64 ",\"denylisted\":%" PRIu64
	        ",\"tunnel_detected\":%" PRIu64 ",\"would_drop\":%" PRIu64 ",\"events\":%" PRIu64
	        ",\"events_lost\":%" PRIu64 ",\"tx_full_dropped\":%" PRIu64
	        ",\"rx_nombuf\":%" PRIu64 ",\"malformed_dropped\":%" PRIu64
	        ",\"verdict_cache_hits\":%" PRIu64 ",\"flow_inserts\":%" PRIu64
	        ",\"flow_evictions\":%" PRIu64 ",\"domain_inserts\":%" PRIu64
	        ",\"domain_evictions\":%" PRIu64 ",\"flow_no_state\":%" PRIu64
	        ",\"water_torture\":%" PRIu64 ",\"bad_chain_dropped\":%" PRIu64
	        ",\"event_log_errors\":%" PRIu64 ",\"mbufs_in_use\":%" PRIu64
	        ",\"model_loaded\":%d}\n",
	        ws.rx_packets, as.verdict_pass, as.verdict_drop, as.verdict_refuse, ws.dns_queries,
	        ws.dns_responses, ws.malformed, ws.non_dns, ws.fragments, ws.allowlisted,
	        ws.denylisted, ws.tunnel_detected, ws.would_drop, app->events_written,
	        ws.events_lost, ws.tx_full_dropped, app->replay_rx_nombuf, ws.malformed_dropped,
	        ws.verdict_cache_hits, ws.flow_inserts, ws.flow_evictions, ws.domain_inserts,
	        ws.domain_evictions, ws.flow_no_state, ws.water_torture, as.bad_chain_dropped,
	        app->event_log_errors, app->mbufs_in_use, model_loaded(app));
	fflush(out);
}

static void
print_periodic(const struct dnsf_app *app)
{
	struct dnsf_worker_stats ws;
	struct dnsf_app_stats as;

	dnsf_control_totals(app, &ws, &as);
	fprintf(stderr, "{\"stats\":1,\"ts_us\":%" PRIu64 ",\"stalled_workers\":%u", dnsf_wall_us(),
	        app->stalled_workers);
	print_counters(stderr, &ws, &as);
	fprintf(stderr, "}\n");
}

static int
all_done(const struct dnsf_app *app)
{
	uint16_t w;

	for (w = 0; w < app->n_workers; w++)
		if (!__atomic_load_n(&app->lc[w]->done, __ATOMIC_ACQUIRE))
			return 0;
	return 1;
}

/* Runs on the main lcore while the workers run; returns once they have all stopped. */
void
dnsf_control_run(struct dnsf_app *app)
{
	const uint64_t interval = (uint64_t)app->stats_interval_s * app->tsc_hz;
	uint64_t last_stats = rte_rdtsc();
	uint16_t w;

	for (w = 0; w < app->n_workers; w++) {
		app->watch[w].last_hb = 0;
		app->watch[w].last_change_tsc = last_stats;
	}
	uint64_t last_tick = last_stats;
	uint64_t done_tsc = 0; /* when all workers had finished a replay */

	for (;;) {
		uint64_t tsc;

		drain_events(app);
		if (__atomic_load_n(&app->quit, __ATOMIC_RELAXED))
			break;
		tsc = rte_rdtsc();
		if (done_tsc == 0 && all_done(app)) {
			/* --linger: the workers are through the capture; telemetry and metrics go
			 * on answering with the final numbers (the watchdogs rest: nobody polls).
			 */
			if (app->linger_s == 0)
				break;
			done_tsc = tsc;
			fprintf(stderr,
			        "dnsfence: replay done; serving telemetry and metrics for %u s\n",
			        app->linger_s);
		}
		if (done_tsc != 0) {
			if (tsc - done_tsc >= (uint64_t)app->linger_s * app->tsc_hz)
				break;
			dnsf_metrics_poll(app, tsc);
			usleep(TICK_US);
			continue;
		}
		__atomic_store_n(&app->ctl_heartbeat, app->ctl_heartbeat + 1, __ATOMIC_RELAXED);
		/* Control cannot see its own stall while it lasts (worker 0 counts it); it says so
		 * once it runs again, with how long it was away. */
		if (tsc - last_tick > STALL_SECONDS * app->tsc_hz)
			fprintf(stderr,
			        "dnsfence: watchdog: control loop did not run for %" PRIu64
			        " ms (events, stats and the watchdogs waited)\n",
			        (tsc - last_tick) * 1000u / app->tsc_hz);
		last_tick = tsc;
		watchdog(app, tsc);
		dnsf_sdnotify_poll(app, tsc); /* WATCHDOG=1 while control and workers run */
		dnsf_reload_poll(app);        /* SIGHUP: lists and event log */
		dnsf_metrics_poll(app, tsc);  /* never blocks */
		dnsf_forensics_poll(app);     /* forensics.pcap */
		if (interval > 0 && tsc - last_stats >= interval) {
			last_stats = tsc;
			if (app->verbose_stats)
				print_periodic(app);
		} /* A replay worker waits on a full event ring: drain it more often. */
		usleep(app->replay ? TICK_US / 5 : TICK_US);
#ifdef DNSF_TEST_HOOKS
		dnsf_testhook_stall(app, app->n_workers, rte_rdtsc());
#endif
	}
	__atomic_store_n(&app->quit, 1, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	/* Workers are gone: what they queued last is still in the rings. */
	while (drain_events(app) > 0)
		;
	pthread_mutex_lock(&app->tel_lock);
	app->stalled_workers = 0;
	pthread_mutex_unlock(&app->tel_lock);
}
