/* plan.c: the sockets a configuration asks for: resolved, checked for
 * clashes, matched against the sockets bound now, and the new ones bound
 * (see plan.h). Used through binding.c by start, -t and a reload's job
 * alike.
 *
 * Sharing a port with ourselves: a socket of ours is bound without
 * SO_REUSEPORT (so that another process on the port, a second netechod
 * among them, makes the bind fail), then given SO_REUSEPORT. A reload
 * that wants an address overlapping one of ours on the same port
 * (0.0.0.0 beside 127.0.0.1) binds it with SO_REUSEPORT too, which the
 * kernel allows between sockets of one user that both have it; only
 * beside a socket the plan retires (or one retired before, still being
 * drained), or a TCP listener the new wildcard covers and that serves on
 * as part of it, the same service (plan_cover()); never beside one
 * that keeps serving anything else: two services on overlapping
 * addresses and one port are refused (plan_clash()). A process of the
 * same user could so share the port too, if it asked for SO_REUSEPORT; it
 * could as well take over the daemon.
 *
 * It must not keep what it binds (binding.c hands it back to the caller)
 * nor read the file (cfgload.c). */
#include "plan.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "clock.h"
#include "escape.h"
#include "log.h"
#include "sd.h"
#include "service.h"

enum { TCP = PLAN_TCP, UDP = PLAN_UDP, NPROTO = PLAN_NPROTO };

static const int socktypes[NPROTO] = { SOCK_STREAM, SOCK_DGRAM };
static const char *const proto_names[NPROTO] = { "tcp", "udp" };

int plan_socktype(int p)
{
	return socktypes[p];
}

/* --- the pure parts --- */

/* A protocol's bit in a row's protocols (service.h). */
static unsigned proto_bit(int p)
{
	return p == TCP ? SERVICE_TCP : SERVICE_UDP;
}

/* The section of a protocol's service, as its row names it: [report] for
 * both of the report's, [tcp] or [udp] for the echo. */
static const struct service_cfg *settings(const struct config *cfg, int p, enum service svc)
{
	return config_service(cfg, service_of(proto_bit(p), svc)->section);
}

/* Do two configurations ask one protocol's service for other sockets? */
static bool moves(const struct config *old, const struct config *new, int p, enum service svc)
{
	const struct service_cfg *o = settings(old, p, svc), *n = settings(new, p, svc);

	return o->enabled != n->enabled ||
	       (n->enabled &&
		(strcmp(o->host, n->host) != 0 || !config_same_ports(&o->port, &n->port)));
}

struct plan_change plan_decide(const struct config *old, const struct config *new, int type,
			       bool activated)
{
	int p = type == SOCK_STREAM ? TCP : UDP;
	struct plan_change c = {false, false};
	unsigned nrows;
	const struct service_row *rows = service_rows(&nrows);
	bool differs = false;

	for (unsigned k = 0; k < nrows; k++)
		if (rows[k].protocols & proto_bit(p))
			differs = differs || moves(old, new, p, rows[k].label);

	if (differs && activated)
		c.ignored = true;
	else
		c.rebind = differs;
	return c;
}

void plan_match(const struct plan_want *want, size_t nwant, const struct sock *cur, size_t ncur,
		bool *kept, long *take)
{
	for (size_t i = 0; i < ncur; i++)
		kept[i] = false;
	for (size_t j = 0; j < nwant; j++) {
		take[j] = -1;
		for (size_t i = 0; i < ncur && take[j] < 0; i++)
			if (!kept[i] &&
			    net_same_addr(&want[j].addr, &cur[i].local, want[j].any_port)) {
				kept[i] = true;
				take[j] = (long)i;
			}
	}
}

/* The family and port of a wanted address, as one number to sort by. */
static unsigned long port_key(const struct plan_want *w)
{
	return (unsigned long)w->addr.ss.ss_family << 16 |
	       net_port((const struct sockaddr *)&w->addr.ss);
}

