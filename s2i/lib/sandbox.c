/* The build sandbox.  Process tree while a command runs:
 *
 *   s2i (parent)  --poll-->  output pipe, status pipe, ctx interrupt flag
 *    `- init      PID 1 of a new PID namespace: builds the root, pivots,
 *        |        forks the command, reaps every orphan, reports the
 *        |        command's raw wait status on the status pipe, exits
 *        `- command  (setgroups/setgid/setuid, chdir, execve)
 *
 * When init exits the kernel kills whatever is left in its PID namespace,
 * and its mount namespace (the only place any mount was made) goes with it.
 * Errors in init or in the command before execve travel to the parent on a
 * CLOEXEC pipe as {errno, message}: a successful execve closes it unseen. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "limits.h"
#include "log.h"
#include "overlay.h"
#include "rootless.h"
#include "rootpath.h"
#include "slirp.h"
#include "syscall_filter.h"
#include "userns.h"
#include "volume.h"
#include "xalloc.h"

/* Exit status of init when the sandbox could not be set up (as podman). */
#define INIT_SETUP_FAILED 125
#define POLL_MS 100 /* bounds how late a flag set by a thread is noticed */

struct sandbox {
  const struct s2i_ctx *ctx;
  const struct s2i_sandbox_opts *o;
  char *root;   /* empty host dir the overlay is mounted on (in init only) */
  int stdin_fd; /* opts->stdin_fd, or our /dev/null */
  int out_r, out_w;       /* command output; -1 when inherited */
  int err_r, err_w;       /* {errno, text} from init or the command */
  int status_r, status_w; /* raw wait status; EOF once init is gone */
  struct s2i_limits *limits;
  int net_r, net_w; /* init -> parent: its network namespace exists */
  int go_r, go_w;   /* parent -> init: slirp4netns has configured it */
  struct s2i_slirp slirp;
  struct s2i_userns userns; /* fd -1: --userns host */
  char *idmap;  /* empty host dir for the idmapped layer mounts (in init) */
  char *resolv; /* the resolv.conf slirp.h chose; NULL: the host's */
  struct timespec deadline; /* --timeout; tv_sec 0: none */
  char *hosts;              /* --add-host: the /etc/hosts file mounted in */
  int made_etc_hosts;       /* the image had none: the mount point is removed */
};

enum net_mode { NET_SLIRP, NET_NONE, NET_HOST };

static enum net_mode net_mode(const struct s2i_sandbox_opts *o)
{
  if (o->network_none)
    return NET_NONE;
  return o->policy && o->policy->network_host ? NET_HOST : NET_SLIRP;
}

/* What a child sends on the error pipe: one write, so it arrives whole. */
struct child_report {
  int errnum;
  char msg[1024];
};

static const char *const dev_nodes[] = {"null",   "zero",    "full",
                                        "random", "urandom", "tty"};
static const char *const dev_links[][2] = {
    {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
    {"ptmx", "pts/ptmx"},
};

/* ---- in the children ----------------------------------------------------- */

static void __attribute__((noreturn))
child_fail(int err_w, struct s2i_error *err, int code)
{
  struct child_report r;
  size_t n;

  memset(&r, 0, sizeof(r));
  r.errnum = err ? err->errnum : 0;
  snprintf(r.msg, sizeof(r.msg), "%s", err ? err->msg : "unknown error");
  n = offsetof(struct child_report, msg) + strlen(r.msg);
  if (write(err_w, &r, n) < 0) {
    /* nobody is listening: the parent is gone */
  }
  _exit(code);
}

/* A mount point the image must already have as a real directory: following
 * an image's symlink here would mount onto a host path. */
static int ensure_dir(const char *path, struct s2i_error **err)
{
  struct stat st;

  if (lstat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode))
      return 0;
    return s2i_error_make(err, 0, "%s is not a directory in the image", path);
  }
  /* Images without /proc or /dev get them in the upper dir, as runc does. */
  if (errno != ENOENT || mkdir(path, 0755) < 0)
    return s2i_error_make(err, errno, "create mount point %s", path);
  return 0;
}

static int mount_at(const char *src, const char *dst, const char *type,
                    unsigned long flags, const char *data,
                    struct s2i_error **err)
{
  if (mount(src, dst, type, flags, data) < 0)
    return s2i_error_make(err, errno, "mount %s on %s", type ? type : src, dst);
  return 0;
}

static int bind_readonly(const char *src, const char *dst,
                         struct s2i_error **err)
{
  unsigned long ro = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV;

  if (mount_at(src, dst, NULL, MS_BIND | MS_REC, NULL, err) < 0)
    return -1;
  return mount_at(NULL, dst, NULL, ro, NULL, err);
}

static int mount_proc(const char *root, struct s2i_error **err)
{
  cleanup_free char *proc = s2i_fs_join(root, "proc");
  cleanup_free char *sys = s2i_fs_join(proc, "sys");
  cleanup_free char *sysrq = s2i_fs_join(proc, "sysrq-trigger");

  if (ensure_dir(proc, err) < 0 ||
      mount_at("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
               err) < 0)
    return -1;
  /* Without a user namespace, root in here is root on the host: keep the
   * host-wide kernel knobs read-only so a build cannot change them (by
   * accident: root could undo it).  Kernels may lack either file. */
  if (s2i_fs_exists(sys) && bind_readonly(sys, sys, err) < 0)
    return -1;
  if (s2i_fs_exists(sysrq) && bind_readonly(sysrq, sysrq, err) < 0)
    return -1;
  return 0;
}

