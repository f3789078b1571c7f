/* echocheck: a test client that checks every byte an echo server returns.
 *
 *   echocheck [-46b] [-h HOST] -p PORT [-c CONNS] [-n MSGS] [-s SIZE]
 *             [-P PREFIX] [-g GREETING] [-t SECONDS] [-H]
 *
 * Opens CONNS connections at once and on each exchanges MSGS messages of
 * SIZE bytes, one at a time; each reply must be PREFIX followed by the
 * message, where the server may answer a message read in several chunks
 * with several PREFIX+chunk replies. Message bytes never equal PREFIX's
 * first byte, so the split is unambiguous. -b sends every other byte value
 * too (NUL included). -g expects GREETING first on each connection. With
 * -H, once every connection has finished it prints "holding" and waits for
 * SIGUSR1, then checks one more exchange on each before closing.
 *
 * Prints one line of totals; exits 0 only if every byte matched. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "echoreply.h"
#include "helper.h"

struct conn {
	int fd;
	unsigned long seq;              /* messages completed */
	size_t greet_off;
	size_t sent;                    /* bytes of the current message sent */
	struct echoreply reply;         /* the current message's reply */
	bool done;
	unsigned char *msg;
};

static const char *host = "127.0.0.1", *port;
static int family = AF_UNSPEC;
static long nconns = 1, nmsgs = 1, size = 64, total_secs = 30;
static bool binary, hold, steady;
static const char *prefix = "", *greeting = "";
static size_t plen, glen;
static unsigned long bytes_sent, bytes_checked, errors;
static volatile sig_atomic_t released;  /* set by the SIGUSR1 handler (signal, not thread, use) */
static sigset_t unblocked;

static void on_usr1(int sig)
{
	(void)sig;
	released = 1;
}

/* Message bytes for connection c, message seq: never prefix[0]. */
static void make_message(unsigned char *m, long c, unsigned long seq)
{
	unsigned long x = (unsigned long)c * 2654435761u + seq * 40503u + 1;

	for (long i = 0; i < size; i++) {
		unsigned char b;

		x = x * 6364136223846793005ul + 1442695040888963407ul;
		b = binary ? (unsigned char)(x >> 56) : (unsigned char)('a' + (x >> 56) % 26);
		if (plen > 0 && b == (unsigned char)prefix[0])
			b ^= 1;
		m[i] = b;
	}
}

static void fail(struct conn *c, long idx, const char *what)
{
	errors++;
	fprintf(stderr, "echocheck: connection %ld message %lu: %s\n", idx, c->seq, what);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->done = true;
}

