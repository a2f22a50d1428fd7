/* Log lines s2i-style ("---> Step"), verbosity, and terminal progress. */
#ifndef S2I_LOG_H
#define S2I_LOG_H

#include <stdint.h>

/* 0 = normal, 1..5 = more detail (s2i's --loglevel); quiet hides steps. */
void s2i_log_set_level(int level);
void s2i_log_set_quiet(int quiet);
int s2i_log_level(void);
int s2i_log_is_quiet(void);

void s2i_log_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void s2i_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void s2i_log_debug(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Warnings are shown even when quiet. */
void s2i_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Progress of a long step, drawn on one terminal line when stderr is a tty
 * and not quiet; silent otherwise.  total may be 0 when unknown. */
struct s2i_progress {
  const char *what;
  uint64_t done;
  uint64_t total;
  int64_t last_ms;
  int active;
};
void s2i_progress_begin(struct s2i_progress *p, const char *what,
                        uint64_t total);
void s2i_progress_add(struct s2i_progress *p, uint64_t n);
void s2i_progress_end(struct s2i_progress *p);

#endif