static int bind_dev_node(const char *dev, const char *name,
                         struct s2i_error **err)
{
  cleanup_free char *host = xasprintf("/dev/%s", name);
  cleanup_free char *node = s2i_fs_join(dev, name);
  int fd;

  if (!s2i_fs_exists(host))
    return 0; /* e.g. no /dev/tty on a CI runner: leave it out */
  fd = open(node, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0)
    return s2i_error_make(err, errno, "create %s", node);
  close(fd);
  return mount_at(host, node, NULL, MS_BIND, NULL, err);
}

static int mount_dev_sub(const char *dev, const char *name, const char *type,
                         unsigned long flags, const char *data,
                         struct s2i_error **err)
{
  cleanup_free char *dir = s2i_fs_join(dev, name);

  if (mkdir(dir, 0755) < 0)
    return s2i_error_make(err, errno, "create %s", dir);
  return mount_at(type, dir, type, flags, data, err);
}

/* A fresh tmpfs /dev: the image's own /dev stays untouched, and every mount
 * point lives in the tmpfs. */
static int mount_dev(const char *root, struct s2i_error **err)
{
  cleanup_free char *dev = s2i_fs_join(root, "dev");

  if (ensure_dir(dev, err) < 0 ||
      mount_at("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME,
               "mode=755,size=65536k", err) < 0)
    return -1;
  for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++)
    if (bind_dev_node(dev, dev_nodes[i], err) < 0)
      return -1;
  if (mount_dev_sub(dev, "pts", "devpts", MS_NOSUID | MS_NOEXEC,
                    "newinstance,ptmxmode=0666,mode=0620", err) < 0 ||
      mount_dev_sub(dev, "shm", "tmpfs", MS_NOSUID | MS_NODEV,
                    "mode=1777,size=65536k", err) < 0)
    return -1;
  for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++) {
    cleanup_free char *link = s2i_fs_join(dev, dev_links[i][0]);
    if (symlink(dev_links[i][1], link) < 0)
      return s2i_error_make(err, errno, "create %s", link);
  }
  return 0;
}

/* Host name resolution for --network host, only over files the image
 * already has (never adding files to the new layer).  lstat on both steps so
 * an image symlink cannot redirect the mount to a host path. */
static int bind_host_file(const char *root, const char *rel, const char *src,
                          struct s2i_error **err)
{
  cleanup_free char *etc = s2i_fs_join(root, "etc");
  cleanup_free char *target = s2i_fs_join(root, rel);
  cleanup_free char *host = src ? xstrdup(src) : xasprintf("/%s", rel);
  struct stat st;

  if (lstat(etc, &st) < 0 || !S_ISDIR(st.st_mode))
    return 0;
  if (lstat(target, &st) < 0 || !S_ISREG(st.st_mode) || !s2i_fs_exists(host))
    return 0;
  return bind_readonly(host, target, err);
}

static char *dir_of(const char *path)
{
  char *d = xstrdup(path);
  size_t n = strlen(d);
  char *slash;

  while (n > 1 && d[n - 1] == '/')
    d[--n] = '\0';
  slash = strrchr(d, '/');
  if (slash == NULL) {
    free(d);
    return xstrdup(".");
  }
  slash[slash == d ? 1 : 0] = '\0';
  return d;
}

static const char *base_name(const char *path)
{
  const char *slash = strrchr(path, '/');

  return slash ? slash + 1 : path;
}

/* Overlay works on its upper dir with the credentials of whoever mounted
 * it; through an idmapped mount host uid 0 maps to nothing (EOVERFLOW, and
 * overlay falls back to read-only).  So mount as fsuid/fsgid = the
 * namespace's root, which maps to 0 on disk, capabilities kept. */
static int full_caps(void)
{
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];

  if (syscall(SYS_capget, &h, d) < 0)
    return -1;
  d[0].effective = d[0].permitted;
  d[1].effective = d[1].permitted;
  return (int)syscall(SYS_capset, &h, d);
}

static int mount_overlay_as(const struct sandbox *sb,
                            const struct s2i_strv *lowers, const char *upper,
                            const char *work, struct s2i_error **err)
{
  int ret;

  setfsgid(sb->userns.gid);
  setfsuid(sb->userns.uid);
  if (full_caps() < 0)
    return s2i_error_make(err, errno, "keep capabilities for the overlay");
  ret = s2i_overlay_mount(lowers, upper, work, sb->root, err);
  setfsuid(0);
  setfsgid(0);
  return ret;
}

/* Each layer dir, and the dir holding upper and work (overlay wants both
 * on one mount), idmapped below sb->idmap (a tmpfs, gone with init's
 * mount namespace); the overlay is made of those. */
static int mount_idmapped_overlay(const struct sandbox *sb,
                                  struct s2i_error **err)
{
  const struct s2i_sandbox_opts *o = sb->o;
  cleanup_free char *parent = dir_of(o->upper), *wparent = dir_of(o->work);
  cleanup_free char *u = s2i_fs_join(sb->idmap, "u");
  cleanup_free char *upper = s2i_fs_join(u, base_name(o->upper));
  cleanup_free char *work = s2i_fs_join(u, base_name(o->work));
  struct s2i_strv lowers = S2I_STRV_INIT;
  int ret = 0;

