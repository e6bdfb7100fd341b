/* The OCI image layout of `pith pack` (image-spec v1.0: image-layout.md, manifest.md, config.md,
   descriptor.md, annotations.md) plus Docker's `docker save` files, written into one tar. */
#include "oci_layout.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sha256.h"

#define MT_INDEX    "application/vnd.oci.image.index.v1+json"
#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_CONFIG   "application/vnd.oci.image.config.v1+json"
#define MT_LAYER    "application/vnd.oci.image.layer.v1.tar"
#define EPOCH	    "1970-01-01T00:00:00Z" /* created: fixed, for reproducible bytes */

/* One blob (or other file of the layout): its bytes and their digest. */
struct blob {
	char *data;
	size_t len;
	char hex[SHA256_HEX];
};

/* What the documents are written from. */
struct layout {
	const struct oci_layout_image *img;
	struct blob layer, config, manifest;
};

typedef void (*doc_writer)(FILE *f, const struct layout *l);

/* ---- JSON pieces ------------------------------------------------------------------------- */

static void json__string_array(FILE *f, char **v, int n)
{
	fputc('[', f);
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		json__write_string(f, v[i]);
	}
	fputc(']', f);
}

/* "key":"value" */
static void json__pair(FILE *f, const char *key, const char *value)
{
	json__write_string(f, key);
	fputc(':', f);
	json__write_string(f, value);
}

/* The keys pith-oci reads: "org.pith.image":"/<file>","org.pith.mem":"<mem>". */
static void json__pith_keys(FILE *f, const struct oci_layout_image *img)
{
	char path[512];

	snprintf(path, sizeof(path), "/%s", img->file);
	json__pair(f, "org.pith.image", path);
	fputc(',', f);
	json__pair(f, "org.pith.mem", img->mem);
}

/* A descriptor (descriptor.md): mediaType, digest, size; the closing brace is the caller's. */
static void json__descriptor(FILE *f, const char *media_type, const struct blob *b)
{
	fprintf(f, "{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":%zu", media_type,
		b->hex, b->len);
}

/* ---- the documents ----------------------------------------------------------------------- */

/* config.md: the "config" object (Docker's field names, which the image-spec adopted). */
static void config__container(FILE *f, const struct oci_layout_image *img)
{
	char path[512];

	snprintf(path, sizeof(path), "/%s", img->file);
	fputs("{\"Entrypoint\":[", f);
	json__write_string(f, path);
	fputc(']', f);
	if (img->nargs > 0) {
		fputs(",\"Cmd\":", f);
		json__string_array(f, img->args, img->nargs);
	}
	if (img->nenv > 0) {
		fputs(",\"Env\":", f);
		json__string_array(f, img->env, img->nenv);
	}
	if (img->nports > 0) {
		fputs(",\"ExposedPorts\":{", f);
		for (int i = 0; i < img->nports; i++) {
			fputs(i ? "," : "", f);
			json__write_string(f, img->ports[i]);
			fputs(":{}", f);
		}
		fputc('}', f);
	}
	fputs(",\"Labels\":{", f);
	json__pith_keys(f, img);
	fputs("}}", f);
}

static void config__write(FILE *f, const struct layout *l)
{
	fputs("{\"created\":\"" EPOCH "\",\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":",
	      f);
	config__container(f, l->img);
	fprintf(f, ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\"]}", l->layer.hex);
	fputs(",\"history\":[{\"created\":\"" EPOCH "\",\"created_by\":\"pith pack\"}]}", f);
}

/* manifest.md: the config, the one layer (uncompressed: its digest is also its diff_id). */
static void manifest__write(FILE *f, const struct layout *l)
{
	fputs("{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST "\",\"config\":", f);
	json__descriptor(f, MT_CONFIG, &l->config);
	fputs("},\"layers\":[", f);
	json__descriptor(f, MT_LAYER, &l->layer);
	fputs("}],\"annotations\":{", f);
	json__pith_keys(f, l->img);
	fputs("}}", f);
}

/*
 * image-layout.md: index.json, one manifest. Its annotations name the image: containerd's
 * `ctr image import` takes io.containerd.image.name (a fully qualified name), podman's
 * oci-archive loading takes org.opencontainers.image.ref.name (annotations.md).
 */
