/* report.h: the path report: what netechod saw of how a connection's SYN
 * or a datagram arrived (the facts), as fields of its log lines and as the
 * report service's one JSON object. Pure: it formats into a caller's
 * buffer, and reads a datagram's control messages only within their
 * stated length.
 *
 * The JSON object, version 1, one line:
 *   {"version":1,"proto":"tcp"|"udp",
 *    "client":ADDRESS,"client_port":N,      (as seen: after any NAT)
 *    "local":ADDRESS|null,"local_port":N|null, (null when [report] hides it)
 *    TCP: "proxy":ADDRESS|null,"proxy_port":N|null, (a PROXY header named the
 *         client: the proxy's address; the facts are then of its SYN)
 *    "ttl":N,"dscp":N,"ecn":"not-ect"|"ect1"|"ect0"|"ce",
 *    TCP: "df":BOOL|null,"flow_label":N|null,"ecn_setup":BOOL,"window":N,
 *         "mss":N|null,"wscale":N|null,"sack":BOOL,"timestamps":BOOL,
 *         "other_options":[KIND...],"ip_options":N,
 *         "reply_mss":N|null (the MSS this end's SYN-ACK announced, so
 *         that the client can tell one clamped on the way back),
 *         "reply_wscale":N|"none"|null (its window scale, or none sent)
 *    UDP: "size":N,"fragment_size":N|null (null: not fragmented),
 *         "reply_ttl":N,"reply_dscp":N|null,"reply_ecn":ECN|null
 *         (what this report leaves with: the probe's DSCP and ECN, and
 *         REPORT_REPLY_TTL, so that the client can tell what the way back
 *         did to it; null when the probe's were not known),
 *         a --pmtu probe (probemem.h): "session_first":N,"session_seen":HEX
 *         (which of the session's probes arrived, from probe N on)}
 * A fact that could not be known is null. */
#ifndef NETECHO_REPORT_H
#define NETECHO_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "net.h"
#include "probemem.h"
#include "synparse.h"

#define REPORT_VERSION  1
#define REPORT_JSON_MAX 1024    /* room for any report */
#define REPORT_FIELDS_MAX 256   /* room for the fields of a log line */
#define REPORT_MARGIN   16      /* a UDP report is this much smaller than its probe, at least */
#define REPORT_REPLY_TTL 64     /* the TTL (hop limit) a UDP report is sent with */
#define REPORT_TS_OPTION 12     /* bytes of the TCP timestamps option, aligned */
#define REPORT_NONE     (-2)    /* a SYN-ACK option that was not sent */

/* What the control messages of one received datagram say. */
struct dgram_facts {
	int ttl;                        /* TTL or hop limit; -1: not known */
	int tos;                        /* TOS or traffic class byte; -1: not known */
	int frag_size;                  /* largest fragment it came in; 0: not fragmented */
	bool have_local;
	struct net_addr local;          /* the address it was sent to, with port */
	const struct probemem_view *session; /* a --pmtu probe's session (probemem.h), or NULL */
};

/* Reads the control messages of a received datagram (IP_TTL, IP_TOS,
 * IP_PKTINFO, IP_RECVFRAGSIZE and their IPv6 kin) into *f. local_port is
 * the receiving socket's port (the packet info holds no port). */
void report_dgram_facts(const struct msghdr *m, unsigned local_port, struct dgram_facts *f);

/* The SYN's facts as log fields: "ttl=63 dscp=46 ecn=not-ect ecn_setup=no
 * df=yes win=64240 mss=1460 wscale=7 sack=yes ts=yes" (and "flow=N" for
 * IPv6, "opts=K,K" for other options, "ipopts=N" when there are some). */
size_t report_syn_fields(char *buf, size_t size, const struct syn_facts *f);

/* A datagram's facts as log fields: "ttl=63 dscp=0 ecn=not-ect", and
 * "frag=N" when it came in fragments. */
size_t report_dgram_fields(char *buf, size_t size, const struct dgram_facts *f);

/* What this end's SYN-ACK carried: -1 not known; REPORT_NONE no such
 * option. */
struct report_synack {
	long mss;
	int wscale;
};

/* The report on a TCP connection: its SYN (NULL when it could not be
 * read), the client's address as seen, the local address reached (NULL
 * to leave it out), the proxy it came through (NULL: none), this end's
 * SYN-ACK (NULL: not known). Returns the length written, the newline
 * included. */
size_t report_tcp_json(char *buf, size_t size, const struct syn_facts *syn,
		       const struct sockaddr *client, socklen_t clientlen,
		       const struct sockaddr *local, socklen_t locallen,
		       const struct sockaddr *proxy, socklen_t proxylen,
		       const struct report_synack *synack);

/* The report on a datagram of len bytes. */
size_t report_udp_json(char *buf, size_t size, const struct dgram_facts *f, size_t len,
		       const struct sockaddr *client, socklen_t clientlen,
		       const struct sockaddr *local, socklen_t locallen);

#endif
