/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus metrics over HTTP/1.0, served by the control core (never a worker): a non-blocking
 * listening socket the control loop polls every tick. One client at a time; a request head is
 * at most sizeof(req) bytes and must arrive within CLIENT_TIMEOUT_S, the answer must be taken
 * within the same time, else the connection is closed. Only GET /metrics is served.
 * Names follow docs/telemetry.md: every DNSF_WORKER_COUNTERS and DNSF_APP_COUNTERS entry is
 * dnsfence_<name>_total{lcore="N"}, ethdev counters are dnsfence_port_*{port="NAME"}.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "dnsf_app.h"

#define CLIENT_TIMEOUT_S 2

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void __attribute__((format(printf, 2, 3))) bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t ncap = b->cap * 2 + (size_t)n;
			char *np = realloc(b->p, ncap);

			if (np == NULL) {
				b->oom = 1;
				return;
			}
			b->p = np;
			b->cap = ncap;
		}
	}
}

/* HELP text: the exposition format escapes backslash and newline (our texts have neither, but
 * a future one must not break the page). */
static void
help(struct buf *b, const char *name, const char *type, const char *text)
{
	const char *s;

	bprintf(b, "# HELP %s ", name);
	for (s = text; *s; s++) {
		if (*s == '\\')
			bprintf(b, "\\\\");
		else if (*s == '\n')
			bprintf(b, "\\n");
		else
			bprintf(b, "%c", *s);
	}
	bprintf(b, "\n# TYPE %s %s\n", name, type);
}

/* Label values: escape backslash, quote and newline. */
static void
label_value(struct buf *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			bprintf(b, "\\%c", *v);
		else if (*v == '\n')
			bprintf(b, "\\n");
		else
			bprintf(b, "%c", *v);
	}
}

static void
render_ports(const struct dnsf_app *app, struct buf *b)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} pf[] = {
#define P(n, f, h) {"dnsfence_port_" n, h, offsetof(struct rte_eth_stats, f)}
	    P("rx_packets_total", ipackets, "packets the port received (ethdev ipackets)"),
	    P("tx_packets_total", opackets, "packets the port sent (ethdev opackets)"),
	    P("rx_bytes_total", ibytes, "bytes the port received"),
	    P("tx_bytes_total", obytes, "bytes the port sent"),
	    P("rx_missed_total", imissed, "packets the port dropped because RX queues were full"),
	    P("rx_errors_total", ierrors, "erroneous received packets"),
	    P("tx_errors_total", oerrors, "failed transmitted packets"),
	    P("rx_nombuf_total", rx_nombuf, "RX mbuf allocation failures"),
#undef P
	};
	struct rte_eth_stats st[DNSF_APP_MAX_PORTS];
	uint8_t ok[DNSF_APP_MAX_PORTS];
	size_t k;
	uint16_t i;

	for (i = 0; i < app->n_ports; i++)
		ok[i] = !app->ports[i].sink && app->ports[i].started &&
		        rte_eth_stats_get(app->ports[i].port_id, &st[i]) == 0;
	for (k = 0; k < RTE_DIM(pf); k++) {
		help(b, pf[k].name, "counter", pf[k].help);
		for (i = 0; i < app->n_ports; i++) {
			if (!ok[i])
				continue;
			bprintf(b, "%s{port=\"", pf[k].name);
			label_value(b, app->ports[i].name);
			bprintf(b, "\"} %" PRIu64 "\n",
			        *(const uint64_t *)((const char *)&st[i] + pf[k].off));
		}
	}
}

