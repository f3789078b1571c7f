/* log.c: syslog and stderr logging with a writer thread (see log.h). */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "escape.h"

struct line {
	int level;
	size_t len;
	char text[LOG_LINE_MAX];
};

/* The log is process-wide, as syslog itself is. */
static struct {
	pthread_mutex_t lock;           /* everything below that is not atomic */
	pthread_cond_t more;            /* queue not empty, or stopping */
	char ident[32];
	int stderr_level;               /* copy lines up to this level to stderr */
	int facility;                   /* the facility syslog is open with */
	int want_facility;              /* the configured one; the writer reopens */
	bool syslog_open;
	bool threaded, stopping;
	pthread_t writer;
	struct line *queue;             /* LOG_QUEUE_LEN lines, a ring */
	size_t head, count;
	atomic_int level;
	atomic_long rate_limit;
	atomic_ulong window_used;       /* lines taken in this second */
	atomic_ulong suppressed;        /* refused by the rate limit */
	atomic_ulong dropped;           /* lost to a full queue */
} L = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.more = PTHREAD_COND_INITIALIZER,
	.ident = "netechod",
	.facility = LOG_DAEMON,
	.want_facility = LOG_DAEMON,
	.level = LOG_INFO,
	.stderr_level = LOG_DEBUG,
};

void log_init(const char *ident, int stderr_level)
{
	pthread_mutex_lock(&L.lock);
	snprintf(L.ident, sizeof L.ident, "%s", ident);
	L.stderr_level = stderr_level;
	pthread_mutex_unlock(&L.lock);
}

/* Opens syslog with the wanted facility; with L.lock held, by the only
 * thread calling syslog() at the time. */
static void open_syslog(void)
{
	if (L.syslog_open && L.facility == L.want_facility)
		return;
	if (L.syslog_open)
		closelog();
	openlog(L.ident, LOG_PID | LOG_NDELAY, L.want_facility);
	L.facility = L.want_facility;
	L.syslog_open = true;
}

void log_configure(int level, int facility, long rate_limit)
{
	atomic_store(&L.level, level);
	atomic_store(&L.rate_limit, rate_limit);
	pthread_mutex_lock(&L.lock);
	L.want_facility = facility;
	if (!L.threaded)
		open_syslog();
	/* else the writer thread reopens before its next line */
	pthread_mutex_unlock(&L.lock);
}

bool log_enabled(int level)
{
	return level <= atomic_load_explicit(&L.level, memory_order_relaxed);
}

/* Writes one line to syslog and stderr. */
static void emit(int level, const char *text, size_t len, int stderr_level)
{
	/* stderr first: syslog() may block on a stalled syslog daemon */
	if (level <= stderr_level) {
		char buf[LOG_LINE_MAX + 64];
		int n;

		if (level <= LOG_WARNING)
			n = snprintf(buf, sizeof buf, "%s: %s: %.*s\n", L.ident,
				     config_level_name(level), (int)len, text);
		else
			n = snprintf(buf, sizeof buf, "%s: %.*s\n", L.ident, (int)len, text);
		if (n > 0) {
			size_t w = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;

			/* one write a line, so lines never interleave; a failed
			 * write to stderr has nowhere to be reported */
			if (write(STDERR_FILENO, buf, w) < 0)
				(void)0;
		}
	}
	if (L.syslog_open)
		syslog(level, "%s", text);
}

static void *writer_main(void *arg)
{
	struct line *out = malloc(sizeof *out);

	(void)arg;
	pthread_mutex_lock(&L.lock);
	for (;;) {
		while (L.count == 0 && !L.stopping)
			pthread_cond_wait(&L.more, &L.lock);
		if (L.count == 0)
			break;          /* stopping, and everything is written */
		if (out == NULL) {      /* no memory for a copy: write in place */
			open_syslog();
			emit(L.queue[L.head].level, L.queue[L.head].text, L.queue[L.head].len, L.stderr_level);
		} else {
			memcpy(out, &L.queue[L.head], sizeof *out);
		}
		L.head = (L.head + 1) % LOG_QUEUE_LEN;
		L.count--;
		if (out != NULL) {
			int stderr_level = L.stderr_level;

			open_syslog();
			pthread_mutex_unlock(&L.lock);
			emit(out->level, out->text, out->len, stderr_level);
			pthread_mutex_lock(&L.lock);
		}
	}
	pthread_mutex_unlock(&L.lock);
	free(out);
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
	if (L.queue == NULL)
		L.queue = calloc(LOG_QUEUE_LEN, sizeof *L.queue);
	if (L.queue == NULL) {
		pthread_mutex_unlock(&L.lock);
		return ENOMEM;
	}
	L.head = L.count = 0;
	L.stopping = false;
	rc = pthread_create(&L.writer, NULL, writer_main, NULL);
	if (rc == 0)
		L.threaded = true;
	pthread_mutex_unlock(&L.lock);
	return rc;
}

