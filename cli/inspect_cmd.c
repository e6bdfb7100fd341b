/* pith inspect: what an image holds (kind, ABI, entry, segments, components, symbols). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pith/abi.h>

#include "elf.h"
#include "instance.h"
#include "rootfs.h"

/* Byte totals by kind of segment. */
struct seg_totals {
	uint64_t text, rodata, data, bss;
};

/* "r-x"-style permissions of a segment. */
static const char *perm_string(uint32_t flags, char buf[4])
{
	buf[0] = flags & ELF_SEG_R ? 'r' : '-';
	buf[1] = flags & ELF_SEG_W ? 'w' : '-';
	buf[2] = flags & ELF_SEG_X ? 'x' : '-';
	buf[3] = 0;
	return buf;
}

/* bytes as "27.1 KiB", "3.0 MiB" or "512 B". */
static const char *human(uint64_t bytes, char *buf, size_t len)
{
	if (bytes < 1024)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else if (bytes < (1ULL << 20))
		snprintf(buf, len, "%.1f KiB", bytes / 1024.0);
	else
		snprintf(buf, len, "%.1f MiB", bytes / (1024.0 * 1024.0));
	return buf;
}

static void print_kind_and_abi(const struct elf_image *img)
{
	if (!img->has_abi_note) {
		printf("kind          static Linux ELF (no Pith note: runs on Pith's compat "
		       "kernel)\n");
		printf("ABI version   none\n");
		return;
	}
	printf("kind          Pith image\n");
	if (img->abi.abi_version == PITH_ABI_VERSION)
		printf("ABI version   %u (this pith runs it)\n", img->abi.abi_version);
	else
		printf("ABI version   %u (this pith runs version %u only: rebuild the image with "
		       "this pith)\n",
		       img->abi.abi_version, PITH_ABI_VERSION);
	printf("compat entry  0x%llx\n", (unsigned long long)img->abi.compat_entry);
}

static void print_entry(const struct elf_image *img)
{
	uint64_t off = 0;
	const char *sym = elf_image__symbolize(img, img->entry, &off);

	printf("entry         0x%llx", (unsigned long long)img->entry);
	if (sym && off == 0)
		printf(" (%s)", sym);
	else if (sym)
		printf(" (%s+0x%llx)", sym, (unsigned long long)off);
	printf("\n");
}

/* One line per segment; adds each to the totals. */
static void print_segments(const struct elf_image *img, struct seg_totals *t)
{
	char perm[4], size[32];

	printf("segments      %u\n", img->nseg);
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];

		printf("  0x%08llx-0x%08llx %s %10s", (unsigned long long)s->vaddr,
		       (unsigned long long)(s->vaddr + s->memsz), perm_string(s->flags, perm),
		       human(s->memsz, size, sizeof(size)));
		if (s->filesz != s->memsz)
			printf(" (%s in the file)", human(s->filesz, size, sizeof(size)));
		printf("\n");
		if (s->flags & ELF_SEG_X)
			t->text += s->memsz;
		else if (s->flags & ELF_SEG_W) {
			t->data += s->filesz;
			t->bss += s->memsz - s->filesz;
		} else
			t->rodata += s->memsz;
	}
}

static void print_totals(const struct seg_totals *t)
{
	char a[32], b[32], c[32], d[32];

	printf("sizes         text %s, rodata %s, data %s, bss %s\n", human(t->text, a, sizeof(a)),
	       human(t->rodata, b, sizeof(b)), human(t->data, c, sizeof(c)),
	       human(t->bss, d, sizeof(d)));
}

static int name__cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Component names in alphabetical order (the link order says nothing), with anything
 * unprintable replaced: they come from the file.
 */
static void print_components(const struct elf_image *img)
{
	const char *names[sizeof(img->components) / sizeof(img->components[0])];
	unsigned n = img->ncomponents;

	memcpy(names, img->components, n * sizeof(names[0]));
	qsort(names, n, sizeof(names[0]), name__cmp);
	printf("components   ");
	if (n == 0)
		printf(" none");
	for (unsigned i = 0; i < n; i++) {
		putchar(' ');
		for (const char *p = names[i]; *p; p++)
			putchar(*p > ' ' && *p < 0x7f ? *p : '?');
	}
	printf("\n");
}

/* An ELF64 symbol (Elf64_Sym), as laid out in the file. */
struct sym64 {
	uint32_t name;
	uint8_t info, other;
	uint16_t shndx;
	uint64_t value, size;
};

/* The value of the symbol called name, or 0. */
static uint64_t symbol_value(const struct elf_image *img, const char *name)
{
	for (size_t i = 0; img->symtab && i < img->nsyms && i < ELF_IMAGE_MAX_SYMBOLS; i++) {
		struct sym64 s;

		memcpy(&s, (const uint8_t *)img->symtab + i * sizeof(s), sizeof(s));
		if (s.name < img->strtab_size &&
		    strncmp(img->strtab + s.name, name, img->strtab_size - s.name) == 0)
			return s.value;
	}
	return 0;
}

/* The bytes of the file at [start, end) (guest addresses inside one segment's file data). */
static const uint8_t *image_bytes(const struct elf_image *img, uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < img->nseg && start && start <= end; i++) {
		const struct elf_segment *s = &img->seg[i];

		if (start >= s->vaddr && end <= s->vaddr + s->filesz)
			return img->data + s->offset + (start - s->vaddr);
	}
	return NULL;
}