  if (strcmp(parent, wparent) != 0)
    return s2i_error_make(err, 0, "overlay: %s and %s are not in one directory",
                          o->upper, o->work);
  if (mount_at("tmpfs", sb->idmap, "tmpfs", MS_NOSUID | MS_NODEV, "mode=700",
               err) < 0)
    return -1;
  if (mkdir(u, 0700) < 0)
    return s2i_error_make(err, errno, "create %s", u);
  if (s2i_userns_idmap(&sb->userns, parent, u, err) < 0)
    return -1;
  for (size_t i = 0; i < o->lowers->n && ret == 0; i++) {
    char *l = xasprintf("%s/l%zu", sb->idmap, i);
    s2i_strv_take(&lowers, l);
    if (mkdir(l, 0700) < 0)
      ret = s2i_error_make(err, errno, "create %s", l);
    else
      ret = s2i_userns_idmap(&sb->userns, o->lowers->v[i], l, err);
  }
  if (ret == 0)
    ret = mount_overlay_as(sb, &lowers, upper, work, err);
  s2i_strv_free(&lowers);
  return ret;
}

/* -v and --add-host: mount points made as the image's root (the overlay
 * is idmapped: host root is no id there), the mounts as host root. */
static int mount_extras(const struct sandbox *sb, struct s2i_error **err)
{
  const struct s2i_sandbox_policy *p = sb->o->policy;
  int r;

  if (p == NULL || ((p->volumes == NULL || p->volumes->n == 0) &&
                    (p->add_hosts == NULL || p->add_hosts->n == 0)))
    return 0;
  if (sb->userns.fd >= 0) {
    setfsgid(sb->userns.gid);
    setfsuid(sb->userns.uid);
    if (full_caps() < 0)
      return s2i_error_make(err, errno, "keep capabilities for -v");
  }
  r = s2i_volume_make_points(p->volumes, p->add_hosts, sb->root, err);
  setfsuid(0);
  setfsgid(0);
  if (r < 0 || s2i_volume_mount_all(p->volumes, sb->root, &sb->userns, err) < 0)
    return -1;
  return s2i_volume_mount_hosts(p->add_hosts, sb->root, sb->hosts, err);
}

/* An image without /proc or /dev gets them in the upper dir, made as
 * the image's root: host root has no id on the idmapped overlay
 * (EOVERFLOW).  ensure_dir then checks what is there. */
static int make_system_dirs(const struct sandbox *sb, struct s2i_error **err)
{
  static const char *const dirs[] = {"proc", "dev"};
  struct stat st;

  if (sb->userns.fd < 0)
    return 0;
  setfsgid(sb->userns.gid);
  setfsuid(sb->userns.uid);
  if (full_caps() < 0)
    return s2i_error_make(err, errno, "keep capabilities for /proc");
  for (size_t i = 0; i < 2; i++) {
    cleanup_free char *p = s2i_fs_join(sb->root, dirs[i]);
    if (lstat(p, &st) < 0 && errno == ENOENT)
      (void)mkdir(p, 0755);
  }
  setfsuid(0);
  setfsgid(0);
  return 0;
}

static int build_root(const struct sandbox *sb, struct s2i_error **err)
{
  const struct s2i_sandbox_opts *o = sb->o;
  int r = sb->userns.fd >= 0
              ? mount_idmapped_overlay(sb, err)
              : s2i_overlay_mount(o->lowers, o->upper, o->work, sb->root, err);

  if (r < 0 || make_system_dirs(sb, err) < 0 || mount_proc(sb->root, err) < 0 ||
      mount_dev(sb->root, err) < 0)
    return -1;
  if (net_mode(o) != NET_NONE &&
      (bind_host_file(sb->root, "etc/resolv.conf", sb->resolv, err) < 0 ||
       bind_host_file(sb->root, "etc/hosts", NULL, err) < 0))
    return -1;
  return mount_extras(sb, err);
}

/* A new network namespace starts with lo down; builds expect localhost. */
static int loopback_up(struct s2i_error **err)
{
  cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr;

  if (s < 0)
    return s2i_error_make(err, errno, "socket for lo");
  memset(&ifr, 0, sizeof(ifr));
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
    return s2i_error_make(err, errno, "read flags of lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
    return s2i_error_make(err, errno, "bring lo up");
  return 0;
}

static int pivot_into(const char *root, struct s2i_error **err)
{
  if (chdir(root) < 0)
    return s2i_error_make(err, errno, "chdir %s", root);
  /* pivot_root(".", ".") stacks the old root under the new one; detaching
   * it leaves no path to the host file system. */
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    return s2i_error_make(err, errno, "pivot_root into %s", root);
  if (umount2(".", MNT_DETACH) < 0)
    return s2i_error_make(err, errno, "detach the host root");
  if (chdir("/") < 0)
    return s2i_error_make(err, errno, "chdir /");
  return 0;
}

/* fds >= 3 except those in keep (ascending, -1 ignored): inherited host
 * fds (directories above all) would be a way out of the pivoted root. */
static void close_other_fds(const int *keep, size_t n)
{
  unsigned lo = 3;

  for (size_t i = 0; i < n; i++) {
    if (keep[i] < (int)lo)
      continue;
    if ((unsigned)keep[i] > lo)
      close_range(lo, (unsigned)keep[i] - 1, 0);
    lo = (unsigned)keep[i] + 1;
  }
  close_range(lo, ~0U, 0);
}

static void sort3(int *v)
{
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2 - i; j++)
      if (v[j] > v[j + 1]) {
        int t = v[j];
        v[j] = v[j + 1];
        v[j + 1] = t;
      }
}

