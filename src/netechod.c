/* netechod: the netecho daemon. Options, start-up, signals, reload and
 * shutdown: the one place that knows every part. The parts: config (the
 * file), net (sockets), daemon (detaching, pid file, privileges), log
 * (syslog/stderr), tcp (accept thread, a thread per connection), udp (the
 * receive thread).
 *
 * Threads: main (signals, once-a-second chores, the service manager), the
 * log writer, the TCP accept thread, one per TCP connection, and the UDP
 * receive thread. Every thread blocks the signals main takes with
 * sigtimedwait(), so no work happens in a signal handler.
 *
 * Under a service manager (sd.h): READY=1 once every socket is bound (or
 * taken over) and the threads run; RELOADING=1 and READY=1 around a
 * reload; STOPPING=1; a STATUS= line kept current; WATCHDOG=1 only while
 * the accept and UDP threads keep going round their loops. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "net.h"
#include "sd.h"
#include "stats.h"
#include "tcp.h"
#include "udp.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

#define DEFAULT_CONFIG  SYSCONFDIR "/netechod.conf"
#define DEFAULT_PIDFILE RUNSTATEDIR "/netechod.pid"
#define FD_RESERVE      32      /* descriptors kept beyond max_connections */
#define STOP_POLL_S     0.2     /* how often a shutdown looks for a second signal */

struct options {
	const char *config;
	const char *pidfile;            /* NULL: none (foreground) or the default */
	bool foreground;
	bool test;
	/* absolute forms: the daemon works from / and reloads later */
	const char *config_reload;
	char config_abs[PATH_MAX];
	char pidfile_abs[PATH_MAX];
};

struct sockets {
	int tcp[NET_MAX_ADDRS];
	size_t ntcp;
	int udp[NET_MAX_ADDRS];
	size_t nudp;
};

