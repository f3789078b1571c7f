/* configparse.h: what config.c (the keys, their values, the checks) and
 * configlex.c (the lines of the file, lexed for inih) share while one
 * file is read. Internal to the configuration module: nothing else
 * includes it.
 *
 * It must not hold keys or their meaning (config.c's), nor read files
 * other than through the parser it is given. */
#ifndef NETECHO_CONFIGPARSE_H
#define NETECHO_CONFIGPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "config.h"
#include "escape.h"

#define CONFIG_KEYS_MAX 80      /* entries of config.c's keys[], at most */

#define SECTIONS_KNOWN "[server], [tcp], [udp], [report], [metrics], [log]"
#define SECTIONS_UNDER "[server], [tcp], [udp], [report], [metrics] or [log]"

/* A value from the file, quoted and escaped for a message. */
#define QUOTED_MAX 64
#define QUOTED_BUFSIZE ESCAPE_BUFSIZE(QUOTED_MAX)

/* What the lexer made of the current line. */
struct lexed {
	enum { LX_NOTHING, LX_SECTION, LX_KEY } kind;
	const char *name;               /* section or key name, in line[] */
	size_t namelen;
	char value[CONFIG_LINE_MAX + 1];        /* unquoted and unescaped */
	size_t vlen;
};

/* State shared by the reader and the inih handler for one file. */
struct parser {
	FILE *f;
	const char *name;
	struct config *cfg;
	struct config_errors *errs;
	unsigned lineno;
	size_t bytes;                   /* read so far, up to CONFIG_FILE_MAX */
	bool too_big;
	bool section_bad;               /* its header was reported: keep quiet on its keys */
	char line[CONFIG_LINE_MAX + 8]; /* the raw line */
	struct lexed lx;
	unsigned seen[CONFIG_KEYS_MAX];           /* line where each key was set, 0 = never */
	/* -o: the overrides applied after the file, and what -t shows */
	const char *const *ov;
	size_t nov;
	unsigned by_option[CONFIG_KEYS_MAX]; /* 1 + the override that set each key last, 0 = none */
	char written[CONFIG_KEYS_MAX][QUOTED_BUFSIZE]; /* each key's value as written, escaped */
	/* [metrics] module lines, by index: 1 + the override that set each
	 * (0: the file), and each as written, escaped (for -t) */
	unsigned module_option[CONFIG_MODULES_MAX];
	char module_written[CONFIG_MODULES_MAX][QUOTED_BUFSIZE];
};

/* A problem at line (0: the file as a whole) of the file being read,
 * or of another file (a list file): kept in p->errs. */
void config_error(struct parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void config_error_in(struct parser *p, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A section's name (configlex.c holds the one list). */
const char *config_section_name(enum config_section i);

/* s[0..len) quoted and escaped into buf (QUOTED_BUFSIZE bytes): buf. */
const char *config_quoted(const char *s, size_t len, char *buf);

/* [metrics]'s lines of config.c's keys[] (its KEY() and ACCESS_KEYS()):
 * a host and port of its own, never [server]'s (config.c's inherit()
 * leaves it out). */
#define CONFIG_METRICS_KEY_LINES                                                                   \
	KEY("metrics", "enabled", K_BOOL, metrics.enabled, 0, 0),                                  \
	KEY("metrics", "host", K_HOST, metrics.host, 0, 0),                                        \
	KEY("metrics", "port", K_PORTS, metrics.port, 0, 0),                                       \
	KEY("metrics", "probe_allow", K_LIST, metrics.probe_allow, 0, 0),                          \
	KEY("metrics", "max_connections", K_LONG, metrics.max_connections, 1, 1000),               \
	KEY("metrics", "timeout", K_LONG, metrics.timeout, 1, 3600),                               \
	KEY("metrics", "probe_max", K_LONG, metrics.probe_max, 1, 1000),                           \
	KEY("metrics", "probe_rate", K_LONG, metrics.probe_rate, 1, 1000),                         \
	KEY("metrics", "probe_count", K_LONG, metrics.probe_count, 1, 100),                        \
	ACCESS_KEYS("metrics", CONFIG_METRICS)

/* [metrics]'s "module = NAME PROBER ..." line just lexed into p->lx,
 * kept or reported (configmetrics.c, probemod.h): the one key that may
 * repeat, so it is not in keys[] (whose keys are set once). option: 0
 * for the file's line, 1 + n for the n-th -o, which replaces the file's
 * module of its name, as -o replaces any key's value. */
void config_metrics_module(struct parser *p, unsigned option);

/* For -t: each module line and where it was set (config_origin_fn). */
void config_metrics_origins(const struct parser *p, const char *file, config_origin_fn *origin,
			    void *arg);

/* [metrics] after the whole file: probe_allow built; and what it holds
 * freed (configmetrics.c). */
void config_metrics_finish(struct parser *p);
void config_metrics_free(struct config *cfg);

/* The ini_reader handed to inih (stream: the parser): one physical line
 * of p->f per call, checked, lexed into p->lx and given to inih as a
 * canonical line ("", "[name]" or "name="). */
char *config_read_line(char *str, int num, void *stream);

/* Is s[0..len) a section's name? */
bool config_known_section(const char *s, size_t len);

/* Lexes "name = value" from s to end into p->lx; false after saying why. */
bool config_lex_key(struct parser *p, const char *s, const char *end);

/* configlists.c: a file of the configuration's opened for reading: a
 * regular file only, never waiting on a FIFO, of at most max bytes (0: no
 * limit); NULL after saying why at line, as "KEY: ..." naming the file,
 * or for the configuration file itself (key ""). */
FILE *config_open_regular(struct parser *p, unsigned line, const char *key, const char *path,
			  off_t max);

/* A section's access list, from its keys and list files; NULL after
 * saying why. */
struct acl *config_build_access(struct parser *p, const struct config_access *ac);

/* proxy_protocol and proxy_from of a section: *out the proxies' list. */
void config_build_proxies(struct parser *p, const char *section, int mode,
			  const struct config_list *from, struct acl **out);

#endif
