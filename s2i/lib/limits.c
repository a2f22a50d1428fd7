#include "limits.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "log.h"
#include "rootless.h"
#include "xalloc.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CPU_PERIOD 100000 /* microseconds, the kernel's default */

enum { CG_MEMORY, CG_PIDS, CG_CPU, CG_N };
static const char *const cg_names[CG_N] = {"memory", "pids", "cpu"};

struct s2i_limits {
  int v2;
  char *dir[CG_N]; /* v1: one per controller; v2: dir[0] only */
  char procs[CG_N][4096];
  uint64_t memory;
  int64_t pids;
  double cpus;
  int pids_enforced; /* by a cgroup: no RLIMIT_NPROC floor needed */
  int rootless;      /* in a user namespace: one line for all (below) */
  int unenforced;    /* bit per controller no cgroup enforces */
};

uint64_t s2i_limits_memory(const struct s2i_sandbox_policy *p)
{
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

  if (p && p->memory)
    return p->memory;
  if (pages <= 0 || size <= 0)
    return UINT64_MAX;
  return (uint64_t)pages * (uint64_t)size / S2I_LIMITS_DEFAULT_MEMORY_SHARE;
}

int64_t s2i_limits_pids(const struct s2i_sandbox_policy *p)
{
  return p && p->pids_limit ? p->pids_limit : S2I_LIMITS_DEFAULT_PIDS;
}

int s2i_limits_parse_size(uint64_t *out, const char *text)
{
  char *end;
  unsigned long long n;
  int shift = 0;

  if (text[0] < '0' || text[0] > '9')
    return -1;
  errno = 0;
  n = strtoull(text, &end, 10);
  switch (*end == '\0' ? 'b' : (end[1] == '\0' ? *end | 0x20 : 0)) {
  case 'b': shift = 0; break;
  case 'k': shift = 10; break;
  case 'm': shift = 20; break;
  case 'g': shift = 30; break;
  default: return -1;
  }
  if (errno || n == 0 || n > (UINT64_MAX >> shift))
    return -1;
  *out = (uint64_t)n << shift;
  return 0;
}

/* s2i's own cgroup for a controller ("" for v2) from /proc/self/cgroup. */
static char *own_cgroup(const char *controller)
{
  cleanup_file FILE *f = fopen("/proc/self/cgroup", "re");
  char line[4096];

  while (f && fgets(line, sizeof(line), f)) {
    char *ctrl = strchr(line, ':'), *path = ctrl ? strchr(ctrl + 1, ':') : NULL;
    if (path == NULL)
      continue;
    *path++ = '\0';
    path[strcspn(path, "\n")] = '\0';
    for (char *save = NULL, *c = strtok_r(ctrl + 1, ",", &save); c;
         c = strtok_r(NULL, ",", &save))
      if (strcmp(c, controller) == 0)
        return xstrdup(path);
    if (*controller == '\0' && ctrl[1] == '\0')
      return xstrdup(path);
  }
  return NULL;
}

static int write_file(const char *dir, const char *name, const char *value)
{
  cleanup_free char *path = s2i_fs_join(dir, name);
  cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);

  if (fd < 0)
    return -1;
  return s2i_fs_write_all(fd, value, strlen(value));
}

/* A new cgroup below ours; NULL (errno set) when it cannot be made. */
static char *make_cgroup(const char *mount, const char *controller)
{
  cleanup_free char *own = own_cgroup(controller);
  cleanup_free char *parent = NULL;
  char *tmpl;

  if (own == NULL) {
    errno = ENOENT;
    return NULL;
  }
  parent = xasprintf("%s%s", mount, strcmp(own, "/") == 0 ? "" : own);
  tmpl = xasprintf("%s/s2i-sandbox-XXXXXX", parent);
  if (mkdtemp(tmpl) == NULL) {
    free(tmpl);
    return NULL;
  }
  return tmpl;
}

static char *num(uint64_t v)
{
  return v == UINT64_MAX ? xstrdup("max")
                         : xasprintf("%llu", (unsigned long long)v);
}

/* v1: memory.limit_in_bytes, then the memory+swap limit (when the kernel
 * accounts swap) so swapping does not get round it. */