/* Everything the daemon runs, handed down from main. */
struct daemon {
	struct options opt;
	struct config *cfg;             /* in force */
	struct stats stats;
	struct tcp_server *tcp;
	struct udp_server *udp;
	struct timespec started;
	int ready_fd;                   /* detaching: pipe to the waiting parent */
	int pidfile_fd;
	struct sd_notifier notify;      /* the service manager, if any */
	bool activated;                 /* sockets came from the service manager */
	long long watchdog_usec;        /* 0: no watchdog asked for */
	unsigned long tcp_beats, udp_beats;
	bool watchdog_warned;
	char status[160];               /* the STATUS= last sent */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: netechod [-ft] [-c FILE] [-P FILE]\n"
		"       netechod -h | -V\n"
		"\n"
		"  -c, --config FILE    configuration file (default " DEFAULT_CONFIG ")\n"
		"  -f, --foreground     stay in the foreground and copy log lines to stderr\n"
		"  -P, --pidfile FILE   write the process id to FILE\n"
		"                       (default " DEFAULT_PIDFILE " when detaching)\n"
		"  -t, --test           check the configuration file, print FILE: ok, and exit\n"
		"  -h, --help           show this help and exit\n"
		"  -V, --version        show the version and exit\n"
		"\n"
		"Signals: TERM or INT stop gracefully, HUP reloads the configuration,\n"
		"USR1 logs a stats line.\n"
		"Exit status: 0 success, 64 usage, 69 cannot bind, 71 system error,\n"
		"73 pid file, 78 configuration.\n");
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ "test", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opt->config = DEFAULT_CONFIG;
	while ((c = getopt_long(argc, argv, "c:fP:thV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opt->config = optarg;
			break;
		case 'f':
			opt->foreground = true;
			break;
		case 'P':
			opt->pidfile = optarg;
			break;
		case 't':
			opt->test = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("netechod %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "netechod: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	if (!opt->foreground && opt->pidfile == NULL)
		opt->pidfile = DEFAULT_PIDFILE;
	return 0;
}

/* path made absolute against the current directory (it need not exist). */
static const char *absolute(const char *path, char *buf, size_t size)
{
	char cwd[PATH_MAX];
	int n;

	if (path == NULL || path[0] == '/')
		return path;
	if (getcwd(cwd, sizeof cwd) == NULL)
		return path;    /* then relative it stays; the error shows it */
	n = snprintf(buf, size, "%s/%s", cwd, path);
	return n > 0 && (size_t)n < size ? buf : path;
}

/* Prints a problem: on stderr before logging starts, else to the log. */
static void problem(bool to_log, const char *msg)
{
	if (to_log)
		log_msg(LOG_ERR, "%s", msg);
	else
		fprintf(stderr, "%s\n", msg);
}

/* Loads the file into a new config and checks what the file alone cannot
 * tell (that the user exists); reports every problem. NULL on failure. */
static struct config *load_config(const char *path, bool to_log)
{
	struct config_errors *errs = malloc(sizeof *errs);
	struct config *cfg = config_new();
	char msg[CONFIG_ERROR_LEN + DAEMON_ERRLEN];

	if (errs == NULL || cfg == NULL) {
		problem(to_log, "netechod: out of memory");
		free(errs);
		config_unref(cfg);
		return NULL;
	}
	if (config_load(path, cfg, errs) < 0) {
		for (unsigned i = 0; i < errs->count; i++)
			problem(to_log, errs->msg[i]);
		if (errs->dropped > 0) {
			snprintf(msg, sizeof msg, "%s: %u more problems", path, errs->dropped);
			problem(to_log, msg);
		}
		config_unref(cfg);
		cfg = NULL;
	} else if (cfg->server.user[0] != '\0') {
		char err[DAEMON_ERRLEN];
		uid_t uid;
		gid_t gid;

		if (privs_lookup(cfg->server.user, cfg->server.group, &uid, &gid, err, sizeof err) < 0) {
			snprintf(msg, sizeof msg, "%s: [server] %s", path, err);
			problem(to_log, msg);
			config_unref(cfg);
			cfg = NULL;
		}
	}
	free(errs);
	return cfg;
}

static void close_sockets(struct sockets *s)
{
	for (size_t i = 0; i < s->ntcp + s->nudp; i++)
		if (close(i < s->ntcp ? s->tcp[i] : s->udp[i - s->ntcp]) < 0)
			log_msg(LOG_WARNING, "close: %s", strerror(errno));
	s->ntcp = s->nudp = 0;
}

/* Binds every address of host:port for one protocol, appending to fds.
 * On failure closes what it bound, describes the failure in err (the
 * caller logs it) and leaves errno. */
static int bind_all(const char *host, long port, int socktype, int backlog, int *fds, size_t *n,
		    char *err, size_t errlen)
{
	struct net_addr addrs[NET_MAX_ADDRS];
	char where[NET_ADDRSTRLEN];
	size_t first = *n;
	int count = net_resolve(host, port, AF_UNSPEC, socktype, true, addrs, NET_MAX_ADDRS, err, errlen);

	if (count < 0)
		return -1;
	for (int i = 0; i < count; i++) {
		int fd = net_listen(&addrs[i], socktype, backlog, err, errlen);

		if (fd < 0) {
			int saved = errno;

			while (*n > first)
				if (close(fds[--*n]) < 0)
					log_msg(LOG_WARNING, "close: %s", strerror(errno));
			errno = saved;
			return -1;
		}
		fds[(*n)++] = fd;
		log_msg(LOG_INFO, "listening on %s %s", socktype == SOCK_STREAM ? "tcp" : "udp",
			net_local(fd, where, sizeof where));
	}
	return 0;
}

/* Opens the sockets cfg asks for, at start-up. */
static int open_sockets(const struct config *cfg, struct sockets *s)
{
	char err[NET_ERRLEN];

	s->ntcp = s->nudp = 0;
	if ((cfg->tcp.enabled &&
	     bind_all(cfg->tcp.host, cfg->tcp.port, SOCK_STREAM, (int)cfg->server.backlog, s->tcp, &s->ntcp,
		      err, sizeof err) < 0) ||
	    (cfg->udp.enabled &&
	     bind_all(cfg->udp.host, cfg->udp.port, SOCK_DGRAM, 0, s->udp, &s->nudp, err, sizeof err) < 0)) {
		log_msg(LOG_ERR, "%s", err);
		close_sockets(s);
		return -1;
	}
	return 0;
}

/* Is host:port exactly what the sockets are bound to now? Addresses, not
 * spellings, are compared: "localhost" may be "127.0.0.1". Port 0 (the
 * kernel's pick) matches any port. */
static bool same_addresses(const char *host, long port, int socktype, const struct net_addr *cur, size_t ncur)
{
	struct net_addr want[NET_MAX_ADDRS];
	char err[NET_ERRLEN];
	int n = net_resolve(host, port, AF_UNSPEC, socktype, true, want, NET_MAX_ADDRS, err, sizeof err);

	if (n < 0 || (size_t)n != ncur)
		return false;
	for (int i = 0; i < n; i++) {
		bool found = false;

		for (size_t j = 0; j < ncur && !found; j++)
			found = net_same_addr(&want[i], &cur[j], port == 0);
		if (!found)
			return false;
	}
	return true;
}

static bool uses_port(const struct net_addr *cur, size_t ncur, long port)
{
	for (size_t i = 0; i < ncur; i++) {
		const struct sockaddr_in *in = (const void *)&cur[i].ss;     /* same place in sin6 */

		if (ntohs(in->sin_port) == port)
			return true;
	}
	return false;
}

/* What a reload does to one protocol's sockets. */
enum rebind { KEEP, REPLACE, HANDOVER };

/* Decides it, and for REPLACE binds the new sockets into fds. HANDOVER:
 * the new address overlaps the old on the same port, so the old sockets
 * must go first. -1 (logged): the new address cannot be had. */
static int plan_rebind(bool on, const char *host, long port, int socktype, int backlog,
		       const struct net_addr *cur, size_t ncur, int *fds, size_t *n)
{
	char err[NET_ERRLEN];

	*n = 0;
	if (!on)
		return ncur == 0 ? KEEP : REPLACE;      /* REPLACE with none */
	if (ncur > 0 && same_addresses(host, port, socktype, cur, ncur))
		return KEEP;
	if (bind_all(host, port, socktype, backlog, fds, n, err, sizeof err) == 0)
		return REPLACE;
	if (errno == EADDRINUSE && uses_port(cur, ncur, port))
		return HANDOVER;
	log_msg(LOG_ERR, "%s", err);
	return -1;
}

/* A handover: the old sockets go (what they queued is taken first), the
 * new address is bound; if it cannot be, the old addresses are bound
 * again. Returns the sockets now in force through fds. */
static void handover(const char *proto, const char *host, long port, int socktype, int backlog,
		     const struct net_addr *cur, size_t ncur, int *fds, size_t *n,
		     int (*replace)(void *, const int *, size_t), void *srv)
{
	char err[NET_ERRLEN];
	int rc;

	*n = 0;
	if ((rc = replace(srv, NULL, 0)) != 0)
		log_msg(LOG_ERR, "reload: %s: %s", proto, strerror(rc));
	if (bind_all(host, port, socktype, backlog, fds, n, err, sizeof err) < 0) {
		log_msg(LOG_ERR, "reload: %s; serving the old %s address again", err, proto);
		for (size_t i = 0; i < ncur; i++) {
			int fd = net_listen(&cur[i], socktype, backlog, err, sizeof err);

			if (fd < 0)
				log_msg(LOG_ERR, "reload: %s: %s is not served now", err, proto);
			else
				fds[(*n)++] = fd;
		}
	}
	if ((rc = replace(srv, fds, *n)) != 0)
		log_msg(LOG_ERR, "reload: cannot start the %s thread: %s", proto, strerror(rc));
	*n = 0;
}

static int tcp_replace(void *srv, const int *fds, size_t n)
{
	return tcp_replace_listeners(srv, fds, n);
}

static int udp_replace(void *srv, const int *fds, size_t n)
{
	return udp_replace_sockets(srv, fds, n);
}

/* The signals main takes with sigtimedwait(). */
static void handled_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
}

/* Blocks, in this thread and all it creates, the signals main handles and
 * the one that wakes connection threads (which unblock it); ignores
 * SIGPIPE. Other signals keep their default action. */
static int block_signals(void)
{
	sigset_t set;
	struct sigaction ign = { .sa_handler = SIG_IGN };

	handled_signals(&set);
	sigaddset(&set, tcp_wake_signal());
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, NULL) < 0)
		return -1;
	return pthread_sigmask(SIG_BLOCK, &set, NULL) == 0 ? 0 : -1;
}