/* "rootfs  N files, SIZE" for an image built with --rootfs/--copy; nothing without one. */
static void print_rootfs(const struct elf_image *img)
{
	uint64_t start = symbol_value(img, "pith_rootfs_start");
	uint64_t end = symbol_value(img, "pith_rootfs_end");
	const uint8_t *data = image_bytes(img, start, end);
	size_t files;
	uint64_t bytes;
	char size[32], content[32];

	if (!data)
		return;
	if (rootfs__scan(data, end - start, &files, &bytes) < 0) {
		printf("rootfs        %s, not a valid cpio newc archive\n",
		       human(end - start, size, sizeof(size)));
		return;
	}
	printf("rootfs        %zu files, %s (%s of file data)\n", files,
	       human(end - start, size, sizeof(size)), human(bytes, content, sizeof(content)));
}

static int inspect(const char *path)
{
	struct elf_image img;
	struct seg_totals totals = {0};
	char err[512], size[32];

	if (elf_image__open(&img, path, PITH_MEM_MAX, err, sizeof(err)) < 0)
		return cli__error("%s", err);
	printf("image         %s\n", path);
	printf("file size     %zu bytes (%s)\n", img.size, human(img.size, size, sizeof(size)));
	print_kind_and_abi(&img);
	print_entry(&img);
	print_segments(&img, &totals);
	print_totals(&totals);
	if (img.has_abi_note)
		print_components(&img);
	print_rootfs(&img);
	printf("symbols       %zu%s\n", img.nsyms, img.symtab ? "" : " (stripped)");
	elf_image__close(&img);
	return 0;
}

/* A JSON string: the text with quotes, backslashes and control characters escaped. */
static void json__string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* "key": "value" from the config, then a comma and newline. */
static void json__config(const struct instance *inst, const char *key)
{
	char v[INSTANCE_PATH_MAX];

	printf("  \"%s\": ", key);
	json__string(instance__get(inst, key, v, sizeof(v)));
	printf(",\n");
}

/* The guest's arguments (args=, escaped words) as a JSON array of strings. */
static void json__args(const struct instance *inst)
{
	char v[8192], word[8192];
	const char *p = instance__get(inst, "args", v, sizeof(v));

	printf("  \"args\": [");
	for (int first = 1; *p; first = 0) {
		size_t n = 0;

		for (; *p && *p != ' ' && n < sizeof(word) - 1; p++) {
			unsigned hex;

			if (p[0] == '\\' && p[1] == 'x' && sscanf(p + 2, "%2x", &hex) == 1) {
				word[n++] = (char)hex;
				p += 3;
			} else if (p[0] == '\\' && p[1] == '\\') {
				word[n++] = '\\';
				p++;
			} else {
				word[n++] = *p;
			}
		}
		word[n] = 0;
		printf("%s", first ? "" : ", ");
		json__string(word);
		if (*p == ' ')
			p++;
	}
	printf("],\n");
}

/* The record: config, state, processes, exit. */
static void json__instance(struct instance *inst)
{
	static const char *const keys[] = {"id", "name", "image", "ports", "net"};
	char state[64], log[INSTANCE_PATH_MAX + 16], v[64];
	bool running;

	instance__state_text(inst, state, sizeof(state));
	running = instance__state(inst) == INSTANCE_RUNNING;
	printf("{\n");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json__config(inst, keys[i]);
	json__args(inst);
	printf("  \"mem\": %s,\n", instance__get(inst, "mem", v, sizeof(v)));
	printf("  \"created\": %s,\n", instance__get(inst, "created", v, sizeof(v)));
	printf("  \"rm\": %s,\n",
	       *instance__get(inst, "rm", v, sizeof(v)) == '1' ? "true" : "false");
	printf("  \"detached\": %s,\n",
	       *instance__get(inst, "detached", v, sizeof(v)) == '1' ? "true" : "false");
	printf("  \"state\": ");
	json__string(state);
	printf(",\n  \"running\": %s,\n", running ? "true" : "false");
	printf("  \"pid\": %ld,\n", inst->has_run ? inst->run.monitor_pid : 0L);
	printf("  \"keeper_pid\": %ld,\n", inst->has_run ? inst->run.keeper_pid : 0L);
	printf("  \"started\": %llu,\n", (unsigned long long)inst->run.started);
	if (inst->has_exit && inst->exit.status >= 0)
		printf("  \"exit_status\": %d,\n  \"exit_signal\": %d,\n", inst->exit.status,
		       inst->exit.signal);
	else
		printf("  \"exit_status\": null,\n  \"exit_signal\": null,\n");
	printf("  \"finished\": %llu,\n", (unsigned long long)inst->exit.finished);
	printf("  \"log\": ");
	json__string(instance__log_path(inst, log, sizeof(log)));
	printf("\n}\n");
}

/* pith inspect INSTANCE: the record as JSON; 0, or 1 if there is no such instance. */
static int inspect_instance(const char *ref)
{
	struct instance inst;

	if (instance__find(&inst, ref) != 0)
		return 1;
	json__instance(&inst);
	instance__free(&inst);
	return 0;
}

int inspect_cmd__main(int argc, char **argv)
{
	struct stat st;

	if (argc >= 1 && (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0)) {
		cli__help();
		return 0;
	}
	if (argc < 1)
		return cli__usage_error("inspect: no image given");
	if (argc > 1)
		return cli__usage_error("inspect: one image at a time (got %d arguments)", argc);
	if (argv[0][0] == '-')
		return cli__usage_error("inspect: unknown option '%s'", argv[0]);
	if (stat(argv[0], &st) < 0 && (strchr(argv[0], '/') || strstr(argv[0], ".pith")))
		return inspect(argv[0]); /* a path that is not there: the image error as before */
	return stat(argv[0], &st) == 0 ? inspect(argv[0]) : inspect_instance(argv[0]);
}
