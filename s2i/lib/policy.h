/* The sandbox policy: what the user chose on the command line to confine
 * a build beyond its namespaces.  Its own header because both the sandbox
 * and the limits it applies (limits.h) read it, and neither should include
 * the other's header for it. */
#ifndef S2I_POLICY_H
#define S2I_POLICY_H

#include <stdint.h>

#include "strv.h"

/* What confines a command beyond its namespaces, as the user chose it on
 * the command line; a zeroed struct is the default: all of it on. */
struct s2i_sandbox_policy {
  int seccomp_unconfined; /* --security-opt seccomp=unconfined */
  /* --network host: share s2i's network namespace.  Default (unless the
   * opts say network_none): a private one with outbound access only
   * (slirp.h). */
  int network_host;
  /* --userns host: no user namespace, the builder's uid 0 is host root.
   * Default: userns.h. */
  int userns_host;
  /* Limits, named as podman names them (limits.h has the defaults). */
  uint64_t memory;    /* --memory bytes; 0: the default; UINT64_MAX: none */
  int64_t pids_limit; /* --pids-limit; 0: the default; -1: none */
  double cpus;        /* --cpus; 0: no limit */
  unsigned timeout;   /* --timeout seconds per command; 0: none */
  /* --cap-drop: bit N set drops capability N too (of Docker's set the
   * sandbox keeps); every command of the build */
  uint64_t cap_drop;
  /* -v HOST:CONTAINER[:ro|rw] bind mounts and --add-host HOST:IP lines of
   * /etc/hosts, as the original gives them to assemble and
   * save-artifacts (NULL: none) */
  const struct s2i_strv *volumes;
  const struct s2i_strv *add_hosts;
};

#endif