/* Raises the soft descriptor limit to the hard one, and says when
 * max_connections cannot fit under it. */
static void check_fd_limit(const struct config *cfg)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)cfg->tcp.max_connections + FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		log_msg(LOG_WARNING, "getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
		return;
	}
	if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_msg(LOG_WARNING, "setrlimit(RLIMIT_NOFILE): %s", strerror(errno));
		else if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return;
	}
	if (rl.rlim_cur < need)
		log_msg(LOG_WARNING,
			"max_connections %ld needs %lu descriptors, but the limit is %lu: "
			"clients beyond it are refused (raise LimitNOFILE or ulimit -n)",
			cfg->tcp.max_connections, (unsigned long)need, (unsigned long)rl.rlim_cur);
}

/* Switches to [server] user, or says why not. */
static int drop_privileges(const struct config *cfg)
{
	char err[DAEMON_ERRLEN];
	uid_t uid;
	gid_t gid;

	if (cfg->server.user[0] == '\0') {
		if (geteuid() == 0)
			log_msg(LOG_WARNING, "running as root: set [server] user to drop privileges");
		return 0;
	}
	if (privs_lookup(cfg->server.user, cfg->server.group, &uid, &gid, err, sizeof err) < 0) {
		log_msg(LOG_ERR, "[server] user: %s", err);
		return -1;
	}
	if (geteuid() != 0) {
		if (geteuid() != uid)
			log_msg(LOG_WARNING, "[server] user %s ignored: not started as root", cfg->server.user);
		return 0;
	}
	if (privs_drop(uid, gid, err, sizeof err) < 0) {
		log_msg(LOG_ERR, "cannot drop privileges: %s", err);
		return -1;
	}
	log_msg(LOG_NOTICE, "running as user %s (uid %ld, gid %ld), no supplementary groups",
		cfg->server.user, (long)uid, (long)gid);
	return 0;
}

