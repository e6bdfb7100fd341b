/* PITH_COMPONENT_NOTE: the ELF note that lists each kernel component linked into an image. */
#ifndef PITH_CORE_NOTE_H
#define PITH_CORE_NOTE_H

#include <stdint.h>

#include <pith/abi.h>

/*
 * One PITH_NOTE_COMPONENT note (ELF note format: namesz, descsz, type, name and desc each padded
 * to 4 bytes) in section .note.pith. `retain` keeps it through --gc-sections once its object is
 * linked, so each component places it in the object that every one of its syscalls references:
 * the note is present exactly when the component is.
 */
#define PITH_NOTE_PAD4(n) (((n) + 3) & ~3)

/* Places a note in .note.pith and keeps it through --gc-sections. */
#define PITH_NOTE_SECTION __attribute__((section(".note.pith"), used, retain, aligned(4)))

#define PITH_COMPONENT_NOTE(comp)                                                                  \
	PITH_NOTE_SECTION static const struct {                                                    \
		uint32_t namesz, descsz, type;                                                     \
		char name[PITH_NOTE_PAD4(sizeof(PITH_NOTE_NAME))];                                 \
		char desc[PITH_NOTE_PAD4(sizeof(#comp))];                                          \
	} pith_note_component_##comp = {sizeof(PITH_NOTE_NAME), sizeof(#comp),                     \
					PITH_NOTE_COMPONENT, PITH_NOTE_NAME, #comp}

#endif
