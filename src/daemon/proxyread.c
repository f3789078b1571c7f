/* proxyread.c: reading a proxy's PROXY header off a connection (the
 * header itself is parsed by proxyparse.c, a pure function): waiting for
 * it within a bound, peeking until it is whole, then taking exactly its
 * bytes, so that what follows is the client's.
 *
 * It must not decide who may send a header (admit.c) nor log. */
#include "proxyread.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"

#define PROXY_WAIT_S 5          /* seconds a proxy has to send its whole PROXY header */

/* After peeking: SO_RCVLOWAT back to 1 (lowat: what it was), and a
 * whole header taken off the connection, so that what follows is the
 * client's. Returns r, or PROXY_BAD with *why. */
static enum proxy_result take_header(struct conn *w, enum proxy_result r, int lowat,
				     bool optional, const struct proxy_header *h, const char **why)
{
	if (lowat > 1) {
		lowat = 1;
		if (setsockopt(w->fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat) < 0 &&
		    r == PROXY_OK) {
			*why = strerror(errno);
			return PROXY_BAD;
		}
	}
	if (r == PROXY_NONE && !optional) {
		*why = "no PROXY header (proxy_protocol = yes)";
		return PROXY_BAD;
	}
	if (r == PROXY_OK && recv(w->fd, w->buf, h->length, MSG_WAITALL) != (ssize_t)h->length) {
		*why = "the PROXY header could not be taken";
		return PROXY_BAD;
	}
	return r;
}

/* Reads a proxy's PROXY header: waits for it (PROXY_WAIT_S at most), peeks
 * at what has come until it is whole, then takes exactly its bytes, so
 * that what follows is the client's. PROXY_NONE when the connection does
 * not begin with one (or, optional, sends nothing in the time); *why says
 * what was wrong otherwise. */
enum proxy_result proxy_read_header(struct conn *w, bool optional, struct proxy_header *h,
				     const char **why)
{
	double deadline = clock_now() + PROXY_WAIT_S;
	int lowat = 1;
	ssize_t seen = 0;
	enum proxy_result r = PROXY_MORE;

	*why = NULL;
	while (r == PROXY_MORE) {
		struct pollfd p = { .fd = w->fd, .events = POLLIN | POLLRDHUP };
		int rc = poll(&p, 1, clock_ms_until(deadline));
		ssize_t n;

		if (rc < 0 && errno == EINTR) {
			if (atomic_load(&w->stop)) {
				*why = "the daemon stops";
				r = PROXY_BAD;
			}
			continue;
		}
		if (rc == 0) {
			if (optional && lowat == 1)
				return PROXY_NONE;      /* nothing came: no header */
			*why = "no whole PROXY header in 5 s";
			r = PROXY_BAD;
			continue;
		}
		n = rc < 0 ? -1 : recv(w->fd, w->buf, PROXY_MAX, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		/* nothing more than last time: either the peer closed its side
		 * (poll() would say so at once, for ever) or poll() woke below
		 * SO_RCVLOWAT (memory pressure): wait on, within the deadline */
		if (n == 0 || (n == seen && (p.revents & (POLLRDHUP | POLLHUP)))) {
			*why = "closed before its PROXY header";
			r = PROXY_BAD;
			continue;
		}
		if (n < 0) {
			*why = strerror(errno);
			r = PROXY_BAD;
			continue;
		}
		if (n == seen)
			continue;
		seen = n;
		r = proxy_parse(w->buf, (size_t)n, h, why);
		if (r == PROXY_MORE) {
			/* poll() again only once more than this has come */
			lowat = (int)n + 1;
			if (setsockopt(w->fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat) < 0) {
				*why = strerror(errno);
				r = PROXY_BAD;
			}
		}
	}
	return take_header(w, r, lowat, optional, h, why);
}

/* Does a first chunk begin with a whole PROXY signature ("PROXY " or
 * version 2's twelve bytes)? */
bool proxy_whole_signature(const char *buf, size_t len)
{
	return len >= 12 ? proxy_signature(buf, 12) : len >= 6 && memcmp(buf, "PROXY ", 6) == 0;
}