static int setup_stdio(const struct sandbox *sb, struct s2i_error **err)
{
  int keep[3] = {sb->err_w, sb->status_w, sb->userns.fd};

  if (dup2(sb->stdin_fd, 0) < 0)
    return s2i_error_make(err, errno, "set up stdin");
  if (sb->out_w >= 0 && (dup2(sb->out_w, 1) < 0 || dup2(sb->out_w, 2) < 0))
    return s2i_error_make(err, errno, "set up stdout/stderr");
  if (sb->o->stdout_fd > 0 && dup2(sb->o->stdout_fd, 1) < 0)
    return s2i_error_make(err, errno, "set up stdout");
  sort3(keep);
  close_other_fds(keep, 3);
  return 0;
}

static void reset_signals(void)
{
  sigset_t none;

  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int sig = 1; sig < NSIG; sig++)
    signal(sig, SIG_DFL); /* fails harmlessly for KILL, STOP, glibc's own */
}

/* The read end of a pipe only the parent holds: gone means s2i is gone. */
static int parent_gone(int fd)
{
  struct pollfd p = {.fd = fd, .events = POLLOUT};

  return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

/* Tell the parent our network namespace exists; wait until slirp4netns
 * has configured it (EOF: the parent gave up). */
static int await_network(const struct sandbox *sb)
{
  char c = 'n';

  if (write(sb->net_w, &c, 1) != 1)
    return 0;
  while (read(sb->go_r, &c, 1) < 0)
    if (errno != EINTR)
      return 0;
  return c == 'g';
}

static int init_setup(const struct sandbox *sb, struct s2i_error **err)
{
  const char *name = sb->o->hostname ? sb->o->hostname : "s2i-build";

  prctl(PR_SET_PDEATHSIG, SIGKILL);
  /* s2i's handlers and masks are not init's: an ignored SIGCHLD, above
   * all, would make the kernel reap the command before init sees it. */
  reset_signals();
  setsid(); /* the terminal's ^C goes to s2i, which decides */
  if (net_mode(sb->o) == NET_SLIRP && !await_network(sb))
    _exit(INIT_SETUP_FAILED); /* the parent reports why */
  if (setup_stdio(sb, err) < 0)
    return -1;
  if (parent_gone(sb->status_w))
    _exit(INIT_SETUP_FAILED); /* died before PDEATHSIG was armed */
  if (s2i_limits_enter(sb->limits, err) < 0)
    return -1;
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return s2i_error_make(err, errno, "make / private");
  if (build_root(sb, err) < 0)
    return -1;
  if (net_mode(sb->o) != NET_HOST && loopback_up(err) < 0)
    return -1;
  /* A container's seccomp profile (podman's, Kubernetes' RuntimeDefault)
   * refuses sethostname without CAP_SYS_ADMIN even in a UTS namespace of
   * our own: the name is cosmetic, the namespace is still private. */
  if (sethostname(name, strlen(name)) < 0 &&
      !(errno == EPERM && s2i_rootless_in_userns()))
    return s2i_error_make(err, errno, "set host name %s", name);
  if (pivot_into(sb->root, err) < 0)
    return -1;
  /* last: every mount above needed host root */
  if (sb->userns.fd < 0)
    return 0;
  if (s2i_userns_enter(&sb->userns, err) < 0)
    return -1;
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* the id change cleared it */
  if (parent_gone(sb->status_w))
    _exit(INIT_SETUP_FAILED);
  return 0;
}

/* Docker's default capability set less CAP_MKNOD and CAP_NET_RAW (there
 * is no device cgroup here to stop a root assemble from opening a host
 * disk through a node it made). */
static int cap_kept(int cap)
{
  static const int kept[] = {
      CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
      CAP_SETGID, CAP_SETUID,       CAP_SETFCAP,          CAP_SETPCAP,
      CAP_KILL,   CAP_SYS_CHROOT,   CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE,
  };

  for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
    if (kept[i] == cap)
      return 1;
  return 0;
}

/* What assemble may do even as root: no capability beyond cap_kept()
 * survives its execve, and setuid files grant nothing (no_new_privs). */
static int drop_privileges(const struct s2i_sandbox_policy *p,
                           struct s2i_error **err)
{
  uint64_t drop = p ? p->cap_drop : 0;

  for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
    if ((!cap_kept(cap) || (cap < 64 && (drop >> cap) & 1)) &&
        prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      return s2i_error_make(err, errno, "drop capability %d", cap);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return s2i_error_make(err, errno, "set no_new_privs");
  return 0;
}

/* A rootless build with one id mapped had to give up setgroups(2) to map
 * its gid (rootless.c): the caller's groups stay, as rootless podman's. */
static int drop_groups(void)
{
  if (setgroups(0, NULL) == 0)
    return 0;
  return errno == EPERM && s2i_rootless_single_id() ? 0 : -1;
}

static void __attribute__((noreturn))
run_command(const struct sandbox *sb, int (*fn)(void *), void *fn_ctx)
{
  static char *const no_env[] = {NULL};
  const struct s2i_sandbox_opts *o = sb->o;
  const char *cwd = o->cwd ? o->cwd : "/";
  struct s2i_error *err = NULL;
  int e, code;

  if (drop_privileges(o->policy, &err) < 0)
    child_fail(sb->err_w, err, 126);
  if (drop_groups() < 0 || setgid(o->gid) < 0 || setuid(o->uid) < 0) {
    s2i_error_make(&err, errno, "switch to uid %u gid %u", (unsigned)o->uid,
                   (unsigned)o->gid);
    child_fail(sb->err_w, err, 126);
  }
  if (chdir(cwd) < 0) {
    s2i_error_make(&err, errno, "chdir %s", cwd);
    child_fail(sb->err_w, err, 126);
  }
  /* last: the filter also refuses what the set-up above needed */
  if (!(o->policy && o->policy->seccomp_unconfined) &&
      s2i_syscall_filter_load(&err) < 0)
    child_fail(sb->err_w, err, 126);
  if (fn != NULL) {
    code = fn(fn_ctx);
    fflush(NULL); /* _exit skips stdio, and fn may have printed */
    _exit(code & 0xff);
  }
  execve(o->argv[0], (char *const *)o->argv,
         o->envp ? (char *const *)o->envp : no_env);
  e = errno;
  code = e == ENOENT ? 127 : 126;
  s2i_error_make(&err, 0, "%s (exit %d)", strerror(e), code);
  err->errnum = e;
  child_fail(sb->err_w, err, code);
}

/* PID 1: reap everything until the command itself ends.  Background
 * processes the command left behind are not waited for: init's exit makes
 * the kernel kill them, as a container ends with its main process. */
static int reap_until(pid_t cmd)
{
  int st = 0;

  for (;;) {
    pid_t w = waitpid(-1, &st, 0);
    if (w == cmd)
      return st;
    if (w < 0 && errno != EINTR)
      _exit(INIT_SETUP_FAILED);
  }
}

/* {wait status, 1 when it is then_fn's} */
static void __attribute__((noreturn))
report_status(int st, int from_then, int status_w)
{
  int report[2] = {st, from_then};

  if (write(status_w, report, sizeof(report)) < 0) {
    /* the parent is gone; nobody to tell */
  }
  _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static pid_t spawn(const struct sandbox *sb, int (*fn)(void *), void *fn_ctx)
{
  struct s2i_error *err = NULL;
  pid_t pid = fork();

  if (pid < 0) {
    s2i_error_make(&err, errno, "sandbox setup: fork");
    child_fail(sb->err_w, err, INIT_SETUP_FAILED);
  }
  if (pid == 0)
    run_command(sb, fn, fn_ctx);
  return pid;
}

/* The command, then (when it succeeded) then_fn, in the same sandbox: one
 * set-up for both, which is most of a small build's sandbox cost. */
static void __attribute__((noreturn)) init_main(const struct sandbox *sb)
{
  const struct s2i_sandbox_opts *o = sb->o;
  struct s2i_error *err = NULL;
  int st, from_then = 0;

  if (init_setup(sb, &err) < 0) {
    s2i_error_prefix(&err, "sandbox setup");
    child_fail(sb->err_w, err, INIT_SETUP_FAILED);
  }
  st = reap_until(spawn(sb, o->fn, o->fn_ctx));
  if (o->then_fn && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
    st = reap_until(spawn(sb, o->then_fn, o->then_ctx));
    from_then = 1;
  }
  close(sb->err_w);
  report_status(st, from_then, sb->status_w);
}

static int kill_init(const struct sandbox *sb, pid_t pid,
                     struct s2i_error **err)
{
  kill(pid, SIGKILL); /* PID 1 dying takes its whole namespace down */
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return s2i_ctx_check_interrupt(sb->ctx, err);
}

/* The one place where the sandbox's namespaces are made (a rootless s2i
 * is already in a user, mount and PID namespace of its own, rootless.h:
 * these are made inside it, and then it owns them).
 * unshare(CLONE_NEWPID)+fork rather than a raw clone(): glibc's fork keeps
 * malloc usable in the child even when s2i has other threads. */
static pid_t spawn_init(const struct sandbox *sb, struct s2i_error **err)
{
  int flags = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS;
  cleanup_close int own_ns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
  pid_t pid;
  int fork_errno;

  if (net_mode(sb->o) != NET_HOST)
    flags |= CLONE_NEWNET;
  if (own_ns < 0)
    return s2i_error_make(err, errno, "open /proc/self/ns/pid");
  if (unshare(CLONE_NEWPID) < 0)
    return s2i_error_make(err, errno, "create a PID namespace");
  pid = fork();
  if (pid == 0) {
    struct s2i_error *cerr = NULL;
    if (unshare(flags) < 0) {
      s2i_error_make(&cerr, errno, "sandbox setup: create namespaces");
      child_fail(sb->err_w, cerr, INIT_SETUP_FAILED);
    }
    init_main(sb);
  }
  fork_errno = errno;
  /* Our own later children (git, other sandboxes) belong in our namespace. */
  if (setns(own_ns, CLONE_NEWPID) < 0) {
    s2i_error_make(err, errno, "return to our own PID namespace");
    if (pid > 0)
      kill_init(sb, pid, NULL);
    return -1;
  }
  if (pid < 0)
    return s2i_error_make(err, fork_errno, "fork the sandbox init");
  return pid;
}

/* ---- in the parent ------------------------------------------------------- */

/* What error messages call the command. */
static const char *command_name(const struct s2i_sandbox_opts *o)
{
  return o->fn ? "s2i function" : o->argv[0];
}

/* pipe2 with both ends above stdio, so the child's dup2 onto 0..2 can never
 * clobber them. */
static int pipe_high(int *r, int *w, struct s2i_error **err)
{
  int p[2];

  if (pipe2(p, O_CLOEXEC) < 0)
    return s2i_error_make(err, errno, "create a pipe");
  for (int i = 0; i < 2; i++) {
    if (p[i] > 2)
      continue;
    int hi = fcntl(p[i], F_DUPFD_CLOEXEC, 3);
    close(p[i]);
    p[i] = hi;
  }
  *r = p[0];
  *w = p[1];
  return p[0] < 0 || p[1] < 0 ? s2i_error_make(err, errno, "create a pipe") : 0;
}

static void close_fd(int *fd)
{
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

/* --add-host: a file for init to fill and mount over /etc/hosts. */
static int prepare_hosts(struct sandbox *sb, const char *parent,
                         struct s2i_error **err)
{
  const struct s2i_sandbox_policy *p = sb->o->policy;
  cleanup_free char *mine = NULL, *found = NULL;
  int fd;

  if (p == NULL || p->add_hosts == NULL || p->add_hosts->n == 0)
    return 0;
  sb->hosts = xasprintf("%s/sandbox-hosts-XXXXXX", parent);
  if ((fd = mkstemp(sb->hosts)) < 0)
    return s2i_error_make(err, errno, "create %s", sb->hosts);
  close(fd);
  (void)chmod(sb->hosts, 0644);
  mine = s2i_fs_join(sb->o->upper, "etc/hosts");
  found = s2i_rootpath_find(sb->o->lowers, "/etc/hosts");
  sb->made_etc_hosts = found == NULL && !s2i_fs_exists(mine);
  return 0;
}

static void release_hosts(struct sandbox *sb)
{
  if (sb->hosts == NULL)
    return;
  unlink(sb->hosts);
  free(sb->hosts);
  sb->hosts = NULL;
  if (sb->made_etc_hosts) { /* the mount point init made in the upper dir */
    cleanup_free char *mine = s2i_fs_join(sb->o->upper, "etc/hosts");
    unlink(mine);
  }
}

static void sandbox_release(struct sandbox *sb)
{
  int *fds[] = {&sb->out_r,    &sb->out_w,    &sb->err_r, &sb->err_w,
                &sb->status_r, &sb->status_w, &sb->net_r, &sb->net_w,
                &sb->go_r,     &sb->go_w};

  s2i_slirp_stop(&sb->slirp);

  for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
    close_fd(fds[i]);
  if (sb->stdin_fd != sb->o->stdin_fd)
    close_fd(&sb->stdin_fd);
  /* Only init's namespace ever had a mount on it, so it is empty now. */
  if (sb->root != NULL && rmdir(sb->root) < 0)
    s2i_log_warn(sb->ctx, "cannot remove %s: %s", sb->root, strerror(errno));
  free(sb->root);
  sb->root = NULL;
  if (sb->idmap != NULL && rmdir(sb->idmap) < 0)
    s2i_log_warn(sb->ctx, "cannot remove %s: %s", sb->idmap, strerror(errno));
  free(sb->idmap);
  sb->idmap = NULL;
  if (sb->resolv != NULL && unlink(sb->resolv) < 0)
    s2i_log_warn(sb->ctx, "cannot remove %s: %s", sb->resolv, strerror(errno));
  free(sb->resolv);
  sb->resolv = NULL;
  s2i_userns_close(&sb->userns);
  s2i_limits_free(sb->limits);
  sb->limits = NULL;
  release_hosts(sb);
}

/* The host's loopback resolvers are out of the slirp network's reach: a
 * resolv.conf of reachable ones (slirp.h), next to the work dir.  None
 * left is a warning: a build that needs no names still works. */
static int prepare_resolv(struct sandbox *sb, const char *parent,
                          struct s2i_error **err)
{
  cleanup_free char *text = NULL;
  struct s2i_error *e = NULL;
  int fd;

  if (s2i_slirp_resolv_host(&text, &e) < 0) {
    s2i_log_warn(sb->ctx, "%s", e->msg);
    s2i_error_free(e);
    return 0;
  }
  if (text == NULL)
    return 0;
  sb->resolv = xasprintf("%s/sandbox-resolv-XXXXXX", parent);
  fd = mkostemp(sb->resolv, O_CLOEXEC);
  if (fd < 0) {
    s2i_error_make(err, errno, "create %s", sb->resolv);
    free(sb->resolv);
    sb->resolv = NULL;
    return -1;
  }
  if (fchmod(fd, 0644) < 0 || s2i_fs_write_all(fd, text, strlen(text)) < 0) {
    close(fd);
    return s2i_error_make(err, errno, "write %s", sb->resolv);
  }
  close(fd);
  s2i_log_debug(sb->ctx, 1, "resolv.conf for the build: %s", text);
  return 0;
}

static int sandbox_prepare(struct sandbox *sb, struct s2i_error **err)
{
  const struct s2i_sandbox_opts *o = sb->o;
  cleanup_free char *parent = dir_of(o->work);

  if (o->stdin_fd < 0) {
    sb->stdin_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (sb->stdin_fd < 0)
      return s2i_error_make(err, errno, "open /dev/null");
  }
  /* Next to the work dir: the caller already owns that place. */
  if (s2i_fs_mkdtemp(&sb->root, parent, "sandbox-root-", err) < 0)
    return -1;
  /* Already in a user namespace (rootless.h): that one is the builder's;
   * an idmapped mount would need host root. */
  if (!(o->policy && o->policy->userns_host) && !s2i_rootless_in_userns() &&
      (s2i_userns_create(&sb->userns, err) < 0 ||
       s2i_fs_mkdtemp(&sb->idmap, parent, "sandbox-idmap-", err) < 0))
    return -1;
  if (prepare_hosts(sb, parent, err) < 0)
    return -1;
  if (o->policy && o->policy->timeout) {
    clock_gettime(CLOCK_MONOTONIC, &sb->deadline);
    sb->deadline.tv_sec += o->policy->timeout;
  }
  if (o->on_output && pipe_high(&sb->out_r, &sb->out_w, err) < 0)
    return -1;
  if (pipe_high(&sb->err_r, &sb->err_w, err) < 0)
    return -1;
  if (net_mode(o) == NET_SLIRP && (pipe_high(&sb->net_r, &sb->net_w, err) < 0 ||
                                   pipe_high(&sb->go_r, &sb->go_w, err) < 0 ||
                                   prepare_resolv(sb, parent, err) < 0))
    return -1;
  return pipe_high(&sb->status_r, &sb->status_w, err);
}

static int read_output(struct sandbox *sb)
{
  char buf[8192];
  ssize_t n = read(sb->out_r, buf, sizeof(buf));

  if (n > 0)
    sb->o->on_output(buf, (size_t)n, sb->o->output_ctx);
  else if (n == 0 || (errno != EINTR && errno != EAGAIN))
    close_fd(&sb->out_r);
  return n > 0;
}

static void read_status(struct sandbox *sb, char *buf, size_t *have)
{
  ssize_t n = read(sb->status_r, buf + *have, 2 * sizeof(int) - *have);

  if (n > 0)
    *have += (size_t)n;
  else if (n == 0 || errno != EINTR)
    close_fd(&sb->status_r);
}

static int past_deadline(const struct sandbox *sb)
{
  struct timespec now;

  if (sb->deadline.tv_sec == 0)
    return 0;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec > sb->deadline.tv_sec ||
         (now.tv_sec == sb->deadline.tv_sec &&
          now.tv_nsec >= sb->deadline.tv_nsec);
}

static int timed_out(struct sandbox *sb, pid_t pid, struct s2i_error **err)
{
  kill_init(sb, pid, NULL);
  s2i_error_make(err, 0,
                 "run %s: still running after the --timeout of %u s "
                 "(killed; --timeout raises it)",
                 command_name(sb->o), sb->o->policy->timeout);
  return s2i_error_set_exit(err, S2I_EXIT_ASSEMBLE);
}

/* Stream output until init closes the status pipe, i.e. until it exits. */
static int watch(struct sandbox *sb, pid_t pid, int *raw, int *have_raw,
                 struct s2i_error **err)
{
  char buf[2 * sizeof(int)];
  size_t have = 0;

  while (sb->status_r >= 0) {
    struct pollfd p[2] = {{.fd = sb->status_r, .events = POLLIN},
                          {.fd = sb->out_r, .events = POLLIN}};
    if (s2i_ctx_interrupted(sb->ctx))
      return kill_init(sb, pid, err);
    if (past_deadline(sb))
      return timed_out(sb, pid, err);
    if (poll(p, sb->out_r >= 0 ? 2 : 1, POLL_MS) < 0 && errno != EINTR) {
      kill_init(sb, pid, err);
      return s2i_error_make(err, errno, "poll the sandbox");
    }
    if (sb->out_r >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
      read_output(sb);
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
      read_status(sb, buf, &have);
  }
  *have_raw = have == sizeof(buf);
  if (*have_raw) {
    memcpy(raw, buf, sizeof(int));
    if (sb->o->then_failed)
      memcpy(sb->o->then_failed, buf + sizeof(int), sizeof(int));
  }
  return 0;
}

/* After init is reaped every writer is dead: what is left is buffered. */
static void drain_output(struct sandbox *sb)
{
  if (sb->out_r < 0)
    return;
  fcntl(sb->out_r, F_SETFL, O_NONBLOCK);
  while (sb->out_r >= 0 && read_output(sb))
    ;
}

static int child_error(struct sandbox *sb, struct s2i_error **err)
{
  struct child_report r;
  ssize_t n;

  memset(&r, 0, sizeof(r));
  fcntl(sb->err_r, F_SETFL, O_NONBLOCK);
  n = read(sb->err_r, &r, sizeof(r) - 1);
  if (n <= (ssize_t)offsetof(struct child_report, msg))
    return 0;
  s2i_error_make(err, 0, "run %s: %s", command_name(sb->o), r.msg);
  (*err)->errnum = r.errnum;
  return -1;
}

/* A command that failed after hitting a limit: say which, and which flag
 * raises it, rather than leave "killed by signal 9" to guess from. */
static int explain_failure(const struct sandbox *sb, int status,
                           struct s2i_error **err)
{
  cleanup_free char *what = NULL;

  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  what = xasprintf("run %s", command_name(sb->o));
  if (s2i_limits_explain(sb->limits, what, err) < 0)
    return s2i_error_set_exit(err, S2I_EXIT_ASSEMBLE);
  return 0;
}

/* Once init has its network namespace: slirp4netns on it, then let init
 * go on.  On failure init is killed (it sees EOF and exits). */
static int start_network(struct sandbox *sb, pid_t pid, struct s2i_error **err)
{
  char c = 0;

  close_fd(&sb->net_w);
  close_fd(&sb->go_r);
  while (read(sb->net_r, &c, 1) < 0 && errno == EINTR)
    ;
  if (c == 'n' && s2i_slirp_start(&sb->slirp, pid, err) == 0 &&
      write(sb->go_w, "g", 1) == 1)
    return 0;
  kill_init(sb, pid, NULL);
  if (c != 'n' && child_error(sb, err) < 0)
    return -1;
  if (c != 'n' || sb->slirp.pid > 0)
    return s2i_error_make(err, 0, "run %s: sandbox setup: network",
                          command_name(sb->o));
  return -1;
}

static int finish(struct sandbox *sb, pid_t pid, int *status,
                  struct s2i_error **err)
{
  int raw = 0, have_raw = 0, init_st = 0;

  if (watch(sb, pid, &raw, &have_raw, err) < 0)
    return -1;
  while (waitpid(pid, &init_st, 0) < 0 && errno == EINTR)
    ;
  drain_output(sb);
  *status = have_raw ? raw : init_st;
  if (child_error(sb, err) < 0)
    return -1;
  if (!have_raw)
    return s2i_error_make(err, 0,
                          "run %s: the sandbox init ended (wait status 0x%x) "
                          "without reporting the command's status",
                          command_name(sb->o), (unsigned)init_st);
  return explain_failure(sb, *status, err);
}

int s2i_sandbox_run(const struct s2i_ctx *ctx, int *status,
                    const struct s2i_sandbox_opts *opts, struct s2i_error **err)
{
  struct sandbox sb = {.ctx = ctx,
                       .o = opts,
                       .stdin_fd = opts->stdin_fd,
                       .out_r = -1,
                       .out_w = -1,
                       .err_r = -1,
                       .err_w = -1,
                       .status_r = -1,
                       .status_w = -1,
                       .net_r = -1,
                       .net_w = -1,
                       .go_r = -1,
                       .go_w = -1,
                       .userns = {.fd = -1}};
  pid_t pid;
  int ret = -1;

  *status = 0;
  if (opts->fn == NULL &&
      (opts->argv == NULL || opts->argv[0] == NULL || opts->argv[0][0] != '/'))
    return s2i_error_make(err, 0,
                          "sandbox: the command must be an "
                          "absolute path inside the image");
  if (s2i_ctx_check_interrupt(ctx, err) < 0)
    return -1;
  if (sandbox_prepare(&sb, err) == 0 &&
      s2i_limits_create(ctx, &sb.limits, opts->policy, err) == 0 &&
      (pid = spawn_init(&sb, err)) > 0) {
    close_fd(&sb.out_w);
    close_fd(&sb.err_w);
    close_fd(&sb.status_w);
    if (net_mode(opts) != NET_SLIRP || start_network(&sb, pid, err) == 0)
      ret = finish(&sb, pid, status, err);
  }
  sandbox_release(&sb);
  return ret;
}

/* Names as Docker takes them: CHOWN, CAP_CHOWN, chown; ALL. */
static const char *const cap_names[] = {
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
};

static int cap_number(const char *name, size_t n)
{
  if (n > 4 && strncasecmp(name, "CAP_", 4) == 0)
    name += 4, n -= 4;
  for (size_t i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
    if (strlen(cap_names[i]) == n && strncasecmp(cap_names[i], name, n) == 0)
      return (int)i;
  return -1;
}

int s2i_sandbox_parse_caps(uint64_t *mask, const char *list,
                           struct s2i_error **err)
{
  while (*list) {
    size_t n = strcspn(list, ",");
    int cap = cap_number(list, n);
    if (n == 3 && strncasecmp(list, "ALL", 3) == 0)
      *mask = UINT64_MAX;
    else if (cap >= 0)
      *mask |= (uint64_t)1 << cap;
    else if (n > 0)
      return s2i_error_make(err, 0, "--cap-drop: unknown capability \"%.*s\"",
                            (int)n, list);
    list += n + (list[n] == ',');
  }
  return 0;
}
