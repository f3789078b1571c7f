/* probeudp.c: a /probe's udp module: tagged datagrams to the target's
 * report service, and what its reports say of them (probe.h,
 * probeloss.h). The reports are untrusted: read by the client's parser
 * (src/lib/pathreport.c), and only those from the target's address and
 * port reach this connected socket.
 *
 * It must not trust a report but through that parser, nor outlive the
 * probe's budget. */
#include "probeudp.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "pathreport.h"
#include "probeloss.h"
#include "probemem.h"

#define CLOSING_MAX (PROBEMEM_SEQS - PROBELOSS_MAX)     /* closing probes at most */

static int send_probe(int fd, uint64_t session, unsigned seq)
{
	char buf[PROBE_UDP_SIZE];
	size_t n = probemem_tag(buf, sizeof buf, session, seq);

	memset(buf + n, 'x', sizeof buf - n);
	return send(fd, buf, sizeof buf, 0) == (ssize_t)sizeof buf ? 0 : -1;
}

/* reads the reports waiting, until until (a point on the clock) */
static void read_reports(int fd, struct probeloss *l, double until,
			 const struct probe_params *pp)
{
	char buf[PATH_REPORT_MAX + 1];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	for (;;) {
		int n = probe_poll(pp, &pfd, until);
		if (n <= 0)
			return;
		ssize_t got = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got < 0) {          /* ICMP unreachable and the like: wait on */
			if (clock_ms_until(until) == 0)
				return;
			continue;
		}
		struct path_seen seen;
		char err[64];
		if (path_parse_report(buf, (size_t)got, &seen, err, sizeof err) == 0 &&
		    seen.session_first >= 0)
			probeloss_report(l, seen.session_first, seen.session_seen, clock_now());
	}
}

static void udp_metrics(struct promtext *p, const struct probeloss_result *r)
{
	probe_gauge(p, "probe_udp_sent", "Datagrams sent (the closing ones not counted).", r->sent);
	probe_gauge(p, "probe_udp_known",
		    "Datagrams whose fate a report told (later ones: unknown, never lost).", r->known);
	probe_gauge(p, "probe_udp_arrived", "Datagrams the target's reports saw arrive.", r->arrived);
	probe_gauge(p, "probe_udp_loss_ratio", "Datagrams lost on the way there, of those known.",
		    r->loss);
	probe_gauge(p, "probe_udp_reports", "Reports received.", r->reports);
	probe_gauge(p, "probe_udp_reports_missing",
		    "Datagrams arrived whose own report did not come: lost on the way back or held by the target's rate limit.",
		    r->reports_missing);
	probe_gauge(p, "probe_udp_duplicates", "Reports that showed nothing new (a datagram or its report twice).",
		    r->duplicates);
	probe_gauge(p, "probe_udp_reordered", "Datagrams or reports that overtook one another.",
		    r->reordered);
	probe_gauge(p, "probe_udp_rtt_seconds", "Mean round trip to the report service, in seconds.",
		    r->rtt_avg);
	probe_gauge(p, "probe_udp_rtt_min_seconds", "Shortest round trip, in seconds.", r->rtt_min);
	probe_gauge(p, "probe_udp_rtt_max_seconds", "Longest round trip, in seconds.", r->rtt_max);
	probe_gauge(p, "probe_udp_jitter_seconds",
		    "Mean difference of round trips of datagrams next in sequence, in seconds.",
		    r->jitter);
}

bool probe_udp(const struct sockaddr *target, socklen_t len, const struct probe_params *pp,
	       struct promtext *p)
{
	struct probeloss l, *lp = &l;
	struct probeloss_result r;
	double start = clock_now(), deadline = start + pp->budget;
	uint64_t session = 0;
	int fd = socket(target->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, target, len) < 0 ||
	    getrandom(&session, sizeof session, 0) != (ssize_t)sizeof session) {
		if (fd >= 0)
			close(fd);
		probe_gauge(p, "probe_udp_sent", "Datagrams sent (the closing ones not counted).", 0);
		return false;
	}
	probeloss_start(lp, pp->count);
	unsigned seq = 0;
	for (; seq < lp->n + CLOSING_MAX; seq++) {
		double at = start + seq * pp->interval;
		if (at >= deadline || (seq >= lp->n && probeloss_settled(lp)) ||
		    probe_stopping(pp))
			break;
		read_reports(fd, lp, at, pp);
		if (seq >= lp->n && probeloss_settled(lp))
			break;
		if (send_probe(fd, session, seq) == 0)
			probeloss_sent(lp, seq, clock_now());
	}
	/* the last reports: until the last probe is settled, or the budget spent */
	while (!probeloss_settled(lp) && clock_now() < deadline && !probe_stopping(pp))
		read_reports(fd, lp, fmin(deadline, clock_now() + pp->interval), pp);
	close(fd);
	probeloss_result(lp, &r);
	udp_metrics(p, &r);
	return r.known > 0;
}
