/* fds.h: descriptors a program starts with. Both netechod and netecho
 * first make sure 0, 1 and 2 are open (on /dev/null if they are not), so
 * that no socket or file they open later takes one of those numbers and
 * receives what was meant for a terminal. (netechod then closes what it
 * inherited beyond them, but for the sockets its service manager passed,
 * with glibc's closefrom(3).)
 *
 * It must not close a descriptor: it only opens 0, 1 and 2 where they are
 * closed. */
#ifndef NETECHO_FDS_H
#define NETECHO_FDS_H

/* Opens /dev/null on whichever of 0, 1 and 2 is closed. 0, or -1 with
 * errno (then nothing is safe to open: the caller exits). */
int fds_ensure_std(void);

#endif