/* Takes the sockets the service manager bound: listening TCP sockets and
 * UDP sockets, told apart by their type. They take precedence over the
 * configured host and port. */
static int take_activated(struct daemon *d, struct sockets *s, const int *fds, int n)
{
	char where[NET_ADDRSTRLEN];

	s->ntcp = s->nudp = 0;
	for (int i = 0; i < n; i++) {
		int fd = fds[i], type = 0, listening = 0, domain = 0, flags;
		socklen_t l = sizeof type, la = sizeof listening, ld = sizeof domain;
		bool usable = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) == 0 &&
			      getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &ld) == 0 &&
			      (domain == AF_INET || domain == AF_INET6);

		if (usable && type == SOCK_STREAM &&
		    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &la) == 0 && listening &&
		    s->ntcp < NET_MAX_ADDRS && d->cfg->tcp.enabled) {
			/* the accept thread takes what is queued without blocking */
			flags = fcntl(fd, F_GETFL);
			if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
				log_msg(LOG_ERR, "activated descriptor %d: %s", fd, strerror(errno));
				return -1;
			}
			s->tcp[s->ntcp++] = fd;
			log_msg(LOG_INFO, "listening on tcp %s (socket-activated, fd %d)",
				net_local(fd, where, sizeof where), fd);
		} else if (usable && type == SOCK_DGRAM && s->nudp < NET_MAX_ADDRS && d->cfg->udp.enabled) {
			s->udp[s->nudp++] = fd;
			log_msg(LOG_INFO, "listening on udp %s (socket-activated, fd %d)",
				net_local(fd, where, sizeof where), fd);
		} else {
			log_msg(LOG_WARNING, "activated descriptor %d is not a listening TCP or a UDP socket "
				"that [tcp] or [udp] enables: closed", fd);
			close(fd);
		}
	}
	if (s->ntcp + s->nudp == 0) {
		log_msg(LOG_ERR, "socket activation: none of the %d sockets passed can be used", n);
		return -1;
	}
	log_msg(LOG_NOTICE, "socket activation: %zu tcp and %zu udp sockets from the service manager; "
		"host and port in %s are not used", s->ntcp, s->nudp, d->opt.config);
	d->activated = true;
	return 0;
}

/* Is stderr the journal (systemd's JOURNAL_STREAM names it)? Then lines
 * reach it through syslog already, and a copy would show twice. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (js == NULL || fstat(STDERR_FILENO, &st) < 0 || !isdigit((unsigned char)js[0]))
		return false;
	errno = 0;
	dev = strtoull(js, &end, 10);
	if (errno != 0 || end == js || *end != ':' || !isdigit((unsigned char)end[1]))
		return false;
	js = end + 1;
	ino = strtoull(js, &end, 10);
	if (errno != 0 || end == js || *end != '\0')
		return false;
	return dev == (unsigned long long)st.st_dev && ino == (unsigned long long)st.st_ino;
}

/* Tells the service manager something; a failure is logged once. */
static void notify(struct daemon *d, const char *state)
{
	static bool warned;

	if (sd_notify(&d->notify, state) < 0 && !warned) {
		warned = true;
		log_msg(LOG_WARNING, "cannot notify the service manager: %s", strerror(errno));
	}
}

