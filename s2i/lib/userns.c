#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "xalloc.h"

/* The start of root's range in /etc/subuid or /etc/subgid when it holds
 * one of at least S2I_USERNS_SIZE ids, else S2I_USERNS_BASE. */
static unsigned long sub_base(const char *file)
{
  cleanup_file FILE *f = fopen(file, "re");
  char line[256];

  while (f && fgets(line, sizeof(line), f)) {
    char *colon = strchr(line, ':');
    unsigned long start, count;
    if (colon == NULL || sscanf(colon + 1, "%lu:%lu", &start, &count) != 2)
      continue;
    *colon = '\0';
    if ((strcmp(line, "root") == 0 || strcmp(line, "0") == 0) &&
        count >= S2I_USERNS_SIZE && start > 0)
      return start;
  }
  return S2I_USERNS_BASE;
}

static int write_map(pid_t pid, const char *which, unsigned long base,
                     struct s2i_error **err)
{
  cleanup_free char *path = xasprintf("/proc/%d/%s", (int)pid, which);
  cleanup_free char *map = xasprintf("0 %lu %u\n", base, S2I_USERNS_SIZE);
  cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);

  if (fd < 0 || s2i_fs_write_all(fd, map, strlen(map)) < 0)
    return s2i_error_make(err, errno, "user namespace: write %s", path);
  return 0;
}

/* A child that makes the namespace and waits until its maps are written
 * and the namespace is held open; then it goes. */
static pid_t spawn_holder(int ready_w, int done_r)
{
  pid_t pid = fork();
  char c = 0;

  if (pid != 0)
    return pid;
  if (unshare(CLONE_NEWUSER) == 0 && write(ready_w, "u", 1) == 1)
    while (read(done_r, &c, 1) < 0 && errno == EINTR)
      ;
  _exit(c == 'd' ? 0 : 1);
}

static int map_and_open(struct s2i_userns *u, pid_t pid, int ready_r,
                        struct s2i_error **err)
{
  cleanup_free char *ns = xasprintf("/proc/%d/ns/user", (int)pid);
  char c = 0;

  while (read(ready_r, &c, 1) < 0 && errno == EINTR)
    ;
  if (c != 'u')
    return s2i_error_make(err, 0, "user namespace: cannot create one");
  if (write_map(pid, "uid_map", u->uid, err) < 0 ||
      write_map(pid, "gid_map", u->gid, err) < 0)
    return -1;
  u->fd = open(ns, O_RDONLY | O_CLOEXEC);
  if (u->fd < 0)
    return s2i_error_make(err, errno, "user namespace: open %s", ns);
  return 0;
}

int s2i_userns_create(struct s2i_userns *u, struct s2i_error **err)
{
  int ready[2] = {-1, -1}, done[2] = {-1, -1}, ret = -1;
  pid_t pid = -1;

  u->fd = -1;
  u->uid = (uid_t)sub_base("/etc/subuid");
  u->gid = (gid_t)sub_base("/etc/subgid");
  if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(done, O_CLOEXEC) < 0) {
    s2i_error_make(err, errno, "user namespace: create a pipe");
    goto out;
  }
  pid = spawn_holder(ready[1], done[0]);
  if (pid < 0)
    s2i_error_make(err, errno, "user namespace: fork");
  else
    ret = map_and_open(u, pid, ready[0], err);
  if (write(done[1], ret == 0 ? "d" : "x", 1) < 0) {
    /* the holder is gone already: it is reaped below */
  }
out:
  for (int i = 0; i < 2; i++) {
    if (ready[i] >= 0)
      close(ready[i]);
    if (done[i] >= 0)
      close(done[i]);
  }
  if (pid > 0)
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
      ;
  return ret;
}

int s2i_userns_idmap(const struct s2i_userns *u, const char *src,
                     const char *dst, struct s2i_error **err)
{
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP,
                            .userns_fd = (uint64_t)u->fd};
  cleanup_close int tree =
      open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

  if (tree < 0)
    return s2i_error_make(err, errno, "idmapped mount of %s: open_tree", src);
  if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
    return s2i_error_make(err, errno,
                          "idmapped mount of %s (Linux 5.12+ on ext4, xfs, "
                          "btrfs or tmpfs; --userns host runs without a user "
                          "namespace)",
                          src);
  if (move_mount(tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return s2i_error_make(err, errno, "idmapped mount of %s on %s", src, dst);
  return 0;
}

/* Then become the namespace's root: still host root by id, a later
 * setuid would not drop the capabilities the namespace gave. */
int s2i_userns_enter(const struct s2i_userns *u, struct s2i_error **err)
{
  if (setns(u->fd, CLONE_NEWUSER) < 0)
    return s2i_error_make(err, errno, "enter the user namespace");
  if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
    return s2i_error_make(err, errno, "become root of the user namespace");
  return 0;
}

void s2i_userns_close(struct s2i_userns *u)
{
  if (u->fd >= 0)
    close(u->fd);
  u->fd = -1;
}
