/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Events to the local syslog (events.syslog = the socket path, normally /dev/log), written by
 * the control core next to the event log. Our own datagram socket rather than syslog(3): that
 * one may block when the daemon is slow, and the control loop must not. A message is
 * "<PRI>Mmm dd hh:mm:ss dnsfence[PID]: {event JSON}" (RFC 3164 framing; the JSON is the event
 * log's line), facility daemon, severity warning for a packet dropped or refused, notice for
 * one only logged. A message the socket does not take at once is counted and dropped; after a
 * send error (daemon restarted) the socket is reconnected at most once a second.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "dnsf_app.h"

#define FACILITY_DAEMON  (3 << 3)
#define SEVERITY_WARNING 4
#define SEVERITY_NOTICE  5

static int
connect_socket(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
dnsf_syslog_open(struct dnsf_app *app, char *err, size_t errlen)
{
	const char *path = app->cfg->event_syslog;

	app->syslog.fd = -1;
	if (path[0] == '\0')
		return 0;
	app->syslog.fd = connect_socket(path);
	if (app->syslog.fd < 0) {
		snprintf(err, errlen, "events.syslog %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void
dnsf_syslog_send(struct dnsf_app *app, const struct dnsf_event *ev, const char *json)
{
	struct dnsf_syslog *s = &app->syslog;
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	char msg[DNSF_SYSLOG_MAX];
	struct tm tm;
	time_t now;
	int n;

	if (app->cfg->event_syslog[0] == '\0')
		return;
	if (s->fd < 0) {
		const uint64_t tsc = rte_rdtsc();

		if (s->last_try_tsc != 0 && tsc - s->last_try_tsc < app->tsc_hz) {
			s->dropped++;
			return;
		}
		s->last_try_tsc = tsc;
		s->fd = connect_socket(app->cfg->event_syslog);
		if (s->fd < 0) {
			s->dropped++;
			return;
		}
	}
	now = time(NULL);
	localtime_r(&now, &tm);
	n = snprintf(
	    msg, sizeof(msg), "<%d>%s %2d %02d:%02d:%02d dnsfence[%ld]: %s",
	    FACILITY_DAEMON + (ev->action != DNSF_ACT_PASS ? SEVERITY_WARNING : SEVERITY_NOTICE),
	    mon[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)getpid(), json);
	if (n < 0 || (size_t)n >= sizeof(msg)) {
		s->dropped++; /* a cut JSON object would not parse: better none */
		return;
	}
	if (send(s->fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) == n) {
		s->sent++;
		return;
	}
	s->dropped++;
	if (errno != EAGAIN && errno != EWOULDBLOCK) { /* the daemon went away: reconnect later */
		close(s->fd);
		s->fd = -1;
		s->last_try_tsc = rte_rdtsc();
	}
}

void
dnsf_syslog_close(struct dnsf_app *app)
{
	if (app->syslog.fd >= 0)
		close(app->syslog.fd);
	app->syslog.fd = -1;
}