/* READY=1; the STATUS= line is sent again after it. */
static void notify_ready(struct daemon *d)
{
	d->status[0] = '\0';
	notify(d, "READY=1");
}

static int start_services(struct daemon *d, struct sockets *s)
{
	int rc;

	errno = 0;
	d->tcp = tcp_new(&d->stats, d->cfg);
	d->udp = d->tcp != NULL ? udp_new(&d->stats, d->cfg) : NULL;
	if (d->tcp == NULL || d->udp == NULL) {
		log_msg(LOG_ERR, "cannot set up the services: %s", strerror(errno ? errno : ENOMEM));
		return -1;
	}
	if (d->watchdog_usec > 0) {
		/* before the threads start: a thread that went to sleep without
		 * it would not beat until traffic came */
		int ms = d->watchdog_usec / 4000 > 0 ? (int)(d->watchdog_usec / 4000) : 1;

		tcp_heartbeat_every(d->tcp, ms);
		udp_heartbeat_every(d->udp, ms);
		log_msg(LOG_INFO, "watchdog: every %lld ms; the serving threads beat every %d ms",
			d->watchdog_usec / 1000, ms);
	}
	if ((rc = tcp_start(d->tcp, s->tcp, s->ntcp)) != 0) {
		log_msg(LOG_ERR, "cannot start the TCP accept thread: %s", strerror(rc));
		return -1;
	}
	s->ntcp = 0;    /* owned by the TCP server now */
	if ((rc = udp_start(d->udp, s->udp, s->nudp)) != 0) {
		log_msg(LOG_ERR, "cannot start the UDP receive thread: %s", strerror(rc));
		return -1;
	}
	s->nudp = 0;
	return 0;
}

/* Stops UDP at once and TCP gracefully: connections get shutdown_timeout
 * seconds to end, or less if a second SIGTERM or SIGINT comes. */
static void stop_services(struct daemon *d)
{
	sigset_t set;
	double left = (double)d->cfg->server.shutdown_timeout;
	unsigned long open;

	if (d->udp != NULL)
		udp_stop(d->udp);
	if (d->tcp == NULL)
		return;
	tcp_stop_accepting(d->tcp);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	open = tcp_wait(d->tcp, 0);
	if (open > 0)
		log_msg(LOG_NOTICE, "tcp: waiting up to %lds for %lu connections to end",
			d->cfg->server.shutdown_timeout, open);
	while (open > 0 && left > 0) {
		struct timespec zero = { 0, 0 };
		int sig;

		open = tcp_wait(d->tcp, left < STOP_POLL_S ? left : STOP_POLL_S);
		left -= STOP_POLL_S;
		sig = sigtimedwait(&set, NULL, &zero);
		if (sig > 0) {
			log_msg(LOG_NOTICE, "%s again: not waiting for connections any longer",
				sig == SIGTERM ? "SIGTERM" : "SIGINT");
			break;
		}
	}
	tcp_close_all(d->tcp);
}

static void free_services(struct daemon *d)
{
	tcp_free(d->tcp);
	udp_free(d->udp);
	d->tcp = NULL;
	d->udp = NULL;
}

static double mono_now(void)
{
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) < 0)
		return 0;
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) < 0)
		return 0;
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The stats line (SIGUSR1 and at exit). */
static void log_stats(struct daemon *d)
{
	unsigned long active = 0, in = 0, out = 0;

	if (d->tcp != NULL)
		tcp_counters(d->tcp, &active, &in, &out);
	log_msg(LOG_NOTICE,
		"stats uptime=%.0f tcp_active=%lu tcp_total=%lu tcp_refused=%lu tcp_bytes_in=%lu "
		"tcp_bytes_out=%lu udp_datagrams=%lu udp_bytes=%lu errors=%lu",
		seconds_since(&d->started), active, stats_get(&d->stats.tcp_total),
		stats_get(&d->stats.tcp_refused), in, out, stats_get(&d->stats.udp_datagrams),
		stats_get(&d->stats.udp_bytes), stats_get(&d->stats.errors));
}

/* Keeps the service manager's STATUS= line current. */
static void update_status(struct daemon *d)
{
	char status[sizeof d->status], msg[sizeof d->status + 8];
	unsigned long active = 0, in = 0, out = 0;

	if (d->notify.fd < 0)
		return;
	tcp_counters(d->tcp, &active, &in, &out);
	snprintf(status, sizeof status, "%lu connections open, %lu served, %lu refused; %lu datagrams",
		 active, stats_get(&d->stats.tcp_total), stats_get(&d->stats.tcp_refused),
		 stats_get(&d->stats.udp_datagrams));
	if (strcmp(status, d->status) == 0)
		return;
	memcpy(d->status, status, sizeof status);
	snprintf(msg, sizeof msg, "STATUS=%s", status);
	notify(d, msg);
}

