/* sockset.h: the bound sockets one serving thread polls (the TCP accept
 * thread its listeners, the UDP receive thread its sockets), and the
 * handing over of a new set by a reload.
 *
 * main hands over the whole new set with sockset_offer(); the serving
 * thread takes it at its next turn (sockset_wait()): the new sockets join
 * its epoll, and those no longer wanted are handed back to it as retired,
 * for it to drain and close. Ownership is per socket and clear at every
 * moment: a socket belongs to the set from the moment it is offered; the
 * serving thread closes what it retires; sockset_free() closes the rest
 * once the thread has ended. A socket offered and replaced by a newer
 * offer before the thread took it is closed by the newer offer.
 *
 * Sockets are named by descriptor number between threads, which is safe
 * only while the number cannot be closed and reused meanwhile: a number in
 * have, or in an offer not yet taken, is the set's and closed only under
 * its lock (by the serving thread when it retires it, or by a newer
 * offer); main alone offers, one reload at a time, so a number it copied
 * (sockset_current()) stays that socket's until it offers again. The
 * retiring ones (sockset_ours()) close at the serving thread's pace: a
 * copy of them is good for its addresses only, never for its numbers.
 * A reload's job adds its new sockets to the serving thread's epoll
 * through a descriptor of its own (sockset_watcher()), never through the
 * thread's number, which is closed at stop while a job given up on may
 * still run. */
#ifndef NETECHO_SOCKSET_H
#define NETECHO_SOCKSET_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/epoll.h>

#include "net.h"

/* Sockets one protocol serves at once, at most: NET_MAX_ADDRS addresses
 * for each of up to 1,024 ports and three services. */
#define SOCKSET_MAX (NET_MAX_ADDRS * 1024 * 3)

enum service {
	SERVICE_ECHO,
	SERVICE_REPORT,
	SERVICE_METRICS, /* TCP only */
	SERVICE_LABELS	 /* how many: not a label (arrays by label, stats.h) */
};

/* One bound socket. */
struct sock {
	int fd;
	enum service service;
	struct net_addr local;          /* the address bound (getsockname) */
	bool activated;                 /* passed by the service manager */
};

struct sockset;   /* opaque: sockset.c alone reads its fields */

/* An empty set with its epoll and eventfd; NULL with errno. */
struct sockset *sockset_new(void);

/* Closes every socket the set holds (once the serving thread has ended),
 * leaving it empty. */
void sockset_close_all(struct sockset *ss);

/* sockset_close_all(), closes the epoll and the eventfd, and frees the
 * set (NULL: nothing). */
void sockset_free(struct sockset *ss);

/* main: the sockets to serve from now on: socks[0..n), an array from
 * malloc() that the set owns from now on, with the descriptors in it (it
 * closes those of an earlier offer the thread never took and this one
 * does not keep). Cannot fail, so that a reload commits whole. */
void sockset_offer(struct sockset *ss, struct sock *socks, size_t n);

/* main: the sockets served now, or about to be (the last offer): a copy
 * into out (at most max); returns how many there are. */
size_t sockset_current(struct sockset *ss, struct sock *out, size_t max);

/* main, or a reload's job with a copy: every socket the set holds open,
 * served, offered or still being retired (at most max into out); returns
 * how many there are. */
size_t sockset_ours(struct sockset *ss, struct sock *out, size_t max);

/* The serving thread: the retired sockets it still holds open (their
 * addresses are still bound), replacing what it said before. A socket
 * that sockset_wait() hands back as retired counts as retiring from that
 * moment (sockset_ours() has it) until the thread says otherwise here:
 * a thread that retires must publish once it has closed them. Returns
 * -1 when there was no memory to say so (the sockets are not affected). */
int sockset_publish_retiring(struct sockset *ss, const struct sock *socks, size_t n);

/* main, for a reload's job: a duplicate of the serving thread's epoll
 * descriptor (close-on-exec), which the job owns and closes; it names
 * the same epoll however long the job lives. -1 with errno. */
int sockset_watcher(struct sockset *ss);

/* A reload's job, before it offers a new socket: registers fd with the
 * serving thread's epoll (through watcher) with no event wanted yet, so
 * that taking the offer only turns events on, which needs no memory and
 * cannot fail for want of it. Closing fd (a reload aborted) takes it out
 * again. 0, or -1 with errno (the reload is refused then, before any
 * "listening on"). */
int sockset_watch(int watcher, int fd);

/* The serving thread, after SOCKSET_ERROR from taking an offer: the
 * socket (its address) epoll would not take, which was closed; valid
 * until its next sockset_wait(), or NULL. */
const struct sock *sockset_lost(const struct sockset *ss);

/* The serving thread of proto ("tcp", "udp"): logs what taking an offer
 * failed on (sockset_lost(), or epoll itself) with the error err. */
void sockset_say_lost(const struct sockset *ss, const char *proto, int err);

/* main: asks the serving thread to end its loop. */
void sockset_stop(struct sockset *ss);

/* The serving thread: sleeps up to ms, or until an offer or a stop
 * request comes (then true). */
bool sockset_pause(struct sockset *ss, int ms);

/* The serving thread: takes an offer if there is one, then waits up to
 * timeout_ms for events; an event carries its socket's descriptor in
 * data.fd. Sockets no longer wanted are copied to retired (at most
 * max_retired; the rest are closed at once) and their number stored in
 * *nretired: the thread drains and closes them (they stay in its epoll
 * until closed). Returns the number of events, 0 on a timeout or an offer
 * taken, SOCKSET_STOP when asked to stop, or SOCKSET_ERROR with errno
 * (epoll failed, or would not take a new socket, which was closed:
 * sockset_lost() names it, errno says why). */
#define SOCKSET_STOP  (-1)
#define SOCKSET_ERROR (-2)
int sockset_wait(struct sockset *ss, struct epoll_event *events, int max_events, int timeout_ms,
		 struct sock *retired, size_t max_retired, size_t *nretired);

/* The serving thread: the sockets it serves now, *n of them, sorted by
 * descriptor (valid until its next sockset_wait()). */
const struct sock *sockset_served(const struct sockset *ss, size_t *n);

/* The serving thread: which offer it serves: a new value after it took
 * one (its sockets' options to be set again). */
unsigned sockset_generation(const struct sockset *ss);

/* The serving thread: the socket with descriptor fd among those it
 * serves (valid until its next sockset_wait()), or NULL. */
const struct sock *sockset_find(const struct sockset *ss, int fd);

#endif