/* By family and port, then by index (qsort_r() with the wanted array). */
static int by_port(const void *x, const void *y, void *arg)
{
	const struct plan_want *want = arg;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	unsigned long a = port_key(&want[i]), b = port_key(&want[j]);

	if (a != b)
		return a < b ? -1 : 1;
	return (i > j) - (i < j);
}

int plan_clash(const struct plan_want *want, size_t n, size_t *a, size_t *b)
{
	size_t *idx = malloc((n + 1) * sizeof *idx), k = 0;
	int found = 0;

	if (idx == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!want[i].any_port)
			idx[k++] = i;
	/* only addresses of one family and port can overlap: each run of
	 * them, pair by pair */
	qsort_r(idx, k, sizeof *idx, by_port, (void *)want);
	for (size_t i = 0; i < k && !found; i++)
		for (size_t j = i + 1; j < k && !found &&
				       port_key(&want[idx[j]]) == port_key(&want[idx[i]]);
		     j++)
			if (net_overlap(&want[idx[i]].addr, &want[idx[j]].addr)) {
				*a = idx[i] < idx[j] ? idx[i] : idx[j];
				*b = idx[i] < idx[j] ? idx[j] : idx[i];
				found = 1;
			}
	free(idx);
	return found;
}

int plan_cover(const struct plan_want *want, size_t nwant, const struct sock *cur, size_t ncur,
	       const bool *kept, long *cover)
{
	size_t *wild = malloc((nwant + 1) * sizeof *wild), n = 0;

	if (wild == NULL)
		return -1;
	for (size_t j = 0; j < nwant; j++)
		if (!want[j].any_port && net_is_wildcard(&want[j].addr))
			wild[n++] = j;
	qsort_r(wild, n, sizeof *wild, by_port, (void *)want);
	for (size_t i = 0; i < ncur; i++) {
		struct plan_want key = {.addr = cur[i].local};
		size_t lo = 0, hi = n;

		cover[i] = -1;
		if (kept[i] || net_is_wildcard(&cur[i].local))
			continue;
		/* the first wildcard of this family and port */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (port_key(&want[wild[mid]]) < port_key(&key))
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < n && port_key(&want[wild[lo]]) == port_key(&key))
			cover[i] = (long)wild[lo];
	}
	free(wild);
	return 0;
}

/* --- opening sockets --- */

/* Does addr overlap one of our sockets (so that sharing the port with
 * it is what the bind needs)? */
static bool overlaps_ours(const struct net_addr *addr, const struct sock *cur, size_t ncur)
{
	for (size_t i = 0; i < ncur; i++)
		if (net_overlap(addr, &cur[i].local))
			return true;
	return false;
}

/* Sockets of ours bound to addr itself (the same address and port). */
static unsigned twins(const struct net_addr *addr, const struct sock *ours, size_t nours)
{
	unsigned n = 0;

	for (size_t i = 0; i < nours; i++)
		if (net_same_addr(addr, &ours[i].local, false))
			n++;
	return n;
}

/* Gives a listener bound beside a twin still retiring every SYN of their
 * address. Should that fail, the kernel spreads the SYNs over the group,
 * and a client whose SYN the retiring one drops sends it again a second
 * later, as before a twin had the program: said once, not refused. */
static void give_every_syn(int fd, unsigned index)
{
	static atomic_bool said;

	if (net_reuseport_pick(fd, index) < 0 && !atomic_exchange(&said, true))
		log_warn(
			"cannot give a new listener every SYN of its address (SO_ATTACH_REUSEPORT_CBPF): a client whose SYN reaches the one retiring sends it again a second later");
}