/* The once-a-second chores. */
static void tick(struct daemon *d)
{
	log_tick();
	tcp_reap(d->tcp);
	update_status(d);
}

/* WATCHDOG=1, only when the threads that serve have gone round their
 * loops since the last time: a daemon stuck anywhere that matters is
 * restarted by the service manager. */
static void watchdog(struct daemon *d)
{
	bool tcp = tcp_alive(d->tcp, &d->tcp_beats), udp = udp_alive(d->udp, &d->udp_beats);

	if (tcp && udp) {
		notify(d, "WATCHDOG=1");
		d->watchdog_warned = false;
	} else if (!d->watchdog_warned) {
		d->watchdog_warned = true;
		log_msg(LOG_ERR, "watchdog: the %s thread has stopped going round; not telling the service "
			"manager all is well", tcp ? "UDP receive" : "TCP accept");
	}
}

/* SIGHUP: reads the file again. A file with any problem, or an address
 * that cannot be bound, changes nothing; otherwise new connections get the
 * new settings, changed addresses are rebound, and open connections go on
 * with the settings they started with. */
static void apply_reload(struct daemon *d)
{
	struct config *cfg, *old = d->cfg;
	struct sockets s = { .ntcp = 0 };
	struct net_addr tcp_cur[NET_MAX_ADDRS], udp_cur[NET_MAX_ADDRS];
	size_t ntcp_cur = tcp_local_addrs(d->tcp, tcp_cur, NET_MAX_ADDRS);
	size_t nudp_cur = udp_local_addrs(d->udp, udp_cur, NET_MAX_ADDRS);
	int tcp_plan = KEEP, udp_plan = KEEP, rc;

	log_msg(LOG_NOTICE, "SIGHUP: reloading %s", d->opt.config_reload);
	cfg = load_config(d->opt.config_reload, true);
	if (cfg == NULL) {
		log_msg(LOG_ERR, "reload refused: %s has problems; the running configuration stays",
			d->opt.config_reload);
		return;
	}
	if (d->activated) {
		/* the service manager owns the sockets */
		if (cfg->tcp.enabled != old->tcp.enabled || cfg->udp.enabled != old->udp.enabled ||
		    strcmp(cfg->tcp.host, old->tcp.host) != 0 || cfg->tcp.port != old->tcp.port ||
		    strcmp(cfg->udp.host, old->udp.host) != 0 || cfg->udp.port != old->udp.port)
			log_msg(LOG_NOTICE, "reload: socket activation: changes to enabled, host and port are not used");
		cfg->tcp.enabled = old->tcp.enabled;
		strcpy(cfg->tcp.host, old->tcp.host);
		cfg->tcp.port = old->tcp.port;
		cfg->udp.enabled = old->udp.enabled;
		strcpy(cfg->udp.host, old->udp.host);
		cfg->udp.port = old->udp.port;
	} else {
		tcp_plan = plan_rebind(cfg->tcp.enabled, cfg->tcp.host, cfg->tcp.port, SOCK_STREAM,
				       (int)cfg->server.backlog, tcp_cur, ntcp_cur, s.tcp, &s.ntcp);
		if (tcp_plan >= 0)
			udp_plan = plan_rebind(cfg->udp.enabled, cfg->udp.host, cfg->udp.port, SOCK_DGRAM, 0,
					       udp_cur, nudp_cur, s.udp, &s.nudp);
		if (tcp_plan < 0 || udp_plan < 0) {
			log_msg(LOG_ERR, "reload refused: cannot bind the new address; the running configuration stays");
			close_sockets(&s);
			config_unref(cfg);
			return;
		}
	}
	if (strcmp(cfg->server.user, old->server.user) != 0 || strcmp(cfg->server.group, old->server.group) != 0)
		log_msg(LOG_WARNING, "reload: [server] user and group take effect at the next start only");
	log_configure(cfg->log.level, cfg->log.facility, cfg->log.rate_limit);
	tcp_reconfigure(d->tcp, cfg);
	udp_reconfigure(d->udp, cfg);
	if (tcp_plan == REPLACE) {
		if ((rc = tcp_replace_listeners(d->tcp, s.tcp, s.ntcp)) != 0)
			log_msg(LOG_ERR, "reload: cannot start the TCP accept thread: %s", strerror(rc));
		s.ntcp = 0;
	} else if (tcp_plan == HANDOVER) {
		handover("tcp", cfg->tcp.host, cfg->tcp.port, SOCK_STREAM, (int)cfg->server.backlog,
			 tcp_cur, ntcp_cur, s.tcp, &s.ntcp, tcp_replace, d->tcp);
	} else if (cfg->server.backlog != old->server.backlog) {
		tcp_set_backlog(d->tcp, (int)cfg->server.backlog);
	}
	if (udp_plan == REPLACE) {
		if ((rc = udp_replace_sockets(d->udp, s.udp, s.nudp)) != 0)
			log_msg(LOG_ERR, "reload: cannot start the UDP receive thread: %s", strerror(rc));
		s.nudp = 0;
	} else if (udp_plan == HANDOVER) {
		handover("udp", cfg->udp.host, cfg->udp.port, SOCK_DGRAM, 0, udp_cur, nudp_cur, s.udp, &s.nudp,
			 udp_replace, d->udp);
	}
	close_sockets(&s);
	d->cfg = cfg;
	config_unref(old);
	log_msg(LOG_NOTICE, "reloaded %s (tcp %s, udp %s)", d->opt.config_reload,
		cfg->tcp.enabled ? "on" : "off", cfg->udp.enabled ? "on" : "off");
}

