#include "proc.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int run(char *const argv[], const char *cwd, int quiet)
{
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    util_err("cannot start %s: %s", argv[0], strerror(errno));
    return -1;
  }
  if (pid == 0) {
    int null = quiet ? open("/dev/null", O_WRONLY) : -1;
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
    }
    if (cwd && chdir(cwd) < 0) {
      util_err("cannot enter %s: %s", cwd, strerror(errno));
      _exit(126);
    }
    execvp(argv[0], argv);
    int e = errno;
    util_err("cannot execute %s: %s", argv[0], strerror(e));
    _exit(e == ENOENT ? 127 : 126);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) {
      util_err("waiting for %s: %s", argv[0], strerror(errno));
      return -1;
    }
  }
  return st;
}

int proc_run(char *const argv[], const char *cwd)
{
  return run(argv, cwd, 0);
}

int proc_run_quiet(char *const argv[], const char *cwd)
{
  return run(argv, cwd, 1);
}

const char *proc_describe(int status, char *buf, unsigned len)
{
  if (WIFSIGNALED(status))
    snprintf(buf, len, "signal %d (%s)", WTERMSIG(status),
             strsignal(WTERMSIG(status)));
  else
    snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
  return buf;
}

int proc_exit_code(int status)
{
  if (status < 0)
    return 1;
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return WEXITSTATUS(status) ? WEXITSTATUS(status) : 0;
}