/* Binds one address: alone first; beside one of ours (sharing the port)
 * when that is what stands in the way: one of ours (a list plan_sockets()
 * makes of those this plan does not keep as they are: retiring, retired
 * before and still open, or covered by this wildcard). Then shares it
 * from now on, so that a later reload can do the same. *pick: for a TCP
 * listener beside listeners of this very address still retiring (an
 * address moved away and back within their drain), which drop every SYN,
 * their count: the new one's index in their reuseport group, given every
 * SYN once it listens (give_every_syn(): here, or by plan_listen() for one
 * bound only); else 0. */
static int bind_one(const struct net_addr *addr, int type, int backlog, unsigned flags,
		    const struct sock *ours, size_t nours, struct sock *out, unsigned *pick,
		    char *err, size_t errlen)
{
	int fd = net_listen(addr, type, backlog, flags, err, errlen);
	bool shared = false;

	*pick = 0;
	if (fd < 0 && errno == EADDRINUSE && overlaps_ours(addr, ours, nours)) {
		fd = net_listen(addr, type, backlog, flags | NET_LISTEN_SHARE, err, errlen);
		shared = true;
	}
	if (fd < 0)
		return -1;
	if (shared && type == SOCK_STREAM)
		*pick = twins(addr, ours, nours);
	if (*pick > 0 && !(flags & NET_LISTEN_BIND_ONLY))
		give_every_syn(fd, *pick);
	if (net_share(fd, true) < 0 ||
	    (type == SOCK_DGRAM && net_ask_pktinfo(fd, addr->ss.ss_family) < 0) ||
	    net_local_addr(fd, &out->local) < 0) {
		snprintf(err, errlen, "cannot set up %s %s: %s",
			 type == SOCK_STREAM ? "tcp" : "udp",
			 net_format((const struct sockaddr *)&addr->ss, addr->len,
				    (char[NET_ADDRSTRLEN]){0}, NET_ADDRSTRLEN),
			 strerror(errno));
		close(fd);
		return -1;
	}
	out->fd = fd;
	out->service = SERVICE_ECHO;
	out->activated = false;
	return 0;
}

/* Does a listener of cfg save each SYN (as the accept thread sets it:
 * listener_options() in acceptor.c)? Set from the bind on, so that a client
 * that connects before the accept thread takes the socket has its SYN
 * saved too. */
static bool saves_syn(const struct config *cfg, int p, enum service svc)
{
	return p == TCP && (service_of(SERVICE_TCP, svc)->always_facts || cfg->log.path_facts);
}

static const char *service_name(enum service svc)
{
	return service_of(SERVICE_TCP | SERVICE_UDP, svc)->title;
}

/* Why two wanted addresses cannot both be bound, into err. */
static void say_clash(const struct config *cfg, int p, const struct plan_want *x,
		      const struct plan_want *y, char *err, size_t errlen)
{
	char ax[NET_ADDRSTRLEN], ay[NET_ADDRSTRLEN], hx[CONFIG_HOST_MAX * 4 + 1],
		hy[CONFIG_HOST_MAX * 4 + 1];

	snprintf(
		err, errlen,
		"%s %s of %s (host %s) and %s of %s (host %s) overlap: two services cannot share a port of one address; give one of them a port of its own, or hosts that do not overlap",
		proto_names[p],
		net_format((const struct sockaddr *)&x->addr.ss, x->addr.len, ax, sizeof ax),
		service_name(x->service),
		escape_name(hx, sizeof hx, settings(cfg, p, x->service)->host),
		net_format((const struct sockaddr *)&y->addr.ss, y->addr.len, ay, sizeof ay),
		service_name(y->service),
		escape_name(hy, sizeof hy, settings(cfg, p, y->service)->host));
}

