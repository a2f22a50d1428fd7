/* The seccomp filter every sandboxed command runs under: close to the
 * container engines' default profile.  A build needs no kernel keyring, no
 * mounts, no new namespaces (above all no user namespace: the kernel's
 * largest attack surface for an unprivileged process), no tracing, no
 * kernel modules, BPF programs, perf events or kexec, and no clock or
 * swap changes.  Each of those fails with EPERM; clone3 fails with ENOSYS
 * so that libc falls back to clone, whose flags the filter can read. */
#ifndef S2I_SYSCALL_FILTER_H
#define S2I_SYSCALL_FILTER_H

#include "error.h"

/* Install the filter on the calling thread (no_new_privs must be set,
 * or CAP_SYS_ADMIN held).  Inherited across fork and execve. */
int s2i_syscall_filter_load(struct s2i_error **err);

/* The syscalls refused, for documentation and tests; NULL-terminated. */
extern const char *const s2i_syscall_filter_denied[];

#endif
