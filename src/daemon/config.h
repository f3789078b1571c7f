/* config.h: netechod's configuration: one struct, its defaults, the INI
 * parser (inih) and validation that reports every problem as FILE:LINE.
 *
 * The module is pure: it reads a file and fills a struct or an error list;
 * it never logs, binds or exits. netechod decides what to do with errors.
 * Sharing a configuration between threads is shared.h's business. */
#ifndef NETECHO_CONFIG_H
#define NETECHO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONFIG_HOST_MAX   255   /* a host name or address, in bytes */
#define CONFIG_TEXT_MAX   256   /* reply_prefix and greeting, after unescaping */
#define CONFIG_NAME_MAX   64    /* user and group names */
#define CONFIG_MAX_ERRORS 32    /* problems kept from one file; the rest are counted */
#define CONFIG_ERROR_LEN  320   /* one "FILE:LINE: problem" message */
#define CONFIG_FILE_MAX   (1024 * 1024) /* bytes read from a configuration file */
#define CONFIG_NAME_SHOWN 120   /* a longer file name is shortened in messages */
#define CONFIG_PATH_MAX   1024  /* an allow_file or deny_file name, made absolute */
#define CONFIG_PORTS_MAX  1024  /* ports in one port list: per protocol and service */
#define CONFIG_LIST_FILE_MAX (4 * 1024 * 1024) /* bytes of an allow_file or deny_file */
#define CONFIG_LIST_LINE_MAX 1024               /* bytes of one line of such a file */

/* Longest line accepted, without its newline: what Debian's inih (built with
 * INI_MAX_LINE 200) reads whole. Longer lines are reported, never split. */
#define CONFIG_LINE_MAX   198

/* A string that may hold any byte, NUL included. */
struct config_text {
	size_t len;
	char data[CONFIG_TEXT_MAX];
};

/* A port list: "50000", "7000-7010, 7100", sorted, each port once; 0 (the
 * kernel's pick) only alone. */
struct config_ports {
	unsigned n;
	unsigned short port[CONFIG_PORTS_MAX];
};

/* A list as written on one line: [section] allow, deny, proxy_from. */
struct config_list {
	unsigned line;                  /* where it was set; 0: it was not */
	size_t len;
	char text[CONFIG_LINE_MAX + 1];
};

/* A file named in the configuration: allow_file, deny_file. */
struct config_path {
	unsigned line;                  /* where it was set; 0: it was not */
	char path[CONFIG_PATH_MAX]; /* relative names are the configuration file's directory's */
};

/* The sections with sockets, and [server], whose host, port and access
 * keys serve every service that has none of its own. A service's index
 * is its section's. */
enum config_section {
	CONFIG_SERVER, CONFIG_TCP, CONFIG_UDP, CONFIG_REPORT, CONFIG_METRICS, CONFIG_SECTIONS
};
#define CONFIG_FIRST_SERVICE CONFIG_TCP /* CONFIG_TCP .. CONFIG_SECTIONS - 1 are services */

/* The access keys of one section, as written. */
struct config_access {
	struct config_list allow, deny;
	struct config_path allow_file, deny_file;
};

/* [tcp] and [report] proxy_protocol. */
enum proxy_mode { PROXY_NO, PROXY_YES, PROXY_OPTIONAL };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };   /* [log] format: stderr's lines */

struct acl;

/* What every section with sockets has ([server]: the defaults of the
 * others). After loading, host and port hold the section's own or
 * [server]'s; acl and proxies are built by loading and owned by the
 * configuration (config_free()). */
#define CONFIG_SERVICE_COMMON                                                                      \
	bool enabled;                     /* [server]: always */                               \
	char host[CONFIG_HOST_MAX + 1];                                                            \
	struct config_ports port;                                                                  \
	int proxy_protocol;               /* enum proxy_mode; PROXY_NO where no key sets it */ \
	struct config_list proxy_from;    /* who may send a PROXY header */                    \
	struct config_access access;      /* allow, deny and their files, as written */        \
	struct acl *acl;                  /* built from access; NULL: no access key here */    \
	struct acl *proxies;              /* built from proxy_from; NULL: proxy_protocol = no */