/* wanted(), without the check. */
static int collect(const struct config *cfg, int p, struct plan_want **out, size_t *n, char *err,
		   size_t errlen)
{
	unsigned nrows;
	const struct service_row *rows = service_rows(&nrows);

	*n = 0;
	*out = malloc(nrows * NET_MAX_ADDRS * CONFIG_PORTS_MAX * sizeof **out);
	if (*out == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned k = 0; k < nrows; k++) {
		struct net_addr addrs[NET_MAX_ADDRS];
		enum service svc = rows[k].label;
		const struct service_cfg *sc = config_service(cfg, rows[k].section);
		const struct config_ports *ports = &sc->port;
		int got;

		if (!sc->enabled || !(rows[k].protocols & proto_bit(p)))
			continue;
		/* the host once; each of its addresses on each port */
		got = net_resolve(sc->host, ports->port[0], AF_UNSPEC, socktypes[p],
				  true, addrs, NET_MAX_ADDRS, NET_RESOLVE_TIMEOUT_MS, err, errlen);
		if (got < 0)
			return -1;
		for (unsigned j = 0; j < ports->n; j++)
			for (int i = 0; i < got; i++) {
				struct plan_want *w = &(*out)[(*n)++];

				*w = (struct plan_want){addrs[i], svc, ports->port[j] == 0};
				net_set_port(&w->addr, ports->port[j]);
			}
	}
	return 0;
}

int plan_wanted(const struct config *cfg, int p, struct plan_want **out, size_t *n, bool *clash,
		char *err, size_t errlen)
{
	size_t a, b;
	int rc;

	*clash = false;
	if (collect(cfg, p, out, n, err, errlen) < 0)
		return -1;
	rc = plan_clash(*out, *n, &a, &b);
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (rc > 0) {
		*clash = true;
		say_clash(cfg, p, &(*out)[a], &(*out)[b], err, errlen);
		return -1;
	}
	return 0;
}

static int by_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;

	return (a > b) - (a < b);
}

/* The sockets of ours that this plan does not keep as they are (retiring,
 * about to be, or covered by a new wildcard: plan_cover()), into *out
 * (from malloc()): the only ones a new socket may share a port with.
 * Descriptor numbers name sockets here: those of cur and ours were
 * copied together by main, which alone offers (a number it copied
 * stays that socket's until it offers again, which it does only once
 * this job is committed or given up on); a retiring one may close
 * meanwhile, which at worst leaves its address here a little longer. */
static int not_kept(const struct sock *cur, size_t ncur, const bool *kept,
		    const struct sock *ours, size_t nours, struct sock **out, size_t *n)
{
	int *keep = malloc((ncur + 1) * sizeof *keep);
	size_t nkeep = 0;

	*n = 0;
	*out = malloc((nours + 1) * sizeof **out);
	if (keep == NULL || *out == NULL) {
		free(keep);
		return -1;
	}
	for (size_t i = 0; i < ncur; i++)
		if (kept[i])
			keep[nkeep++] = cur[i].fd;
	qsort(keep, nkeep, sizeof *keep, by_int);
	for (size_t i = 0; i < nours; i++)
		if (bsearch(&ours[i].fd, keep, nkeep, sizeof *keep, by_int) == NULL)
			(*out)[(*n)++] = ours[i];
	free(keep);
	return 0;
}

/* What a failure to plan means to a start: EX_CONFIG for a file that
 * asks for what cannot be (a clash), EX_OSERR when the system ran out
 * (descriptors, memory), EX_UNAVAILABLE otherwise (an address in use or
 * not ours, a name that does not resolve). */
static int status_of(bool clash, int err)
{
	if (clash)
		return EX_CONFIG;
	if (err == EMFILE || err == ENFILE || err == ENOMEM || err == ENOBUFS)
		return EX_OSERR;
	return EX_UNAVAILABLE;
}

/* What a failed bind of w means, after its message in err: whose
 * address it was (the report's port is [server]'s highest + 1 unless
 * set), and for a privileged port how to be allowed it. errno kept. */
