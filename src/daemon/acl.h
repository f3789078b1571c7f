/* acl.h: an access list, [server]/[tcp]/[udp]/[report]/[metrics] allow
 * and deny: IPv4 and IPv6 networks (CIDR) and addresses, each allowing or
 * denying.
 * Ours: libc has no network-list matcher, and this rule is netechod's.
 *
 * The rule, as xinetd's only_from and no_access: the most specific entry
 * that matches the client wins (the longest prefix); an address in both
 * lists at the same length is denied; a client no entry matches is
 * allowed when the list allows nothing, and denied when it allows
 * anything (an allow list names who may connect). An IPv4-mapped IPv6
 * client (::ffff:192.0.2.1, on a dual-stack socket) is its IPv4 address,
 * and so is an entry written that way; IPv6 entries match IPv6 clients
 * only.
 *
 * A check costs a binary search for each prefix length the list holds
 * (at most 33 for IPv4, 129 for IPv6), whatever its length. Built once,
 * then read-only: any thread may check. Pure and unit-tested. */
#ifndef NETECHO_ACL_H
#define NETECHO_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define ACL_ENTRIES_MAX 100000          /* entries in one list, its files included */
#define ACL_ENTRY_MAX   64              /* bytes of one entry ("ffff:...:ffff/128") */

enum acl_verdict { ACL_ALLOW, ACL_DENY };

struct acl;

/* An empty list (which allows everyone); NULL on ENOMEM. */
struct acl *acl_new(void);
void acl_free(struct acl *a);

/* Adds one entry, len bytes: "192.0.2.0/24", "2001:db8::/32", an address
 * alone (/32 or /128). 0, or -1 with the reason in err. A prefix with
 * bits set past its length is refused ("192.0.2.1/24": meant
 * 192.0.2.0/24?), as is a list grown past ACL_ENTRIES_MAX. */
int acl_add(struct acl *a, const char *text, size_t len, enum acl_verdict v, char *err,
	    size_t errlen);

/* Adds each entry of a list, separated by commas and blanks. 0, or -1 at
 * the first bad entry, with the reason in err. */
int acl_add_list(struct acl *a, const char *text, size_t len, enum acl_verdict v, char *err,
		 size_t errlen);

/* Makes the list an allow list whatever it holds: a client no entry
 * matches is denied, even when no allow entry came (an allow file left
 * empty closes the service rather than opening it). */
void acl_allow_list(struct acl *a);

/* Makes the list ready to check, after the last acl_add(): 0, or -1 on
 * ENOMEM. */
int acl_finish(struct acl *a);

/* The verdict on a client's address (NULL list: allowed; an address
 * neither IPv4 nor IPv6: denied). */
enum acl_verdict acl_check(const struct acl *a, const struct sockaddr *sa);

/* Entries in the list (after acl_finish(), duplicates counted once). */
size_t acl_entries(const struct acl *a);

#endif
