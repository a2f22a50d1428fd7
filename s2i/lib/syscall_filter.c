#include "syscall_filter.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>

#include "cleanup.h"

const char *const s2i_syscall_filter_denied[] = {
    /* keyrings are not namespaced: root's keyring is the host's */
    "add_key",
    "keyctl",
    "request_key",
    /* file systems and mounts */
    "mount",
    "umount",
    "umount2",
    "pivot_root",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "quotactl",
    "quotactl_fd",
    "swapon",
    "swapoff",
    /* namespaces: see the clone/unshare rules too */
    "setns",
    /* other processes and the kernel */
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "init_module",
    "finit_module",
    "delete_module",
    "create_module",
    "query_module",
    "get_kernel_syms",
    "kexec_load",
    "kexec_file_load",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "lookup_dcookie",
    "open_by_handle_at",
    "syslog",
    "acct",
    "reboot",
    "uselib",
    "ustat",
    "sysfs",
    "_sysctl",
    "nfsservctl",
    "vm86",
    "vm86old",
    "iopl",
    "ioperm",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    /* the host's clock */
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "stime",
    NULL,
};

static const unsigned long ns_flags[] = {
    CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWPID,    CLONE_NEWNET,
    CLONE_NEWIPC,  CLONE_NEWUTS, CLONE_NEWCGROUP, 0x80 /* CLONE_NEWTIME */,
};

static void release(scmp_filter_ctx *f)
{
  if (*f)
    seccomp_release(*f);
}

static int deny_names(scmp_filter_ctx f)
{
  for (const char *const *n = s2i_syscall_filter_denied; *n; n++) {
    int nr = seccomp_syscall_resolve_name(*n);
    if (nr == __NR_SCMP_ERROR)
      continue; /* not a syscall on this architecture */
    if (seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), nr, 0) < 0)
      return -1;
  }
  return 0;
}

/* clone and unshare with any namespace flag: EPERM.  clone's flags are its
 * first argument on every architecture libseccomp names here. */
static int deny_new_namespaces(scmp_filter_ctx f)
{
  for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++) {
    struct scmp_arg_cmp has =
        SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]);
    if (seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, has) <
            0 ||
        seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1, has) <
            0)
      return -1;
  }
  /* clone3 passes its flags in memory the filter cannot read */
  return seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
}

int s2i_syscall_filter_load(struct s2i_error **err)
{
  __attribute__((cleanup(release))) scmp_filter_ctx f =
      seccomp_init(SCMP_ACT_ALLOW);
  int r;

  if (f == NULL)
    return s2i_error_make(err, ENOMEM, "seccomp: create the filter");
  if (deny_names(f) < 0 || deny_new_namespaces(f) < 0)
    return s2i_error_make(err, 0, "seccomp: add the rules");
  r = seccomp_load(f);
  if (r < 0)
    return s2i_error_make(err, -r, "seccomp: load the filter");
  return 0;
}