static void explain(const struct config *cfg, const struct plan_want *w, int e, char *err,
		    size_t errlen)
{
	unsigned port = net_port((const struct sockaddr *)&w->addr.ss);
	const struct config_ports *sp = &cfg->server.port;
	size_t len = strlen(err);

	if (w->service == SERVICE_REPORT)
		snprintf(err + len, errlen - len, " (report%s)",
			 port == sp->port[sp->n - 1] + 1u ? ", [server] port + 1" : "");
	len = strlen(err);
	if (e == EACCES && port > 0 && port < 1024)
		snprintf(
			err + len, errlen - len,
			": port %u is privileged (below 1024) and needs CAP_NET_BIND_SERVICE: start as root and set [server] user, or under systemd add a drop-in with AmbientCapabilities=CAP_NET_BIND_SERVICE (netechod(8), netechod-lowport.conf.example)",
			port);
	errno = e;
}

/* Binds the wanted addresses no socket was kept for (take[j] < 0), each
 * added to pp as it is opened (and to the serving thread's epoll through
 * watcher, unless -1). 0, or -1 with why in err and errno. */
static int open_new(const struct config *cfg, int p, const struct plan_want *want, size_t nwant,
		    const long *take, const struct sock *old, size_t nold, int watcher,
		    struct proto_plan *pp, char *err, size_t errlen)
{
	for (size_t j = 0; j < nwant; j++) {
		unsigned flags = saves_syn(cfg, p, want[j].service) ? NET_LISTEN_SAVE_SYN : 0;

		if (take[j] >= 0)
			continue;
		if (pp->bound_only)
			flags |= NET_LISTEN_BIND_ONLY;
		if (bind_one(&want[j].addr, socktypes[p], pp->backlog, flags, old, nold,
			     &pp->next[pp->nnext], &pp->pick[pp->nopened], err, errlen) < 0) {
			explain(cfg, &want[j], errno, err, errlen);
			return -1;
		}
		pp->next[pp->nnext].service = want[j].service;
		pp->nnext++;
		pp->nopened++;
		if (watcher >= 0 && sockset_watch(watcher, pp->next[pp->nnext - 1].fd) < 0) {
			int saved = errno;

			snprintf(err, errlen, "cannot watch %s %s: %s", proto_names[p],
				 net_format((const struct sockaddr *)&want[j].addr.ss,
					    want[j].addr.len, (char[NET_ADDRSTRLEN]){0},
					    NET_ADDRSTRLEN),
				 strerror(saved));
			errno = saved;
			return -1;
		}
	}
	return 0;
}

/* A plan as plan_sockets() starts it: a reload's TCP listeners bound
 * only (a watcher is a reload's job's), resolving from now on. */
static void plan_begin(const struct config *cfg, int p, int watcher, struct proto_plan *pp)
{
	pp->change = true;
	pp->nnext = pp->nopened = 0;
	pp->bound_only = p == TCP && watcher >= 0;
	pp->backlog = (int)cfg->server.backlog;
	errno = 0;
	if (pp->stage != NULL)
		atomic_store(pp->stage, PLAN_RESOLVING);
}

/* The sockets one protocol of cfg asks for: those of cur whose address
 * stays (serving what the configuration asks of that address now), then
 * new ones; into pp->next (from malloc()). On failure says why in err and
 * how bad in pp->status; what it opened stays in pp for plan_close().
 * ours: every socket of ours still open; a new socket shares a port only
 * with those of them this plan does not keep (bind_one()). */
