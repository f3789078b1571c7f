/* binding.c: the sockets of a configuration, planned and bound, at start
 * and in a reload alike (see binding.h).
 *
 * It must not keep what it opens: every socket goes back to the caller
 * (start offers them to the servers; a reload's job holds its plan until
 * main commits or aborts it). It never reads the file (cfgload.c) nor
 * commits anything (reload.c). */
#include "binding.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "escape.h"
#include "log.h"
#include "net.h"
#include "service.h"

enum { TCP = PLAN_TCP, UDP = PLAN_UDP, NPROTO = PLAN_NPROTO };

/* The sockets a configuration asks for: each port of each service, of two
 * families ("*"), twice (a reload binds the new beside the old). */
static rlim_t sockets_needed(const struct config *cfg)
{
	rlim_t ports = 0;

	unsigned n;
	const struct service_row *rows = service_rows(&n);

	for (unsigned k = 0; k < n; k++) /* the report's row: TCP and UDP */
		if (cfg->service[rows[k].section].enabled)
			ports += (rlim_t)__builtin_popcount(rows[k].protocols) *
				 cfg->service[rows[k].section].port.n;
	return 4 * ports;
}

/* The descriptors a configuration wants. */
static rlim_t fds_needed(const struct config *cfg)
{
	return (rlim_t)cfg->tcp.max_connections + BINDING_FD_RESERVE + sockets_needed(cfg);
}

int binding_raise_fd_limit(const struct config *cfg, struct rlimit *rl)
{
	rlim_t need = fds_needed(cfg);
	struct rlimit more;

	*rl = (struct rlimit){RLIM_INFINITY, RLIM_INFINITY};
	if (getrlimit(RLIMIT_NOFILE, &more) < 0)
		return -1;
	*rl = more;
	if (rl->rlim_cur >= need || rl->rlim_cur >= rl->rlim_max)
		return 0;
	more.rlim_cur = rl->rlim_max < need ? rl->rlim_max : need;
	if (setrlimit(RLIMIT_NOFILE, &more) < 0)
		return -1;
	*rl = more;
	return 1;
}

void binding_say_fd_limit(const struct config *cfg, int raised, int saved_errno,
			  const struct rlimit *rl)
{
	rlim_t need = fds_needed(cfg);

	if (raised < 0)
		log_warnx("cannot raise the descriptor limit (RLIMIT_NOFILE): %s",
			  strerror(saved_errno));
	else if (raised > 0)
		log_info("descriptor limit raised to %lu for max_connections %ld and the sockets",
			 (unsigned long)rl->rlim_cur, cfg->tcp.max_connections);
	if (rl->rlim_cur < need)
		log_warnx(
			"max_connections %ld and the ports need %lu descriptors, but the limit is %lu: clients beyond it are refused (raise LimitNOFILE or ulimit -n)",
			cfg->tcp.max_connections, (unsigned long)need, (unsigned long)rl->rlim_cur);
}

/* Binds what cfg asks for, at start: not shared (another process on the
 * port makes it fail), each logged. 0, or an exit status, logged. */
static int bind_all(const struct config *cfg, struct binding_socks *out)
{
	struct proto_plan pp[NPROTO] = {{0}};
	char err[NET_ERRLEN + 512];

	for (int p = 0; p < NPROTO; p++)
		if (plan_sockets(cfg, p, NULL, 0, NULL, 0, -1, &pp[p], err, sizeof err) < 0) {
			int status = pp[p].status;

			log_errx("%s", err);
			for (int q = 0; q <= p; q++)
				plan_close(&pp[q]);
			return status;
		}
	for (int p = 0; p < NPROTO; p++) {
		plan_log_listening(pp[p].next, pp[p].nnext, p);
		free(pp[p].pick);
	}
	*out = (struct binding_socks){pp[TCP].next, pp[UDP].next, pp[TCP].nnext, pp[UDP].nnext};
	return 0;
}

/* The service a passed socket's name (FileDescriptorName=) labels: a
 * row's name other than the echo's ("report", "metrics"); any other name
 * is the echo's. */
static enum service label_of(const char *name)
{
	unsigned n;
	const struct service_row *rows = service_rows(&n);

	for (unsigned i = 0; i < n; i++)
		if (rows[i].label != SERVICE_ECHO && strcmp(rows[i].name, name) == 0)
			return rows[i].label;
	return SERVICE_ECHO;
}

/* Does a row serve the protocol (SERVICE_TCP, SERVICE_UDP) for label, and
 * is its section enabled? */
static bool serves(const struct config *cfg, unsigned protocol, enum service label)
{
	const struct service_row *row = service_of(protocol, label);

	return row->label == label && (row->protocols & protocol) != 0 &&
	       cfg->service[row->section].enabled;
}

/* One socket the service manager passed: into out's arrays when it is
 * a listening TCP or a UDP socket its section enables, else closed. */
