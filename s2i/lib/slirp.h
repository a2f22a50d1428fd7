/* The default network of a sandbox: its own network namespace, given
 * outbound access by slirp4netns (user-mode TCP/IP, as podman's default
 * for rootless containers), with connections to the host's loopback
 * refused (--disable-host-loopback).  Abstract unix sockets belong to a
 * network namespace, so the host's are out of reach too.  Inside: tap0
 * 10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3. */
#ifndef S2I_SLIRP_H
#define S2I_SLIRP_H

#include <sys/types.h>

#include "error.h"

struct s2i_slirp {
  pid_t pid;  /* slirp4netns, 0 when not running */
  int exit_w; /* closing it ends slirp4netns */
};

/* Start slirp4netns on the network namespace of process target and wait
 * (at most 10 s) until it has configured tap0.  *s is zeroed on failure. */
int s2i_slirp_start(struct s2i_slirp *s, pid_t target, struct s2i_error **err);
/* End it and reap it; harmless on a zeroed struct. */
void s2i_slirp_stop(struct s2i_slirp *s);

/* The resolv.conf a sandbox on this network needs, from the text of the
 * host's /etc/resolv.conf (etc) and of systemd-resolved's upstream list
 * (/run/systemd/resolve/resolv.conf, systemd; either may be NULL).  The
 * host's loopback is out of reach, so when every nameserver in etc is on
 * loopback (127.0.0.53 with systemd-resolved), as podman does: the
 * upstream list's non-loopback nameservers with its other lines.  *out
 * NULL: etc serves as it is.  -1 when no resolver is left (no public
 * resolver is put in instead): err says so and what to do. */
int s2i_slirp_resolv_conf(char **out, const char *etc, const char *systemd,
                          struct s2i_error **err);
/* The same, read from those two files. */
int s2i_slirp_resolv_host(char **out, struct s2i_error **err);

#endif
