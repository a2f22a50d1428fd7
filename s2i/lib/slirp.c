#include "slirp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "xalloc.h"

#define READY_MS 10000

/* In the forked child: the ready and exit fds become 3 and 4, everything
 * else above stderr closes (s2i's pipes must not be held open by it). */
static void __attribute__((noreturn))
exec_slirp(pid_t target, int ready_w, int exit_r)
{
  char pid[32];
  char *const argv[] = {"slirp4netns",
                        "--configure",
                        "--mtu=65520",
                        "--enable-sandbox",
                        "--disable-host-loopback",
                        "--ready-fd=3",
                        "--exit-fd=4",
                        pid,
                        "tap0",
                        NULL};
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  /* above every fd in use first, so that no dup2 clobbers the other */
  int r = fcntl(ready_w, F_DUPFD_CLOEXEC, 1000);
  int x = fcntl(exit_r, F_DUPFD_CLOEXEC, 1000);

  prctl(PR_SET_PDEATHSIG, SIGKILL);
  /* --enable-sandbox pivots and detaches the old root in a mount namespace
   * of its own, but leaves the host's shared mounts shared there: the
   * detach then propagates and unmounts the host's /run/netns entries (podman's
   * network namespaces).  A private mount namespace first keeps every
   * unmount of slirp4netns to itself. */
  if (unshare(CLONE_NEWNS) < 0 ||
      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    _exit(126);
  snprintf(pid, sizeof(pid), "%d", (int)target);
  if (r < 0 || x < 0 || dup2(r, 3) < 0 || dup2(x, 4) < 0 || null < 0 ||
      dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
      (null >= 0 && dup2(null, 0) < 0))
    _exit(127);
  close_range(5, ~0U, 0);
  execvp(argv[0], argv);
  _exit(127);
}

static int wait_ready(int ready_r, pid_t pid, struct s2i_error **err)
{
  struct pollfd p = {.fd = ready_r, .events = POLLIN};
  char c;
  int st;

  if (poll(&p, 1, READY_MS) == 1 && read(ready_r, &c, 1) == 1)
    return 0;
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
    return s2i_error_make(err, 0,
                          "network: cannot run slirp4netns (install it, or "
                          "choose --network host or --network none)");
  return s2i_error_make(err, 0,
                        "network: slirp4netns did not configure the sandbox's "
                        "network (wait status 0x%x)",
                        (unsigned)st);
}

int s2i_slirp_start(struct s2i_slirp *s, pid_t target, struct s2i_error **err)
{
  int ready[2], ex[2];
  pid_t pid;

  memset(s, 0, sizeof(*s));
  /* Rootless, slirp4netns opens it as the caller: root's 0600 (some hosts
   * have that instead of udev's 0666) would fail it without a word. */
  if (access("/dev/net/tun", R_OK | W_OK) < 0)
    return s2i_error_make(err, errno,
                          "network: slirp4netns needs /dev/net/tun readable "
                          "and writable (udev's default mode is 0666; or "
                          "choose --network none or --network host)");
  if (pipe2(ready, O_CLOEXEC) < 0)
    return s2i_error_make(err, errno, "network: create a pipe");
  if (pipe2(ex, O_CLOEXEC) < 0) {
    close(ready[0]);
    close(ready[1]);
    return s2i_error_make(err, errno, "network: create a pipe");
  }
  pid = fork();
  if (pid == 0)
    exec_slirp(target, ready[1], ex[0]);
  close(ready[1]);
  close(ex[0]);
  if (pid < 0 || wait_ready(ready[0], pid, err) < 0) {
    close(ready[0]);
    close(ex[1]);
    return pid < 0 ? s2i_error_make(err, errno, "network: fork") : -1;
  }
  close(ready[0]);
  s->pid = pid;
  s->exit_w = ex[1];
  return 0;
}

void s2i_slirp_stop(struct s2i_slirp *s)
{
  if (s->pid <= 0)
    return;
  close(s->exit_w);
  while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
    ;
  memset(s, 0, sizeof(*s));
}

/* ---- name resolution ------------------------------------------------------
 */

#define RESOLV_MAX_NS 3 /* what glibc reads */

static int is_loopback(const char *addr)
{
  return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0 ||
         strcmp(addr, "0:0:0:0:0:0:0:1") == 0;
}

/* The address of a "nameserver ADDR" line, else NULL (in line, cut). */
static char *nameserver_of(char *line)
{
  char *save = NULL, *word = strtok_r(line, " \t", &save);

  if (word == NULL || strcmp(word, "nameserver") != 0)
    return NULL;
  return strtok_r(NULL, " \t#;", &save);
}

/* Count the nameservers of text, and those not on loopback. */
static void count_nameservers(const char *text, int *all, int *usable)
{
  cleanup_free char *copy = xstrdup(text ? text : "");
  char *save = NULL;

  *all = *usable = 0;
  for (char *l = strtok_r(copy, "\n", &save); l;
       l = strtok_r(NULL, "\n", &save)) {
    const char *ns = nameserver_of(l);
    if (ns == NULL)
      continue;
    (*all)++;
    *usable += !is_loopback(ns);
  }
}

/* systemd's text with its loopback nameservers (and those past glibc's
 * three) left out. */
static char *filter_upstream(const char *systemd)
{
  cleanup_free char *copy = xstrdup(systemd);
  char *out = xstrdup("# s2i: the host's resolvers are on loopback, out of "
                      "the build's reach; systemd-resolved's upstream list:\n");
  char *save = NULL;
  int kept = 0;

  for (char *l = strtok_r(copy, "\n", &save); l;
       l = strtok_r(NULL, "\n", &save)) {
    cleanup_free char *line = xstrdup(l);
    const char *ns = nameserver_of(l);
    char *next;
    if (line[0] == '#' || (ns && (is_loopback(ns) || kept >= RESOLV_MAX_NS)))
      continue;
    kept += ns != NULL;
    next = xasprintf("%s%s\n", out, line);
    free(out);
    out = next;
  }
  return out;
}

int s2i_slirp_resolv_conf(char **out, const char *etc, const char *systemd,
                          struct s2i_error **err)
{
  int all, usable;

  *out = NULL;
  count_nameservers(etc, &all, &usable);
  /* No nameserver at all: glibc asks loopback too, but so would the
   * image's own resolv.conf; nothing better to offer. */
  if (etc == NULL || all == 0 || usable > 0)
    return 0;
  count_nameservers(systemd, &all, &usable);
  if (usable > 0) {
    *out = filter_upstream(systemd);
    return 0;
  }
  return s2i_error_make(err, 0,
                        "network: /etc/resolv.conf names only resolvers on "
                        "loopback (as systemd-resolved's 127.0.0.53), which "
                        "the build's network cannot reach, and "
                        "/run/systemd/resolve/resolv.conf names no other: "
                        "name resolution in the build will fail (give the "
                        "host a resolv.conf with a reachable nameserver, or "
                        "choose --network host)");
}

int s2i_slirp_resolv_host(char **out, struct s2i_error **err)
{
  cleanup_free char *etc = NULL, *systemd = NULL;
  struct s2i_error *e = NULL;

  if (s2i_fs_read_regular(&etc, NULL, "/etc/resolv.conf", S2I_FS_READ_MAX, 0,
                          &e) < 0) {
    s2i_error_free(e);
    *out = NULL;
    return 0; /* none on the host: none to fix */
  }
  if (s2i_fs_read_regular(&systemd, NULL, "/run/systemd/resolve/resolv.conf",
                          S2I_FS_READ_MAX, 0, &e) < 0)
    s2i_error_free(e);
  return s2i_slirp_resolv_conf(out, etc, systemd, err);
}