static void take_one(const struct config *cfg, const struct sd_fd *fd, struct binding_socks *out)
{
	char where[NET_ADDRSTRLEN], what[32] = "";
	bool listening = false;
	enum service label = label_of(fd->name);
	struct sock s = { .fd = fd->fd, .service = label, .activated = true };
	int type = net_socket_kind(fd->fd, &listening);

	if (label != SERVICE_ECHO)
		snprintf(what, sizeof what, " (%s)", fd->name);
	if (net_local_addr(fd->fd, &s.local) < 0)
		type = -1;
	net_format((struct sockaddr *)&s.local.ss, s.local.len, where, sizeof where);
	if (type == SOCK_STREAM && listening && serves(cfg, SERVICE_TCP, label) &&
	    net_set_nonblocking(fd->fd) == 0) {
		out->tcp[out->ntcp++] = s;
		log_info("listening on tcp %s%s (socket-activated, fd %d)", where, what, fd->fd);
	} else if (type == SOCK_DGRAM && serves(cfg, SERVICE_UDP, label) &&
		   net_ask_pktinfo(fd->fd, s.local.ss.ss_family) == 0) {
		out->udp[out->nudp++] = s;
		log_info("listening on udp %s%s (socket-activated, fd %d)", where, what, fd->fd);
	} else {
		log_warnx(
			"activated descriptor %d is not a listening TCP or a UDP socket that [%s] enables: closed",
			fd->fd,
			label != SERVICE_ECHO ? fd->name : type == SOCK_DGRAM ? "udp" : "tcp");
		close(fd->fd);
	}
}

/* The sockets the service manager bound: told apart by their type, and
 * the report service's by their name ("report", FileDescriptorName= in
 * the socket unit; any other name is the echo's). They take precedence
 * over the configured hosts and ports. */
static int take_activated(const struct config *cfg, const char *name, const struct sd_fd *fds,
			  int n, struct binding_socks *out)
{
	out->tcp = calloc((size_t)n, sizeof *out->tcp);
	out->udp = calloc((size_t)n, sizeof *out->udp);
	out->ntcp = out->nudp = 0;
	if (out->tcp == NULL || out->udp == NULL) {
		log_errx("socket activation: out of memory");
		for (int i = 0; i < n; i++)
			close(fds[i].fd);
		return EX_OSERR;
	}
	for (int i = 0; i < n; i++)
		take_one(cfg, &fds[i], out);
	if (out->ntcp + out->nudp == 0) {
		log_errx("socket activation: none of the %d sockets passed can be used", n);
		return EX_UNAVAILABLE;
	}
	log_notice(
		"socket activation: %zu tcp and %zu udp sockets from the service manager; host and port in %s are not used",
		out->ntcp, out->nudp, escape_name((char[PATH_MAX]){0}, PATH_MAX, name));
	return 0;
}

int binding_open(const struct config *cfg, const char *name, const struct sd_fd *fds, int nfds,
		 struct binding_socks *out)
{
	struct rlimit rl;
	int raised = binding_raise_fd_limit(cfg, &rl), rc;

	binding_say_fd_limit(cfg, raised, errno, &rl);
	*out = (struct binding_socks){NULL, NULL, 0, 0};
	rc = nfds > 0 ? take_activated(cfg, name, fds, nfds, out) : bind_all(cfg, out);
	if (rc != 0) {
		free(out->tcp);
		free(out->udp);
		*out = (struct binding_socks){NULL, NULL, 0, 0};
	}
	return rc;
}

int binding_replan(const struct config *old, const struct config *cfg, bool activated,
		   const struct binding_now *now, struct proto_plan plan[PLAN_NPROTO],
		   bool *ignored, char *err, size_t errlen)
{
	for (int p = 0; p < NPROTO; p++) {
		struct plan_change c = plan_decide(old, cfg, plan_socktype(p), activated);

		*ignored = *ignored || c.ignored;
		if (c.rebind &&
		    plan_sockets(cfg, p, now->cur[p], now->ncur[p], now->ours[p], now->nours[p],
				 now->watch[p], &plan[p], err, errlen) < 0)
			return -1;
	}
	return 0;
}

int binding_check(const struct config *cfg, char *err, size_t errlen)
{
	for (int p = 0; p < NPROTO; p++) {
		struct plan_want *want = NULL;
		size_t n;
		bool clash;
		int rc = plan_wanted(cfg, p, &want, &n, &clash, err, errlen);

		free(want);
		if (rc < 0 && clash)
			return -1;
	}
	return 0;
}

/* Where a service's port came from, for -t. */
static const char *port_from(const struct config *cfg, int p, enum service svc, unsigned port)
{
	const struct config_ports *sp = &cfg->server.port;

	if (svc == SERVICE_REPORT)
		return port != 0 && port == sp->port[sp->n - 1] + 1u ? "report, [server] port + 1"
								     : "report";
	if (svc != SERVICE_ECHO)
		return service_of(p == TCP ? SERVICE_TCP : SERVICE_UDP, svc)->name;
	return p == TCP ? "tcp echo" : "udp echo";
}

int binding_print(const struct config *cfg, FILE *out, char *err, size_t errlen)
{
	static const char *const proto[NPROTO] = {"tcp", "udp"};

	for (int p = 0; p < NPROTO; p++) {
		struct plan_want *want = NULL;
		size_t n = 0;
		bool clash;

		/* a name that does not resolve now is no error of the file's:
		 * said, as a start would say it */
		if (plan_wanted(cfg, p, &want, &n, &clash, err, errlen) < 0) {
			free(want);
			if (clash)
				return -1;
			fprintf(out, "bind %s: %s\n", proto[p], err);
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			char where[NET_ADDRSTRLEN];
			unsigned port = net_port((const struct sockaddr *)&want[i].addr.ss);

			fprintf(out, "bind %s %s (%s)\n", proto[p],
				net_format((const struct sockaddr *)&want[i].addr.ss,
					   want[i].addr.len, where, sizeof where),
				port_from(cfg, p, want[i].service, port));
		}
		free(want);
	}
	return 0;
}
