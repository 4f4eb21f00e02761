/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live reload on SIGHUP, run by the control core: the allow and deny lists are rebuilt from
 * their files and swapped into the engine (dnsf_engine_swap_lists), and the event log is
 * reopened (log rotation). Workers never lock: they read the lists pointer once per packet and
 * report a quiescent state (rte_rcu_qsbr) once per loop iteration; the replaced lists are freed
 * once every online worker has reported one after the swap. Until then a further SIGHUP waits
 * (it stays pending), so at most one old generation exists. A list that does not load is
 * refused with one logged line and the lists in force stay.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dnsf_app.h"

static void
status_from(struct dnsf_lists_status *st, const struct dnsf_lists *l, uint64_t now_us)
{
	snprintf(st->allow_version, sizeof(st->allow_version), "%s", l->allow_version);
	snprintf(st->deny_version, sizeof(st->deny_version), "%s", l->deny_version);
	st->allow_entries = l->allow_entries;
	st->deny_entries = l->deny_entries;
	st->loaded_us = now_us;
}

void
dnsf_reload_status_init(struct dnsf_app *app)
{
	pthread_mutex_lock(&app->tel_lock);
	status_from(&app->lists, dnsf_engine_lists(app->eng), app->start_us);
	pthread_mutex_unlock(&app->tel_lock);
}

int
dnsf_reload_init(struct dnsf_app *app, char *err, size_t errlen)
{
	const size_t sz = rte_rcu_qsbr_get_memsize(app->n_workers);
	uint16_t i;

	app->qsbr = rte_zmalloc("dnsf_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (app->qsbr == NULL || rte_rcu_qsbr_init(app->qsbr, app->n_workers) != 0) {
		snprintf(err, errlen, "cannot set up the RCU state for list reloads (%zu bytes)",
		         sz);
		rte_free(app->qsbr);
		app->qsbr = NULL;
		return -1;
	}
	/* Registered here, before launch; each worker goes online itself when it starts. */
	for (i = 0; i < app->n_workers; i++)
		rte_rcu_qsbr_thread_register(app->qsbr, app->lc[i]->idx);
	dnsf_reload_status_init(app);
	return 0;
}

/* Log rotation: a new file at the configured path; the old stream is closed only once the new
 * one is open, so a failure keeps logging where it did. */
static void
reopen_event_log(struct dnsf_app *app)
{
	const char *path = app->event_log_path;
	FILE *f;

	if (path == NULL || path[0] == '\0' || strcmp(path, "-") == 0 || app->evlog == NULL)
		return;
	f = fopen(path, "a");
	if (f == NULL) {
		fprintf(stderr,
		        "dnsfence: reload: cannot reopen event log %s (%s); still writing "
		        "to the old file\n",
		        path, strerror(errno));
		return;
	}
	if (fflush(app->evlog) != 0)
		app->event_log_errors++;
	fclose(app->evlog);
	app->evlog = f;
	fprintf(stderr, "dnsfence: reload: event log %s reopened\n", path);
}

static void
reload_lists(struct dnsf_app *app)
{
	const struct dnsf_config *cfg = app->cfg;
	struct dnsf_lists *nl, *old;
	char err[DNSF_ERR_MAX];
	const uint64_t now = dnsf_wall_us();

	if (dnsf_lists_load(cfg->allowlist, cfg->denylist, &nl, err, sizeof(err)) != 0) {
		pthread_mutex_lock(&app->tel_lock);
		app->lists.reloads_failed++;
		app->lists.last_reload_us = now;
		app->lists.last_ok = 0;
		snprintf(app->lists.last_error, sizeof(app->lists.last_error), "%s", err);
		fprintf(stderr, "dnsfence: reload: lists refused, keeping allow %s deny %s: %s\n",
		        app->lists.allow_version[0] ? app->lists.allow_version : "(none)",
		        app->lists.deny_version[0] ? app->lists.deny_version : "(none)", err);
		pthread_mutex_unlock(&app->tel_lock);
		return;
	}
	old = dnsf_engine_swap_lists(app->eng, nl);
	/* Workers that decided a packet with `old` report a quiescent state after it. */
	app->retire = old;
	app->retire_token = rte_rcu_qsbr_start(app->qsbr);
	pthread_mutex_lock(&app->tel_lock);
	status_from(&app->lists, nl, now);
	app->lists.reloads_ok++;
	app->lists.last_reload_us = now;
	app->lists.last_ok = 1;
	app->lists.last_error[0] = '\0';
	app->lists.retire_pending = 1;
	pthread_mutex_unlock(&app->tel_lock);
	fprintf(stderr,
	        "dnsfence: reload: lists loaded: allow %" PRIu32 " entries (%s), deny %" PRIu32
	        " entries (%s)\n",
	        nl->allow_entries, nl->allow_version[0] ? nl->allow_version : "none",
	        nl->deny_entries, nl->deny_version[0] ? nl->deny_version : "none");
}

void
dnsf_reload_poll(struct dnsf_app *app)
{
	if (app->qsbr == NULL)
		return;
	if (app->retire != NULL) {
		/* Non-blocking: a stalled worker must not stall control too. */
		if (rte_rcu_qsbr_check(app->qsbr, app->retire_token, false) != 1)
			return;
		dnsf_lists_free(app->retire);
		app->retire = NULL;
		pthread_mutex_lock(&app->tel_lock);
		app->lists.retire_pending = 0;
		pthread_mutex_unlock(&app->tel_lock);
	}
	if (!__atomic_exchange_n(&app->reload_requested, 0, __ATOMIC_RELAXED))
		return;
	reopen_event_log(app);
	reload_lists(app);
}

/* After the workers have stopped: nobody holds the old lists any more. */
void
dnsf_reload_fini(struct dnsf_app *app)
{
	dnsf_lists_free(app->retire);
	app->retire = NULL;
	rte_free(app->qsbr);
	app->qsbr = NULL;
}
