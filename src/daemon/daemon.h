/* daemon.h: the chores of a Unix daemon: detaching from the terminal with
 * the start-up status reported to the waiting parent, a locked pid file,
 * dropping root privileges, knowing whether stderr is the journal. Like
 * net.h, these never log: they return -1 with a message in the caller's
 * buffer. */
#ifndef NETECHO_DAEMON_H
#define NETECHO_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define DAEMON_ERRLEN 256

/* Forks. The parent waits for daemon_ready() (or the child's end) and exits
 * with the status it reports; the child returns 0 in a new session, in /,
 * with *ready_fd set for daemon_ready(). */
int daemon_detach(int *ready_fd, char *err, size_t errlen);

/* Reports the start-up status to the waiting parent, once; with status 0
 * also points stdin, stdout and stderr at /dev/null. No-op when fd < 0. */
int daemon_ready(int *ready_fd, int status, char *err, size_t errlen);

/* Creates and locks the pid file; -1 if another process holds it
 * ("already running", with its pid) or on error. Call it before binding,
 * so a second instance is told so; the lock survives daemon_detach() and
 * lasts until exit. Returns the descriptor for pidfile_write(). */
int pidfile_open(const char *path, char *err, size_t errlen);
/* Writes our pid into the locked pid file (after detaching). */
int pidfile_write(int fd, const char *path, char *err, size_t errlen);
/* Removes the pid file written by pidfile_open(); when that is not
 * allowed (after dropping privileges), empties it instead and says so in
 * err with -1. */
int pidfile_remove(int fd, const char *path, char *err, size_t errlen);

/* Makes the directory of path (created if missing) belong to uid:gid, so
 * that the pid file in it can be removed after dropping privileges. */
int pidfile_dir_for(const char *path, uid_t uid, gid_t gid, char *err, size_t errlen);

/* May we, as we are now, remove a file at path? */
bool pidfile_removable(const char *path);

/* Is stderr the journal ($JOURNAL_STREAM names it)? Then log lines reach
 * it through syslog already, and a copy would show twice. */
bool daemon_stderr_is_journal(void);

/* Looks up user (and group, or the user's primary group when NULL or ""). */
int privs_lookup(const char *user, const char *group, uid_t *uid, gid_t *gid, char *err,
		 size_t errlen);

/* Becomes uid:gid with no supplementary groups, and checks that root
 * cannot be regained. */
int privs_drop(uid_t uid, gid_t gid, char *err, size_t errlen);

#endif