static int set_memory_v1(const char *dir, uint64_t bytes)
{
  cleanup_free char *v =
      xasprintf("%lld", bytes == UINT64_MAX ? -1LL : (long long)bytes);

  if (write_file(dir, "memory.limit_in_bytes", v) < 0)
    return -1;
  write_file(dir, "memory.memsw.limit_in_bytes", v); /* absent: no swap */
  return 0;
}

static int set_cpu_v1(const char *dir, double cpus)
{
  cleanup_free char *q = xasprintf("%lld", (long long)(cpus * CPU_PERIOD));
  cleanup_free char *p = xasprintf("%d", CPU_PERIOD);

  if (cpus <= 0)
    return 0;
  return write_file(dir, "cpu.cfs_period_us", p) < 0 ||
                 write_file(dir, "cpu.cfs_quota_us", q) < 0
             ? -1
             : 0;
}

static int set_limit(const struct s2i_limits *l, int which)
{
  const char *d = l->dir[l->v2 ? 0 : which];
  cleanup_free char *mem = num(l->memory);
  cleanup_free char *pids = num(l->pids < 0 ? UINT64_MAX : (uint64_t)l->pids);
  cleanup_free char *cpu =
      xasprintf("%lld %d", (long long)(l->cpus * CPU_PERIOD), CPU_PERIOD);

  if (which == CG_MEMORY)
    return l->v2 ? write_file(d, "memory.max", mem)
                 : set_memory_v1(d, l->memory);
  if (which == CG_PIDS)
    return write_file(d, "pids.max", pids);
  if (l->cpus <= 0)
    return 0;
  return l->v2 ? write_file(d, "cpu.max", cpu) : set_cpu_v1(d, l->cpus);
}

static void warn_unenforced(const struct s2i_ctx *ctx, struct s2i_limits *l,
                            int which, const char *where)
{
  static const char *const flag[CG_N] = {"--memory", "--pids-limit", "--cpus"};

  l->unenforced |= 1 << which;
  if (l->rootless)
    return; /* said once, by rootless_note() */
  s2i_log_warn(ctx,
               "cannot use the %s cgroup controller (%s: %s): %s is not "
               "enforced by a cgroup%s",
               cg_names[which], where, strerror(errno), flag[which],
               which == CG_PIDS ? " (RLIMIT_NPROC still is)" : "");
}

/* A rootless build on a host that delegates it no cgroup (cgroup v1, or
 * v2 without systemd's delegation): expected, so one line, not three. */
static void rootless_note(const struct s2i_ctx *ctx, const struct s2i_limits *l)
{
  if (!l->rootless || l->unenforced == 0)
    return;
  s2i_log_info(ctx,
               "rootless: no writable cgroup here: %s%s%s; RLIMIT_NPROC "
               "(%lld) is the floor for processes",
               (l->unenforced & (1 << CG_MEMORY)) ? "--memory " : "",
               (l->unenforced & (1 << CG_PIDS)) ? "--pids-limit " : "",
               (l->unenforced & (1 << CG_CPU)) ? "--cpus are not enforced"
                                               : "not enforced by a cgroup",
               (long long)l->pids);
}

static void create_v2(const struct s2i_ctx *ctx, struct s2i_limits *l)
{
  cleanup_free char *parent = NULL;

  l->dir[0] = make_cgroup(CGROUP_ROOT, "");
  if (l->dir[0] == NULL) {
    warn_unenforced(ctx, l, CG_MEMORY, CGROUP_ROOT);
    return;
  }
  /* the parent must hand the controllers down (works when delegated) */
  parent = xstrdup(l->dir[0]);
  *strrchr(parent, '/') = '\0';
  write_file(parent, "cgroup.subtree_control", "+memory +pids +cpu");
  snprintf(l->procs[0], sizeof(l->procs[0]), "%s/cgroup.procs", l->dir[0]);
  for (int i = 0; i < CG_N; i++)
    if (set_limit(l, i) < 0)
      warn_unenforced(ctx, l, i, l->dir[0]);
    else if (i == CG_PIDS)
      l->pids_enforced = 1;
}

static void create_v1(const struct s2i_ctx *ctx, struct s2i_limits *l)
{
  for (int i = 0; i < CG_N; i++) {
    cleanup_free char *mount = xasprintf(CGROUP_ROOT "/%s", cg_names[i]);
    if (i == CG_CPU && l->cpus <= 0)
      continue;
    l->dir[i] = make_cgroup(mount, cg_names[i]);
    if (l->dir[i] == NULL || set_limit(l, i) < 0) {
      warn_unenforced(ctx, l, i, l->dir[i] ? l->dir[i] : mount);
      continue;
    }
    snprintf(l->procs[i], sizeof(l->procs[i]), "%s/cgroup.procs", l->dir[i]);
    l->pids_enforced |= i == CG_PIDS;
  }
}