int
dnsf_metrics_render(const struct dnsf_app *app, char **out, size_t *out_len)
{
	struct buf b = {.p = malloc(16384), .cap = 16384};
	struct dnsf_worker_stats ws[DNSF_MAX_WORKERS];
	struct dnsf_app_stats as[DNSF_MAX_WORKERS];
	const struct dnsf_config *cfg = app->cfg;
	uint16_t w;

	if (b.p == NULL)
		return -1;
	/* One snapshot per worker, so every family of one page comes from the same reads. */
	for (w = 0; w < app->n_workers; w++) {
		dnsf_worker_stats_read(&app->lc[w]->w, &ws[w]);
		dnsf_app_stats_snapshot(&app->lc[w]->app, &as[w]);
	}
#define DNSF_X_PROM(name, text)                                                                    \
	help(&b, "dnsfence_" #name "_total", "counter", text);                                     \
	for (w = 0; w < app->n_workers; w++)                                                       \
		bprintf(&b, "dnsfence_" #name "_total{lcore=\"%u\"} %" PRIu64 "\n",                \
		        app->lc[w]->lcore_id, SRC[w].name);
#define SRC ws
	DNSF_WORKER_COUNTERS(DNSF_X_PROM)
#undef SRC
#define SRC as
	DNSF_APP_COUNTERS(DNSF_X_PROM)
#undef SRC
#undef DNSF_X_PROM

	/* The verdict counters again, with the action as a label: sum by (action) without
	 * knowing the counter names. */
	help(&b, "dnsfence_verdicts_total", "counter",
	     "frames decided by the engine, by lcore and action (pass, drop, refuse)");
	for (w = 0; w < app->n_workers; w++) {
		const unsigned id = app->lc[w]->lcore_id;

		bprintf(&b, "dnsfence_verdicts_total{lcore=\"%u\",action=\"pass\"} %" PRIu64 "\n",
		        id, as[w].verdict_pass);
		bprintf(&b, "dnsfence_verdicts_total{lcore=\"%u\",action=\"drop\"} %" PRIu64 "\n",
		        id, as[w].verdict_drop);
		bprintf(&b, "dnsfence_verdicts_total{lcore=\"%u\",action=\"refuse\"} %" PRIu64 "\n",
		        id, as[w].verdict_refuse);
	}
	help(&b, "dnsfence_events_written_total", "counter",
	     "events the control core wrote to the event log (or drained, without one)");
	bprintf(&b, "dnsfence_events_written_total %" PRIu64 "\n", app->events_written);
	help(&b, "dnsfence_event_log_errors_total", "counter",
	     "event lines that could not be formatted or written");
	bprintf(&b, "dnsfence_event_log_errors_total %" PRIu64 "\n", app->event_log_errors);

	render_ports(app, &b);

	help(&b, "dnsfence_info", "gauge", "constant 1, labelled with the version and mode");
	bprintf(&b, "dnsfence_info{version=\"%s\",mode=\"%s\"} 1\n", DNSF_VERSION,
	        dnsf_mode_name(cfg->mode));
	help(&b, "dnsfence_uptime_seconds", "gauge", "seconds since dnsfence started");
	bprintf(&b, "dnsfence_uptime_seconds %" PRIu64 "\n",
	        (dnsf_wall_us() - app->start_us) / 1000000u);
	help(&b, "dnsfence_workers", "gauge", "worker lcores");
	bprintf(&b, "dnsfence_workers %u\n", app->n_workers);
	help(&b, "dnsfence_stalled_workers", "gauge",
	     "workers whose loop has not moved for over a second (watchdog)");
	bprintf(&b, "dnsfence_stalled_workers %u\n", app->stalled_workers);
	/* Exact: the table counts the slots in use as it fills them (dnsf_flow.h). */
	help(&b, "dnsfence_flow_table_entries", "gauge", "flow table entries in use per worker");
	for (w = 0; w < app->n_workers; w++) {
		struct dnsf_tab_counters fc, dc;

		dnsf_worker_tables(&app->lc[w]->w, &fc, &dc);
		bprintf(&b, "dnsfence_flow_table_entries{lcore=\"%u\"} %" PRIu64 "\n",
		        app->lc[w]->lcore_id, fc.used);
	}
	help(&b, "dnsfence_flow_table_capacity", "gauge", "flow table entries per worker");
	bprintf(&b, "dnsfence_flow_table_capacity %" PRIu32 "\n",
	        cfg->detect.enabled ? cfg->detect.flow_entries : 0);

	/* Lists: control writes app->lists itself, so no lock is needed here. */
	help(&b, "dnsfence_list_entries", "gauge", "entries of the allow and deny lists in force");
	bprintf(&b, "dnsfence_list_entries{list=\"allow\"} %" PRIu32 "\n",
	        app->lists.allow_entries);
	bprintf(&b, "dnsfence_list_entries{list=\"deny\"} %" PRIu32 "\n", app->lists.deny_entries);
	help(&b, "dnsfence_list_loaded_timestamp_seconds", "gauge",
	     "when the lists in force were loaded (Unix time)");
	bprintf(&b, "dnsfence_list_loaded_timestamp_seconds %" PRIu64 "\n",
	        app->lists.loaded_us / 1000000u);
	help(&b, "dnsfence_list_reloads_total", "counter", "SIGHUP list reloads by result");
	bprintf(&b, "dnsfence_list_reloads_total{result=\"ok\"} %" PRIu64 "\n",
	        app->lists.reloads_ok);
	bprintf(&b, "dnsfence_list_reloads_total{result=\"error\"} %" PRIu64 "\n",
	        app->lists.reloads_failed);
	help(&b, "dnsfence_forensic_pcap_frames_total", "counter",
	     "frames the control core wrote to forensics.pcap, or could not (result)");
	bprintf(&b, "dnsfence_forensic_pcap_frames_total{result=\"written\"} %" PRIu64 "\n",
	        app->cap_written);
	bprintf(&b, "dnsfence_forensic_pcap_frames_total{result=\"error\"} %" PRIu64 "\n",
	        app->cap_write_errors);
	help(&b, "dnsfence_syslog_messages_total", "counter",
	     "events sent to syslog (events.syslog) by result");
	bprintf(&b, "dnsfence_syslog_messages_total{result=\"sent\"} %" PRIu64 "\n",
	        app->syslog.sent);
	bprintf(&b, "dnsfence_syslog_messages_total{result=\"dropped\"} %" PRIu64 "\n",
	        app->syslog.dropped);
	help(&b, "dnsfence_metrics_scrapes_total", "counter", "GET /metrics requests answered");
	bprintf(&b, "dnsfence_metrics_scrapes_total %" PRIu64 "\n", app->metrics.scrapes + 1);
	if (b.oom) {
		free(b.p);
		return -1;
	}
	*out = b.p;
	*out_len = b.len;
	return 0;
}

int
dnsf_metrics_open(struct dnsf_app *app, char *err, size_t errlen)
{
	struct dnsf_metrics *m = &app->metrics;
	const char *listen_s = app->cfg->metrics_listen;
	struct sockaddr_storage ss;
	socklen_t sl;
	uint8_t addr[16];
	uint16_t port;
	int fam, one = 1, fd;
	char why[128];

	m->lfd = m->cfd = -1;
	if (listen_s[0] == '\0')
		return 0;
	if (dnsf_listen_parse(listen_s, &fam, addr, &port, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "metrics.listen '%s': %s", listen_s, why);
		return -1;
	}
	memset(&ss, 0, sizeof(ss));
	if (fam == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		memcpy(&a->sin_addr, addr, 4);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		memcpy(&a->sin6_addr, addr, 16);
		sl = sizeof(*a);
	}
	fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "metrics.listen %s: socket: %s", listen_s, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 4) != 0) {
		snprintf(err, errlen, "metrics.listen %s: %s", listen_s, strerror(errno));
		close(fd);
		return -1;
	}
	m->lfd = fd;
	return 0;
}

