/* File-system helpers shared by every stage. */
#ifndef S2I_FS_H
#define S2I_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

int s2i_fs_mkdir_p(const char *path, mode_t mode, struct s2i_error **err);
/* Remove a tree without following symlinks and without crossing into other
 * mounts; a missing path is not an error. */
int s2i_fs_rm_rf(const char *path, struct s2i_error **err);
/* Make a fresh directory "<parent>/<prefix>XXXXXX" (parent created). */
int s2i_fs_mkdtemp(char **out, const char *parent, const char *prefix,
                   struct s2i_error **err);
int s2i_fs_read_file(char **out, size_t *len, const char *path,
                     struct s2i_error **err);
/* What s2i reads whole from a file someone else wrote (a source tree, an
 * image, an OCI layout): metadata and text, never content. */
#define S2I_FS_READ_MAX ((size_t)16 << 20)
/* Read path whole when it is a regular file of at most max bytes (a FIFO,
 * a device or a larger file is refused, without waiting or reading);
 * flags may add O_NOFOLLOW to refuse a symlink as the last component.
 * *out is NUL-terminated; *len (when len is not NULL) excludes the NUL. */
int s2i_fs_read_regular(char **out, size_t *len, const char *path, size_t max,
                        int flags, struct s2i_error **err);
/* Write to "<path>.tmp-XXXXXX", fsync-free, then rename over path. */
int s2i_fs_write_file_atomic(const char *path, const void *data, size_t len,
                             mode_t mode, struct s2i_error **err);
int s2i_fs_write_all(int fd, const void *buf, size_t len);
/* Copy all of in_fd to out_fd; returns 0 or -1 with errno set. */
int s2i_fs_copy_fd(int in_fd, int out_fd);
/* A relative path that stays below its root: no "..", not absolute, not empty.
 */
int s2i_fs_path_is_safe(const char *rel);
char *s2i_fs_join(const char *a, const char *b);
/* In place: "//" and "." components and a trailing '/' dropped ("/a/./b/"
 * is "/a/b"); ".." is kept for s2i_fs_path_is_safe to refuse. */
void s2i_fs_clean_path(char *path);
/* Set the mtime (and atime) of a whole tree, symlinks included. */
int s2i_fs_set_mtimes(const char *path, int64_t t, struct s2i_error **err);
/* Files inside a tree that someone else controls (a source repository,
 * an upper dir assemble wrote): rel is resolved beneath root with no
 * symlink and no ".." allowed (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS),
 * so a symlink planted in the tree cannot make s2i, running as root, read
 * or write a host file.  open_beneath returns an fd or -1 with errno set
 * (ELOOP / EXDEV when the tree tried to leave).  read_beneath also refuses
 * anything but a regular file, and files above S2I_FS_READ_MAX; *out NULL and 0
 * returned when missing_ok and the file is absent. */
int s2i_fs_open_beneath(const char *root, const char *rel, int flags,
                        mode_t mode);
int s2i_fs_read_beneath(char **out, size_t *len, const char *root,
                        const char *rel, int missing_ok,
                        struct s2i_error **err);
/* 0 when every component of rel below root is a real directory (or the
 * path is absent), else an error naming it. */
int s2i_fs_check_beneath(const char *root, const char *rel,
                         struct s2i_error **err);
int s2i_fs_exists(const char *path);
int s2i_fs_is_dir(const char *path);

#endif