static int open_conn(const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Checks received bytes against what connection c expects. */
static void check_bytes(struct conn *c, long idx, const unsigned char *buf, size_t n)
{
	while (n > 0 && !c->done) {
		enum echoreply_state st;
		size_t used;

		if (c->greet_off < glen) {
			if (*buf != (unsigned char)greeting[c->greet_off++])
				return fail(c, idx, "greeting differs");
			bytes_checked++;
			buf++;
			n--;
			continue;
		}
		if (c->sent == 0)
			return fail(c, idx, "a byte nobody asked for");
		st = echoreply_feed(&c->reply, buf, n, c->sent, &used);
		bytes_checked += used;
		if (st == ECHOREPLY_WRONG)
			return fail(c, idx, c->reply.why);
		buf += used;
		n -= used;
		if (st == ECHOREPLY_DONE) {
			c->seq++;
			c->sent = 0;
		}
	}
}

/* Runs every connection until it has done msgs exchanges (or failed). */
static void exchange(struct conn *cs, struct pollfd *pfd, unsigned long msgs, double deadline)
{
	static unsigned char buf[65536];
	long left = 0;
	bool announced = false;

	for (long i = 0; i < nconns; i++) {
		cs[i].done = cs[i].fd < 0;
		if (!cs[i].done)
			left++;
	}
	while (left > 0) {
		int timeout = (int)((deadline - clock_now()) * 1000);

		if (timeout <= 0) {
			for (long i = 0; i < nconns; i++)
				if (!cs[i].done)
					fail(&cs[i], i, "timed out");
			return;
		}
		if (steady && !announced) {
			bool all = true;

			for (long i = 0; i < nconns; i++)
				all = all && (cs[i].done || cs[i].seq > 0);
			if (all) {
				printf("running\n");
				fflush(stdout);
				announced = true;
			}
			deadline = clock_now() + (double)total_secs;        /* no end until told */
		}
		for (long i = 0; i < nconns; i++) {
			struct conn *c = &cs[i];
			bool more = c->seq < msgs && !(steady && released);

			/* released, with no exchange under way: finished */
			if (!c->done && steady && released && c->sent == 0) {
				c->done = true;
				left--;
			}
			pfd[i].fd = c->done ? -1 : c->fd;
			pfd[i].events = POLLIN;
			if (!c->done && more && c->sent == 0) {
				make_message(c->msg, i, c->seq);
				echoreply_start(&c->reply, prefix, plen, c->msg, (size_t)size);
			}
			if (!c->done && more && c->sent < (size_t)size && c->greet_off == glen)
				pfd[i].events |= POLLOUT;
		}
		if (poll(pfd, (nfds_t)nconns, timeout > 1000 ? 1000 : timeout) < 0 &&
		    errno != EINTR) {
			perror("echocheck: poll");
			exit(2);
		}
		for (long i = 0; i < nconns; i++) {
			struct conn *c = &cs[i];

			if (c->done || pfd[i].revents == 0)
				continue;
			if (pfd[i].revents & POLLOUT) {
				ssize_t w = send(c->fd, c->msg + c->sent, (size_t)size - c->sent,
						 MSG_NOSIGNAL);

				if (w < 0 && errno != EAGAIN) {
					fail(c, i, strerror(errno));
				} else if (w > 0) {
					c->sent += (size_t)w;
					bytes_sent += (unsigned long)w;
				}
			}
			if (!c->done && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))) {
				ssize_t r = recv(c->fd, buf, sizeof buf, 0);

				if (r > 0)
					check_bytes(c, i, buf, (size_t)r);
				else if (r == 0)
					fail(c, i, "the server closed the connection");
				else if (errno != EAGAIN)
					fail(c, i, strerror(errno));
			}
			if (!c->done && (c->seq >= msgs || (steady && released && c->sent == 0)))
				c->done = true;
			if (c->done)
				left--;
		}
	}
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	struct conn *cs;
	struct pollfd *pfd;
	double deadline;
	long opened = 0;
	int opt, rc;

	while ((opt = getopt(argc, argv, "46bh:p:c:n:s:P:g:t:HS")) != -1) {
		switch (opt) {
		case '4': family = AF_INET; break;
		case '6': family = AF_INET6; break;
		case 'b': binary = true; break;
		case 'h': host = optarg; break;
		case 'p': port = optarg; break;
		case 'c': nconns = num(optarg); break;
		case 'n': nmsgs = num(optarg); break;
		case 's': size = num(optarg); break;
		case 'P': prefix = optarg; break;
		case 'g': greeting = optarg; break;
		case 't': total_secs = num(optarg); break;
		case 'H': hold = true; break;
		case 'S': steady = true; break;
		default:
			fprintf(stderr, "usage: see the comment at the top of tests/echocheck.c\n");
			return 2;
		}
	}
	if (port == NULL || nconns < 1 || nmsgs < 0 || size < 1 || size > 65536 || total_secs < 1) {
		fprintf(stderr, "echocheck: bad arguments\n");
		return 2;
	}
	plen = strlen(prefix);
	glen = strlen(greeting);
	hints.ai_family = family;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		fprintf(stderr, "echocheck: %s: %s\n", host, gai_strerror(rc));
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, on_usr1);
	{
		sigset_t usr1;

		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigprocmask(SIG_BLOCK, &usr1, &unblocked);      /* until sigsuspend */
	}
	cs = calloc((size_t)nconns, sizeof *cs);
	pfd = calloc((size_t)nconns, sizeof *pfd);
	if (cs == NULL || pfd == NULL)
		return 2;
	for (long i = 0; i < nconns; i++) {
		cs[i].msg = malloc((size_t)size);
		cs[i].fd = open_conn(ai);
		if (cs[i].msg == NULL)
			return 2;
		if (cs[i].fd < 0) {
			errors++;
			fprintf(stderr, "echocheck: connection %ld: connect: %s\n", i,
				strerror(errno));
		} else {
			opened++;
		}
	}
	freeaddrinfo(ai);
	deadline = clock_now() + (double)total_secs;
	if (steady) {
		unsigned long total = 0;

		/* SIGUSR1 now interrupts poll(), which then sees it */
		sigprocmask(SIG_SETMASK, &unblocked, NULL);
		exchange(cs, pfd, (unsigned long)-1, deadline);
		for (long i = 0; i < nconns; i++)
			total += cs[i].seq;
		nmsgs = (long)total;
	} else {
		exchange(cs, pfd, (unsigned long)nmsgs, deadline);
	}
	if (hold) {
		long alive = 0;

		for (long i = 0; i < nconns; i++)
			alive += cs[i].fd >= 0;
		printf("holding %ld\n", alive);
		fflush(stdout);
		while (!released)
			sigsuspend(&unblocked);
		/* every held connection must still answer */
		exchange(cs, pfd, (unsigned long)nmsgs + 1, clock_now() + (double)total_secs);
	}
	for (long i = 0; i < nconns; i++) {
		if (cs[i].fd >= 0)
			close(cs[i].fd);
		free(cs[i].msg);
	}
	printf("conns=%ld messages=%ld bytes_sent=%lu bytes_checked=%lu errors=%lu\n",
	       opened, nmsgs, bytes_sent, bytes_checked, errors);
	free(cs);
	free(pfd);
	return errors == 0 && opened == nconns ? 0 : 1;
}