/* Each section's own keys. */
#define CONFIG_SERVER_KEYS                                                                         \
	long backlog;                                                                              \
	long shutdown_timeout;            /* seconds connections get at exit */                \
	char user[CONFIG_NAME_MAX + 1];   /* "" = keep the starting user */                    \
	char group[CONFIG_NAME_MAX + 1];  /* "" = the user's primary group */
#define CONFIG_TCP_KEYS                                                                            \
	struct config_text reply_prefix;                                                           \
	struct config_text greeting;                                                               \
	long max_connections;                                                                      \
	long max_per_source;              /* per client address, 0 = no limit */               \
	long idle_timeout;                /* seconds, 0 = never */                             \
	long send_timeout;                /* seconds a reply may stall */                      \
	long thread_cache;                /* finished threads kept for new connections */      \
	long source_prefix[2];            /* max_per_source counts per IPv4, IPv6 network */
#define CONFIG_UDP_KEYS                                                                            \
	bool echo;                                                                                 \
	struct config_text reply_prefix;  /* before the payload, within the datagram's size */ \
	long echo_rate;                   /* replies a second to one address */                \
	long echo_rate_total;             /* replies a second in all */
#define CONFIG_REPORT_KEYS                                                                         \
	bool show_local;                  /* the local address in reports */                   \
	long rate;                        /* UDP reports a second to one address */            \
	long rate_total;                  /* UDP reports a second in all */

/* A /probe module of [metrics] (probemod.h): "module = NAME PROBER
 * [count=N] [interval=S] [dscp=N]", repeatable up to CONFIG_MODULES_MAX. */
#define CONFIG_MODULES_MAX     16       /* modules in [metrics] */
#define CONFIG_MODULE_NAME_MAX 32       /* bytes of a module's name (PROBE_MODULE_MAX) */
struct config_module {
	unsigned line;                  /* where it was set */
	char name[CONFIG_MODULE_NAME_MAX + 1];
	int prober;                     /* enum probe_module: tcp, udp or path */
	unsigned count;                 /* tcp, udp: round trips or datagrams; 0: probe_count */
	double interval;                /* udp: seconds between datagrams; 0: the default */
	int dscp;                       /* path: the DSCP the SYN is sent with; -1: the default */
	bool pmtu;			/* path: the path MTU search too (pmtu=yes) */
};

/* [metrics] (configmetrics.c): its own host and port, never [server]'s */
#define CONFIG_METRICS_KEYS                                                                        \
	struct config_list probe_allow;   /* targets /probe may reach; unset: none */          \
	struct acl *probe_acl;            /* built from probe_allow (owned); NULL: none */     \
	long max_connections;             /* HTTP connections at once */                       \
	long timeout;                     /* seconds an HTTP connection may take */            \
	long probe_max;                   /* probes running at once */                         \
	long probe_rate;                  /* probes a second to one target address */          \
	long probe_count;                 /* round trips (tcp) or datagrams (udp) of a probe */ \
	unsigned nmodules;                /* modules[] set, in the file's order */            \
	struct config_module modules[CONFIG_MODULES_MAX];

struct config_server_keys { CONFIG_SERVER_KEYS };
struct config_tcp_keys { CONFIG_TCP_KEYS };
struct config_udp_keys { CONFIG_UDP_KEYS };
struct config_report_keys { CONFIG_REPORT_KEYS };
struct config_metrics_keys { CONFIG_METRICS_KEYS };

union config_own_keys {
	struct config_server_keys server;
	struct config_tcp_keys tcp;
	struct config_udp_keys udp;
	struct config_report_keys report;
	struct config_metrics_keys metrics;
};

/* One section with sockets: what all have, and its own keys. */
struct service_cfg {
	CONFIG_SERVICE_COMMON
	union config_own_keys own;
};

/* A section by name (cfg->tcp.greeting): the same bytes as its
 * struct service_cfg, with its own keys at hand. */
#define CONFIG_SECTION_VIEW(KEYS)                                                                  \
	struct {                                                                                   \
		CONFIG_SERVICE_COMMON                                                              \
		union {                                                                            \
			struct {                                                                   \
				KEYS                                                               \
			};                                                                         \
			union config_own_keys own;                                                 \
		};                                                                                 \
	}