int plan_sockets(const struct config *cfg, int p, const struct sock *cur, size_t ncur,
		 const struct sock *ours, size_t nours, int watcher, struct proto_plan *pp,
		 char *err, size_t errlen)
{
	struct plan_want *want = NULL;
	struct sock *old = NULL;
	bool *kept = NULL, clash = false;
	long *take = NULL, *cover = NULL;
	size_t nwant = 0, nold = 0;
	int rc = -1;

	plan_begin(cfg, p, watcher, pp);
	if (plan_wanted(cfg, p, &want, &nwant, &clash, err, errlen) < 0)
		goto out;
	pp->resolved_at = clock_now();
	if (pp->stage != NULL)
		atomic_store(pp->stage, PLAN_BINDING);
	pp->next = malloc((nwant + ncur + 1) * sizeof *pp->next);
	pp->pick = malloc((nwant + 1) * sizeof *pp->pick);
	kept = malloc((ncur + 1) * sizeof *kept);
	take = malloc((nwant + 1) * sizeof *take);
	cover = malloc((ncur + 1) * sizeof *cover);
	if (pp->next == NULL || pp->pick == NULL || kept == NULL || take == NULL || cover == NULL)
		goto oom;
	plan_match(want, nwant, cur, ncur, kept, take);
	/* a listener that a new wildcard covers serves on beside it: a new
	 * one shares the port with it, as with one retiring */
	for (size_t i = 0; i < ncur; i++)
		cover[i] = -1;
	if (not_kept(cur, ncur, kept, ours, nours, &old, &nold) < 0 ||
	    (p == TCP && plan_cover(want, nwant, cur, ncur, kept, cover) < 0))
		goto oom;
	/* first the kept sockets (the opened ones come last: see plan_close()) */
	for (size_t j = 0; j < nwant; j++)
		if (take[j] >= 0) {
			pp->next[pp->nnext] = cur[take[j]];
			pp->next[pp->nnext++].service = want[j].service;
		}
	for (size_t i = 0; i < ncur; i++)
		if (cover[i] >= 0) {
			pp->next[pp->nnext] = cur[i];
			pp->next[pp->nnext++].service = want[cover[i]].service;
		}
	if (open_new(cfg, p, want, nwant, take, old, nold, watcher, pp, err, errlen) < 0)
		goto out;
	pp->bound_at = clock_now();
	rc = 0;
	goto out;
oom:
	errno = ENOMEM;
	snprintf(err, errlen, "out of memory");
out:
	pp->status = rc == 0 ? 0 : status_of(clash, errno);
	free(want);
	free(old);
	free(kept);
	free(take);
	free(cover);
	return rc;
}

int plan_listen(struct proto_plan *pp, char *err, size_t errlen)
{
	size_t first = pp->nnext - pp->nopened;

	if (!pp->change || !pp->bound_only)
		return 0;
	for (size_t i = first; i < pp->nnext; i++) {
		const struct sock *s = &pp->next[i];

		if (listen(s->fd, pp->backlog) < 0) {
			snprintf(err, errlen, "cannot listen on tcp %s: %s",
				 net_format((const struct sockaddr *)&s->local.ss, s->local.len,
					    (char[NET_ADDRSTRLEN]){0}, NET_ADDRSTRLEN),
				 strerror(errno));
			return -1;
		}
		/* after listen(): that is when it joins its twin's group */
		if (pp->pick[i - first] > 0)
			give_every_syn(s->fd, pp->pick[i - first]);
	}
	return 0;
}

void plan_handed_over(struct proto_plan *pp)
{
	free(pp->pick);
	pp->pick = NULL;
	pp->next = NULL;
	pp->nnext = pp->nopened = 0;
	pp->change = false;
}

/* Closes what a plan opened and forgets it. */
void plan_close(struct proto_plan *pp)
{
	for (size_t i = pp->nnext - pp->nopened; i < pp->nnext; i++)
		close(pp->next[i].fd);
	free(pp->next);
	plan_handed_over(pp);
}

void plan_log_listening(const struct sock *s, size_t n, int p)
{
	char where[NET_ADDRSTRLEN];

	for (size_t i = 0; i < n; i++) {
		const struct service_row *row = service_of(proto_bit(p), s[i].service);

		log_info("listening on %s %s%s%s%s", proto_names[p],
			 net_format((const struct sockaddr *)&s[i].local.ss, s[i].local.len, where,
				    sizeof where),
			 row->label == SERVICE_ECHO ? "" : " (",
			 row->label == SERVICE_ECHO ? "" : row->name,
			 row->label == SERVICE_ECHO ? "" : ")");
	}
}