static void index__write(FILE *f, const struct layout *l)
{
	char full[OCI_LAYOUT_NAME_MAX + 64], ref[OCI_LAYOUT_NAME_MAX + 200];

	oci_layout__full_name(l->img->name, full, sizeof(full));
	fputs("{\"schemaVersion\":2,\"mediaType\":\"" MT_INDEX "\",\"manifests\":[", f);
	json__descriptor(f, MT_MANIFEST, &l->manifest);
	fputs(",\"annotations\":{", f);
	snprintf(ref, sizeof(ref), "%s:%s", full, l->img->tag);
	json__pair(f, "io.containerd.image.name", ref);
	fputc(',', f);
	snprintf(ref, sizeof(ref), "%s:%s", l->img->name, l->img->tag);
	json__pair(f, "org.opencontainers.image.ref.name", ref);
	fputs("}}]}", f);
}

/* image-layout.md: the oci-layout file. */
static void oci_layout__marker(FILE *f, const struct layout *l)
{
	(void)l;
	fputs("{\"imageLayoutVersion\":\"1.0.0\"}", f);
}

/* Docker's `docker save` manifest.json (what Docker 20.10's `docker load` reads). */
static void docker_manifest__write(FILE *f, const struct layout *l)
{
	char ref[OCI_LAYOUT_NAME_MAX + 200];

	snprintf(ref, sizeof(ref), "%s:%s", l->img->name, l->img->tag);
	fprintf(f, "[{\"Config\":\"blobs/sha256/%s\",\"RepoTags\":[", l->config.hex);
	json__write_string(f, ref);
	fprintf(f, "],\"Layers\":[\"blobs/sha256/%s\"]}]", l->layer.hex);
}

/* Docker's legacy `repositories` file: {"NAME":{"TAG":"<top layer id>"}}. */
static void docker_repositories__write(FILE *f, const struct layout *l)
{
	fputc('{', f);
	json__write_string(f, l->img->name);
	fputs(":{", f);
	json__write_string(f, l->img->tag);
	fprintf(f, ":\"%s\"}}", l->layer.hex);
}

/* ---- assembling -------------------------------------------------------------------------- */

/* Write a document into memory, with its digest. */
static int blob__from_doc(struct blob *b, doc_writer fn, const struct layout *l, char *err,
			  size_t errlen)
{
	FILE *f = open_memstream(&b->data, &b->len);

	if (!f) {
		snprintf(err, errlen, "pack: out of memory");
		return -1;
	}
	fn(f, l);
	if (fclose(f) != 0 || !b->data) {
		snprintf(err, errlen, "pack: out of memory");
		return -1;
	}
	sha256__hex(b->data, b->len, b->hex);
	return 0;
}

/* The layer: a tar whose only member is the image, mode 0755. */
static int layer__build(struct blob *b, const struct oci_layout_image *img, char *err,
			size_t errlen)
{
	struct tar t = {0};

	if (tar__add_file(&t, img->file, 0755, img->data, img->size, err, errlen) < 0 ||
	    tar__finish(&t, err, errlen) < 0) {
		tar__free(&t);
		return -1;
	}
	b->data = (char *)t.data;
	b->len = t.len;
	sha256__hex(b->data, b->len, b->hex);
	return 0;
}

static int blob__cmp(const void *a, const void *b)
{
	return strcmp((*(const struct blob *const *)a)->hex, (*(const struct blob *const *)b)->hex);
}

/* blobs/, blobs/sha256/ and the three blobs, sorted by digest. */
static int layout__add_blobs(struct layout *l, struct tar *out, char *err, size_t errlen)
{
	struct blob *sorted[] = {&l->layer, &l->config, &l->manifest};
	char name[64 + SHA256_HEX];

	qsort(sorted, 3, sizeof(sorted[0]), blob__cmp);
	if (tar__add_dir(out, "blobs/", err, errlen) < 0 ||
	    tar__add_dir(out, "blobs/sha256/", err, errlen) < 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "blobs/sha256/%s", sorted[i]->hex);
		if (tar__add_file(out, name, 0644, sorted[i]->data, sorted[i]->len, err, errlen) <
		    0)
			return -1;
	}
	return 0;
}

