/* log.c: syslog and stderr logging with a writer thread (see log.h). */
#include "log.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "escape.h"

struct line {
	int level;
	bool on_stderr;                 /* already copied to stderr */
	size_t len;
	char text[LOG_LINE_MAX];
};

/* The connection to the syslog daemon: used by one thread at a time (the
 * caller before log_start(), the writer, the caller after log_stop()). */
struct syslog_conn {
	int fd;                         /* -1: not connected */
	double retry_at;                /* when to look for the socket again */
	bool missing;                   /* said that it cannot be reached */
	bool stalled;                   /* it did not read: no more waiting */
};

/* The log is process-wide, as syslog is. */
static struct {
	pthread_mutex_t lock;           /* the fields below that are not atomic */
	pthread_cond_t more;            /* queue not empty, or stopping */
	char ident[32];
	int stderr_level;
	bool threaded, stopping;
	pthread_t writer;
	struct line queue[LOG_QUEUE_LEN];       /* a ring */
	size_t head, count;
	struct syslog_conn sys;
	atomic_int level, facility;
	atomic_long rate_limit;
	atomic_ulong window_used;       /* lines taken in this second */
	atomic_ulong suppressed;        /* refused by the rate limit */
	atomic_ulong denials_used;      /* denial lines this second */
	atomic_ulong denials_unlogged;  /* beyond LOG_DENIALS_PER_SEC */
	atomic_ulong dropped;           /* lost to a full queue */
	atomic_ulong syslog_lost;       /* not taken by a syslog that did not read */
	atomic_bool syslog_stalled;
} L = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.more = PTHREAD_COND_INITIALIZER,
	.ident = "netechod",
	.stderr_level = LOG_DEBUG,
	.sys = { .fd = -1 },
	.level = LOG_INFO,
	.facility = LOG_DAEMON,
};

static const char *const level_names[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

void log_init(const char *ident, int stderr_level)
{
	pthread_mutex_lock(&L.lock);
	snprintf(L.ident, sizeof L.ident, "%s", ident);
	L.stderr_level = stderr_level;
	pthread_mutex_unlock(&L.lock);
}

void log_configure(int level, int facility, long rate_limit)
{
	atomic_store(&L.level, level);
	atomic_store(&L.facility, facility);
	atomic_store(&L.rate_limit, rate_limit);
}

bool log_enabled(int level)
{
	return level <= atomic_load_explicit(&L.level, memory_order_relaxed);
}

/* One write a line, so lines never interleave; a failed write to stderr
 * has nowhere to be reported. */
static void to_stderr(const char *ident, int level, const char *text, size_t len)
{
	char buf[LOG_LINE_MAX + 64];
	int n;

	if (level <= LOG_WARNING)
		n = snprintf(buf, sizeof buf, "%s: %s: %.*s\n", ident, level_names[level & 7],
			     (int)len, text);
	else
		n = snprintf(buf, sizeof buf, "%s: %.*s\n", ident, (int)len, text);
	if (n > 0 &&
	    write(STDERR_FILENO, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1) < 0)
		(void)0;
}

static bool syslog_connect(struct syslog_conn *s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	double now = clock_now();
	int fd;

	if (s->fd >= 0)
		return true;
	if (now < s->retry_at)
		return false;
	s->retry_at = now + LOG_SYSLOG_RETRY_S;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", LOG_SYSLOG_PATH);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
		close(fd);
		return false;
	}
	s->fd = fd;
	return true;
}

static void syslog_disconnect(struct syslog_conn *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* Sends one line to syslog, as syslog(3) would format it, without
 * blocking: a socket that is full is waited for up to wait_ms, unless the
 * syslog daemon was already found not to read. Returns 0, or -1 when the
 * line is lost. */
static int syslog_send(struct syslog_conn *s, const char *ident, int level, const char *text,
		       size_t len, int wait_ms)
{
	char buf[LOG_LINE_MAX + 128], stamp[32];
	struct tm tm;
	time_t t = time(NULL);
	int n;

	if (localtime_r(&t, &tm) == NULL || strftime(stamp, sizeof stamp, "%b %e %T", &tm) == 0)
		snprintf(stamp, sizeof stamp, "Jan  1 00:00:00");
	n = snprintf(buf, sizeof buf, "<%d>%s %s[%ld]: %.*s", atomic_load(&L.facility) | level,
		     stamp, ident, (long)getpid(), (int)len, text);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof buf)
		n = (int)sizeof buf - 1;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (!syslog_connect(s))
			return -1;
		if (send(s->fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0) {
			s->stalled = false;
			return 0;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			struct pollfd p = { .fd = s->fd, .events = POLLOUT };

			if (s->stalled || wait_ms <= 0 || attempt > 0 ||
			    poll(&p, 1, wait_ms) <= 0) {
				s->stalled = true;
				return -1;
			}
			continue;
		}
		if (errno == EINTR)
			continue;
		/* the syslog daemon went away or was restarted: connect anew */
		syslog_disconnect(s);
		s->retry_at = 0;
		if (attempt > 0)
			return -1;
	}
	return -1;
}

