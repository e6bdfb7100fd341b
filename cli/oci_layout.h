/* An OCI image layout (image-spec v1.0) holding one Pith image, as one tar: what `pith pack`
   writes. Also carries Docker's `docker save` manifest.json so that `docker load` takes it. */
#ifndef CLI_OCI_LAYOUT_H
#define CLI_OCI_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "tar_write.h"

#define OCI_LAYOUT_NAME_MAX 255 /* distribution/reference: a repository name's length limit */

/* What goes into the image. */
struct oci_layout_image {
	const char *name;    /* repository: "site", "team/site", "registry.example:5000/site" */
	const char *tag;     /* "latest" */
	const char *file;    /* the layer's only file, at the root: "site.pith" */
	const uint8_t *data; /* its bytes */
	size_t size;
	const char *mem; /* guest memory, a pith size: "64M" (config label org.pith.mem) */
	char **args;	 /* config.Cmd (the guest's argv[1..]) */
	int nargs;
	char **env; /* config.Env, NAME=VALUE */
	int nenv;
	char **ports; /* config.ExposedPorts keys, "80/tcp", sorted, no duplicates */
	int nports;
};

/*
 * Append the whole layout to out (then finished with the end marker), in this order, each
 * member's bytes depending only on img: blobs/, blobs/sha256/, the three blobs (layer, config,
 * manifest) sorted by digest, index.json, manifest.json (Docker), oci-layout, repositories
 * (Docker). Returns 0, or -1 with a message in err.
 */
int oci_layout__write(const struct oci_layout_image *img, struct tar *out, char *err,
		      size_t errlen);

/*
 * Check name and tag against the image reference grammar of distribution/reference (the one
 * docker, podman and containerd share): name = [DOMAIN/]COMPONENT[/COMPONENT]..., each
 * component lower-case letters and digits separated by '.', '_', '__' or dashes; DOMAIN holds a
 * '.' or a ':port' or is "localhost"; at most 255 characters. tag = [A-Za-z0-9_][A-Za-z0-9_.-]*,
 * at most 128. Returns 0, or -1 with a message in err saying what is wrong.
 */
int oci_layout__check_ref(const char *name, const char *tag, char *err, size_t errlen);

/* The fully qualified name containerd and Docker use: "site" -> "docker.io/library/site",
   "team/site" -> "docker.io/team/site", a name with a domain unchanged. */
void oci_layout__full_name(const char *name, char *buf, size_t len);

#endif
