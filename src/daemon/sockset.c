/* sockset.c: a serving thread's sockets, and their handing over (see
 * sockset.h). The set is opaque: its fields are read here only. */
#include "sockset.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"

struct sockset {
	pthread_mutex_t lock;
	int epfd;                       /* the serving thread's */
	int wakefd;                     /* eventfd: an offer, or stop */
	bool stop;                      /* under lock */
	unsigned offered, taken;        /* under lock: generations */
	struct sock *want;              /* under lock: the set offered last */
	size_t nwant;
	struct sock *have;              /* the serving thread's, sorted by fd; changed under lock */
	size_t nhave;
	struct sock *retiring; /* under lock: retired, still open (published by the thread) */
	size_t nretiring;
	struct sock lost;               /* the serving thread's: the last one epoll refused */
	bool has_lost;
};

struct sockset *sockset_new(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockset *ss = calloc(1, sizeof *ss);

	if (ss == NULL)
		return NULL;
	ss->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ss->epfd < 0) {
		free(ss);
		return NULL;
	}
	ss->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ev.data.fd = ss->wakefd;
	if (ss->wakefd < 0 || epoll_ctl(ss->epfd, EPOLL_CTL_ADD, ss->wakefd, &ev) < 0) {
		int saved = errno;

		if (ss->wakefd >= 0)
			close(ss->wakefd);
		close(ss->epfd);
		free(ss);
		errno = saved;
		return NULL;
	}
	pthread_mutex_init(&ss->lock, NULL);
	return ss;
}

static bool contains(const struct sock *v, size_t n, int fd)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].fd == fd)
			return true;
	return false;
}

void sockset_close_all(struct sockset *ss)
{
	pthread_mutex_lock(&ss->lock);
	for (size_t i = 0; i < ss->nhave; i++)
		close(ss->have[i].fd);
	if (ss->offered != ss->taken)
		for (size_t i = 0; i < ss->nwant; i++)
			if (!contains(ss->have, ss->nhave, ss->want[i].fd))
				close(ss->want[i].fd);
	free(ss->have);
	free(ss->want);
	free(ss->retiring);
	ss->have = ss->want = ss->retiring = NULL;
	ss->nhave = ss->nwant = ss->nretiring = 0;
	ss->taken = ss->offered;
	pthread_mutex_unlock(&ss->lock);
}

void sockset_free(struct sockset *ss)
{
	if (ss == NULL)
		return;
	sockset_close_all(ss);
	close(ss->wakefd);
	close(ss->epfd);
	pthread_mutex_destroy(&ss->lock);
	free(ss);
}

const struct sock *sockset_served(const struct sockset *ss, size_t *n)
{
	*n = ss->nhave;
	return ss->have;
}

unsigned sockset_generation(const struct sockset *ss)
{
	return ss->taken;
}

static void wake(struct sockset *ss)
{
	uint64_t one = 1;

	/* a full counter still wakes the thread: nothing to do then */
	if (write(ss->wakefd, &one, sizeof one) < 0)
		(void)0;
}

void sockset_offer(struct sockset *ss, struct sock *socks, size_t n)
{
	pthread_mutex_lock(&ss->lock);
	if (ss->offered != ss->taken)
		/* the thread never saw the last offer: what of it is neither
		 * served nor offered again is ours to close */
		for (size_t i = 0; i < ss->nwant; i++)
			if (!contains(socks, n, ss->want[i].fd) &&
			    !contains(ss->have, ss->nhave, ss->want[i].fd))
				close(ss->want[i].fd);
	free(ss->want);
	ss->want = socks;
	ss->nwant = n;
	ss->offered++;
	pthread_mutex_unlock(&ss->lock);
	wake(ss);
}

size_t sockset_current(struct sockset *ss, struct sock *out, size_t max)
{
	const struct sock *v;
	size_t n;

	pthread_mutex_lock(&ss->lock);
	v = ss->offered != ss->taken ? ss->want : ss->have;
	n = ss->offered != ss->taken ? ss->nwant : ss->nhave;
	if (out != NULL)
		memcpy(out, v, (n < max ? n : max) * sizeof *out);
	pthread_mutex_unlock(&ss->lock);
	return n;
}

size_t sockset_ours(struct sockset *ss, struct sock *out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&ss->lock);
	for (size_t i = 0; i < ss->nhave; i++, n++)
		if (n < max)
			out[n] = ss->have[i];
	for (size_t i = 0; i < ss->nwant; i++)
		if (ss->offered != ss->taken && !contains(ss->have, ss->nhave, ss->want[i].fd) &&
		    n++ < max)
			out[n - 1] = ss->want[i];
	for (size_t i = 0; i < ss->nretiring; i++, n++)
		if (n < max)
			out[n] = ss->retiring[i];
	pthread_mutex_unlock(&ss->lock);
	return n;
}

int sockset_publish_retiring(struct sockset *ss, const struct sock *socks, size_t n)
{
	struct sock *copy = n > 0 ? malloc(n * sizeof *copy) : NULL;

	if (n > 0 && copy == NULL)
		return -1;
	if (n > 0)
		memcpy(copy, socks, n * sizeof *copy);
	pthread_mutex_lock(&ss->lock);
	free(ss->retiring);
	ss->retiring = copy;
	ss->nretiring = n;
	pthread_mutex_unlock(&ss->lock);
	return 0;
}