/* SIGHUP, told to the service manager: RELOADING=1 first, then READY=1
 * once the reload is applied or refused. */
static void reload(struct daemon *d)
{
	char msg[64];
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) == 0) {
		snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
			 (unsigned long long)now.tv_sec * 1000000ull + (unsigned long long)now.tv_nsec / 1000);
		notify(d, msg);
	}
	apply_reload(d);
	notify_ready(d);
	update_status(d);
}

/* Takes signals until told to stop; returns the signal that stopped it.
 * The chores run by the clock, so that a storm of signals cannot starve
 * them. */
static int serve_signals(struct daemon *d)
{
	double wd = (double)d->watchdog_usec / 1e6 / 2;    /* ping twice per interval */
	double next_tick = mono_now() + 1, next_wd = mono_now() + wd;
	sigset_t set;

	handled_signals(&set);
	for (;;) {
		double now = mono_now(), until;
		struct timespec wait;
		int sig;

		if (now >= next_tick) {
			tick(d);
			next_tick = now + 1;
		}
		if (wd > 0 && now >= next_wd) {
			watchdog(d);
			next_wd = now + wd;
		}
		until = (wd > 0 && next_wd < next_tick ? next_wd : next_tick) - now;
		if (until < 0)
			until = 0;
		wait.tv_sec = (time_t)until;
		wait.tv_nsec = (long)((until - (double)wait.tv_sec) * 1e9);
		sig = sigtimedwait(&set, NULL, &wait);
		if (sig < 0)
			continue;       /* EAGAIN: time for a chore; EINTR */
		switch (sig) {
		case SIGTERM:
		case SIGINT:
			return sig;
		case SIGHUP:
			reload(d);
			break;
		case SIGUSR1:
			log_stats(d);
			break;
		}
	}
}

/* Logs a failure of one of daemon.c's chores. */
static int chore(int rc, const char *err)
{
	if (rc < 0)
		log_msg(LOG_ERR, "%s", err);
	return rc;
}

