/* pathreport.h: the reading half of the path report: the report
 * service's JSON line read back (see report.h), and set beside what was
 * sent to say what the network did: one verdict per fact, as text or as
 * JSON. In src/lib because both programs read reports: netecho --path
 * and netechod's /probe (probepath.c, probeudp.c). Pure: no sockets.
 *
 * Pure: the report comes from the network and is untrusted; the parser
 * reads only the bytes it is given, takes a flat object of known shape
 * (strings, whole numbers, booleans, null, one array of whole numbers),
 * bounds every string and number, and ignores members it does not know.
 * The verdicts never guess: a fact either side does not know is "unknown"
 * in the text and null in the JSON. Unit-tested and fuzzed. */
#ifndef NETECHO_PATHREPORT_H
#define NETECHO_PATHREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probemem.h"

#define PATH_ADDR_MAX     64    /* an address as text, with room to spare */
#define PATH_OTHER_MAX    8     /* other TCP option kinds kept */
#define PATH_REPORT_MAX   1024  /* the longest report line taken (report.h: REPORT_JSON_MAX) */
#define PATH_TEXT_MAX     2048  /* room for the verdicts of one protocol */
#define PATH_NONE         (-2)  /* an option known not to have been sent or taken */

/* What the report service saw; -1 (or "") wherever it said null or
 * nothing. Booleans are 1, 0 or -1. */
struct path_seen {
	bool udp;
	char client[PATH_ADDR_MAX];     /* the client's address, after any NAT */
	long client_port;
	char local[PATH_ADDR_MAX];      /* the server's address reached ("" when hidden) */
	long local_port;
	char proxy[PATH_ADDR_MAX]; /* TCP: the proxy the server saw the client through, or "" */
	long proxy_port;
	int ttl, dscp, ecn;             /* ecn: 0 not-ect, 1 ect1, 2 ect0, 3 ce */
	/* TCP: the SYN */
	int df, ecn_setup, sack, timestamps;
	long flow_label, window, mss;
	int wscale, ip_options;
	int other[PATH_OTHER_MAX];      /* kinds of other options */
	int nother;                     /* -1: not told */
	/* UDP */
	long size;
	long fragment_size;             /* 0: not fragmented */
	int reply_ttl, reply_dscp, reply_ecn; /* what the UDP report was sent with */
	long reply_mss;                 /* TCP: the MSS the server's SYN-ACK announced */
	int reply_wscale;               /* and its window scale; PATH_NONE: none */
	/* UDP, a --pmtu probe: which of its session's probes arrived */
	long session_first;             /* -1: not told */
	uint8_t session_seen[PROBEMEM_SEQS / 8];
};

/* What the client sent, as far as it knows; -1 where it does not. */
struct path_sent {
	bool udp;
	bool v6;
	char local[PATH_ADDR_MAX];      /* the socket's own address and port */
	long local_port;
	int ttl;                        /* TTL or hop limit */
	int dscp, ecn;
	/* TCP: the SYN */
	int ecn_setup;                  /* 1: it asked for ECN (ECE and CWR) */
	long mss;                       /* the MSS option it carried */
	int wscale, sack, timestamps;   /* 1: the option was in it */
	/* UDP */
	long size;                      /* bytes of payload */
	long local_mtu;                 /* the route's MTU on this host */
	char peer[PATH_ADDR_MAX];       /* the address and port dialled ("": not known) */
	long peer_port;
	int back_ttl, back_tos;         /* UDP: how the report arrived here; -1: not known */
	/* TCP: the SYN-ACK's MSS as this host took it (what it sends less the
	 * timestamps option): exact below back_mss_limit (the most this
	 * host's own MTU lets it send), at least back_mss at it */
	long back_mss, back_mss_limit;
	/* back_mss is half the window the SYN-ACK offered, the most Linux
	 * sends in one segment to a peer of that window: not the SYN-ACK's
	 * MSS, which may be larger (loopback's 65,495) */
	bool back_mss_window;
	int back_wscale;                /* the SYN-ACK's window scale taken; PATH_NONE: none */
};

/* Parses one report line (the newline optional). 0, or -1 with a reason
 * in err. */
int path_parse_report(const char *buf, size_t len, struct path_seen *s, char *err,
		      size_t errlen);

/* A DSCP by name (EF, AF41, CS1, LE, VA; any case) or number (0 to 63).
 * 0, or -1 when it is neither. */
int path_dscp_parse(const char *s, int *dscp);

/* A DSCP's name ("ef"), or NULL when it has none. */
const char *path_dscp_name(int dscp);

/* A DSCP for a reader: "ef/46", or "46" (into buf). */
const char *path_dscp_text(int dscp, char *buf, size_t size);

/* What happened to the ECN field ("kept", "bleached", ...); NULL: unknown. */
const char *path_ecn_verdict(int sent, int seen);

/* The ECN codepoint's name: "not-ect", "ect1", "ect0" or "ce". */
const char *path_ecn_name(int ecn);

#endif
