#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int log_level;
static int log_quiet;

void s2i_log_set_level(int level)
{
  log_level = level;
}

void s2i_log_set_quiet(int quiet)
{
  log_quiet = quiet;
}

int s2i_log_level(void)
{
  return log_level;
}

int s2i_log_is_quiet(void)
{
  return log_quiet;
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
  fputs(prefix, stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

static int64_t now_ms(void);

/* At --loglevel 2 and up, steps carry the time since the first one, which
 * is how to see where a build spends its time. */
void s2i_log_step(const char *fmt, ...)
{
  static int64_t t0;
  va_list ap;

  if (log_quiet)
    return;
  if (t0 == 0)
    t0 = now_ms();
  if (log_level >= 2)
    fprintf(stderr, "[%6.3fs] ", (double)(now_ms() - t0) / 1000.0);
  va_start(ap, fmt);
  vlog("---> ", fmt, ap);
  va_end(ap);
}

void s2i_log_info(const char *fmt, ...)
{
  va_list ap;

  if (log_quiet)
    return;
  va_start(ap, fmt);
  vlog("", fmt, ap);
  va_end(ap);
}

void s2i_log_debug(int level, const char *fmt, ...)
{
  va_list ap;

  if (log_quiet || level > log_level)
    return;
  va_start(ap, fmt);
  vlog("     ", fmt, ap);
  va_end(ap);
}

void s2i_log_warn(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vlog("warning: ", fmt, ap);
  va_end(ap);
}

static int64_t now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void progress_draw(struct s2i_progress *p)
{
  double mb = (double)p->done / (1024.0 * 1024.0);

  if (p->total)
    fprintf(stderr, "\r     %s: %.1f / %.1f MB", p->what, mb,
            (double)p->total / (1024.0 * 1024.0));
  else
    fprintf(stderr, "\r     %s: %.1f MB", p->what, mb);
  fflush(stderr);
}

void s2i_progress_begin(struct s2i_progress *p, const char *what,
                        uint64_t total)
{
  p->what = what;
  p->done = 0;
  p->total = total;
  p->last_ms = now_ms();
  p->active = !log_quiet && isatty(STDERR_FILENO);
}

void s2i_progress_add(struct s2i_progress *p, uint64_t n)
{
  int64_t t;

  p->done += n;
  if (!p->active)
    return;
  t = now_ms();
  if (t - p->last_ms < 200)
    return;
  p->last_ms = t;
  progress_draw(p);
}

void s2i_progress_end(struct s2i_progress *p)
{
  if (!p->active)
    return;
  progress_draw(p);
  fputc('\n', stderr);
  p->active = 0;
}