int sockset_watcher(struct sockset *ss)
{
	return fcntl(ss->epfd, F_DUPFD_CLOEXEC, 0);
}

int sockset_watch(int watcher, int fd)
{
	/* edge-triggered and nothing asked for: an error or hang-up is
	 * reported once at most, to a thread that does not know the socket
	 * yet and passes over it */
	struct epoll_event ev = { .events = EPOLLET, .data.fd = fd };

	return epoll_ctl(watcher, EPOLL_CTL_ADD, fd, &ev);
}

const struct sock *sockset_lost(const struct sockset *ss)
{
	return ss->has_lost ? &ss->lost : NULL;
}

void sockset_say_lost(const struct sockset *ss, const char *proto, int err)
{
	const struct sock *s = sockset_lost(ss);
	char where[NET_ADDRSTRLEN];

	if (s == NULL) {
		log_conn(LOG_ERR, "%s: %s", proto, strerror(err));
		return;
	}
	/* once a socket, and a promise broken ("listening on" was said):
	 * never held back by the rate limit */
	log_errx("%s: not listening on %s after all: epoll would not take it: %s", proto,
		 net_format((const struct sockaddr *)&s->local.ss, s->local.len, where,
			    sizeof where),
		 strerror(err));
}

void sockset_stop(struct sockset *ss)
{
	pthread_mutex_lock(&ss->lock);
	ss->stop = true;
	pthread_mutex_unlock(&ss->lock);
	wake(ss);
}

bool sockset_pause(struct sockset *ss, int ms)
{
	struct pollfd p = { .fd = ss->wakefd, .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

static int by_fd(const void *a, const void *b)
{
	const struct sock *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

const struct sock *sockset_find(const struct sockset *ss, int fd)
{
	struct sock key = { .fd = fd };

	return ss->nhave > 0 ? bsearch(&key, ss->have, ss->nhave, sizeof key, by_fd) : NULL;
}

/* Takes the last offer; with ss->lock held. A new socket that epoll will
 * not take is closed (and left out): the caller learns it from *failed
 * (the errno) and ss->lost. */
static void take_offer(struct sockset *ss, struct sock *retired, size_t max_retired,
		       size_t *nretired, int *failed)
{
	struct sock *next = malloc((ss->nwant > 0 ? ss->nwant : 1) * sizeof *next);
	struct sock *retiring = realloc(ss->retiring, (ss->nretiring + ss->nhave + 1) *
							      sizeof *retiring);
	size_t n = 0;

	if (retiring != NULL)
		ss->retiring = retiring;
	if (next == NULL || retiring == NULL) {
		free(next);
		return;         /* taken at the next turn */
	}
	for (size_t i = 0; i < ss->nhave; i++) {
		if (contains(ss->want, ss->nwant, ss->have[i].fd))
			continue;
		if (*nretired < max_retired) {
			retired[(*nretired)++] = ss->have[i];
			/* still ours (its address bound) until the thread
			 * publishes what it closed: a reload may have to share
			 * the port with it */
			ss->retiring[ss->nretiring++] = ss->have[i];
		} else
			close(ss->have[i].fd);
	}
	for (size_t i = 0; i < ss->nwant; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = ss->want[i].fd };

		/* a reload's socket is watched already (sockset_watch()):
		 * events on; one from start is added now */
		if (!contains(ss->have, ss->nhave, ss->want[i].fd) &&
		    epoll_ctl(ss->epfd, EPOLL_CTL_MOD, ss->want[i].fd, &ev) < 0 &&
		    (errno != ENOENT || epoll_ctl(ss->epfd, EPOLL_CTL_ADD, ss->want[i].fd, &ev) < 0)) {
			*failed = errno;
			ss->lost = ss->want[i];
			ss->has_lost = true;
			close(ss->want[i].fd);
			continue;
		}
		next[n++] = ss->want[i];
	}
	qsort(next, n, sizeof *next, by_fd);
	free(ss->have);
	ss->have = next;
	ss->nhave = n;
	ss->taken = ss->offered;
}

int sockset_wait(struct sockset *ss, struct epoll_event *events, int max_events, int timeout_ms,
		 struct sock *retired, size_t max_retired, size_t *nretired)
{
	int failed = 0;
	int n, k = 0;

	*nretired = 0;
	ss->has_lost = false;
	pthread_mutex_lock(&ss->lock);
	if (ss->stop) {
		pthread_mutex_unlock(&ss->lock);
		return SOCKSET_STOP;
	}
	if (ss->offered != ss->taken) {
		take_offer(ss, retired, max_retired, nretired, &failed);
		pthread_mutex_unlock(&ss->lock);
		if (failed != 0) {
			errno = failed;
			return SOCKSET_ERROR;
		}
		return 0;
	}
	pthread_mutex_unlock(&ss->lock);
	n = epoll_wait(ss->epfd, events, max_events, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : SOCKSET_ERROR;
	for (int i = 0; i < n; i++) {
		if (events[i].data.fd == ss->wakefd) {
			uint64_t count;

			if (read(ss->wakefd, &count, sizeof count) < 0)
				(void)0;        /* EAGAIN: another read took it */
			continue;
		}
		events[k++] = events[i];
	}
	return k;
}