int s2i_limits_create(const struct s2i_ctx *ctx, struct s2i_limits **out,
                      const struct s2i_sandbox_policy *p,
                      struct s2i_error **err)
{
  struct s2i_limits *l = xcalloc(1, sizeof(*l));

  (void)err;
  l->memory = s2i_limits_memory(p);
  l->pids = s2i_limits_pids(p);
  l->cpus = p ? p->cpus : 0;
  l->v2 = s2i_fs_exists(CGROUP_ROOT "/cgroup.controllers");
  l->rootless = s2i_rootless_in_userns();
  if (l->v2)
    create_v2(ctx, l);
  else
    create_v1(ctx, l);
  rootless_note(ctx, l);
  *out = l;
  return 0;
}

/* Only the caller's stack and l: this runs in a forked child. */
int s2i_limits_enter(const struct s2i_limits *l, struct s2i_error **err)
{
  struct rlimit nproc;

  for (int i = 0; i < CG_N; i++) {
    int fd;
    if (l->procs[i][0] == '\0')
      continue;
    fd = open(l->procs[i], O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) {
      if (fd >= 0)
        close(fd);
      return s2i_error_make(err, errno, "join the cgroup %s", l->procs[i]);
    }
    close(fd);
  }
  /* The floor where no pids cgroup could be made: RLIMIT_NPROC counts the
   * user's processes on the whole host, so it is only a backstop. */
  if (!l->pids_enforced && l->pids > 0 &&
      getrlimit(RLIMIT_NPROC, &nproc) == 0 &&
      (rlim_t)l->pids < nproc.rlim_max) {
    nproc.rlim_cur = nproc.rlim_max = (rlim_t)l->pids;
    if (setrlimit(RLIMIT_NPROC, &nproc) < 0)
      return s2i_error_make(err, errno, "set RLIMIT_NPROC");
  }
  return 0;
}

/* "key N" from a flat-keyed file (memory.events, pids.events,
 * memory.oom_control); 0 when absent. */
static unsigned long long read_key(const char *dir, const char *file,
                                   const char *key)
{
  cleanup_free char *path = dir ? s2i_fs_join(dir, file) : NULL;
  cleanup_file FILE *f = path ? fopen(path, "re") : NULL;
  char name[64];
  unsigned long long v;

  while (f && fscanf(f, "%63s %llu", name, &v) == 2)
    if (strcmp(name, key) == 0)
      return v;
  return 0;
}

static char *human(uint64_t bytes)
{
  if (bytes % (1ULL << 30) == 0)
    return xasprintf("%llu GiB", (unsigned long long)(bytes >> 30));
  return xasprintf("%llu MiB", (unsigned long long)(bytes >> 20));
}

int s2i_limits_explain(const struct s2i_limits *l, const char *what,
                       struct s2i_error **err)
{
  const char *mem = l->dir[CG_MEMORY], *pids = l->dir[l->v2 ? 0 : CG_PIDS];
  int oom = read_key(mem, l->v2 ? "memory.events" : "memory.oom_control",
                     "oom_kill") > 0;

  if (oom) {
    cleanup_free char *h = human(l->memory);
    return s2i_error_make(err, 0,
                          "%s was killed by the memory limit of %s (--memory "
                          "raises it)",
                          what, h);
  }
  if (read_key(pids, "pids.events", "max") > 0)
    return s2i_error_make(err, 0,
                          "%s hit the process limit of %lld (--pids-limit "
                          "raises it)",
                          what, (long long)l->pids);
  return 0;
}

void s2i_limits_free(struct s2i_limits *l)
{
  if (l == NULL)
    return;
  for (int i = 0; i < CG_N; i++) {
    /* init's exit waited for every process of its PID namespace; a
     * cgroup can still be busy for a moment while they are released */
    for (int tries = 0;
         l->dir[i] && rmdir(l->dir[i]) < 0 && errno == EBUSY && tries < 100;
         tries++)
      usleep(10000);
    free(l->dir[i]);
  }
  free(l);
}
