/*
 * init: PID 1 for images built by s2i.
 *
 *   init [-g] [--] COMMAND [ARGS...]
 *
 * Runs COMMAND as its only direct child, forwards the signals a container
 * runtime or a terminal sends (to COMMAND's process group with -g or
 * S2I_INIT_KILL_GROUP=1), reaps every process that ends up as its child,
 * orphans included, and exits with COMMAND's status: 128+N when it died of
 * signal N, 127 when it was not found, 126 when it could not be executed.
 * When not PID 1 it makes itself a child subreaper, so orphans still come
 * to it.
 *
 * Modelled on tini: one file, each step a small function, main a flat
 * sequence.  Built static with musl, libc only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "s2i_env.h"

#ifndef S2I_INIT_VERSION
#define S2I_INIT_VERSION "0.1.0"
#endif

enum {
  EXIT_INIT_ERROR = 1,
  EXIT_USAGE = 2,
  EXIT_NOT_EXECUTABLE = 126,
  EXIT_NOT_FOUND = 127,
  EXIT_SIGNAL_BASE = 128,
};

/* What a container runtime, kubelet or terminal sends that the app must see. */
static const int forwarded_signals[] = {
    SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
};
#define N_FORWARDED (sizeof forwarded_signals / sizeof forwarded_signals[0])

/* Wake up this often even without a signal; only a safety net for reaping. */
static const struct timespec supervise_tick = {1, 0};

struct init_config {
  int kill_group;
  char **command;
};

__attribute__((format(printf, 1, 2))) static void warn(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  fputs("init: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static void usage(FILE *out)
{
  fputs("usage: init [-g] [--] COMMAND [ARGS...]\n"
        "Run COMMAND as the child of a minimal init: forward signals,\n"
        "reap zombies, exit with COMMAND's status (128+N if killed by N).\n"
        "  -g         send forwarded signals to COMMAND's process group\n"
        "             (also: S2I_INIT_KILL_GROUP=1)\n"
        "  --help     show this help\n"
        "  --version  show the version\n",
        out);
}

/* Returns 0 to run the command, 1 when done (help, version), -1 on misuse. */
static int parse_args(int argc, char **argv, struct init_config *cfg)
{
  const char *env = getenv("S2I_INIT_KILL_GROUP");
  int i;

  cfg->kill_group = env && strcmp(env, "1") == 0;
  for (i = 1; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    } else if (strcmp(argv[i], "-g") == 0) {
      cfg->kill_group = 1;
    } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      usage(stdout);
      return 1;
    } else if (strcmp(argv[i], "--version") == 0) {
      puts("s2i-init " S2I_INIT_VERSION);
      return 1;
    } else {
      warn("unknown option '%s'", argv[i]);
      usage(stderr);
      return -1;
    }
  }
  if (i >= argc) {
    usage(stderr);
    return -1;
  }
  cfg->command = argv + i;
  return 0;
}

/* Outside a PID namespace of our own, orphans would bypass us. */
static void become_subreaper(void)
{
  if (getpid() == 1)
    return;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    warn("cannot become a child subreaper, orphans go elsewhere: %s",
         strerror(errno));
}

/*
 * Every signal we act on stays blocked and is taken with sigtimedwait, so
 * no handler runs and nothing is lost between fork and the wait loop.  A
 * blocked signal is queued even for PID 1 of a namespace, where an
 * unhandled signal would otherwise be dropped.
 */
static int setup_signals(sigset_t *wait_set, sigset_t *orig_mask)
{
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  struct sigaction ign = {.sa_handler = SIG_IGN};
  size_t i;

  sigemptyset(wait_set);
  for (i = 0; i < N_FORWARDED; i++)
    sigaddset(wait_set, forwarded_signals[i]);
  sigaddset(wait_set, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, wait_set, orig_mask) < 0) {
    warn("sigprocmask: %s", strerror(errno));
    return -1;
  }
  /* An inherited SIG_IGN would make the kernel reap the app for us,
   * status lost.  A background init must not be stopped by the tty. */
  if (sigaction(SIGCHLD, &dfl, NULL) < 0 ||
      sigaction(SIGTTIN, &ign, NULL) < 0 ||
      sigaction(SIGTTOU, &ign, NULL) < 0) {
    warn("sigaction: %s", strerror(errno));
    return -1;
  }
  return 0;
}

