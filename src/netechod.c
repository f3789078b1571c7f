/* netechod: the netecho daemon. Options, start-up, signals, shutdown: the one
 * place that knows every part. The parts: config (the file), net (sockets),
 * log (syslog/stderr), tcp (accept thread, a thread per connection), udp
 * (the receive thread).
 *
 * Threads: main (signals, once-a-second chores), the log writer, the TCP
 * accept thread, one per TCP connection, and the UDP receive thread. Every
 * thread blocks every asynchronous signal; main takes them with
 * sigtimedwait(). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "net.h"
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
#define SHUTDOWN_TIMEOUT 10     /* seconds connections get to end at exit */

struct options {
	const char *config;
	const char *pidfile;            /* NULL: none (foreground) or the default */
	bool foreground;
	bool test;
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
	struct config *cfg;
	struct stats stats;
	struct tcp_server *tcp;
	struct udp_server *udp;
	int ready_fd;                   /* daemonizing: pipe to the waiting parent */
	bool pidfile_written;
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
		"                       (default " DEFAULT_PIDFILE " when daemonizing)\n"
		"  -t, --test           check the configuration file, print FILE: ok, and exit\n"
		"  -h, --help           show this help and exit\n"
		"  -V, --version        show the version and exit\n"
		"\n"
		"Signals: TERM or INT stop gracefully.\n"
		"Exit status: 0 success, 64 usage, 69 cannot bind, 71 system error, 78 configuration.\n");
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

/* Loads the file into a new config; prints every problem. NULL on failure. */
static struct config *load_config(const char *path, bool to_log)
{
	struct config_errors *errs = malloc(sizeof *errs);
	struct config *cfg = config_new();

	if (errs == NULL || cfg == NULL) {
		fprintf(stderr, "netechod: out of memory\n");
		free(errs);
		config_unref(cfg);
		return NULL;
	}
	if (config_load(path, cfg, errs) < 0) {
		for (unsigned i = 0; i < errs->count; i++) {
			if (to_log)
				log_msg(LOG_ERR, "%s", errs->msg[i]);
			else
				fprintf(stderr, "%s\n", errs->msg[i]);
		}
		if (errs->dropped > 0) {
			if (to_log)
				log_msg(LOG_ERR, "%s: %u more problems", path, errs->dropped);
			else
				fprintf(stderr, "%s: %u more problems\n", path, errs->dropped);
		}
		config_unref(cfg);
		cfg = NULL;
	}
	free(errs);
	return cfg;
}

static void close_sockets(struct sockets *s)
{
	for (size_t i = 0; i < s->ntcp; i++)
		close(s->tcp[i]);
	for (size_t i = 0; i < s->nudp; i++)
		close(s->udp[i]);
	s->ntcp = s->nudp = 0;
}

/* Binds every address of host:port for one protocol. */
static int bind_all(const char *host, long port, int socktype, int backlog, int *fds, size_t *n)
{
	struct net_addr addrs[NET_MAX_ADDRS];
	char err[NET_ERRLEN], where[NET_ADDRSTRLEN];
	int count = net_resolve(host, port, AF_UNSPEC, socktype, true, addrs, NET_MAX_ADDRS, err, sizeof err);

	if (count < 0) {
		log_msg(LOG_ERR, "%s", err);
		return -1;
	}
	for (int i = 0; i < count; i++) {
		int fd = net_listen(&addrs[i], socktype, backlog, err, sizeof err);

		if (fd < 0) {
			log_msg(LOG_ERR, "%s", err);
			return -1;
		}
		fds[(*n)++] = fd;
		log_msg(LOG_INFO, "listening on %s %s", socktype == SOCK_STREAM ? "tcp" : "udp",
			net_local(fd, where, sizeof where));
	}
	return 0;
}

static int open_sockets(const struct config *cfg, struct sockets *s)
{
	s->ntcp = s->nudp = 0;
	if (cfg->tcp.enabled &&
	    bind_all(cfg->tcp.host, cfg->tcp.port, SOCK_STREAM, (int)cfg->server.backlog, s->tcp, &s->ntcp) < 0)
		goto fail;
	if (cfg->udp.enabled &&
	    bind_all(cfg->udp.host, cfg->udp.port, SOCK_DGRAM, 0, s->udp, &s->nudp) < 0)
		goto fail;
	return 0;
fail:
	close_sockets(s);
	return -1;
}

/* Forks; the parent waits for the child's start-up status and exits with
 * it, so errors reach the shell that started netechod. */