/* The files after the blobs, in name order; each written to memory then into the tar. */
static int layout__add_files(struct layout *l, struct tar *out, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		doc_writer fn;
	} files[] = {{"index.json", index__write},
		     {"manifest.json", docker_manifest__write},
		     {"oci-layout", oci_layout__marker},
		     {"repositories", docker_repositories__write}};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct blob b = {0};
		int rc = blob__from_doc(&b, files[i].fn, l, err, errlen);

		if (rc == 0)
			rc = tar__add_file(out, files[i].name, 0644, b.data, b.len, err, errlen);
		free(b.data);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int oci_layout__write(const struct oci_layout_image *img, struct tar *out, char *err, size_t errlen)
{
	struct layout l = {.img = img};
	int rc = -1;

	if (layer__build(&l.layer, img, err, errlen) == 0 &&
	    blob__from_doc(&l.config, config__write, &l, err, errlen) == 0 &&
	    blob__from_doc(&l.manifest, manifest__write, &l, err, errlen) == 0 &&
	    layout__add_blobs(&l, out, err, errlen) == 0 &&
	    layout__add_files(&l, out, err, errlen) == 0 && tar__finish(out, err, errlen) == 0)
		rc = 0;
	free(l.layer.data);
	free(l.config.data);
	free(l.manifest.data);
	return rc;
}

/* ---- image references (distribution/reference's grammar) ---------------------------------- */

static bool ref__lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool ref__alnum(char c)
{
	return ref__lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* path-component: [a-z0-9]+ ((\. | _ | __ | -+) [a-z0-9]+)* over s[0..len) */
static bool ref__component(const char *s, size_t len)
{
	size_t i = 0;

	for (;;) {
		size_t start = i;

		while (i < len && ref__lower_alnum(s[i]))
			i++;
		if (i == start)
			return false;
		if (i == len)
			return true;
		if (s[i] == '.')
			i++;
		else if (s[i] == '_')
			i += i + 1 < len && s[i + 1] == '_' ? 2 : 1;
		else if (s[i] == '-')
			while (i < len && s[i] == '-')
				i++;
		else
			return false;
	}
}

/* domain-component: [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool ref__domain_label(const char *s, size_t len)
{
	if (len == 0 || !ref__alnum(s[0]) || !ref__alnum(s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!ref__alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* domain: domain-component ('.' domain-component)* [':' [0-9]+] */
static bool ref__domain(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	size_t host = colon ? (size_t)(colon - s) : len;

	if (colon && host + 1 == len)
		return false;
	for (size_t i = host + 1; colon && i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	for (size_t i = 0, start = 0; i <= host; i++) {
		if (i < host && s[i] != '.')
			continue;
		if (!ref__domain_label(s + start, i - start))
			return false;
		start = i + 1;
	}
	return true;
}

/* Whether the first component of a name with a '/' is a registry (docker's normalization rule). */
static bool ref__has_domain(const char *name)
{
	const char *slash = strchr(name, '/');
	size_t len = slash ? (size_t)(slash - name) : 0;

	if (!slash)
		return false;
	return memchr(name, '.', len) || memchr(name, ':', len) ||
	       (len == 9 && strncmp(name, "localhost", 9) == 0);
}

static bool ref__valid_name(const char *name)
{
	const char *p = name;

	if (ref__has_domain(name)) {
		const char *slash = strchr(name, '/');

		if (!ref__domain(name, (size_t)(slash - name)))
			return false;
		p = slash + 1;
	}
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (!ref__component(p, len))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

static bool ref__valid_tag(const char *tag)
{
	size_t len = strlen(tag);

	if (len == 0 || len > 128 || tag[0] == '.' || tag[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!ref__alnum(tag[i]) && tag[i] != '_' && tag[i] != '.' && tag[i] != '-')
			return false;
	return true;
}

int oci_layout__check_ref(const char *name, const char *tag, char *err, size_t errlen)
{
	if (strlen(name) > OCI_LAYOUT_NAME_MAX) {
		snprintf(err, errlen, "image name too long (%zu characters; at most %d)",
			 strlen(name), OCI_LAYOUT_NAME_MAX);
		return -1;
	}
	if (!ref__valid_name(name)) {
		snprintf(err, errlen,
			 "invalid image name '%s': use lower-case letters and digits, separated "
			 "by '.', '_' or '-', and '/' between parts (e.g. site, team/site, "
			 "localhost:5000/site)",
			 name);
		return -1;
	}
	if (!ref__valid_tag(tag)) {
		snprintf(err, errlen,
			 "invalid tag '%s': use letters, digits, '_', '.' and '-' (not first), at "
			 "most 128 characters (e.g. latest, v1.2)",
			 tag);
		return -1;
	}
	return 0;
}

void oci_layout__full_name(const char *name, char *buf, size_t len)
{
	if (ref__has_domain(name))
		snprintf(buf, len, "%s", name);
	else if (strchr(name, '/'))
		snprintf(buf, len, "docker.io/%s", name);
	else
		snprintf(buf, len, "docker.io/library/%s", name);
}