static int terminal_is_ours(void)
{
  return isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
}

/* The app starts as if no init were there: no blocked, no ignored signal
 * of the ones init manages. */
static void reset_signals(const sigset_t *orig_mask)
{
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  size_t i;

  for (i = 0; i < N_FORWARDED; i++)
    sigaction(forwarded_signals[i], &dfl, NULL);
  sigaction(SIGTTIN, &dfl, NULL);
  sigaction(SIGTTOU, &dfl, NULL);
  sigprocmask(SIG_SETMASK, orig_mask, NULL);
}

static _Noreturn void run_child(char **command, const sigset_t *orig_mask,
                                int own_tty)
{
  int err;

  setpgid(0, 0);
  if (own_tty)
    (void)tcsetpgrp(STDIN_FILENO, getpid()); /* SIGTTOU still ignored here */
  reset_signals(orig_mask);
  if (prepare_environment() < 0)
    _exit(S2I_ENV_EXIT_FAILURE);
  execvp(command[0], command);
  err = errno;
  warn("%s: %s", command[0], strerror(err));
  _exit(err == ENOENT || err == ENOTDIR ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE);
}

static pid_t spawn_child(const struct init_config *cfg,
                         const sigset_t *orig_mask)
{
  int own_tty = terminal_is_ours();
  pid_t pid = fork();

  if (pid < 0) {
    warn("fork: %s", strerror(errno));
    return -1;
  }
  if (pid == 0)
    run_child(cfg->command, orig_mask, own_tty);
  /* Also done by the child: whichever runs first, a group kill right
   * after fork finds the group. */
  setpgid(pid, pid);
  return pid;
}

static void forward_signal(pid_t child, int sig, int to_group)
{
  if (kill(to_group ? -child : child, sig) < 0 && errno != ESRCH)
    warn("kill %s: %s", strsignal(sig), strerror(errno));
}

/* Reaps every child that has exited.  Returns 1 once the app is among
 * them (its wait status in *status), 0 if not yet, -1 on error. */
static int reap_children(pid_t child, int *status)
{
  int done = 0, st;
  pid_t pid;

  while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
    if (pid == child) {
      *status = st;
      done = 1;
    }
  }
  if (pid < 0 && !done) {
    warn("waitpid: %s", strerror(errno));
    return -1;
  }
  return done;
}

static int supervise(pid_t child, const sigset_t *wait_set, int to_group,
                     int *status)
{
  siginfo_t info;
  int sig, reaped;

  for (;;) {
    sig = sigtimedwait(wait_set, &info, &supervise_tick);
    if (sig < 0 && errno != EAGAIN && errno != EINTR) {
      warn("sigtimedwait: %s", strerror(errno));
      return -1;
    }
    if (sig > 0 && sig != SIGCHLD)
      forward_signal(child, sig, to_group);
    reaped = reap_children(child, status);
    if (reaped != 0)
      return reaped < 0 ? -1 : 0;
  }
}

static int exit_code_of(int status)
{
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return EXIT_SIGNAL_BASE + WTERMSIG(status);
  return EXIT_INIT_ERROR;
}

int main(int argc, char **argv)
{
  struct init_config cfg;
  sigset_t wait_set, orig_mask;
  pid_t child;
  int status, r;

  r = parse_args(argc, argv, &cfg);
  if (r != 0)
    return r > 0 ? 0 : EXIT_USAGE;
  become_subreaper();
  if (setup_signals(&wait_set, &orig_mask) < 0)
    return EXIT_INIT_ERROR;
  child = spawn_child(&cfg, &orig_mask);
  if (child < 0)
    return EXIT_INIT_ERROR;
  if (supervise(child, &wait_set, cfg.kill_group, &status) < 0)
    return EXIT_INIT_ERROR;
  return exit_code_of(status);
}