int main(int argc, char **argv)
{
	struct daemon d = { .ready_fd = -1, .pidfile_fd = -1, .notify = { .fd = -1 } };
	struct sockets socks = { .ntcp = 0 };
	char err[DAEMON_ERRLEN > SD_ERRLEN ? DAEMON_ERRLEN : SD_ERRLEN];
	int activated[SD_LISTEN_FDS_MAX];
	int status = EX_OSERR, sig, rc, nactivated;
	bool tcp_on, udp_on;

	if (parse_options(argc, argv, &d.opt) < 0)
		return EX_USAGE;
	d.opt.config_reload = absolute(d.opt.config, d.opt.config_abs, sizeof d.opt.config_abs);
	d.opt.pidfile = absolute(d.opt.pidfile, d.opt.pidfile_abs, sizeof d.opt.pidfile_abs);
	/* in the foreground every line goes to stderr too; a daemon shows
	 * the terminal only its warnings and errors, until it detaches */
	log_init("netechod", d.opt.foreground ? LOG_DEBUG : LOG_WARNING);
	d.cfg = load_config(d.opt.config, false);
	if (d.cfg == NULL)
		return EX_CONFIG;
	if (d.opt.test) {
		printf("%s: ok\n", d.opt.config);
		config_unref(d.cfg);
		return 0;
	}
	if (clock_gettime(CLOCK_MONOTONIC, &d.started) < 0) {
		log_msg(LOG_ERR, "clock_gettime: %s", strerror(errno));
		goto out;
	}
	log_configure(d.cfg->log.level, d.cfg->log.facility, d.cfg->log.rate_limit);
	if (block_signals() < 0) {
		log_msg(LOG_ERR, "cannot set up signals: %s", strerror(errno));
		goto out;
	}
	log_msg(LOG_NOTICE, "netechod %s starting, configuration %s", PACKAGE_VERSION, d.opt.config);
	/* the pid file first: a second instance is told it is one */
	if (d.opt.pidfile != NULL &&
	    (d.pidfile_fd = pidfile_open(d.opt.pidfile, err, sizeof err)) < 0) {
		log_msg(LOG_ERR, "%s", err);
		status = EX_CANTCREAT;
		goto out;
	}
	if (stderr_is_journal() && d.opt.foreground) {
		/* syslog reaches the journal already */
		log_init("netechod", -1);
		log_msg(LOG_INFO, "stderr is the journal: log lines go through syslog only");
	}
	if (sd_notifier_open(&d.notify, err, sizeof err) < 0)
		log_msg(LOG_WARNING, "%s", err);
	d.watchdog_usec = sd_watchdog_usec();
	check_fd_limit(d.cfg);
	nactivated = sd_listen_fds(activated, SD_LISTEN_FDS_MAX, err, sizeof err);
	if (nactivated < 0) {
		log_msg(LOG_ERR, "socket activation: %s", err);
		goto out;
	}
	if (nactivated > 0 ? take_activated(&d, &socks, activated, nactivated) < 0
			   : open_sockets(d.cfg, &socks) < 0) {
		status = EX_UNAVAILABLE;
		goto out;
	}
	if (!d.opt.foreground && chore(daemon_detach(&d.ready_fd, err, sizeof err), err) < 0)
		goto out;
	if (d.pidfile_fd >= 0 && chore(pidfile_write(d.pidfile_fd, d.opt.pidfile, err, sizeof err), err) < 0) {
		status = EX_CANTCREAT;
		goto out;
	}
	if (drop_privileges(d.cfg) < 0)
		goto out;
	if ((rc = log_start()) != 0) {
		log_msg(LOG_ERR, "cannot start the log thread: %s", strerror(rc));
		goto out;
	}
	tcp_on = socks.ntcp > 0;
	udp_on = socks.nudp > 0;
	if (start_services(&d, &socks) < 0)
		goto out;
	log_msg(LOG_NOTICE, "netechod %s started (tcp %s, udp %s)", PACKAGE_VERSION,
		tcp_on ? "on" : "off", udp_on ? "on" : "off");
	if (daemon_ready(&d.ready_fd, 0, err, sizeof err) < 0)
		log_msg(LOG_WARNING, "%s", err);
	if (!d.opt.foreground)
		log_init("netechod", -1);
	{
		char msg[64];

		/* detached, the main process is ours now, not our parent's */
		snprintf(msg, sizeof msg, "MAINPID=%ld", (long)getpid());
		if (!d.opt.foreground)
			notify(&d, msg);
	}
	notify_ready(&d);
	update_status(&d);

	sig = serve_signals(&d);
	notify(&d, "STOPPING=1");
	log_msg(LOG_NOTICE, "%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	status = 0;
out:
	daemon_ready(&d.ready_fd, status, err, sizeof err);
	stop_services(&d);
	close_sockets(&socks);
	if (status == 0) {
		log_stats(&d);
		log_msg(LOG_NOTICE, "netechod stopped");
	}
	log_tick();     /* what the rate limit or a full queue held back */
	free_services(&d);
	if (d.pidfile_fd >= 0) {
		/* after dropping privileges the directory may not let us */
		if (pidfile_remove(d.opt.pidfile, err, sizeof err) < 0)
			log_msg(LOG_WARNING, "%s", err);
		close(d.pidfile_fd);
	}
	log_stop();
	log_close();
	if (sd_notifier_close(&d.notify) < 0)
		fprintf(stderr, "netechod: closing the notify socket: %s\n", strerror(errno));
	config_unref(d.cfg);
	return status;
}