static int daemonize(struct daemon *d)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		log_msg(LOG_ERR, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		log_msg(LOG_ERR, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		unsigned char status;
		ssize_t n;

		close(p[1]);
		do
			n = read(p[0], &status, 1);
		while (n < 0 && errno == EINTR);
		_exit(n == 1 ? status : EX_OSERR);
	}
	close(p[0]);
	d->ready_fd = p[1];
	if (setsid() < 0) {
		log_msg(LOG_ERR, "setsid: %s", strerror(errno));
		return -1;
	}
	if (chdir("/") < 0) {
		log_msg(LOG_ERR, "chdir /: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Tells the waiting parent how start-up went and detaches from the
 * terminal. */
static void report_startup(struct daemon *d, int status)
{
	unsigned char c = (unsigned char)status;
	int null;

	if (d->ready_fd < 0)
		return;
	if (status == 0) {
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
		    dup2(null, STDERR_FILENO) < 0)
			log_msg(LOG_WARNING, "cannot redirect standard streams to /dev/null: %s", strerror(errno));
		if (null > STDERR_FILENO)
			close(null);
		log_init("netechod", -1);
	}
	if (write(d->ready_fd, &c, 1) < 0)
		log_msg(LOG_WARNING, "cannot report start-up to the parent: %s", strerror(errno));
	close(d->ready_fd);
	d->ready_fd = -1;
}

static int write_pidfile(struct daemon *d)
{
	const char *path = d->opt.pidfile;
	char buf[32];
	int fd, n;

	if (path == NULL)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		log_msg(LOG_ERR, "cannot write pid file %s: %s", path, strerror(errno));
		return -1;
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n || close(fd) < 0) {
		log_msg(LOG_ERR, "cannot write pid file %s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	d->pidfile_written = true;
	return 0;
}

/* Blocks every asynchronous signal in this thread and all it creates. */
static int block_signals(void)
{
	static const int faults[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS };
	sigset_t all;
	struct sigaction ign = { .sa_handler = SIG_IGN };

	sigfillset(&all);
	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
		sigdelset(&all, faults[i]);
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, NULL) < 0)
		return -1;
	return pthread_sigmask(SIG_BLOCK, &all, NULL) == 0 ? 0 : -1;
}

static int start_services(struct daemon *d, struct sockets *s)
{
	int rc;

	d->tcp = tcp_new(&d->stats, d->cfg);
	d->udp = udp_new(&d->stats, d->cfg);
	if (d->tcp == NULL || d->udp == NULL) {
		log_msg(LOG_ERR, "cannot set up the services: %s", strerror(errno ? errno : ENOMEM));
		return -1;
	}
	if (s->ntcp > 0 && (rc = tcp_start(d->tcp, s->tcp, s->ntcp)) != 0) {
		log_msg(LOG_ERR, "cannot start the TCP accept thread: %s", strerror(rc));
		return -1;
	}
	s->ntcp = 0;    /* owned by the TCP server now */
	if (s->nudp > 0 && (rc = udp_start(d->udp, s->udp, s->nudp)) != 0) {
		log_msg(LOG_ERR, "cannot start the UDP receive thread: %s", strerror(rc));
		return -1;
	}
	s->nudp = 0;
	return 0;
}

static void stop_services(struct daemon *d)
{
	if (d->tcp != NULL)
		tcp_stop(d->tcp, SHUTDOWN_TIMEOUT);
	if (d->udp != NULL)
		udp_stop(d->udp);
	tcp_free(d->tcp);
	udp_free(d->udp);
	d->tcp = NULL;
	d->udp = NULL;
}

/* Takes signals until told to stop; returns the signal that stopped it. */
static int serve_signals(struct daemon *d)
{
	sigset_t set;

	(void)d;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	for (;;) {
		struct timespec tick = { .tv_sec = 1, .tv_nsec = 0 };
		int sig = sigtimedwait(&set, NULL, &tick);

		if (sig < 0) {
			if (errno == EAGAIN)
				log_tick();
			continue;
		}
		switch (sig) {
		case SIGTERM:
		case SIGINT:
			return sig;
		case SIGHUP:
			log_msg(LOG_NOTICE, "SIGHUP: reloading is not supported yet; ignored");
			break;
		}
	}
}

int main(int argc, char **argv)
{
	struct daemon d = { .ready_fd = -1 };
	struct sockets socks = { .ntcp = 0 };
	int status = EX_OSERR, sig, rc;

	if (parse_options(argc, argv, &d.opt) < 0)
		return EX_USAGE;
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
	log_configure(d.cfg->log.level, d.cfg->log.facility, 0);
	if (block_signals() < 0) {
		log_msg(LOG_ERR, "cannot set up signals: %s", strerror(errno));
		goto out;
	}
	log_msg(LOG_NOTICE, "netechod %s starting, configuration %s", PACKAGE_VERSION, d.opt.config);
	if (open_sockets(d.cfg, &socks) < 0) {
		status = EX_UNAVAILABLE;
		goto out;
	}
	if (!d.opt.foreground && daemonize(&d) < 0)
		goto out;
	if (write_pidfile(&d) < 0) {
		status = EX_CANTCREAT;
		goto out;
	}
	if ((rc = log_start()) != 0) {
		log_msg(LOG_ERR, "cannot start the log thread: %s", strerror(rc));
		goto out;
	}
	if (start_services(&d, &socks) < 0)
		goto out;
	log_msg(LOG_NOTICE, "netechod %s started (tcp %s, udp %s)", PACKAGE_VERSION,
		d.cfg->tcp.enabled ? "on" : "off", d.cfg->udp.enabled ? "on" : "off");
	report_startup(&d, 0);

	sig = serve_signals(&d);
	log_msg(LOG_NOTICE, "%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	status = 0;
out:
	report_startup(&d, status);
	stop_services(&d);
	close_sockets(&socks);
	if (status == 0)
		log_msg(LOG_NOTICE, "netechod stopped");
	log_stop();
	if (d.pidfile_written && unlink(d.opt.pidfile) < 0)
		log_msg(LOG_WARNING, "cannot remove pid file %s: %s", d.opt.pidfile, strerror(errno));
	log_close();
	config_unref(d.cfg);
	return status;
}
