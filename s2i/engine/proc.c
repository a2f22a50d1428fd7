#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs.h"
#include "xalloc.h"

#define KILL_GRACE_MS 2000 /* after the deadline, before giving up on pipes */
/* After an interrupt: SIGTERM again this often (the group may have grown
 * since: a child forked just before the first one), SIGKILL after the
 * grace. */
#define TERM_AGAIN_MS 500
#define TERM_GRACE_MS 5000

struct run {
  pid_t pid;
  int fds[2];    /* read ends: stdout, stderr */
  char *bufs[2]; /* what was kept of them */
  size_t lens[2];
  int killed;       /* SIGKILL sent to the group at the deadline */
  int64_t termed;   /* when SIGTERM first went to the group on interrupt */
  int64_t termed_l; /* when it last went */
};

void s2i_proc_clear(struct s2i_proc *p)
{
  free(p->out);
  free(p->errout);
  memset(p, 0, sizeof(*p));
}

/* Signals are blocked across fork (spawn), so none reaches a handler of
 * the caller's in the child: the handlers go back to the defaults first,
 * then the caller's mask comes back. */
static void child_exec(const char *const *argv, const sigset_t *mask, int out_w,
                       int err_w)
{
  int null = open("/dev/null", O_RDONLY);

  setpgid(0, 0);
  for (int sig = 1; sig < NSIG; sig++)
    signal(sig, SIG_DFL);
  sigprocmask(SIG_SETMASK, mask, NULL);
  if (null < 0 || dup2(null, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
    _exit(127);
  execvp(argv[0], (char *const *)argv);
  fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

static int spawn(struct run *r, const char *const *argv)
{
  sigset_t all, mask;
  int out[2], err[2];

  if (pipe2(out, O_CLOEXEC) < 0)
    return -1;
  if (pipe2(err, O_CLOEXEC) < 0) {
    close(out[0]);
    close(out[1]);
    return -1;
  }
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &mask);
  r->pid = fork();
  if (r->pid == 0)
    child_exec(argv, &mask, out[1], err[1]);
  if (r->pid > 0)
    setpgid(r->pid, r->pid); /* either side may win the race; both set it */
  sigprocmask(SIG_SETMASK, &mask, NULL);
  close(out[1]);
  close(err[1]);
  r->fds[0] = out[0];
  r->fds[1] = err[0];
  return r->pid > 0 ? 0 : -1;
}

static void drain(struct run *r, int i, int echo)
{
  char chunk[4096];
  ssize_t n = read(r->fds[i], chunk, sizeof(chunk));

  if (n < 0 && errno == EINTR)
    return;
  if (n <= 0) {
    close(r->fds[i]);
    r->fds[i] = -1;
    return;
  }
  if (echo && s2i_fs_write_all(i == 0 ? 1 : 2, chunk, (size_t)n) < 0)
    echo = 0; /* our own output is gone: keep collecting */
  if (r->lens[i] + (size_t)n > S2I_PROC_OUTPUT_CAP) /* read on, keep less */
    n = (ssize_t)(S2I_PROC_OUTPUT_CAP - r->lens[i]);
  r->bufs[i] = xrealloc(r->bufs[i], r->lens[i] + (size_t)n + 1);
  memcpy(r->bufs[i] + r->lens[i], chunk, (size_t)n);
  r->lens[i] += (size_t)n;
  r->bufs[i][r->lens[i]] = '\0';
}

static void signal_group(struct run *r, const struct s2i_proc_opts *o,
                         int64_t deadline)
{
  int64_t now = s2i_ctx_now_ms();

  if (!r->killed && o->timeout_ms > 0 && now >= deadline)
    r->killed = kill(-r->pid, SIGKILL) == 0 || kill(r->pid, SIGKILL) == 0;
  if (!s2i_ctx_interrupted(o->ctx))
    return;
  if (r->termed == 0 || now - r->termed_l >= TERM_AGAIN_MS) {
    if (kill(-r->pid, SIGTERM) < 0)
      kill(r->pid, SIGTERM);
    r->termed_l = now;
    r->termed = r->termed ? r->termed : now;
  }
  if (now - r->termed >= TERM_GRACE_MS)
    kill(-r->pid, SIGKILL);
}

/* Read both pipes until they close (everything in the group that held
 * them is gone), signalling the group on time-out or interrupt. */
static void collect(struct run *r, const struct s2i_proc_opts *o)
{
  int64_t deadline = s2i_ctx_now_ms() + o->timeout_ms;

  while (r->fds[0] >= 0 || r->fds[1] >= 0) {
    struct pollfd p[2] = {{r->fds[0], POLLIN, 0}, {r->fds[1], POLLIN, 0}};

    signal_group(r, o, deadline);
    if (r->killed && s2i_ctx_now_ms() >= deadline + KILL_GRACE_MS)
      break; /* something outside the group holds a pipe */
    if (poll(p, 2, 100) <= 0)
      continue;
    for (int i = 0; i < 2; i++)
      if (r->fds[i] >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
        drain(r, i, o->echo);
  }
  for (int i = 0; i < 2; i++)
    if (r->fds[i] >= 0)
      close(r->fds[i]);
}

static int wait_status(pid_t pid)
{
  int st;

  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  if (WIFEXITED(st))
    return WEXITSTATUS(st);
  return 128 + WTERMSIG(st);
}

int s2i_proc_run(struct s2i_proc *p, const struct s2i_proc_opts *o)
{
  struct run r = {.pid = -1, .fds = {-1, -1}};

  memset(p, 0, sizeof(*p));
  r.bufs[0] = xstrdup("");
  r.bufs[1] = xstrdup("");
  if (spawn(&r, o->argv) < 0) {
    free(r.bufs[1]);
    r.bufs[1] = xasprintf("fork %s: %s", o->argv[0], strerror(errno));
    for (int i = 0; i < 2; i++)
      if (r.fds[i] >= 0)
        close(r.fds[i]);
    p->status = -1;
  } else {
    collect(&r, o);
    p->status = wait_status(r.pid);
  }
  p->timed_out = r.killed;
  if (r.killed)
    p->status = -1;
  p->out = r.bufs[0];
  p->errout = r.bufs[1];
  return p->status;
}