/* Delivers a line to syslog, keeping count of what is lost and saying,
 * once each way, when syslog stops and starts taking lines. Called by the
 * one thread that owns L.sys at the time; never with L.lock held. */
static void deliver(const char *ident, int level, const char *text, size_t len, int wait_ms)
{
	struct syslog_conn *s = &L.sys;
	bool was_missing = s->missing, was_stalled = s->stalled;

	if (syslog_send(s, ident, level, text, len, wait_ms) == 0) {
		s->missing = false;
		if (was_missing || was_stalled) {
			atomic_store(&L.syslog_stalled, false);
			log_notice("log: syslog takes lines again");
		}
		return;
	}
	atomic_fetch_add_explicit(&L.syslog_lost, 1, memory_order_relaxed);
	if (s->fd < 0 && !s->missing) {
		s->missing = true;
		atomic_store(&L.syslog_stalled, true);
		log_warnx(
			"log: cannot reach syslog at %s; lines are counted as lost until it can be",
			LOG_SYSLOG_PATH);
	} else if (s->stalled && !was_stalled) {
		atomic_store(&L.syslog_stalled, true);
		log_warnx("log: syslog is not reading; lines are counted as lost until it does");
	}
}

static void *writer_main(void *arg)
{
	struct line out;
	char ident[sizeof L.ident];

	(void)arg;
	pthread_setname_np(pthread_self(), "log-writer");
	pthread_mutex_lock(&L.lock);
	for (;;) {
		int stderr_level;

		while (L.count == 0 && !L.stopping)
			pthread_cond_wait(&L.more, &L.lock);
		if (L.count == 0)
			break;          /* stopping, and everything is written */
		out.level = L.queue[L.head].level;
		out.on_stderr = L.queue[L.head].on_stderr;
		out.len = L.queue[L.head].len;
		memcpy(out.text, L.queue[L.head].text, out.len);
		L.head = (L.head + 1) % LOG_QUEUE_LEN;
		L.count--;
		stderr_level = L.stderr_level;
		memcpy(ident, L.ident, sizeof ident);
		pthread_mutex_unlock(&L.lock);
		if (!out.on_stderr && out.level <= stderr_level)
			to_stderr(ident, out.level, out.text, out.len);
		deliver(ident, out.level, out.text, out.len, LOG_SYSLOG_WAIT_MS);
		pthread_mutex_lock(&L.lock);
	}
	pthread_mutex_unlock(&L.lock);
	return NULL;
}

int log_start(void)
{
	int rc;

	pthread_mutex_lock(&L.lock);
	if (L.threaded) {
		pthread_mutex_unlock(&L.lock);
		return 0;
	}
	L.stopping = false;
	rc = pthread_create(&L.writer, NULL, writer_main, NULL);
	if (rc == 0)
		L.threaded = true;
	pthread_mutex_unlock(&L.lock);
	return rc;
}

/* Without a writer: sends what is queued now, without waiting. */
static void flush_queue(void)
{
	static struct line out;         /* one thread flushes: the stopping one */
	char ident[sizeof L.ident];

	pthread_mutex_lock(&L.lock);
	while (L.count > 0) {
		out = L.queue[L.head];
		memcpy(ident, L.ident, sizeof ident);
		L.head = (L.head + 1) % LOG_QUEUE_LEN;
		L.count--;
		pthread_mutex_unlock(&L.lock);
		deliver(ident, out.level, out.text, out.len, 0);
		pthread_mutex_lock(&L.lock);
	}
	pthread_mutex_unlock(&L.lock);
}

void log_stop(void)
{
	struct timespec deadline;
	unsigned long lost;
	int rc = 0;

	pthread_mutex_lock(&L.lock);
	if (L.threaded) {
		L.stopping = true;
		pthread_cond_signal(&L.more);
		pthread_mutex_unlock(&L.lock);
		/* pthread_timedjoin_np measures against CLOCK_REALTIME */
		if (clock_gettime(CLOCK_REALTIME, &deadline) < 0) {
			rc = pthread_join(L.writer, NULL);
		} else {
			deadline.tv_sec += LOG_STOP_WAIT;
			rc = pthread_timedjoin_np(L.writer, NULL, &deadline);
		}
		pthread_mutex_lock(&L.lock);
		if (rc != 0) {
			char msg[160];
			int n;

			/* the writer is stuck writing stderr: leave it to the
			 * exit, and say so where it may still be read */
			n = snprintf(
				msg, sizeof msg,
				"%s: warning: the log writer is stuck; %zu lines not written\n",
				L.ident, L.count);
			pthread_mutex_unlock(&L.lock);
			if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
				(void)0;
			return;
		}
		L.threaded = false;
	}
	pthread_mutex_unlock(&L.lock);
	flush_queue();
	lost = atomic_exchange(&L.syslog_lost, 0);
	if (lost > 0) {
		char msg[160];
		int n = snprintf(msg, sizeof msg,
				 "%s: warning: %lu log lines could not be written to syslog\n",
				 L.ident, lost);

		if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
			(void)0;
	}
	syslog_disconnect(&L.sys);
}