void log_stop(void)
{
	struct timespec deadline;
	size_t left;
	int rc;

	pthread_mutex_lock(&L.lock);
	if (!L.threaded) {
		pthread_mutex_unlock(&L.lock);
		return;
	}
	L.stopping = true;
	pthread_cond_signal(&L.more);
	pthread_mutex_unlock(&L.lock);
	/* pthread_timedjoin_np measures against CLOCK_REALTIME */
	if (clock_gettime(CLOCK_REALTIME, &deadline) < 0)
		rc = pthread_join(L.writer, NULL);
	else {
		deadline.tv_sec += LOG_STOP_WAIT;
		rc = pthread_timedjoin_np(L.writer, NULL, &deadline);
	}
	pthread_mutex_lock(&L.lock);
	if (rc != 0) {
		char msg[160];
		int n;

		/* the writer is stuck in syslog(): leave it (and its queue)
		 * to the exit, and say so where it can still be read */
		left = L.count;
		n = snprintf(msg, sizeof msg, "%s: warning: syslog is not reading; %zu log lines not written\n",
			     L.ident, left);
		if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
			(void)0;
		pthread_mutex_unlock(&L.lock);
		return;
	}
	L.threaded = false;
	free(L.queue);
	L.queue = NULL;
	pthread_mutex_unlock(&L.lock);
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
	if (!L.threaded) {
		open_syslog();
		emit(level, text, len, L.stderr_level);
	} else if (L.count >= (level <= LOG_NOTICE ? LOG_QUEUE_LEN : LOG_QUEUE_LEN - LOG_QUEUE_URGENT)) {
		atomic_fetch_add_explicit(&L.dropped, 1, memory_order_relaxed);
	} else {
		struct line *slot = &L.queue[(L.head + L.count) % LOG_QUEUE_LEN];

		slot->level = level;
		slot->len = len;
		memcpy(slot->text, text, len + 1);
		L.count++;
		pthread_cond_signal(&L.more);
	}
	pthread_mutex_unlock(&L.lock);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

bool log_take(void)
{
	long limit = atomic_load_explicit(&L.rate_limit, memory_order_relaxed);

	if (limit <= 0)
		return true;
	if (atomic_fetch_add_explicit(&L.window_used, 1, memory_order_relaxed) < (unsigned long)limit)
		return true;
	atomic_fetch_add_explicit(&L.suppressed, 1, memory_order_relaxed);
	return false;
}

void log_data(const char *what, const char *peer, const void *data, size_t len, bool payload)
{
	char esc[ESCAPE_BUFSIZE(ESCAPE_PAYLOAD_MAX)];

	if (!log_enabled(LOG_INFO) || !log_take())
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
	unsigned long suppressed, dropped;

	atomic_store_explicit(&L.window_used, 0, memory_order_relaxed);
	suppressed = atomic_exchange_explicit(&L.suppressed, 0, memory_order_relaxed);
	dropped = atomic_exchange_explicit(&L.dropped, 0, memory_order_relaxed);
	if (suppressed > 0)
		log_msg(LOG_NOTICE, "log: %lu lines suppressed (rate_limit %ld lines/s)",
			suppressed, atomic_load(&L.rate_limit));
	if (dropped > 0)
		log_msg(LOG_WARNING, "log: %lu lines dropped (the log queue was full)", dropped);
}

void log_close(void)
{
	pthread_mutex_lock(&L.lock);
	/* a writer stuck in syslog() holds glibc's syslog lock, and reads
	 * syslog_open: leave both alone */
	if (!L.threaded) {
		if (L.syslog_open)
			closelog();
		L.syslog_open = false;
	}
	pthread_mutex_unlock(&L.lock);
}