static void
client_close(struct dnsf_metrics *m)
{
	if (m->cfd >= 0) {
		char junk[4096];
		int k;

		/* Unread input makes close() send a RST, which can destroy the answer still in
		 * flight to the client: read (a bounded amount of) what it sent first. */
		for (k = 0; k < 4 && recv(m->cfd, junk, sizeof(junk), MSG_DONTWAIT) > 0; k++)
			;
		shutdown(m->cfd, SHUT_WR);
		close(m->cfd);
	}
	m->cfd = -1;
	free(m->out);
	m->out = NULL;
	m->out_len = m->out_off = m->out_cap = 0;
	m->req_len = 0;
}

static int
respond_plain(struct dnsf_metrics *m, const char *status, const char *body)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof(hdr),
	                 "HTTP/1.0 %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	                 status, strlen(body), body);

	m->out = strdup(hdr);
	if (m->out == NULL)
		return -1;
	m->out_len = (size_t)n < sizeof(hdr) ? (size_t)n : sizeof(hdr) - 1;
	m->bad_requests++;
	return 0;
}

/* The request head is complete: decide the answer. */
static int
answer(struct dnsf_app *app, struct dnsf_metrics *m)
{
	char *body, *hdr_end, method[8], path[256];
	size_t blen;
	int hl;

	m->req[m->req_len] = '\0';
	if (sscanf(m->req, "%7s %255s", method, path) != 2)
		return respond_plain(m, "400 Bad Request", "bad request\n");
	if (strcmp(method, "GET") != 0)
		return respond_plain(m, "405 Method Not Allowed", "only GET /metrics\n");
	if (strcmp(path, "/metrics") != 0 && strncmp(path, "/metrics?", 9) != 0)
		return respond_plain(m, "404 Not Found", "only GET /metrics\n");
	if (dnsf_metrics_render(app, &body, &blen) != 0)
		return respond_plain(m, "503 Service Unavailable", "out of memory\n");
	m->out_cap = blen + 256;
	m->out = malloc(m->out_cap);
	if (m->out == NULL) {
		free(body);
		return -1;
	}
	hl =
	    snprintf(m->out, 256,
	             "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
	             "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	             blen);
	hdr_end = m->out + hl;
	memcpy(hdr_end, body, blen);
	m->out_len = (size_t)hl + blen;
	free(body);
	m->scrapes++;
	return 0;
}

/* Called every control tick: at most one accept, one read and one write, all non-blocking. */
void
dnsf_metrics_poll(struct dnsf_app *app, uint64_t tsc)
{
	struct dnsf_metrics *m = &app->metrics;
	ssize_t n;

	if (m->lfd < 0)
		return;
	if (m->cfd < 0) {
		m->cfd = accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (m->cfd < 0)
			return;
		m->deadline_tsc = tsc + CLIENT_TIMEOUT_S * app->tsc_hz;
		m->req_len = 0;
	}
	if (tsc > m->deadline_tsc) {
		m->bad_requests++;
		client_close(m);
		return;
	}
	if (m->out == NULL) {
		n = recv(m->cfd, m->req + m->req_len, sizeof(m->req) - 1 - m->req_len, 0);
		if (n == 0 ||
		    (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			client_close(m);
			return;
		}
		if (n > 0)
			m->req_len += (size_t)n;
		m->req[m->req_len] = '\0';
		if (strstr(m->req, "\r\n\r\n") == NULL && strstr(m->req, "\n\n") == NULL) {
			if (m->req_len >= sizeof(m->req) - 1 &&
			    respond_plain(m, "431 Request Header Fields Too Large",
			                  "request too large\n") != 0)
				client_close(m);
			if (m->out == NULL)
				return;
		} else if (answer(app, m) != 0) {
			client_close(m);
			return;
		}
	}
	n = send(m->cfd, m->out + m->out_off, m->out_len - m->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		client_close(m);
		return;
	}
	if (n > 0)
		m->out_off += (size_t)n;
	if (m->out_off == m->out_len)
		client_close(m);
}

void
dnsf_metrics_close(struct dnsf_app *app)
{
	client_close(&app->metrics);
	if (app->metrics.lfd >= 0)
		close(app->metrics.lfd);
	app->metrics.lfd = -1;
}
