/* Running child programs with their output on our own stdout/stderr. */
#ifndef S2I_BUILDER_PROC_H
#define S2I_BUILDER_PROC_H

/* Runs ARGV (PATH lookup) in CWD (NULL: ours) and waits.  Returns the
 * wait status, or -1 when fork failed (error printed).  A program that
 * cannot be executed exits 127 (missing) or 126 (other), as a shell does. */
int proc_run(char *const argv[], const char *cwd);
/* proc_run with stdout and stderr to /dev/null (probes). */
int proc_run_quiet(char *const argv[], const char *cwd);

/* "exit status 3" or "signal 9 (Killed)" for a wait status, in BUF. */
const char *proc_describe(int status, char *buf, unsigned len);

/* The exit code a program returning STATUS should itself exit with. */
int proc_exit_code(int status);

#endif
