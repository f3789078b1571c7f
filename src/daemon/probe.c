/* probe.c: a /probe's modules by name, the one picked run, and the tcp
 * one (see probe.h); what the modules share is probekit.c's.
 *
 * It must not decide whether a probe may run (probegate.c) nor outlive its
 * budget, and it closes its socket on every path. */
#include "probe.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "probepath.h"
#include "probeudp.h"

#define TCP_BUF 4096                    /* bytes of echo kept while looking for a line */

int probe_module(const char *name, enum probe_module *m)
{
	if (strcmp(name, "tcp") == 0)
		*m = PROBE_TCP;
	else if (strcmp(name, "udp") == 0)
		*m = PROBE_UDP;
	else if (strcmp(name, "path") == 0)
		*m = PROBE_PATH;
	else
		return -1;
	return 0;
}

/* waits for events on fd until deadline: 1 ready, 0 timed out, -1 error */
static int wait_fd(const struct probe_params *pp, int fd, short events, double deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	return probe_poll(pp, &pfd, deadline);
}

static int tcp_connect(const struct sockaddr *target, socklen_t len, double deadline,
		       const struct probe_params *pp)
{
	int fd = socket(target->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int err = 0;
	socklen_t elen = sizeof err;

	if (fd < 0)
		return -1;
	if (connect(fd, target, len) < 0 && errno != EINPROGRESS)
		goto fail;
	if (wait_fd(pp, fd, POLLOUT, deadline) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* sends msg and reads until it is back, whatever came before it: 0, or -1 */
static int round_trip(int fd, const char *msg, size_t len, double deadline,
		      const struct probe_params *pp)
{
	char buf[TCP_BUF + 1];
	size_t have = 0, sent = 0;

	while (sent < len) {
		ssize_t n = send(fd, msg + sent, len - sent, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0)
			sent += (size_t)n;
		else if (wait_fd(pp, fd, POLLOUT, deadline) != 1)
			return -1;
	}
	for (;;) {
		if (wait_fd(pp, fd, POLLIN, deadline) != 1)
			return -1;
		ssize_t n = recv(fd, buf + have, TCP_BUF - have, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return -1;
		if (n < 0)
			continue;
		have += (size_t)n;
		if (memmem(buf, have, msg, len) != NULL)
			return 0;
		if (have > len) {       /* keep what could begin the line */
			memmove(buf, buf + have - len, len);
			have = len;
		}
	}
}

static bool probe_tcp(const struct sockaddr *target, socklen_t len, const struct probe_params *pp,
		      struct promtext *p)
{
	double start = clock_now(), deadline = start + pp->budget, connected, sum = 0, max = 0;
	unsigned long long tag = 0;
	unsigned done = 0;
	int fd = tcp_connect(target, len, deadline, pp);

	connected = clock_now();
	if (getrandom(&tag, sizeof tag, 0) != (ssize_t)sizeof tag)
		tag = (unsigned long long)(start * 1e9);
	for (; fd >= 0 && done < pp->count; done++) {
		char msg[64];
		int n = snprintf(msg, sizeof msg, "netecho probe %016llx %u\n", tag, done);
		double t = clock_now();

		if (round_trip(fd, msg, (size_t)n, deadline, pp) != 0)
			break;
		t = clock_now() - t;
		sum += t;
		max = t > max ? t : max;
	}
	if (fd >= 0)
		close(fd);
	bool ok = fd >= 0 && done == pp->count;
	probe_gauge(p, "probe_tcp_connect_seconds", "Seconds the TCP connection took to establish.",
		    fd >= 0 ? connected - start : NAN);
	probe_gauge(p, "probe_tcp_round_trips", "Echo round trips completed.", done);
	probe_gauge(p, "probe_tcp_rtt_seconds", "Mean seconds of an echo round trip.",
		    done > 0 ? sum / done : NAN);
	probe_gauge(p, "probe_tcp_rtt_max_seconds", "Longest echo round trip, in seconds.",
		    done > 0 ? max : NAN);
	return ok;
}

bool probe_run(enum probe_module m, const struct sockaddr *target, socklen_t len,
	       const struct probe_params *pp, struct promtext *p)
{
	double start = clock_now();
	bool ok = m == PROBE_TCP   ? probe_tcp(target, len, pp, p)
		  : m == PROBE_UDP ? probe_udp(target, len, pp, p)
				   : probe_path(target, len, pp, p);

	probe_gauge(p, "probe_duration_seconds", "Seconds the probe took.", clock_now() - start);
	probe_gauge(p, "probe_success", "Whether the probe succeeded (1) or not (0).", ok);
	return ok;
}
