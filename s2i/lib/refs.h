/* Registry image references as podman and docker spell them:
 *
 *   docker://HOST[:PORT]/REPO[:TAG|@sha256:HEX]
 *   HOST[:PORT]/REPO[:TAG|@DIGEST]   when the first component names a host
 *                                    (has '.' or ':', or is "localhost")
 *   NAME[:TAG|@DIGEST]               a short name, on docker.io; a name
 *                                    without '/' gets "library/" (python:3.12
 *                                    is docker.io/library/python:3.12)
 *
 * No tag and no digest means ":latest".  The repository path is lowercase
 * [a-z0-9] parts joined by '.', '_', "__" or runs of '-', and '/'. */
#ifndef S2I_REFS_H
#define S2I_REFS_H

#include "cleanup.h"
#include "error.h"

struct s2i_ref {
  char *domain; /* "docker.io", "quay.io", "127.0.0.1:5000" */
  char *path;   /* "library/python", "team/app" */
  char *tag;    /* "3.12"; NULL when a digest is given alone */
  char *digest; /* "sha256:<hex>" or NULL */
};

/* Parse s (with or without "docker://").  Fails naming s and what is wrong
 * with it. */
int s2i_ref_parse(struct s2i_ref **out, const char *s, struct s2i_error **err);
void s2i_ref_free(struct s2i_ref *r);
S2I_DEFINE_CLEANUP_FN(struct s2i_ref *, s2i_ref_free)
#define cleanup_ref S2I_CLEANUP(s2i_ref_free)

/* "domain/path" */
char *s2i_ref_name(const struct s2i_ref *r);
/* "domain/path:tag", "domain/path@digest" or "domain/path:tag@digest". */
char *s2i_ref_string(const struct s2i_ref *r);
/* The tag or digest a registry's /manifests/ URL takes: the digest when
 * there is one, else the tag. */
const char *s2i_ref_object(const struct s2i_ref *r);

/* The host:port the registry API is served on: docker.io is
 * registry-1.docker.io; everything else is itself. */
const char *s2i_ref_api_host(const struct s2i_ref *r);

/* 1 when the domain is a loopback address or localhost (where a test
 * registry without a trusted certificate may be), else 0. */
int s2i_ref_is_loopback(const char *domain);

/* 1 when s, without a transport, reads as a registry reference whose first
 * component names a host ("quay.io/x/y", "localhost:5000/app:1"). */
int s2i_ref_names_host(const char *s);

/* Name grammar shared with the image writer's tags. */
int s2i_ref_valid_path(const char *path, size_t n);
int s2i_ref_valid_domain(const char *s, size_t n);
int s2i_ref_valid_tag(const char *t);

#endif