struct config {
	union {
		struct service_cfg service[CONFIG_SECTIONS]; /* indexed by enum config_section */
		struct {
			CONFIG_SECTION_VIEW(CONFIG_SERVER_KEYS) server;
			CONFIG_SECTION_VIEW(CONFIG_TCP_KEYS) tcp;
			CONFIG_SECTION_VIEW(CONFIG_UDP_KEYS) udp;
			CONFIG_SECTION_VIEW(CONFIG_REPORT_KEYS) report;
			CONFIG_SECTION_VIEW(CONFIG_METRICS_KEYS) metrics;
		};
	};
	struct {
		int level;                        /* LOG_EMERG .. LOG_DEBUG */
		int facility;                     /* LOG_DAEMON, LOG_USER, LOG_LOCAL0 .. */
		bool data;                        /* log payloads */
		long rate_limit;                  /* lines a second of connections, 0 = no limit */
		bool path_facts; /* how each SYN and datagram arrived, in the log */
		int format;                       /* enum log_format */
	} log;
};

struct config_errors {
	unsigned count;                   /* messages kept in msg[] */
	unsigned dropped;                 /* problems beyond CONFIG_MAX_ERRORS */
	char msg[CONFIG_MAX_ERRORS][CONFIG_ERROR_LEN];
};

/* Fills cfg with the built-in defaults (the single place they are set). */
void config_defaults(struct config *cfg);

/* [metrics]'s defaults, for config_defaults() (configmetrics.c). */
void config_metrics_defaults(struct config *cfg);

/* Reads the file at path into cfg (defaults first, then the file). Returns 0
 * when the file is valid, -1 when it has problems: then errs holds one
 * message per problem and cfg must not be used. Only a regular file is
 * read: a FIFO, a device or a directory is refused without waiting on it. */
int config_load(const char *path, struct config *cfg, struct config_errors *errs);

/* For -t: called after a load for each key the file or an override set
 * to other than its default: its section and name, its value as written
 * (escaped), and where: the file and line, or the override's text and 0. */
typedef void config_origin_fn(void *arg, const char *section, const char *key, const char *value,
			      const char *where, unsigned line);

/* config_load(), then overrides ("SECTION.KEY=VALUE", netechod -o) over the
 * file, each value lexed as the file's are and checked by the same key's
 * handler, a problem named "-o SECTION.KEY"; then the checks across keys.
 * path NULL: the built-in defaults, then the overrides. Access lists and
 * list files are refused as overrides. origin (NULL: none): see above. */
int config_load_over(const char *path, const char *const *ov, size_t nov, struct config *cfg,
		     struct config_errors *errs, config_origin_fn *origin, void *arg);

/* Same, from an open stream; name is used in messages. */
int config_load_stream(FILE *f, const char *name, struct config *cfg, struct config_errors *errs);

/* Frees what a loaded configuration holds beyond the struct (its access
 * lists), and leaves it with none. */
void config_free(struct config *cfg);

/* A section's settings, by index: cfg->service[section], for code that
 * loops over the services. */
static inline const struct service_cfg *config_service(const struct config *cfg,
						       enum config_section section)
{
	return &cfg->service[section];
}

/* The access list for a service's section (CONFIG_TCP, CONFIG_UDP,
 * CONFIG_REPORT or CONFIG_METRICS): its own when it has any access key, else [server]'s;
 * NULL when neither has one (everyone may connect). See acl.h for the
 * rule. */
const struct acl *config_access(const struct config *cfg, enum config_section section);

/* The addresses that may send a PROXY header to a section ([tcp] or
 * [report]); NULL when its proxy_protocol is no (always for [udp]). */
const struct acl *config_proxies(const struct config *cfg, enum config_section section);

/* Has any section an access list? */
bool config_any_access(const struct config *cfg);

/* Does a port list hold port? Are two lists the same? */
bool config_has_port(const struct config_ports *ports, unsigned port);
bool config_same_ports(const struct config_ports *a, const struct config_ports *b);

/* The longest reply_prefix and greeting a line can hold, quoted. */
#define CONFIG_PREFIX_MAX   (CONFIG_LINE_MAX - (int)sizeof "reply_prefix=\"\"" + 1)
#define CONFIG_GREETING_MAX (CONFIG_LINE_MAX - (int)sizeof "greeting=\"\"" + 1)

#endif
