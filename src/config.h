/* config.h: netechod's configuration: one struct, its defaults, the INI
 * parser (inih) and validation that reports every problem as FILE:LINE.
 *
 * The module is pure: it reads a file and fills a struct or an error list;
 * it never logs, binds or exits. netechod decides what to do with errors. */
#ifndef NETECHO_CONFIG_H
#define NETECHO_CONFIG_H

#include <pthread.h>
#include <stdatomic.h>
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

/* Longest line accepted, without its newline: what Debian's inih (built with
 * INI_MAX_LINE 200) reads whole. Longer lines are reported, never split. */
#define CONFIG_LINE_MAX   198

/* A string that may hold any byte, NUL included. */
struct config_text {
	size_t len;
	char data[CONFIG_TEXT_MAX];
};

struct config {
	atomic_int refs;                /* see config_ref() */
	struct {
		char host[CONFIG_HOST_MAX + 1];
		long port;
		long backlog;
		long shutdown_timeout;            /* seconds connections get at exit */
		char user[CONFIG_NAME_MAX + 1];   /* "" = keep the starting user */
		char group[CONFIG_NAME_MAX + 1];  /* "" = the user's primary group */
	} server;
	struct {
		bool enabled;
		char host[CONFIG_HOST_MAX + 1];   /* after loading: [tcp] host or [server] host */
		long port;                        /* likewise */
		struct config_text reply_prefix;
		struct config_text greeting;
		long max_connections;
		long max_per_source;              /* per client address, 0 = no limit */
		long idle_timeout;                /* seconds, 0 = never */
		long send_timeout;                /* seconds a reply may stall */
		long thread_cache;                /* finished threads kept for new connections */
	} tcp;
	struct {
		bool enabled;
		char host[CONFIG_HOST_MAX + 1];
		long port;
		bool echo;
	} udp;
	struct {
		int level;                        /* LOG_EMERG .. LOG_DEBUG */
		int facility;                     /* LOG_DAEMON, LOG_USER, LOG_LOCAL0 .. */
		bool data;                        /* log payloads */
		long rate_limit;                  /* connection and payload lines a second, 0 = no limit */
	} log;
};

struct config_errors {
	unsigned count;                   /* messages kept in msg[] */
	unsigned dropped;                 /* problems beyond CONFIG_MAX_ERRORS */
	char msg[CONFIG_MAX_ERRORS][CONFIG_ERROR_LEN];
};

/* Fills cfg with the built-in defaults (the single place they are set). */
void config_defaults(struct config *cfg);

/* Reads the file at path into cfg (defaults first, then the file). Returns 0
 * when the file is valid, -1 when it has problems: then errs holds one
 * message per problem and cfg must not be used. */
int config_load(const char *path, struct config *cfg, struct config_errors *errs);

/* Same, from an open stream; name is used in messages. */
int config_load_stream(FILE *f, const char *name, struct config *cfg, struct config_errors *errs);

/* Heap copies shared between threads: config_new() returns one reference;
 * each holder takes its own with config_ref() and drops it with
 * config_unref(), which frees the last. */
struct config *config_new(void);
struct config *config_ref(struct config *cfg);
void config_unref(struct config *cfg);

/* The configuration currently in force for a part of the daemon: a reload
 * puts a new one in, and each user takes a reference to what is there. */
struct config_slot {
	pthread_mutex_t lock;
	struct config *cfg;             /* one reference held by the slot */
};

/* Initialises slot with a reference to cfg. */
void config_slot_init(struct config_slot *slot, struct config *cfg);
/* A new reference to the current configuration; config_unref() it. */
struct config *config_slot_get(struct config_slot *slot);
/* Makes cfg current (taking a reference) and drops the old one. */
void config_slot_set(struct config_slot *slot, struct config *cfg);
/* Drops the slot's reference. */
void config_slot_destroy(struct config_slot *slot);

/* Names for messages: "info", "local3". */
const char *config_level_name(int level);
const char *config_facility_name(int facility);

#endif
