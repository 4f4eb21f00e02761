/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * systemd notifications without libsystemd: the protocol is one AF_UNIX datagram per message
 * ("READY=1", "WATCHDOG=1", "STOPPING=1") sent to the socket named by $NOTIFY_SOCKET (a path,
 * or '@' for the abstract namespace). With WatchdogSec= in the unit, systemd sets $WATCHDOG_USEC
 * (and $WATCHDOG_PID) and restarts the service when no WATCHDOG=1 arrives within that time.
 * The control loop sends it only while it runs and no worker is stalled, so a stuck control
 * core or a stuck worker (whose queues then go unserved) gets the process restarted.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dnsf_app.h"

static int
env_u64(const char *name, uint64_t *v)
{
	const char *s = getenv(name);
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return (errno != 0 || *end != '\0') ? -1 : 0;
}

void
dnsf_sdnotify_open(struct dnsf_app *app)
{
	struct dnsf_sdnotify *sd = &app->sd;
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t len;
	uint64_t usec, pid;

	memset(sd, 0, sizeof(*sd));
	sd->fd = -1;
	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sa.sun_path)) {
		fprintf(stderr,
		        "dnsfence: warning: NOTIFY_SOCKET too long, not notifying systemd\n");
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	sd->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sd->fd < 0 || connect(sd->fd, (const struct sockaddr *)&sa,
	                          (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) != 0) {
		fprintf(stderr, "dnsfence: warning: NOTIFY_SOCKET %s: %s; not notifying systemd\n",
		        path, strerror(errno));
		if (sd->fd >= 0)
			close(sd->fd);
		sd->fd = -1;
		return;
	}
	/* The watchdog is ours only when WATCHDOG_PID is unset or names this process. */
	if (env_u64("WATCHDOG_USEC", &usec) == 0 && usec > 0 &&
	    (env_u64("WATCHDOG_PID", &pid) != 0 || pid == (uint64_t)getpid()))
		sd->interval_tsc = dnsf_sdnotify_interval(usec, app->tsc_hz);
}

uint64_t
dnsf_sdnotify_interval(uint64_t usec, uint64_t tsc_hz)
{
	/* In 128 bits: usec / 2 * tsc_hz wrapped in 64 from WatchdogSec of about 4.9 h up (at
	 * 2.1 GHz), and a wrapped interval of years meant no ping, so systemd killed a healthy
	 * process. At least one tick: 0 means "no watchdog". */
	const unsigned __int128 t = (unsigned __int128)usec * tsc_hz / 2000000u;

	return t == 0 ? 1 : t > UINT64_MAX ? UINT64_MAX : (uint64_t)t;
}

void
dnsf_sdnotify_send(struct dnsf_app *app, const char *msg)
{
	if (app->sd.fd < 0)
		return;
	/* Non-blocking: a full socket loses this one message; the next ping comes soon. */
	if (send(app->sd.fd, msg, strlen(msg), MSG_NOSIGNAL) < 0)
		app->sd.errors++;
}

void
dnsf_sdnotify_poll(struct dnsf_app *app, uint64_t tsc)
{
	struct dnsf_sdnotify *sd = &app->sd;

	if (sd->fd < 0 || sd->interval_tsc == 0 || tsc - sd->last_tsc < sd->interval_tsc)
		return;
	if (app->stalled_workers > 0)
		return; /* a stuck worker's queues go unserved: let systemd restart us */
	sd->last_tsc = tsc;
	dnsf_sdnotify_send(app, "WATCHDOG=1");
	sd->pings++;
}

void
dnsf_sdnotify_close(struct dnsf_app *app)
{
	if (app->sd.fd < 0)
		return;
	dnsf_sdnotify_send(app, "STOPPING=1");
	close(app->sd.fd);
	app->sd.fd = -1;
}