static void vlog(int level, const char *fmt, va_list ap)
{
	char text[LOG_LINE_MAX];
	int n = vsnprintf(text, sizeof text, fmt, ap);
	size_t len;

	if (n < 0)
		return;
	len = (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
	pthread_mutex_lock(&L.lock);
	/* without a writer, stderr gets the line now */
	if (!L.threaded && level <= L.stderr_level)
		to_stderr(L.ident, level, text, len);
	if (L.count >= (level <= LOG_NOTICE ? LOG_QUEUE_LEN : LOG_QUEUE_LEN - LOG_QUEUE_URGENT)) {
		atomic_fetch_add_explicit(&L.dropped, 1, memory_order_relaxed);
	} else {
		struct line *slot = &L.queue[(L.head + L.count) % LOG_QUEUE_LEN];

		slot->level = level;
		slot->len = len;
		memcpy(slot->text, text, len + 1);
		slot->on_stderr = !L.threaded;
		L.count++;
		if (L.threaded)
			pthread_cond_signal(&L.more);
	}
	pthread_mutex_unlock(&L.lock);
}

#define LOG_AT(name, lvl, with_errno) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
		int saved = errno; \
		\
		if (!log_enabled(lvl)) \
			return; \
		va_start(ap, fmt); \
		if (with_errno) { \
			char msg[LOG_LINE_MAX]; \
			\
			vsnprintf(msg, sizeof msg, fmt, ap); \
			log_msg(lvl, "%s: %s", msg, strerror(saved)); \
		} else { \
			vlog(lvl, fmt, ap); \
		} \
		va_end(ap); \
		errno = saved; \
	}

LOG_AT(log_err, LOG_ERR, true)
LOG_AT(log_errx, LOG_ERR, false)
LOG_AT(log_warn, LOG_WARNING, true)
LOG_AT(log_warnx, LOG_WARNING, false)
LOG_AT(log_notice, LOG_NOTICE, false)
LOG_AT(log_info, LOG_INFO, false)
LOG_AT(log_debug, LOG_DEBUG, false)

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

bool log_admit(int level)
{
	long limit;

	if (!log_enabled(level))
		return false;
	limit = atomic_load_explicit(&L.rate_limit, memory_order_relaxed);
	if (limit <= 0 || atomic_fetch_add_explicit(&L.window_used, 1, memory_order_relaxed) <
				  (unsigned long)limit)
		return true;
	atomic_fetch_add_explicit(&L.suppressed, 1, memory_order_relaxed);
	return false;
}

bool log_admit_denial(void)
{
	if (!log_enabled(LOG_NOTICE))
		return false;
	if (atomic_fetch_add_explicit(&L.denials_used, 1, memory_order_relaxed) <
	    LOG_DENIALS_PER_SEC)
		return true;
	atomic_fetch_add_explicit(&L.denials_unlogged, 1, memory_order_relaxed);
	return false;
}

void log_conn(int level, const char *fmt, ...)
{
	va_list ap;

	if (!log_admit(level))
		return;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

void log_data(const char *what, const char *peer, const void *data, size_t len, bool payload)
{
	char esc[ESCAPE_BUFSIZE(ESCAPE_PAYLOAD_MAX)];

	if (!log_admit(LOG_INFO))
		return;
	if (!payload) {
		log_msg(LOG_INFO, "%s peer=%s len=%zu", what, peer, len);
		return;
	}
	escape_payload(esc, sizeof esc, data, len, ESCAPE_PAYLOAD_MAX);
	log_msg(LOG_INFO, "%s peer=%s len=%zu data=%s", what, peer, len, esc);
}

void log_tick(void)
{
	unsigned long suppressed, dropped, lost = 0, denials;

	atomic_store_explicit(&L.window_used, 0, memory_order_relaxed);
	atomic_store_explicit(&L.denials_used, 0, memory_order_relaxed);
	denials = atomic_exchange_explicit(&L.denials_unlogged, 0, memory_order_relaxed);
	suppressed = atomic_exchange_explicit(&L.suppressed, 0, memory_order_relaxed);
	dropped = atomic_exchange_explicit(&L.dropped, 0, memory_order_relaxed);
	/* what syslog lost is told once it takes lines again, where it can
	 * be read (until then it was said once that it does not) */
	if (!atomic_load(&L.syslog_stalled))
		lost = atomic_exchange_explicit(&L.syslog_lost, 0, memory_order_relaxed);
	if (suppressed > 0)
		log_notice("log: %lu lines suppressed (rate_limit %ld lines/s)", suppressed,
			   atomic_load(&L.rate_limit));
	if (denials > 0)
		log_notice(
			"access: %lu more denied in the last second (%d a second are logged one by one)",
			denials, LOG_DENIALS_PER_SEC);
	if (dropped > 0)
		log_warnx("log: %lu lines dropped (the log queue was full)", dropped);
	if (lost > 0)
		log_warnx("log: %lu lines could not be written to syslog", lost);
}
